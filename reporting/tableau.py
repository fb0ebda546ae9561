"""The coordinatrice's dashboard as data: what the page, the PDF and the XLSX export all show.

Built from the selectors; a référent gets the same dashboard narrowed to their caseload (and
without the other référents' caseloads nor the budget).

A computed dashboard is kept in the cache for ``TABLEAU_CACHE_SECONDES`` per period and scope:
at a region's scale its aggregates take most of a second, the page is read far more often than
a period's figures move, and the page says when they were computed and can recompute them. A
budget or a commune changing forgets every computed dashboard at once (signals, apps.py).
"""

import dataclasses
import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
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
    calcule_le: datetime.datetime


def perimetre_de(user):
    """The participants whose figures ``user`` may see, or None for all of them."""
    if set(user.roles) & {Role.COORDINATRICE, Role.ADMINISTRATEUR}:
        return None
    return Participant.objects.filter(referent=user)


def _cle(suffixe):
    """A cache key named by database: two databases may share one Redis (a test server, the
    benchmarks' data sets), and must not serve each other's figures."""
    return f"reporting:tableau:{connection.settings_dict['NAME']}:{suffixe}"


def tableau_de_bord(periode, user, *, recalculer=False):
    """The dashboard of ``periode`` as ``user`` may see it: from the cache unless ``recalculer``."""
    return tableau_en_cache(periode, None if perimetre_de(user) is None else user, recalculer=recalculer)


def tableau_en_cache(periode, referent=None, *, recalculer=False):
    """The dashboard of the whole PLIE, or of ``referent``'s caseload, kept for
    ``TABLEAU_CACHE_SECONDES`` under a key of its own."""
    duree = settings.TABLEAU_CACHE_SECONDES
    if not duree:
        return calculer_tableau_de_bord(periode, referent)
    version = cache.get_or_set(_cle("version"), 1, timeout=None)
    perimetre = "plie" if referent is None else f"referent-{referent.pk}"
    cle = _cle(f"{version}:{perimetre}:{periode.debut:%Y%m%d}:{periode.fin:%Y%m%d}")
    tableau = None if recalculer else cache.get(cle)
    if tableau is None:
        tableau = calculer_tableau_de_bord(periode, referent)
        cache.set(cle, tableau, timeout=duree)
    return tableau


def oublier_tableaux(**kwargs):
    """Forget every computed dashboard (a new version makes every key a new one)."""
    try:
        cache.incr(_cle("version"))
    except ValueError:  # not set yet, or evicted
        cache.set(_cle("version"), 1, timeout=None)


def calculer_tableau_de_bord(periode, referent=None):
    """The dashboard of the whole PLIE, or of ``referent``'s caseload, computed now."""
    from offres.models import Positionnement

    complet = referent is None
    participants = None if complet else Participant.objects.filter(referent=referent)
    positionnements = None if complet else Positionnement.objects.filter(participant__referent=referent)
    types, entreprises = selectors.interactions_par_type(periode, auteur=referent)
    chiffres, precedents, annee_precedente = selectors.chiffres_cles_des_periodes(
        [periode, periode.precedente(), periode.annee_precedente()], participants, avec_budget=complet
    )
    return TableauDeBord(
        periode=periode,
        perimetre="Tout le PLIE" if complet else f"Portefeuille de {referent}",
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
        calcule_le=timezone.now(),
    )
