from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import securite
from .models import (
    Commune,
    JournalModification,
    MetierRome,
    NiveauFormation,
    QuartierPrioritaire,
    TypeContrat,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["last_name", "first_name"]
    list_display = ["email", "first_name", "last_name", "structure", "is_active", "agenda_fse", "last_login"]
    list_filter = ["groups", "is_active", "agenda_fse", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "structure"]}),
        ("Agenda FSE", {"fields": ["agenda_fse"]}),
        ("Rôle et droits", {"fields": ["is_active", "groups", "is_staff", "is_superuser", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "password1", "password2", "groups", "agenda_fse"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    actions = ["desactiver_et_deconnecter", "reinitialiser_deux_facteurs"]

    @admin.action(description="Désactiver et déconnecter", permissions=["change"])
    def desactiver_et_deconnecter(self, request, queryset):
        # One save per account, so that the signal of plie.securite ends its sessions.
        comptes = list(queryset.exclude(pk=request.user.pk))
        for compte in comptes:
            securite.desactiver_compte(compte)
        self.message_user(request, f"{len(comptes)} compte(s) désactivé(s), leurs sessions fermées.")
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "Votre propre compte n'a pas été désactivé.", level=messages.WARNING)

    @admin.action(description="Réinitialiser la double authentification", permissions=["change"])
    def reinitialiser_deux_facteurs(self, request, queryset):
        # For a lost phone: the account enrols again at its next login (its sessions end now).
        comptes = list(queryset.exclude(pk=request.user.pk))
        for compte in comptes:
            securite.reinitialiser_deux_facteurs(compte)
        self.message_user(request, f"Double authentification réinitialisée pour {len(comptes)} compte(s).")
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(
                request, "Votre propre compte : passez par « Sécurité du compte ».", level=messages.WARNING
            )


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["nom", "insee", "codes_postaux", "valide_du", "valide_au"]
    search_fields = ["nom", "insee"]


@admin.register(QuartierPrioritaire)
class QuartierPrioritaireAdmin(admin.ModelAdmin):
    list_display = ["nom", "code", "valide_du", "valide_au"]
    list_filter = ["communes"]
    filter_horizontal = ["communes"]


@admin.register(NiveauFormation)
class NiveauFormationAdmin(admin.ModelAdmin):
    list_display = ["libelle", "code", "ancien_niveau", "isced", "niveau_v_ou_infra"]


@admin.register(TypeContrat)
class TypeContratAdmin(admin.ModelAdmin):
    list_display = ["libelle", "code", "categorie", "codes_france_travail", "natures_contrat_france_travail"]
    list_filter = ["categorie"]


@admin.register(MetierRome)
class MetierRomeAdmin(admin.ModelAdmin):
    list_display = ["code", "libelle", "grand_domaine"]
    search_fields = ["code", "libelle"]
    list_filter = ["grand_domaine"]


@admin.register(JournalModification)
class JournalModificationAdmin(admin.ModelAdmin):
    """Read-only: the journal is append-only (the page « Journal » is the administrateur's view)."""

    list_display = ["horodatage", "utilisateur", "action", "objet_type", "objet_id", "objet_libelle"]
    list_filter = ["action", "objet_type"]
    search_fields = ["objet_id", "objet_libelle"]
    list_select_related = ["utilisateur"]
    date_hierarchy = "horodatage"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
