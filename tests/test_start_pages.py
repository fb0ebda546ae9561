"""Start pages: what each one lists, and a query count that does not grow with the data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offres import services
from offres.enums import StatutOffre
from offres.factories import OffreFactory
from offres.models import Positionnement
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


def _offres_et_relances(charge, referent, nb_offres, nb_relances):
    """Offers diffused to ``referent`` and positionnements of their caseload left without news."""
    offres = [
        services.offre_diffuser(offre=OffreFactory(statut=StatutOffre.QUALIFIEE), par=charge, referents=[referent])
        for _ in range(nb_offres)
    ]
    participants = ParticipantFactory.create_batch(nb_relances, entre=True, referent=referent)
    services.positionnements_creer(offre=offres[0], participants=participants, par=referent)
    Positionnement.objects.update(derniere_etape_le=timezone.localdate() - timedelta(days=30))


@pytest.mark.django_db
def test_referent_caseload_query_count_is_constant(client, make_user):
    referent = make_user(Role.REFERENT)
    charge = make_user(Role.CHARGE_MISSION)
    client.force_login(referent)
    ParticipantFactory.create_batch(3, entre=True, referent=referent)
    _offres_et_relances(charge, referent, 2, 2)
    small, _ = _count_queries(client, reverse("espace_referent"))
    ParticipantFactory.create_batch(60, entre=True, referent=referent)
    _offres_et_relances(charge, referent, 15, 15)
    large, response = _count_queries(client, reverse("espace_referent"))
    # 13 for the caseload, 2 for the offers block (10 newest, counts), 2 for the follow-up block.
    assert small == large == 17
    page = response.content.decode()
    assert "Page 1 sur 4" in page
    assert page.count(">Nouveau</span>") == 10 and "17 offres ouvertes vous ont été diffusées" in page
    assert "Positionnements à relancer" in page


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
def test_charge_mission_queue_query_count_is_constant(client, make_user):
    charge = make_user(Role.CHARGE_MISSION)
    client.force_login(charge)
    OffreFactory.create_batch(3, statut=StatutOffre.COLLECTEE)
    _offres_et_relances(charge, make_user(Role.REFERENT), 1, 2)
    small, _ = _count_queries(client, reverse("espace_charge_mission"))
    OffreFactory.create_batch(60, statut=StatutOffre.COLLECTEE)
    _offres_et_relances(charge, make_user(Role.REFERENT), 1, 20)
    large, response = _count_queries(client, reverse("espace_charge_mission"))
    # 12 for the queue, 2 for the follow-up block (10 oldest with their référents, count).
    assert small == large == 14
    page = response.content.decode()
    assert "Traiter la file" in page and "Saisir une offre" in page
    assert reverse("offres:file") in page and reverse("offres:nouvelle") in page
    assert response.context["nb_a_relancer"] == 22 and len(response.context["a_relancer"]) == 10


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
    # 16, plus the authenticator that verified the administrateur's session (django-otp's middleware).
    assert small == large == 17
    assert ("Référent(e) de parcours", 1) in response.context["comptes"]
