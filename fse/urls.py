from django.urls import path

from . import views

app_name = "fse"

urlpatterns = [
    path("agenda/", views.AgendaSemaine.as_view(), name="semaine"),
    path("agenda/<str:jour>/", views.AgendaSemaine.as_view(), name="semaine"),
    path("agendas/a-valider/", views.AgendasAValider.as_view(), name="a_valider"),
]
