"""Benchmark of the participants workbook import (not collected by pytest).

    .venv/bin/python tests/bench_import.py [--participants 10000] [--situations 30000]

Runs against the configured database (``DATABASE_URL``, SQLite by default) after ``migrate``:
generates a plausible workbook in a temporary directory (valid communes, levels and référents,
creating the référents it needs), times a first import and a re-import of the same file (which
must change nothing), then deletes what it created (participants ``BENCH-…`` and its référents).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from participants import classeur  # noqa: E402
from participants.models import HistoriqueReferent, Participant  # noqa: E402
from plie.models import Commune, User  # noqa: E402
from plie.roles import Role  # noqa: E402
from tests.bench_journaux import oublier_journaux_des, sans_journal_des_modifications  # noqa: E402

PREFIXE = "BENCH-"
DOMAINE_REFERENTS = "bench.plie.invalid"
NOMS = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre"]
PRENOMS_F = ["Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Aïcha", "Nathalie", "Sophie", "Zoé"]
PRENOMS_M = ["Lucas", "Hugo", "Karim", "Mathis", "Nicolas", "Jérôme", "Théo", "Mamadou", "Julien", "Éric"]
NIVEAUX = ["infra 3", "3", "4", "5", "VI", "Vbis", "V", "IV"]
TYPES = ["CDI", "CDD", "INTERIM", "CONTRAT_AIDE", "ACI", "FORMATION_QUALIFIANTE", "FORMATION", "CREATION"]


def referents(n=14):
    groupe = Group.objects.get(name=Role.REFERENT.group_name)
    emails = []
    for i in range(n):
        email = f"referent{i:02d}@{DOMAINE_REFERENTS}"
        user, _ = User.objects.get_or_create(
            email=email, defaults={"first_name": "Référent", "last_name": f"Bench {i}"}
        )
        user.groups.add(groupe)
        emails.append(email)
    return emails


def jj(jour):
    return jour.strftime("%d/%m/%Y")


def generer(chemin, nb_participants, nb_situations, emails, graine=2026):
    aleatoire = random.Random(graine)
    today = date.today()
    communes = sorted({c.insee for c in Commune.objects.valides_le(today)})
    wb = Workbook(write_only=True)
    feuille = wb.create_sheet("participants")
    feuille.append(list(classeur.COLONNES_PARTICIPANTS))
    naissances = {}
    for i in range(nb_participants):
        sexe = aleatoire.choice("FM")
        naissance = today - timedelta(days=aleatoire.randint(18 * 365, 64 * 365))
        entree = today - timedelta(days=aleatoire.randint(0, 900)) if aleatoire.random() < 0.8 else None
        naissances[i] = naissance
        feuille.append(
            [
                f"{PREFIXE}{i:06d}",
                aleatoire.choice(NOMS),
                aleatoire.choice(PRENOMS_F if sexe == "F" else PRENOMS_M),
                sexe,
                jj(naissance) if i % 2 else naissance.isoformat(),
                aleatoire.choice(communes),
                "non",
                aleatoire.choice(NIVEAUX),
                jj(entree) if entree else "",
                aleatoire.choice(emails),
                "oui",
                "oui",
                aleatoire.choice(["oui", "o", "1", "x"]),
                jj(today - timedelta(days=aleatoire.randint(100, 1500))),
                aleatoire.choice(["RSA", "ASS", "", "AAH", ""]),
                aleatoire.choice(["oui", "non"]),
                aleatoire.choice(["oui", "non"]),
                aleatoire.choice(["non", "non", "oui"]),
                "non",
                aleatoire.choice(["non", "non", "non", "oui"]),
            ]
        )
    feuille = wb.create_sheet("situations")
    feuille.append(list(classeur.COLONNES_SITUATIONS))
    for k in range(nb_situations):
        i = k % nb_participants
        debut = today - timedelta(days=aleatoire.randint(0, 700))
        fin = debut + timedelta(days=aleatoire.randint(10, 300)) if aleatoire.random() < 0.6 else None
        feuille.append(
            [
                f"{PREFIXE}{i:06d}",
                aleatoire.choice(TYPES),
                jj(debut),
                jj(debut + timedelta(days=180)),
                jj(fin) if fin else "",
                aleatoire.choice(["35", "24,5", "17.5", "", "20"]),
                aleatoire.choice(["oui", "non"]),
                f"Employeur {aleatoire.randint(1, 500)}",
                "",
            ]
        )
    wb.save(chemin)


@sans_journal_des_modifications()
def nettoyer():
    ids = list(Participant.objects.filter(identifiant__startswith=PREFIXE).values_list("pk", flat=True))
    for debut in range(0, len(ids), 900):
        lot = ids[debut : debut + 900]
        HistoriqueReferent.objects.filter(participant_id__in=lot).delete()
        Participant.objects.filter(pk__in=lot).delete()  # cascades to situations
    oublier_journaux_des(User.objects.filter(email__endswith=f"@{DOMAINE_REFERENTS}"))
    User.objects.filter(email__endswith=f"@{DOMAINE_REFERENTS}").delete()


def chronometrer(chemin):
    debut = time.perf_counter()
    lecture = classeur.lire_classeur(str(chemin), chemin.name)
    lu = time.perf_counter()
    resultat = classeur.importer(lecture)
    fin = time.perf_counter()
    return lu - debut, fin - lu, resultat


CIBLE_S = 60  # issue « Scale and speed »: 10 000 rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--situations", type=int, default=30_000)
    options = parser.parse_args()

    nettoyer()
    try:
        emails = referents()
        with tempfile.TemporaryDirectory() as dossier:
            chemin = Path(dossier) / "bench-participants.xlsx"
            t0 = time.perf_counter()
            generer(chemin, options.participants, options.situations, emails)
            generation = time.perf_counter() - t0
            taille = chemin.stat().st_size
            premiere = chronometrer(chemin)
            seconde = chronometrer(chemin)
        moteur = connection.vendor
        print(
            f"Base : {moteur} · {options.participants} participants, {options.situations} situations · "
            f"classeur {taille / 1024 / 1024:.1f} Mo généré en {generation:.1f} s"
        )
        print(f"{'passe':<14}{'lecture (s)':>12}{'import (s)':>12}{'total (s)':>11}  résultat")
        for nom, (lecture, ecriture, resultat) in (("1er import", premiere), ("réimport", seconde)):
            print(f"{nom:<14}{lecture:>12.1f}{ecriture:>12.1f}{lecture + ecriture:>11.1f}  {resultat.resume}")
        total = premiere[0] + premiere[1]
        print(f"RESULTAT import_10000_s={total:.1f} reimport_s={seconde[0] + seconde[1]:.1f} cible_s={CIBLE_S}")
        print(f"Cible : import sous {CIBLE_S} s → {'atteinte' if total < CIBLE_S else 'MANQUÉE'}")
        r = seconde[2]
        if (r.crees, r.modifies, r.situations_creees, r.situations_supprimees) != (0, 0, 0, 0):
            print("ÉCHEC : le réimport a modifié des données.", file=sys.stderr)
            return 1
        return 0 if total < CIBLE_S else 1
    finally:
        nettoyer()


if __name__ == "__main__":
    sys.exit(main())
