"""Filters of the offers list, shared by the page and its XLSX export (the same rows in both)."""

import django_filters
from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone

from entreprises.models import Entreprise
from plie.dates import pendant
from plie.models import Commune, TypeContrat
from plie.roles import Role
from plie.widgets import SelectRapide

from .enums import StatutOffre
from .models import LienSource, Offre, Source

# What a référent may see: the chargé(e) de mission's work in progress (collectée, écartée) is not theirs.
STATUTS_REFERENT = [StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE, StatutOffre.CLOTUREE]

# ``?tri=`` values of the list and the order each one means (a leading ``-`` reverses it).
# Statuses sort in the order of their lifecycle (RULES §4), not alphabetically.
TRIS = {
    "publication": ("date_publication", "id"),
    "intitule": ("intitule", "id"),
    "statut": ("rang_statut", "-date_publication", "-id"),
}
TRI_PAR_DEFAUT = "-publication"
RANG_STATUT = Case(
    *(When(statut=statut, then=Value(rang)) for rang, statut in enumerate(StatutOffre)),
    default=Value(len(StatutOffre)),
    output_field=IntegerField(),
)


def trier(queryset, tri):
    """``queryset`` in the order of a ``?tri=`` value (the default for an unknown one), and that value."""
    tri = tri if tri and tri.lstrip("-") in TRIS else TRI_PAR_DEFAUT
    champs = TRIS[tri.lstrip("-")]
    if tri.startswith("-"):
        champs = tuple(champ[1:] if champ.startswith("-") else f"-{champ}" for champ in champs)
    if tri.lstrip("-") == "statut":
        queryset = queryset.annotate(rang_statut=RANG_STATUT)
    return queryset.order_by(*champs), tri


def _champ_date(label):
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class OffreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Intitulé ou employeur", method="chercher")
    statut = django_filters.ChoiceFilter(choices=StatutOffre.choices, empty_label="Tous les statuts")
    type_contrat = django_filters.ModelChoiceFilter(
        queryset=TypeContrat.objects.all(), label="Contrat", empty_label="Tous les contrats", widget=SelectRapide
    )
    commune = django_filters.ModelChoiceFilter(
        queryset=Commune.objects.none(), label="Commune", empty_label="Toutes les communes", widget=SelectRapide
    )
    rome = django_filters.CharFilter(
        field_name="metier_rome__code", lookup_expr="istartswith", label="Code ROME (ou début de code)"
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        label="Source",
        empty_label="Toutes les sources",
        method="filtrer_source",
        widget=SelectRapide,
    )
    publiee_du = django_filters.DateFilter(
        field_name="date_publication",
        lookup_expr="gte",
        label="Publiées depuis le",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    publiee_au = django_filters.DateFilter(
        field_name="date_publication",
        lookup_expr="lte",
        label="Publiées jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # When the offer was collected, qualified, diffused (local dates): the dashboard's offers by
    # month and by source link here with the same definitions as reporting.selectors.
    collectee_du = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Collectées depuis le"))
    collectee_au = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Collectées jusqu'au"))
    qualifiee_du = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Qualifiées depuis le"))
    qualifiee_au = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Qualifiées jusqu'au"))
    diffusee_du = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Diffusées depuis le"))
    diffusee_au = django_filters.DateFilter(method="filtrer_pendant", **_champ_date("Diffusées jusqu'au"))
    source_origine = django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        label="Source d'origine",
        empty_label="Toutes les origines",
        widget=SelectRapide,
        help_text="La source où l'offre a été vue la première fois (les tableaux de bord comptent ainsi).",
    )

    class Meta:
        model = Offre
        fields = [
            "q",
            "statut",
            "type_contrat",
            "commune",
            "rome",
            "source",
            "publiee_du",
            "publiee_au",
            "collectee_du",
            "collectee_au",
            "qualifiee_du",
            "qualifiee_au",
            "diffusee_du",
            "diffusee_au",
            "source_origine",
        ]

    def __init__(self, *args, statuts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["commune"].queryset = Commune.objects.valides_le(timezone.localdate())
        if statuts is not None:
            self.filters["statut"].extra["choices"] = [(s.value, s.label) for s in statuts]

    def chercher(self, queryset, name, value):
        for word in value.split():
            # The companies named so are read first (one short query): an OR across the join with
            # the companies would keep the offers' text indexes out and read every offer.
            entreprises = list(Entreprise.objects.filter(nom__icontains=word).order_by().values_list("pk", flat=True))
            # Upper-cased by the database, as the stored column is (Python's upper() differs on a
            # few letters).
            queryset = queryset.filter(Q(recherche__contains=Upper(Value(word))) | Q(entreprise__in=entreprises))
        return queryset

    def filtrer_pendant(self, queryset, name, value):
        evenement, borne = name.rsplit("_", 1)
        champ = {"collectee": "cree_le", "qualifiee": "qualifiee_le", "diffusee": "diffusee_le"}[evenement]
        return queryset.filter(pendant(champ, **{"debut" if borne == "du" else "fin": value}))

    def filtrer_source(self, queryset, name, value):
        # EXISTS rather than a join: one row per offer, however many links it has in that source.
        return queryset.filter(Exists(LienSource.objects.filter(offre=OuterRef("pk"), source=value)))


def offres_filtrees(user, params):
    """The offers ``user`` may list, filtered by ``params`` (a QueryDict), and the filterset.

    A référent sees only qualified, diffused and closed offers; the chargé(e) de mission (who
    qualifies) and the coordinatrice (who oversees) see every status.
    """
    queryset = Offre.objects.all()
    statuts = None
    if not (user.has_perm("offres.change_offre") or Role.COORDINATRICE in user.roles):
        statuts = STATUTS_REFERENT
        queryset = queryset.filter(statut__in=statuts)
    filterset = OffreFilter(params or None, queryset=queryset, statuts=statuts)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    return queryset, filterset
