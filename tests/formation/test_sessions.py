"""Training bodies, sessions and positionnements: seats, cancellation, the state machine with its
steps, the participant's situation opened on entry (and the positive exit it brings when the
training is qualifying) and closed on abandon, the pages for each role and their query counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from formation import services
from formation.factories import BesoinFormationFactory, OrganismeFormationFactory, SessionFormationFactory, domaine
from formation.models import (
    OrganismeFormation,
    PositionnementFormation,
    SessionFormation,
    StatutBesoin,
    StatutPositionnementFormation,
    StatutSession,
)
from participants import services as participants_services
from participants.enums import MotifSortie
from participants.factories import ParticipantFactory
from participants.models import DetectionSortie, Situation
from plie.models import CategorieContrat
from plie.roles import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
P = StatutPositionnementFormation
B = StatutBesoin


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION)


@pytest.fixture
def participant(referent):
    return ParticipantFactory(entre=True, referent=referent)


@pytest.fixture
def besoin(participant):
    return BesoinFormationFactory(participant=participant)


def _positionner(session, besoin, par):
    return services.positionner(session=session, participant=besoin.participant, besoin=besoin, par=par)


def _avancer(positionnement, statut, par, date=TODAY, **kwargs):
    return services.positionnement_avancer(positionnement=positionnement, statut=statut, date=date, par=par, **kwargs)


def _inscrire_et_entrer(session, besoin, par):
    positionnement = _positionner(session, besoin, par)
    _avancer(positionnement, P.INSCRIT, par)
    return _avancer(positionnement, P.ENTRE, par)


# --- Seats ---------------------------------------------------------------------------------


def test_the_last_seat_then_the_session_is_full(referent):
    session = SessionFormationFactory(capacite=2)
    premiers = [BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent)) for _ in range(3)]
    positionnements = [_positionner(session, b, referent) for b in premiers]  # proposals take no seat
    _avancer(positionnements[0], P.INSCRIT, referent)
    _avancer(positionnements[1], P.INSCRIT, referent)  # the last seat
    with pytest.raises(ValidationError, match="complète : 2 place"):
        _avancer(positionnements[2], P.INSCRIT, referent)
    quatrieme = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
    with pytest.raises(ValidationError, match="complète"):
        _positionner(session, quatrieme, referent)
    # A seat freed by an abandon is free again.
    _avancer(positionnements[0], P.ABANDON, referent)
    _avancer(positionnements[2], P.INSCRIT, referent)


def test_entered_participants_keep_their_seat(referent, besoin):
    session = SessionFormationFactory(capacite=1)
    _inscrire_et_entrer(session, besoin, referent)
    autre = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
    with pytest.raises(ValidationError, match="complète"):
        _positionner(session, autre, referent)


# --- State machine -------------------------------------------------------------------------


def test_each_step_is_recorded_dated_and_attributed(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    _avancer(positionnement, P.INSCRIT, referent, commentaire="Dossier déposé")
    assert list(positionnement.etapes.values_list("statut", "date", "par", "commentaire")) == [
        (P.PROPOSE, TODAY, referent.pk, ""),
        (P.INSCRIT, TODAY, referent.pk, "Dossier déposé"),
    ]
    positionnement.refresh_from_db()
    assert positionnement.statut == P.INSCRIT


def test_a_transition_outside_the_workflow_is_refused_with_its_message(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    with pytest.raises(ValidationError) as erreur:
        _avancer(positionnement, P.ENTRE, referent)
    assert "de « proposé » à « entré en formation »" in str(erreur.value.message_dict["statut"])
    assert positionnement.etapes.count() == 1


def test_a_step_is_not_dated_in_the_future_nor_before_the_previous_one(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    with pytest.raises(ValidationError, match="au plus tard aujourd'hui"):
        _avancer(positionnement, P.INSCRIT, referent, date=TODAY + timedelta(days=1))
    with pytest.raises(ValidationError, match="précéder la précédente"):
        _avancer(positionnement, P.INSCRIT, referent, date=TODAY - timedelta(days=1))


def test_entry_before_the_start_of_the_session_is_refused(referent, besoin):
    session = SessionFormationFactory(debut=TODAY + timedelta(days=3), fin=TODAY + timedelta(days=60))
    positionnement = _positionner(session, besoin, referent)
    _avancer(positionnement, P.INSCRIT, referent)
    with pytest.raises(ValidationError, match="précéder le début de la session"):
        _avancer(positionnement, P.ENTRE, referent)
    assert not Situation.objects.exists()


def test_another_referent_cannot_move_a_positionnement(make_user, referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    with pytest.raises(PermissionDenied):
        _avancer(positionnement, P.INSCRIT, make_user(Role.REFERENT))


def test_the_charge_de_mission_records_registrations_and_entries(charge, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, charge)
    _avancer(positionnement, P.INSCRIT, charge)
    _avancer(positionnement, P.ENTRE, charge)
    assert Situation.objects.get().cree_par == charge


# --- The need follows ----------------------------------------------------------------------


def test_the_need_follows_proposal_entry_and_end(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ORIENTE
    _avancer(positionnement, P.INSCRIT, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ORIENTE
    _avancer(positionnement, P.ENTRE, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ENTRE
    _avancer(positionnement, P.TERMINE, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.TERMINE


def test_a_refusal_sends_the_need_back_to_expressed(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    _avancer(positionnement, P.REFUSE, referent, commentaire="Prérequis non atteints")
    besoin.refresh_from_db()
    assert besoin.statut == B.EXPRIME


def test_a_refusal_keeps_the_need_oriented_while_another_session_is_pending(referent, besoin):
    premier = _positionner(SessionFormationFactory(), besoin, referent)
    _positionner(SessionFormationFactory(), besoin, referent)
    _avancer(premier, P.REFUSE, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ORIENTE


def test_an_abandon_before_entry_sends_the_need_back_after_entry_abandons_it(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(), besoin, referent)
    _avancer(positionnement, P.ABANDON, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.EXPRIME
    entre = _inscrire_et_entrer(SessionFormationFactory(), besoin, referent)
    _avancer(entre, P.ABANDON, referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ABANDONNE


# --- The participant's situation -----------------------------------------------------------


def test_entry_into_a_qualifying_session_creates_the_situation(referent, besoin):
    session = SessionFormationFactory(qualifiante=True, intitule="Titre pro agent magasinier")
    positionnement = _inscrire_et_entrer(session, besoin, referent)
    situation = Situation.objects.get()
    assert positionnement.situation == situation
    assert situation.participant == besoin.participant
    assert situation.type == CategorieContrat.FORMATION_QUALIFIANTE
    assert (situation.debut, situation.fin_prevue, situation.fin) == (TODAY, session.fin, None)
    assert situation.employeur == session.organisme.nom and situation.intitule == session.intitule
    assert situation.cree_par == referent


def test_a_qualifying_entry_is_detected_as_a_positive_exit_but_not_the_day_before(referent, besoin):
    _inscrire_et_entrer(SessionFormationFactory(qualifiante=True), besoin, referent)
    detection = DetectionSortie.objects.get(participant=besoin.participant)
    assert detection.resultat == MotifSortie.FORMATION_QUALIFIANTE and detection.date == TODAY
    # The same facts as they stood the day before the entry: nothing to detect.
    participants_services.detections_rafraichir(participants=[besoin.participant], today=TODAY - timedelta(days=1))
    assert not DetectionSortie.objects.filter(participant=besoin.participant).exists()


def test_entry_into_a_non_qualifying_session_is_a_training_without_positive_exit(referent, besoin):
    _inscrire_et_entrer(SessionFormationFactory(qualifiante=False), besoin, referent)
    assert Situation.objects.get().type == CategorieContrat.FORMATION
    assert not DetectionSortie.objects.exists()


@pytest.mark.parametrize("fin", [P.ABANDON, P.TERMINE])
def test_the_end_or_abandon_of_the_training_closes_the_situation(referent, besoin, fin):
    positionnement = _inscrire_et_entrer(SessionFormationFactory(qualifiante=True), besoin, referent)
    _avancer(positionnement, fin, referent, commentaire="Raison")
    situation = Situation.objects.get()
    assert situation.fin == TODAY and situation.type == CategorieContrat.FORMATION_QUALIFIANTE
    # The entry stays a positive exit (RULES §2: entry into a qualifying training).
    assert DetectionSortie.objects.filter(resultat=MotifSortie.FORMATION_QUALIFIANTE).exists()


def test_an_abandon_before_entry_creates_no_situation(referent, besoin):
    positionnement = _positionner(SessionFormationFactory(qualifiante=True), besoin, referent)
    _avancer(positionnement, P.ABANDON, referent)
    assert not Situation.objects.exists()


# --- Sessions ------------------------------------------------------------------------------


def test_cancelling_a_session_closes_pending_positionnements_with_the_reason(charge, referent, besoin):
    session = SessionFormationFactory()
    positionnement = _positionner(session, besoin, referent)
    with pytest.raises(ValidationError, match="Indiquez pourquoi"):
        services.session_annuler(session=session, motif=" ", par=charge)
    services.session_annuler(session=session, motif="Organisme défaillant", par=charge)
    session.refresh_from_db()
    positionnement.refresh_from_db()
    besoin.refresh_from_db()
    assert session.statut == StatutSession.ANNULEE
    assert positionnement.statut == P.REFUSE
    assert positionnement.etapes.last().commentaire == "Session annulée : Organisme défaillant"
    assert besoin.statut == B.EXPRIME


def test_a_session_with_an_entered_participant_cannot_be_cancelled(charge, referent, besoin):
    session = SessionFormationFactory()
    _inscrire_et_entrer(session, besoin, referent)
    with pytest.raises(ValidationError, match="entrés en formation"):
        services.session_annuler(session=session, motif="Test", par=charge)


def test_registration_on_a_cancelled_session_is_refused(charge, referent, besoin):
    session = SessionFormationFactory()
    positionnement = _positionner(session, besoin, referent)
    SessionFormation.objects.filter(pk=session.pk).update(statut=StatutSession.ANNULEE)
    with pytest.raises(ValidationError, match="annulée"):
        _avancer(positionnement, P.INSCRIT, referent)


def test_session_status_and_seats_follow_their_rules(charge, referent, besoin):
    session = SessionFormationFactory(statut=StatutSession.PREVUE, capacite=3)
    positionnement = _positionner(session, besoin, referent)
    _avancer(positionnement, P.INSCRIT, referent)
    session.statut = StatutSession.TERMINEE
    with pytest.raises(ValidationError) as erreur:
        services.session_enregistrer(session=session, par=charge)
    assert "statut" in erreur.value.message_dict
    session.statut, session.capacite = StatutSession.OUVERTE, 0
    with pytest.raises(ValidationError) as erreur:
        services.session_enregistrer(session=session, par=charge)
    assert "capacite" in erreur.value.message_dict
    session.capacite = 1
    services.session_enregistrer(session=session, par=charge)
    session.statut = StatutSession.ANNULEE
    with pytest.raises(ValidationError, match="Annuler la session"):
        services.session_enregistrer(session=session, par=charge)


# --- Pages ---------------------------------------------------------------------------------


@pytest.fixture
def monde(referent, besoin):
    session = SessionFormationFactory(prerequis="Savoir lire et écrire le français.")
    positionnement = _positionner(session, besoin, referent)
    return {"session": session, "organisme": session.organisme, "positionnement": positionnement}


LECTEURS = {Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE}
PAGES = {
    "organismes": (lambda m: reverse("formation:organismes"), LECTEURS),
    "organisme": (lambda m: reverse("formation:organisme", args=[m["organisme"].pk]), LECTEURS),
    "organisme_nouveau": (lambda m: reverse("formation:organisme_nouveau"), {Role.CHARGE_MISSION}),
    "organisme_modifier": (
        lambda m: reverse("formation:organisme_modifier", args=[m["organisme"].pk]),
        {Role.CHARGE_MISSION},
    ),
    "sessions": (lambda m: reverse("formation:sessions"), LECTEURS),
    "session": (lambda m: reverse("formation:session", args=[m["session"].pk]), LECTEURS),
    "session_nouvelle": (lambda m: reverse("formation:session_nouvelle"), {Role.CHARGE_MISSION}),
    "session_modifier": (
        lambda m: reverse("formation:session_modifier", args=[m["session"].pk]),
        {Role.CHARGE_MISSION},
    ),
    "session_annuler": (lambda m: reverse("formation:session_annuler", args=[m["session"].pk]), {Role.CHARGE_MISSION}),
    "positionnement": (lambda m: reverse("formation:positionnement", args=[m["positionnement"].pk]), LECTEURS),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_permissions_of_the_session_pages(client, make_user, referent, monde, page, role):
    url, roles = PAGES[page]
    client.force_login(referent if role == Role.REFERENT else make_user(role))
    assert client.get(url(monde)).status_code == (200 if role in roles else 403)


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_login(client, monde, page):
    response = client.get(PAGES[page][0](monde))
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


def test_another_referents_positionnement_is_a_404_and_hidden_on_the_session(client, make_user, monde, besoin):
    client.force_login(make_user(Role.REFERENT))
    assert client.get(reverse("formation:positionnement", args=[monde["positionnement"].pk])).status_code == 404
    html = client.get(reverse("formation:session", args=[monde["session"].pk])).content.decode()
    assert besoin.participant.nom.upper() not in html and "1 occupée" not in html


def test_posting_to_a_positionnement_needs_the_change_permission(client, make_user, monde):
    client.force_login(make_user(Role.COORDINATRICE))
    url = reverse("formation:positionnement", args=[monde["positionnement"].pk])
    html = client.get(url).content.decode()
    assert "Étape suivante" not in html
    response = client.post(url, {"statut": "inscrit", "date": TODAY.isoformat()})
    assert response.status_code == 403
    monde["positionnement"].refresh_from_db()
    assert monde["positionnement"].statut == P.PROPOSE


def test_the_session_page_shows_prerequisites_seats_and_steps(client, charge, monde, besoin):
    client.force_login(charge)
    html = client.get(reverse("formation:session", args=[monde["session"].pk])).content.decode()
    assert "Savoir lire et écrire le français." in html
    assert "0 occupée" in html and "1 proposé en attente" in html
    assert besoin.participant.nom.upper() in html and "Proposé le" in html
    assert "/participants/" not in html  # the chargé de mission has no participant record


def test_the_avancer_form_offers_the_allowed_next_statuses_only(client, referent, monde):
    client.force_login(referent)
    form = client.get(reverse("formation:positionnement", args=[monde["positionnement"].pk])).context["form"]
    assert [value for value, _ in form.fields["statut"].choices] == ["inscrit", "abandon", "refuse"]


def test_the_referent_moves_a_positionnement_to_entry_from_the_page(client, referent, monde, besoin):
    client.force_login(referent)
    url = reverse("formation:positionnement", args=[monde["positionnement"].pk])
    response = client.post(url, {"statut": "entre", "date": TODAY.isoformat()})  # not offered from « proposé »
    assert response.status_code == 200 and "statut" in response.context["form"].errors
    client.post(url, {"statut": "inscrit", "date": TODAY.isoformat(), "commentaire": "Inscrite"})
    response = client.post(url, {"statut": "entre", "date": TODAY.isoformat()}, follow=True)
    html = response.content.decode()
    assert "est entré(e) en formation" in html and "#situations" in html
    assert Situation.objects.filter(participant=besoin.participant).exists()


def test_a_referent_positions_a_participant_of_their_caseload_from_the_session(client, referent, monde):
    sans_besoin = ParticipantFactory(entre=True, referent=referent)
    client.force_login(referent)
    url = reverse("formation:session_positionner", args=[monde["session"].pk])
    response = client.post(url, {"commentaire": "x"})
    assert (
        response.status_code == 200
        and "Choisissez un besoin de formation ou un participant" in response.content.decode()
    )
    response = client.post(url, {"participant": sans_besoin.pk})
    positionnement = PositionnementFormation.objects.get(participant=sans_besoin)
    assert response.url == reverse("formation:positionnement", args=[positionnement.pk])
    assert positionnement.besoin is None


def test_the_charge_de_mission_positions_from_the_session_through_needs_only(client, charge, referent, monde):
    besoin = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
    client.force_login(charge)
    html = client.get(reverse("formation:session", args=[monde["session"].pk])).content.decode()
    assert 'name="participant"' not in html and besoin.intitule in html
    client.post(reverse("formation:session_positionner", args=[monde["session"].pk]), {"besoin": besoin.pk})
    assert PositionnementFormation.objects.filter(besoin=besoin, propose_par=charge).exists()


def test_the_charge_de_mission_creates_a_body_and_a_session_then_cancels_it(client, charge):
    client.force_login(charge)
    response = client.post(
        reverse("formation:organisme_nouveau"),
        {"nom": "AFPA Dijon", "siret": "", "domaines": [domaine("batiment-tp").pk], "actif": "on"},
    )
    organisme = OrganismeFormation.objects.get()
    assert response.url == reverse("formation:organisme", args=[organisme.pk])
    response = client.post(
        reverse("formation:session_nouvelle"),
        {
            "organisme": organisme.pk,
            "intitule": "Maçon VRD",
            "dispositif": "daq",
            "domaine": domaine("batiment-tp").pk,
            "qualifiante": "on",
            "debut": (TODAY + timedelta(days=10)).isoformat(),
            "fin": (TODAY + timedelta(days=100)).isoformat(),
            "lieu": "Quetigny",
            "capacite": 10,
            "statut": "ouverte",
        },
    )
    session = SessionFormation.objects.get()
    assert response.url == reverse("formation:session", args=[session.pk])
    assert session.cree_par == charge and session.qualifiante
    client.post(reverse("formation:session_annuler", args=[session.pk]), {"motif": "Pas assez d'inscrits"})
    session.refresh_from_db()
    assert session.statut == StatutSession.ANNULEE


def test_the_session_form_refuses_an_end_before_the_start(client, charge):
    organisme = OrganismeFormationFactory()
    client.force_login(charge)
    response = client.post(
        reverse("formation:session_nouvelle"),
        {
            "organisme": organisme.pk,
            "intitule": "Session",
            "dispositif": "poec",
            "domaine": domaine("proprete").pk,
            "debut": TODAY.isoformat(),
            "fin": (TODAY - timedelta(days=1)).isoformat(),
            "lieu": "Dijon",
            "capacite": 5,
            "statut": "prevue",
        },
    )
    assert response.status_code == 200 and "doit suivre son début" in response.content.decode()
    assert not SessionFormation.objects.exists()


@pytest.mark.parametrize(
    "filtre,visible",
    [
        ("periode=en_cours", True),
        ("periode=a_venir", False),
        ("periode=passees", False),
        ("dispositif=daq", True),
        ("dispositif=poec", False),
        ("statut=ouverte", True),
        ("statut=annulee", False),
    ],
)
def test_the_sessions_list_filters(client, charge, monde, filtre, visible):
    client.force_login(charge)
    html = client.get(reverse("formation:sessions") + "?" + filtre).content.decode()
    assert (monde["session"].intitule in html) is visible


def test_the_sessions_list_filters_on_field(client, charge, monde):
    client.force_login(charge)
    url = reverse("formation:sessions")
    assert monde["session"].intitule in client.get(url, {"domaine": monde["session"].domaine_id}).content.decode()
    assert monde["session"].intitule not in client.get(url, {"domaine": domaine("langues").pk}).content.decode()


def test_the_session_pages_carry_no_inline_style_nor_script(client, charge, monde):
    client.force_login(charge)
    for page in (
        "organismes",
        "organisme",
        "organisme_nouveau",
        "sessions",
        "session",
        "session_nouvelle",
        "positionnement",
    ):
        html = client.get(PAGES[page][0](monde)).content.decode()
        assert " style=" not in html and "<script>" not in html and " onclick=" not in html


# --- Query counts --------------------------------------------------------------------------


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION])
def test_the_sessions_list_query_count_is_constant(client, make_user, referent, role):
    client.force_login(referent if role == Role.REFERENT else make_user(role))

    def ajouter(n):
        for _ in range(n):
            session = SessionFormationFactory()
            besoin = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
            _avancer(_positionner(session, besoin, referent), P.INSCRIT, referent)

    ajouter(2)
    petit = _requetes(client, reverse("formation:sessions"))
    ajouter(15)
    grand = _requetes(client, reverse("formation:sessions"))
    assert petit == grand


def test_the_session_page_query_count_is_constant(client, charge, referent):
    session = SessionFormationFactory(capacite=40)
    client.force_login(charge)

    def ajouter(n):
        for _ in range(n):
            besoin = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
            _avancer(_positionner(session, besoin, referent), P.INSCRIT, referent, commentaire="Inscrit")

    ajouter(2)
    petit = _requetes(client, reverse("formation:session", args=[session.pk]))
    ajouter(10)
    grand = _requetes(client, reverse("formation:session", args=[session.pk]))
    assert petit == grand


def test_the_organisms_list_query_count_is_constant(client, charge):
    client.force_login(charge)
    OrganismeFormationFactory.create_batch(2)
    petit = _requetes(client, reverse("formation:organismes"))
    for organisme in OrganismeFormationFactory.create_batch(10):
        organisme.domaines.set([domaine("proprete"), domaine("langues")])
        SessionFormationFactory(organisme=organisme)
    grand = _requetes(client, reverse("formation:organismes"))
    assert petit == grand


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_who_positions_from_the_session_page(client, make_user, referent, monde, role):
    autre = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
    client.force_login(referent if role == Role.REFERENT else make_user(role))
    response = client.post(reverse("formation:session_positionner", args=[monde["session"].pk]), {"besoin": autre.pk})
    permis = role in (Role.REFERENT, Role.CHARGE_MISSION)
    assert response.status_code == (302 if permis else 403)
    assert PositionnementFormation.objects.filter(besoin=autre).exists() is permis


def test_a_referent_cannot_post_another_caseloads_need_on_a_session(client, make_user, monde):
    etranger = BesoinFormationFactory()
    client.force_login(make_user(Role.REFERENT))
    response = client.post(
        reverse("formation:session_positionner", args=[monde["session"].pk]), {"besoin": etranger.pk}
    )
    assert response.status_code == 200 and not PositionnementFormation.objects.filter(besoin=etranger).exists()


def test_anonymous_posts_on_sessions_are_sent_to_login(client, monde):
    for url in (
        reverse("formation:session_positionner", args=[monde["session"].pk]),
        reverse("formation:session_annuler", args=[monde["session"].pk]),
        reverse("formation:positionnement", args=[monde["positionnement"].pk]),
        reverse("formation:session_nouvelle"),
    ):
        response = client.post(url, {})
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


def test_a_need_closed_through_one_session_does_not_block_the_entry_into_another(referent, besoin):
    premier = _positionner(SessionFormationFactory(), besoin, referent)
    second = _positionner(SessionFormationFactory(), besoin, referent)
    _avancer(premier, P.INSCRIT, referent)
    _avancer(premier, P.ENTRE, referent)
    _avancer(premier, P.TERMINE, referent)
    _avancer(second, P.INSCRIT, referent)
    _avancer(second, P.ENTRE, referent)  # recorded: the entry is a fact
    besoin.refresh_from_db()
    assert besoin.statut == B.TERMINE and Situation.objects.count() == 2
