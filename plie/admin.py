from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, TypeContrat, User


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
