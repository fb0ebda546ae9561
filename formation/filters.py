"""Filters of the needs and sessions lists (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from plie.models import Commune, User
from plie.roles import Role

from . import rules
from .models import (
    BesoinFormation,
    Dispositif,
    DomaineFormation,
    OrganismeFormation,
    SessionFormation,
    StatutBesoin,
    StatutSession,
    TypeBesoin,
    Urgence,
)

DATE = forms.DateInput(attrs={"type": "date"})


class BesoinFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Participant ou formation", method="chercher")
    domaine = django_filters.ModelChoiceFilter(
        queryset=DomaineFormation.objects.all(), label="Domaine", empty_label="Tous les domaines"
    )
    type = django_filters.ChoiceFilter(choices=TypeBesoin.choices, label="Nature", empty_label="Toutes")
    statut = django_filters.ChoiceFilter(choices=StatutBesoin.choices, empty_label="Tous les statuts")
    urgence = django_filters.ChoiceFilter(choices=Urgence.choices, empty_label="Toutes les urgences")
    commune = django_filters.ModelChoiceFilter(
        field_name="participant__commune", queryset=Commune.objects.none(), label="Commune", empty_label="Toutes"
    )
    exprime_du = django_filters.DateFilter(
        field_name="exprime_le", lookup_expr="gte", label="Exprimés depuis le", widget=DATE
    )
    exprime_au = django_filters.DateFilter(
        field_name="exprime_le", lookup_expr="lte", label="Exprimés jusqu'au", widget=DATE
    )
    referent = django_filters.ModelChoiceFilter(
        field_name="participant__referent", queryset=User.objects.none(), label="Référent", empty_label="Tous"
    )
    seniors = django_filters.BooleanFilter(method="filtrer_seniors", widget=forms.CheckboxInput)

    class Meta:
        model = BesoinFormation
        fields = [
            "q",
            "domaine",
            "type",
            "statut",
            "urgence",
            "commune",
            "exprime_du",
            "exprime_au",
            "referent",
            "seniors",
        ]

    def __init__(self, *args, voit_tous_les_referents=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["commune"].queryset = Commune.objects.valides_le(timezone.localdate())
        self.filters["seniors"].label = f"Seniors seulement ({rules.age_senior()} ans et plus)"
        if voit_tous_les_referents:
            self.filters["referent"].queryset = User.objects.with_role(Role.REFERENT).order_by(
                "last_name", "first_name"
            )
        else:
            del self.filters["referent"]

    def chercher(self, queryset, name, value):
        for mot in value.split():
            queryset = queryset.filter(
                Q(participant__nom__icontains=mot) | Q(participant__prenom__icontains=mot) | Q(intitule__icontains=mot)
            )
        return queryset

    def filtrer_seniors(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            participant__date_naissance__lte=rules.naissance_senior_au_plus_tard(timezone.localdate())
        )


class Periode:
    A_VENIR = "a_venir"
    EN_COURS = "en_cours"
    PASSEES = "passees"
    CHOIX = [(A_VENIR, "À venir"), (EN_COURS, "En cours"), (PASSEES, "Passées")]


class SessionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Intitulé ou organisme", method="chercher")
    dispositif = django_filters.ChoiceFilter(choices=Dispositif.choices, empty_label="Tous les dispositifs")
    domaine = django_filters.ModelChoiceFilter(
        queryset=DomaineFormation.objects.all(), label="Domaine", empty_label="Tous les domaines"
    )
    organisme = django_filters.ModelChoiceFilter(
        queryset=OrganismeFormation.objects.all(), label="Organisme", empty_label="Tous les organismes"
    )
    periode = django_filters.ChoiceFilter(
        choices=Periode.CHOIX, label="Période", empty_label="Toutes les dates", method="filtrer_periode"
    )
    statut = django_filters.ChoiceFilter(choices=StatutSession.choices, empty_label="Tous les statuts")

    class Meta:
        model = SessionFormation
        fields = ["q", "dispositif", "domaine", "organisme", "periode", "statut"]

    def chercher(self, queryset, name, value):
        for mot in value.split():
            queryset = queryset.filter(Q(intitule__icontains=mot) | Q(organisme__nom__icontains=mot))
        return queryset

    def filtrer_periode(self, queryset, name, value):
        today = timezone.localdate()
        if value == Periode.A_VENIR:
            return queryset.filter(debut__gt=today)
        if value == Periode.EN_COURS:
            return queryset.filter(debut__lte=today, fin__gte=today)
        if value == Periode.PASSEES:
            return queryset.filter(fin__lt=today)
        return queryset
