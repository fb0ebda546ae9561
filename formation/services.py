"""Every write about training needs, sessions and positionnements. Each one checks its rule
(rules.py), records who and when, and runs in a transaction.

The entry into a training becomes a ``Situation`` of the participant (through
``participants.services.situation_enregistrer``), so that the positive-exit detection (RULES §2,
row 4: entry into a qualifying training) sees it; the end or abandon of the training closes it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from participants import services as participants_services
from participants.enums import StatutParticipant
from participants.models import Participant, Situation
from plie.models import CategorieContrat

from . import rules, selectors
from .models import (
    BesoinFormation,
    EtapePositionnementFormation,
    PositionnementFormation,
    SessionFormation,
    StatutBesoin,
    StatutPositionnementFormation,
    StatutSession,
)

P = StatutPositionnementFormation


def _exiger(verdict, champ=None):
    if not verdict:
        raise ValidationError({champ: verdict.raison} if champ else verdict.raison)


# --- Training needs ------------------------------------------------------------------------


@transaction.atomic
def besoin_enregistrer(*, besoin, par, today=None):
    """Save a new or changed need. Only the participant's référent or the coordinatrice record
    it; the training field is inferred from the target job when not given."""
    today = today or timezone.localdate()
    participant = besoin.participant
    if not selectors.peut_gerer_besoin(par, participant):
        raise PermissionDenied("Seuls le référent du participant et la coordinatrice enregistrent ses besoins.")
    if besoin.pk is None and participant.statut == StatutParticipant.SORTI:
        raise ValidationError(f"{participant} est sorti(e) du PLIE : on n'enregistre plus de besoin de formation.")
    if besoin.exprime_le:
        _exiger(rules.date_expression(besoin.exprime_le, today), "exprime_le")
    if besoin.entretien_id and besoin.entretien.participant_id != participant.pk:
        raise ValidationError({"entretien": "Cet entretien n'est pas celui de ce participant."})
    if not besoin.domaine_id and besoin.metier_rome_id:
        besoin.domaine = rules.domaine_pour_metier(besoin.metier_rome.code, selectors.domaines())
    if besoin.pk is None:
        besoin.cree_par = par
        besoin.statut = StatutBesoin.EXPRIME
    besoin.full_clean()
    besoin.save()
    return besoin


def _positionnement_refuse(besoin, sauf=None):
    """The need's positionnements all ended without entry (and at least one did)."""
    positionnements = besoin.positionnements.exclude(pk=getattr(sauf, "pk", None))
    if positionnements.filter(statut__in=rules.POSITIONNEMENTS_EN_COURS).exists():
        return False
    return sauf is not None or positionnements.filter(statut__in=[P.REFUSE, P.ABANDON]).exists()


@transaction.atomic
def besoin_changer_statut(*, besoin, statut, par):
    """A status change by hand (oriented elsewhere, abandoned…), refused while a positionnement
    follows the need: then the positionnement moves it."""
    besoin = BesoinFormation.objects.select_for_update(of=("self",)).select_related("participant").get(pk=besoin.pk)
    if not selectors.peut_gerer_besoin(par, besoin.participant):
        raise PermissionDenied(
            "Seuls le référent du participant et la coordinatrice changent le statut de ses besoins."
        )
    _exiger(
        rules.besoin_modifiable_a_la_main(positionnement_en_cours=selectors.positionnement_en_cours_du_besoin(besoin))
    )
    _exiger(rules.transition_besoin(besoin.statut, statut, positionnement_refuse=_positionnement_refuse(besoin)))
    besoin.statut = statut
    besoin.save(update_fields=["statut", "maj_le"])
    return besoin


def _besoin_suivre(besoin, positionnement, entre_avant):
    """Move the need with its positionnement (the positionnement's own check already passed).

    A need already closed (its training ended or was given up, through another session) stays
    closed: the positionnement is the fact and is recorded, the need is not reopened by it."""
    vers = rules.besoin_apres_positionnement(positionnement.statut, entre_avant=entre_avant)
    besoin = BesoinFormation.objects.select_for_update().get(pk=besoin.pk)
    if vers is None or besoin.statut == vers or not rules.TRANSITIONS_BESOIN[StatutBesoin(besoin.statut)]:
        return besoin
    if vers == StatutBesoin.EXPRIME and not _positionnement_refuse(besoin, sauf=positionnement):
        return besoin  # another positionnement still orients the need
    _exiger(rules.transition_besoin(besoin.statut, vers, positionnement_refuse=True))
    besoin.statut = vers
    besoin.save(update_fields=["statut", "maj_le"])
    return besoin


# --- Sessions ------------------------------------------------------------------------------


@transaction.atomic
def session_enregistrer(*, session, par):
    """Save a new or changed session: status moves follow ``TRANSITIONS_SESSION``, the seats never
    fall below those already taken. Cancelling goes through ``session_annuler``."""
    if session.pk is None:
        session.cree_par = par
        if session.statut == StatutSession.ANNULEE:
            raise ValidationError({"statut": "Une nouvelle session ne peut pas être annulée."})
    else:
        avant = SessionFormation.objects.select_for_update().get(pk=session.pk)
        if session.statut == StatutSession.ANNULEE and avant.statut != StatutSession.ANNULEE:
            raise ValidationError({"statut": "Utilisez « Annuler la session », qui clôt aussi les positionnements."})
        _exiger(rules.transition_session(avant.statut, session.statut), "statut")
        _exiger(rules.capacite_modifiable(session.capacite, selectors.places_occupees(session)), "capacite")
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_annuler(*, session, motif, par, today=None):
    """Cancel a session; its pending positionnements end as « non retenu » with the reason, and
    their needs go back to « exprimé »."""
    today = today or timezone.localdate()
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Indiquez pourquoi la session est annulée."})
    session = SessionFormation.objects.select_for_update().get(pk=session.pk)
    nb_entres = session.positionnements.filter(statut__in=[P.ENTRE, P.TERMINE]).count()
    _exiger(rules.session_annulable(session.statut, nb_entres))
    session.statut = StatutSession.ANNULEE
    session.save(update_fields=["statut"])
    for positionnement in session.positionnements.filter(statut__in=[P.PROPOSE, P.INSCRIT]).order_by("pk"):
        _etape(positionnement, P.REFUSE, today, par, f"Session annulée : {motif}"[:250])
        if positionnement.besoin_id:
            _besoin_suivre(positionnement.besoin, positionnement, entre_avant=False)
    return session


# --- Positionnements -----------------------------------------------------------------------


def _etape(positionnement, statut, date, par, commentaire=""):
    positionnement.statut = statut
    positionnement.save(update_fields=["statut", "situation"])
    return EtapePositionnementFormation.objects.create(
        positionnement=positionnement, statut=statut, date=date, par=par, commentaire=commentaire
    )


@transaction.atomic
def positionner(*, session, participant, besoin=None, par, commentaire="", today=None):
    """Put a participant forward on a session (status « proposé »), orienting their need."""
    today = today or timezone.localdate()
    session = SessionFormation.objects.select_for_update().get(pk=session.pk)
    participant = Participant.objects.select_related("referent").get(pk=participant.pk)
    if besoin is not None and besoin.participant_id != participant.pk:
        raise ValidationError({"besoin": "Ce besoin est celui d'un autre participant."})
    a_un_besoin = besoin is not None or selectors.a_un_besoin_ouvert(participant)
    if not selectors.peut_positionner(par, participant, a_un_besoin):
        raise PermissionDenied(
            # No name: a 403 is logged with its message, and the person is not in this user's caseload.
            "Ce participant n'est pas dans votre portefeuille"
            + (" et n'a pas de besoin de formation ouvert." if not a_un_besoin else ".")
        )
    if participant.statut != StatutParticipant.ENTRE:
        raise ValidationError(f"{participant} n'est pas en accompagnement.")
    if besoin is not None:
        besoin = BesoinFormation.objects.select_for_update().get(pk=besoin.pk)
        _exiger(rules.besoin_positionnable(besoin.statut), "besoin")
    _exiger(
        rules.session_positionnable(
            session.statut, session.fin, today, session.capacite, selectors.places_occupees(session)
        )
    )
    if PositionnementFormation.objects.filter(session=session, participant=participant).exists():
        raise ValidationError(f"{participant} est déjà positionné(e) sur cette session.")
    positionnement = PositionnementFormation.objects.create(
        session=session, participant=participant, besoin=besoin, propose_par=par
    )
    EtapePositionnementFormation.objects.create(
        positionnement=positionnement, statut=P.PROPOSE, date=today, par=par, commentaire=commentaire[:250]
    )
    if besoin is not None:
        _besoin_suivre(besoin, positionnement, entre_avant=False)
    return positionnement


@transaction.atomic
def positionnement_avancer(*, positionnement, statut, date, par, commentaire="", today=None):
    """Move a positionnement one step, recorded with who and when; its need follows.

    Registration takes a seat (refused when the session is full or cancelled); entry creates
    the participant's training ``Situation``; the end or the abandon of the training closes it.
    """
    today = today or timezone.localdate()
    # The session first, as ``positionner`` does: its seats are counted under this lock. Only the
    # rows themselves are locked (PostgreSQL refuses FOR UPDATE on the nullable side of a join).
    SessionFormation.objects.select_for_update().filter(pk=positionnement.session_id).first()
    positionnement = (
        PositionnementFormation.objects.select_for_update(of=("self",))
        .select_related("session__organisme", "participant", "besoin", "situation")
        .get(pk=positionnement.pk)
    )
    if not selectors.peut_suivre(par, positionnement):
        raise PermissionDenied(
            "Seuls le référent du participant, la coordinatrice et le chargé de mission suivent ce positionnement."
        )
    statut = P(statut)
    _exiger(rules.transition_positionnement(positionnement.statut, statut), "statut")
    precedente = positionnement.etapes.order_by("-date").values_list("date", flat=True).first()
    _exiger(rules.date_etape(date, precedente, today), "date")
    session = positionnement.session
    if statut in (P.INSCRIT, P.ENTRE) and session.statut == StatutSession.ANNULEE:
        raise ValidationError({"statut": "La session est annulée : ni inscription ni entrée possibles."})
    if statut == P.INSCRIT:
        _exiger(rules.capacite_suffisante(session.capacite, selectors.places_occupees(session)), "statut")
    entre_avant = positionnement.statut == P.ENTRE
    if statut == P.ENTRE:
        _exiger(rules.date_entree(date, session.debut, session.fin), "date")
        positionnement.situation = _situation_ouvrir(positionnement, date, par)
    elif statut in (P.TERMINE, P.ABANDON) and entre_avant and positionnement.situation_id:
        _situation_clore(positionnement.situation, date, par)
    _etape(positionnement, statut, date, par, commentaire[:250])
    if positionnement.besoin_id:
        _besoin_suivre(positionnement.besoin, positionnement, entre_avant=entre_avant)
    return positionnement


def _situation_ouvrir(positionnement, debut, par):
    """The participant's training situation, filled from the session."""
    session = positionnement.session
    situation = Situation(
        participant=positionnement.participant,
        type=CategorieContrat.FORMATION_QUALIFIANTE if session.qualifiante else CategorieContrat.FORMATION,
        intitule=session.intitule[:250],
        debut=debut,
        fin_prevue=session.fin,
        employeur=session.organisme.nom[:200],
        siret=session.organisme.siret,
    )
    return participants_services.situation_enregistrer(situation=situation, par=par)


def _situation_clore(situation, fin, par):
    situation.fin = fin
    return participants_services.situation_enregistrer(situation=situation, par=par)
