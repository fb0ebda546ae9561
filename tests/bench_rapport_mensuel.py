"""Benchmark of the chargé(e) de mission's monthly activity report (not collected by pytest).

    .venv/bin/python tests/bench_rapport_mensuel.py [--offres 3000] [--runs 3]

Runs against the configured database (``DATABASE_URL``; PostgreSQL through ``tests/bench_run.py``)
after ``migrate``: builds a busy previous month for one chargée de mission, with ``bulk_create``
and a fixed seed: ``--offres`` offers collected over the month from three sources, 400 qualified
by her (350 diffused to 14 référents) and 100 discarded, 300 positionnements on her offers at
every step, 120 interactions with 80 companies, 12 events, 15 collective actions with their
registrations and attendance, 200 training needs, and 21 working days of FSE agenda (3 lines a
day). Then measures warm (one run discarded, then ``--runs``):

- ``rapport_mensuel.activite_mensuelle`` (the figures) and its number of SQL queries;
- ``services.generer``: the figures, the charts, the WeasyPrint PDF and its storage — what the
  worker, the command and the task of the 1st do.

Prints the medians and ``RESULTAT rapport_mensuel_s=<median of generer> cible_s=5``, then
deletes what it created (accounts ``@bench-rapport-mensuel.plie.invalid``, offers, companies,
events and actions named ``BENCH-RM…``, participants ``BENCH-RM-…``; the PDFs go to a temporary
folder). Exit code 1 when the median misses the target.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from entreprises.models import (  # noqa: E402
    ActionCollective,
    Entreprise,
    Evenement,
    Inscription,
    Interaction,
    Presence,
    StatutAction,
    TypeAction,
    TypeInteraction,
)
from formation.models import BesoinFormation, DomaineFormation, StatutBesoin, TypeBesoin  # noqa: E402
from fse.models import CategorieActivite, LigneAgenda, SemaineAgenda  # noqa: E402
from offres.enums import MotifEcart, StatutOffre, StatutPositionnement  # noqa: E402
from offres.models import Diffusion, LienSource, Offre, Positionnement, Source, renseigner_sources_origine  # noqa: E402
from participants.enums import MinimaSociaux, Sexe, StatutParticipant  # noqa: E402
from participants.models import Participant  # noqa: E402
from plie.models import Commune, NiveauFormation, TypeContrat, User  # noqa: E402
from plie.roles import Role  # noqa: E402
from reporting import services  # noqa: E402
from reporting.models import RapportMensuel  # noqa: E402
from reporting.rapport_mensuel import activite_mensuelle, bornes_horodatees  # noqa: E402
from reporting.selectors import Periode  # noqa: E402
from tests.bench_journaux import oublier_journaux_des, sans_journal_des_modifications  # noqa: E402

PREFIXE = "BENCH-RM"
DOMAINE_MAIL = "bench-rapport-mensuel.plie.invalid"
CIBLE_S = 5.0


@sans_journal_des_modifications()
def nettoyer():
    users = User.objects.filter(email__endswith=f"@{DOMAINE_MAIL}")
    for rapport in RapportMensuel.objects.filter(salarie__in=users):
        if rapport.fichier:
            rapport.fichier.delete(save=False)
        rapport.delete()
    Positionnement.objects.filter(offre__intitule__startswith=PREFIXE).delete()
    Offre.objects.filter(intitule__startswith=PREFIXE).delete()
    ActionCollective.objects.filter(titre__startswith=PREFIXE).delete()  # with the registrations
    BesoinFormation.objects.filter(participant__identifiant__startswith=PREFIXE).delete()
    Participant.objects.filter(identifiant__startswith=PREFIXE).delete()
    Entreprise.objects.filter(nom__startswith=PREFIXE).delete()  # with the interactions
    Evenement.objects.filter(titre__startswith=PREFIXE).delete()
    LigneAgenda.objects.filter(semaine__salarie__in=users).delete()
    SemaineAgenda.objects.filter(salarie__in=users).delete()
    oublier_journaux_des(users)
    users.delete()


def _moment(aleatoire, jour):
    zone = timezone.get_current_timezone()
    heure = datetime.time(aleatoire.randint(7, 19), aleatoire.randint(0, 59))
    return datetime.datetime.combine(jour, heure, tzinfo=zone)


@transaction.atomic
def creer(mois, nb_offres, graine=2026):
    aleatoire = random.Random(graine)
    periode = Periode.mois(mois.year, mois.month)
    jours = [periode.debut + datetime.timedelta(days=n) for n in range(periode.jours)]
    ouvres = [jour for jour in jours if jour.weekday() < 5][:21]

    def compte(role, n):
        user = User.objects.create_user(email=f"{role.value}-{n}@{DOMAINE_MAIL}", password=None, first_name="Bench")
        user.last_name = f"{role.label.split()[0]} {n}"
        user.save(update_fields=["last_name"])
        user.groups.add(Group.objects.get(name=role.group_name))
        return user

    charge = compte(Role.CHARGE_MISSION, 1)
    referents = [compte(Role.REFERENT, n) for n in range(14)]
    sources = list(Source.objects.order_by("pk")[:3])
    types_contrat = list(TypeContrat.objects.order_by("pk")[:5])
    communes = list(Commune.objects.order_by("insee")[:20])

    # Offers: collected over the month; 400 qualified by her (350 diffused), 100 discarded.
    offres = Offre.objects.bulk_create(
        [
            Offre(
                intitule=f"{PREFIXE} offre {i}",
                type_contrat=aleatoire.choice(types_contrat),
                commune=aleatoire.choice(communes),
                date_publication=aleatoire.choice(jours),
            )
            for i in range(nb_offres)
        ],
        batch_size=1000,
    )
    LienSource.objects.bulk_create(
        [
            LienSource(
                offre=offre,
                source=sources[i % len(sources)],
                identifiant_externe=f"{PREFIXE}-{offre.pk}",
                vue_le=timezone.now(),
                vue_derniere_fois_le=timezone.now(),
            )
            for i, offre in enumerate(offres)
        ],
        batch_size=1000,
    )
    renseigner_sources_origine(Offre.objects.filter(pk__in=[o.pk for o in offres]))
    for n, jour in enumerate(jours):
        Offre.objects.filter(pk__in=[o.pk for o in offres[n :: len(jours)]]).update(cree_le=_moment(aleatoire, jour))
    qualifiees, ecartees = offres[:400], offres[400:500]
    for offre in qualifiees:
        offre.statut, offre.qualifiee_par = StatutOffre.QUALIFIEE, charge
        offre.qualifiee_le = _moment(aleatoire, aleatoire.choice(jours))
    for offre in qualifiees[:350]:
        offre.statut, offre.diffusee_le = StatutOffre.DIFFUSEE, offre.qualifiee_le
    for offre in ecartees:
        offre.statut, offre.motif_ecart, offre.ecartee_par = StatutOffre.ECARTEE, MotifEcart.CONDITIONS, charge
        offre.ecartee_le = _moment(aleatoire, aleatoire.choice(jours))
    Offre.objects.bulk_update(
        [*qualifiees, *ecartees],
        ["statut", "qualifiee_par", "qualifiee_le", "diffusee_le", "motif_ecart", "ecartee_par", "ecartee_le"],
        batch_size=500,
    )
    Diffusion.objects.bulk_create(
        [
            Diffusion(offre=offre, referent=referent, diffusee_le=offre.diffusee_le, diffusee_par=charge)
            for offre in qualifiees[:350]
            for referent in referents
        ],
        batch_size=2000,
    )

    # 300 participants, each positioned once on one of her diffused offers.
    niveau = NiveauFormation.objects.order_by("rang").first()
    participants = Participant.objects.bulk_create(
        [
            Participant(
                identifiant=f"{PREFIXE}-{i:04d}",
                nom=f"Bench{i:04d}",
                prenom="Camille",
                sexe=aleatoire.choice([Sexe.FEMME, Sexe.HOMME]),
                date_naissance=datetime.date(1985, 1, 1) + datetime.timedelta(days=i),
                commune=aleatoire.choice(communes),
                niveau_formation=niveau,
                autorisation_travail=True,
                consentement=True,
                consentement_date=periode.debut - datetime.timedelta(days=200),
                qualification_insuffisante=True,
                sans_activite_depuis=periode.debut - datetime.timedelta(days=800),
                minima_sociaux=MinimaSociaux.RSA,
                mobilite_logement=True,
                statut=StatutParticipant.ENTRE,
                date_candidature=periode.debut - datetime.timedelta(days=200),
                date_entree=periode.debut - datetime.timedelta(days=170),
                referent=referents[i % len(referents)],
            )
            for i in range(300)
        ],
        batch_size=1000,
    )
    Positionnement.objects.bulk_create(
        [
            Positionnement(
                offre=qualifiees[i % 350],
                participant=participant,
                statut=aleatoire.choice(StatutPositionnement.values),
                derniere_etape_le=aleatoire.choice(jours),
                cree_par=participant.referent,
            )
            for i, participant in enumerate(participants)
        ],
        batch_size=1000,
    )

    # 120 interactions with 80 companies, 12 events, 15 actions with their attendance.
    entreprises = Entreprise.objects.bulk_create(
        [Entreprise(nom=f"{PREFIXE} entreprise {i:03d}", commune=aleatoire.choice(communes)) for i in range(80)]
    )
    Interaction.objects.bulk_create(
        [
            Interaction(
                entreprise=entreprises[i % 80],
                date=aleatoire.choice(jours),
                auteur=charge,
                type=aleatoire.choice(TypeInteraction.values),
                resume="Point sur les recrutements.",
            )
            for i in range(120)
        ]
    )
    for i in range(12):
        jour = ouvres[i]
        evenement = Evenement.objects.create(
            titre=f"{PREFIXE} forum {i}",
            type="forum",
            debut=_moment(aleatoire, jour),
            fin=_moment(aleatoire, jour) + datetime.timedelta(hours=12),
            lieu="Dijon",
            cree_par=charge,
        )
        evenement.participants_plie.add(charge)
    presences = [Presence.PRESENT, Presence.PRESENT, Presence.ABSENT, Presence.EXCUSE]
    for i in range(15):
        action = ActionCollective.objects.create(
            type=TypeAction.ATELIER,
            titre=f"{PREFIXE} atelier {i}",
            date=ouvres[i],
            heure_debut=datetime.time(9),
            heure_fin=datetime.time(12),
            lieu="Maison de l'emploi",
            animateur=charge,
            capacite=12,
            statut=StatutAction.ANNULEE if i == 14 else StatutAction.REALISEE,
            cree_par=charge,
        )
        Inscription.objects.bulk_create(
            [
                Inscription(
                    action=action,
                    participant=participant,
                    inscrit_par=charge,
                    presence_matin=aleatoire.choice(presences),
                )
                for participant in aleatoire.sample(participants, 10)
            ]
        )

    # 200 training needs, and 21 working days of agenda (3 lines a day).
    domaines = list(DomaineFormation.objects.order_by("libelle"))
    BesoinFormation.objects.bulk_create(
        [
            BesoinFormation(
                participant=participants[i % 300],
                domaine=aleatoire.choice(domaines),
                intitule=f"Formation {i}",
                type=aleatoire.choice(TypeBesoin.values),
                statut=aleatoire.choice(StatutBesoin.values),
                exprime_le=aleatoire.choice(jours),
                cree_par=participants[i % 300].referent,
            )
            for i in range(200)
        ]
    )
    categories = list(CategorieActivite.objects.filter(actif=True).order_by("ordre"))
    semaines = {}
    for jour in ouvres:
        lundi = jour - datetime.timedelta(days=jour.weekday())
        if lundi not in semaines:
            semaines[lundi] = SemaineAgenda.objects.create(salarie=charge, lundi=lundi)
    LigneAgenda.objects.bulk_create(
        [
            LigneAgenda(
                semaine=semaines[jour - datetime.timedelta(days=jour.weekday())],
                date=jour,
                categorie=categories[(n + k) % len(categories)],
                heures=Decimal(h),
            )
            for n, jour in enumerate(ouvres)
            for k, h in enumerate(["3.5", "2.5", "1"])
        ]
    )
    return charge


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
    parser.add_argument("--offres", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()

    mois = services.mois_precedent(timezone.localdate())
    nettoyer()
    try:
        t0 = time.perf_counter()
        charge = creer(mois, options.offres)
        print(f"Base : {connection.vendor} · mois de {mois:%m/%Y} créé en {time.perf_counter() - t0:.1f} s")
        activite = activite_mensuelle(charge, mois)
        debut, fin = bornes_horodatees(activite.periode)
        assert debut.date() == mois and fin.date() == activite.periode.fin + datetime.timedelta(days=1)
        print(
            f"{activite.collectees} offres collectées, {activite.qualifiees} qualifiées, "
            f"{activite.diffusees} diffusées, {activite.positionnements} positionnements, "
            f"{activite.interactions} échanges ({activite.nb_entreprises} entreprises), "
            f"{len(activite.evenements)} événements, {len(activite.actions)} actions, "
            f"{activite.besoins} besoins, {activite.heures} h d'agenda"
        )
        with CaptureQueriesContext(connection) as requetes:
            activite_mensuelle(charge, mois)
        figures = mediane(lambda: activite_mensuelle(charge, mois), options.runs)

        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            rapport = services.rapport_obtenir(salarie=charge, mois=mois)
            pages = []

            def generer():
                resultat = services.generer(rapport)
                assert resultat.statut == RapportMensuel.Statut.PRET, resultat.erreur
                pages.append(resultat.fichier.size)

            generation = mediane(generer, options.runs)
            taille = pages[-1]

        print(f"{'mesure (médiane de ' + str(options.runs) + ' exécutions à chaud)':<52} {'durée':>10}")
        print(f"{'activite_mensuelle (chiffres, ' + str(len(requetes)) + ' requêtes)':<52} {figures:>8.3f} s")
        print(f"{'services.generer (chiffres + PDF + stockage)':<52} {generation:>8.3f} s")
        print(f"PDF : {taille / 1024:.0f} Kio")
        print(f"RESULTAT rapport_mensuel_s={generation:.3f} cible_s={CIBLE_S:g}")
        ok = generation < CIBLE_S
        print(f"Cible : PDF sous {CIBLE_S:g} s → {'atteinte' if ok else 'MANQUÉE'}")
        return 0 if ok else 1
    finally:
        nettoyer()


if __name__ == "__main__":
    sys.exit(main())
