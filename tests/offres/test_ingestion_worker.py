"""A real Celery worker (Redis broker, PostgreSQL) killed in the middle of an ingestion run: the
task, acknowledged late, is delivered again to a new worker, which takes over the run and
completes it without duplicating the offers the first one had stored."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from offres.enums import StatutExecution
from offres.models import ExecutionIngestion, LienSource, Offre, Source
from offres.tasks import ingerer_source

from ..conftest import needs, recharger_referentiels
from ..test_worker import _redis_reachable
from .faux_france_travail import FauxFranceTravail, offres_en_masse, serveur_local

RACINE = Path(__file__).resolve().parents[2]
NB_OFFRES = 1200  # 8 pages of 150


def _url_base_de_test():
    base = settings.DATABASES["default"]
    identite = base["USER"] + (f":{base['PASSWORD']}" if base.get("PASSWORD") else "")
    return f"postgres://{identite}@{base['HOST'] or '127.0.0.1'}:{base['PORT'] or 5432}/{base['NAME']}"


def _worker(file, reglages, nom):
    env = {
        **os.environ,
        "PLIE_MODE": "development",
        "DATABASE_URL": _url_base_de_test(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT_S": "3",  # a dead worker's task comes back quickly
        **{nom_reglage: str(valeur) for nom_reglage, valeur in reglages.items()},
    }
    commande = [sys.executable, "-m", "celery", "-A", "plie", "worker", "--pool=solo", "-Q", file]
    commande += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"{nom}@%h", "-l", "warning"]
    return subprocess.Popen(commande, cwd=RACINE, env=env, start_new_session=True)


def _attendre(condition, delai, message):
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        valeur = condition()
        if valeur:
            return valeur
        time.sleep(0.2)
    pytest.fail(message)


def _arreter(processus):
    if processus.poll() is None:
        os.killpg(processus.pid, signal.SIGKILL)
    processus.wait(timeout=10)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_tue_en_pleine_execution_la_tache_reprend_sans_doublon():
    needs("Redis", bool(settings.REDIS_URL) and _redis_reachable(), "REDIS_URL absent ou Redis injoignable")
    needs("PostgreSQL", connection.vendor == "postgresql", "la base de test doit être partagée avec le worker")
    recharger_referentiels()
    source = Source.objects.get(nom="france-travail")
    source.parametres = {"departement": "21"}
    source.save()
    faux = FauxFranceTravail()
    faux.offres = offres_en_masse(NB_OFFRES, debut=timezone.now() - timedelta(days=10), fin=timezone.now())
    faux.delai = 0.4  # a slow source: the run lasts long enough to be killed in the middle
    file = f"test-ingestion-{uuid.uuid4().hex[:8]}"

    with serveur_local(faux) as reglages:
        premier = _worker(file, reglages, "premier")
        second = None
        try:
            resultat = ingerer_source.apply_async(args=[source.pk], queue=file)
            execution = _attendre(
                lambda: ExecutionIngestion.objects.filter(source=source, recus__gte=300).first(),
                90,
                "le premier worker n'a pas commencé l'exécution",
            )
            os.killpg(premier.pid, signal.SIGKILL)  # mid-run: no warm shutdown, no acknowledgement
            premier.wait(timeout=10)
            execution.refresh_from_db()
            assert execution.statut == StatutExecution.EN_COURS
            stockees = Offre.objects.count()
            assert 0 < stockees < NB_OFFRES

            second = _worker(file, reglages, "second")
            assert resultat.get(timeout=120) == {"france-travail": StatutExecution.REUSSIE}
        finally:
            _arreter(premier)
            if second is not None:
                _arreter(second)

    interrompue, reprise = ExecutionIngestion.objects.filter(source=source).order_by("debut", "id")
    assert interrompue.pk == execution.pk and interrompue.statut == StatutExecution.ECHOUEE
    assert "arrêt du worker" in interrompue.detail_erreurs[-1]
    assert reprise.statut == StatutExecution.REUSSIE and reprise.tache == interrompue.tache == resultat.id
    assert reprise.recus == NB_OFFRES
    assert reprise.nouvelles == NB_OFFRES - stockees  # the rest only: those stored are found again
    assert Offre.objects.count() == NB_OFFRES  # no duplicate offer
    assert LienSource.objects.filter(source=source).count() == NB_OFFRES
