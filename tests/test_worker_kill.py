"""A real Celery worker (Redis broker, PostgreSQL) killed (SIGKILL) in the middle of the monthly
reports run of the 1st: the task, acknowledged late, is delivered again to a new worker, and the
end state is that of an uninterrupted run — one report per chargé(e) de mission, each sent once.

The killing of an ingestion run is proven by ``tests/offres/test_ingestion_worker.py``.
"""

import datetime
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from plie.roles import Role
from reporting.models import RapportMensuel
from reporting.tasks import rapports_du_mois

from .conftest import needs
from .offres.test_ingestion_worker import _arreter, _attendre, _url_base_de_test
from .test_worker import _redis_reachable

RACINE = Path(__file__).resolve().parents[1]
AUJOURD_HUI = datetime.date(2025, 7, 1)
MOIS = datetime.date(2025, 6, 1)

# The worker, with a test-only slowness: the PDF of one chargé(e)'s report takes ten minutes,
# long enough to be killed in the middle. The application code is not changed.
WORKER = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")
import django
django.setup()
from reporting import services
lent = os.environ.get("PLIE_TEST_RAPPORT_LENT")
if lent:
    rendre = services.rendre_pdf
    def rendre_lentement(template, contexte):
        if contexte["rapport"].salarie.email == lent:
            time.sleep(600)
        return rendre(template, contexte)
    services.rendre_pdf = rendre_lentement
from plie.celery import app
app.worker_main(sys.argv[1:])
"""


def _worker(file, nom, sortie, **reglages):
    env = {
        **os.environ,
        "PLIE_MODE": "development",
        "DATABASE_URL": _url_base_de_test(),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_URL": "consolemail://",  # the messages sent are counted in the worker's output
        "CELERY_VISIBILITY_TIMEOUT_S": "3",  # a dead worker's task comes back quickly
        **reglages,
    }
    commande = [sys.executable, "-c", WORKER, "worker", "--pool=solo", "-Q", file, "-n", f"{nom}@%h"]
    commande += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "warning"]
    return subprocess.Popen(
        commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_tue_pendant_les_rapports_du_mois_chaque_rapport_est_produit_et_envoye_une_fois(make_user, tmp_path):
    needs("Redis", bool(settings.REDIS_URL) and _redis_reachable(), "REDIS_URL absent ou Redis injoignable")
    needs("PostgreSQL", connection.vendor == "postgresql", "la base de test doit être partagée avec le worker")
    premiere = make_user(Role.CHARGE_MISSION, last_name="Arnaud")
    seconde = make_user(Role.CHARGE_MISSION, last_name="Bernard")  # reports go in name order
    coordinatrice = make_user(Role.COORDINATRICE)
    file = f"test-rapports-{uuid.uuid4().hex[:8]}"
    journaux = [tmp_path / "premier.log", tmp_path / "second.log"]

    with journaux[0].open("w") as sortie_premier, journaux[1].open("w") as sortie_second:
        premier = _worker(file, "premier", sortie_premier, PLIE_TEST_RAPPORT_LENT=seconde.email)
        second = None
        try:
            resultat = rapports_du_mois.apply_async(args=[AUJOURD_HUI.isoformat()], queue=file)
            _attendre(
                lambda: (
                    RapportMensuel.objects.filter(salarie=premiere, envoye_le__isnull=False).exists()
                    and RapportMensuel.objects.filter(salarie=seconde, etape="Mise en page du PDF").exists()
                ),
                120,
                "le premier worker n'a pas atteint le second rapport",
            )
            os.killpg(premier.pid, signal.SIGKILL)  # mid-run: no warm shutdown, no acknowledgement
            premier.wait(timeout=10)
            envoye_avant = RapportMensuel.objects.get(salarie=premiere).envoye_le
            interrompu = RapportMensuel.objects.get(salarie=seconde)
            assert (interrompu.statut, interrompu.fichier.name) == (RapportMensuel.Statut.EN_COURS, "")

            second = _worker(file, "second", sortie_second)
            assert resultat.get(timeout=180) == {"generes": 1, "envoyes": 1, "echecs": 0}
        finally:
            _arreter(premier)
            if second is not None:
                _arreter(second)

    rapports = RapportMensuel.objects.filter(mois=MOIS).order_by("salarie__last_name")
    assert [(r.salarie, r.statut, r.progression) for r in rapports] == [
        (premiere, RapportMensuel.Statut.PRET, 100),
        (seconde, RapportMensuel.Statut.PRET, 100),
    ]
    assert rapports[0].envoye_le == envoye_avant  # not sent again by the second delivery
    assert all(r.envoye_le and r.fichier and r.fichier.storage.exists(r.fichier.name) for r in rapports)
    # One message per report to the one coordinatrice, over both workers: as without the kill.
    envois = [journal.read_text().count(f"To: {coordinatrice.email}") for journal in journaux]
    assert envois == [1, 1]
