from . import urls_actions, urls_evenements, urls_fichier

app_name = "entreprises"

urlpatterns = [*urls_fichier.urlpatterns, *urls_evenements.urlpatterns, *urls_actions.urlpatterns]
