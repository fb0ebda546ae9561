"""exports"""

urlpatterns = []
