"""The database lost in the middle of a request: a French 503 page, and nothing half-written.

The request is the weekly grid of the FSE agenda: its POST creates the week and one line per
cell. The connection fails at the second line, after the week and the first line were written
in the request's transaction (ATOMIC_REQUESTS)."""

import datetime
import importlib

import psycopg2
import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from fse.models import CategorieActivite, LigneAgenda, SemaineAgenda
from plie.middleware import erreur_serveur, reponse_indisponible
from plie.roles import Role

from .conftest import needs, recharger_referentiels

LUNDI = datetime.date(2025, 6, 2)
MARDI = LUNDI + datetime.timedelta(days=1)
URL = reverse("fse:semaine", kwargs={"jour": LUNDI.isoformat()})
TITRE = "Service momentanément indisponible"


def _poster_la_grille(client):
    prospection, reunions = CategorieActivite.objects.filter(actif=True).order_by("ordre")[:2]
    return client.post(
        URL,
        {
            "action": "grille",
            f"h_{prospection.pk}_{LUNDI.isoformat()}": "3,5",
            f"h_{reunions.pk}_{MARDI.isoformat()}": "2",
        },
    )


class CoupureALaDeuxiemeLigne:
    """An execute wrapper: lets the first INSERT of a line through, then calls ``couper`` and
    runs the second one (which must then fail)."""

    def __init__(self, couper):
        self.couper, self.lignes, self.coupee = couper, 0, False

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith('INSERT INTO "FSE_LIGNEAGENDA"'):
            self.lignes += 1
            if self.lignes == 2:
                self.coupee = True
                self.couper()
        return execute(sql, params, many, context)


def _verifier_page_503(reponse):
    assert reponse.status_code == 503
    page = reponse.content.decode()
    assert f'<h1 class="h3">{TITRE}</h1>' in page and "rien n'a été modifié" in page
    assert reponse["Retry-After"] == "30" and reponse["Cache-Control"] == "no-store"


def test_a_connection_error_in_a_view_gives_the_503_page_and_writes_nothing(client, make_user):
    client.force_login(make_user(Role.CHARGE_MISSION))

    def couper():
        raise OperationalError("server closed the connection unexpectedly")

    coupure = CoupureALaDeuxiemeLigne(couper)
    with connection.execute_wrapper(coupure):
        reponse = _poster_la_grille(client)

    assert coupure.coupee  # the week and the first line had been written
    _verifier_page_503(reponse)
    assert not SemaineAgenda.objects.exists() and not LigneAgenda.objects.exists()


def test_without_failure_the_same_post_writes_the_week(client, make_user):
    # The control run of the test above: the POST does write a week and two lines.
    client.force_login(make_user(Role.CHARGE_MISSION))
    assert _poster_la_grille(client).status_code == 302
    assert SemaineAgenda.objects.count() == 1 and LigneAgenda.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backend_killed_mid_request_gives_the_503_page_and_writes_nothing(make_user):
    needs("PostgreSQL", connection.vendor == "postgresql", "la coupure est celle d'une vraie connexion PostgreSQL")
    recharger_referentiels()
    # An earlier transactional test's flush also emptied the agenda categories (a data migration).
    importlib.import_module("fse.migrations.0002_categories_et_verrou").creer_categories(apps, None)
    client = Client()
    client.force_login(make_user(Role.CHARGE_MISSION))

    def couper():
        # A second connection ends the request's backend, as a PostgreSQL restart or failover would.
        pid = connection.connection.get_backend_pid()
        autre = psycopg2.connect(**connection.get_connection_params())
        try:
            autre.autocommit = True
            with autre.cursor() as curseur:
                curseur.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert curseur.fetchone() == (True,)
        finally:
            autre.close()

    coupure = CoupureALaDeuxiemeLigne(couper)
    with connection.execute_wrapper(coupure):
        reponse = _poster_la_grille(client)

    assert coupure.coupee
    _verifier_page_503(reponse)
    # A new connection sees what PostgreSQL kept of the killed transaction: nothing.
    assert not SemaineAgenda.objects.exists() and not LigneAgenda.objects.exists()


def test_the_503_page_reads_nothing_from_the_database():
    # No database fixture: any query here would raise.
    reponse = reponse_indisponible()
    assert reponse.status_code == 503 and TITRE in reponse.content.decode()


def test_other_errors_keep_the_500_page(client, make_user, monkeypatch):
    # Only a lost connection is « indisponible »: a bug stays a 500.
    client.force_login(make_user(Role.CHARGE_MISSION))
    client.raise_request_exception = False
    monkeypatch.setattr("fse.services.grille_enregistrer", lambda *a, **k: 1 / 0)
    reponse = _poster_la_grille(client)
    assert reponse.status_code == 500 and TITRE not in reponse.content.decode()


def test_the_500_handler_answers_503_for_a_connection_error_outside_the_views(rf):
    # A middleware (e.g. the session's, saving) lost the connection after the view.
    try:
        raise OperationalError("connection already closed")
    except OperationalError:
        reponse = erreur_serveur(rf.get("/"))
    assert reponse.status_code == 503 and TITRE in reponse.content.decode()
    try:
        raise ValueError("un bogue")
    except ValueError:
        reponse = erreur_serveur(rf.get("/"))
    assert reponse.status_code == 500 and "Une erreur est survenue" in reponse.content.decode()
