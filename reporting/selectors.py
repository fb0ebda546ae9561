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
from django.db.models import (
    Avg,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, TruncMonth

from entreprises.models import Interaction, TypeInteraction
from formation.models import BesoinFormation
from fse.models import LigneAgenda, SemaineAgenda
from offres.enums import StatutPositionnement
from offres.models import EtapePositionnement, Offre, Positionnement, Source
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


# --- Series and breakdowns -------------------------------------------------------------------


def mois_couverts(periode, minimum=12):
    """The first days of the months the period covers; a shorter period is extended backwards so
    that a chart always shows ``minimum`` months (a single month shows the year up to it)."""
    debut = periode.debut.replace(day=1)
    fin = periode.fin.replace(day=1)
    mois = []
    courant = debut
    while courant <= fin:
        mois.append(courant)
        courant += relativedelta(months=1)
    while len(mois) < minimum:
        mois.insert(0, mois[0] - relativedelta(months=1))
    return mois


def periode_des_mois(mois):
    return Periode(mois[0], mois[-1] + relativedelta(day=31))


def _comptes_par_mois(queryset, champ, periode):
    """{first day of month: count} of the rows whose ``champ`` (a date or a datetime) falls in the period."""
    if isinstance(queryset.model._meta.get_field(champ), DateTimeField):
        filtre = {f"{champ}__date__range": (periode.debut, periode.fin)}
    else:
        filtre = {f"{champ}__range": (periode.debut, periode.fin)}
    lignes = (
        queryset.filter(**filtre)
        .annotate(mois=TruncMonth(champ))
        .order_by()
        .values("mois")
        .annotate(n=Count("pk"))
        .values_list("mois", "n")
    )
    resultat = {}
    for mois, n in lignes:
        mois = mois.date() if isinstance(mois, datetime.datetime) else mois
        resultat[mois] = resultat.get(mois, 0) + n
    return resultat


def entrees_sorties_par_mois(periode, queryset=None):
    """[(month, entries, exits)] over the chart's months (two queries)."""
    mois = mois_couverts(periode)
    etendue = periode_des_mois(mois)
    entrees_ = _comptes_par_mois(entrees(etendue, queryset), "date_entree", etendue)
    sorties_ = _comptes_par_mois(sorties(etendue, queryset), "date_sortie", etendue)
    return [(m, entrees_.get(m, 0), sorties_.get(m, 0)) for m in mois]


def sorties_par_motif(periode, queryset=None):
    """[(motif, label, count, positive?)] of the exits of the period, every motif listed (one query)."""
    comptes = dict(sorties(periode, queryset).order_by().values_list("motif_sortie").annotate(n=Count("id")))
    positives = set(MotifSortie.positives())
    return [(motif.value, motif.label, comptes.get(motif.value, 0), motif in positives) for motif in MotifSortie]


def offres_par_mois(periode, perimetre_positionnements=None):
    """[(month, collected, qualified, diffused, positionnements, hires)] over the chart's months
    (five queries). Hires are the positionnements that reached « retenu » that month."""
    mois = mois_couverts(periode)
    etendue = periode_des_mois(mois)
    positionnements = perimetre_positionnements if perimetre_positionnements is not None else Positionnement.objects
    embauches = EtapePositionnement.objects.filter(
        statut=StatutPositionnement.RETENU, positionnement__in=positionnements.all()
    )
    series = [
        _comptes_par_mois(Offre.objects.all(), "cree_le", etendue),
        _comptes_par_mois(Offre.objects.all(), "qualifiee_le", etendue),
        _comptes_par_mois(Offre.objects.all(), "diffusee_le", etendue),
        _comptes_par_mois(positionnements.all(), "cree_le", etendue),
        _comptes_par_mois(embauches, "date", etendue),
    ]
    return [(m, *(serie.get(m, 0) for serie in series)) for m in mois]


def offres_par_source(periode):
    """Per source: offers collected in the period, then qualified and diffused among them, their
    positionnements and hires (one query per figure). An offer seen in two sources counts for both."""
    sources = list(Source.objects.order_by("nom"))
    collectees = Offre.objects.filter(cree_le__date__range=(periode.debut, periode.fin))

    def par_source(queryset, chemin):
        return dict(queryset.order_by().values_list(chemin).annotate(n=Count("pk", distinct=True)))

    colonnes = [
        par_source(collectees, "liens__source"),
        par_source(collectees.exclude(qualifiee_le=None), "liens__source"),
        par_source(collectees.exclude(diffusee_le=None), "liens__source"),
        par_source(Positionnement.objects.filter(offre__in=collectees), "offre__liens__source"),
        par_source(
            Positionnement.objects.filter(offre__in=collectees, statut=StatutPositionnement.RETENU),
            "offre__liens__source",
        ),
    ]
    lignes = [(source, *(colonne.get(source.pk, 0) for colonne in colonnes)) for source in sources]
    return [ligne for ligne in lignes if any(ligne[1:])]


def interactions_par_type(periode, auteur=None):
    """[(type, label, count)] of the company interactions of the period, and the number of
    distinct companies met (two queries)."""
    interactions = Interaction.objects.filter(date__range=(periode.debut, periode.fin))
    if auteur is not None:
        interactions = interactions.filter(auteur=auteur)
    comptes = dict(interactions.order_by().values_list("type").annotate(n=Count("id")))
    entreprises_ = interactions.values("entreprise").distinct().count()
    return [(t.value, t.label, comptes.get(t.value, 0)) for t in TypeInteraction], entreprises_


def besoins_formation_par_domaine(periode, queryset=None):
    """[(domain label, count)] of the training needs expressed in the period, largest first."""
    besoins = BesoinFormation.objects.filter(exprime_le__range=(periode.debut, periode.fin))
    if queryset is not None:
        besoins = besoins.filter(participant__in=queryset)
    lignes = besoins.order_by().values_list("domaine__libelle").annotate(n=Count("id")).order_by("-n")
    return [(libelle or "Domaine non précisé", n) for libelle, n in lignes]


def temps_par_activite(periode, salarie=None):
    """[(activity, hours)] from the latest version of each FSE agenda week, lines dated in the period."""
    plus_recente = ~Exists(
        SemaineAgenda.objects.filter(
            salarie=OuterRef("semaine__salarie"),
            lundi=OuterRef("semaine__lundi"),
            version__gt=OuterRef("semaine__version"),
        )
    )
    lignes = LigneAgenda.objects.filter(plus_recente, date__range=(periode.debut, periode.fin))
    if salarie is not None:
        lignes = lignes.filter(semaine__salarie=salarie)
    resultat = (
        lignes.order_by()
        .values_list("categorie__libelle", "categorie__ordre")
        .annotate(heures=Sum("heures"))
        .order_by("categorie__ordre", "categorie__libelle")
    )
    return [(libelle, heures) for libelle, _ordre, heures in resultat]
