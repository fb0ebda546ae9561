"""Services: nightly detection refresh (idempotent), référent history invariant, decisions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from participants import services
from participants.enums import DecisionCommissionType, StatutDetection, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import DetectionSortie, HistoriqueReferent, Situation
from participants.tasks import rafraichir_detections
from plie.roles import Role

TODAY = timezone.localdate()


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT)


@pytest.mark.django_db
def test_nightly_refresh_is_idempotent_and_drops_what_no_longer_holds(referent):
    participant = ParticipantFactory(entre=True, referent=referent)
    cdd = Situation.objects.create(
        participant=participant, type="CDD", debut=TODAY - timedelta(days=181), heures_hebdo=Decimal(35)
    )
    assert rafraichir_detections() == {"creees": 1, "mises_a_jour": 0, "retirees": 0}
    assert rafraichir_detections() == {"creees": 0, "mises_a_jour": 0, "retirees": 0}
    detection = DetectionSortie.objects.get()
    assert detection.date == TODAY

    cdd.fin = TODAY - timedelta(days=10)  # the contract ended early: 172 days only
    cdd.save()
    assert rafraichir_detections() == {"creees": 0, "mises_a_jour": 0, "retirees": 1}
    assert not DetectionSortie.objects.exists()


@pytest.mark.django_db
def test_the_day_before_the_182nd_day_nothing_is_detected(referent):
    participant = ParticipantFactory(entre=True, referent=referent)
    Situation.objects.create(participant=participant, type="CDD", debut=TODAY - timedelta(days=180), heures_hebdo=35)
    services.detections_rafraichir()
    assert not DetectionSortie.objects.exists()


@pytest.mark.django_db
def test_confirmed_detections_survive_the_refresh(referent):
    participant = ParticipantFactory(entre=True, referent=referent)
    Situation.objects.create(participant=participant, type="FORMATION_QUALIFIANTE", debut=TODAY - timedelta(days=3))
    services.detections_rafraichir()
    DetectionSortie.objects.update(statut=StatutDetection.CONFIRMEE)
    Situation.objects.all().delete()
    services.detections_rafraichir()
    assert DetectionSortie.objects.get().statut == StatutDetection.CONFIRMEE


@pytest.mark.django_db
def test_one_active_referent_per_participant_is_enforced_by_the_database(referent, make_user):
    participant = ParticipantFactory(entre=True, referent=referent)
    HistoriqueReferent.objects.create(participant=participant, referent=referent, du=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        HistoriqueReferent.objects.create(participant=participant, referent=make_user(Role.REFERENT), du=TODAY)


@pytest.mark.django_db
def test_a_referent_change_cannot_predate_the_current_attribution(referent, make_user):
    participant = ParticipantFactory(entre=True, referent=referent)
    HistoriqueReferent.objects.create(participant=participant, referent=referent, du=TODAY)
    with pytest.raises(ValidationError, match="ne peut pas précéder"):
        services.referent_attribuer(
            participant=participant, referent=make_user(Role.REFERENT), du=TODAY - timedelta(days=1), par=referent
        )


@pytest.mark.django_db
def test_commission_cannot_decide_twice_on_an_entry(referent, make_user):
    coordinatrice = make_user(Role.COORDINATRICE)
    candidat = ParticipantFactory(referent=referent)
    services.commission_decider(
        participant=candidat,
        decision=DecisionCommissionType.ADMISSION,
        date_decision=TODAY,
        motif="Éligible",
        par=coordinatrice,
    )
    with pytest.raises(ValidationError, match="n'est pas candidat"):
        services.commission_decider(
            participant=candidat,
            decision=DecisionCommissionType.REFUS,
            date_decision=TODAY,
            motif="x",
            par=coordinatrice,
        )


@pytest.mark.django_db
def test_senior_aci_exit_needs_the_commission_then_can_be_confirmed(referent, make_user):
    coordinatrice = make_user(Role.COORDINATRICE)
    start = TODAY - timedelta(days=200)
    participant = ParticipantFactory(entre=True, referent=referent, date_naissance=start.replace(year=start.year - 56))
    Situation.objects.create(participant=participant, type="ACI", debut=start, heures_hebdo=26)
    services.detections_rafraichir()
    detection = DetectionSortie.objects.get()
    assert detection.attend_commission
    with pytest.raises(ValidationError, match="validée par la commission"):
        services.sortie_confirmer(participant=participant, motif="SENIOR_ACI", date=detection.date, par=referent)

    services.commission_decider(
        participant=participant,
        decision=DecisionCommissionType.VALIDATION_SENIOR_ACI,
        date_decision=TODAY,
        motif="Parcours validé au cas par cas",
        par=coordinatrice,
    )
    detection.refresh_from_db()
    assert not detection.attend_commission and detection.date == TODAY
    services.sortie_confirmer(participant=participant, motif="SENIOR_ACI", date=TODAY, par=referent)
    participant.refresh_from_db()
    assert participant.statut == StatutParticipant.SORTI
