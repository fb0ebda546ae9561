"""Benchmark of the qualification queue (not collected by pytest).

    .venv/bin/python tests/bench_offres.py [--file 100] [--autres 10000] [--runs 20]

Runs against the configured database (``DATABASE_URL``, SQLite by default) after ``migrate``:
creates a morning's queue of collected offers (older than anything else, so they head the queue)
among many other offers of every status, a chargé de mission and 14 référents, then measures with
Django's test client, warm:

- the queue screen (``offres:qualifier`` of the first offer), the overview list and the offers list
  (``--runs`` times each): median and 95th percentile, and the number of SQL queries;
- processing the queue one offer after another as a person does: POST qualify (two offers in
  three, diffused to the référents) or discard (the third), then GET the next offer it opens.

Everything it created is deleted at the end (offers whose employer is ``BENCH-OFFRES``, accounts
``@bench-offres.plie.invalid``).
"""

import argparse
import math
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from offres.enums import MotifCloture, MotifEcart, StatutOffre  # noqa: E402
from offres.factories import INTITULES_PAR_ROME, TYPES_CONTRAT_OFFRE  # noqa: E402
from offres.models import Diffusion, LienSource, Offre, Source, renseigner_sources_origine  # noqa: E402
from plie.models import Commune, MetierRome, TypeContrat, User  # noqa: E402
from plie.roles import Role  # noqa: E402
from tests.bench_journaux import oublier_journaux_des, sans_journal_des_modifications  # noqa: E402

EMPLOYEUR = "BENCH-OFFRES"
DOMAINE = "bench-offres.plie.invalid"
PHRASES = [
    "Permis B exigé.",
    "Débutants acceptés.",
    "Expérience de 2 ans exigée.",
    "Poste accessible sans diplôme.",
    "Site desservi par le tram T1.",
    "Véhicule personnel indispensable.",
    "CAP exigé.",
    "Travail en équipe, port de charges.",
    "Horaires décalés, week-ends possibles.",
]


@sans_journal_des_modifications()
def nettoyer():
    offres = Offre.objects.filter(employeur=EMPLOYEUR)
    ids = list(offres.values_list("pk", flat=True))
    for debut in range(0, len(ids), 2000):
        lot = ids[debut : debut + 2000]
        Diffusion.objects.filter(offre_id__in=lot).delete()
        LienSource.objects.filter(offre_id__in=lot).delete()
        Offre.objects.filter(pk__in=lot).delete()
    oublier_journaux_des(User.objects.filter(email__endswith=f"@{DOMAINE}"))
    User.objects.filter(email__endswith=f"@{DOMAINE}").delete()


def comptes():
    charge = User.objects.create_user(email=f"charge@{DOMAINE}", first_name="Chargée", last_name="Bench")
    charge.groups.add(Group.objects.get(name=Role.CHARGE_MISSION.group_name))
    groupe = Group.objects.get(name=Role.REFERENT.group_name)
    for i in range(14):
        referent = User.objects.create_user(
            email=f"referent{i:02d}@{DOMAINE}", first_name="Référent", last_name=f"B{i}"
        )
        referent.groups.add(groupe)
    return charge


def creer_offres(nb_file, nb_autres, graine=2026):
    rng = random.Random(graine)
    today = timezone.localdate()
    communes = list(Commune.objects.valides_le(today))
    types = list(TypeContrat.objects.filter(code__in=TYPES_CONTRAT_OFFRE))
    metiers = list(MetierRome.objects.filter(code__in=list(INTITULES_PAR_ROME))) or list(MetierRome.objects.all())
    source = Source.objects.get(nom="france-travail")
    statuts = [
        StatutOffre.QUALIFIEE,
        StatutOffre.DIFFUSEE,
        StatutOffre.DIFFUSEE,
        StatutOffre.CLOTUREE,
        StatutOffre.ECARTEE,
    ]

    def offre(statut, publication):
        metier = rng.choice(metiers)
        titres = INTITULES_PAR_ROME.get(metier.code) or [metier.libelle]
        return Offre(
            intitule=rng.choice(titres),
            description=" ".join(rng.sample(PHRASES, 3)) + " " + "Missions variées au sein d'une équipe. " * 8,
            employeur=EMPLOYEUR,
            commune=rng.choice(communes),
            type_contrat=rng.choice(types),
            metier_rome=metier,
            heures_hebdo=Decimal(rng.choice(["35", "24", "20", "17.5"])),
            salaire="SMIC horaire",
            date_publication=publication,
            date_expiration=publication + timedelta(days=60),
            statut=statut,
            motif_ecart=MotifEcart.CONDITIONS if statut == StatutOffre.ECARTEE else "",
            motif_cloture=MotifCloture.EXPIREE if statut == StatutOffre.CLOTUREE else "",
        )

    autres = [offre(rng.choice(statuts), today - timedelta(days=rng.randint(0, 365))) for _ in range(nb_autres)]
    for debut in range(0, len(autres), 2000):
        Offre.objects.bulk_create(autres[debut : debut + 2000])
    # The morning's queue: older than anything else, so that it heads the queue.
    file = [offre(StatutOffre.COLLECTEE, today - timedelta(days=1000 - i // 10)) for i in range(nb_file)]
    Offre.objects.bulk_create(file)
    file = list(
        Offre.objects.filter(employeur=EMPLOYEUR, statut=StatutOffre.COLLECTEE).order_by("date_publication", "id")
    )
    now = timezone.now()
    LienSource.objects.bulk_create(
        [
            LienSource(
                offre=o, source=source, identifiant_externe=f"BENCH-{o.pk}", vue_le=now, vue_derniere_fois_le=now
            )
            for o in file
        ]
    )
    renseigner_sources_origine(Offre.objects.filter(employeur=EMPLOYEUR))
    return file


def mesure(durees):
    durees = sorted(durees)
    p95 = durees[max(0, math.ceil(0.95 * len(durees)) - 1)]
    return statistics.median(durees) * 1000, p95 * 1000


def chronometrer_page(client, url, runs):
    for _ in range(3):  # warm-up: caches, connection, templates
        assert client.get(url).status_code == 200, url
    durees = []
    for _ in range(runs):
        debut = time.perf_counter()
        response = client.get(url)
        durees.append(time.perf_counter() - debut)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return (*mesure(durees), len(queries))


def traiter_la_file(client, file):
    """POST qualify or discard on each offer, then GET the offer the redirect opens."""
    ids = {o.pk for o in file}
    courant = file[0].pk
    durees, qualifiees, ecartees = [], 0, 0
    for rang in range(len(file)):
        url = reverse("offres:qualifier", args=[courant])
        if rang % 3 == 2:
            data = {"action": "ecarter", "motif_ecart": MotifEcart.CONDITIONS, "commentaire_ecart": "bench"}
        else:
            data = {"action": "qualifier", "diffuser": "on", "heures_hebdo": "35", "permis_requis": "True"}
        debut = time.perf_counter()
        response = client.post(url, data)
        assert response.status_code == 302, (response.status_code, url)
        suivante = client.get(response.url)
        durees.append(time.perf_counter() - debut)
        if data["action"] == "ecarter":
            ecartees += 1
        else:
            qualifiees += 1
        if rang == len(file) - 1:
            break
        assert suivante.status_code == 200, (suivante.status_code, response.url)
        courant = resolve(response.url).kwargs.get("pk")
        if courant not in ids:
            raise RuntimeError(f"La file a ouvert une offre inattendue ({courant}) au rang {rang}.")
    return durees, qualifiees, ecartees


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=int, default=100, help="offres collectées dans la file")
    parser.add_argument("--autres", type=int, default=10_000, help="autres offres, de tous statuts")
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()

    # Not ``setup_test_environment()``: it instruments template rendering (copies of every context
    # for the test client), which would inflate the figures. The client only needs its host allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    nettoyer()
    try:
        t0 = time.perf_counter()
        charge = comptes()
        file = creer_offres(options.file, options.autres)
        creation = time.perf_counter() - t0
        client = Client()
        client.force_login(charge)

        lignes = [
            (
                "écran de la file (1re offre)",
                *chronometrer_page(client, reverse("offres:qualifier", args=[file[0].pk]), options.runs),
            ),
            (
                "vue d'ensemble de la file",
                *chronometrer_page(client, reverse("offres:file") + "?vue=liste", options.runs),
            ),
            ("liste des offres (page 1)", *chronometrer_page(client, reverse("offres:liste"), options.runs)),
        ]
        t1 = time.perf_counter()
        durees, qualifiees, ecartees = traiter_la_file(client, file)
        total = time.perf_counter() - t1
        mediane, p95 = mesure(durees)

        print(
            f"Base : {connection.vendor} · {len(file)} offres dans la file, {options.autres} autres offres, "
            f"14 référents · données créées en {creation:.1f} s"
        )
        print(f"{'mesure':<44}{'médiane (ms)':>13}{'p95 (ms)':>10}{'requêtes':>10}")
        for nom, med, q95, requetes in lignes:
            print(f"{nom + f' ({options.runs} fois)':<44}{med:>13.1f}{q95:>10.1f}{requetes:>10}")
        print(f"{'traiter une offre (POST + offre suivante)':<44}{mediane:>13.1f}{p95:>10.1f}{'':>10}")
        print(
            f"File de {len(file)} offres traitée en {total:.1f} s côté serveur "
            f"({qualifiees} qualifiées et diffusées, {ecartees} écartées)."
        )
        print(
            f"RESULTAT file_mediane_max_ms={max(med for _, med, _, _ in lignes):.1f} "
            f"traiter_offre_ms={mediane:.1f} file_100_s={total:.1f}"
        )
        restantes = Offre.objects.filter(employeur=EMPLOYEUR, statut=StatutOffre.COLLECTEE).count()
        if restantes:
            print(f"ÉCHEC : {restantes} offre(s) de la file n'ont pas été traitées.", file=sys.stderr)
            return 1
        return 0
    finally:
        nettoyer()


if __name__ == "__main__":
    sys.exit(main())
