"""bilans"""

urlpatterns = []
