"""Start pages: what each one lists, and a query count that does not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from offres.enums import StatutOffre
from offres.factories import OffreFactory
from participants.factories import ParticipantFactory
from plie.roles import Role


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.django_db
def test_referent_caseload_lists_own_participants_in_accompaniment_only(client, make_user):
    referent, other = make_user(Role.REFERENT), make_user(Role.REFERENT)
    mine = ParticipantFactory(entre=True, referent=referent, nom="Zola")
    ParticipantFactory(entre=True, referent=other, nom="Autre")
    ParticipantFactory(sorti=True, referent=referent, nom="Sortie")
    client.force_login(referent)
    page = client.get(reverse("espace_referent")).content.decode()
    assert "ZOLA" in page and mine.prenom in page
    assert "AUTRE" not in page and "SORTIE" not in page
    assert "1 participant en accompagnement" in page


@pytest.mark.django_db
def test_referent_caseload_empty_state(client_as):
    page = client_as(Role.REFERENT).get(reverse("espace_referent")).content.decode()
    assert "Aucun participant en accompagnement dans votre portefeuille" in page


@pytest.mark.django_db
def test_referent_caseload_query_count_is_constant(client, make_user):
    referent = make_user(Role.REFERENT)
    client.force_login(referent)
    ParticipantFactory.create_batch(3, entre=True, referent=referent)
    small, _ = _count_queries(client, reverse("espace_referent"))
    ParticipantFactory.create_batch(60, entre=True, referent=referent)
    large, response = _count_queries(client, reverse("espace_referent"))
    assert small == large == 13
    assert "Page 1 sur 3" in response.content.decode()


@pytest.mark.django_db
def test_caseload_pagination_answers_htmx_with_the_fragment_only(client, make_user):
    referent = make_user(Role.REFERENT)
    ParticipantFactory.create_batch(30, entre=True, referent=referent)
    client.force_login(referent)
    fragment = client.get(reverse("espace_referent") + "?page=2", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert "Page 2 sur 2" in fragment


@pytest.mark.django_db
def test_charge_mission_queue_lists_collected_offers_oldest_first(client_as):
    client = client_as(Role.CHARGE_MISSION)
    OffreFactory(statut=StatutOffre.COLLECTEE, intitule="Agent de propreté H/F")
    OffreFactory(statut=StatutOffre.QUALIFIEE, intitule="Déjà qualifiée")
    page = client.get(reverse("espace_charge_mission")).content.decode()
    assert "Agent de propreté H/F" in page and "Déjà qualifiée" not in page
    assert "1 offre collectée en attente" in page


@pytest.mark.django_db
def test_charge_mission_queue_query_count_is_constant(client_as):
    client = client_as(Role.CHARGE_MISSION)
    OffreFactory.create_batch(3, statut=StatutOffre.COLLECTEE)
    small, _ = _count_queries(client, reverse("espace_charge_mission"))
    OffreFactory.create_batch(60, statut=StatutOffre.COLLECTEE)
    large, _ = _count_queries(client, reverse("espace_charge_mission"))
    assert small == large == 12


@pytest.mark.django_db
def test_coordination_page_query_count_is_constant(client, make_user):
    client.force_login(make_user(Role.COORDINATRICE))
    for _ in range(2):
        ParticipantFactory.create_batch(2, entre=True, referent=make_user(Role.REFERENT))
    small, _ = _count_queries(client, reverse("espace_coordinatrice"))
    for _ in range(10):
        ParticipantFactory.create_batch(3, entre=True, referent=make_user(Role.REFERENT))
    large, response = _count_queries(client, reverse("espace_coordinatrice"))
    assert small == large == 13
    assert response.context["chiffres"]["en_accompagnement"] == 34


@pytest.mark.django_db
def test_administration_page_query_count_is_constant(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATEUR))
    small, _ = _count_queries(client, reverse("espace_administrateur"))
    for role in Role:
        make_user(role)
    large, response = _count_queries(client, reverse("espace_administrateur"))
    assert small == large == 16
    assert ("Référent(e) de parcours", 1) in response.context["comptes"]
