"""Filters of the journals page (« Journal »): by person, object, action and period."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from .audit import types_audites
from .models import JournalAcces, JournalModification, User
from .widgets import SelectRapide


def _champ_date(label):
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def choix_utilisateurs():
    """Every account, active or not (a departed person's changes stay in the journal), in one query."""
    comptes = User.objects.order_by("last_name", "first_name", "email").values_list(
        "pk", "first_name", "last_name", "email"
    )
    return [(pk, f"{prenom} {nom}".strip() or email) for pk, prenom, nom, email in comptes]


def _debut_du_jour(jour):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))


class _JournalFilter(django_filters.FilterSet):
    """What both journals share; the period bounds are whole local days, compared on the indexed
    timestamp (not on its date, which no index serves)."""

    utilisateur = django_filters.ChoiceFilter(label="Personne", widget=SelectRapide, empty_label="Toutes")
    du = django_filters.DateFilter(method="filtrer_du", **_champ_date("Du"))
    au = django_filters.DateFilter(method="filtrer_au", **_champ_date("Au"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["utilisateur"].extra["choices"] = choix_utilisateurs()

    def filtrer_du(self, queryset, name, value):
        return queryset.filter(horodatage__gte=_debut_du_jour(value))

    def filtrer_au(self, queryset, name, value):
        return queryset.filter(horodatage__lt=_debut_du_jour(value + datetime.timedelta(days=1)))


class JournalModificationFilter(_JournalFilter):
    objet_type = django_filters.ChoiceFilter(label="Type d'objet", widget=SelectRapide, empty_label="Tous")
    objet = django_filters.CharFilter(label="Objet (n° ou identifiant)", method="filtrer_objet")
    action = django_filters.ChoiceFilter(choices=JournalModification.Action.choices, empty_label="Toutes")

    class Meta:
        model = JournalModification
        fields = ["utilisateur", "objet_type", "objet", "action", "du", "au"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["objet_type"].extra["choices"] = types_audites()

    def filtrer_objet(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(objet_id=value) | Q(objet_libelle__icontains=value)) if value else queryset


class JournalAccesFilter(_JournalFilter):
    # Free text: the kinds of access grow with the exports, and listing the distinct ones would
    # read the whole journal.
    objet_type = django_filters.CharFilter(label="Type d'objet (ex. participant, bilan)")
    objet = django_filters.CharFilter(label="Objet (n° ou détail)", method="filtrer_objet")
    action = django_filters.ChoiceFilter(choices=JournalAcces.Action.choices, empty_label="Toutes")

    class Meta:
        model = JournalAcces
        fields = ["utilisateur", "objet_type", "objet", "action", "du", "au"]

    def filtrer_objet(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(objet_id=value) | Q(detail__icontains=value)) if value else queryset
