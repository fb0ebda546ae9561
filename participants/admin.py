from django.contrib import admin

from .models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["identifiant", "nom", "prenom", "commune", "statut", "date_entree", "referent"]
    list_filter = ["statut", "commune"]
    search_fields = ["identifiant", "nom", "prenom"]
    list_select_related = ["commune", "referent"]
    raw_id_fields = ["referent"]
