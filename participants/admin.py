from django.contrib import admin
from django.contrib.admin.utils import unquote

from .models import Participant
from .services import journaliser_lecture_sensible


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["identifiant", "nom", "prenom", "commune", "statut", "date_entree", "referent"]
    list_filter = ["statut", "commune"]
    search_fields = ["identifiant", "nom", "prenom"]
    list_select_related = ["commune", "referent"]
    raw_id_fields = ["referent"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The record's form shows health, disability and justice facts: logged as in the app.
        participant = self.get_object(request, unquote(object_id))
        if participant is not None and request.method == "GET":
            journaliser_lecture_sensible(utilisateur=request.user, participant=participant)
        return super().change_view(request, object_id, form_url, extra_context)
