"""URLs of the events pages and of the iCalendar feed (under ``/entreprises/``)."""

from django.urls import path

from .views import evenements

urlpatterns = [
    path("evenements/", evenements.Evenements.as_view(), name="evenements"),
    path("evenements/nouveau/", evenements.EvenementCreer.as_view(), name="evenement_nouveau"),
    path("evenements/<int:pk>/", evenements.EvenementDetail.as_view(), name="evenement"),
    path("evenements/<int:pk>/modifier/", evenements.EvenementModifier.as_view(), name="evenement_modifier"),
    path("evenements/<int:pk>/annuler/", evenements.EvenementAnnuler.as_view(), name="evenement_annuler"),
    path("evenements/<int:pk>/participation/", evenements.Participation.as_view(), name="evenement_participation"),
    path("evenements/<int:pk>/taches/", evenements.TacheAjouter.as_view(), name="evenement_tache_ajouter"),
    path(
        "evenements/<int:pk>/taches/<int:tache_pk>/faite/",
        evenements.TacheFaite.as_view(),
        name="evenement_tache_faite",
    ),
    path(
        "evenements/<int:pk>/taches/<int:tache_pk>/supprimer/",
        evenements.TacheSupprimer.as_view(),
        name="evenement_tache_supprimer",
    ),
    path("calendrier/", evenements.MonCalendrier.as_view(), name="mon_calendrier"),
    path("calendrier/regenerer/", evenements.RegenererCalendrier.as_view(), name="calendrier_regenerer"),
    # No login: calendar apps cannot sign in; the secret token stands for the user.
    path("calendrier/<str:jeton>.ics", evenements.calendrier_ics, name="calendrier_ics"),
]
