import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from plie.models import Commune, NiveauFormation, User
from plie.roles import Role

from .enums import StatutParticipant
from .models import Participant


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom, prénom ou identifiant", method="chercher")
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.none(), label="Commune")
    qpv = django_filters.BooleanFilter(label="Réside en QPV", method="filtrer_qpv")
    statut = django_filters.ChoiceFilter(choices=StatutParticipant.choices, empty_label="Tous les statuts")
    referent = django_filters.ModelChoiceFilter(queryset=User.objects.none(), label="Référent")
    entree_du = django_filters.DateFilter(
        field_name="date_entree",
        lookup_expr="gte",
        label="Entrés depuis le",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    entree_au = django_filters.DateFilter(
        field_name="date_entree",
        lookup_expr="lte",
        label="Entrés jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    niveau_formation = django_filters.ModelChoiceFilter(queryset=NiveauFormation.objects.all(), label="Niveau")

    class Meta:
        model = Participant
        fields = ["q", "commune", "qpv", "statut", "referent", "entree_du", "entree_au", "niveau_formation"]

    def __init__(self, *args, voit_tous_les_referents=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["commune"].queryset = Commune.objects.valides_le(timezone.localdate())
        if voit_tous_les_referents:
            self.filters["referent"].queryset = User.objects.with_role(Role.REFERENT)
        else:
            del self.filters["referent"]

    def chercher(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(nom__icontains=word) | Q(prenom__icontains=word) | Q(identifiant__iexact=word))
        return queryset

    def filtrer_qpv(self, queryset, name, value):
        return queryset.filter(quartier_prioritaire__isnull=not value)
