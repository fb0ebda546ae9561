from django.contrib import admin

from .models import (
    ActionCollective,
    BesoinRecrutement,
    Binome,
    Contact,
    Entreprise,
    Evenement,
    Inscription,
    Interaction,
    SecteurActivite,
    TacheEvenement,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Entreprise)
class EntrepriseAdmin(admin.ModelAdmin):
    list_display = ["nom", "siret", "secteur_activite", "commune", "statut_relation", "dernier_contact_le"]
    list_filter = ["statut_relation", "secteur_activite"]
    search_fields = ["nom", "siret"]
    list_select_related = ["commune", "secteur_activite"]
    inlines = [ContactInline]


@admin.register(SecteurActivite)
class SecteurActiviteAdmin(admin.ModelAdmin):
    list_display = ["libelle", "code", "prefixes_naf", "binome"]
    list_select_related = ["binome__referent_1", "binome__referent_2"]


@admin.register(Binome)
class BinomeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "actif"]
    list_select_related = ["referent_1", "referent_2"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["entreprise", "date", "type", "auteur"]
    list_select_related = ["entreprise", "auteur"]
    date_hierarchy = "date"


@admin.register(BesoinRecrutement)
class BesoinRecrutementAdmin(admin.ModelAdmin):
    list_display = ["intitule", "entreprise", "statut", "echeance"]
    list_select_related = ["entreprise"]


class TacheInline(admin.TabularInline):
    model = TacheEvenement
    extra = 0


@admin.register(Evenement)
class EvenementAdmin(admin.ModelAdmin):
    list_display = ["titre", "type", "debut", "lieu", "annule"]
    date_hierarchy = "debut"
    inlines = [TacheInline]


class InscriptionInline(admin.TabularInline):
    model = Inscription
    extra = 0
    raw_id_fields = ["participant"]


@admin.register(ActionCollective)
class ActionCollectiveAdmin(admin.ModelAdmin):
    list_display = ["titre", "type", "date", "creneau", "capacite", "statut"]
    list_filter = ["type", "statut"]
    date_hierarchy = "date"
    inlines = [InscriptionInline]
