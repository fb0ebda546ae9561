"""Training needs: who records them (the référent of the participant, the coordinatrice), the field
inferred from the target job, status changes by hand, positioning a need on a session (caseload,
the chargé de mission through the needs), the needs pages for each role and their query counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from formation import services
from formation.factories import BesoinFormationFactory, SessionFormationFactory, domaine
from formation.models import BesoinFormation, PositionnementFormation, StatutBesoin, StatutSession
from participants.enums import StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Entretien
from plie.models import MetierRome
from plie.roles import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
B = StatutBesoin


@pytest.fixture
def participant(referent):
    return ParticipantFactory(entre=True, referent=referent)


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION)


@pytest.fixture
def coordinatrice(make_user):
    return make_user(Role.COORDINATRICE)


def _nouveau(participant, **champs):
    champs.setdefault("intitule", "CACES R489 cat. 1, 3 et 5")
    champs.setdefault("type", "certification")
    champs.setdefault("exprime_le", TODAY)
    if "domaine" not in champs and "metier_rome" not in champs:
        champs["domaine"] = domaine("transport-logistique")
    return BesoinFormation(participant=participant, **champs)


# --- besoin_enregistrer --------------------------------------------------------------------


def test_the_referent_records_a_need_of_their_participant(referent, participant):
    besoin = services.besoin_enregistrer(besoin=_nouveau(participant), par=referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.EXPRIME and besoin.cree_par == referent


def test_the_coordinatrice_records_a_need_too(coordinatrice, participant):
    besoin = services.besoin_enregistrer(besoin=_nouveau(participant), par=coordinatrice)
    assert besoin.cree_par == coordinatrice


@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_nobody_else_records_a_need(make_user, participant, role):
    with pytest.raises(PermissionDenied):
        services.besoin_enregistrer(besoin=_nouveau(participant), par=make_user(role))
    assert not BesoinFormation.objects.exists()


def test_the_field_is_inferred_from_the_target_job(referent, participant):
    cariste = MetierRome.objects.get(code="N1101")
    besoin = services.besoin_enregistrer(besoin=_nouveau(participant, metier_rome=cariste), par=referent)
    assert besoin.domaine == domaine("transport-logistique")


def test_a_field_given_is_kept_even_with_a_job_of_another_field(referent, participant):
    besoin = services.besoin_enregistrer(
        besoin=_nouveau(
            participant, domaine=domaine("savoirs-de-base"), metier_rome=MetierRome.objects.get(code="N1101")
        ),
        par=referent,
    )
    assert besoin.domaine == domaine("savoirs-de-base")


def test_a_job_without_field_leaves_the_field_empty(referent, participant):
    besoin = services.besoin_enregistrer(
        besoin=_nouveau(participant, metier_rome=MetierRome.objects.get(code="K2303")), par=referent
    )
    assert besoin.domaine is None and besoin.metier_rome.code == "K2303"


def test_a_need_without_field_nor_job_is_refused(referent, participant):
    besoin = BesoinFormation(participant=participant, intitule="Formation", type="qualifiant", exprime_le=TODAY)
    with pytest.raises(ValidationError, match="domaine de formation ou le métier visé"):
        services.besoin_enregistrer(besoin=besoin, par=referent)


def test_a_need_is_expressed_today_at_the_latest(referent, participant):
    services.besoin_enregistrer(besoin=_nouveau(participant, exprime_le=TODAY), par=referent)
    with pytest.raises(ValidationError) as erreur:
        services.besoin_enregistrer(besoin=_nouveau(participant, exprime_le=TODAY + timedelta(days=1)), par=referent)
    assert "futur" in str(erreur.value.message_dict["exprime_le"])


def test_the_entretien_must_be_the_participants(referent, participant):
    autre = ParticipantFactory(entre=True, referent=referent)
    entretien = Entretien.objects.create(participant=autre, date=TODAY, realise_par=referent)
    with pytest.raises(ValidationError) as erreur:
        services.besoin_enregistrer(besoin=_nouveau(participant, entretien=entretien), par=referent)
    assert "entretien" in erreur.value.message_dict
    sien = Entretien.objects.create(participant=participant, date=TODAY, realise_par=referent)
    assert services.besoin_enregistrer(besoin=_nouveau(participant, entretien=sien), par=referent).entretien == sien


def test_no_new_need_once_the_participant_has_exited(referent):
    sorti = ParticipantFactory(sorti=True, referent=referent)
    with pytest.raises(ValidationError, match="sorti"):
        services.besoin_enregistrer(besoin=_nouveau(sorti), par=referent)


# --- besoin_changer_statut -----------------------------------------------------------------


def test_an_expressed_need_is_abandoned_by_hand(referent, participant):
    besoin = BesoinFormationFactory(participant=participant)
    services.besoin_changer_statut(besoin=besoin, statut=B.ABANDONNE, par=referent)
    besoin.refresh_from_db()
    assert besoin.statut == B.ABANDONNE


def test_a_transition_outside_the_workflow_is_refused_with_its_reason(referent, participant):
    besoin = BesoinFormationFactory(participant=participant)
    with pytest.raises(ValidationError, match="ne peut pas passer à « entré en formation »"):
        services.besoin_changer_statut(besoin=besoin, statut=B.ENTRE, par=referent)


def test_a_need_followed_by_a_positionnement_moves_with_it_only(referent, participant):
    besoin = BesoinFormationFactory(participant=participant)
    session = SessionFormationFactory(intitule="Préparation CACES")
    services.positionner(session=session, participant=participant, besoin=besoin, par=referent)
    with pytest.raises(ValidationError, match="suit le positionnement sur « Préparation CACES »"):
        services.besoin_changer_statut(besoin=besoin, statut=B.ABANDONNE, par=referent)


def test_an_oriented_need_goes_back_to_expressed_by_hand_only_after_a_refusal(referent, participant):
    besoin = BesoinFormationFactory(participant=participant)
    services.besoin_changer_statut(besoin=besoin, statut=B.ORIENTE, par=referent)  # oriented elsewhere
    with pytest.raises(ValidationError, match="n'a pas abouti"):
        services.besoin_changer_statut(besoin=besoin, statut=B.EXPRIME, par=referent)


def test_another_referent_cannot_change_the_status(make_user, participant):
    besoin = BesoinFormationFactory(participant=participant)
    with pytest.raises(PermissionDenied):
        services.besoin_changer_statut(besoin=besoin, statut=B.ABANDONNE, par=make_user(Role.REFERENT))


# --- positionner ---------------------------------------------------------------------------


def test_positioning_orients_the_need_and_records_the_proposal(referent, participant):
    besoin = BesoinFormationFactory(participant=participant)
    positionnement = services.positionner(
        session=SessionFormationFactory(), participant=participant, besoin=besoin, par=referent, commentaire="Motivée"
    )
    besoin.refresh_from_db()
    assert besoin.statut == B.ORIENTE
    etape = positionnement.etapes.get()
    assert (etape.statut, etape.date, etape.par, etape.commentaire) == ("propose", TODAY, referent, "Motivée")


def test_a_referent_positions_their_own_caseload_only(make_user, participant):
    with pytest.raises(PermissionDenied, match="portefeuille"):
        services.positionner(session=SessionFormationFactory(), participant=participant, par=make_user(Role.REFERENT))
    assert not PositionnementFormation.objects.exists()


def test_the_charge_de_mission_positions_anyone_who_has_a_need(charge, participant):
    besoin = BesoinFormationFactory(participant=participant)
    positionnement = services.positionner(
        session=SessionFormationFactory(), participant=participant, besoin=besoin, par=charge
    )
    assert positionnement.propose_par == charge
    # Through the participant too, as long as an open need exists.
    autre_session = SessionFormationFactory()
    assert services.positionner(session=autre_session, participant=participant, par=charge)


def test_the_charge_de_mission_cannot_position_someone_without_an_open_need(charge, participant):
    with pytest.raises(PermissionDenied, match="pas de besoin de formation ouvert"):
        services.positionner(session=SessionFormationFactory(), participant=participant, par=charge)
    besoin = BesoinFormationFactory(participant=participant, statut=B.ABANDONNE)
    with pytest.raises(PermissionDenied):
        services.positionner(session=SessionFormationFactory(), participant=participant, par=charge)
    assert besoin.positionnements.count() == 0


def test_a_closed_need_is_not_positioned(referent, participant):
    besoin = BesoinFormationFactory(participant=participant, statut=B.ENTRE)
    with pytest.raises(ValidationError, match="seul un besoin exprimé ou orienté"):
        services.positionner(session=SessionFormationFactory(), participant=participant, besoin=besoin, par=referent)


def test_the_need_must_be_the_participants(referent, participant):
    autre = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
    with pytest.raises(ValidationError, match="autre participant"):
        services.positionner(session=SessionFormationFactory(), participant=participant, besoin=autre, par=referent)


def test_only_a_participant_in_accompaniment_is_positioned(referent):
    candidat = ParticipantFactory(referent=referent)
    assert candidat.statut == StatutParticipant.CANDIDAT
    with pytest.raises(ValidationError, match="pas en accompagnement"):
        services.positionner(session=SessionFormationFactory(), participant=candidat, par=referent)


@pytest.mark.parametrize("statut,message", [(StatutSession.ANNULEE, "annulée"), (StatutSession.TERMINEE, "terminée")])
def test_nobody_is_positioned_on_a_cancelled_or_ended_session(referent, participant, statut, message):
    with pytest.raises(ValidationError, match=message):
        services.positionner(session=SessionFormationFactory(statut=statut), participant=participant, par=referent)


def test_nobody_is_positioned_twice_on_a_session(referent, participant):
    session = SessionFormationFactory()
    services.positionner(session=session, participant=participant, par=referent)
    with pytest.raises(ValidationError, match="déjà positionné"):
        services.positionner(session=session, participant=participant, par=referent)


# --- Pages ---------------------------------------------------------------------------------


@pytest.fixture
def besoin(participant):
    return BesoinFormationFactory(participant=participant, intitule="Titre pro agent de propreté")


def _client(client, make_user, referent, role):
    client.force_login(referent if role == Role.REFERENT else make_user(role))
    return client


PAGES = {
    # name: (url builder, allowed roles)
    "liste": (lambda b: reverse("formation:besoins"), {Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE}),
    "detail": (
        lambda b: reverse("formation:besoin", args=[b.pk]),
        {Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE},
    ),
    "nouveau": (lambda b: reverse("formation:besoin_nouveau") + f"?participant={b.participant_id}", {Role.REFERENT}),
    "modifier": (lambda b: reverse("formation:besoin_modifier", args=[b.pk]), {Role.REFERENT}),
    "positionner": (lambda b: reverse("formation:positionner", args=[b.pk]), {Role.REFERENT, Role.CHARGE_MISSION}),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_permissions_of_the_needs_pages(client, make_user, referent, besoin, page, role):
    url, roles = PAGES[page]
    response = _client(client, make_user, referent, role).get(url(besoin))
    assert response.status_code == (200 if role in roles else 403)


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_login(client, besoin, page):
    response = client.get(PAGES[page][0](besoin))
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


@pytest.mark.parametrize("page", ["detail", "nouveau", "modifier", "positionner"])
def test_another_referents_participant_is_a_404(client, make_user, besoin, page):
    client.force_login(make_user(Role.REFERENT))
    assert client.get(PAGES[page][0](besoin)).status_code == 404


def test_the_referent_lists_the_needs_of_their_caseload_only(client, referent, besoin):
    autre = BesoinFormationFactory(intitule="Besoin d'un autre portefeuille")
    client.force_login(referent)
    html = client.get(reverse("formation:besoins")).content.decode()
    assert besoin.intitule in html and autre.intitule not in html
    assert reverse("participants:detail", args=[besoin.participant_id]) in html
    assert "Positionner sur une session" in html


def test_the_charge_de_mission_reads_names_and_referents_but_no_participant_record(client, charge, besoin):
    client.force_login(charge)
    html = client.get(reverse("formation:besoins")).content.decode()
    assert besoin.participant.nom.upper() in html and str(besoin.participant.referent) in html
    assert "/participants/" not in html
    assert "Positionner sur une session" in html
    html = client.get(reverse("formation:besoin", args=[besoin.pk])).content.decode()
    assert besoin.intitule in html and "/participants/" not in html


def test_the_coordinatrice_reads_every_need_without_positioning(client, coordinatrice, besoin):
    client.force_login(coordinatrice)
    html = client.get(reverse("formation:besoins")).content.decode()
    assert besoin.intitule in html and "Positionner sur une session" not in html


@pytest.mark.parametrize(
    "filtre,trouve",
    [
        ("statut=exprime", True),
        ("statut=abandonne", False),
        ("type=qualifiant", True),
        ("type=permis", False),
        ("urgence=moyenne", True),
        ("urgence=forte", False),
        (f"exprime_du={TODAY.isoformat()}", True),
        (f"exprime_au={(TODAY - timedelta(days=1)).isoformat()}", False),
        ("q=propreté", True),
        ("q=boulangerie", False),
    ],
)
def test_the_needs_list_filters(client, charge, besoin, filtre, trouve):
    client.force_login(charge)
    html = client.get(reverse("formation:besoins") + "?" + filtre).content.decode()
    assert (besoin.intitule in html) is trouve


def test_the_needs_list_filters_on_field_and_commune(client, charge, besoin):
    client.force_login(charge)
    url = reverse("formation:besoins")
    assert besoin.intitule in client.get(url, {"domaine": besoin.domaine_id}).content.decode()
    autre = domaine("langues")
    assert besoin.intitule not in client.get(url, {"domaine": autre.pk}).content.decode()
    commune = besoin.participant.commune
    assert besoin.intitule in client.get(url, {"commune": commune.pk}).content.decode()


def test_the_seniors_filter_and_its_notice_about_senior_workshops(client, charge, referent):
    senior = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent, age=58))
    jeune = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent, age=30))
    client.force_login(charge)
    html = client.get(reverse("formation:besoins"), {"seniors": "on"}).content.decode()
    assert senior.intitule in html and jeune.intitule not in html
    assert "ateliers seniors" in html and "Atelier seniors" in html
    assert f"{reverse('entreprises:actions')}?type=atelier_seniors" in html  # the chargé de mission runs them
    assert "ateliers seniors" not in client.get(reverse("formation:besoins")).content.decode()


def test_the_needs_list_answers_htmx_with_its_results_only(client, charge, besoin):
    client.force_login(charge)
    response = client.get(reverse("formation:besoins"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert besoin.intitule in html and "<html" not in html


def test_the_referent_records_a_need_with_constraints_and_financings(client, referent, participant):
    entretien = Entretien.objects.create(participant=participant, date=TODAY, realise_par=referent)
    client.force_login(referent)
    response = client.post(
        reverse("formation:besoin_nouveau") + f"?participant={participant.pk}",
        {
            "intitule": "CACES R489",
            "type": "certification",
            "metier_rome": MetierRome.objects.get(code="N1101").pk,
            "urgence": "forte",
            "contraintes": ["horaires", "mobilite"],
            "financements": ["region", "cpf"],
            "exprime_le": TODAY.isoformat(),
            "entretien": entretien.pk,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("participants:detail", args=[participant.pk]) + "#besoins-formation"
    besoin = BesoinFormation.objects.get()
    assert besoin.contraintes == "horaires,mobilite" and besoin.financements == "region,cpf"
    assert besoin.domaine == domaine("transport-logistique") and besoin.entretien == entretien


def test_the_edit_form_shows_the_recorded_checkboxes(client, referent, participant):
    besoin = BesoinFormationFactory(participant=participant, contraintes="garde_enfants", financements="plie")
    client.force_login(referent)
    form = client.get(reverse("formation:besoin_modifier", args=[besoin.pk])).context["form"]
    assert form["contraintes"].value() == ["garde_enfants"] and form["financements"].value() == ["plie"]
    response = client.post(
        reverse("formation:besoin_modifier", args=[besoin.pk]),
        {
            "intitule": besoin.intitule,
            "type": besoin.type,
            "domaine": besoin.domaine_id,
            "urgence": "faible",
            "financements": ["plie", "opco"],
            "exprime_le": besoin.exprime_le.isoformat(),
        },
    )
    assert response.status_code == 302
    besoin.refresh_from_db()
    assert (besoin.contraintes, besoin.financements, besoin.urgence) == ("", "plie,opco", "faible")


def test_a_need_in_the_future_is_refused_on_the_form(client, referent, participant):
    client.force_login(referent)
    response = client.post(
        reverse("formation:besoin_nouveau") + f"?participant={participant.pk}",
        {
            "intitule": "CACES",
            "type": "certification",
            "domaine": domaine("transport-logistique").pk,
            "urgence": "forte",
            "exprime_le": (TODAY + timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200 and "futur" in response.content.decode()
    assert not BesoinFormation.objects.exists()


def test_the_charge_de_mission_cannot_post_a_need(client, charge, participant):
    client.force_login(charge)
    response = client.post(
        reverse("formation:besoin_nouveau") + f"?participant={participant.pk}",
        {"intitule": "CACES", "type": "certification", "domaine": domaine("transport-logistique").pk},
    )
    assert response.status_code == 403 and not BesoinFormation.objects.exists()


def test_the_status_form_of_a_need(client, referent, besoin):
    client.force_login(referent)
    url = reverse("formation:besoin_statut", args=[besoin.pk])
    response = client.post(url, {"statut": "entre"}, follow=True)
    assert "Choisissez un des statuts proposés" in response.content.decode()
    client.post(url, {"statut": "abandonne"})
    besoin.refresh_from_db()
    assert besoin.statut == B.ABANDONNE


def test_the_charge_de_mission_positions_a_need_from_the_page(client, charge, besoin):
    meme = SessionFormationFactory(domaine=besoin.domaine, intitule="Session du même domaine")
    autre = SessionFormationFactory(domaine=domaine("langues"), intitule="Session hors domaine")
    complete = SessionFormationFactory(domaine=besoin.domaine, capacite=0, intitule="Session complète")
    client.force_login(charge)
    url = reverse("formation:positionner", args=[besoin.pk])
    html = client.get(url).content.decode()
    assert html.index(meme.intitule) < html.index(autre.intitule)
    assert "Complète" in html and f'value="{complete.pk}"' not in html
    response = client.post(url, {"session": meme.pk, "commentaire": "Vu avec l'organisme"})
    positionnement = PositionnementFormation.objects.get()
    assert response.url == reverse("formation:positionnement", args=[positionnement.pk])
    assert positionnement.besoin == besoin and positionnement.propose_par == charge


def test_the_participant_page_lists_the_needs_with_the_link_to_add_one(client, referent, besoin):
    client.force_login(referent)
    html = client.get(reverse("participants:detail", args=[besoin.participant_id])).content.decode()
    assert besoin.intitule in html and "Ajouter un besoin de formation" in html


def test_the_participant_page_shows_no_needs_to_the_administrateur(client_as, besoin):
    html = (
        client_as(Role.ADMINISTRATEUR)
        .get(reverse("participants:detail", args=[besoin.participant_id]))
        .content.decode()
    )
    assert "Besoins de formation" not in html and besoin.intitule not in html


def test_the_coordinatrice_sees_the_needs_on_the_participant_page_without_the_add_link(client, coordinatrice, besoin):
    client.force_login(coordinatrice)
    html = client.get(reverse("participants:detail", args=[besoin.participant_id])).content.decode()
    assert besoin.intitule in html and "Ajouter un besoin de formation" not in html


def test_the_needs_pages_carry_no_inline_style_nor_script(client, referent, besoin):
    client.force_login(referent)
    for url in (
        reverse("formation:besoins"),
        reverse("formation:besoin", args=[besoin.pk]),
        reverse("formation:besoin_nouveau") + f"?participant={besoin.participant_id}",
        reverse("formation:positionner", args=[besoin.pk]),
    ):
        html = client.get(url).content.decode()
        assert " style=" not in html and "<script>" not in html and " onclick=" not in html


# --- Query counts --------------------------------------------------------------------------


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION])
def test_the_needs_list_query_count_is_constant(client, make_user, referent, role):
    client.force_login(referent if role == Role.REFERENT else make_user(role))
    session = SessionFormationFactory(capacite=50)

    def ajouter(n):
        for _ in range(n):
            besoin = BesoinFormationFactory(participant=ParticipantFactory(entre=True, referent=referent))
            services.positionner(session=session, participant=besoin.participant, besoin=besoin, par=referent)

    ajouter(3)
    petit = _requetes(client, reverse("formation:besoins"))
    ajouter(20)
    grand = _requetes(client, reverse("formation:besoins"))
    assert petit == grand


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_the_referent_posts_a_status_change(client, make_user, referent, besoin, role):
    client.force_login(referent if role == Role.REFERENT else make_user(role))
    response = client.post(reverse("formation:besoin_statut", args=[besoin.pk]), {"statut": "abandonne"})
    assert response.status_code == (302 if role == Role.REFERENT else 403)
    besoin.refresh_from_db()
    assert besoin.statut == (B.ABANDONNE if role == Role.REFERENT else B.EXPRIME)


def test_another_referent_posting_a_status_change_gets_a_404(client, make_user, besoin):
    client.force_login(make_user(Role.REFERENT))
    response = client.post(reverse("formation:besoin_statut", args=[besoin.pk]), {"statut": "abandonne"})
    assert response.status_code == 404


def test_anonymous_posts_are_sent_to_login(client, besoin):
    for url in (
        reverse("formation:besoin_statut", args=[besoin.pk]),
        reverse("formation:positionner", args=[besoin.pk]),
        reverse("formation:besoin_nouveau") + f"?participant={besoin.participant_id}",
    ):
        response = client.post(url, {})
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    assert BesoinFormation.objects.count() == 1
