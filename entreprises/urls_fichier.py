"""URLs of the fichier pages (filled by their views module)."""

urlpatterns = []
