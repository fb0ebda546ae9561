"""rapports"""

urlpatterns = []
