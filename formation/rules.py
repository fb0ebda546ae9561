"""Pure rules about training needs, sessions and positionnements: plain values in, a verdict with
its reason out (ARCHITECTURE.md). No database access: callers pass statuses, dates and counts.

Every refusal carries a French sentence meant for the person at the screen: what is refused and
what is possible instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from participants.rules import Parametres, age_le

from .models import StatutBesoin, StatutPositionnementFormation, StatutSession

B = StatutBesoin
P = StatutPositionnementFormation
S = StatutSession


@dataclass(frozen=True)
class Verdict:
    """Allowed or not, and why; truthy when allowed so that ``if verdict:`` reads naturally."""

    autorise: bool
    raison: str = ""

    def __bool__(self):
        return self.autorise


OK = Verdict(True)


def _d(jour: date) -> str:
    return jour.strftime("%d/%m/%Y")


def _libelles(statuts, enum) -> str:
    """The statuses of ``statuts`` in the order of the workflow, in words."""
    return ", ".join(f"« {s.label.lower()} »" for s in enum if s in statuts) or "aucun (état final)"


# --- Training needs ------------------------------------------------------------------------

TRANSITIONS_BESOIN = {
    B.EXPRIME: {B.ORIENTE, B.ABANDONNE},
    # Back to "exprimé" only when the positionnement did not succeed (see transition_besoin).
    B.ORIENTE: {B.ENTRE, B.EXPRIME, B.ABANDONNE},
    B.ENTRE: {B.TERMINE, B.ABANDONNE},
    B.TERMINE: set(),
    B.ABANDONNE: set(),
}

# A need still waiting for a training: it may be positioned on a session.
BESOINS_OUVERTS = [B.EXPRIME, B.ORIENTE]


def transition_besoin(de, vers, *, positionnement_refuse=False) -> Verdict:
    """May a need move from ``de`` to ``vers``?

    ``positionnement_refuse``: the positionnement the need was oriented to ended without entry
    (not retained, or given up before entering), and no other one is in progress — the only case
    where an oriented need goes back to "exprimé".
    """
    de, vers = B(de), B(vers)
    if vers not in TRANSITIONS_BESOIN[de]:
        return Verdict(
            False,
            f"Un besoin « {de.label.lower()} » ne peut pas passer à « {vers.label.lower()} ». "
            f"Possible : {_libelles(TRANSITIONS_BESOIN[de], B)}.",
        )
    if de == B.ORIENTE and vers == B.EXPRIME and not positionnement_refuse:
        return Verdict(
            False,
            "Un besoin orienté ne redevient « exprimé » que lorsque le positionnement sur la session "
            "n'a pas abouti (non retenu ou abandon avant l'entrée).",
        )
    return OK


def besoin_modifiable_a_la_main(*, positionnement_en_cours: str = "") -> Verdict:
    """While a positionnement follows the need, its status moves with the positionnement only
    (so that the need, the positionnement and the participant's situation stay consistent).

    ``positionnement_en_cours``: the title of the session of the positionnement in progress ("" if none).
    """
    if positionnement_en_cours:
        return Verdict(
            False,
            f"Ce besoin suit le positionnement sur « {positionnement_en_cours} » : "
            "faites avancer ce positionnement plutôt que le besoin.",
        )
    return OK


def besoin_positionnable(statut) -> Verdict:
    statut = B(statut)
    if statut not in BESOINS_OUVERTS:
        return Verdict(
            False, f"Ce besoin est « {statut.label.lower()} » : seul un besoin exprimé ou orienté se positionne."
        )
    return OK


def date_expression(exprime_le: date, today: date) -> Verdict:
    if exprime_le > today:
        return Verdict(False, "Un besoin se saisit une fois exprimé : la date est dans le futur.")
    return OK


# --- Training fields ----------------------------------------------------------------------


def prefixes(domaine) -> list[str]:
    return [p.strip().upper() for p in (domaine.prefixes_rome or "").split(",") if p.strip()]


def domaine_pour_metier(code_rome: str, domaines: Iterable):
    """The training field of a target job: the domain with the longest ROME prefix of ``code_rome``.

    ``domaines``: objects with a ``prefixes_rome`` string ("N1,N4"). On equal lengths the first
    domain given wins (callers pass them in a stable order). None when no prefix matches.
    """
    code = (code_rome or "").strip().upper()
    if not code:
        return None
    meilleur, longueur = None, 0
    for domaine in domaines:
        for prefixe in prefixes(domaine):
            if code.startswith(prefixe) and len(prefixe) > longueur:
                meilleur, longueur = domaine, len(prefixe)
    return meilleur


# --- Sessions ------------------------------------------------------------------------------

STATUTS_SESSION_OUVERTS = [S.PREVUE, S.OUVERTE, S.EN_COURS]

TRANSITIONS_SESSION = {
    S.PREVUE: {S.OUVERTE, S.EN_COURS, S.ANNULEE},
    S.OUVERTE: {S.PREVUE, S.EN_COURS, S.ANNULEE},
    S.EN_COURS: {S.TERMINEE, S.ANNULEE},
    S.TERMINEE: set(),
    S.ANNULEE: set(),
}


def transition_session(de, vers) -> Verdict:
    de, vers = S(de), S(vers)
    if de == vers or vers in TRANSITIONS_SESSION[de]:
        return OK
    return Verdict(
        False,
        f"Une session « {de.label.lower()} » ne peut pas passer à « {vers.label.lower()} ». "
        f"Possible : {_libelles(TRANSITIONS_SESSION[de], S)}.",
    )


def session_ouverte(statut, fin: date, today: date) -> bool:
    """Open: planned, taking registrations or running, and not ended (``fin >= today``)."""
    return S(statut) in STATUTS_SESSION_OUVERTS and fin >= today


def session_annulable(statut, nb_entres: int) -> Verdict:
    statut = S(statut)
    if statut in (S.TERMINEE, S.ANNULEE):
        return Verdict(False, f"La session est déjà « {statut.label.lower()} ».")
    if nb_entres:
        return Verdict(
            False,
            f"{nb_entres} participant(s) sont entrés en formation : enregistrez la fin ou l'abandon "
            "de leur parcours plutôt que d'annuler la session.",
        )
    return OK


def capacite_suffisante(capacite: int, occupees: int) -> Verdict:
    """Seats are taken by the positionnements « inscrit » and « entré »."""
    if occupees >= capacite:
        return Verdict(False, f"La session est complète : {occupees} place(s) occupée(s) sur {capacite}.")
    return OK


def capacite_modifiable(capacite: int, occupees: int) -> Verdict:
    if capacite < occupees:
        return Verdict(
            False, f"{occupees} participant(s) sont déjà inscrits ou entrés : prévoyez au moins autant de places."
        )
    return OK


def session_positionnable(statut, fin: date, today: date, capacite: int, occupees: int) -> Verdict:
    """May someone be put forward on the session today?"""
    statut = S(statut)
    if statut == S.ANNULEE:
        return Verdict(False, "La session est annulée : on ne peut plus y positionner de participant.")
    if statut == S.TERMINEE or fin < today:
        return Verdict(False, f"La session est terminée (fin le {_d(fin)}) : on ne peut plus y positionner.")
    return capacite_suffisante(capacite, occupees)


# --- Positionnements on sessions ----------------------------------------------------------

TRANSITIONS_POSITIONNEMENT = {
    P.PROPOSE: {P.INSCRIT, P.REFUSE, P.ABANDON},
    P.INSCRIT: {P.ENTRE, P.REFUSE, P.ABANDON},
    P.ENTRE: {P.TERMINE, P.ABANDON},
    P.TERMINE: set(),
    P.ABANDON: set(),
    P.REFUSE: set(),
}

# A positionnement in progress: the participant may still enter or is in the training.
POSITIONNEMENTS_EN_COURS = [P.PROPOSE, P.INSCRIT, P.ENTRE]
# The positionnements that take a seat of the session.
POSITIONNEMENTS_OCCUPANT = [P.INSCRIT, P.ENTRE]


def statuts_suivants(statut) -> list:
    """The next statuses of a positionnement, in the order of the workflow (for the form)."""
    possibles = TRANSITIONS_POSITIONNEMENT[P(statut)]
    return [s for s in P if s in possibles]


def transition_positionnement(de, vers) -> Verdict:
    de, vers = P(de), P(vers)
    if vers not in TRANSITIONS_POSITIONNEMENT[de]:
        return Verdict(
            False,
            f"Impossible de passer le positionnement de « {de.label.lower()} » à « {vers.label.lower()} ». "
            f"Depuis « {de.label.lower()} », possible : {_libelles(TRANSITIONS_POSITIONNEMENT[de], P)}.",
        )
    return OK


def date_etape(jour: date, precedente: date | None, today: date) -> Verdict:
    """A step is dated at the latest today, and never before the previous step."""
    if jour > today:
        return Verdict(False, "Une étape se date au plus tard aujourd'hui.")
    if precedente is not None and jour < precedente:
        return Verdict(False, f"Cette étape ne peut pas précéder la précédente ({_d(precedente)}).")
    return OK


def date_entree(jour: date, debut: date, fin: date) -> Verdict:
    """The entry into training lies within the session."""
    if jour < debut:
        return Verdict(False, f"L'entrée ne peut pas précéder le début de la session ({_d(debut)}).")
    if jour > fin:
        return Verdict(False, f"La session s'est terminée le {_d(fin)} : l'entrée ne peut pas être plus tardive.")
    return OK


def besoin_apres_positionnement(statut, *, entre_avant: bool):
    """Where the need goes when its positionnement reaches ``statut`` (None: it does not move).

    Proposal orients the need, entry makes it « entré », the end of the training ends it; a
    refusal or an abandon **before** entry sends it back to « exprimé » (the need is still there,
    another session may meet it), an abandon **after** entry abandons it.
    """
    statut = P(statut)
    if statut == P.PROPOSE:
        return B.ORIENTE
    if statut == P.ENTRE:
        return B.ENTRE
    if statut == P.TERMINE:
        return B.TERMINE
    if statut == P.ABANDON and entre_avant:
        return B.ABANDONNE
    if statut in (P.REFUSE, P.ABANDON):
        return B.EXPRIME
    return None


# --- Coverage of needs by the sessions offered ---------------------------------------------


@dataclass(frozen=True)
class Couverture:
    """Whether a need is covered, by which open sessions, and why; truthy when covered."""

    couvert: bool
    sessions: tuple = field(default=())
    raison: str = ""

    def __bool__(self):
        return self.couvert


def domaine_du_besoin(besoin, domaines: Iterable = ()):
    """The need's training field: its own, else the one inferred from its target job's ROME code
    (``domaines`` given). Reads ``besoin.domaine_id``/``domaine`` and ``metier_rome`` (a model row or
    any object with these attributes, related rows already loaded)."""
    if getattr(besoin, "domaine_id", None):
        return besoin.domaine
    metier = getattr(besoin, "metier_rome", None)
    if metier is not None:
        return domaine_pour_metier(metier.code, domaines)
    return None


def besoin_couvert(besoin, sessions: Iterable, today: date, domaines: Iterable = ()) -> Couverture:
    """Is the need met by the training offer?

    Definition: a need is **covered** on ``today`` when at least one **open** session — status
    prévue, ouverte or en cours, and ending on ``today`` or later (``fin >= today``) — belongs to
    the need's training field. The need's field is the one it was recorded with; a need expressed
    only as a target job takes the field inferred from that job's ROME code (longest prefix among
    ``domaines``, see ``domaine_pour_metier``). Seats left are not considered: a full session still
    shows that the training exists on the territory (the Région report counts offer, not seats).

    ``sessions``: objects with ``statut``, ``fin``, ``domaine_id`` (and ``intitule`` for the reason).
    """
    domaine = domaine_du_besoin(besoin, domaines)
    if domaine is None:
        return Couverture(
            False, raison="Besoin sans domaine de formation connu : il ne peut pas être rapproché d'une session."
        )
    ouvertes = tuple(s for s in sessions if s.domaine_id == domaine.pk and session_ouverte(s.statut, s.fin, today))
    if not ouvertes:
        return Couverture(False, raison=f"Aucune session ouverte dans le domaine « {domaine} » au {_d(today)}.")
    return Couverture(
        True,
        ouvertes,
        f"{len(ouvertes)} session(s) ouverte(s) dans le domaine « {domaine} » : "
        + ", ".join(f"« {s.intitule} »" for s in ouvertes[:3])
        + ("…" if len(ouvertes) > 3 else "")
        + ".",
    )


# --- Seniors -------------------------------------------------------------------------------


def age_senior() -> int:
    return Parametres.depuis_settings().age_senior


def est_senior(date_naissance: date, jour: date, age: int | None = None) -> bool:
    """Aged ``settings.PLIE_REGLES["AGE_SENIOR"]`` (55) or more on ``jour``."""
    return age_le(date_naissance, jour) >= (age if age is not None else age_senior())


def naissance_senior_au_plus_tard(jour: date, age: int | None = None) -> date:
    """The latest birth date of a senior on ``jour`` (for a database filter), consistent with
    ``est_senior``: someone born on 29/02 comes of age on 01/03 in common years."""
    return jour - relativedelta(years=age if age is not None else age_senior())
