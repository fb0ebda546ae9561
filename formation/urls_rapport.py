"""URLs of the Région report (filled by its views module)."""

from django.urls import path

from .views import rapport

urlpatterns = [
    path("rapport-region/", rapport.Rapport.as_view(), name="rapport"),
    path("rapport-region.pdf", rapport.RapportPdf.as_view(), name="rapport_pdf"),
    path("rapport-region.xlsx", rapport.RapportXlsx.as_view(), name="rapport_xlsx"),
]
