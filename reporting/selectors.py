"""The key figures of RULES §5, each defined once: the dashboard, the PDF and the export read
them from here.

A period is two dates, both included. The **flow** is everyone accompanied at some point of the
period (entered on or before its last day, not left before its first); the shares and the average
age are taken over the flow; the average pathway duration and the positive-exit rate over the
exits of the period.
"""

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least

from participants.enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from participants.models import Participant
from plie.models import Commune

from .models import Budget

# Education level ≤ V (CAP/BEP and below) is ISCED 3 and below (RULES §5).
ISCED_NIVEAU_V = 3
JOURS_PAR_MOIS = Decimal("30.4375")
JOURS_PAR_AN = Decimal("365.25")


@dataclasses.dataclass(frozen=True)
class Periode:
    debut: datetime.date
    fin: datetime.date

    def __post_init__(self):
        if self.fin < self.debut:
            raise ValueError("La fin de la période précède son début.")

    @property
    def jours(self):
        return (self.fin - self.debut).days + 1

    def precedente(self):
        """The period of the same length just before (the previous month for a calendar month)."""
        if self.est_mois_civil():
            debut = self.debut - relativedelta(months=1)
            return Periode(debut, self.debut - datetime.timedelta(days=1))
        return Periode(self.debut - datetime.timedelta(days=self.jours), self.debut - datetime.timedelta(days=1))

    def annee_precedente(self):
        fin = self.fin - relativedelta(years=1)
        if self.est_mois_civil():
            fin = (self.debut - relativedelta(years=1)) + relativedelta(day=31)
        return Periode(self.debut - relativedelta(years=1), fin)

    def est_mois_civil(self):
        return self.debut.day == 1 and self.fin == self.debut + relativedelta(day=31)

    @classmethod
    def mois(cls, annee, mois):
        debut = datetime.date(annee, mois, 1)
        return cls(debut, debut + relativedelta(day=31))


def flux(periode, queryset=None):
    """Everyone accompanied at some point of the period."""
    base = queryset if queryset is not None else Participant.objects.all()
    return (
        base.filter(date_entree__isnull=False, date_entree__lte=periode.fin)
        .filter(Q(date_sortie__isnull=True) | Q(date_sortie__gte=periode.debut))
        .exclude(statut__in=[StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS])
    )


def sorties(periode, queryset=None):
    base = queryset if queryset is not None else Participant.objects.all()
    return base.filter(statut=StatutParticipant.SORTI, date_sortie__range=(periode.debut, periode.fin))


def entrees(periode, queryset=None):
    base = queryset if queryset is not None else Participant.objects.all()
    return base.filter(date_entree__range=(periode.debut, periode.fin)).exclude(
        statut__in=[StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS]
    )


def _jours(expression):
    return ExpressionWrapper(expression, output_field=DurationField())


def _en_jours(duree):
    if duree is None:
        return None
    if isinstance(duree, datetime.timedelta):
        return Decimal(duree.total_seconds()) / Decimal(86400)
    return Decimal(duree) / Decimal(86400 * 10**6)  # SQLite returns microseconds


def _part(n, total):
    if not total:
        return None
    return (Decimal(n) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _arrondi(valeur, pas="0.1"):
    return None if valeur is None else Decimal(valeur).quantize(Decimal(pas), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class ChiffresCles:
    periode: Periode
    communes: int
    flux: int
    entrees: int
    sorties: int
    stock_moyen: Decimal | None
    age_moyen: Decimal | None
    femmes: int
    hommes: int
    niveau_v_ou_moins: int
    qpv: int
    rsa: int
    duree_moyenne_mois: Decimal | None
    sorties_positives: int
    budget: Decimal | None

    @property
    def part_femmes(self):
        return _part(self.femmes, self.flux)

    @property
    def part_hommes(self):
        return _part(self.hommes, self.flux)

    @property
    def part_niveau_v(self):
        return _part(self.niveau_v_ou_moins, self.flux)

    @property
    def part_qpv(self):
        return _part(self.qpv, self.flux)

    @property
    def part_rsa(self):
        return _part(self.rsa, self.flux)

    @property
    def taux_sorties_positives(self):
        return _part(self.sorties_positives, self.sorties)

    @property
    def cout_moyen(self):
        if self.budget is None or not self.flux:
            return None
        return (self.budget / self.flux).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def chiffres_cles(periode, queryset=None):
    """The key figures of a period in three queries, whatever the number of participants."""
    base = queryset if queryset is not None else Participant.objects.all()
    dans_le_flux = Q(date_entree__isnull=False, date_entree__lte=periode.fin) & (
        Q(date_sortie__isnull=True) | Q(date_sortie__gte=periode.debut)
    )
    sortis = Q(statut=StatutParticipant.SORTI, date_sortie__range=(periode.debut, periode.fin))
    # Days of presence within the period, for the average stock.
    presence = _jours(
        Least(Coalesce("date_sortie", Value(periode.fin)), Value(periode.fin))
        - Greatest("date_entree", Value(periode.debut))
    )
    valeurs = base.exclude(statut__in=[StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS]).aggregate(
        flux=Count("id", filter=dans_le_flux),
        entrees=Count("id", filter=Q(date_entree__range=(periode.debut, periode.fin))),
        sorties=Count("id", filter=sortis),
        presence=Sum(presence, filter=dans_le_flux),
        age=Avg(_jours(F("date_entree") - F("date_naissance")), filter=dans_le_flux),
        femmes=Count("id", filter=dans_le_flux & Q(sexe=Sexe.FEMME)),
        hommes=Count("id", filter=dans_le_flux & Q(sexe=Sexe.HOMME)),
        niveau_v=Count("id", filter=dans_le_flux & Q(niveau_formation__isced__lte=ISCED_NIVEAU_V)),
        qpv=Count("id", filter=dans_le_flux & Q(quartier_prioritaire__isnull=False)),
        rsa=Count("id", filter=dans_le_flux & Q(minima_sociaux=MinimaSociaux.RSA)),
        duree=Avg(_jours(F("date_sortie") - F("date_entree")), filter=sortis),
        positives=Count("id", filter=sortis & Q(motif_sortie__in=MotifSortie.positives())),
    )
    presence = _en_jours(valeurs["presence"])
    flux_n = valeurs["flux"]
    stock = None if presence is None else (presence + flux_n) / periode.jours  # both days included
    age = _en_jours(valeurs["age"])
    duree = _en_jours(valeurs["duree"])
    return ChiffresCles(
        periode=periode,
        communes=Commune.objects.valides_le(periode.fin).count(),
        flux=flux_n,
        entrees=valeurs["entrees"],
        sorties=valeurs["sorties"],
        stock_moyen=_arrondi(stock),
        age_moyen=_arrondi(None if age is None else age / JOURS_PAR_AN),
        femmes=valeurs["femmes"],
        hommes=valeurs["hommes"],
        niveau_v_ou_moins=valeurs["niveau_v"],
        qpv=valeurs["qpv"],
        rsa=valeurs["rsa"],
        duree_moyenne_mois=_arrondi(None if duree is None else duree / JOURS_PAR_MOIS),
        sorties_positives=valeurs["positives"],
        budget=budget_de(periode),
    )


def budget_de(periode):
    """The budget entered for exactly this period, else the sum of those lying within it; None
    when nothing was entered."""
    budgets = Budget.objects.filter(debut__gte=periode.debut, fin__lte=periode.fin)
    total = budgets.aggregate(total=Sum("montant"))["total"]
    return total
