"""The mid-term and final bilans of the operation as data: the funder's outline (the sections
written in the app) and the quantitative content computed over the bilan's period.

The page and the PDF read the same ``contenu_bilan``; each section of the outline names the
quantitative blocks printed after its text (``Rubrique.blocs``), so that the figures sit where
the funder's outline asks for them.
"""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

import nh3
from django.db.models import Count, Q
from django.utils.html import escape, linebreaks
from django.utils.safestring import mark_safe

from fse import selectors as fse_selectors
from participants.enums import MotifSortie, Sexe

from . import graphiques, selectors
from .selectors import Periode


@dataclasses.dataclass(frozen=True)
class Rubrique:
    code: str
    titre: str
    aide: str  # what the funder expects, shown to whoever writes the section
    blocs: tuple = ()  # quantitative blocks printed after the text (see bilan_blocs.html)


# The outline of the funder's bilan (dossier FSE+: bilan quantitatif et qualitatif).
PLAN = [
    Rubrique(
        "presentation",
        "1. Présentation de l'opération et du contexte",
        "Objectifs de l'opération, territoire couvert, structure porteuse, équipe mobilisée, évolutions "
        "du contexte socio-économique pendant la période.",
        ("territoire",),
    ),
    Rubrique(
        "public",
        "2. Public accompagné",
        "Caractéristiques du public au regard des publics cibles prévus (âge, sexe, niveau de formation, "
        "résidents des QPV, bénéficiaires du RSA), modalités de repérage et d'entrée dans le PLIE.",
        ("chiffres_cles", "entrees_sorties", "indicateurs_entree"),
    ),
    Rubrique(
        "actions",
        "3. Actions mises en œuvre",
        "Accompagnement individualisé renforcé, étapes de parcours, actions collectives, formation : "
        "contenu, volume et écarts par rapport au prévisionnel.",
        ("temps_activite", "besoins_formation"),
    ),
    Rubrique(
        "partenariats",
        "4. Partenariats et relations entreprises",
        "Partenaires mobilisés (prescripteurs, SIAE, organismes de formation), relations avec les "
        "entreprises, captation et diffusion des offres, positionnements.",
        ("interactions", "offres"),
    ),
    Rubrique(
        "resultats",
        "5. Résultats obtenus",
        "Sorties positives et autres sorties au regard des objectifs, situation des participants à la "
        "sortie et six mois après.",
        ("sorties_motif", "indicateurs_sortie"),
    ),
    Rubrique(
        "difficultes",
        "6. Difficultés rencontrées et ajustements",
        "Difficultés de mise en œuvre (recrutement du public, mobilisation des partenaires, moyens) et "
        "ajustements apportés ou envisagés.",
    ),
    Rubrique(
        "principes",
        "7. Respect des principes horizontaux",
        "Égalité entre les femmes et les hommes, égalité des chances et non-discrimination (dont "
        "accessibilité aux personnes handicapées), développement durable : actions menées et résultats.",
        ("egalite",),
    ),
    Rubrique(
        "perspectives",
        "8. Perspectives",
        "Suites envisagées pour la fin de l'opération ou la programmation suivante.",
    ),
]

RUBRIQUES = {rubrique.code: rubrique for rubrique in PLAN}

# The HTML a section may hold (cleaned on save, and again when printed).
BALISES = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "a"}
ATTRIBUTS = {"a": {"href"}}
SCHEMAS_URL = {"http", "https", "mailto"}
AIDE_MISE_EN_FORME = (
    "Mise en forme autorisée : paragraphes <p>, gras <strong>, italique <em>, listes <ul>/<ol> et <li>, "
    'intertitres <h3> et <h4>, citations <blockquote>, liens <a href="https://…"> (http, https ou mailto). '
    "Tout autre balisage est retiré à l'enregistrement ; un texte sans balise est découpé en paragraphes."
)


def nettoyer_html(contenu):
    """The section's HTML restricted to the allow-list; plain text becomes paragraphs."""
    contenu = (contenu or "").strip()
    if not contenu:
        return ""
    if "<" not in contenu:
        contenu = linebreaks(escape(contenu))
    return nh3.clean(
        contenu,
        tags=BALISES,
        attributes=ATTRIBUTS,
        url_schemes=SCHEMAS_URL,
        link_rel="noopener",
        strip_comments=True,
    ).strip()


# --- The budget situation ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SituationBudget:
    prevu: Decimal | None
    realise: Decimal | None
    commentaire: str

    @property
    def complete(self):
        return self.prevu is not None and self.realise is not None

    @property
    def ecart(self):
        """Spent minus planned: negative when less was spent than planned."""
        return self.realise - self.prevu if self.complete else None

    @property
    def ecart_pourcentage(self):
        if not self.complete or not self.prevu:
            return None
        return (self.ecart * 100 / self.prevu).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def taux_realisation(self):
        if not self.complete or not self.prevu:
            return None
        return (self.realise * 100 / self.prevu).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def situation_budget(bilan):
    return SituationBudget(bilan.budget_prevu, bilan.budget_realise, bilan.commentaire_budget)


# --- The quantitative content -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class LigneChiffre:
    libelle: str
    valeur: object
    reference: object  # the same period one year before
    unite: str = ""


@dataclasses.dataclass
class ContenuBilan:
    periode: Periode
    reference: Periode  # the same period one year before
    chiffres: selectors.ChiffresCles
    chiffres_reference: selectors.ChiffresCles
    lignes_chiffres: list
    entrees_sorties: list  # [(month, entries, exits)] of the months the period touches
    total_entrees_mois: int
    total_sorties_mois: int
    sorties_motif: list  # [(code, label, count, positive?)]
    egalite: list  # [(label, accompanied, share, exits, positive exits, rate)]
    offres_par_mois: list
    total_offres: tuple
    offres_par_source: list
    interactions: list
    total_interactions: int
    entreprises_rencontrees: int
    besoins_formation: list
    total_besoins: int
    temps_activite: list
    total_heures: Decimal
    indicateurs_entree: list
    indicateurs_sortie: list
    indicateurs_suivi: list
    budget: SituationBudget
    cout_du_budget_du_bilan: bool  # the cost per person divides the bilan's spending
    graphiques: dict = dataclasses.field(default_factory=dict)  # SVG charts (Markup) by block


def periode_du_bilan(bilan):
    return Periode(bilan.debut, bilan.fin)


def _lignes_chiffres(c, r):
    return [
        LigneChiffre("Communes du territoire", c.communes, r.communes),
        LigneChiffre("Personnes accompagnées sur la période (flux)", c.flux, r.flux),
        LigneChiffre("dont entrées dans la période", c.entrees, r.entrees),
        LigneChiffre("Sorties dans la période", c.sorties, r.sorties),
        LigneChiffre("Personnes en accompagnement en moyenne (stock)", c.stock_moyen, r.stock_moyen),
        LigneChiffre("Âge moyen à l'entrée", c.age_moyen, r.age_moyen, "ans"),
        LigneChiffre("Part des femmes", c.part_femmes, r.part_femmes, "%"),
        LigneChiffre("Part des hommes", c.part_hommes, r.part_hommes, "%"),
        LigneChiffre("Part de niveau V ou infra (CAP/BEP et moins)", c.part_niveau_v, r.part_niveau_v, "%"),
        LigneChiffre("Part résidant en QPV", c.part_qpv, r.part_qpv, "%"),
        LigneChiffre("Part de bénéficiaires du RSA", c.part_rsa, r.part_rsa, "%"),
        LigneChiffre("Durée moyenne des parcours (sorties)", c.duree_moyenne_mois, r.duree_moyenne_mois, "mois"),
        LigneChiffre("Taux de sorties positives", c.taux_sorties_positives, r.taux_sorties_positives, "%"),
        LigneChiffre("Coût moyen d'accompagnement", c.cout_moyen, r.cout_moyen, "€"),
    ]


def _egalite(periode, chiffres):
    """Accompanied, exits and positive exits by sex (one query)."""
    sortis = selectors.sorties(periode)
    positives = Q(motif_sortie__in=MotifSortie.positives())
    valeurs = sortis.aggregate(
        **{f"s_{sexe.value}": Count("id", filter=Q(sexe=sexe)) for sexe in Sexe},
        **{f"p_{sexe.value}": Count("id", filter=Q(sexe=sexe) & positives) for sexe in Sexe},
    )
    lignes = []
    for sexe, accompagnes, part in (
        (Sexe.FEMME, chiffres.femmes, chiffres.part_femmes),
        (Sexe.HOMME, chiffres.hommes, chiffres.part_hommes),
    ):
        n_sorties, n_positives = valeurs[f"s_{sexe.value}"], valeurs[f"p_{sexe.value}"]
        lignes.append((sexe.label, accompagnes, part, n_sorties, n_positives, _pourcentage(n_positives, n_sorties)))
    return lignes


def _pourcentage(n, total):
    if not total:
        return None
    return (Decimal(n) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def contenu_bilan(bilan):
    """The quantitative part of a bilan over its period, in a fixed number of queries whatever
    the number of participants, offers and months."""
    periode = periode_du_bilan(bilan)
    reference = periode.annee_precedente()
    chiffres, chiffres_reference = selectors.chiffres_cles_des_periodes([periode, reference])
    # The cost per person of a bilan divides what the operation spent, when it was entered.
    cout_du_bilan = bilan.budget_realise is not None
    if cout_du_bilan:
        chiffres = dataclasses.replace(chiffres, budget=bilan.budget_realise)

    premier_mois = periode.debut.replace(day=1)
    entrees_sorties = [ligne for ligne in selectors.entrees_sorties_par_mois(periode) if ligne[0] >= premier_mois]
    offres_par_mois = [ligne for ligne in selectors.offres_par_mois(periode) if ligne[0] >= premier_mois]
    interactions, entreprises = selectors.interactions_par_type(periode)
    besoins = selectors.besoins_formation_par_domaine(periode)
    temps = selectors.temps_par_activite(periode)
    entree, sortie, suivi = fse_selectors.indicateurs(periode.debut, periode.fin)
    sorties_motif = selectors.sorties_par_motif(periode)
    return ContenuBilan(
        periode=periode,
        reference=reference,
        chiffres=chiffres,
        chiffres_reference=chiffres_reference,
        lignes_chiffres=_lignes_chiffres(chiffres, chiffres_reference),
        entrees_sorties=entrees_sorties,
        total_entrees_mois=sum(ligne[1] for ligne in entrees_sorties),
        total_sorties_mois=sum(ligne[2] for ligne in entrees_sorties),
        sorties_motif=sorties_motif,
        egalite=_egalite(periode, chiffres),
        offres_par_mois=offres_par_mois,
        total_offres=tuple(sum(ligne[i] for ligne in offres_par_mois) for i in range(1, 6)),
        offres_par_source=selectors.offres_par_source(periode),
        interactions=interactions,
        total_interactions=sum(n for _code, _libelle, n in interactions),
        entreprises_rencontrees=entreprises,
        besoins_formation=besoins,
        total_besoins=sum(n for _libelle, n in besoins),
        temps_activite=temps,
        total_heures=sum((heures for _libelle, heures in temps), Decimal(0)),
        indicateurs_entree=entree,
        indicateurs_sortie=sortie,
        indicateurs_suivi=suivi,
        budget=situation_budget(bilan),
        cout_du_budget_du_bilan=cout_du_bilan,
        graphiques=_graphiques(entrees_sorties, offres_par_mois, sorties_motif, interactions, besoins, temps),
    )


def _graphiques(entrees_sorties, offres_par_mois, sorties_motif, interactions, besoins, temps):
    """The SVG charts of the blocks (the tables stay next to them, for the figures)."""
    return {
        "entrees_sorties": graphiques.barres_par_mois(
            entrees_sorties, ["Entrées", "Sorties"], titre="Entrées et sorties par mois"
        ),
        "offres": graphiques.barres_par_mois(
            [
                (mois, diffusees, positionnes, embauches)
                for mois, _c, _q, diffusees, positionnes, embauches in offres_par_mois
            ],
            ["Offres diffusées", "Positionnements", "Embauches"],
            titre="Offres diffusées, positionnements et embauches par mois",
        ),
        "sorties_motif": graphiques.barres_horizontales(
            [(libelle, n, positive) for _code, libelle, n, positive in sorties_motif],
            titre="Sorties par motif",
            libelle_en_avant="Sortie positive",
            libelle_autre="Autre sortie",
        ),
        "interactions": graphiques.barres_horizontales(
            [(libelle, n) for _code, libelle, n in interactions], titre="Échanges avec les entreprises par type"
        ),
        "besoins_formation": graphiques.barres_horizontales(besoins, titre="Besoins de formation par domaine"),
        "temps_activite": graphiques.barres_horizontales(temps, titre="Temps par activité", unite=" h"),
    }


# --- The sections, with their place in the outline ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class SectionAffichee:
    section: object  # SectionBilan
    aide: str
    blocs: tuple
    html: str  # the cleaned text, safe to print

    @property
    def ancre(self):
        return f"section-{self.section.code}"


def sections_affichees(sections):
    """The sections of a bilan (in their order) with the outline's help and blocks; the text is
    cleaned again when printed, whatever path it took into the database."""
    resultat = []
    for section in sections:
        rubrique = RUBRIQUES.get(section.code)
        resultat.append(
            SectionAffichee(
                section=section,
                aide=rubrique.aide if rubrique else "",
                blocs=rubrique.blocs if rubrique else (),
                html=mark_safe(nettoyer_html(section.contenu)),  # noqa: S308 (cleaned by nh3 just above)
            )
        )
    return resultat
