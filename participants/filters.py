import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from plie.droits import selon_les_comptes
from plie.models import Commune, NiveauFormation, User
from plie.roles import Role
from plie.widgets import SelectPreRendu, SelectRapide

from .enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from .models import Entretien, Participant

# The filters below that the dashboard links to select exactly the people behind its figures:
# they repeat the definitions of reporting.selectors (which this app may not import), and
# tests/reporting/test_page_tableau.py checks each link's count against the dashboard.
JAMAIS_ENTRES = [StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS]
TOUS_LES_REFERENTS = "Tous les référents"
ISCED_NIVEAU_V = 3  # education level ≤ V (CAP/BEP and below) is ISCED 3 and below (RULES §5)


def _champ_date(label):
    return {"label": label, "widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def choix_referents():
    """The active référents as (id, name) pairs, without a model instance each (a region has over a
    thousand of them), read once until an account or a role changes."""

    def lire():
        referents = User.objects.with_role(Role.REFERENT).values_list("pk", "first_name", "last_name", "email")
        return [(pk, f"{prenom} {nom}".strip() or email) for pk, prenom, nom, email in referents]

    return selon_les_comptes("choix_referents", lire)


def options_referents():
    """The référent filter's options as HTML, rendered once until an account or a role changes."""

    def rendre():
        options = [("", TOUS_LES_REFERENTS), *choix_referents()]
        return SelectRapide.options_html((valeur, False, label) for valeur, label in options)

    return selon_les_comptes("options_referents", rendre)


class ParticipantFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Nom, prénom ou identifiant", method="chercher")
    # Selects rendered in Python, not one template per option (see choix_referents for the longest).
    commune = django_filters.ModelChoiceFilter(queryset=Commune.objects.none(), label="Commune", widget=SelectRapide)
    qpv = django_filters.BooleanFilter(label="Réside en QPV", method="filtrer_qpv")
    statut = django_filters.ChoiceFilter(choices=StatutParticipant.choices, empty_label="Tous les statuts")
    # A callable: the form's fields are deep-copied at each page, and their choices with them.
    referent = django_filters.ChoiceFilter(
        label="Référent",
        choices=choix_referents,
        empty_label=TOUS_LES_REFERENTS,
        widget=SelectPreRendu(options=options_referents),
    )
    entree_du = django_filters.DateFilter(method="filtrer_entree_du", **_champ_date("Entrés depuis le"))
    entree_au = django_filters.DateFilter(method="filtrer_entree_au", **_champ_date("Entrés jusqu'au"))
    niveau_formation = django_filters.ModelChoiceFilter(
        queryset=NiveauFormation.objects.all(), label="Niveau", widget=SelectRapide
    )
    niveau_v = django_filters.BooleanFilter(label="Niveau V ou infra (CAP/BEP ou moins)", method="filtrer_niveau_v")
    sexe = django_filters.ChoiceFilter(choices=Sexe.choices, empty_label="Femmes et hommes")
    rsa = django_filters.BooleanFilter(label="Bénéficiaire du RSA", method="filtrer_rsa")
    present_du = django_filters.DateFilter(method="filtrer_present_du", **_champ_date("Accompagnés depuis le"))
    present_au = django_filters.DateFilter(method="filtrer_present_au", **_champ_date("Accompagnés jusqu'au"))
    sortie_du = django_filters.DateFilter(method="filtrer_sortie_du", **_champ_date("Sortis depuis le"))
    sortie_au = django_filters.DateFilter(method="filtrer_sortie_au", **_champ_date("Sortis jusqu'au"))
    motif_sortie = django_filters.ChoiceFilter(
        choices=MotifSortie.choices, label="Motif de sortie", empty_label="Tous les motifs"
    )
    positive = django_filters.BooleanFilter(label="Sortie positive", method="filtrer_positive")
    sans_entretien_depuis = django_filters.DateFilter(
        method="filtrer_sans_entretien", **_champ_date("Sans entretien depuis le")
    )

    class Meta:
        model = Participant
        fields = [
            "q",
            "commune",
            "qpv",
            "statut",
            "referent",
            "entree_du",
            "entree_au",
            "niveau_formation",
            "niveau_v",
            "sexe",
            "rsa",
            "present_du",
            "present_au",
            "sortie_du",
            "sortie_au",
            "motif_sortie",
            "positive",
            "sans_entretien_depuis",
        ]

    def __init__(self, *args, voit_tous_les_referents=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["commune"].queryset = Commune.objects.valides_le(timezone.localdate())
        if not voit_tous_les_referents:
            del self.filters["referent"]

    def chercher(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(nom__icontains=word) | Q(prenom__icontains=word) | Q(identifiant__iexact=word))
        return queryset

    def filtrer_qpv(self, queryset, name, value):
        return queryset.filter(quartier_prioritaire__isnull=not value)

    # An entry, an exit, a presence: as the dashboard counts them (never a candidate nor a person
    # the commission did not admit; an exit is a participant « sorti » on that date).
    def filtrer_entree_du(self, queryset, name, value):
        return queryset.filter(date_entree__gte=value).exclude(statut__in=JAMAIS_ENTRES)

    def filtrer_entree_au(self, queryset, name, value):
        return queryset.filter(date_entree__lte=value).exclude(statut__in=JAMAIS_ENTRES)

    def filtrer_present_du(self, queryset, name, value):
        """Still accompanied on ``value`` or later: entered, and not left before it."""
        return (
            queryset.filter(date_entree__isnull=False)
            .filter(Q(date_sortie__isnull=True) | Q(date_sortie__gte=value))
            .exclude(statut__in=JAMAIS_ENTRES)
        )

    def filtrer_present_au(self, queryset, name, value):
        """Accompanied on ``value`` or before: entered on or before it."""
        return queryset.filter(date_entree__lte=value).exclude(statut__in=JAMAIS_ENTRES)

    def filtrer_sortie_du(self, queryset, name, value):
        return queryset.filter(statut=StatutParticipant.SORTI, date_sortie__gte=value)

    def filtrer_sortie_au(self, queryset, name, value):
        return queryset.filter(statut=StatutParticipant.SORTI, date_sortie__lte=value)

    def filtrer_positive(self, queryset, name, value):
        positive = Q(motif_sortie__in=MotifSortie.positives())
        return queryset.filter(Q(statut=StatutParticipant.SORTI) & (positive if value else ~positive))

    def filtrer_rsa(self, queryset, name, value):
        rsa = Q(minima_sociaux=MinimaSociaux.RSA)
        return queryset.filter(rsa if value else ~rsa)

    def filtrer_niveau_v(self, queryset, name, value):
        niveau_v = Q(niveau_formation__isced__lte=ISCED_NIVEAU_V)
        return queryset.filter(niveau_v if value else ~niveau_v)

    def filtrer_sans_entretien(self, queryset, name, value):
        return queryset.filter(~Exists(Entretien.objects.filter(participant=OuterRef("pk"), date__gte=value)))
