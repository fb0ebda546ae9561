"""The computed dashboard kept in the cache: served again for its period and scope only, shown
with when it was computed, recomputed on demand, forgotten when a budget changes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.factories import ParticipantFactory
from plie.roles import Role
from reporting.forms import raccourcis
from reporting.models import Budget
from reporting.tableau import oublier_tableaux
from reporting.tasks import prechauffer_tableaux
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)
from tests.reporting.test_page_tableau import referent_du_jeu  # noqa: F401 (fixture)

URL = reverse("reporting:tableau") + "?du=2026-11-01&au=2026-11-30"


@pytest.fixture(autouse=True)
def _cache_du_tableau(settings):
    settings.TABLEAU_CACHE_SECONDES = 300
    oublier_tableaux()  # nothing computed by an earlier test (Redis outlives a test)


def _tableau(client, url=URL):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["tableau"], response.content.decode()


def _requetes_participants(client, url=URL):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return [q for q in requetes if "participants_participant" in q["sql"]]


def test_the_dashboard_is_served_again_and_says_when_it_was_computed(jeu, client_as):  # noqa: F811
    client = client_as(Role.COORDINATRICE)
    tableau, contenu = _tableau(client)
    flux = tableau.chiffres.flux
    assert 'id="calcule-le"' in contenu and 'id="lien-recalculer"' in contenu

    ParticipantFactory(entre=True, today=NOVEMBRE.fin)
    assert _requetes_participants(client) == []  # nothing read again
    assert _tableau(client)[0].chiffres.flux == flux

    recalcule, _ = _tableau(client, URL + "&recalculer=1")
    assert recalcule.chiffres.flux == flux + 1
    assert recalcule.calcule_le > tableau.calcule_le
    assert _tableau(client)[0].chiffres.flux == flux + 1  # the recomputed one is kept


def test_each_period_is_computed_on_its_own(jeu, client_as):  # noqa: F811
    client = client_as(Role.COORDINATRICE)
    novembre, _ = _tableau(client)
    octobre, _ = _tableau(client, reverse("reporting:tableau") + "?du=2026-10-01&au=2026-10-31")
    assert novembre.periode != octobre.periode
    assert octobre.chiffres.periode.debut == datetime.date(2026, 10, 1)


def test_a_referent_never_gets_the_whole_plie_from_the_cache_nor_the_reverse(
    jeu,  # noqa: F811
    referent_du_jeu,  # noqa: F811
    client_as,
    make_user,
):
    ParticipantFactory(entre=True, today=NOVEMBRE.fin, referent=make_user(Role.REFERENT))  # someone else's
    coordination = client_as(Role.COORDINATRICE)
    tout, _ = _tableau(coordination)
    referent = Client()  # client_as logged the ``client`` fixture in
    referent.force_login(referent_du_jeu)
    portefeuille, contenu = _tableau(referent)
    assert not portefeuille.complet and "Tout le PLIE" not in contenu
    assert portefeuille.chiffres.flux == tout.chiffres.flux - 1
    assert _tableau(coordination)[0].complet


def test_a_budget_changed_shows_at_once(jeu, client_as):  # noqa: F811
    client = client_as(Role.COORDINATRICE)
    avant = _tableau(client)[0].chiffres.budget
    budget = Budget.objects.get(debut=NOVEMBRE.debut, fin=NOVEMBRE.fin)
    budget.montant += Decimal("2000")
    budget.save()
    assert _tableau(client)[0].chiffres.budget == avant + Decimal("2000")
    budget.delete()
    assert _tableau(client)[0].chiffres.budget is None


def test_without_a_duration_it_is_computed_each_time(jeu, client_as, settings):  # noqa: F811
    settings.TABLEAU_CACHE_SECONDES = 0
    client = client_as(Role.COORDINATRICE)
    flux = _tableau(client)[0].chiffres.flux
    ParticipantFactory(entre=True, today=NOVEMBRE.fin)
    assert _requetes_participants(client)
    assert _tableau(client)[0].chiffres.flux == flux + 1


def test_the_usual_periods_are_computed_ahead_into_the_cache(jeu, client_as, settings):  # noqa: F811
    assert settings.CELERY_BEAT_SCHEDULE["prechauffer-tableaux"]["task"] == "reporting.tasks.prechauffer_tableaux"
    assert prechauffer_tableaux() == len(raccourcis(timezone.localdate()))
    client = client_as(Role.COORDINATRICE)
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(reverse("reporting:tableau"))  # this month, one of the usual periods
    assert response.status_code == 200 and response.context["tableau"].complet
    assert not [q for q in requetes if "participants_participant" in q["sql"] or "offres_offre" in q["sql"]]


def test_two_databases_sharing_one_cache_never_see_each_others_dashboard(jeu, client_as, monkeypatch):  # noqa: F811
    from reporting import tableau as module

    client = client_as(Role.COORDINATRICE)
    ici = _tableau(client)[0]
    # Another database behind the same Redis: same period, same scope, nothing to take from here.
    monkeypatch.setitem(connection.settings_dict, "NAME", connection.settings_dict["NAME"] + "_autre")
    assert module._cle("version").endswith("_autre:version")
    with CaptureQueriesContext(connection) as requetes:
        ailleurs = module.tableau_en_cache(ici.periode)
    assert ailleurs.calcule_le > ici.calcule_le and len(requetes) > 0  # computed, not served
