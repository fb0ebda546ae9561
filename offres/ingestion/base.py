"""The small interface every source connector implements, and the registry of connectors by kind.

A connector fetches pages of raw items (``pages``) and turns one raw item into an offer draft
(``normaliser``); the run (``run.py``) does the rest: raw payloads, pre-filters, dedup, counts.
"""

import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module

from django.utils import timezone


def dormir_par_defaut(secondes):
    """How connectors wait (Retry-After, backoff); tests replace it so that they never sleep."""
    time.sleep(secondes)


class ErreurConnecteur(Exception):
    """The source cannot be read any further: the run stops and is recorded as failed."""


class ErreurReseau(ErreurConnecteur):
    """The source did not answer (network down, persistent 5xx): worth trying again later."""


class ErreurConfiguration(ErreurConnecteur):
    """The source cannot be read at all (missing credentials, missing parameters): no run starts."""


class ExecutionDejaEnCours(ErreurConfiguration):
    """Another run of the same source has not finished: no second run starts."""


@dataclass
class BrouillonOffre:
    """An offer as a source describes it, before mapping to the PLIE's reference data."""

    identifiant_externe: str
    intitule: str
    date_publication: date
    description: str = ""
    url: str = ""
    employeur: str = ""
    siret: str = ""
    code_commune_insee: str = ""
    lieu_travail: str = ""
    code_rome: str = ""
    type_contrat_code: str = ""
    nature_contrat_code: str = ""
    duree_mois: int | None = None
    heures_hebdo: Decimal | None = None
    horaires: str = ""
    salaire: str = ""
    nb_postes: int = 1
    date_actualisation: datetime | None = None
    permis_requis: bool | None = None
    experience_requise: bool | None = None
    sans_diplome: bool | None = None
    extras: dict = field(default_factory=dict)


class Connecteur:
    """Base of the connectors. ``erreurs`` collects the non-fatal problems met while fetching
    (a refused sub-search, say): the run records them and ends ``partielle``."""

    # Whether the nightly and weekly runs read the source by themselves; a connector that only
    # reads what someone hands it (a partner's workbook) says False.
    planifiable = True

    def __init__(self, source, *, maintenant=None, dormir=None):
        self.source = source
        self.maintenant = maintenant or timezone.now()
        self.dormir = dormir or dormir_par_defaut
        self.erreurs: list[str] = []

    def pages(self, depuis: datetime | None) -> Iterator[list[dict]]:
        """Yield pages of raw items published since ``depuis`` (None: the source's default window)."""
        raise NotImplementedError

    def identifiant(self, brut: dict) -> str:
        return str(brut.get("id") or "")

    def normaliser(self, brut: dict) -> BrouillonOffre:
        raise NotImplementedError

    def parametres_execution(self) -> dict:
        """What the run records of the searches it made."""
        return dict(self.source.parametres)

    def fenetre_complete(self) -> tuple[datetime, datetime] | None:
        """The publication window a complete run reads in full (start, end), or None when the
        connector cannot say: then a complete run never marks vanished offers expired."""
        return None


CONNECTEURS: dict[str, type[Connecteur]] = {}


def enregistrer(type_source):
    """Class decorator: the connector for one ``TypeSource``."""

    def decorer(cls):
        CONNECTEURS[type_source] = cls
        return cls

    return decorer


# The modules that register a connector (imported on first use, to keep imports light).
MODULES_CONNECTEURS = ("france_travail", "classeur", "flux", "page")


def _charger_connecteurs():
    for module in MODULES_CONNECTEURS:
        import_module(f"{__package__}.{module}")


def connecteur_pour(source, **kwargs) -> Connecteur:
    _charger_connecteurs()
    try:
        cls = CONNECTEURS[source.type]
    except KeyError:
        raise ErreurConfiguration(
            f"Aucun connecteur pour la source « {source.nom} » (type {source.get_type_display().lower()})."
        ) from None
    return cls(source, **kwargs)


def planifiable(source) -> bool:
    """Whether the scheduled runs (and "Relancer maintenant") may read ``source``: it has a
    connector that fetches by itself. A partner workbook source is read only by an upload."""
    _charger_connecteurs()
    cls = CONNECTEURS.get(source.type)
    return cls is not None and cls.planifiable


_MENTIONS_GENRE = re.compile(r"\(?\b(h|f)\s*/\s*(f|h)\b\)?")
_FORMES_JURIDIQUES = re.compile(r"\b(sas|sasu|sarl|eurl|sa|sci|snc|scop|ste|societe|ets|etablissements)\b")


def sans_accents(texte: str) -> str:
    """Lower case without diacritics; other characters (’, «…) stay for the caller to handle."""
    texte = (texte or "").lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))


def normaliser_texte(texte: str) -> str:
    texte = _MENTIONS_GENRE.sub(" ", sans_accents(texte))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", texte).split())


def normaliser_employeur(nom: str) -> str:
    return " ".join(_FORMES_JURIDIQUES.sub(" ", normaliser_texte(nom)).split())
