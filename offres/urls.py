from django.urls import path

from .views import classeur_partenaire, import_url, liste, positionnements, qualification, sources

app_name = "offres"

urlpatterns = [
    path("", liste.OffreList.as_view(), name="liste"),
    path("export.xlsx", liste.export_offres, name="export"),
    path("nouvelle/", qualification.OffreSaisie.as_view(), name="nouvelle"),
    path("importer-url/", import_url.ImporterDepuisUrl.as_view(), name="importer_url"),
    path("qualification/", qualification.file_qualification, name="file"),
    path("qualification/ecarter/", qualification.EcarterLot.as_view(), name="ecarter_lot"),
    path("<int:pk>/qualifier/", qualification.Qualifier.as_view(), name="qualifier"),
    path("<int:pk>/rouvrir/", qualification.Rouvrir.as_view(), name="rouvrir"),
    path("<int:pk>/", positionnements.OffreDetail.as_view(), name="detail"),
    path("<int:pk>/diffuser/", positionnements.Diffuser.as_view(), name="diffuser"),
    path("<int:pk>/cloturer/", positionnements.Cloturer.as_view(), name="cloturer"),
    path("<int:pk>/positionner/", positionnements.Positionner.as_view(), name="positionner"),
    path("positionnements/<int:pk>/", positionnements.PositionnementDetail.as_view(), name="positionnement"),
    path("sources/", sources.SourceList.as_view(), name="sources"),
    path("sources/<int:pk>/relancer/", sources.Relancer.as_view(), name="relancer_source"),
    path("sources/classeur/", classeur_partenaire.DeposerClasseur.as_view(), name="classeur_depot"),
    path("sources/classeur/colonnes/", classeur_partenaire.CorrespondanceColonnes.as_view(), name="classeur_colonnes"),
    path(
        "sources/classeur/execution/<int:pk>/",
        classeur_partenaire.ResultatClasseur.as_view(),
        name="classeur_resultat",
    ),
    path("sources/<int:pk>/etat/", sources.SourceEtat.as_view(), name="source_etat"),
    path("suivi/", positionnements.Suivi.as_view(), name="suivi"),
    path("pour/<int:participant_pk>/", positionnements.OffresPourParticipant.as_view(), name="pour_participant"),
]
