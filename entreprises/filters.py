"""Filters of the company list, shared by the page and its XLSX export (the same rows in both)."""

import calendar
import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from plie.models import Commune
from plie.widgets import SelectRapide

from .forms import DATE
from .models import Binome, Entreprise, SecteurActivite, StatutRelation
from .rules import normaliser_nom
from .selectors import entreprises_liste

JAMAIS = "jamais"
MOINS_DE_3_MOIS = "moins_3_mois"
PLUS_DE_3_MOIS = "plus_3_mois"
PLUS_DE_6_MOIS = "plus_6_mois"
CHOIX_DERNIER_CONTACT = [
    (JAMAIS, "Jamais contactée"),
    (MOINS_DE_3_MOIS, "Il y a moins de 3 mois"),
    (PLUS_DE_3_MOIS, "Il y a plus de 3 mois"),
    (PLUS_DE_6_MOIS, "Il y a plus de 6 mois"),
]
# "Oui / Non / Indifférent" in French (NullBooleanSelect would say "Inconnu").
OUI_NON = forms.Select(choices=[("", "Indifférent"), ("true", "Oui"), ("false", "Non")])


def mois_avant(jour, nombre):
    """The same day ``nombre`` months earlier (the month's last day when it is shorter)."""
    annee, mois = divmod(jour.year * 12 + jour.month - 1 - nombre, 12)
    mois += 1
    return jour.replace(year=annee, month=mois, day=min(jour.day, calendar.monthrange(annee, mois)[1]))


class EntrepriseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom ou SIRET", method="chercher")
    secteur = django_filters.ModelChoiceFilter(
        field_name="secteur_activite",
        queryset=SecteurActivite.objects.order_by("libelle"),
        label="Secteur",
        empty_label="Tous les secteurs",
        null_label="Sans secteur",
    )
    commune = django_filters.ModelChoiceFilter(
        queryset=Commune.objects.none(), label="Commune", empty_label="Toutes les communes", widget=SelectRapide
    )
    binome = django_filters.ModelChoiceFilter(
        field_name="secteur_activite__binome",
        queryset=Binome.objects.select_related("referent_1", "referent_2").order_by("-actif", "pk"),
        label="Binôme",
        empty_label="Tous les binômes",
    )
    relation = django_filters.ChoiceFilter(
        field_name="statut_relation", choices=StatutRelation.choices, label="Relation", empty_label="Toutes"
    )
    dernier_contact = django_filters.ChoiceFilter(
        choices=CHOIX_DERNIER_CONTACT, label="Dernier contact", empty_label="Indifférent", method="filtrer_contact"
    )
    contact_depuis = django_filters.DateFilter(
        field_name="dernier_contact_le", lookup_expr="gte", label="Contactée depuis le", widget=DATE
    )
    offres_ouvertes = django_filters.BooleanFilter(
        field_name="a_offres_ouvertes", label="Offres ouvertes", widget=OUI_NON
    )
    besoins_ouverts = django_filters.BooleanFilter(
        field_name="a_besoins_ouverts", label="Besoins de recrutement ouverts", widget=OUI_NON
    )

    class Meta:
        model = Entreprise
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the communes where the file has companies: a short list, and no dead choice.
        self.filters["commune"].queryset = Commune.objects.filter(
            Exists(Entreprise.objects.filter(commune=OuterRef("pk")))
        ).order_by("nom")

    def chercher(self, queryset, name, value):
        chiffres = re.sub(r"[\s.]", "", value)
        if chiffres.isdigit() and len(chiffres) >= 3:
            return queryset.filter(siret__startswith=chiffres)
        for mot in value.split():
            # Accents, case and punctuation aside ("proprete" finds "Propreté Bourgogne").
            cle = normaliser_nom(mot)
            condition = Q(nom__icontains=mot)
            if cle:
                condition |= Q(nom_normalise__contains=cle)
            queryset = queryset.filter(condition)
        return queryset

    def filtrer_contact(self, queryset, name, value):
        today = timezone.localdate()
        if value == JAMAIS:
            return queryset.filter(dernier_contact_le__isnull=True)
        if value == MOINS_DE_3_MOIS:
            return queryset.filter(dernier_contact_le__gte=mois_avant(today, 3))
        nombre = 3 if value == PLUS_DE_3_MOIS else 6
        return queryset.filter(dernier_contact_le__lt=mois_avant(today, nombre))


def description_filtres(filterset):
    """The filters applied, in words ("Secteur : Propreté ; Relation : Partenaire actif"), for the
    export's information sheet and the access log."""
    if not (filterset.is_bound and filterset.is_valid()):
        return ""
    morceaux = []
    for nom, valeur in filterset.form.cleaned_data.items():
        if valeur in (None, ""):
            continue
        filtre, champ = filterset.filters[nom], filterset.form.fields[nom]
        if valeur == getattr(filtre, "null_value", object()):
            texte = filtre.extra.get("null_label", "")
        elif isinstance(valeur, bool):
            texte = "oui" if valeur else "non"
        elif hasattr(valeur, "strftime"):
            texte = valeur.strftime("%d/%m/%Y")
        elif isinstance(valeur, str) and hasattr(champ, "choices"):
            texte = str(dict(champ.choices).get(valeur, valeur))
        else:
            texte = str(valeur)
        morceaux.append(f"{champ.label} : {texte}")
    return " ; ".join(morceaux)


def entreprises_filtrees(params):
    """The companies of the list filtered by ``params`` (a QueryDict), and the filterset; bad input
    filters nothing rather than failing."""
    queryset = entreprises_liste()
    filterset = EntrepriseFilter(params or None, queryset=queryset)
    if filterset.is_bound and filterset.is_valid():
        queryset = filterset.qs
    return queryset, filterset
