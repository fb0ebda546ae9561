"""The rules of the weekly FSE agenda (RULES §6), with no database access.

A week runs from Monday to Sunday; each line gives hours spent on one activity on one day.
Long days and weeks are flagged, not refused: the agenda records what was done.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

import holidays
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
