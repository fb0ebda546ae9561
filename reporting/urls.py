from .views import bilans, exports, rapports, tableau

app_name = "reporting"

urlpatterns = [*tableau.urlpatterns, *exports.urlpatterns, *rapports.urlpatterns, *bilans.urlpatterns]
