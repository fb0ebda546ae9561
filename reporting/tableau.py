"""The coordinatrice's dashboard as data: what the page, the PDF and the XLSX export all show.

Built once per request from the selectors; a référent gets the same dashboard narrowed to their
caseload (and without the other référents' caseloads nor the budget).
"""

import dataclasses

from django.utils import timezone

from participants.models import Participant
from participants.selectors import charge_des_referents
from plie.roles import Role

from . import selectors
from .selectors import ChiffresCles, Periode

PERMISSION_TABLEAU = "reporting.voir_tableau_de_bord"


@dataclasses.dataclass
class TableauDeBord:
    periode: Periode
    perimetre: str  # « Tout le PLIE » or « Portefeuille de … »
    complet: bool  # the whole PLIE (coordination), not one caseload
    chiffres: ChiffresCles
    precedents: ChiffresCles
    annee_precedente: ChiffresCles
    entrees_sorties_par_mois: list
    sorties_par_motif: list
    portefeuilles: list
    offres_par_mois: list
    offres_par_source: list
    interactions_par_type: list
    entreprises_rencontrees: int
    besoins_formation: list


def perimetre_de(user):
    """The participants whose figures ``user`` may see, or None for all of them."""
    if set(user.roles) & {Role.COORDINATRICE, Role.ADMINISTRATEUR}:
        return None
    return Participant.objects.filter(referent=user)


def tableau_de_bord(periode, user):
    from offres.models import Positionnement

    participants = perimetre_de(user)
    complet = participants is None
    positionnements = None if complet else Positionnement.objects.filter(participant__referent=user)
    types, entreprises = selectors.interactions_par_type(periode, auteur=None if complet else user)
    chiffres, precedents, annee_precedente = selectors.chiffres_cles_des_periodes(
        [periode, periode.precedente(), periode.annee_precedente()], participants, avec_budget=complet
    )
    return TableauDeBord(
        periode=periode,
        perimetre="Tout le PLIE" if complet else f"Portefeuille de {user}",
        complet=complet,
        chiffres=chiffres,
        precedents=precedents,
        annee_precedente=annee_precedente,
        entrees_sorties_par_mois=selectors.entrees_sorties_par_mois(periode, participants),
        sorties_par_motif=selectors.sorties_par_motif(periode, participants),
        portefeuilles=charge_des_referents(min(periode.fin, timezone.localdate())) if complet else [],
        offres_par_mois=selectors.offres_par_mois(periode, positionnements),
        offres_par_source=selectors.offres_par_source(periode) if complet else [],
        interactions_par_type=types,
        entreprises_rencontrees=entreprises,
        besoins_formation=selectors.besoins_formation_par_domaine(periode, participants),
    )
