"""Participant pages: who sees what (caseload, sensitive facts), the day's work, query counts."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.enums import DecisionCommissionType, MotifSortie, StatutDetection, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import DecisionCommission, Entretien, HistoriqueReferent, Situation, Sortie
from plie.models import Commune, JournalAcces, NiveauFormation
from plie.roles import Role

TODAY = timezone.localdate()


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT)


@pytest.fixture
def participant(referent):
    return ParticipantFactory(entre=True, referent=referent, sante_handicap=True)


def _detail(client, participant):
    return client.get(reverse("participants:detail", args=[participant.pk]))


# --- Who may see what ------------------------------------------------------------------


@pytest.mark.django_db
def test_referent_reads_own_participant_with_sensitive_facts_and_the_read_is_logged(client, referent, participant):
    client.force_login(referent)
    page = _detail(client, participant).content.decode()
    assert "Santé ou handicap" in page and "votre consultation est enregistrée" in page
    log = JournalAcces.objects.get()
    assert (log.utilisateur, log.action, log.objet_id) == (referent, "lecture_sensible", str(participant.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["detail", "modifier", "entretien", "situation", "etape", "sortie", "diagnostic"])
def test_another_referent_gets_404_by_direct_url_and_nothing_is_logged(client, make_user, participant, url_name):
    client.force_login(make_user(Role.REFERENT))
    assert client.get(reverse(f"participants:{url_name}", args=[participant.pk])).status_code == 404
    assert client.post(reverse(f"participants:{url_name}", args=[participant.pk]), {}).status_code == 404
    assert not JournalAcces.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATRICE, Role.ADMINISTRATEUR])
def test_coordinatrice_and_admin_read_every_participant_and_are_logged(client_as, participant, role):
    page = _detail(client_as(role), participant).content.decode()
    assert "votre consultation est enregistrée" in page
    assert JournalAcces.objects.filter(objet_id=str(participant.pk)).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.AUDITEUR_FSE])
def test_roles_without_caseload_cannot_open_participants(client_as, participant, role):
    client = client_as(role)
    assert client.get(reverse("participants:liste")).status_code == 403
    assert _detail(client, participant).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, participant):
    response = _detail(client, participant)
    assert response.status_code == 302 and "/connexion/" in response.url


@pytest.mark.django_db
def test_admin_reads_but_cannot_edit(client_as, participant):
    client = client_as(Role.ADMINISTRATEUR)
    assert client.get(reverse("participants:modifier", args=[participant.pk])).status_code == 403


@pytest.mark.django_db
def test_referent_list_shows_own_caseload_only(client, referent, participant, make_user):
    other = ParticipantFactory(entre=True, referent=make_user(Role.REFERENT))
    client.force_login(referent)
    page = client.get(reverse("participants:liste")).content.decode()
    assert participant.nom.upper() in page
    assert other.nom.upper() not in page or other.nom == participant.nom


@pytest.mark.django_db
def test_a_text_search_lists_its_matches_in_alphabetical_order(client_as, referent):
    for nom, prenom in [("Martin", "Zoé"), ("Martinez", "Ali"), ("Martin", "Anne"), ("Dupont", "Léa")]:
        ParticipantFactory(entre=True, referent=referent, nom=nom, prenom=prenom)
    ParticipantFactory(entre=True, referent=referent, nom="Roux", identifiant="MARTIN")
    response = client_as(Role.COORDINATRICE).get(reverse("participants:liste") + "?q=martin")
    noms = [(p.nom, p.prenom) for p in response.context["participants"]]
    assert noms[:3] == [("Martin", "Anne"), ("Martin", "Zoé"), ("Martinez", "Ali")]
    assert len(noms) == 4  # and Roux, whose identifiant is MARTIN


@pytest.mark.django_db
def test_the_coordinatrice_filters_by_referent_among_every_referent(client_as, referent, participant, make_user):
    autre = make_user(Role.REFERENT, first_name="Zoé", last_name="Zola")
    ParticipantFactory(entre=True, referent=autre)
    response = client_as(Role.COORDINATRICE).get(reverse("participants:liste") + f"?referent={referent.pk}")
    assert [p.pk for p in response.context["participants"]] == [participant.pk]
    page = response.content.decode()
    assert f'<option value="{referent.pk}" selected>{referent}</option>' in page
    assert f'<option value="{autre.pk}">Zoé Zola</option>' in page


@pytest.mark.django_db
def test_a_large_list_is_counted_up_to_a_ceiling(client_as, referent, monkeypatch):
    from plie.pagination import PaginateurPlafonne

    monkeypatch.setattr(PaginateurPlafonne, "plafond", 30)
    ParticipantFactory.create_batch(31, entre=True, referent=referent)
    ParticipantFactory.create_batch(3, sorti=True, referent=referent, date_sortie=TODAY, motif_sortie="CDI")
    client = client_as(Role.COORDINATRICE)
    response = client.get(reverse("participants:liste") + "?statut=entre")
    page = response.content.decode()
    assert "Plus de 30 participants" in page and "Page 1 sur 2" in page
    assert client.get(reverse("participants:liste") + "?statut=entre&page=3").status_code == 404
    assert "3 participants." in client.get(reverse("participants:liste") + "?statut=sorti").content.decode()


# --- The day's work --------------------------------------------------------------------


@pytest.mark.django_db
def test_referent_creates_a_candidate_who_awaits_the_commission(client, referent):
    client.force_login(referent)
    commune = Commune.objects.valides_le(TODAY).get(nom="Chenôve")
    response = client.post(
        reverse("participants:nouveau"),
        {
            "identifiant": "CAND-1",
            "nom": "Durand",
            "prenom": "Léa",
            "sexe": "F",
            "date_naissance": "1985-04-02",
            "commune": commune.pk,
            "niveau_formation": NiveauFormation.objects.get(code="3").pk,
            "date_candidature": TODAY.isoformat(),
            "autorisation_travail": "on",
            "consentement": "on",
            "consentement_date": TODAY.isoformat(),
            "notice_information_remise_le": TODAY.isoformat(),
            "qualification_insuffisante": "on",
            "minima_sociaux": "RSA",
            "mobilite_logement": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    cand = HistoriqueReferent.objects.get().participant
    assert cand.statut == StatutParticipant.CANDIDAT and cand.referent == referent
    page = client.get(response.url).content.decode()
    assert "Éligible : les cinq critères sont remplis." in page


@pytest.mark.django_db
def test_the_commission_admits_a_candidate_with_a_mandatory_reason(client, make_user, referent):
    candidat = ParticipantFactory(referent=referent, autorisation_travail=False)
    client.force_login(make_user(Role.COORDINATRICE))
    page = client.get(reverse("participants:commission")).content.decode()
    assert candidat.nom.upper() in page and "Non éligible" in page

    url = reverse("participants:decision", args=[candidat.pk])
    missing = client.post(url, {"decision": "derogation", "date_decision": TODAY.isoformat(), "motif": ""})
    assert "Ce champ est obligatoire" in missing.content.decode()
    assert not DecisionCommission.objects.exists()

    client.post(
        url, {"decision": "derogation", "date_decision": TODAY.isoformat(), "motif": "Titre en cours de renouvellement"}
    )
    candidat.refresh_from_db()
    assert candidat.statut == StatutParticipant.ENTRE and candidat.date_entree == TODAY
    decision = DecisionCommission.objects.get()
    assert decision.decision == DecisionCommissionType.DEROGATION
    assert not decision.eligible_au_calcul and decision.criteres_manquants == "autorisation_travail"


@pytest.mark.django_db
def test_the_commission_pages_its_candidates_oldest_first_with_constant_queries(client, make_user, referent):
    client.force_login(make_user(Role.COORDINATRICE))
    url = reverse("participants:commission")

    def lire(page=""):
        with CaptureQueriesContext(connection) as requetes:
            contenu = client.get(f"{url}{page}").content.decode()
        return contenu, len(requetes)

    ParticipantFactory.create_batch(3, referent=referent)
    _, peu = lire()
    plus_ancien = ParticipantFactory(referent=referent, date_candidature=TODAY - timedelta(days=400))
    ParticipantFactory.create_batch(50, referent=referent)
    premiere, beaucoup = lire()
    assert peu == beaucoup
    assert "Candidatures en attente (54)" in premiere and "Candidatures 1 à 50," in premiere
    assert premiere.count(">Statuer</a>") == 50
    assert premiere.index(plus_ancien.nom.upper()) < premiere.index(">Statuer</a>")
    seconde, _ = lire("?page=2")
    assert seconde.count(">Statuer</a>") == 4 and "Candidatures 51 à 54," in seconde


@pytest.mark.django_db
def test_a_refused_candidate_does_not_enter(client_as, referent):
    candidat = ParticipantFactory(referent=referent)
    client = client_as(Role.COORDINATRICE)
    client.post(
        reverse("participants:decision", args=[candidat.pk]),
        {"decision": "refus", "date_decision": TODAY.isoformat(), "motif": "Réside hors du territoire"},
    )
    candidat.refresh_from_db()
    assert candidat.statut == StatutParticipant.NON_ADMIS and candidat.date_entree is None


@pytest.mark.django_db
def test_a_referent_cannot_decide_for_the_commission(client, referent):
    candidat = ParticipantFactory(referent=referent)
    client.force_login(referent)
    assert client.get(reverse("participants:commission")).status_code == 403
    response = client.post(
        reverse("participants:decision", args=[candidat.pk]),
        {"decision": "admission", "date_decision": TODAY.isoformat(), "motif": "x"},
    )
    assert response.status_code == 403
    candidat.refresh_from_db()
    assert candidat.statut == StatutParticipant.CANDIDAT


@pytest.mark.django_db
def test_an_entretien_takes_the_participant_off_the_a_voir_list(client, referent, participant):
    client.force_login(referent)
    start = client.get(reverse("espace_referent"))
    assert start.context["nb_a_voir"] == 1
    assert "Aucun entretien ce mois-ci" in start.content.decode() or "entretien" in start.content.decode()
    client.post(
        reverse("participants:entretien", args=[participant.pk]),
        {"date": TODAY.isoformat(), "type": "individuel", "notes": "Point sur le projet"},
    )
    assert Entretien.objects.get().realise_par == referent
    assert client.get(reverse("espace_referent")).context["nb_a_voir"] == 0


@pytest.mark.django_db
def test_an_entretien_in_the_future_is_refused(client, referent, participant):
    client.force_login(referent)
    response = client.post(
        reverse("participants:entretien", args=[participant.pk]),
        {"date": (TODAY + timedelta(days=1)).isoformat(), "type": "individuel"},
    )
    assert "la date est dans le futur" in response.content.decode()
    assert not Entretien.objects.exists()


@pytest.mark.django_db
def test_a_cdd_of_182_days_is_detected_then_the_exit_is_confirmed(client, referent, participant):
    client.force_login(referent)
    debut = TODAY - timedelta(days=200)
    client.post(
        reverse("participants:situation", args=[participant.pk]),
        {"type": "CDD", "employeur": "Propreté Dijonnaise", "debut": debut.isoformat(), "heures_hebdo": "35"},
    )
    assert Situation.objects.get().cree_par == referent
    detection = participant.detections.get()
    assert detection.resultat == MotifSortie.CDD and detection.date == debut + timedelta(days=181)
    assert client.get(reverse("espace_referent")).context["nb_a_voir"] == 1

    client.post(
        reverse("participants:sortie", args=[participant.pk]),
        {"motif": "CDD", "date": detection.date.isoformat()},
    )
    participant.refresh_from_db()
    assert participant.statut == StatutParticipant.SORTI and participant.motif_sortie == "CDD"
    sortie = Sortie.objects.get()
    assert sortie.confirmee_par == referent and sortie.raisons
    detection.refresh_from_db()
    assert detection.statut == StatutDetection.CONFIRMEE
    assert HistoriqueReferent.objects.filter(participant=participant, au__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_positive_exit_without_detection_is_refused(client, referent, participant):
    client.force_login(referent)
    response = client.post(
        reverse("participants:sortie", args=[participant.pk]), {"motif": "CDI", "date": TODAY.isoformat()}
    )
    assert "Aucune sortie positive de ce type" in response.content.decode()
    participant.refresh_from_db()
    assert participant.statut == StatutParticipant.ENTRE


@pytest.mark.django_db
def test_another_exit_needs_a_comment(client, referent, participant):
    client.force_login(referent)
    url = reverse("participants:sortie", args=[participant.pk])
    assert "Précisez le motif" in client.post(url, {"motif": "ABANDON", "date": TODAY.isoformat()}).content.decode()
    client.post(url, {"motif": "ABANDON", "date": TODAY.isoformat(), "commentaire": "Ne répond plus depuis 3 mois"})
    participant.refresh_from_db()
    assert participant.statut == StatutParticipant.SORTI


@pytest.mark.django_db
def test_the_coordinatrice_changes_the_referent_and_history_is_kept(client_as, make_user, participant, referent):
    HistoriqueReferent.objects.create(participant=participant, referent=referent, du=participant.date_entree)
    nouveau = make_user(Role.REFERENT)
    client = client_as(Role.COORDINATRICE)
    client.post(
        reverse("participants:referent", args=[participant.pk]), {"referent": nouveau.pk, "du": TODAY.isoformat()}
    )
    participant.refresh_from_db()
    assert participant.referent == nouveau
    rows = list(HistoriqueReferent.objects.filter(participant=participant).order_by("du", "id"))
    assert [(r.referent, r.au) for r in rows] == [(referent, TODAY), (nouveau, None)]


# --- Query counts ----------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE])
def test_participant_list_query_count_is_constant(client, make_user, role):
    user = make_user(role)
    referent = user if role == Role.REFERENT else make_user(Role.REFERENT)
    client.force_login(user)
    ParticipantFactory.create_batch(10, entre=True, referent=referent)
    small = _queries(client, reverse("participants:liste") + "?statut=entre")
    ParticipantFactory.create_batch(40, entre=True, referent=referent)
    large = _queries(client, reverse("participants:liste") + "?statut=entre")
    assert small == large


@pytest.mark.django_db
def test_participant_page_query_count_is_constant(client, referent, participant):
    client.force_login(referent)

    def add(n):
        for i in range(n):
            Entretien.objects.create(participant=participant, date=TODAY - timedelta(days=i), realise_par=referent)
            Situation.objects.create(
                participant=participant,
                type="INTERIM",
                debut=date(2020, 1, 1) + timedelta(days=10 * i),
                fin=date(2020, 1, 5) + timedelta(days=10 * i),
                heures_hebdo=Decimal(35),
            )

    add(2)
    small = _queries(client, reverse("participants:detail", args=[participant.pk]))
    add(20)
    large = _queries(client, reverse("participants:detail", args=[participant.pk]))
    assert small == large
