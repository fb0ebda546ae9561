"""Pure rules of the company file and the collective actions: no database access."""

import re
import unicodedata
from dataclasses import dataclass

from .models import Creneau, Presence

_FORMES_JURIDIQUES = re.compile(
    r"\b(sas|sasu|sarl|eurl|sa|sci|snc|scop|scic|ste|societe|ets|etablissements|groupe|france)\b"
)

# Scanned attendance sheets: what is accepted, recognised by content rather than by name.
SIGNATURES_FICHIERS = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def normaliser_nom(nom: str) -> str:
    """A company name reduced for duplicate detection: no accents, case, punctuation or legal form
    ("Propreté Bourgogne SAS" and "PROPRETE-BOURGOGNE" are the same)."""
    texte = (nom or "").lower().replace("œ", "oe").replace("æ", "ae")
    texte = "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))
    texte = re.sub(r"[^a-z0-9]+", " ", texte)
    return " ".join(_FORMES_JURIDIQUES.sub(" ", texte).split())


def secteur_pour_naf(code_naf: str, secteurs):
    """The sector whose NAF prefix is the longest match of ``code_naf`` ("81.21Z" → "81.2" before
    "81"), or None. ``secteurs``: objects with ``prefixes()``."""
    code = (code_naf or "").strip().upper()
    if not code:
        return None
    meilleur, longueur = None, 0
    for secteur in secteurs:
        for prefixe in secteur.prefixes():
            if code.startswith(prefixe.upper()) and len(prefixe) > longueur:
                meilleur, longueur = secteur, len(prefixe)
    return meilleur


@dataclass(frozen=True)
class Places:
    capacite: int
    inscrits: int

    @property
    def restantes(self):
        return max(0, self.capacite - self.inscrits)

    @property
    def complet(self):
        return self.inscrits >= self.capacite


def type_fichier(debut: bytes) -> str | None:
    """The MIME type of a scanned sheet from its first bytes, or None when not accepted."""
    for signature, mime in SIGNATURES_FICHIERS.items():
        if debut.startswith(signature):
            return mime
    return None


def presences_attendues(creneau) -> list[str]:
    """The attendance fields one registration carries for an action of this ``creneau``."""
    if creneau == Creneau.JOURNEE:
        return ["presence_matin", "presence_apres_midi"]
    return ["presence_apres_midi"] if creneau == Creneau.APRES_MIDI else ["presence_matin"]


def a_ete_present(inscription, creneau) -> bool:
    """Present at least one half-day of the action."""
    return any(getattr(inscription, champ) == Presence.PRESENT for champ in presences_attendues(creneau))
