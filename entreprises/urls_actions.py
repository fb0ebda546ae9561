"""URLs of the actions pages (filled by their views module)."""

urlpatterns = []
