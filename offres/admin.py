from django.contrib import admin

from .models import Offre


@admin.register(Offre)
class OffreAdmin(admin.ModelAdmin):
    list_display = ["intitule", "employeur", "commune", "type_contrat", "statut", "date_publication"]
    list_filter = ["statut", "type_contrat"]
    search_fields = ["intitule", "employeur"]
    list_select_related = ["commune", "type_contrat"]
    raw_id_fields = ["entreprise"]
