"""The key figures of RULES §5, each defined once: the dashboard, the PDF and the export read
them from here.

A period is two dates, both included. The **flow** is everyone accompanied at some point of the
period (entered on or before its last day, not left before its first); the shares and the average
age are taken over the flow; the average pathway duration and the positive-exit rate over the
exits of the period.
"""

import dataclasses
import datetime
import itertools
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least

from entreprises.models import Interaction, TypeInteraction
from formation.models import BesoinFormation
from fse.models import LigneAgenda, SemaineAgenda
from offres.enums import StatutPositionnement
from offres.models import EtapePositionnement, Offre, Positionnement, Source
from participants.enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from participants.models import Participant
from plie.dates import debut_du_jour, pendant
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
        """The period just before: for one starting on the 1st of a month, the same months (and
        days) before — last month, last year for a calendar year, October 1–29 for November
        1–29 —; otherwise the same number of days just before."""
        if self.debut.day == 1:
            return self._decalee(relativedelta(months=self._nb_mois()))
        return Periode(self.debut - datetime.timedelta(days=self.jours), self.debut - datetime.timedelta(days=1))

    def annee_precedente(self):
        return self._decalee(relativedelta(years=1))

    def _nb_mois(self):
        return (self.fin.year - self.debut.year) * 12 + self.fin.month - self.debut.month + 1

    def _decalee(self, ecart):
        """Shifted back by ``ecart``, a period ending on a month's last day still ending on one."""
        fin = self.fin - ecart
        if self.fin == self.fin + relativedelta(day=31):
            fin += relativedelta(day=31)
        return Periode(self.debut - ecart, fin)

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


def chiffres_cles(periode, queryset=None, avec_budget=True):
    """The key figures of a period. ``queryset`` narrows them (a référent's caseload); the budget
    then makes no sense."""
    return chiffres_cles_des_periodes([periode], queryset, avec_budget)[0]


def _agregats(periode, n):
    """The aggregates of one period, their names suffixed with ``_n``."""
    dans_le_flux = Q(date_entree__isnull=False, date_entree__lte=periode.fin) & (
        Q(date_sortie__isnull=True) | Q(date_sortie__gte=periode.debut)
    )
    sortis = Q(statut=StatutParticipant.SORTI, date_sortie__range=(periode.debut, periode.fin))
    # Days of presence within the period, for the average stock.
    presence = _jours(
        Least(Coalesce("date_sortie", Value(periode.fin)), Value(periode.fin))
        - Greatest("date_entree", Value(periode.debut))
    )
    agregats = {
        "flux": Count("id", filter=dans_le_flux),
        "entrees": Count("id", filter=Q(date_entree__range=(periode.debut, periode.fin))),
        "sorties": Count("id", filter=sortis),
        "presence": Sum(presence, filter=dans_le_flux),
        "age": Avg(_jours(F("date_entree") - F("date_naissance")), filter=dans_le_flux),
        "femmes": Count("id", filter=dans_le_flux & Q(sexe=Sexe.FEMME)),
        "hommes": Count("id", filter=dans_le_flux & Q(sexe=Sexe.HOMME)),
        "niveau_v": Count("id", filter=dans_le_flux & Q(niveau_formation__isced__lte=ISCED_NIVEAU_V)),
        "qpv": Count("id", filter=dans_le_flux & Q(quartier_prioritaire__isnull=False)),
        "rsa": Count("id", filter=dans_le_flux & Q(minima_sociaux=MinimaSociaux.RSA)),
        "duree": Avg(_jours(F("date_sortie") - F("date_entree")), filter=sortis),
        "positives": Count("id", filter=sortis & Q(motif_sortie__in=MotifSortie.positives())),
    }
    return {f"{nom}_{n}": agregat for nom, agregat in agregats.items()}


def chiffres_cles_des_periodes(periodes, queryset=None, avec_budget=True):
    """The key figures of several periods (the period, the previous one, the same last year) in
    three queries whatever the number of periods and of participants."""
    base = queryset if queryset is not None else Participant.objects.all()
    agregats = {}
    for n, periode in enumerate(periodes):
        agregats.update(_agregats(periode, n))
    # Every figure is about people of the flow of one of the periods: read only those.
    etendue = Periode(min(p.debut for p in periodes), max(p.fin for p in periodes))
    valeurs = flux(etendue, base).aggregate(**agregats)
    communes = list(Commune.objects.all())
    budgets = list(
        Budget.objects.filter(debut__gte=min(p.debut for p in periodes), fin__lte=max(p.fin for p in periodes))
    )
    resultat = []
    for n, periode in enumerate(periodes):
        v = {nom.rsplit("_", 1)[0]: valeur for nom, valeur in valeurs.items() if nom.endswith(f"_{n}")}
        presence = _en_jours(v["presence"])
        stock = None if presence is None else (presence + v["flux"]) / periode.jours  # both days included
        age = _en_jours(v["age"])
        duree = _en_jours(v["duree"])
        resultat.append(
            ChiffresCles(
                periode=periode,
                communes=sum(1 for commune in communes if commune.est_valide_le(periode.fin)),
                flux=v["flux"],
                entrees=v["entrees"],
                sorties=v["sorties"],
                stock_moyen=_arrondi(stock),
                age_moyen=_arrondi(None if age is None else age / JOURS_PAR_AN),
                femmes=v["femmes"],
                hommes=v["hommes"],
                niveau_v_ou_moins=v["niveau_v"],
                qpv=v["qpv"],
                rsa=v["rsa"],
                duree_moyenne_mois=_arrondi(None if duree is None else duree / JOURS_PAR_MOIS),
                sorties_positives=v["positives"],
                budget=budget_de(periode, budgets) if avec_budget else None,
            )
        )
    return resultat


def budget_de(periode, budgets):
    """The sum of the budgets entered for periods lying within this one; None when none was."""
    montants = [b.montant for b in budgets if periode.debut <= b.debut and b.fin <= periode.fin]
    return sum(montants) if montants else None


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


def _bornes_mois(mois):
    return mois, mois + relativedelta(day=31)


def entrees_sorties_par_mois(periode, queryset=None):
    """[(month, entries, exits)] over the chart's months (one query)."""
    mois = mois_couverts(periode)
    jours = [*mois, periode_des_mois(mois).fin + datetime.timedelta(days=1)]
    base = queryset if queryset is not None else Participant.objects.all()
    entrees_, sorties_ = comptes_par_tranche(
        # Everyone who entered is now « entré » or « sorti »: said so, the (statut, date_entree)
        # index answers alone.
        (base.filter(statut__in=[StatutParticipant.ENTRE, StatutParticipant.SORTI]), "date_entree", jours),
        (base.filter(statut=StatutParticipant.SORTI), "date_sortie", jours),
    )
    return list(zip(mois, entrees_, sorties_, strict=True))


def sorties_par_motif(periode, queryset=None):
    """[(motif, label, count, positive?)] of the exits of the period, every motif listed (one query)."""
    comptes = dict(sorties(periode, queryset).order_by().values_list("motif_sortie").annotate(n=Count("id")))
    positives = set(MotifSortie.positives())
    return [(motif.value, motif.label, comptes.get(motif.value, 0), motif in positives) for motif in MotifSortie]


def comptes_par_tranche(*series):
    """For each ``(queryset, champ, bornes)``: how many rows have ``champ`` in each slice
    ``[bornes[i], bornes[i + 1])``. One statement for all the series, made of one count per slice:
    each is a range scan of the column's index, where a FILTER per slice would compare every row
    of the whole range with every slice."""
    morceaux, parametres, tailles = [], [], []
    for s, (queryset, champ, bornes) in enumerate(series):
        tailles.append(len(bornes) - 1)
        for n, (debut, fin) in enumerate(itertools.pairwise(bornes)):
            tranche = queryset.filter(**{f"{champ}__gte": debut, f"{champ}__lt": fin}).order_by().values("pk")
            sql, params = tranche.query.sql_with_params()
            morceaux.append(f"SELECT {s}, {n}, COUNT(*) FROM ({sql}) AS t_{s}_{n}")
            parametres.extend(params)
    with connection.cursor() as curseur:
        curseur.execute(" UNION ALL ".join(morceaux), parametres)
        comptes = {(s, n): compte for s, n, compte in curseur.fetchall()}
    return [[comptes[s, n] for n in range(taille)] for s, taille in enumerate(tailles)]


def offres_par_mois(periode, perimetre_positionnements=None):
    """[(month, collected, qualified, diffused, positionnements, hires)] over the chart's months
    (one query). Hires are the positionnements that reached « retenu » that month."""
    mois = mois_couverts(periode)
    jours = [*mois, periode_des_mois(mois).fin + datetime.timedelta(days=1)]
    instants = [debut_du_jour(jour) for jour in jours]
    positionnements = perimetre_positionnements if perimetre_positionnements is not None else Positionnement.objects
    embauches = EtapePositionnement.objects.filter(statut=StatutPositionnement.RETENU)
    if perimetre_positionnements is not None:
        embauches = embauches.filter(positionnement__in=perimetre_positionnements)
    series = comptes_par_tranche(
        (Offre.objects.all(), "cree_le", instants),
        (Offre.objects.all(), "qualifiee_le", instants),
        (Offre.objects.all(), "diffusee_le", instants),
        (positionnements.all(), "cree_le", instants),
        (embauches, "date", jours),
    )
    return [(m, *valeurs) for m, *valeurs in zip(mois, *series, strict=True)]


def offres_par_source(periode):
    """Per source of origin (where the offer was seen first, so that each offer counts once): the
    offers collected in the period, then qualified and diffused among them, their positionnements
    and hires (three queries, the first answered from an index)."""
    collectees = pendant("cree_le", periode.debut, periode.fin)
    offres = (
        Offre.objects.filter(collectees)
        .order_by()
        .values_list("source_origine")
        .annotate(collectees=Count("id"), qualifiees=Count("qualifiee_le"), diffusees=Count("diffusee_le"))
    )
    positionnements = {
        source: (n, embauches)
        # A positionnement comes after its offer: the first condition only narrows the rows read.
        for source, n, embauches in Positionnement.objects.filter(pendant("cree_le", periode.debut))
        .filter(pendant("offre__cree_le", periode.debut, periode.fin))
        .order_by()
        .values_list("offre__source_origine")
        .annotate(positionnements=Count("id"), embauches=Count("id", filter=Q(statut=StatutPositionnement.RETENU)))
    }
    comptes = {source: (*valeurs, *positionnements.get(source, (0, 0))) for source, *valeurs in offres}
    return [(source, *comptes[source.pk]) for source in Source.objects.filter(pk__in=comptes).order_by("nom")]


def interactions_par_type(periode, auteur=None):
    """[(type, label, count)] of the company interactions of the period, and the number of
    distinct companies met (one query)."""
    interactions = Interaction.objects.filter(date__range=(periode.debut, periode.fin))
    if auteur is not None:
        interactions = interactions.filter(auteur=auteur)
    valeurs = interactions.aggregate(
        entreprises=Count("entreprise", distinct=True),
        **{t.value: Count("id", filter=Q(type=t.value)) for t in TypeInteraction},
    )
    return [(t.value, t.label, valeurs[t.value]) for t in TypeInteraction], valeurs["entreprises"]


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
