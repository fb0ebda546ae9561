"""Benchmark of the Région report on a large territory (not collected by pytest).

    .venv/bin/python tests/bench_rapport_region.py [--participants 10000] [--besoins 15000] [--runs 5]

Runs against the configured database (``DATABASE_URL``; PostgreSQL through ``tests/bench_run.py``)
after ``migrate``: creates ``--participants`` participants in accompaniment (communes of the
territory, a third in a QPV) and ``--besoins`` training needs spread over two years (fields,
target jobs without a field, levels, urgencies and statuses drawn with a fixed seed), and a few
open sessions, all with ``bulk_create``, then analysed (PostgreSQL). Then measures warm (one run discarded, then ``--runs``):

- ``formation.rapport.calculer`` over the current year to date, as the page calls it;
- the same for the workbook (every uncovered need listed);
- the report page (``formation:rapport``) as the chargé(e) de mission, through the test client,
  with its number of SQL queries.

Prints the median of each and ``RESULTAT rapport_region_10000_s=<median of calculer> cible_s=2``,
then deletes what it created (participants ``BENCH-RAPPORT-…``, organisme ``BENCH-RAPPORT`` and
the account ``@bench-rapport.plie.invalid``). Exit code 1 when the median misses the target.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from formation import rapport  # noqa: E402
from formation.models import (  # noqa: E402
    BesoinFormation,
    Dispositif,
    DomaineFormation,
    OrganismeFormation,
    SessionFormation,
    StatutBesoin,
    StatutSession,
    TypeBesoin,
    Urgence,
)
from participants.enums import MinimaSociaux, Sexe, StatutParticipant  # noqa: E402
from participants.models import Participant  # noqa: E402
from plie.models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, User  # noqa: E402
from plie.roles import Role  # noqa: E402
from tests.bench_journaux import oublier_journaux_des, sans_journal_des_modifications  # noqa: E402

PREFIXE = "BENCH-RAPPORT-"
ORGANISME = "BENCH-RAPPORT"
EMAIL = "charge@bench-rapport.plie.invalid"
CIBLE_S = 2.0


@sans_journal_des_modifications()
def nettoyer():
    organismes = OrganismeFormation.objects.filter(nom=ORGANISME)
    SessionFormation.objects.filter(organisme__in=organismes).delete()
    organismes.delete()
    ids = list(Participant.objects.filter(identifiant__startswith=PREFIXE).values_list("pk", flat=True))
    for debut in range(0, len(ids), 900):
        tranche = ids[debut : debut + 900]
        BesoinFormation.objects.filter(participant_id__in=tranche).delete()
        Participant.objects.filter(pk__in=tranche).delete()
    oublier_journaux_des(User.objects.filter(email=EMAIL))
    User.objects.filter(email=EMAIL).delete()


@transaction.atomic
def creer(nb_participants, nb_besoins, graine=2026):
    aleatoire = random.Random(graine)
    today = timezone.localdate()
    charge = User.objects.create_user(email=EMAIL, password=None, first_name="Chargée", last_name="Bench")
    charge.groups.add(Group.objects.get(name=Role.CHARGE_MISSION.group_name))
    communes = list(Commune.objects.valides_le(today).order_by("insee"))
    qpvs = list(QuartierPrioritaire.objects.order_by("pk"))
    niveaux = list(NiveauFormation.objects.order_by("rang"))
    domaines = list(DomaineFormation.objects.order_by("libelle"))
    metiers = list(MetierRome.objects.order_by("code")[:80])
    participants = []
    for i in range(nb_participants):
        candidature = today - timedelta(days=aleatoire.randint(60, 900))
        participants.append(
            Participant(
                identifiant=f"{PREFIXE}{i:05d}",
                nom=f"Bench{i:05d}",
                prenom=aleatoire.choice(["Camille", "Inès", "Karim", "Léa", "Hugo", "Aïcha"]),
                sexe=aleatoire.choice([Sexe.FEMME, Sexe.HOMME]),
                date_naissance=today - timedelta(days=aleatoire.randint(18 * 365, 64 * 365)),
                commune=aleatoire.choice(communes),
                quartier_prioritaire=aleatoire.choice(qpvs) if qpvs and aleatoire.random() < 0.33 else None,
                niveau_formation=aleatoire.choice(niveaux),
                autorisation_travail=True,
                consentement=True,
                consentement_date=candidature,
                qualification_insuffisante=True,
                sans_activite_depuis=candidature - timedelta(days=500),
                minima_sociaux=MinimaSociaux.RSA,
                mobilite_logement=True,
                statut=StatutParticipant.ENTRE,
                date_candidature=candidature,
                date_entree=candidature + timedelta(days=30),
            )
        )
    participants = Participant.objects.bulk_create(participants, batch_size=1000)
    statuts = [StatutBesoin.EXPRIME] * 4 + [StatutBesoin.ORIENTE] * 2 + [StatutBesoin.ENTRE, StatutBesoin.TERMINE]
    besoins = []
    for i in range(nb_besoins):
        participant = participants[i] if i < len(participants) else aleatoire.choice(participants)
        par_metier = aleatoire.random() < 0.25
        besoins.append(
            BesoinFormation(
                participant=participant,
                domaine=None if par_metier else aleatoire.choice(domaines),
                metier_rome=aleatoire.choice(metiers) if par_metier else None,
                intitule=f"Formation souhaitée {i}",
                type=aleatoire.choice(TypeBesoin.values),
                niveau_vise=aleatoire.choice(niveaux) if aleatoire.random() < 0.7 else None,
                urgence=aleatoire.choice(Urgence.values),
                statut=aleatoire.choice(statuts),
                exprime_le=today - timedelta(days=aleatoire.randint(0, 730)),
                cree_par=charge,
            )
        )
    BesoinFormation.objects.bulk_create(besoins, batch_size=2000)
    organisme = OrganismeFormation.objects.create(nom=ORGANISME)
    SessionFormation.objects.bulk_create(
        [
            SessionFormation(
                organisme=organisme,
                intitule=f"Session bench {d.code}",
                dispositif=Dispositif.DAQ,
                domaine=d,
                debut=today - timedelta(days=10),
                fin=today + timedelta(days=80),
                lieu="Dijon",
                capacite=12,
                statut=StatutSession.OUVERTE,
                cree_par=charge,
            )
            for d in domaines[::2]
        ]
    )
    return charge


def analyser():
    """The statistics autovacuum would keep: rows written in bulk a second ago are unknown to the
    planner, which then takes a table of 10 000 participants for one row (a nested loop of 9 s)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as curseur:
        for table in ("participants_participant", "formation_besoinformation", "formation_sessionformation"):
            curseur.execute(f"ANALYZE {table}")


def mediane(fonction, runs):
    fonction()
    durees = []
    for _ in range(runs):
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    return statistics.median(durees)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--besoins", type=int, default=15_000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    setup_test_environment()
    nettoyer()
    try:
        t0 = time.perf_counter()
        charge = creer(options.participants, options.besoins)
        analyser()
        print(
            f"Base : {connection.vendor} · {options.participants} participants, {options.besoins} besoins créés "
            f"en {time.perf_counter() - t0:.1f} s"
        )
        periode = rapport.periode_par_defaut(timezone.localdate())
        if periode.jours < 60:  # early in January: measure a full year
            periode = rapport.Periode(periode.fin - timedelta(days=364), periode.fin)
        resultat = rapport.calculer(periode, avec_noms=True)
        print(
            f"Période {periode} : {resultat.total.besoins} besoins, {resultat.total.personnes} personnes, "
            f"{resultat.nb_non_couverts} non couverts"
        )
        calcul = mediane(lambda: rapport.calculer(periode, avec_noms=True), options.runs)
        tableur = mediane(lambda: rapport.calculer(periode, limite=None), options.runs)

        client = Client()
        client.force_login(charge)
        url = f"{reverse('formation:rapport')}?debut={periode.debut:%Y-%m-%d}&fin={periode.fin:%Y-%m-%d}"
        requetes = []
        with connection.execute_wrapper(lambda execute, sql, *args: requetes.append(sql) or execute(sql, *args)):
            assert client.get(url).status_code == 200
        page = mediane(lambda: client.get(url), options.runs)

        print(f"{'mesure (médiane de ' + str(options.runs) + ' exécutions à chaud)':<52} {'durée':>10}")
        print(f"{'rapport.calculer (page, 200 non couverts listés)':<52} {calcul:>8.3f} s")
        print(f"{'rapport.calculer (tableur, liste complète)':<52} {tableur:>8.3f} s")
        print(f"{'page du rapport (client de test)':<52} {page:>8.3f} s")
        print(f"Requêtes SQL de la page du rapport : {len(requetes)}")
        print(f"RESULTAT rapport_region_{options.participants}_s={calcul:.3f} cible_s={CIBLE_S:g}")
        ok = calcul < CIBLE_S
        print(f"Cible : calcul sous {CIBLE_S:g} s → {'atteinte' if ok else 'MANQUÉE'}")
        return 0 if ok else 1
    finally:
        nettoyer()


if __name__ == "__main__":
    sys.exit(main())
