from django.contrib import admin

from .models import CategorieActivite, LigneAgenda, SemaineAgenda
from .rules import StatutSemaine


@admin.register(CategorieActivite)
class CategorieActiviteAdmin(admin.ModelAdmin):
    list_display = ["libelle", "code", "ordre", "actif"]
    list_editable = ["ordre", "actif"]
    prepopulated_fields = {"code": ["libelle"]}


def _verrouillee(semaine):
    return semaine is not None and semaine.statut == StatutSemaine.VALIDEE


class LigneAgendaInline(admin.TabularInline):
    model = LigneAgenda
    extra = 0
    raw_id_fields = ["offre", "entreprise", "evenement", "action"]

    def has_add_permission(self, request, obj=None):
        return not _verrouillee(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _verrouillee(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _verrouillee(obj) and super().has_delete_permission(request, obj)


@admin.register(SemaineAgenda)
class SemaineAgendaAdmin(admin.ModelAdmin):
    """The workflow (submission, validation, correction) goes through ``fse.services``: its
    fields are read-only here, and a validated week cannot be changed or deleted."""

    list_display = ["lundi", "salarie", "version", "statut", "validee_le", "validee_par"]
    list_filter = ["statut"]
    search_fields = ["salarie__last_name", "salarie__first_name", "salarie__email"]
    date_hierarchy = "lundi"
    list_select_related = ["salarie", "validee_par"]
    readonly_fields = [
        "statut",
        "soumise_le",
        "validee_le",
        "validee_par",
        "commentaire_retour",
        "version",
        "remplace",
        "motif_correction",
        "corrigee_par",
        "corrigee_le",
    ]
    inlines = [LigneAgendaInline]

    def has_change_permission(self, request, obj=None):
        return not _verrouillee(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _verrouillee(obj) and super().has_delete_permission(request, obj)
