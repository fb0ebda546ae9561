"""tableau"""

urlpatterns = []
