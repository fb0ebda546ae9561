"""Pure rules about offers: state machines, suggestions read from an offer's text, matching.

No database access here: plain values in, a verdict with reasons out (ARCHITECTURE.md).
"""

import math
import re
from dataclasses import dataclass, field

from .enums import StatutOffre, StatutPositionnement

# --- State machines (RULES §4) ----------------------------------------------------------

TRANSITIONS_OFFRE = {
    StatutOffre.COLLECTEE: {StatutOffre.QUALIFIEE, StatutOffre.ECARTEE},
    StatutOffre.QUALIFIEE: {StatutOffre.DIFFUSEE, StatutOffre.ECARTEE, StatutOffre.CLOTUREE},
    StatutOffre.DIFFUSEE: {StatutOffre.CLOTUREE},
    StatutOffre.ECARTEE: {StatutOffre.COLLECTEE},  # reopened when discarded by mistake
    StatutOffre.CLOTUREE: set(),
}

TRANSITIONS_POSITIONNEMENT = {
    StatutPositionnement.PROPOSE: {
        StatutPositionnement.CANDIDATURE_ENVOYEE,
        StatutPositionnement.NON_RETENU,
        StatutPositionnement.ABANDONNE,
    },
    StatutPositionnement.CANDIDATURE_ENVOYEE: {
        StatutPositionnement.ENTRETIEN,
        StatutPositionnement.RETENU,
        StatutPositionnement.NON_RETENU,
        StatutPositionnement.ABANDONNE,
    },
    StatutPositionnement.ENTRETIEN: {
        StatutPositionnement.RETENU,
        StatutPositionnement.NON_RETENU,
        StatutPositionnement.ABANDONNE,
    },
    StatutPositionnement.RETENU: set(),
    StatutPositionnement.NON_RETENU: set(),
    StatutPositionnement.ABANDONNE: set(),
}


class TransitionInterdite(ValueError):
    """A move the state machine refuses; the message says why, in French."""


def verifier_transition(transitions, de, vers, objet="l'offre"):
    de, vers = type(next(iter(transitions)))(de), type(next(iter(transitions)))(vers)
    if vers not in transitions[de]:
        possibles = ", ".join(sorted(s.label.lower() for s in transitions[de])) or "aucune (état final)"
        raise TransitionInterdite(
            f"Impossible de passer {objet} de « {de.label.lower()} » à « {vers.label.lower()} ». "
            f"Depuis « {de.label.lower()} », possible : {possibles}."
        )


# --- Suggestions read from the offer's text -------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    champ: str
    valeur: bool
    extrait: str  # the words of the offer that suggest it, for the person to confirm


_SUGGESTIONS = [
    (
        "permis_requis",
        True,
        r"permis\s*(?:de\s+conduire\s*)?b\b|permis\s+de\s+conduire|permis\s+(?:est\s+)?(?:exig|obligatoire|indispensable)",
    ),
    (
        "vehicule_requis",
        True,
        r"v[ée]hicul[ée]\s*(?:exig|obligatoire|indispensable|personnel|souhait)|v[ée]hicule\s+(?:est\s+)?n[ée]cessaire",
    ),
    ("sans_diplome", True, r"sans\s+dipl[ôo]me|aucun\s+dipl[ôo]me|pas\s+de\s+dipl[ôo]me"),
    (
        "sans_diplome",
        False,
        r"\b(?:cap|bep|bac(?:\s*pro)?|bts|dut|titre\s+professionnel)\b[^.]{0,30}(?:exig|requis|obligatoire|souhait)|dipl[ôo]me\s+(?:exig|requis|obligatoire)",
    ),
    ("experience_requise", False, r"d[ée]butants?\s+(?:accept|bienvenu)|sans\s+exp[ée]rience|aucune\s+exp[ée]rience"),
    (
        "experience_requise",
        True,
        r"exp[ée]rience\s+(?:exig|requise|obligatoire|indispensable)|exp[ée]rience\s+(?:de|d'au\s+moins)\s+\d+\s+ans?",
    ),
    ("desserte_transports", True, r"\b(?:tram|bus|divia|transports?\s+en\s+commun)\b"),
]
_COMPILED = [(champ, valeur, re.compile(motif, re.IGNORECASE)) for champ, valeur, motif in _SUGGESTIONS]


def suggestions(texte):
    """Checklist answers suggested by the offer's words; the first match per field wins."""
    found = {}
    for champ, valeur, motif in _COMPILED:
        if champ in found:
            continue
        match = motif.search(texte or "")
        if match:
            start, end = max(0, match.start() - 30), min(len(texte), match.end() + 30)
            found[champ] = Suggestion(
                champ, valeur, ("…" if start else "") + texte[start:end].strip() + ("…" if end < len(texte) else "")
            )
    return found


# --- Matching -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfilOffre:
    code_rome: str = ""
    commune: str = ""
    coordonnees: tuple | None = None  # (lat, lon) of the place of work
    permis_requis: bool | None = None
    vehicule_requis: bool | None = None
    desserte_transports: bool | None = None
    heures_hebdo: float | None = None
    sans_diplome: bool | None = None


@dataclass(frozen=True)
class ProfilCandidat:
    cle: object  # the participant's id (or the offer's, when matching the other way)
    metiers: frozenset = frozenset()
    commune: str = ""
    coordonnees: tuple | None = None
    permis_b: bool = False
    vehicule: bool = False
    heures_hebdo_max: int | None = None
    niveau_rang: int = 0  # 0 = infra 3, 1 = CAP/BEP, ...
    disponible: bool = True
    deja_positionne: bool = False


@dataclass(frozen=True)
class Correspondance:
    cle: object
    score: int  # 0-100
    raisons: tuple
    exclusions: tuple = field(default=())  # why this pair is not suggested (empty: suggested)

    @property
    def exclue(self):
        return bool(self.exclusions)


# Points of each criterion; they add up to 100.
POINTS = {"metier": 40, "lieu": 25, "mobilite": 10, "horaires": 10, "niveau": 15}


def distance_km(a, b):
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def correspondance(offre: ProfilOffre, candidat: ProfilCandidat) -> Correspondance:
    """Score a participant against an offer, with the reasons in words (and why it is excluded)."""
    raisons, exclusions, score = [], [], 0

    if candidat.deja_positionne:
        exclusions.append("Déjà positionné sur cette offre.")
    if not candidat.disponible:
        exclusions.append("N'est pas disponible pour un emploi actuellement.")

    code = offre.code_rome
    if code and code in candidat.metiers:
        score += POINTS["metier"]
        raisons.append(f"Le métier {code} fait partie de son projet professionnel.")
    elif code and any(m[:3] == code[:3] for m in candidat.metiers):
        score += 25
        raisons.append(f"Métier proche de son projet (même famille {code[:3]}).")
    elif code and any(m[:1] == code[:1] for m in candidat.metiers):
        score += 10
        raisons.append(f"Même grand domaine professionnel ({code[:1]}) que son projet.")
    elif code:
        raisons.append("Aucun métier de son projet ne correspond à cette offre.")

    transport = offre.desserte_transports is True
    if offre.commune and offre.commune == candidat.commune:
        score += POINTS["lieu"]
        raisons.append(f"Habite {candidat.commune}, la commune du poste.")
    elif offre.coordonnees and candidat.coordonnees:
        km = distance_km(offre.coordonnees, candidat.coordonnees)
        if km <= 5:
            points, texte = 20, f"Habite à {km:.0f} km du poste."
        elif km <= 10 and (candidat.vehicule or transport):
            points, texte = (
                15,
                f"Habite à {km:.0f} km du poste, {'avec un véhicule' if candidat.vehicule else 'desservi en transports en commun'}.",
            )
        elif km <= 10:
            points, texte = 8, f"Habite à {km:.0f} km du poste, sans véhicule ni desserte signalée."
        else:
            points, texte = (5 if candidat.vehicule else 0), f"Habite à {km:.0f} km du poste."
        score += points
        raisons.append(texte)
    else:
        score += 10
        raisons.append("Lieu de travail ou domicile sans coordonnées : distance inconnue.")

    if offre.permis_requis and not candidat.permis_b:
        exclusions.append("Le permis B est exigé et le participant ne l'a pas.")
    elif offre.vehicule_requis and not candidat.vehicule:
        exclusions.append("Un véhicule est nécessaire et le participant n'en a pas.")
    else:
        score += POINTS["mobilite"]
        if offre.vehicule_requis:
            raisons.append("A le permis B et un véhicule, comme demandé.")
        elif offre.permis_requis:
            raisons.append("A le permis B demandé.")

    if offre.heures_hebdo and candidat.heures_hebdo_max and offre.heures_hebdo > candidat.heures_hebdo_max:
        exclusions.append(
            f"L'offre demande {offre.heures_hebdo:g} h par semaine ; le participant peut au plus {candidat.heures_hebdo_max} h."
        )
    else:
        score += POINTS["horaires"]
        if offre.heures_hebdo and candidat.heures_hebdo_max:
            raisons.append(
                f"{offre.heures_hebdo:g} h par semaine, dans ses disponibilités ({candidat.heures_hebdo_max} h au plus)."
            )

    if offre.sans_diplome:
        score += POINTS["niveau"]
        raisons.append("Poste accessible sans diplôme.")
    elif candidat.niveau_rang >= 1:
        score += 10
        raisons.append("Niveau CAP/BEP ou plus.")
    else:
        raisons.append("Sans diplôme, alors que l'offre ne dit pas être accessible sans diplôme.")

    return Correspondance(cle=candidat.cle, score=score, raisons=tuple(raisons), exclusions=tuple(exclusions))


def classer(offre: ProfilOffre, candidats, limite=20):
    """The best matches first (suggested ones), then the excluded ones with their reasons."""
    resultats = [correspondance(offre, c) for c in candidats]
    suggeres = sorted((r for r in resultats if not r.exclue), key=lambda r: (-r.score, str(r.cle)))
    exclus = [r for r in resultats if r.exclue]
    return suggeres[:limite], exclus
