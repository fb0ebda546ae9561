"""The dashboard as a workbook: one sheet per table of ``reporting.tableau.TableauDeBord``, and a
« Méthode » sheet saying how each figure is computed (the wording of ``reporting.selectors``).

Streaming (openpyxl write-only): counts and averages are numbers, shares are fractions shown with
a % format, months and period bounds are dates; every text goes through ``plie.tableur.neutraliser``
and is written as a string cell, never a formula.
"""

from decimal import Decimal

from participants.enums import MotifSortie
from plie.pdf import MENTION_UE
from plie.tableur import neutraliser

from . import graphiques
from .selectors import ISCED_NIVEAU_V

FEUILLE_CHIFFRES = "Chiffres clés"
FEUILLE_ENTREES_SORTIES = "Entrées et sorties par mois"
FEUILLE_MOTIFS = "Sorties par motif"
FEUILLE_PORTEFEUILLES = "Portefeuilles"
FEUILLE_OFFRES_MOIS = "Offres par mois"
FEUILLE_OFFRES_SOURCE = "Offres par source"
FEUILLE_ENTREPRISES = "Échanges entreprises"
FEUILLE_BESOINS = "Besoins de formation"
FEUILLE_METHODE = "Méthode"

# Number formats: the spreadsheet shows them with the reader's separators.
ENTIER = "#,##0"
DECIMAL = "#,##0.0"
POURCENTAGE = "0.0%"
EUROS = '#,##0 "€"'
DATE = "DD/MM/YYYY"
MOIS = "MMM YYYY"
ECARTS = {
    "nombre": "+#,##0;-#,##0;0",
    "moyenne": "+#,##0.0;-#,##0.0;0.0",
    "part": "+0.0%;-0.0%;0.0%",
    "euros": '+#,##0 "€";-#,##0 "€";0 "€"',
}
FORMATS = {"nombre": ENTIER, "moyenne": DECIMAL, "part": POURCENTAGE, "euros": EUROS}

# (label, unit, attribute of ChiffresCles, kind); the budget rows for the whole PLIE only.
INDICATEURS = [
    ("Communes du territoire", "communes", "communes", "nombre"),
    ("Personnes accompagnées sur la période (flux)", "personnes", "flux", "nombre"),
    ("Entrées", "personnes", "entrees", "nombre"),
    ("Sorties", "personnes", "sorties", "nombre"),
    ("Personnes en accompagnement en moyenne (stock)", "personnes", "stock_moyen", "moyenne"),
    ("Âge moyen à l'entrée (ans)", "ans", "age_moyen", "moyenne"),
    ("Femmes", "personnes", "femmes", "nombre"),
    ("Part des femmes", "% du flux", "part_femmes", "part"),
    ("Hommes", "personnes", "hommes", "nombre"),
    ("Part des hommes", "% du flux", "part_hommes", "part"),
    ("Niveau V ou infra (CAP/BEP ou moins)", "personnes", "niveau_v_ou_moins", "nombre"),
    ("Part de niveau V ou infra", "% du flux", "part_niveau_v", "part"),
    ("Résidant en quartier prioritaire (QPV)", "personnes", "qpv", "nombre"),
    ("Part résidant en QPV", "% du flux", "part_qpv", "part"),
    ("Bénéficiaires du RSA", "personnes", "rsa", "nombre"),
    ("Part de bénéficiaires du RSA", "% du flux", "part_rsa", "part"),
    ("Durée moyenne de parcours des sortants (mois)", "mois", "duree_moyenne_mois", "moyenne"),
    ("Sorties positives", "personnes", "sorties_positives", "nombre"),
    ("Taux de sorties positives", "% des sorties", "taux_sorties_positives", "part"),
    ("Budget saisi pour la période", "euros", "budget", "euros"),
    ("Coût moyen par personne accompagnée", "euros", "cout_moyen", "euros"),
]
INDICATEURS_BUDGET = {"budget", "cout_moyen"}
LIBELLES_OFFRES = ["Collectées", "Qualifiées", "Diffusées", "Positionnements", "Embauches"]


def methode():
    """[(what, how it is computed)]: the « Méthode » sheet, in the words of ``reporting.selectors``."""
    positives = ", ".join(m.label.removeprefix("Sortie positive : ") for m in MotifSortie.positives())
    return [
        (
            "Période",
            "Deux dates, toutes deux incluses. La période précédente : pour une période commençant le 1er "
            "d'un mois, les mêmes mois (et jours) juste avant (le mois précédent pour un mois, l'année "
            "précédente pour une année civile) ; sinon le même nombre de jours juste avant. « Un an plus "
            "tôt » : la même période décalée d'un an.",
        ),
        (
            "Périmètre",
            "Tout le PLIE pour la coordination. Pour un(e) référent(e) : les participants de son portefeuille, "
            "les positionnements de ces participants et ses propres échanges avec les entreprises ; ni budget, "
            "ni coût par personne, ni portefeuilles des référents, ni offres par source.",
        ),
        ("Communes du territoire", "Communes du territoire valides au dernier jour de la période."),
        (
            "Personnes accompagnées (flux)",
            "Toute personne accompagnée à un moment de la période : entrée au plus tard le dernier jour de la "
            "période et non sortie avant le premier. Les candidats et les personnes non admises ne comptent pas.",
        ),
        ("Entrées", "Personnes dont la date d'entrée est comprise dans la période."),
        ("Sorties", "Personnes sorties dont la date de sortie est comprise dans la période."),
        (
            "Stock moyen",
            "Nombre moyen de personnes en accompagnement chaque jour de la période : jours de présence de "
            "chaque personne du flux dans la période (jours d'entrée et de sortie inclus), divisés par le "
            "nombre de jours de la période.",
        ),
        (
            "Âge moyen à l'entrée",
            "Âge à la date d'entrée, en moyenne sur les personnes accompagnées (flux), en années de 365,25 jours.",
        ),
        (
            "Parts",
            "Les parts de femmes, d'hommes, de niveau V ou infra, de résidants en QPV et de bénéficiaires du "
            "RSA sont prises sur le flux, arrondies au dixième.",
        ),
        (
            "Niveau V ou infra",
            f"Niveau de formation CAP/BEP ou moins, c'est-à-dire CITE (ISCED) {ISCED_NIVEAU_V} ou moins.",
        ),
        ("QPV", "Personne dont la fiche mentionne un quartier prioritaire de la politique de la ville."),
        ("RSA", "Personne dont le minimum social perçu est le RSA."),
        (
            "Durée moyenne de parcours",
            "De l'entrée à la sortie, pour les personnes sorties pendant la période, en mois de 30,4375 jours.",
        ),
        (
            "Taux de sorties positives",
            f"Sorties positives ({positives}) rapportées à l'ensemble des sorties de la période.",
        ),
        (
            "Coût moyen par personne",
            "Somme des budgets saisis pour des périodes comprises dans la période, divisée par le nombre de "
            "personnes accompagnées (flux). Vide quand aucun budget n'est saisi pour la période.",
        ),
        (
            "Écarts",
            "Différence entre la période et la période précédente, puis la même période un an plus tôt ; "
            "pour une part, en points de pourcentage. Vide quand une des deux valeurs manque.",
        ),
        (
            "Entrées et sorties par mois",
            "Entrées et sorties par mois civil, sur les mois de la période, étendus vers le passé à 12 mois au moins.",
        ),
        ("Sorties par motif", "Sorties de la période par motif, chaque motif listé, la sortie positive indiquée."),
        (
            "Portefeuilles",
            "Pour chaque référent(e) : participants en accompagnement à la date de génération, et parmi eux "
            "ceux qui n'ont eu aucun entretien depuis le 1er du mois (du mois de fin de la période si elle est passée).",
        ),
        (
            "Offres par mois",
            "Offres comptées par date de collecte (création dans l'application), de qualification et de "
            "diffusion : une même offre compte dans le mois de chacune de ces dates. Positionnements par date "
            "de création ; embauches : positionnements arrivés à l'étape « retenu » dans le mois (date de "
            "l'étape). Pour un(e) référent(e), les offres de tout le PLIE, les positionnements et embauches "
            "de son portefeuille.",
        ),
        (
            "Offres par source",
            "Offres collectées dans la période, par source d'origine (celle où elles ont été vues la "
            "première fois) ; parmi elles, celles qualifiées et diffusées à ce jour, leurs positionnements "
            "et ceux retenus. Une offre vue dans deux sources compte une fois : la somme des lignes est le "
            "nombre d'offres collectées.",
        ),
        (
            "Échanges entreprises",
            "Échanges avec les entreprises datés dans la période, par type ; entreprises rencontrées : "
            "entreprises distinctes concernées par ces échanges.",
        ),
        (
            "Besoins de formation",
            "Besoins de formation exprimés dans la période (date « exprimé le »), par domaine de formation "
            "saisi sur le besoin, « Domaine non précisé » sinon.",
        ),
    ]


def _nombre(valeur):
    if isinstance(valeur, Decimal):
        return int(valeur) if valeur == valeur.to_integral_value() else float(valeur)
    return valeur


def valeur_indicateur(chiffres, attribut, genre):
    """The cell value of a key figure: a share as a fraction (66.7 → 0.667), None when unknown."""
    valeur = getattr(chiffres, attribut)
    if valeur is None:
        return None
    if genre == "part":
        return float(Decimal(valeur) / 100)
    return _nombre(valeur)


def _ecart(actuelle, autre, genre):
    if actuelle is None or autre is None:
        return None
    difference = actuelle - autre
    return float(Decimal(difference) / 100) if genre == "part" else _nombre(difference)


class _Classeur:
    """A write-only workbook and the few cell kinds the dashboard needs."""

    def __init__(self):
        from openpyxl import Workbook
        from openpyxl.styles import Font

        self.classeur = Workbook(write_only=True)
        self.gras = Font(bold=True)

    def feuille(self, titre, largeurs):
        feuille = self.classeur.create_sheet(titre)
        for colonne, largeur in zip("ABCDEFGH", largeurs, strict=False):
            feuille.column_dimensions[colonne].width = largeur
        return feuille

    def rangee(self, feuille, valeurs, formats=(), *, entete=False):
        """One row; ``formats`` gives the number format of each cell (None: none)."""
        from openpyxl.cell import WriteOnlyCell

        cellules = []
        for n, valeur in enumerate(valeurs):
            cellule = WriteOnlyCell(feuille, value=neutraliser(valeur))
            if isinstance(valeur, str):
                cellule.data_type = "s"  # a string cell, never a formula
            format_ = formats[n] if n < len(formats) else None
            if format_:
                cellule.number_format = format_
            elif hasattr(valeur, "isoformat"):
                cellule.number_format = DATE
            if entete:
                cellule.font = self.gras
            cellules.append(cellule)
        feuille.append(cellules)

    def enregistrer(self, fichier):
        self.classeur.save(fichier)


def ecrire_tableau_xlsx(tableau, fichier, *, auteur, genere_le):
    """Write ``tableau`` (a ``TableauDeBord``) to ``fichier`` (path or binary file object)."""
    x = _Classeur()
    periode = tableau.periode
    libelle = graphiques.libelle_periode(periode)
    libelle_precedente = graphiques.libelle_periode(tableau.precedents.periode)
    libelle_annee = graphiques.libelle_periode(tableau.annee_precedente.periode)

    feuille = x.feuille(FEUILLE_CHIFFRES, [48, 14, 22, 30, 30, 22, 18])
    x.rangee(
        feuille,
        [
            "Indicateur",
            "Unité",
            libelle[:1].upper() + libelle[1:],
            f"Période précédente ({libelle_precedente})",
            f"Un an plus tôt ({libelle_annee})",
            "Écart avec la période précédente",
            "Écart sur un an",
        ],
        entete=True,
    )
    trois = [tableau.chiffres, tableau.precedents, tableau.annee_precedente]
    for libelle_indicateur, unite, attribut, genre in INDICATEURS:
        if attribut in INDICATEURS_BUDGET and not tableau.complet:
            continue  # a caseload has no budget
        actuelle, precedente, annee = (getattr(c, attribut) for c in trois)
        format_ = FORMATS[genre]
        x.rangee(
            feuille,
            [
                libelle_indicateur,
                unite,
                *(valeur_indicateur(c, attribut, genre) for c in trois),
                _ecart(actuelle, precedente, genre),
                _ecart(actuelle, annee, genre),
            ],
            [None, None, format_, format_, format_, ECARTS[genre], ECARTS[genre]],
        )

    feuille = x.feuille(FEUILLE_ENTREES_SORTIES, [14, 12, 12, 20])
    x.rangee(feuille, ["Mois", "Entrées", "Sorties", "Dans la période"], entete=True)
    for premier, entrees, sorties in tableau.entrees_sorties_par_mois:
        dans = periode.debut.replace(day=1) <= premier <= periode.fin
        x.rangee(feuille, [premier, entrees, sorties, "oui" if dans else "non"], [MOIS, ENTIER, ENTIER])

    feuille = x.feuille(FEUILLE_MOTIFS, [52, 12, 16])
    x.rangee(feuille, ["Motif de sortie", "Sorties", "Sortie positive"], entete=True)
    for _code, label, nombre, positive in tableau.sorties_par_motif:
        x.rangee(feuille, [label, nombre, "oui" if positive else "non"], [None, ENTIER])
    total = sum(n for _c, _l, n, _p in tableau.sorties_par_motif)
    x.rangee(feuille, ["Ensemble des sorties", total], [None, ENTIER], entete=True)

    if tableau.complet:
        jour = min(periode.fin, genere_le.date()).replace(day=1)
        feuille = x.feuille(FEUILLE_PORTEFEUILLES, [32, 32, 18, 28])
        x.rangee(
            feuille,
            ["Référent(e)", "Structure", "Participants", f"Sans entretien depuis le {jour:%d/%m/%Y}"],
            entete=True,
        )
        for referent in tableau.portefeuilles:
            x.rangee(
                feuille,
                [str(referent), referent.structure or "", referent.nb_participants, referent.nb_sans_entretien],
                [None, None, ENTIER, ENTIER],
            )

    feuille = x.feuille(FEUILLE_OFFRES_MOIS, [14, 14, 14, 14, 16, 14, 20])
    x.rangee(feuille, ["Mois", *LIBELLES_OFFRES, "Dans la période"], entete=True)
    for premier, *valeurs in tableau.offres_par_mois:
        dans = periode.debut.replace(day=1) <= premier <= periode.fin
        x.rangee(feuille, [premier, *valeurs, "oui" if dans else "non"], [MOIS, *[ENTIER] * len(valeurs)])

    if tableau.complet:
        feuille = x.feuille(FEUILLE_OFFRES_SOURCE, [24, 40, 14, 14, 14, 16, 14])
        x.rangee(feuille, ["Source", "Libellé", *LIBELLES_OFFRES], entete=True)
        for source, *valeurs in tableau.offres_par_source:
            x.rangee(feuille, [source.nom, source.libelle, *valeurs], [None, None, *[ENTIER] * len(valeurs)])

    feuille = x.feuille(FEUILLE_ENTREPRISES, [40, 12])
    x.rangee(feuille, ["Type d'échange", "Nombre"], entete=True)
    for _code, label, nombre in tableau.interactions_par_type:
        x.rangee(feuille, [label, nombre], [None, ENTIER])
    x.rangee(feuille, [])
    x.rangee(feuille, ["Entreprises rencontrées", tableau.entreprises_rencontrees], [None, ENTIER], entete=True)

    feuille = x.feuille(FEUILLE_BESOINS, [48, 18])
    x.rangee(feuille, ["Domaine de formation", "Besoins exprimés"], entete=True)
    for label, nombre in tableau.besoins_formation:
        x.rangee(feuille, [label, nombre], [None, ENTIER])

    feuille = x.feuille(FEUILLE_METHODE, [30, 110, 14])
    x.rangee(feuille, ["Tableau de bord du PLIE"], entete=True)
    x.rangee(feuille, [MENTION_UE])
    x.rangee(feuille, ["Périmètre du tableau", tableau.perimetre])
    for nom, p in [
        (f"Période ({libelle})", periode),
        (f"Période précédente ({libelle_precedente})", tableau.precedents.periode),
        (f"Un an plus tôt ({libelle_annee})", tableau.annee_precedente.periode),
    ]:
        x.rangee(feuille, [nom, p.debut, p.fin])
    x.rangee(feuille, ["Généré le", genere_le.strftime("%d/%m/%Y à %H:%M")])
    x.rangee(feuille, ["Par", auteur])
    x.rangee(feuille, [])
    x.rangee(feuille, ["Indicateur", "Calcul"], entete=True)
    for quoi, comment in methode():
        x.rangee(feuille, [quoi, comment])
    x.enregistrer(fichier)
