from django.contrib import admin

from .models import (
    BesoinFormation,
    DomaineFormation,
    EtapePositionnementFormation,
    OrganismeFormation,
    PositionnementFormation,
    SessionFormation,
)


@admin.register(DomaineFormation)
class DomaineFormationAdmin(admin.ModelAdmin):
    """The administrateur keeps the fields, their Formacode codes and ROME prefixes (reference data)."""

    list_display = ["libelle", "code", "codes_formacode", "prefixes_rome"]
    search_fields = ["libelle", "code", "codes_formacode"]


@admin.register(BesoinFormation)
class BesoinFormationAdmin(admin.ModelAdmin):
    list_display = ["intitule", "participant", "domaine", "type", "urgence", "statut", "exprime_le"]
    list_filter = ["statut", "type", "urgence", "domaine"]
    search_fields = ["intitule", "participant__nom", "participant__prenom"]
    list_select_related = ["participant", "domaine"]
    raw_id_fields = ["participant", "entretien", "metier_rome"]


@admin.register(OrganismeFormation)
class OrganismeFormationAdmin(admin.ModelAdmin):
    list_display = ["nom", "siret", "commune", "actif"]
    list_filter = ["actif"]
    search_fields = ["nom", "siret"]
    list_select_related = ["commune"]
    filter_horizontal = ["domaines"]


@admin.register(SessionFormation)
class SessionFormationAdmin(admin.ModelAdmin):
    list_display = ["intitule", "organisme", "dispositif", "domaine", "debut", "fin", "capacite", "statut"]
    list_filter = ["statut", "dispositif", "qualifiante", "domaine"]
    search_fields = ["intitule", "organisme__nom"]
    list_select_related = ["organisme", "domaine"]
    date_hierarchy = "debut"


class EtapeInline(admin.TabularInline):
    model = EtapePositionnementFormation
    extra = 0
    readonly_fields = ["statut", "date", "par", "commentaire", "cree_le"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Steps are recorded by positionnement_avancer, which also moves the need and the situation.
        return False


@admin.register(PositionnementFormation)
class PositionnementFormationAdmin(admin.ModelAdmin):
    list_display = ["participant", "session", "statut", "propose_le"]
    list_filter = ["statut"]
    search_fields = ["participant__nom", "participant__prenom", "session__intitule"]
    list_select_related = ["participant", "session__organisme"]
    raw_id_fields = ["participant", "session", "besoin", "situation"]
    readonly_fields = ["statut"]
    inlines = [EtapeInline]
