"""The capitalisation report for the Région: the training needs of a period, counted by field,
target level, commune and QPV, next to the previous period of equal length, and the open needs
that no session of the territory meets.

One computation (``calculer``) feeds the page, the PDF and the XLSX workbook. Counting happens in
the database (``values()``/``annotate()`` with conditional aggregates): the number of queries does
not depend on the number of needs. The rules stay in ``rules``: the field inferred from a target
job is ``rules.domaine_pour_metier``, applied once per ROME code in use, and coverage is
``rules.besoin_couvert``, applied once per field to the sessions open at the end of the period.

Definitions (repeated in the workbook's « Méthode » sheet):

- a need belongs to a period when its date of expression lies within it, bounds included;
- « personnes » counts distinct participants: one person with two needs counts once per row, so
  the rows of a table may add up to more than the « Ensemble » row;
- the commune and the QPV are those of the participant's record today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from . import rules
from .models import BesoinFormation, DomaineFormation, SessionFormation, Urgence

NON_PRECISE = "Non précisé"
QPV = "Quartier prioritaire (QPV)"
HORS_QPV = "Hors QPV"
# Rows of the uncovered needs shown on the page and in the PDF (the workbook lists them all).
LIMITE_LISTE = 200
ANNEE_MINIMALE = 2000

MENTION_UE = "Cofinancé par l'Union européenne"
METHODE = [
    (
        "Période",
        "Un besoin appartient à la période quand sa date d'expression (« exprimé le ») est comprise "
        "entre la date de début et la date de fin, bornes incluses.",
    ),
    (
        "Période précédente",
        "La période de même durée qui se termine la veille de la date de début.",
    ),
    ("Besoins", "Nombre de besoins de formation exprimés pendant la période, quel que soit leur statut actuel."),
    (
        "Personnes",
        "Nombre de participants distincts ayant exprimé au moins un de ces besoins. Une personne ayant "
        "des besoins dans deux domaines compte dans chacun : la somme des lignes peut dépasser la ligne "
        "« Ensemble ».",
    ),
    ("Évolution", "Différence entre la période et la période précédente (+n, −n, ou = si identique)."),
    (
        "Domaine",
        "Le domaine de formation saisi sur le besoin ; à défaut, celui déduit du métier visé (code ROME, "
        "préfixe le plus long parmi les domaines) ; sinon « Non précisé ».",
    ),
    ("Niveau visé", "Le niveau de formation visé saisi sur le besoin, sinon « Non précisé »."),
    ("Commune", "La commune de résidence du participant, telle qu'enregistrée à la date du rapport."),
    ("QPV", "Participant dont la fiche mentionne un quartier prioritaire de la politique de la ville."),
    (
        "Besoins non couverts",
        "Besoins de la période encore ouverts (exprimés ou orientés) pour lesquels aucune session n'est "
        "ouverte dans leur domaine à la date de fin de la période (session prévue, aux inscriptions "
        "ouvertes ou en cours, et se terminant ce jour-là ou plus tard). Un besoin sans domaine connu "
        "n'est jamais couvert. Données agrégées : aucun nom de participant.",
    ),
]


# --- The period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Periode:
    debut: date
    fin: date

    @property
    def jours(self) -> int:
        return (self.fin - self.debut).days + 1

    def precedente(self) -> Periode:
        """The period of equal length that ends the day before this one starts."""
        fin = self.debut - timedelta(days=1)
        return Periode(fin - timedelta(days=self.jours - 1), fin)

    def __str__(self):
        return f"du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y}"


def periode_par_defaut(today: date) -> Periode:
    """The current calendar year to date."""
    return Periode(date(today.year, 1, 1), today)


def periode_demandee(params, today: date) -> tuple[Periode, str]:
    """The period of ``?debut=AAAA-MM-JJ&fin=AAAA-MM-JJ`` and an error message ("" when valid).

    A missing bound takes its default (1st January of the current year, today); an invalid one
    gives the default period and a French message saying why.
    """
    defaut = periode_par_defaut(today)
    bornes = {}
    for nom, libelle, valeur_defaut in (("debut", "début", defaut.debut), ("fin", "fin", defaut.fin)):
        texte = (params.get(nom) or "").strip()
        if not texte:
            bornes[nom] = valeur_defaut
            continue
        try:
            if len(texte) != 10:
                raise ValueError
            bornes[nom] = date.fromisoformat(texte)
        except ValueError:
            return defaut, (
                f"Date de {libelle} invalide : « {texte[:20]} » (format attendu AAAA-MM-JJ). "
                f"Période par défaut affichée ({defaut})."
            )
        if bornes[nom].year < ANNEE_MINIMALE:
            return defaut, (
                f"Date de {libelle} trop ancienne : le rapport commence au plus tôt en {ANNEE_MINIMALE}. "
                f"Période par défaut affichée ({defaut})."
            )
    if bornes["debut"] > bornes["fin"]:
        return defaut, (
            "La date de début doit précéder la date de fin (ou lui être égale). "
            f"Période par défaut affichée ({defaut})."
        )
    return Periode(bornes["debut"], bornes["fin"]), ""


# --- Rows and tables -----------------------------------------------------------------------


def tendance(ecart: int) -> str:
    """``+n``, ``−n`` (minus sign) or ``=``."""
    if ecart > 0:
        return f"+{ecart}"
    if ecart < 0:
        return f"\u2212{-ecart}"
    return "="


@dataclass(frozen=True)
class Ligne:
    libelle: str
    besoins: int = 0
    personnes: int = 0
    besoins_prec: int = 0
    personnes_prec: int = 0

    @property
    def ecart_besoins(self) -> int:
        return self.besoins - self.besoins_prec

    @property
    def ecart_personnes(self) -> int:
        return self.personnes - self.personnes_prec

    @property
    def tendance_besoins(self) -> str:
        return tendance(self.ecart_besoins)

    @property
    def tendance_personnes(self) -> str:
        return tendance(self.ecart_personnes)


@dataclass(frozen=True)
class Tableau:
    code: str
    titre: str
    colonne: str
    feuille: str
    lignes: list[Ligne]


@dataclass(frozen=True)
class Barre:
    libelle: str
    valeur: int
    valeur_prec: int
    y: int
    largeur: float
    largeur_prec: float
    x_valeur: float
    x_valeur_prec: float


@dataclass(frozen=True)
class Graphique:
    """The bar chart of the needs by field (period and previous period), as SVG geometry."""

    barres: list[Barre]
    largeur: int
    hauteur: int
    x0: int
    zone: int
    maximum: int


@dataclass(frozen=True)
class BesoinNonCouvert:
    intitule: str
    domaine: str
    urgence: str
    exprime_le: date
    participant: str


@dataclass
class Rapport:
    periode: Periode
    precedente: Periode
    total: Ligne
    tableaux: list[Tableau]
    non_couverts: list[Ligne]  # by field: besoins and personnes (no previous period)
    nb_non_couverts: int
    liste_non_couverts: list[BesoinNonCouvert] = field(default_factory=list)
    graphique: Graphique | None = None

    @property
    def liste_tronquee(self) -> bool:
        return self.nb_non_couverts > len(self.liste_non_couverts)


# --- Computation ---------------------------------------------------------------------------


def _domaine_effectif(domaines):
    """The SQL expression of a need's field: its own, else the one ``rules.domaine_pour_metier``
    infers from its target job (computed in Python once per ROME code in use), else NULL."""
    metiers = (
        BesoinFormation.objects.filter(domaine__isnull=True, metier_rome__isnull=False)
        .values_list("metier_rome_id", "metier_rome__code")
        .distinct()
    )
    par_domaine = {}
    for metier_id, code in metiers:
        domaine = rules.domaine_pour_metier(code, domaines)
        if domaine is not None:
            par_domaine.setdefault(domaine.pk, []).append(metier_id)
    deduit = Case(
        *[When(metier_rome_id__in=ids, then=Value(pk)) for pk, ids in par_domaine.items()],
        default=Value(None),
        output_field=IntegerField(),
    )
    return Coalesce(F("domaine_id"), deduit, output_field=IntegerField()) if par_domaine else F("domaine_id")


def _compteurs(periode, precedente):
    """Needs and distinct people in the period and in the previous one (one query's aggregates)."""
    dans = Q(exprime_le__gte=periode.debut)
    avant = Q(exprime_le__lte=precedente.fin)
    return {
        "besoins": Count("id", filter=dans),
        "personnes": Count("participant_id", filter=dans, distinct=True),
        "besoins_prec": Count("id", filter=avant),
        "personnes_prec": Count("participant_id", filter=avant, distinct=True),
    }


def _ligne(libelle, valeurs):
    return Ligne(
        libelle,
        valeurs["besoins"],
        valeurs["personnes"],
        valeurs["besoins_prec"],
        valeurs["personnes_prec"],
    )


def _par(queryset, compteurs, *cles):
    return queryset.values(*cles).annotate(**compteurs).order_by()


def _graphique(lignes, *, largeur=680, x0=270, hauteur_barre=12):
    if not lignes:
        return None
    maximum = max(max(ligne.besoins, ligne.besoins_prec) for ligne in lignes) or 1
    zone = largeur - x0 - 40
    pas = 2 * hauteur_barre + 10
    barres = []
    for i, ligne in enumerate(lignes):
        largeur_barre = round(zone * ligne.besoins / maximum, 1)
        largeur_prec = round(zone * ligne.besoins_prec / maximum, 1)
        barres.append(
            Barre(
                libelle=ligne.libelle,
                valeur=ligne.besoins,
                valeur_prec=ligne.besoins_prec,
                y=30 + i * pas,
                largeur=largeur_barre,
                largeur_prec=largeur_prec,
                x_valeur=x0 + largeur_barre + 4,
                x_valeur_prec=x0 + largeur_prec + 4,
            )
        )
    return Graphique(barres, largeur, 30 + len(lignes) * pas + 10, x0, zone, maximum)


def calculer(periode: Periode, *, avec_noms: bool = False, limite: int | None = LIMITE_LISTE) -> Rapport:
    """The Région report of ``periode`` (ten queries whatever the number of needs).

    ``avec_noms``: the uncovered needs carry their participant's name (the page of the chargé(e)
    de mission); never for the documents sent to the Région. ``limite``: rows of that list (None:
    all, for the workbook).
    """
    precedente = periode.precedente()
    domaines = list(DomaineFormation.objects.order_by("libelle", "id"))
    libelles_domaines = {d.pk: d.libelle for d in domaines}
    besoins = BesoinFormation.objects.filter(exprime_le__gte=precedente.debut, exprime_le__lte=periode.fin).annotate(
        domaine_effectif=_domaine_effectif(domaines)
    )
    compteurs = _compteurs(periode, precedente)
    total = _ligne("Ensemble", besoins.aggregate(**compteurs))

    # By field: the fields in their reference order, « Non précisé » last.
    valeurs = {v["domaine_effectif"]: v for v in _par(besoins, compteurs, "domaine_effectif")}
    lignes_domaines = [_ligne(d.libelle, valeurs[d.pk]) for d in domaines if d.pk in valeurs]
    if None in valeurs:
        lignes_domaines.append(_ligne(NON_PRECISE, valeurs[None]))

    # By target level, from the lowest.
    niveaux = sorted(
        _par(besoins, compteurs, "niveau_vise_id", "niveau_vise__rang", "niveau_vise__libelle"),
        key=lambda v: (v["niveau_vise_id"] is None, v["niveau_vise__rang"] or 0),
    )
    lignes_niveaux = [_ligne(v["niveau_vise__libelle"] or NON_PRECISE, v) for v in niveaux]

    communes = sorted(
        _par(besoins, compteurs, "participant__commune_id", "participant__commune__nom"),
        key=lambda v: (v["participant__commune__nom"] or "", v["participant__commune_id"]),
    )
    lignes_communes = [_ligne(v["participant__commune__nom"], v) for v in communes]

    qpv = {
        v["en_qpv"]: v
        for v in besoins.annotate(
            en_qpv=Case(
                When(participant__quartier_prioritaire__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .values("en_qpv")
        .annotate(**compteurs)
        .order_by()
    }
    vide = dict.fromkeys(compteurs, 0)
    lignes_qpv = [_ligne(QPV, qpv.get(1, vide)), _ligne(HORS_QPV, qpv.get(0, vide))]

    # Uncovered: the open needs of the period whose field has no session open at its end.
    sessions = [
        SimpleNamespace(**s)
        for s in SessionFormation.objects.filter(statut__in=rules.STATUTS_SESSION_OUVERTS, fin__gte=periode.fin).values(
            "statut", "fin", "domaine_id", "intitule"
        )
    ]
    couverts = [
        d.pk
        for d in domaines
        if rules.besoin_couvert(SimpleNamespace(domaine_id=d.pk, domaine=d), sessions, periode.fin)
    ]
    ouverts = besoins.filter(exprime_le__gte=periode.debut, statut__in=rules.BESOINS_OUVERTS).filter(
        ~Q(domaine_effectif__in=couverts) | Q(domaine_effectif__isnull=True)
    )
    par_domaine = {
        v["domaine_effectif"]: v
        for v in ouverts.values("domaine_effectif")
        .annotate(besoins=Count("id"), personnes=Count("participant_id", distinct=True))
        .order_by()
    }
    non_couverts = [
        Ligne(d.libelle, par_domaine[d.pk]["besoins"], par_domaine[d.pk]["personnes"])
        for d in domaines
        if d.pk in par_domaine
    ]
    if None in par_domaine:
        non_couverts.append(Ligne(NON_PRECISE, par_domaine[None]["besoins"], par_domaine[None]["personnes"]))

    ordre_urgence = Case(
        When(urgence=Urgence.FORTE, then=Value(0)),
        When(urgence=Urgence.MOYENNE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    champs = ["intitule", "domaine_effectif", "urgence", "exprime_le"]
    if avec_noms:
        champs += ["participant__prenom", "participant__nom"]
    lignes = ouverts.annotate(ordre_urgence=ordre_urgence).order_by("ordre_urgence", "exprime_le", "id").values(*champs)
    if limite is not None:
        lignes = lignes[:limite]
    libelles_urgence = dict(Urgence.choices)
    liste = [
        BesoinNonCouvert(
            intitule=v["intitule"],
            domaine=libelles_domaines.get(v["domaine_effectif"], NON_PRECISE),
            urgence=libelles_urgence.get(v["urgence"], v["urgence"]),
            exprime_le=v["exprime_le"],
            participant=f"{v['participant__prenom']} {v['participant__nom']}" if avec_noms else "",
        )
        for v in lignes
    ]

    tableaux = [
        Tableau("domaine", "Besoins par domaine de formation", "Domaine", "Par domaine", lignes_domaines),
        Tableau("niveau", "Besoins par niveau visé", "Niveau visé", "Par niveau visé", lignes_niveaux),
        Tableau("commune", "Besoins par commune de résidence", "Commune", "Par commune", lignes_communes),
        Tableau("qpv", "Besoins des habitants des quartiers prioritaires", "Résidence", "QPV", lignes_qpv),
    ]
    return Rapport(
        periode=periode,
        precedente=precedente,
        total=total,
        tableaux=tableaux,
        non_couverts=non_couverts,
        nb_non_couverts=sum(ligne.besoins for ligne in non_couverts),
        liste_non_couverts=liste,
        graphique=_graphique(lignes_domaines),
    )


# --- The workbook --------------------------------------------------------------------------

FEUILLE_NON_COUVERTS = "Besoins non couverts"
FEUILLE_METHODE = "Méthode"
ENTETES = [
    "Besoins",
    "Personnes",
    "Besoins (période précédente)",
    "Personnes (période précédente)",
    "Évolution des besoins",
    "Évolution des personnes",
]


def ecrire_xlsx(rapport: Rapport, fichier, *, auteur: str, genere_le) -> None:
    """Write the report to ``fichier``: one sheet per table, the uncovered needs (no names) and
    the « Méthode » sheet. Texts go through ``plie.tableur.neutraliser``; trends are numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from plie.tableur import neutraliser

    classeur = Workbook()
    classeur.remove(classeur.active)
    gras = Font(bold=True)

    def rangee(feuille, valeurs, *, entete=False):
        feuille.append([neutraliser(v) for v in valeurs])
        for cellule in feuille[feuille.max_row]:
            if isinstance(cellule.value, str):
                cellule.data_type = "s"
            elif isinstance(cellule.value, date):
                cellule.number_format = "DD/MM/YYYY"
            if entete:
                cellule.font = gras

    def valeurs_ligne(ligne):
        return [
            ligne.libelle,
            ligne.besoins,
            ligne.personnes,
            ligne.besoins_prec,
            ligne.personnes_prec,
            ligne.ecart_besoins,
            ligne.ecart_personnes,
        ]

    for tableau in rapport.tableaux:
        feuille = classeur.create_sheet(tableau.feuille)
        rangee(feuille, [tableau.colonne, *ENTETES], entete=True)
        for ligne in tableau.lignes:
            rangee(feuille, valeurs_ligne(ligne))
        rangee(feuille, valeurs_ligne(rapport.total), entete=True)
        feuille.column_dimensions["A"].width = 45

    feuille = classeur.create_sheet(FEUILLE_NON_COUVERTS)
    rangee(feuille, ["Domaine", "Besoins", "Personnes"], entete=True)
    for ligne in rapport.non_couverts:
        rangee(feuille, [ligne.libelle, ligne.besoins, ligne.personnes])
    rangee(feuille, ["Ensemble", rapport.nb_non_couverts, ""], entete=True)
    rangee(feuille, [])
    rangee(feuille, ["Besoin", "Domaine", "Urgence", "Exprimé le"], entete=True)
    for besoin in rapport.liste_non_couverts:
        rangee(feuille, [besoin.intitule, besoin.domaine, besoin.urgence, besoin.exprime_le])
    feuille.column_dimensions["A"].width = 45
    feuille.column_dimensions["B"].width = 40

    feuille = classeur.create_sheet(FEUILLE_METHODE)
    for valeurs in (
        ["Rapport Région : besoins de formation des participants du PLIE"],
        [MENTION_UE + " (Fonds social européen plus, FSE+)."],
        ["Période", f"{rapport.periode}"],
        ["Période précédente", f"{rapport.precedente}"],
        ["Généré le", genere_le.strftime("%d/%m/%Y à %H:%M")],
        ["Par", auteur],
        [],
    ):
        rangee(feuille, valeurs)
    rangee(feuille, ["Compte", "Définition"], entete=True)
    for valeurs in METHODE:
        rangee(feuille, list(valeurs))
    feuille.column_dimensions["A"].width = 28
    feuille.column_dimensions["B"].width = 120
    classeur.save(fichier)
