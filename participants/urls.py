from django.urls import path

from . import views, views_acces, views_classeur

app_name = "participants"

urlpatterns = [
    path("", views.ParticipantList.as_view(), name="liste"),
    path("nouveau/", views.ParticipantCreate.as_view(), name="nouveau"),
    path("commission/", views.Commission.as_view(), name="commission"),
    path("import/", views_classeur.ImportParticipantsView.as_view(), name="import"),
    path("export.xlsx", views_classeur.export_participants, name="export"),
    path("notice-information/", views_acces.NoticeInformation.as_view(), name="notice_information"),
    path("notice-information.pdf", views_acces.NoticeInformationPdf.as_view(), name="notice_information_pdf"),
    path("<int:pk>/", views.ParticipantDetail.as_view(), name="detail"),
    path("<int:pk>/modifier/", views.ParticipantUpdate.as_view(), name="modifier"),
    path("<int:pk>/entretiens/nouveau/", views.EntretienCreate.as_view(), name="entretien"),
    path("<int:pk>/etapes/nouvelle/", views.EtapeCreate.as_view(), name="etape"),
    path("<int:pk>/situations/nouvelle/", views.SituationCreate.as_view(), name="situation"),
    path("<int:pk>/diagnostic/", views.DiagnosticEdit.as_view(), name="diagnostic"),
    path("<int:pk>/sortie/", views.SortieConfirm.as_view(), name="sortie"),
    path("<int:pk>/referent/", views.ChangerReferent.as_view(), name="referent"),
    path("<int:pk>/decision/", views.Decision.as_view(), name="decision"),
    path("<int:pk>/validation-senior/", views.ValidationSenior.as_view(), name="validation_senior"),
    path("<int:pk>/droit-d-acces.zip", views_acces.DroitAccesArchive.as_view(), name="droit_acces"),
]
