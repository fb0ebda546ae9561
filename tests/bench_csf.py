"""Benchmark of the contrôle de service fait pack (not collected by pytest).

    .venv/bin/python tests/bench_csf.py [--semaines 52] [--actions 50] [--inscrits 12] [--runs 3]

Runs against the configured database (``DATABASE_URL``; PostgreSQL through ``tests/bench_run.py``)
after ``migrate``. Inside one transaction rolled back at the end (validated weeks are locked by
triggers on PostgreSQL and cannot be deleted), creates one salarié with ``--semaines`` weeks of
agenda (5 lines a day, Monday to Friday) all validated, and ``--actions`` collective actions that
they facilitated with ``--inscrits`` registrations each, attendance recorded and, for one action
in two, a scanned signed sheet (written to a temporary MEDIA_ROOT). Then measures
``fse.csf.ecrire_pack`` for that person over the year (one warm-up run, then ``--runs``, with the
default number of PDF layout processes) and prints the median, the CPU time, one run in a single
process for comparison and the number of SQL queries:

    RESULTAT csf_annee_50_feuilles_s=<median> cible_s=20

Exit code 1 when the median misses the 20 s target.
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from entreprises.models import (  # noqa: E402
    ActionCollective,
    Creneau,
    Entreprise,
    Inscription,
    Presence,
    StatutAction,
    TypeAction,
)
from fse import csf  # noqa: E402
from fse.models import CategorieActivite, LigneAgenda, SemaineAgenda  # noqa: E402
from fse.rules import StatutSemaine  # noqa: E402
from participants.enums import MinimaSociaux, Sexe, StatutParticipant  # noqa: E402
from participants.models import Participant  # noqa: E402
from plie.models import Commune, NiveauFormation, User  # noqa: E402

DOMAINE = "bench-csf.plie.invalid"
CIBLE_S = 20.0
ANNEE = 2025
COMMENTAIRES = [
    "Rendez-vous de suivi",
    "Préparation de l'atelier CV",
    "Réunion d'équipe",
    "Relance des entreprises du secteur logistique",
    "Saisie des positionnements",
    "",
]


def creer(nb_semaines, nb_actions, nb_inscrits, graine=2026):
    aleatoire = random.Random(graine)
    maintenant = timezone.now()
    salarie = User.objects.create_user(
        email=f"salariee@{DOMAINE}", first_name="Sandrine", last_name="Bench", structure="PLIE bench", agenda_fse=True
    )
    coordinatrice = User.objects.create_user(email=f"coordinatrice@{DOMAINE}", first_name="Coralie", last_name="Bench")
    categories = list(CategorieActivite.objects.filter(actif=True).order_by("ordre"))
    entreprises = Entreprise.objects.bulk_create([Entreprise(nom=f"Bench CSF entreprise {n}") for n in range(10)])

    premier_lundi = datetime.date(ANNEE, 1, 6)
    semaines = SemaineAgenda.objects.bulk_create(
        [
            SemaineAgenda(
                salarie=salarie,
                lundi=premier_lundi + datetime.timedelta(weeks=n),
                statut=StatutSemaine.BROUILLON,
            )
            for n in range(nb_semaines)
        ]
    )
    lignes = []
    for semaine in semaines:
        for jour in range(5):
            for n in range(5):
                lignes.append(
                    LigneAgenda(
                        semaine=semaine,
                        date=semaine.lundi + datetime.timedelta(days=jour),
                        categorie=categories[(jour + n) % len(categories)],
                        heures=Decimal("1.5") if n < 4 else Decimal("1"),
                        commentaire=aleatoire.choice(COMMENTAIRES),
                        entreprise=aleatoire.choice(entreprises) if n == 2 else None,
                    )
                )
    LigneAgenda.objects.bulk_create(lignes, batch_size=2000)
    # The lines go in while the weeks are drafts, then the weeks are submitted and validated: the
    # PostgreSQL lock refuses lines in a submitted week and changes of status out of their order.
    SemaineAgenda.objects.filter(salarie=salarie).update(statut=StatutSemaine.SOUMISE, soumise_le=maintenant)
    SemaineAgenda.objects.filter(salarie=salarie).update(
        statut=StatutSemaine.VALIDEE, validee_le=maintenant, validee_par=coordinatrice
    )

    commune = Commune.objects.order_by("insee").first()
    niveau = NiveauFormation.objects.order_by("rang").first()
    debut_annee = datetime.date(ANNEE, 1, 1)
    participants = Participant.objects.bulk_create(
        [
            Participant(
                identifiant=f"BENCH-CSF-{i:04d}",
                nom=f"Bench{i:04d}",
                prenom=aleatoire.choice(["Camille", "Inès", "Karim", "Léa", "Hugo", "Aïcha"]),
                sexe=aleatoire.choice([Sexe.FEMME, Sexe.HOMME]),
                date_naissance=datetime.date(1985, 1, 1) + datetime.timedelta(days=aleatoire.randint(0, 9000)),
                commune=commune,
                niveau_formation=niveau,
                autorisation_travail=True,
                consentement=True,
                consentement_date=debut_annee - datetime.timedelta(days=60),
                qualification_insuffisante=True,
                sans_activite_depuis=debut_annee - datetime.timedelta(days=600),
                minima_sociaux=MinimaSociaux.RSA,
                mobilite_logement=True,
                statut=StatutParticipant.ENTRE,
                date_candidature=debut_annee - datetime.timedelta(days=60),
                date_entree=debut_annee - datetime.timedelta(days=30),
            )
            for i in range(nb_inscrits * 10)
        ]
    )
    actions = []
    for n in range(nb_actions):
        jour = datetime.date(ANNEE, 1, 7) + datetime.timedelta(weeks=n)  # Tuesdays
        creneau = Creneau.JOURNEE if n % 3 == 0 else Creneau.MATIN
        actions.append(
            ActionCollective(
                type=TypeAction.ATELIER,
                titre=f"Atelier bench {n + 1}",
                date=jour,
                creneau=creneau,
                heure_debut=datetime.time(9),
                heure_fin=datetime.time(17 if creneau == Creneau.JOURNEE else 12),
                lieu="Maison de l'emploi",
                commune=commune,
                animateur=salarie,
                capacite=nb_inscrits,
                statut=StatutAction.REALISEE,
                presences_saisies_par=salarie,
                presences_saisies_le=maintenant,
                cree_par=salarie,
            )
        )
    actions = ActionCollective.objects.bulk_create(actions)
    choix = [Presence.PRESENT] * 8 + [Presence.ABSENT, Presence.EXCUSE]
    Inscription.objects.bulk_create(
        [
            Inscription(
                action=action,
                participant=participant,
                inscrit_par=salarie,
                presence_matin=aleatoire.choice(choix),
                presence_apres_midi=aleatoire.choice(choix) if action.creneau == Creneau.JOURNEE else "",
            )
            for index, action in enumerate(actions)
            for participant in aleatoire.sample(participants, nb_inscrits)
        ],
        batch_size=2000,
    )
    scan = b"%PDF-1.4\n" + aleatoire.randbytes(300_000)  # a scanned page weighs a few hundred kB
    for action in actions[::2]:
        action.feuille_signee.save(f"scan-{action.pk}.pdf", ContentFile(scan), save=False)
        action.feuille_deposee_par, action.feuille_deposee_le = salarie, maintenant
        action.save(update_fields=["feuille_signee", "feuille_deposee_par", "feuille_deposee_le"])
    return salarie


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semaines", type=int, default=52)
    parser.add_argument("--actions", type=int, default=50)
    parser.add_argument("--inscrits", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    debut, fin = datetime.date(ANNEE, 1, 1), datetime.date(ANNEE, 12, 31)
    with (
        tempfile.TemporaryDirectory(prefix="bench-csf-") as media,
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        t0 = time.perf_counter()
        salarie = creer(options.semaines, options.actions, options.inscrits)
        print(
            f"Base : {connection.vendor} · {options.semaines} semaines validées ({options.semaines * 25} lignes), "
            f"{options.actions} actions × {options.inscrits} inscrits créées en {time.perf_counter() - t0:.1f} s"
        )
        processus = csf.processus_par_defaut()

        def une_fois(nombre=processus):
            flux = io.BytesIO()
            cpu = os.times()
            debut_run = time.perf_counter()
            resume = csf.ecrire_pack(flux, debut, fin, salarie, genere_par="bench", processus=nombre)
            duree = time.perf_counter() - debut_run
            apres = os.times()
            cpu = sum(apres[i] - cpu[i] for i in range(4))  # this process and its rendering processes
            return resume, flux, duree, cpu

        une_fois()  # warm-up: templates, fonts, WeasyPrint's import
        mesures = [une_fois() for _ in range(options.runs)]
        resume, flux = mesures[-1][0], mesures[-1][1]
        _, _, sequentiel, cpu_sequentiel = une_fois(1)
        with CaptureQueriesContext(connection) as requetes:
            une_fois()
        with zipfile.ZipFile(flux) as archive:
            nb_pdf = sum(1 for nom in archive.namelist() if nom.endswith(".pdf"))
        mediane = statistics.median(duree for _, _, duree, _ in mesures)
        print(
            f"Pack : {resume.nb_fichiers} fichiers dont {nb_pdf} PDF, {flux.getbuffer().nbytes / 1e6:.1f} Mo ; "
            f"{resume.nb_lignes} lignes d'agenda, {resume.nb_actions} feuilles de présence, "
            f"{resume.nb_feuilles_signees} feuilles signées jointes"
        )
        print(
            f"{options.runs} exécutions avec {processus} processus de mise en page : "
            + ", ".join(f"{duree:.2f} s (CPU {cpu:.1f} s)" for _, _, duree, cpu in mesures)
        )
        print(f"Pour comparaison, en un seul processus : {sequentiel:.2f} s (CPU {cpu_sequentiel:.1f} s)")
        print(f"Requêtes SQL : {len(requetes)}")
        print(f"RESULTAT csf_annee_{options.actions}_feuilles_s={mediane:.3f} cible_s={CIBLE_S:g}")
        ok = mediane < CIBLE_S
        print(f"Cible : pack sous {CIBLE_S:g} s → {'atteinte' if ok else 'MANQUÉE'}")
        transaction.set_rollback(True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
