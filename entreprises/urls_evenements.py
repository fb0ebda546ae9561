"""URLs of the evenements pages (filled by their views module)."""

urlpatterns = []
