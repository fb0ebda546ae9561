"""The participants' FSE data as an XLSX workbook, for the funder's import and the auditor.

Three sheets: « Participants » (one row per participant of the operation over the period, one
column per FSE fact), « Indicateurs » (the three tables of ``selectors.indicateurs``) and
« Définitions » (each column and each indicator in words). The rows are streamed (write-only
workbook, ``iterator``): four queries whatever the number of participants.
"""

import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from participants.enums import MotifSortie, Sexe, SituationMarcheTravail
from plie.tableur import neutraliser

from . import rules, selectors

FEUILLE_PARTICIPANTS = "Participants"
FEUILLE_INDICATEURS = "Indicateurs"
FEUILLE_DEFINITIONS = "Définitions"
FORMAT_DATE = "DD/MM/YYYY"
TAILLE_LOT = 2000


def _oui_non(valeur):
    return "Oui" if valeur else "Non"


def _libelle(choix, valeur):
    return dict(choix).get(valeur, valeur or "")


class _Ligne:
    """What one row needs: the participant (loaded through ``selectors.avec_faits``), its facts."""

    def __init__(self, participant, aujourd_hui):
        self.p = participant
        self.f = selectors.faits(participant)
        self.donnees = getattr(participant, "donnees_fse", None)
        self.aujourd_hui = aujourd_hui

    @property
    def sorti(self):
        return self.f.date_sortie is not None

    def age(self):
        return rules.age_au(self.f.date_naissance, self.f.date_entree) if self.f.date_entree else None

    def tranche_age(self):
        return rules.tranche_age(self.f.date_naissance, self.f.date_entree)[1] if self.f.date_entree else ""

    def tranche_cite(self):
        if self.f.isced is None:
            return ""
        return rules.tranche_cite(self.f.isced)[1] or ""

    def resultat(self, champ):
        """A result upon leaving: blank while the participant has not left."""
        return _oui_non(getattr(self.f, champ)) if self.sorti else ""


# (header, definition, value of a row). Dates stay dates; the texts go through ``neutraliser``.
COLONNES = [
    ("Identifiant", "Identifiant stable du participant dans l'outil du PLIE.", lambda r: r.p.identifiant),
    ("Nom", "Nom de famille.", lambda r: r.p.nom),
    ("Prénom", "Prénom.", lambda r: r.p.prenom),
    ("Sexe", "Femme ou Homme, tel qu'enregistré sur la fiche.", lambda r: _libelle(Sexe.choices, r.f.sexe)),
    ("Date de naissance", "Date de naissance.", lambda r: r.f.date_naissance),
    ("Âge à l'entrée", "Âge révolu le jour de l'entrée dans le PLIE.", lambda r: r.age()),
    (
        "Tranche d'âge",
        "Tranche d'âge à l'entrée : moins de 18 ans, 18 à 29 ans, 30 à 54 ans, 55 ans et plus.",
        lambda r: r.tranche_age(),
    ),
    ("Date d'entrée", "Date d'entrée dans le PLIE (décision de la commission).", lambda r: r.f.date_entree),
    (
        "Situation sur le marché du travail à l'entrée",
        "Demandeur d'emploi, demandeur d'emploi de longue durée (12 mois et plus), inactif ou en emploi.",
        lambda r: _libelle(SituationMarcheTravail.choices, r.f.situation_marche_travail),
    ),
    (
        "Niveau de formation",
        "Niveau de formation le plus élevé atteint, à l'entrée.",
        lambda r: str(r.p.niveau_formation) if r.p.niveau_formation_id else "",
    ),
    (
        "CITE",
        "Niveau de la classification internationale type de l'éducation (CITE / ISCED, 0 à 8).",
        lambda r: r.f.isced,
    ),
    ("Tranche CITE", "CITE 0 à 2, CITE 3 à 4 ou CITE 5 à 8.", lambda r: r.tranche_cite()),
    ("RQTH", "Reconnaissance de la qualité de travailleur handicapé.", lambda r: _oui_non(r.f.handicap)),
    ("QPV", "Réside dans un quartier prioritaire de la politique de la ville.", lambda r: _oui_non(r.f.qpv)),
    ("Commune", "Commune de résidence, telle qu'enregistrée à la date de l'export.", lambda r: r.p.commune.nom),
    (
        "Situation du ménage",
        "Situation du ménage déclarée à l'entrée ; vide si non saisie.",
        lambda r: _libelle(rules.Menage.choices, r.f.menage),
    ),
    (
        "Pays tiers",
        "Ressortissant d'un pays hors Union européenne : Oui, Non ou Non collecté.",
        lambda r: _libelle(rules.Collecte.choices, r.f.pays_tiers),
    ),
    (
        "Origine étrangère",
        "Participant d'origine étrangère : Oui, Non ou Non collecté.",
        lambda r: _libelle(rules.Collecte.choices, r.f.origine_etrangere),
    ),
    ("Sans domicile", "Sans domicile ou exclu du logement.", lambda r: _oui_non(r.f.sans_domicile)),
    ("Zone rurale", "Habite une zone rurale.", lambda r: _oui_non(r.f.zone_rurale)),
    ("Date de sortie", "Date de sortie du PLIE ; vide si le parcours continue.", lambda r: r.f.date_sortie),
    ("Motif de sortie", "Motif de sortie enregistré.", lambda r: _libelle(MotifSortie.choices, r.p.motif_sortie)),
    (
        "Résultat constaté le",
        "Date à laquelle la situation du participant à la sortie a été constatée.",
        lambda r: r.f.resultat_constate_le,
    ),
    (
        "Résultat dans les 4 semaines",
        f"Oui si le résultat a été constaté entre le jour de la sortie et {rules.JOURS_RESULTAT_SORTIE} jours "
        "après, bornes incluses (règle des 4 semaines) ; vide si le participant n'est pas sorti.",
        lambda r: _oui_non(rules.resultat_valable(r.f)) if r.sorti else "",
    ),
    (
        "En recherche d'emploi",
        "À la sortie : en recherche d'emploi (vide si non sorti).",
        lambda r: r.resultat("en_recherche_emploi"),
    ),
    ("En formation", "À la sortie : en études ou en formation.", lambda r: r.resultat("en_formation")),
    (
        "Qualification obtenue",
        "À la sortie : a obtenu une qualification.",
        lambda r: r.resultat("qualification_obtenue"),
    ),
    ("En emploi", "À la sortie : en emploi, y compris indépendant.", lambda r: r.resultat("en_emploi")),
    (
        "Suivi à 6 mois dû le",
        f"Même jour du mois, {rules.MOIS_SUIVI} mois après la sortie (au dernier jour du mois s'il n'existe pas).",
        lambda r: rules.echeance_suivi(r.f.date_sortie) if r.sorti else None,
    ),
    ("Suivi réalisé le", "Date du suivi à 6 mois.", lambda r: r.f.suivi_le),
    (
        "Situation à 6 mois",
        "Situation constatée lors du suivi à 6 mois.",
        lambda r: _libelle(rules.SituationSuivi.choices, r.f.suivi_situation),
    ),
    (
        "Données manquantes",
        "Ce qu'il reste à saisir pour le financeur à la date de l'export, séparé par des points-virgules.",
        lambda r: " ; ".join(rules.donnees_manquantes(r.f, r.aujourd_hui)),
    ),
]

ENTETES = [entete for entete, _definition, _valeur in COLONNES]

TABLEAUX = [
    (
        "Indicateurs à l'entrée",
        "Participants entrés pendant la période : date d'entrée comprise entre le début et la fin, bornes incluses.",
    ),
    (
        "Résultats à la sortie",
        "Participants sortis pendant la période : date de sortie comprise entre le début et la fin, bornes "
        f"incluses. Un résultat ne compte que s'il a été constaté dans les 4 semaines (entre le jour de la "
        f"sortie et {rules.JOURS_RESULTAT_SORTIE} jours après) ; plusieurs résultats peuvent valoir pour une "
        "même personne.",
    ),
    (
        "Résultats à 6 mois",
        f"Participants dont le suivi à {rules.MOIS_SUIVI} mois est arrivé à échéance pendant la période : même "
        f"jour du mois, {rules.MOIS_SUIVI} mois après la sortie (le 31 août donne le 28 ou 29 février).",
    ),
]

# The rule behind each indicator, by code (the age, CITE and household ones are built below).
REGLES = {
    "participants": "Tous les participants entrés pendant la période.",
    "femmes": "Sexe : femme.",
    "hommes": "Sexe : homme.",
    "chomeurs": "Situation à l'entrée : demandeur d'emploi ou demandeur d'emploi de longue durée.",
    "chomeurs_longue_duree": "Situation à l'entrée : demandeur d'emploi de longue durée (12 mois et plus).",
    "inactifs": "Situation à l'entrée : inactif (ni en emploi, ni en recherche).",
    "en_emploi": "Situation à l'entrée : en emploi, y compris indépendant.",
    "handicap": "Reconnaissance de la qualité de travailleur handicapé (RQTH) sur la fiche.",
    "pays_tiers": "Ressortissant d'un pays tiers : « Oui » (les « Non collecté » ne comptent pas).",
    "origine_etrangere": "Origine étrangère : « Oui » (les « Non collecté » ne comptent pas).",
    "sans_domicile": "Sans domicile ou exclu du logement.",
    "zone_rurale": "Habite une zone rurale.",
    "qpv": "La fiche mentionne un quartier prioritaire de la politique de la ville.",
    "sortis": "Tous les participants sortis pendant la période.",
    "sortie_recherche": "Résultat constaté dans les 4 semaines : en recherche d'emploi.",
    "sortie_formation": "Résultat constaté dans les 4 semaines : en études ou en formation.",
    "sortie_qualification": "Résultat constaté dans les 4 semaines : a obtenu une qualification.",
    "sortie_emploi": "Résultat constaté dans les 4 semaines : en emploi, y compris indépendant.",
    "sortie_non_constatee": "Sortis sans résultat constaté dans les 4 semaines (absent, ou constaté trop tard).",
    "suivi_du": "Tous les participants dont le suivi à 6 mois est arrivé à échéance pendant la période.",
    "suivi_emploi": "Situation constatée au suivi à 6 mois : en emploi, y compris indépendant.",
    "suivi_manquant": "Suivi à 6 mois non enregistré.",
}
for _code, _libelle_tranche, _bas, _haut in rules.TRANCHES_AGE:
    REGLES[_code] = f"Âge révolu le jour de l'entrée : {_libelle_tranche.lower()}."
for _code, _libelle_tranche, _bas, _haut in rules.TRANCHES_CITE:
    REGLES[_code] = f"Niveau de formation à l'entrée classé {_libelle_tranche}."
for _valeur, _libelle_menage in rules.Menage.choices:
    REGLES[f"menage_{_valeur}"] = f"Situation du ménage à l'entrée : {_libelle_menage.lower()}."


def regle(code):
    return REGLES.get(code, "")


def ecrire_donnees_participants(destination, debut, fin, aujourd_hui, queryset=None):
    """Write the workbook of the period to ``destination`` (a path or a binary file) and return the
    number of participant rows. ``queryset`` narrows the participants (a caseload)."""
    participants = selectors.participants_operation(debut, fin)
    if queryset is not None:
        participants = participants.filter(pk__in=queryset.values("pk"))
    participants = selectors.avec_faits(participants).order_by("nom", "prenom", "pk")

    classeur = Workbook(write_only=True)
    gras = Font(bold=True)

    def cellule(feuille, valeur, *, entete=False):
        cell = WriteOnlyCell(feuille, value=neutraliser(valeur))
        if isinstance(valeur, datetime.date):
            cell.number_format = FORMAT_DATE
        if entete:
            cell.font = gras
        return cell

    def rangee(feuille, valeurs, *, entete=False):
        feuille.append([cellule(feuille, v, entete=entete) for v in valeurs])

    feuille = classeur.create_sheet(FEUILLE_PARTICIPANTS)
    feuille.freeze_panes = "D2"
    for colonne, (entete, _definition, _valeur) in enumerate(COLONNES, start=1):
        feuille.column_dimensions[get_column_letter(colonne)].width = max(12, min(len(entete) + 2, 40))
    rangee(feuille, ENTETES, entete=True)
    nombre = 0
    for participant in participants.iterator(chunk_size=TAILLE_LOT):
        ligne = _Ligne(participant, aujourd_hui)
        rangee(feuille, [valeur(ligne) for _entete, _definition, valeur in COLONNES])
        nombre += 1

    feuille = classeur.create_sheet(FEUILLE_INDICATEURS)
    rangee(feuille, ["Indicateurs communs FSE+"], entete=True)
    rangee(feuille, ["Période", f"du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"])
    rangee(feuille, ["Calculé le", aujourd_hui])
    for (titre, _definition), lignes in zip(TABLEAUX, selectors.indicateurs(debut, fin, queryset), strict=True):
        rangee(feuille, [])
        rangee(feuille, [titre, "Nombre", "Code"], entete=True)
        for code, libelle, nombre_indicateur in lignes:
            rangee(feuille, [libelle, nombre_indicateur, code])

    feuille = classeur.create_sheet(FEUILLE_DEFINITIONS)
    rangee(feuille, [f"Données FSE des participants du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}"], entete=True)
    rangee(
        feuille,
        [
            "Participants de l'opération : entrés au plus tard le dernier jour de la période et non sortis "
            "avant son premier jour (candidats et non-admis exclus)."
        ],
    )
    rangee(feuille, [])
    rangee(feuille, ["Colonne", "Définition"], entete=True)
    for entete, definition, _valeur in COLONNES:
        rangee(feuille, [entete, definition])
    for (titre, definition), definitions in zip(
        TABLEAUX, [rules.INDICATEURS_ENTREE, rules.INDICATEURS_SORTIE, rules.INDICATEURS_SUIVI], strict=True
    ):
        rangee(feuille, [])
        rangee(feuille, [titre, definition], entete=True)
        for code, libelle, _test in definitions:
            rangee(feuille, [libelle, regle(code)])
    classeur.save(destination)
    return nombre
