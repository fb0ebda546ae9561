from django.urls import path

from . import views, views_csf, views_donnees

app_name = "fse"

urlpatterns = [
    path("agenda/", views.AgendaSemaine.as_view(), name="semaine"),
    path("agenda/<str:jour>/", views.AgendaSemaine.as_view(), name="semaine"),
    path("agendas/a-valider/", views.AgendasAValider.as_view(), name="a_valider"),
    path(
        "participants/<int:pk>/donnees-fse/",
        views_donnees.DonneesParticipant.as_view(),
        name="donnees_participant",
    ),
    path("indicateurs/", views_donnees.Indicateurs.as_view(), name="indicateurs"),
    path("donnees-a-completer/", views_donnees.DonneesIncompletes.as_view(), name="donnees_incompletes"),
    path("donnees-fse.xlsx", views_donnees.DonneesExport.as_view(), name="donnees_export"),
    path("controle-service-fait/", views_csf.PackCsfPage.as_view(), name="csf"),
    path("controle-service-fait/accueil/", views_csf.PackAccueil.as_view(), name="csf_accueil"),
    path("controle-service-fait/<int:pk>/etat/", views_csf.PackEtat.as_view(), name="csf_etat"),
    path("controle-service-fait/<int:pk>/telecharger/", views_csf.PackTelecharger.as_view(), name="csf_telecharger"),
]
