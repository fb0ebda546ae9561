from django.urls import path

from . import urls_rapport
from .views import besoins, sessions

app_name = "formation"

urlpatterns = [
    path("besoins/", besoins.BesoinList.as_view(), name="besoins"),
    path("besoins/nouveau/", besoins.BesoinCreate.as_view(), name="besoin_nouveau"),
    path("besoins/<int:pk>/", besoins.BesoinDetail.as_view(), name="besoin"),
    path("besoins/<int:pk>/modifier/", besoins.BesoinUpdate.as_view(), name="besoin_modifier"),
    path("besoins/<int:pk>/statut/", besoins.BesoinStatut.as_view(), name="besoin_statut"),
    path("besoins/<int:pk>/positionner/", besoins.Positionner.as_view(), name="positionner"),
    path("organismes/", sessions.OrganismeList.as_view(), name="organismes"),
    path("organismes/nouveau/", sessions.OrganismeCreate.as_view(), name="organisme_nouveau"),
    path("organismes/<int:pk>/", sessions.OrganismeDetail.as_view(), name="organisme"),
    path("organismes/<int:pk>/modifier/", sessions.OrganismeUpdate.as_view(), name="organisme_modifier"),
    path("sessions/", sessions.SessionList.as_view(), name="sessions"),
    path("sessions/nouvelle/", sessions.SessionCreate.as_view(), name="session_nouvelle"),
    path("sessions/<int:pk>/", sessions.SessionDetail.as_view(), name="session"),
    path("sessions/<int:pk>/modifier/", sessions.SessionUpdate.as_view(), name="session_modifier"),
    path("sessions/<int:pk>/annuler/", sessions.SessionAnnuler.as_view(), name="session_annuler"),
    path("sessions/<int:pk>/positionner/", sessions.SessionPositionner.as_view(), name="session_positionner"),
    path("positionnements/<int:pk>/", sessions.PositionnementDetail.as_view(), name="positionnement"),
    *urls_rapport.urlpatterns,
]
