from django.contrib import admin

from .models import Entreprise


@admin.register(Entreprise)
class EntrepriseAdmin(admin.ModelAdmin):
    list_display = ["nom", "siret", "secteur", "commune"]
    search_fields = ["nom", "siret"]
    list_select_related = ["commune"]
