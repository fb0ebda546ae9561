"""The rules of the weekly FSE agenda (RULES §6), with no database access.

A week runs from Monday to Sunday; each line gives hours spent on one activity on one day.
Long days and weeks are flagged, not refused: the agenda records what was done.
"""

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal

import holidays
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models

HEURES_MAX_LIGNE = Decimal("12")
HEURES_ALERTE_JOUR = Decimal("10")
HEURES_ALERTE_SEMAINE = Decimal("48")

JOURS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


class StatutSemaine(models.TextChoices):
    BROUILLON = "brouillon", "Brouillon"
    SOUMISE = "soumise", "Soumise"
    VALIDEE = "validee", "Validée"
    RENVOYEE = "renvoyee", "Renvoyée pour correction"


# The salarié submits a draft (or a week sent back); the coordinatrice validates it or sends it back.
TRANSITIONS = {
    StatutSemaine.BROUILLON: {StatutSemaine.SOUMISE},
    StatutSemaine.RENVOYEE: {StatutSemaine.SOUMISE},
    StatutSemaine.SOUMISE: {StatutSemaine.VALIDEE, StatutSemaine.RENVOYEE},
    StatutSemaine.VALIDEE: set(),
}

STATUTS_MODIFIABLES = {StatutSemaine.BROUILLON, StatutSemaine.RENVOYEE}


def format_heures(heures):
    """10.25 → « 10,25 h », 10 → « 10 h »."""
    texte = f"{Decimal(heures):.2f}".rstrip("0").rstrip(".")
    return f"{texte.replace('.', ',')} h"


def verifier_lundi(jour):
    """A week is identified by its Monday."""
    if jour.weekday() != 0:
        raise ValidationError(
            f"Une semaine d'agenda commence un lundi ; le {jour:%d/%m/%Y} est un {JOURS[jour.weekday()]}."
        )
    return jour


def lundi_de(jour):
    """The Monday of the week holding ``jour``."""
    return jour - datetime.timedelta(days=jour.weekday())


def bornes_semaine(lundi):
    """(Monday, Sunday) of the week starting on ``lundi``."""
    verifier_lundi(lundi)
    return lundi, lundi + datetime.timedelta(days=6)


def jours_semaine(lundi):
    verifier_lundi(lundi)
    return [lundi + datetime.timedelta(days=n) for n in range(7)]


def dans_la_semaine(jour, lundi):
    debut, fin = bornes_semaine(lundi)
    return debut <= jour <= fin


def verifier_heures(heures):
    if heures is None or Decimal(heures) <= 0:
        raise ValidationError("Le nombre d'heures doit être positif.")
    if Decimal(heures) > HEURES_MAX_LIGNE:
        raise ValidationError(f"Une ligne ne peut dépasser {format_heures(HEURES_MAX_LIGNE)}.")
    return heures


def totaux_par_jour(lignes, lundi):
    """Hours per day of the week, every day present (0 when nothing was recorded).

    ``lignes`` are objects with ``date`` and ``heures``."""
    totaux = dict.fromkeys(jours_semaine(lundi), Decimal("0"))
    for ligne in lignes:
        if ligne.date in totaux:
            totaux[ligne.date] += Decimal(ligne.heures)
    return totaux


def total_semaine(lignes, lundi):
    return sum(totaux_par_jour(lignes, lundi).values(), Decimal("0"))


def totaux_par_categorie(lignes):
    totaux = defaultdict(lambda: Decimal("0"))
    for ligne in lignes:
        totaux[ligne.categorie_id] += Decimal(ligne.heures)
    return dict(totaux)


def alertes(lignes, lundi):
    """Warnings (in French) on over-long days and weeks: more than 10 h a day, 48 h a week."""
    messages = []
    totaux = totaux_par_jour(lignes, lundi)
    for jour, total in totaux.items():
        if total > HEURES_ALERTE_JOUR:
            messages.append(
                f"Le {JOURS[jour.weekday()]} {jour:%d/%m/%Y} totalise {format_heures(total)}, "
                f"au-delà de {format_heures(HEURES_ALERTE_JOUR)} par jour."
            )
    semaine = sum(totaux.values(), Decimal("0"))
    if semaine > HEURES_ALERTE_SEMAINE:
        messages.append(
            f"La semaine totalise {format_heures(semaine)}, au-delà de {format_heures(HEURES_ALERTE_SEMAINE)}."
        )
    return messages


def jours_feries(lundi):
    """The French public holidays of the week: {date: name in French}."""
    debut, fin = bornes_semaine(lundi)
    feries = holidays.France(years={debut.year, fin.year}, language="fr")
    return {jour: feries[jour] for jour in jours_semaine(lundi) if jour in feries}


def transition_permise(de, vers):
    return vers in TRANSITIONS.get(de, set())


def verifier_transition(de, vers):
    if not transition_permise(de, vers):
        raise ValidationError(
            f"Une semaine « {StatutSemaine(de).label} » ne peut pas passer à « {StatutSemaine(vers).label} »."
        )


# --- Participant FSE data (RULES §6, FSE+ common indicators) -------------------------------

# A result "upon leaving" counts when it is observed within 4 weeks of the exit.
JOURS_RESULTAT_SORTIE = 28
MOIS_SUIVI = 6


class Menage(models.TextChoices):
    ISOLE_ENFANTS = "isole_enfants", "Adulte isolé avec enfant(s) à charge"
    SANS_EMPLOI_ENFANTS = "sans_emploi_enfants", "Ménage sans emploi avec enfant(s) à charge"
    SANS_EMPLOI = "sans_emploi", "Ménage sans emploi, sans enfant à charge"
    AUTRE = "autre", "Autre situation"
    NON_DECLARE = "non_declare", "Ne souhaite pas répondre"


class Collecte(models.TextChoices):
    """For the facts the structure collects only where allowed (nationality, origin)."""

    OUI = "oui", "Oui"
    NON = "non", "Non"
    NON_COLLECTE = "non_collecte", "Non collecté"


class SituationSuivi(models.TextChoices):
    EMPLOI = "emploi", "En emploi, y compris indépendant"
    FORMATION = "formation", "En études ou en formation"
    RECHERCHE = "recherche", "En recherche d'emploi"
    INACTIF = "inactif", "Inactif"
    INJOIGNABLE = "injoignable", "Non joignable"


TRANCHES_AGE = [
    ("moins_18", "Moins de 18 ans", 0, 17),
    ("18_29", "18 à 29 ans", 18, 29),
    ("30_54", "30 à 54 ans", 30, 54),
    ("55_plus", "55 ans et plus", 55, 200),
]

# ISCED (CITE) bands of the FSE+: 0–2 lower secondary at most, 3–4 upper secondary, 5–8 tertiary.
TRANCHES_CITE = [("cite_0_2", "CITE 0 à 2", 0, 2), ("cite_3_4", "CITE 3 à 4", 3, 4), ("cite_5_8", "CITE 5 à 8", 5, 8)]


def age_au(date_naissance, jour):
    return jour.year - date_naissance.year - ((jour.month, jour.day) < (date_naissance.month, date_naissance.day))


def tranche_age(date_naissance, date_entree):
    """The age band at entry, as (code, label); (None, None) for a birth date after the entry."""
    age = age_au(date_naissance, date_entree)
    return next(((code, libelle) for code, libelle, bas, haut in TRANCHES_AGE if bas <= age <= haut), (None, None))


def tranche_cite(isced):
    return next(((code, libelle) for code, libelle, bas, haut in TRANCHES_CITE if bas <= isced <= haut), (None, None))


def limite_resultat_sortie(date_sortie):
    """The last day on which a result observed counts as a result upon leaving."""
    return date_sortie + datetime.timedelta(days=JOURS_RESULTAT_SORTIE)


def verifier_constat_sortie(date_sortie, constate_le):
    """A result upon leaving is observed between the exit and 4 weeks later, both days included."""
    if constate_le < date_sortie:
        raise ValidationError(
            f"Le résultat à la sortie ne peut être constaté avant la sortie du {date_sortie:%d/%m/%Y}."
        )
    if constate_le > limite_resultat_sortie(date_sortie):
        raise ValidationError(
            f"Le résultat à la sortie se constate dans les 4 semaines : au plus tard le "
            f"{limite_resultat_sortie(date_sortie):%d/%m/%Y} pour une sortie le {date_sortie:%d/%m/%Y}."
        )


def echeance_suivi(date_sortie):
    """The day the 6-month follow-up becomes due (same day of month, 6 months later)."""
    return date_sortie + relativedelta(months=MOIS_SUIVI)


def verifier_suivi(date_sortie, suivi_le):
    if suivi_le < echeance_suivi(date_sortie):
        raise ValidationError(
            f"Le suivi à 6 mois se fait à partir du {echeance_suivi(date_sortie):%d/%m/%Y} "
            f"(sortie le {date_sortie:%d/%m/%Y})."
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class FaitsFse:
    """What the FSE asks about one participant, read from the participant and their FSE data."""

    sexe: str
    date_naissance: datetime.date
    date_entree: datetime.date | None
    date_sortie: datetime.date | None = None
    situation_marche_travail: str = ""
    isced: int | None = None
    handicap: bool = False
    qpv: bool = False
    donnees_saisies: bool = False
    menage: str = ""
    pays_tiers: str = Collecte.NON_COLLECTE
    origine_etrangere: str = Collecte.NON_COLLECTE
    sans_domicile: bool = False
    zone_rurale: bool = False
    resultat_constate_le: datetime.date | None = None
    en_recherche_emploi: bool = False
    en_formation: bool = False
    qualification_obtenue: bool = False
    en_emploi: bool = False
    suivi_le: datetime.date | None = None
    suivi_situation: str = ""


def resultat_valable(faits):
    """Whether the exit has a result observed within 4 weeks (the 4-week rule)."""
    return (
        faits.date_sortie is not None
        and faits.resultat_constate_le is not None
        and faits.date_sortie <= faits.resultat_constate_le <= limite_resultat_sortie(faits.date_sortie)
    )


def donnees_manquantes(faits, aujourd_hui):
    """What is missing for the funder, in French, in the order of the entry-then-exit forms."""
    manques = []
    if faits.date_entree is None:
        return ["date d'entrée"]
    if not faits.situation_marche_travail:
        manques.append("situation sur le marché du travail à l'entrée")
    if faits.isced is None:
        manques.append("niveau de formation")
    if not faits.donnees_saisies or not faits.menage:
        manques.append("situation du ménage")
    if faits.date_sortie is not None:
        if faits.resultat_constate_le is not None and not resultat_valable(faits):
            manques.append("résultat à la sortie (constaté hors du délai de 4 semaines)")
        if faits.resultat_constate_le is None:
            if aujourd_hui > limite_resultat_sortie(faits.date_sortie):
                manques.append("résultat à la sortie (non constaté dans les 4 semaines)")
            else:
                manques.append(
                    f"résultat à la sortie (à constater d'ici le {limite_resultat_sortie(faits.date_sortie):%d/%m/%Y})"
                )
        if faits.suivi_le is None and aujourd_hui >= echeance_suivi(faits.date_sortie):
            manques.append(f"suivi à 6 mois (dû depuis le {echeance_suivi(faits.date_sortie):%d/%m/%Y})")
    return manques


# The common indicators, each defined once: (code, label, test on FaitsFse). Output indicators
# count the participants entered in the period; result indicators those who left in it; the
# longer-term one those whose 6-month follow-up fell due in it.
def _au_moins(bas, haut):
    return lambda f: bas <= age_au(f.date_naissance, f.date_entree) <= haut


INDICATEURS_ENTREE = [
    ("participants", "Participants entrés", lambda f: True),
    ("femmes", "Femmes", lambda f: f.sexe == "F"),
    ("hommes", "Hommes", lambda f: f.sexe == "M"),
    ("chomeurs", "Chômeurs, y compris de longue durée", lambda f: f.situation_marche_travail in ("DE", "DELD")),
    ("chomeurs_longue_duree", "Chômeurs de longue durée", lambda f: f.situation_marche_travail == "DELD"),
    ("inactifs", "Inactifs", lambda f: f.situation_marche_travail == "INACTIF"),
    ("en_emploi", "Personnes en emploi, y compris indépendants", lambda f: f.situation_marche_travail == "EMPLOI"),
    *[(code, libelle, _au_moins(bas, haut)) for code, libelle, bas, haut in TRANCHES_AGE],
    *[
        (code, f"Niveau {libelle}", lambda f, bas=bas, haut=haut: f.isced is not None and bas <= f.isced <= haut)
        for code, libelle, bas, haut in TRANCHES_CITE
    ],
    ("handicap", "Participants handicapés (RQTH)", lambda f: f.handicap),
    ("pays_tiers", "Ressortissants de pays tiers", lambda f: f.pays_tiers == Collecte.OUI),
    ("origine_etrangere", "Participants d'origine étrangère", lambda f: f.origine_etrangere == Collecte.OUI),
    ("sans_domicile", "Sans domicile ou exclus du logement", lambda f: f.sans_domicile),
    ("zone_rurale", "Habitants de zones rurales", lambda f: f.zone_rurale),
    ("qpv", "Habitants d'un quartier prioritaire (QPV)", lambda f: f.qpv),
    *[(f"menage_{valeur}", libelle, lambda f, v=valeur: f.menage == v) for valeur, libelle in Menage.choices],
]

INDICATEURS_SORTIE = [
    ("sortis", "Participants sortis", lambda f: True),
    ("sortie_recherche", "En recherche d'emploi à la sortie", lambda f: resultat_valable(f) and f.en_recherche_emploi),
    ("sortie_formation", "En études ou en formation à la sortie", lambda f: resultat_valable(f) and f.en_formation),
    (
        "sortie_qualification",
        "Ayant obtenu une qualification à la sortie",
        lambda f: resultat_valable(f) and f.qualification_obtenue,
    ),
    ("sortie_emploi", "En emploi à la sortie, y compris indépendants", lambda f: resultat_valable(f) and f.en_emploi),
    ("sortie_non_constatee", "Résultat non constaté dans les 4 semaines", lambda f: not resultat_valable(f)),
]

INDICATEURS_SUIVI = [
    ("suivi_du", "Suivis à 6 mois arrivés à échéance", lambda f: True),
    (
        "suivi_emploi",
        "En emploi 6 mois après la sortie, y compris indépendants",
        lambda f: f.suivi_situation == SituationSuivi.EMPLOI,
    ),
    ("suivi_manquant", "Suivi à 6 mois non réalisé", lambda f: f.suivi_le is None),
]


def compter(indicateurs, faits):
    """{code: count} for a list of indicators over the facts of the participants concerned."""
    faits = list(faits)
    return {code: sum(1 for f in faits if test(f)) for code, _libelle, test in indicateurs}


# --- Weekly grid entry ---------------------------------------------------------------------------


def ligne_simple(ligne):
    """A line the weekly grid may rewrite: hours only, no comment and no link."""
    return not (ligne.commentaire or ligne.offre_id or ligne.entreprise_id or ligne.evenement_id or ligne.action_id)


def cases_grille(lignes):
    """{(category id, date): hours} of the simple lines, summed per cell."""
    cases = defaultdict(lambda: Decimal("0"))
    for ligne in lignes:
        if ligne_simple(ligne):
            cases[(ligne.categorie_id, ligne.date)] += Decimal(ligne.heures)
    return dict(cases)
