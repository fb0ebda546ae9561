"""The benchmarks' data set at a chosen scale: one PLIE at scale 1, a region at scale 100
(not collected by pytest).

    .venv/bin/python tests/bench_echelle.py --scale N [--rebuild]
                                            [--server-url postgres://postgres@127.0.0.1:5432]

Builds (or reuses) the PostgreSQL database ``plie_bench_echelle_<N>`` on the server of
``--server-url``. The database is cloned from a migrated template (``plie_bench_echelle_modele``,
created and migrated the first time, migrated again only when a migration is missing: a clone
takes a second where ``migrate`` takes a minute), then the data are built in SQL on the server
(``INSERT … SELECT generate_series``, fixed seeds through ``setseed``: a day's builds are
identical), on two connections at a time, with the indexes dropped and built again afterwards;
then every table is ``VACUUM ANALYZE``d and every foreign key checked. Each step prints its row
count and seconds, then the total build time and the final counts. The table ``bench_manifeste``
records what was built: a later run reuses the data when the scale and ``VERSION`` match (bump
``VERSION`` when the data set changes; ``--rebuild`` drops the database and builds it again, which
also brings its dates up to today). Migrations added since the build are applied to the data kept
(``migrate``); when a migration it had applied was edited since, the data set is built again. Runs
of the same scale wait for each other (advisory lock). Exit code 0 on success.

Build times on this machine (2 cores shared with other work, so they vary): scale 1 ≈ 10 s,
scale 10 ≈ 45–65 s, scale 100 ≈ 4½–6½ min.

From other scripts (without ``django.setup()``: they set ``DATABASE_URL`` to the URL returned,
then set Django up in their own process)::

    from tests.bench_echelle import COMPTES, COMPTES_MOT_DE_PASSE, assurer_jeu, url_de_la_base
    url = assurer_jeu(10)  # builds plie_bench_echelle_10 in a subprocess if needed

Accounts (``COMPTES``, all with the password ``COMPTES_MOT_DE_PASSE``): the coordinatrice, the
chargée de mission (``charge``, keeps an FSE agenda), ``referent-001`` (a typical caseload, keeps an
FSE agenda), the auditeur FSE and the administrateur (``is_staff``, ``is_superuser``). Users are in
the Django groups of their role (``plie.roles``).

Volumes at scale N (rounded; measured figures in the final counts):

- staff: 14·N référents (``referent-001`` …), N chargé(e)s de mission (``charge``, ``charge-002`` …),
  one coordinatrice, one auditeur FSE, one administrateur; 3·N keep an FSE agenda (``agenda_fse``):
  the N chargé(e)s and 2·N référents (``referent-001``, ``referent-008``, ``referent-015`` …);
- 1 500·N participants in order of candidacy over the last five years: ~5 % candidates (candidacy
  within the last 50 days, awaiting the commission), 2 % not admitted (refusal), the others entered,
  then exited 6–36 months later when that time is up (motives weighted as in ``plie.demo``, 49 %
  positive) or still in accompaniment; 49 % women, 18–62 years old at entry, 75 % at level ≤ 3,
  ~35 % in a QPV valid at their date (living in its commune), ~50 % on the RSA, eligibility facts
  that hold (5 % of entries are derogations), 1–2 target ROME codes for those who entered;
- one ``HistoriqueReferent`` per participant (open while followed), one commission decision per
  entry or refusal, one ``Sortie`` per exit, an entry diagnostic for ~70 % of entries, 1–3 pathway
  steps per entry, ``DonneesFseParticipant`` for ~92 % of entries (results upon leaving, 6-month
  follow-ups);
- entretiens about once a month during the accompaniment, the last 12 months at most (~10 per
  participant: ~15 000·N);
- 10 000·N offers collected over five years (statuses as in ``bench_tableau``: 20 % diffused, then
  closed as filled or withdrawn after 60 days; 10 % qualified, expired after 60 days; 25 % discarded;
  the others in the review queue for 30 days, then discarded as stale, expired after 60 days; the
  chargé(e)s qualify and discard in turn), 40 % linked to a company, each with its ``LienSource``
  (85 % France Travail, 15 % manual entry, 5 % seen in both sources a day later) and
  ``source_origine`` = the source of its first link; 3 ``Diffusion`` rows per diffused offer
  (référents in turn);
- ~20 000·N positionnements on diffused offers (unique per offer × participant) of participants in
  accompaniment at the time, by their référent; the open ones are those of the last 60 days; each
  with its ``EtapePositionnement`` rows along the transitions of ``offres.rules`` (~2.5 each, 10 % of
  the positionnements reach « retenu »);
- 300·N companies (unique valid SIRETs, NAF code and sector from ``entreprises.factories``),
  ~0.6 contact each, 200·N exchanges with them, 200·N training needs, one budget per calendar year;
- FSE agendas: for each of the 3·N staff, every week of the last five years (``SemaineAgenda``) with
  ~18 ``LigneAgenda`` (4–5 lines a working day, 7 h, a day off now and then, public holidays left
  empty), all validated by the coordinatrice but the last 4 weeks (submitted, sent back, draft).

At scale 100: 150 000 participants, ~1.5 M entretiens, 1 M offers, 2 M positionnements, ~5 M steps,
~1.5 M agenda lines, about 14 M rows in all (3.2 GB).
"""

import argparse
import contextlib
import datetime
import json
import os
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from urllib.parse import urlparse

RACINE = Path(__file__).resolve().parent.parent

VERSION = 1
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DEFAULT = DEFAULT_SERVER_URL
PREFIXE_BASE = "plie_bench_echelle_"
MODELE = "plie_bench_echelle_modele"
DOMAINE = "bench.plie.invalid"
COMPTES_MOT_DE_PASSE = "Bench-plie-2026!"
COMPTES = {
    "coordinatrice": f"coordinatrice@{DOMAINE}",
    "charge": f"charge@{DOMAINE}",
    "referent": f"referent-001@{DOMAINE}",
    "auditeur": f"auditeur@{DOMAINE}",
    "administrateur": f"admin@{DOMAINE}",
}
# Advisory locks on the server: one per scale for a whole run (two runs of the same scale wait for
# each other, the second then reuses the data), one for the template while it is migrated and cloned.
VERROU = 0x62656E6300
VERROU_MODELE = VERROU - 1

# Volumes at scale 1 (multiplied by the scale).
REFERENTS = 14
CHARGES = 1
PARTICIPANTS = 1_500
OFFRES = 10_000
POSITIONNEMENTS = 20_000
ENTREPRISES = 300
INTERACTIONS = 200
BESOINS = 200
# Per row of the scale-independent kinds.
REFERENTS_AGENDA_TOUS_LES = 7  # référents 001, 008, 015…: 2 per 14
DIFFUSIONS_PAR_OFFRE = 3
ENTRETIENS_MOIS_MAX = 12


def url_de_la_base(scale, server_url=DEFAULT_SERVER_URL):
    """The URL of the database of ``scale`` on the server of ``server_url``."""
    return urlparse(server_url)._replace(path=f"/{PREFIXE_BASE}{int(scale)}").geturl()


def _connecter(server_url, base="postgres"):
    import psycopg2

    parsed = urlparse(server_url)
    connexion = psycopg2.connect(
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=base,
    )
    connexion.autocommit = True
    return connexion


def _manifeste(scale, server_url):
    """The manifest of the database of ``scale`` at ``VERSION`` (whatever its migrations), or None."""
    import psycopg2

    try:
        connexion = _connecter(server_url, f"{PREFIXE_BASE}{int(scale)}")
    except psycopg2.OperationalError:
        return None
    try:
        with connexion.cursor() as curseur:
            curseur.execute("SELECT to_regclass('bench_manifeste') IS NOT NULL")
            if not curseur.fetchone()[0]:
                return None
            curseur.execute(
                "SELECT scale, version, construit_le, secondes, comptes, to_jsonb(m) -> 'migrations' "
                "FROM bench_manifeste AS m ORDER BY construit_le DESC LIMIT 1"
            )
            ligne = curseur.fetchone()
    finally:
        connexion.close()
    if ligne is None or ligne[0] != int(scale) or ligne[1] != VERSION:
        return None
    cles = ("scale", "version", "construit_le", "secondes", "comptes", "migrations")
    return {**dict(zip(cles, ligne, strict=True)), "migrations": ligne[5] or {}}


def lire_manifeste(scale, server_url=DEFAULT_SERVER_URL):
    """What the database of ``scale`` holds (a dict), or None if it is missing, incomplete, of
    another ``VERSION`` or behind the project's migrations."""
    manifeste = _manifeste(scale, server_url)
    if manifeste is None or manifeste["migrations"] != _empreintes_migrations():
        return None
    return manifeste


def assurer_jeu(scale, rebuild=False, server_url=DEFAULT_SERVER_URL):
    """The URL of the database of ``scale``, built first (in a subprocess) when needed."""
    if rebuild or lire_manifeste(scale, server_url) is None:
        commande = [sys.executable, str(Path(__file__).resolve()), "--scale", str(int(scale))]
        commande += ["--server-url", server_url] + (["--rebuild"] if rebuild else [])
        subprocess.run(commande, check=True, cwd=RACINE)
    return url_de_la_base(scale, server_url)


# --- The database ----------------------------------------------------------------------------


def _base_existe(admin, nom):
    with admin.cursor() as curseur:
        curseur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom])
        return curseur.fetchone() is not None


def _empreintes_migrations():
    """{file: sha256} of the project's migrations: a migration edited after the template applied
    it (they change while the project is worked on) means a template built again from scratch."""
    import hashlib

    return {
        str(chemin.relative_to(RACINE)): hashlib.sha256(chemin.read_bytes()).hexdigest()
        for chemin in sorted(RACINE.glob("*/migrations/*.py"))
    }


def _cloner_modele(admin, nom, empreintes):
    """CREATE DATABASE ``nom`` from the template migrated to the migrations of ``empreintes``;
    Django's connection points at it after."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    with admin.cursor() as curseur:
        curseur.execute("SELECT pg_advisory_lock(%s)", [VERROU_MODELE])
        try:
            connection.settings_dict["NAME"] = MODELE
            if _base_existe(admin, MODELE):
                with connection.cursor() as modele:
                    modele.execute("SELECT to_regclass('bench_modele') IS NOT NULL")
                    anciennes = None  # a template of unknown migrations
                    if modele.fetchone()[0]:
                        modele.execute("SELECT fichier, empreinte FROM bench_modele")
                        anciennes = dict(modele.fetchall())
                connection.close()
                if anciennes is None or any(empreintes.get(f) != e for f, e in anciennes.items()):
                    print(f"  migrations modifiées depuis la création du modèle : {MODELE} recréé", flush=True)
                    curseur.execute(f'DROP DATABASE "{MODELE}" WITH (FORCE)')
            if not _base_existe(admin, MODELE):
                curseur.execute(f'CREATE DATABASE "{MODELE}"')
            executeur = MigrationExecutor(connection)
            plan = executeur.migration_plan(executeur.loader.graph.leaf_nodes())
            if plan:
                debut = time.perf_counter()
                print(f"  migrate du modèle {MODELE} ({len(plan)} migrations)…", flush=True)
                call_command("migrate", "--noinput", verbosity=0)
                with connection.cursor() as modele:
                    modele.execute("CREATE TABLE IF NOT EXISTS bench_modele (fichier text PRIMARY KEY, empreinte text)")
                    modele.execute("TRUNCATE bench_modele")
                    modele.execute(
                        "INSERT INTO bench_modele SELECT * FROM unnest(%s::text[], %s::text[])",
                        [list(empreintes), list(empreintes.values())],
                    )
                print(f"  modèle migré en {time.perf_counter() - debut:.1f} s", flush=True)
            connection.close()
            for essai in range(50):  # the template's last backend may take a moment to go
                try:
                    curseur.execute(f'CREATE DATABASE "{nom}" TEMPLATE "{MODELE}"')
                    break
                except Exception as erreur:
                    if "being accessed by other users" not in str(erreur) or essai == 49:
                        raise
                    time.sleep(0.2)
        finally:
            curseur.execute("SELECT pg_advisory_unlock(%s)", [VERROU_MODELE])
    connection.settings_dict["NAME"] = nom
    with connection.cursor() as curseur:
        curseur.execute("DROP TABLE IF EXISTS bench_modele")
    executeur = MigrationExecutor(connection)
    if executeur.migration_plan(executeur.loader.graph.leaf_nodes()):
        call_command("migrate", "--noinput", verbosity=0)


# --- The data set ----------------------------------------------------------------------------

PRENOMS_F = [
    "Camille", "Inès", "Léa", "Aïcha", "Nathalie", "Sophie", "Fatoumata", "Sandrine", "Julie", "Manon",
    "Samia", "Céline", "Émilie", "Khadija", "Laetitia", "Marie", "Nadia", "Sarah", "Valérie", "Yasmine",
]  # fmt: skip
PRENOMS_M = [
    "Karim", "Hugo", "Mehdi", "Yanis", "Thomas", "Mamadou", "Julien", "Nicolas", "Sofiane", "Kevin",
    "Anthony", "David", "Mohamed", "Romain", "Sébastien", "Bilal", "Jérôme", "Lucas", "Christophe", "Ibrahim",
]  # fmt: skip
NOMS = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand",
    "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin",
    "Benali", "Haddad", "Diallo", "Traoré", "Nguyen", "Da Silva", "Ferreira", "Yilmaz", "Kaya", "Boukhari",
]  # fmt: skip
VOIES = [
    "rue de la Liberté", "avenue du Drapeau", "rue Jean-Jaurès", "boulevard de Chicago", "rue des Marmuzots",
    "allée de Grenoble", "rue d'Auxonne", "avenue Gustave-Eiffel", "rue du Faubourg-Raines", "place Galilée",
]  # fmt: skip
STRUCTURES = [
    "Mission locale", "Maison de l'emploi et de la formation", "CCAS", "Association Tremplin Emploi",
    "Association Itinéraires Insertion", "Association Le Pont Solidaire",
]  # fmt: skip
# Where people live outside a QPV (INSEE code: weight, as in plie.demo); other communes weigh 1.
COMMUNES_POIDS = {
    "21231": 48, "21166": 8, "21617": 6, "21355": 6, "21515": 5, "21540": 5, "21171": 4, "21278": 4,
    "21390": 4, "21605": 3, "21452": 2, "21473": 2,
}  # fmt: skip
NIVEAUX_POIDS = {"infra3": 40, "3": 35, "4": 16, "5": 6, "6": 3}
# Exit motives (per cent, as plie.demo; the senior-ACI share goes to CDD: it needs a validation).
MOTIFS_POIDS = {
    "CDI": 11, "CDD": 15, "INTERIM": 8, "FORMATION_QUALIFIANTE": 9, "CREATION": 2, "CONTRAT_AIDE": 4,
    "ABANDON": 15, "DEMENAGEMENT": 7, "SANTE": 8, "FIN_SANS_SOLUTION": 15, "AUTRE": 6,
}  # fmt: skip
CONTRATS_POIDS = {"CDI": 30, "CDD": 34, "INTERIM": 14, "PEC_CUI_CAE": 6, "CDDI_EI": 6, "SAISONNIER": 5}
CONTRATS_A_DUREE = ["CDD", "PEC_CUI_CAE", "CDDI_EI", "SAISONNIER"]
# Offer titles and their ROME code (offers of the same title share the code, for the matching).
INTITULES = [
    ("Agent d'entretien des locaux", "K2204"), ("Préparateur de commandes", "N1103"),
    ("Aide à domicile", "K1302"), ("Serveur en restauration", "G1803"), ("Maçon", "F1703"),
    ("Employé libre-service", "D1507"), ("Cariste", "N1101"), ("Agent de sécurité", "K2503"),
    ("Plongeur", "G1605"), ("Manutentionnaire", "N1105"), ("Agent de propreté urbaine", "K2303"),
    ("Commis de cuisine", "G1602"), ("Hôte de caisse", "D1505"), ("Peintre en bâtiment", "F1606"),
    ("Chauffeur livreur", "N4105"), ("Opérateur de conditionnement", "H3301"),
    ("Agent de service hospitalier", "J1301"), ("Employé polyvalent de restauration", "G1603"),
    ("Ouvrier des espaces verts", "A1203"), ("Téléconseiller", "D1408"),
]  # fmt: skip
DESCRIPTION = (
    "Au sein d'une équipe de dix personnes, vous assurez les missions du poste après une période "
    "d'intégration avec un tuteur. Travail du lundi au vendredi, horaires de journée, poste accessible "
    "en transports en commun. Débutants acceptés, une première expérience est un plus."
)
SALAIRES = ["SMIC horaire", "SMIC + primes", "11,88 € à 12,50 € brut de l'heure", "1 850 € brut mensuel"]
NOTES_ENTRETIEN = [
    "Point sur les démarches du mois, CV mis à jour.",
    "Préparation d'un entretien d'embauche, simulation.",
    "Point sur la mobilité : demande d'aide au permis en cours.",
    "Bilan de l'immersion en entreprise, retours positifs de l'employeur.",
    "Échange sur les offres diffusées, deux candidatures envoyées.",
    "Point santé et logement, orientation vers le CCAS.",
]
SUITES = ["Relancer l'employeur", "Envoyer deux candidatures", "Prendre rendez-vous au CCAS", "Préparer l'atelier CV"]
ETAPES = [
    ("remobilisation", "Atelier de remobilisation", "Association Tremplin Emploi"),
    ("formation", "Formation aux savoirs de base", "GRETA 21"),
    ("pmsmp", "Immersion en entreprise (PMSMP)", "Entreprise d'accueil"),
    ("iae", "Contrat en chantier d'insertion", "Jardins de Cocagne"),
    ("emploi", "Recherche d'emploi accompagnée", ""),
    ("mobilite", "Aide au permis B", "Auto-école sociale"),
    ("sante", "Bilan de santé", "CPAM de Côte-d'Or"),
    ("logement", "Démarches de logement", "CCAS"),
]
RESUMES = [
    "Présentation du PLIE et de son public, intérêt pour des candidatures en immersion.",
    "Point sur les besoins de recrutement du trimestre.",
    "Visite de l'entrepôt et des postes de préparation de commandes.",
    "Relance au sujet de l'offre diffusée le mois dernier.",
    "Rencontre au forum de l'emploi, échange de coordonnées.",
]
FORMATIONS = [
    "CACES R489 cat. 1, 3 et 5", "Titre professionnel agent de propreté et d'hygiène", "Permis B",
    "Français langue étrangère (FLE)", "CléA", "SST (sauveteur secouriste du travail)",
    "Titre professionnel assistant de vie aux familles", "Habilitation électrique",
]  # fmt: skip
CATEGORIES_CHARGE = [
    "prospection-offres", "relation-entreprises", "administratif", "animation-reseau-referents",
    "evenements", "reunions-structure-animation", "formation",
]  # fmt: skip
CATEGORIES_REFERENT = [
    "accompagnement-participants", "administratif", "reunions-structure-animation", "relation-entreprises",
    "formation",
]  # fmt: skip

TABLES = [
    "plie_user",
    "plie_user_groups",
    "participants_participant",
    "participants_participant_metiers_vises",
    "participants_historiquereferent",
    "participants_decisioncommission",
    "participants_sortie",
    "participants_diagnosticentree",
    "participants_etape",
    "participants_entretien",
    "fse_donneesfseparticipant",
    "entreprises_entreprise",
    "entreprises_contact",
    "entreprises_interaction",
    "offres_offre",
    "offres_liensource",
    "offres_diffusion",
    "offres_positionnement",
    "offres_etapepositionnement",
    "formation_besoinformation",
    "reporting_budget",
    "fse_semaineagenda",
    "fse_ligneagenda",
]


def _pondere(poids, cles):
    """A list where each key of ``cles`` (key → value) appears as many times as its weight."""
    return [cles[k] for k, w in poids.items() if k in cles for _ in range(w)]


def _afficher(ligne):
    """One line at once (the build's connections run in threads)."""
    sys.stdout.write(ligne + "\n")
    sys.stdout.flush()


def _etape(curseur, titre, sql, params=None):
    debut = time.perf_counter()
    curseur.execute(sql, {} if params is None else params)  # {}: %% is always an escaped %
    lignes = curseur.rowcount
    _afficher(f"  {titre:<48} {lignes:>10} lignes  {time.perf_counter() - debut:7.1f} s")
    return lignes


def _personnel(scale, today):
    """The staff accounts as rows: (email, first name, last name, structure, role, agenda_fse, admin)."""
    from plie.roles import Role

    rangs = []
    rangs.append((COMPTES["coordinatrice"], "Catherine", "Bernard", "PLIE", Role.COORDINATRICE, False, False))
    for k in range(1, CHARGES * scale + 1):
        email = COMPTES["charge"] if k == 1 else f"charge-{k:03d}@{DOMAINE}"
        prenom = "Antoine" if k == 1 else PRENOMS_F[k % 20] if k % 2 else PRENOMS_M[k % 20]
        rangs.append((email, prenom, NOMS[(k * 7) % 50], "PLIE", Role.CHARGE_MISSION, True, False))
    for k in range(1, REFERENTS * scale + 1):
        prenom = PRENOMS_F[k % 20] if k % 2 else PRENOMS_M[k % 20]
        structure = f"{STRUCTURES[k % len(STRUCTURES)]} {1 + (k - 1) // 14}"
        agenda = (k - 1) % REFERENTS_AGENDA_TOUS_LES == 0
        rangs.append(
            (f"referent-{k:03d}@{DOMAINE}", prenom, NOMS[(k * 13) % 50], structure, Role.REFERENT, agenda, False)
        )
    rangs.append(
        (COMPTES["auditeur"], "Philippe", "Renaud", "Organisme intermédiaire FSE", Role.AUDITEUR_FSE, False, False)
    )
    rangs.append((COMPTES["administrateur"], "Hélène", "Marchand", "PLIE", Role.ADMINISTRATEUR, False, True))
    return rangs


def _entreprises(scale):
    """The companies as column arrays (names, SIRETs, NAF codes, sectors…), built in Python."""
    from entreprises.factories import ACTIVITES, LIEUX, siret_valide
    from entreprises.models import SecteurActivite
    from entreprises.rules import normaliser_nom, secteur_pour_naf

    secteurs = list(SecteurActivite.objects.all())
    colonnes = {k: [] for k in ("nom", "siret", "naf", "secteur", "secteur_id", "normalise")}
    vus = set()
    for k in range(ENTREPRISES * scale):
        activite = ACTIVITES[(k * 7 + k // len(ACTIVITES)) % len(ACTIVITES)]
        modele = activite.noms[(k // len(ACTIVITES)) % len(activite.noms)]
        nom = modele.format(nom=NOMS[(k * 11) % 50], lieu=LIEUX[(k * 3) % len(LIEUX)])
        if normaliser_nom(nom) in vus:
            nom = f"{nom} {LIEUX[k % len(LIEUX)]}"
        if normaliser_nom(nom) in vus:
            nom = f"{nom} {k}"
        vus.add(normaliser_nom(nom))
        secteur = secteur_pour_naf(activite.code_naf, secteurs)
        colonnes["nom"].append(nom)
        colonnes["siret"].append(siret_valide(f"79{k:06d}", f"{1 + k % 3:04d}"))
        colonnes["naf"].append(activite.code_naf)
        colonnes["secteur"].append(activite.secteur)
        colonnes["secteur_id"].append(secteur.pk if secteur else None)
        colonnes["normalise"].append(normaliser_nom(nom))
    return colonnes


def _parametres(scale, today, personnel):
    import holidays
    from django.contrib.auth.models import Group

    from formation.models import DomaineFormation, StatutBesoin, TypeBesoin, Urgence
    from fse.models import CategorieActivite
    from offres.models import Source
    from plie.models import Commune, MetierRome, NiveauFormation, TypeContrat, User
    from plie.roles import Role

    debut = today.replace(year=today.year - 5)
    ids = dict(User.objects.filter(email__endswith=f"@{DOMAINE}").values_list("email", "pk"))
    referents = [ids[r[0]] for r in personnel if r[4] == Role.REFERENT]
    charges = [ids[r[0]] for r in personnel if r[4] == Role.CHARGE_MISSION]
    agendas = [ids[r[0]] for r in personnel if r[5]]
    communes = dict(Commune.objects.valides_le(today).values_list("insee", "pk"))
    poids_communes = {**dict.fromkeys(communes, 1), **COMMUNES_POIDS}
    sources = dict(Source.objects.values_list("nom", "pk"))
    ft = sources.get("france-travail") or min(sources.values())
    saisie = sources.get("saisie") or next((pk for pk in sources.values() if pk != ft), ft)
    types = dict(TypeContrat.objects.values_list("code", "pk"))
    romes = dict(MetierRome.objects.values_list("code", "pk"))
    categories = dict(CategorieActivite.objects.values_list("code", "pk"))
    lundi_courant = today - datetime.timedelta(days=today.weekday())
    lundi0 = debut - datetime.timedelta(days=debut.weekday())
    feries = holidays.France(years=range(lundi0.year, today.year + 1))
    groupes = dict(Group.objects.values_list("name", "pk"))
    return {
        "scale": scale,
        "today": today,
        # "Now" for the timestamps: the start of the day, so that a day's builds are the same.
        "maintenant": datetime.datetime.combine(today, datetime.time(0), tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        "debut": debut,
        "jours": (today - debut).days,
        "n": PARTICIPANTS * scale,
        "referents": referents,
        "nref": len(referents),
        "charges": charges,
        "coordinatrice": ids[COMPTES["coordinatrice"]],
        "agendas": agendas,
        "agendas_charges": [ids[r[0]] for r in personnel if r[5] and r[4] == Role.CHARGE_MISSION],
        "groupes": {role: groupes[role.group_name] for role in Role},
        "communes": _pondere(poids_communes, communes),
        "niveaux": _pondere(NIVEAUX_POIDS, dict(NiveauFormation.objects.values_list("code", "pk"))),
        "motifs": _pondere(MOTIFS_POIDS, {m: m for m in MOTIFS_POIDS}),
        "positifs": ["CDI", "CDD", "INTERIM", "FORMATION_QUALIFIANTE", "CREATION", "CONTRAT_AIDE", "SENIOR_ACI"],
        "prenoms_f": PRENOMS_F,
        "prenoms_m": PRENOMS_M,
        "noms": NOMS,
        "voies": VOIES,
        "romes_projet": [romes[code] for _, code in INTITULES if code in romes] or list(romes.values())[:1],
        "notes": NOTES_ENTRETIEN,
        "suites": SUITES,
        "etapes_types": [e[0] for e in ETAPES],
        "etapes_intitules": [e[1] for e in ETAPES],
        "etapes_structures": [e[2] for e in ETAPES],
        "nb_offres": OFFRES * scale,
        "intitules": [i for i, _ in INTITULES],
        "romes_offres": [romes.get(code) for _, code in INTITULES],
        "types": _pondere(CONTRATS_POIDS, types) or list(types.values()),
        "types_a_duree": [types[c] for c in CONTRATS_A_DUREE if c in types],
        "description": DESCRIPTION,
        "salaires": SALAIRES,
        "ft": ft,
        "saisie": saisie,
        "diffusions": min(DIFFUSIONS_PAR_OFFRE, len(referents)),
        "pas_diffusion": max(1, len(referents) // DIFFUSIONS_PAR_OFFRE),
        "nb_positionnements": POSITIONNEMENTS * scale,
        # Drawn, then kept when in accompaniment on the day (~75 %) and not a duplicate.
        "tirages": round(1.6 * POSITIONNEMENTS * scale) + 1000,
        "nb_entreprises": ENTREPRISES * scale,
        "nb_interactions": INTERACTIONS * scale,
        "resumes": RESUMES,
        "nb_besoins": BESOINS * scale,
        "domaines": list(DomaineFormation.objects.order_by("pk").values_list("pk", flat=True)),
        "formations": FORMATIONS,
        "types_besoin": TypeBesoin.values,
        "urgences": Urgence.values,
        "statuts_besoin_anciens": [StatutBesoin.TERMINE, StatutBesoin.ENTRE, StatutBesoin.ABANDONNE],
        "statuts_besoin_recents": [StatutBesoin.EXPRIME, StatutBesoin.ORIENTE, StatutBesoin.ENTRE],
        "lundi0": lundi0,
        "lundi_courant": lundi_courant,
        "feries": sorted(jour for jour in feries if lundi0 <= jour <= today),
        "cat_charge": [categories[c] for c in CATEGORIES_CHARGE if c in categories],
        "cat_referent": [categories[c] for c in CATEGORIES_REFERENT if c in categories],
        "conge": categories.get("conges-absence") or min(categories.values()),
    }


def _session(curseur):
    """The settings of every connection of the build."""
    from django.db import DatabaseError

    curseur.execute("SET synchronous_commit = off")
    curseur.execute("SET maintenance_work_mem = '1GB'")
    curseur.execute("SET work_mem = '256MB'")
    curseur.execute("SET max_parallel_workers_per_gather = 0")  # one order of random() draws
    with contextlib.suppress(DatabaseError):  # a server built without lz4 keeps its setting
        curseur.execute("SET wal_compression = lz4")  # less WAL (CREATE INDEX logs whole pages)
    # The inserts run with session_replication_role = replica: PostgreSQL fires no trigger, so
    # neither the foreign-key checks row by row (the keys are drawn from the rows just built;
    # every foreign key is checked once, set-wise, by verifier_cles() at the end) nor the lock of
    # validated FSE weeks (fse 0002), which would refuse the lines of the weeks inserted as
    # validated. Check constraints hold as always, unique ones when their indexes are rebuilt.
    # Only the build's own connections have it; they are closed at the end of their work.
    curseur.execute("SET session_replication_role = replica")


def _en_parallele(travaux, travailleurs=None):
    """Run ``travaux`` (functions of a cursor) on as many connections of their own, each set up by
    ``_session``; re-raise the first error. The machine's cores are shared: two or three
    connections keep them busy while one of them waits for the disk."""
    from concurrent.futures import ThreadPoolExecutor

    def executer(travail):
        from django.db import connection

        try:
            with connection.cursor() as curseur:
                _session(curseur)
                return travail(curseur)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=travailleurs or len(travaux)) as executeur:
        return [future.result() for future in [executeur.submit(executer, t) for t in travaux]]


def construire(scale, today):
    """Insert the whole data set (the database holds only the template's reference data), then
    build the indexes, vacuum and check the foreign keys."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from plie.roles import Role

    personnel = _personnel(scale, today)
    entreprises = _entreprises(scale)
    mot_de_passe = make_password(COMPTES_MOT_DE_PASSE)
    with connection.cursor() as curseur:
        _session(curseur)
        _etape(
            curseur,
            "comptes",
            """
            INSERT INTO plie_user (password, last_login, is_superuser, email, first_name, last_name, structure,
                                   is_active, is_staff, date_joined, agenda_fse)
            SELECT %(mdp)s, NULL, a, e, p, n, s, true, a, %(joint)s, g
            FROM unnest(%(emails)s::text[], %(prenoms)s::text[], %(noms)s::text[], %(structures)s::text[],
                        %(agendas)s::boolean[], %(admins)s::boolean[]) AS t(e, p, n, s, g, a)
            """,
            {
                "mdp": mot_de_passe,
                "joint": datetime.datetime.combine(
                    today.replace(year=today.year - 5) - datetime.timedelta(days=60),
                    datetime.time(9),
                    tzinfo=datetime.UTC,
                ),
                "emails": [r[0] for r in personnel],
                "prenoms": [r[1] for r in personnel],
                "noms": [r[2] for r in personnel],
                "structures": [r[3] for r in personnel],
                "agendas": [bool(r[5]) for r in personnel],
                "admins": [bool(r[6]) for r in personnel],
            },
        )
        p = _parametres(scale, today, personnel)
        _etape(
            curseur,
            "rôles (groupes)",
            """
            INSERT INTO plie_user_groups (user_id, group_id)
            SELECT u.id, t.groupe FROM unnest(%(emails)s::text[], %(groupes)s::bigint[]) AS t(email, groupe)
            JOIN plie_user AS u ON u.email = t.email
            """,
            {"emails": [r[0] for r in personnel], "groupes": [p["groupes"][Role(r[4])] for r in personnel]},
        )
        index = retirer_index(curseur)
    connection.close()

    # Two connections at a time, each with its own seed (setseed is per session): the people and
    # their pathways beside the companies and the offers; then the positionnements (which need
    # both) beside the agendas and the exchanges with the companies.
    def graine(valeur, travail):
        def avec_graine(curseur):
            curseur.execute("SELECT setseed(%s)", [valeur])
            travail(curseur)

        return avec_graine

    def participants(curseur):
        _participants(curseur, p)
        _parcours(curseur, p)

    def offres(curseur):
        _entreprises_du_fichier(curseur, p, entreprises)
        _offres(curseur, p)

    def positionnements(curseur):
        _positionnements(curseur, p)
        _besoins_formation(curseur, p)

    def agendas(curseur):
        _agendas(curseur, p)
        _echanges(curseur, p)

    _en_parallele([graine(0.2026, participants), graine(0.2027, offres)])
    _en_parallele([graine(0.2028, positionnements), graine(0.2029, agendas)])
    recreer_index(index)
    verifier_cles()


def _entreprises_du_fichier(curseur, p, entreprises):
    _etape(
        curseur,
        "entreprises",
        """
        INSERT INTO entreprises_entreprise (
            nom, siret, code_naf, secteur, secteur_activite_id, taille, adresse, commune_id, site_web,
            statut_relation, prerequis, nom_normalise, dernier_contact_le, cree_le)
        SELECT nom, siret, naf, secteur, secteur_id,
               (ARRAY['TPE', 'TPE', 'PME', 'PME', 'PME', 'TPE', 'PME', 'TPE', 'ETI', 'GE'])[1 + k %% 10],
               (1 + k %% 90) || ' ' || (%(voies)s::text[])[1 + k %% cardinality(%(voies)s::text[])],
               (%(communes)s::bigint[])[1 + floor(random() * cardinality(%(communes)s::bigint[]))::int], '',
               'a_contacter', '', normalise, NULL,
               %(debut)s::timestamptz - random() * interval '3 years'
        FROM unnest(%(e_nom)s::text[], %(e_siret)s::text[], %(e_naf)s::text[], %(e_secteur)s::text[],
                    %(e_secteur_id)s::bigint[], %(e_normalise)s::text[]) WITH ORDINALITY
             AS t(nom, siret, naf, secteur, secteur_id, normalise, k)
        ORDER BY k
        """,
        {**p, **{f"e_{k}": v for k, v in entreprises.items()}},
    )
    _etape(
        curseur,
        "contacts des entreprises",
        """
        INSERT INTO entreprises_contact (entreprise_id, nom, prenom, fonction, telephone, email, consentement,
                                         consentement_le, actif)
        SELECT id, (%(noms)s::text[])[1 + (id * 7) %% 50],
               (%(prenoms_f)s::text[])[1 + id %% 20],
               (ARRAY['Responsable RH', 'Gérant', 'Chef d''équipe', 'Directrice d''agence'])[1 + id %% 4],
               '03' || lpad((80000000 + id)::text, 8, '0'), 'contact' || id || '@entreprise.invalid',
               id %% 2 = 0, CASE WHEN id %% 2 = 0 THEN (cree_le AT TIME ZONE 'Europe/Paris')::date END, true
        FROM entreprises_entreprise WHERE random() < 0.6 ORDER BY id
        """,
        p,
    )


def _participants(curseur, p):
    # Layers: the draws; the status (candidates among the last 150 days, 2 % refused); the dates;
    # the eligibility facts and the QPV valid on the participant's date (living in its commune).
    _etape(
        curseur,
        "participants",
        """
        INSERT INTO participants_participant (
            identifiant, nom, prenom, sexe, date_naissance, email, telephone, adresse, commune_id,
            quartier_prioritaire_id, niveau_formation_id, autorisation_travail, consentement, consentement_date,
            qualification_insuffisante, sans_activite_depuis, minima_sociaux, situation_familiale_complexe,
            mobilite_logement, sante_handicap, suivi_cap_emploi, sous_main_justice, situation_marche_travail,
            inscrit_france_travail, reconnaissance_handicap, permis_b, vehicule, heures_hebdo_max, disponible,
            statut, date_candidature, date_entree, date_sortie, motif_sortie, referent_id, cree_le, modifie_le)
        SELECT
            'BE-' || lpad(i::text, 7, '0'), nom, prenom, sexe,
            ref - round((18 + 44 * (r_age + r_age2) / 2) * 365.25)::int,
            CASE WHEN r_contact < 0.7
                 THEN translate(lower(prenom || '.' || replace(nom, ' ', '')), 'éèêëàâäîïôöûüç', 'eeeeaaaiioouuc')
                      || '.' || i || '@courriel.invalid'
                 ELSE '' END,
            CASE WHEN r_contact < 0.95 THEN '06' || lpad(floor(r_contact * 1e8)::bigint::text, 8, '0') ELSE '' END,
            (1 + i %% 120) || ' ' || (%(voies)s::text[])[1 + i %% cardinality(%(voies)s::text[])],
            COALESCE(
                qpv_commune,
                (%(communes)s::bigint[])[1 + floor(r_commune * cardinality(%(communes)s::bigint[]))::int]),
            qpv_id,
            (%(niveaux)s::bigint[])[1 + floor(r_niveau * cardinality(%(niveaux)s::bigint[]))::int],
            true, true, candidature, statut <> 'non_admis', sans_activite, minima, famille,
            mobilite OR statut = 'non_admis' OR (NOT (famille OR (sante AND NOT cap) OR justice) AND r_force < 0.77),
            sante, cap, justice,
            CASE WHEN statut IN ('candidat', 'non_admis') THEN ''
                 WHEN NOT inscrit THEN 'INACTIF'
                 WHEN sans_activite <= ref - 365 THEN 'DELD' ELSE 'DE' END,
            inscrit, sante AND r_rqth < 0.5, permis, permis AND r_vehicule < 0.75,
            CASE WHEN r_heures < 0.2 THEN 20 + floor(r_heures * 35)::int END, r_dispo < 0.95,
            statut, candidature, entree, sortie,
            CASE WHEN statut = 'sorti'
                 THEN (%(motifs)s::text[])[1 + floor(r_motif * cardinality(%(motifs)s::text[]))::int]
                 ELSE '' END,
            (%(referents)s::bigint[])[1 + i %% %(nref)s],
            candidature + interval '10 hours',
            COALESCE(sortie, entree, candidature) + interval '11 hours'
        FROM (
            SELECT t.*, q.id AS qpv_id, q.commune_id AS qpv_commune,
                   CASE WHEN r_minima < 0.50 THEN 'RSA' WHEN r_minima < 0.57 THEN 'ASS'
                        WHEN r_minima < 0.62 THEN 'AAH' ELSE '' END AS minima,
                   CASE WHEN r_minima < 0.62 AND r_actif < 0.2
                        THEN CASE WHEN r_actif >= 0.05 THEN ref - (60 + floor(r_actif * 1500))::int END
                        ELSE ref - (400 + floor(r_actif * 1800))::int END AS sans_activite,
                   CASE WHEN sexe = 'F' THEN (%(prenoms_f)s::text[])[1 + floor(r_prenom * 20)::int]
                        ELSE (%(prenoms_m)s::text[])[1 + floor(r_prenom * 20)::int] END AS prenom,
                   (%(noms)s::text[])[1 + floor(r_nom * cardinality(%(noms)s::text[]))::int] AS nom
            FROM (
                SELECT t.*, COALESCE(entree, candidature) AS ref, sante AND cap0 AS cap,
                       CASE WHEN statut0 = 'entre' AND entree + duree <= %(today)s THEN 'sorti'
                            ELSE statut0 END AS statut,
                       CASE WHEN statut0 = 'entre' AND entree + duree <= %(today)s THEN entree + duree END AS sortie
                FROM (
                    SELECT t.*,
                           CASE WHEN statut0 = 'candidat' THEN %(today)s::date - (%(today)s::date - base) / 3
                                WHEN statut0 = 'non_admis' THEN base - 30
                                ELSE base - (14 + floor(r_cand * 60)::int) END AS candidature,
                           CASE WHEN statut0 = 'entre' THEN base END AS entree
                    FROM (
                        SELECT t.*,
                               CASE WHEN r_statut >= 0.98 THEN 'non_admis'
                                    WHEN base > %(today)s::date - 150 AND r_statut < 0.6 THEN 'candidat'
                                    ELSE 'entre' END AS statut0
                        FROM (
                            SELECT i, jour - CASE extract(isodow FROM jour) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END
                                          AS base,
                                   (182 + floor(random() * 914))::int AS duree,
                                   CASE WHEN random() < 0.49 THEN 'F' ELSE 'M' END AS sexe,
                                   random() AS r_statut, random() AS r_cand, random() AS r_age, random() AS r_age2,
                                   random() AS r_contact, random() AS r_commune, random() AS r_qpv,
                                   random() AS r_niveau, random() AS r_minima, random() AS r_actif,
                                   random() AS r_motif, random() AS r_prenom, random() AS r_nom,
                                   random() < 0.40 AS famille, random() < 0.55 AS mobilite,
                                   random() < 0.22 AS sante, random() < 0.30 AS cap0, random() < 0.05 AS justice,
                                   random() AS r_force, random() < 0.78 AS inscrit, random() AS r_rqth,
                                   random() < 0.4 AS permis, random() AS r_vehicule, random() AS r_heures,
                                   random() AS r_dispo
                            FROM generate_series(1, %(n)s) AS i,
                                 LATERAL (SELECT %(debut)s::date
                                                 + floor((i - 1 + random()) / %(n)s * %(jours)s)::int AS jour) AS j
                        ) AS t
                    ) AS t
                ) AS t
            ) AS t
            LEFT JOIN LATERAL (
                SELECT q.id, (SELECT min(c.commune_id) FROM plie_quartierprioritaire_communes AS c
                              WHERE c.quartierprioritaire_id = q.id) AS commune_id
                FROM plie_quartierprioritaire AS q
                WHERE t.r_qpv < 0.35
                  AND (q.valide_du IS NULL OR q.valide_du <= t.ref) AND (q.valide_au IS NULL OR q.valide_au >= t.ref)
                  AND EXISTS (SELECT 1 FROM plie_quartierprioritaire_communes AS c WHERE c.quartierprioritaire_id = q.id)
                ORDER BY random() LIMIT 1
            ) AS q ON true
        ) AS t
        ORDER BY i
        """,
        p,
    )
    _etape(
        curseur,
        "projets professionnels (métiers visés)",
        """
        INSERT INTO participants_participant_metiers_vises (participant_id, metierrome_id)
        SELECT t.id, (%(romes_projet)s::bigint[])[1 + (t.a + (k - 1) * (1 + t.b)) %% cardinality(%(romes_projet)s::bigint[])]
        FROM (
            SELECT id, floor(random() * cardinality(%(romes_projet)s::bigint[]))::int AS a,
                   floor(random() * (cardinality(%(romes_projet)s::bigint[]) - 1))::int AS b,
                   CASE WHEN random() < 0.5 AND cardinality(%(romes_projet)s::bigint[]) > 1 THEN 2 ELSE 1 END AS nb
            FROM participants_participant WHERE date_entree IS NOT NULL ORDER BY id
        ) AS t, generate_series(1, t.nb) AS k
        """,
        p,
    )


def _parcours(curseur, p):
    _etape(
        curseur,
        "référents (historique)",
        """
        INSERT INTO participants_historiquereferent (participant_id, referent_id, du, au, motif, attribue_par_id, cree_le)
        SELECT id, referent_id, date_candidature,
               CASE WHEN statut = 'sorti' THEN date_sortie WHEN statut = 'non_admis' THEN date_candidature + 30 END,
               '', %(coordinatrice)s, cree_le
        FROM participants_participant ORDER BY id
        """,
        p,
    )
    _etape(
        curseur,
        "décisions de la commission",
        """
        INSERT INTO participants_decisioncommission (participant_id, decision, date_decision, motif,
                                                     eligible_au_calcul, criteres_manquants, decide_par_id, cree_le)
        SELECT id, decision, jour,
               CASE decision
                   WHEN 'refus' THEN 'Qualification suffisante : la personne relève du droit commun.'
                   WHEN 'derogation' THEN 'La commission admet par dérogation au vu de la situation globale de la personne.'
                   ELSE 'Critères d''éligibilité remplis, projet validé en commission.' END,
               decision = 'admission',
               CASE decision WHEN 'refus' THEN 'critere_marche_travail' WHEN 'derogation' THEN 'critere_personnel'
                             ELSE '' END,
               %(coordinatrice)s, jour + interval '14 hours'
        FROM (
            SELECT id, COALESCE(date_entree, date_candidature + 30) AS jour,
                   CASE WHEN statut = 'non_admis' THEN 'refus'
                        WHEN NOT (situation_familiale_complexe OR mobilite_logement
                                  OR (sante_handicap AND NOT suivi_cap_emploi) OR sous_main_justice)
                        THEN 'derogation' ELSE 'admission' END AS decision
            FROM participants_participant WHERE statut <> 'candidat' ORDER BY id
        ) AS t
        """,
        p,
    )
    _etape(
        curseur,
        "sorties confirmées",
        """
        INSERT INTO participants_sortie (participant_id, date, motif, commentaire, raisons, confirmee_par_id, confirmee_le)
        SELECT id, date_sortie, motif_sortie, '', '[]'::jsonb, referent_id, date_sortie + interval '15 hours'
        FROM participants_participant WHERE statut = 'sorti' ORDER BY id
        """,
    )
    niveau = "(ARRAY['acquis', 'a_consolider', 'non_acquis', ''])[1 + floor(random() * 4)::int]"
    _etape(
        curseur,
        "diagnostics d'entrée",
        f"""
        INSERT INTO participants_diagnosticentree (
            participant_id, date, orientation_clea, commentaire, realise_par_id, modifie_le, clea_francais,
            clea_calcul, clea_numerique, clea_equipe, clea_autonomie, clea_apprendre, clea_gestes)
        SELECT id, LEAST(date_entree + floor(random() * 10)::int, COALESCE(date_sortie, %(today)s)),
               random() < 0.2, 'Diagnostic réalisé à l''entrée dans le parcours.', referent_id, date_entree + interval '16 hours',
               {niveau}, {niveau}, {niveau}, {niveau}, {niveau}, {niveau}, {niveau}
        FROM participants_participant WHERE date_entree IS NOT NULL AND random() < 0.7 ORDER BY id
        """,
        p,
    )
    _etape(
        curseur,
        "étapes de parcours",
        """
        INSERT INTO participants_etape (participant_id, type, intitule, structure, debut, fin_prevue, fin, resultat,
                                        commentaire, cree_par_id, cree_le)
        SELECT id, (%(etapes_types)s::text[])[e], (%(etapes_intitules)s::text[])[e], (%(etapes_structures)s::text[])[e],
               debut, debut + duree, CASE WHEN debut + duree < %(today)s THEN debut + duree END,
               CASE WHEN debut + duree >= %(today)s THEN 'en_cours' WHEN r < 0.8 THEN 'realisee'
                    WHEN r < 0.95 THEN 'abandonnee' ELSE 'non_realisee' END,
               '', referent_id, debut + interval '10 hours'
        FROM (
            SELECT t.id, t.referent_id, t.fin, t.date_entree + (k - 1) * 120 + floor(random() * 20)::int AS debut,
                   (14 + floor(random() * 106))::int AS duree,
                   1 + floor(random() * cardinality(%(etapes_types)s::text[]))::int AS e, random() AS r
            FROM (SELECT id, referent_id, date_entree, COALESCE(date_sortie, %(today)s) AS fin,
                         1 + floor(random() * 3)::int AS nb
                  FROM participants_participant WHERE date_entree IS NOT NULL ORDER BY id) AS t,
                 generate_series(1, t.nb) AS k
        ) AS t
        WHERE debut <= fin
        """,
        p,
    )
    # About once a month (every 30 days, 0-14 days earlier), back from the exit or today, the
    # last ENTRETIENS_MOIS_MAX months at most; never on a weekend.
    _etape(
        curseur,
        "entretiens",
        """
        INSERT INTO participants_entretien (participant_id, date, type, notes, prochaines_etapes, realise_par_id,
                                            cree_le)
        SELECT id, jour,
               CASE WHEN j = n - 1 AND complet THEN 'diagnostic' WHEN r < 0.6 THEN 'individuel'
                    WHEN r < 0.85 THEN 'telephonique' WHEN r < 0.95 THEN 'visio' ELSE 'tripartite' END,
               (%(notes)s::text[])[1 + floor(r2 * cardinality(%(notes)s::text[]))::int],
               (%(suites)s::text[])[1 + floor(r2 * cardinality(%(suites)s::text[]))::int],
               referent_id, jour + interval '9 hours' + r * interval '8 hours'
        FROM (
            SELECT t.*, GREATEST(d0 - CASE extract(isodow FROM d0) WHEN 6 THEN 1 WHEN 7 THEN 2 ELSE 0 END,
                                 date_entree) AS jour
            FROM (
                SELECT t.id, t.referent_id, t.date_entree, t.n, t.complet, j,
                       GREATEST(t.fin - j * 30 - floor(random() * 15)::int, t.date_entree) AS d0,
                       random() AS r, random() AS r2
                FROM (SELECT id, referent_id, date_entree, COALESCE(date_sortie, %(today)s) AS fin,
                             LEAST(1 + (COALESCE(date_sortie, %(today)s) - date_entree) / 30, %(mois_max)s) AS n,
                             1 + (COALESCE(date_sortie, %(today)s) - date_entree) / 30 <= %(mois_max)s AS complet
                      FROM participants_participant WHERE date_entree IS NOT NULL ORDER BY id) AS t,
                     generate_series(0, t.n - 1) AS j
            ) AS t
        ) AS t
        """,
        {**p, "mois_max": ENTRETIENS_MOIS_MAX},
    )
    _etape(
        curseur,
        "données FSE des participants",
        """
        INSERT INTO fse_donneesfseparticipant (
            participant_id, menage, pays_tiers, origine_etrangere, sans_domicile, zone_rurale, resultat_constate_le,
            en_recherche_emploi, en_formation, qualification_obtenue, en_emploi, suivi_le, suivi_situation,
            modifie_le, modifie_par_id)
        SELECT id,
               (ARRAY['isole_enfants', 'sans_emploi_enfants', 'sans_emploi', 'sans_emploi', 'autre', 'autre',
                      'non_declare'])[1 + floor(r * 7)::int],
               CASE WHEN r2 < 0.1 THEN 'non' WHEN r2 < 0.12 THEN 'oui' ELSE 'non_collecte' END, 'non_collecte',
               r3 < 0.03, r3 > 0.95,
               constate, constate IS NOT NULL AND NOT emploi AND NOT formation, constate IS NOT NULL AND formation,
               constate IS NOT NULL AND formation AND r < 0.5, constate IS NOT NULL AND emploi,
               suivi, CASE WHEN suivi IS NOT NULL
                           THEN (ARRAY['emploi', 'emploi', 'formation', 'recherche', 'inactif', 'injoignable'])[
                                1 + floor(r2 * 6)::int]
                           ELSE '' END,
               COALESCE(suivi, constate, date_entree) + interval '12 hours', referent_id
        FROM (
            SELECT id, referent_id, date_entree, random() AS r, random() AS r2, random() AS r3,
                   motif_sortie IN ('CDI', 'CDD', 'INTERIM', 'CREATION', 'CONTRAT_AIDE', 'SENIOR_ACI') AS emploi,
                   motif_sortie = 'FORMATION_QUALIFIANTE' AS formation,
                   CASE WHEN statut = 'sorti' AND random() < 0.88
                        THEN LEAST(date_sortie + floor(random() * 28)::int, %(today)s) END AS constate,
                   CASE WHEN statut = 'sorti' AND date_sortie + 183 <= %(today)s AND random() < 0.6
                        THEN LEAST(date_sortie + 183 + floor(random() * 20)::int, %(today)s) END AS suivi
            FROM participants_participant WHERE date_entree IS NOT NULL AND random() < 0.92 ORDER BY id
        ) AS t
        """,
        p,
    )


def _offres(curseur, p):
    # As bench_tableau: 20 % diffused (closed as filled or withdrawn after 60 days), 10 % qualified
    # (expired after 60 days), 25 % discarded, the others in the queue for 30 days (then discarded
    # as stale until 60 days, expired after). Ids follow the collection time, as in production.
    _etape(
        curseur,
        "offres",
        """
        INSERT INTO offres_offre (
            intitule, description, entreprise_id, employeur, commune_id, lieu_travail, type_contrat_id, duree_mois,
            heures_hebdo, horaires, salaire, metier_rome_id, nb_postes, date_publication, date_expiration, statut,
            origine_partenaire, contact_partenaire, sans_diplome, experience_requise, permis_requis,
            vehicule_requis, desserte_transports, notes_qualification, qualifiee_par_id, qualifiee_le, motif_ecart,
            commentaire_ecart, ecartee_par_id, ecartee_le, diffusee_le, motif_cloture, cloturee_le, cree_par_id,
            cree_le, source_origine_id)
        SELECT
            (%(intitules)s::text[])[k], %(description)s, e.id,
            COALESCE(e.nom, (%(noms)s::text[])[1 + i %% 50] || ' '
                            || (ARRAY['SARL', 'SAS', 'et Fils', 'Services', 'Bâtiment'])[1 + i %% 5]),
            (%(communes)s::bigint[])[1 + floor(r_commune * cardinality(%(communes)s::bigint[]))::int], '', type,
            CASE WHEN type = ANY(%(types_a_duree)s::bigint[]) THEN 3 + i %% 10 END,
            (ARRAY[35, 35, 35, 24, 28, 20, 30])[1 + i %% 7],
            CASE WHEN i %% 3 = 0 THEN 'Du lundi au vendredi, de 8 h à 16 h' ELSE '' END,
            (%(salaires)s::text[])[1 + i %% cardinality(%(salaires)s::text[])], (%(romes_offres)s::bigint[])[k],
            CASE WHEN i %% 10 = 0 THEN 2 ELSE 1 END, jour, jour + 60, statut,
            CASE WHEN source = %(saisie)s
                 THEN (ARRAY['iae', 'interim', 'organisme_formation', 'france_travail', 'entreprise', 'autre'])[1 + i %% 6]
                 ELSE '' END,
            CASE WHEN source = %(saisie)s THEN 'Contact partenaire ' || (i %% 100) ELSE '' END,
            CASE WHEN qualif THEN i %% 5 <> 0 END, CASE WHEN qualif THEN i %% 4 = 0 END,
            CASE WHEN qualif THEN i %% 3 = 0 END, CASE WHEN qualif THEN i %% 7 = 0 END,
            CASE WHEN qualif THEN i %% 6 <> 0 END, '',
            CASE WHEN qualif THEN charge END, CASE WHEN qualif THEN qualifiee END,
            CASE WHEN statut = 'ecartee' THEN motif_ecart ELSE '' END, '',
            CASE WHEN statut = 'ecartee' THEN charge END,
            CASE WHEN statut = 'ecartee' AND motif_ecart = 'perimee' THEN cree + interval '30 days'
                 WHEN statut = 'ecartee' THEN qualifiee END,
            CASE WHEN r < 0.20 THEN LEAST(qualifiee + r2 * interval '2 days', %(maintenant)s::timestamptz) END,
            motif_cloture, CASE WHEN statut = 'cloturee' THEN cree + interval '60 days' END,
            CASE WHEN source = %(saisie)s THEN charge END, cree, source
        FROM (
            SELECT t.*,
                   CASE WHEN r < 0.20 THEN CASE WHEN vieille THEN 'cloturee' ELSE 'diffusee' END
                        WHEN r < 0.30 THEN CASE WHEN vieille THEN 'cloturee' ELSE 'qualifiee' END
                        WHEN r < 0.55 THEN 'ecartee'
                        WHEN cree > %(maintenant)s::timestamptz - interval '30 days' THEN 'collectee'
                        WHEN NOT vieille THEN 'ecartee'
                        ELSE 'cloturee' END AS statut,
                   CASE WHEN r < 0.20 AND vieille THEN CASE WHEN r2 < 0.8 THEN 'pourvue' ELSE 'retiree' END
                        WHEN r >= 0.20 AND r < 0.30 AND vieille THEN 'expiree'
                        WHEN r >= 0.55 AND vieille THEN 'expiree' ELSE '' END AS motif_cloture,
                   CASE WHEN r >= 0.55 THEN 'perimee'
                        ELSE (ARRAY['diplome_exige', 'experience_longue', 'conditions', 'hors_territoire',
                                    'conditions', 'douteuse'])[1 + i %% 6] END AS motif_ecart
            FROM (
                SELECT t.*, r < 0.30 AS qualif, cree < %(maintenant)s::timestamptz - interval '60 days' AS vieille,
                       (cree AT TIME ZONE 'Europe/Paris')::date AS jour,
                       LEAST(cree + r3 * interval '3 days', %(maintenant)s::timestamptz) AS qualifiee,
                       1 + i %% cardinality(%(intitules)s::text[]) AS k,
                       (%(types)s::bigint[])[1 + floor(r_type * cardinality(%(types)s::bigint[]))::int] AS type,
                       (%(charges)s::bigint[])[1 + i %% cardinality(%(charges)s::bigint[])] AS charge,
                       CASE WHEN r_source < 0.85 THEN %(ft)s ELSE %(saisie)s END AS source,
                       CASE WHEN r_ent < 0.4
                            THEN (SELECT min(id) FROM entreprises_entreprise)
                                 + floor(r_ent / 0.4 * %(nb_entreprises)s)::int END AS entreprise
                FROM (
                    SELECT i, %(debut)s::timestamptz
                              + (i - 1 + random()) / %(nb_offres)s * (%(maintenant)s::timestamptz - %(debut)s::timestamptz) AS cree,
                           random() AS r, random() AS r2, random() AS r3, random() AS r_source,
                           random() AS r_commune, random() AS r_type, random() AS r_ent
                    FROM generate_series(1, %(nb_offres)s) AS i
                ) AS t
            ) AS t
        ) AS t
        LEFT JOIN entreprises_entreprise AS e ON e.id = t.entreprise
        """,
        p,
    )
    _etape(
        curseur,
        "liens vers les sources",
        """
        INSERT INTO offres_liensource (offre_id, source_id, identifiant_externe, url, vue_le, vue_derniere_fois_le)
        SELECT id, source_origine_id, 'BE-' || id, '', cree_le,
               LEAST(cree_le + interval '20 days', GREATEST(cree_le, %(maintenant)s::timestamptz - interval '1 day'))
        FROM offres_offre
        """,
        p,
    )
    _etape(
        curseur,
        "offres vues dans les deux sources",
        """
        INSERT INTO offres_liensource (offre_id, source_id, identifiant_externe, url, vue_le, vue_derniere_fois_le)
        SELECT id, CASE WHEN source_origine_id = %(ft)s THEN %(saisie)s ELSE %(ft)s END, 'BE2-' || id, '',
               cree_le + interval '1 day', cree_le + interval '1 day'
        FROM offres_offre WHERE random() < 0.05 AND %(ft)s <> %(saisie)s AND cree_le < %(maintenant)s::timestamptz - interval '1 day'
        """,
        p,
    )
    _etape(
        curseur,
        "diffusions aux référents",
        """
        INSERT INTO offres_diffusion (offre_id, referent_id, diffusee_le, diffusee_par_id, vue_le, envoyee_par_mail_le)
        SELECT o.id, (%(referents)s::bigint[])[1 + (o.id * 3 + k * %(pas_diffusion)s) %% %(nref)s], o.diffusee_le,
               o.qualifiee_par_id,
               CASE WHEN o.diffusee_le > %(maintenant)s::timestamptz - interval '7 days' AND random() < 0.3 THEN NULL
                    ELSE LEAST(o.diffusee_le + random() * interval '3 days', %(maintenant)s::timestamptz) END,
               CASE WHEN date_trunc('week', o.diffusee_le) + interval '7 days 7 hours 30 minutes' < %(maintenant)s::timestamptz
                    THEN date_trunc('week', o.diffusee_le) + interval '7 days 7 hours 30 minutes' END
        FROM offres_offre AS o, generate_series(0, %(diffusions)s - 1) AS k
        WHERE o.diffusee_le IS NOT NULL
        """,
        p,
    )


def _positionnements(curseur, p):
    # Who may be positioned on an offer diffused on day D: a participant who entered in the 1 080
    # days before D (drawn by rank of entry, from the cumulated entries per day) and had not
    # exited by D. Open positionnements are those of the last 60 days.
    curseur.execute(
        """
        CREATE TEMP TABLE bench_entres AS
        SELECT id, referent_id, date_entree, date_sortie, row_number() OVER (ORDER BY date_entree, id) AS rang
        FROM participants_participant WHERE date_entree IS NOT NULL;
        CREATE UNIQUE INDEX ON bench_entres (rang);
        ANALYZE bench_entres;
        CREATE TEMP TABLE bench_cumul AS
        SELECT jour, (sum(nb) OVER (ORDER BY jour))::int AS n
        FROM (SELECT g.jour::date AS jour, count(e.id) AS nb
              FROM generate_series(%(debut)s::date - 1100, %(today)s::date + 1, interval '1 day') AS g(jour)
              LEFT JOIN bench_entres AS e ON e.date_entree = g.jour::date
              GROUP BY 1) AS t;
        CREATE UNIQUE INDEX ON bench_cumul (jour);
        ANALYZE bench_cumul;
        CREATE TEMP TABLE bench_diffusees AS
        SELECT id, diffusee_le, row_number() OVER (ORDER BY id) AS rang
        FROM offres_offre WHERE diffusee_le IS NOT NULL;
        CREATE UNIQUE INDEX ON bench_diffusees (rang);
        ANALYZE bench_diffusees;
        """,
        p,
    )
    _etape(
        curseur,
        "positionnements tirés (table temporaire)",
        """
        CREATE TEMP TABLE bench_positionnements AS
        SELECT offre_id, participant_id, statut,
               CASE WHEN statut = 'propose' THEN jour
                    ELSE LEAST(((cree + r3 * interval '30 days') AT TIME ZONE 'Europe/Paris')::date, %(today)s)
               END AS derniere_etape_le,
               referent_id, cree
        FROM (
            SELECT t.*,
                   CASE WHEN cree > %(maintenant)s::timestamptz - interval '60 days' THEN
                            CASE WHEN r < 0.10 THEN 'retenu' WHEN r < 0.35 THEN 'non_retenu'
                                 WHEN r < 0.40 THEN 'abandonne' WHEN r < 0.60 THEN 'entretien'
                                 WHEN r < 0.80 THEN 'candidature_envoyee' ELSE 'propose' END
                        ELSE CASE WHEN r < 0.10 THEN 'retenu' WHEN r < 0.75 THEN 'non_retenu' ELSE 'abandonne' END
                   END AS statut
            FROM (
                SELECT t.i, t.offre_id, e.id AS participant_id, e.referent_id, t.cree, t.jour, t.r, t.r3,
                       row_number() OVER (PARTITION BY t.offre_id, e.id ORDER BY t.i) AS doublon
                FROM (
                    SELECT t.*, (t.cree AT TIME ZONE 'Europe/Paris')::date AS jour
                    FROM (
                        SELECT t.i, t.r, t.r3, t.r4, d.id AS offre_id,
                               LEAST(d.diffusee_le + t.r2 * interval '20 days', %(maintenant)s::timestamptz) AS cree
                        FROM (SELECT i, 1 + (i %% (SELECT count(*) FROM bench_diffusees)) AS rang, random() AS r,
                                     random() AS r2, random() AS r3, random() AS r4
                              FROM generate_series(1, %(tirages)s) AS i) AS t
                        JOIN bench_diffusees AS d ON d.rang = t.rang
                    ) AS t
                    OFFSET 0  -- computed once per draw, not again in each join condition
                ) AS t
                JOIN bench_cumul AS haut ON haut.jour = t.jour
                JOIN bench_cumul AS bas ON bas.jour = t.jour - 1080
                JOIN bench_entres AS e ON e.rang = bas.n + 1 + floor(t.r4 * (haut.n - bas.n))::int
                WHERE haut.n > bas.n AND (e.date_sortie IS NULL OR e.date_sortie >= t.jour)
            ) AS t
            WHERE doublon = 1
            ORDER BY t.i LIMIT %(nb_positionnements)s
        ) AS t
        """,
        p,
    )
    _etape(
        curseur,
        "positionnements",
        """
        INSERT INTO offres_positionnement (offre_id, participant_id, statut, derniere_etape_le, cree_par_id, cree_le,
                                           situation_id)
        SELECT offre_id, participant_id, statut, derniere_etape_le, referent_id, cree, NULL
        FROM bench_positionnements ORDER BY cree
        """,
    )
    # Along offres.rules.TRANSITIONS_POSITIONNEMENT, dated from the creation to the last step.
    _etape(
        curseur,
        "étapes des positionnements",
        """
        INSERT INTO offres_etapepositionnement (positionnement_id, statut, date, par_id, note, cree_le)
        SELECT t.id, u.statut, x.jour, t.cree_par_id, '',
               CASE WHEN u.k = 1 THEN t.cree_le ELSE x.jour + interval '10 hours' END
        FROM (
            SELECT id, cree_par_id, cree_le, (cree_le AT TIME ZONE 'Europe/Paris')::date AS d0, derniere_etape_le AS d1,
                   CASE statut
                       WHEN 'propose' THEN ARRAY['propose']
                       WHEN 'candidature_envoyee' THEN ARRAY['propose', 'candidature_envoyee']
                       WHEN 'entretien' THEN ARRAY['propose', 'candidature_envoyee', 'entretien']
                       WHEN 'retenu' THEN CASE WHEN id %% 10 < 5
                                               THEN ARRAY['propose', 'candidature_envoyee', 'entretien', 'retenu']
                                               ELSE ARRAY['propose', 'candidature_envoyee', 'retenu'] END
                       WHEN 'non_retenu' THEN CASE WHEN id %% 10 < 1
                                                   THEN ARRAY['propose', 'candidature_envoyee', 'entretien', 'non_retenu']
                                                   WHEN id %% 10 < 4
                                                   THEN ARRAY['propose', 'candidature_envoyee', 'non_retenu']
                                                   ELSE ARRAY['propose', 'non_retenu'] END
                       ELSE CASE WHEN id %% 10 < 8 THEN ARRAY['propose', 'abandonne']
                                 ELSE ARRAY['propose', 'candidature_envoyee', 'abandonne'] END
                   END AS chemin
            FROM offres_positionnement
        ) AS t,
        unnest(t.chemin) WITH ORDINALITY AS u(statut, k),
        LATERAL (SELECT t.d0 + ((t.d1 - t.d0) * (u.k - 1) / GREATEST(cardinality(t.chemin) - 1, 1))::int AS jour) AS x
        """,
    )


def _echanges(curseur, p):
    _etape(
        curseur,
        "échanges avec les entreprises",
        """
        INSERT INTO entreprises_interaction (entreprise_id, contact_id, date, auteur_id, type, resume, prochaine_etape,
                                             echeance, prochaine_etape_faite, evenement_id, cree_le)
        SELECT entreprise, NULL, jour, (%(auteurs)s::bigint[])[1 + floor(r3 * cardinality(%(auteurs)s::bigint[]))::int],
               (ARRAY['rendez_vous', 'appel', 'appel', 'visite', 'evenement', 'courriel'])[1 + i %% 6],
               (%(resumes)s::text[])[1 + i %% cardinality(%(resumes)s::text[])],
               CASE WHEN r4 < 0.3 THEN 'Rappeler pour le prochain recrutement' ELSE '' END,
               CASE WHEN r4 < 0.3 THEN jour + 14 END, r4 < 0.3 AND jour + 14 < %(today)s - 7,
               NULL, jour + interval '15 hours'
        FROM (
            SELECT i, (SELECT min(id) FROM entreprises_entreprise) + floor(random() ^ 2 * %(nb_entreprises)s)::int
                      AS entreprise,
                   %(debut)s::date + floor(random() * (%(jours)s + 1))::int AS jour, random() AS r3, random() AS r4
            FROM generate_series(1, %(nb_interactions)s) AS i
        ) AS t
        ORDER BY jour, i
        """,
        {**p, "auteurs": p["referents"] + p["charges"] * 7},
    )
    _etape(
        curseur,
        "dernier contact et relation des entreprises",
        """
        UPDATE entreprises_entreprise AS e
        SET dernier_contact_le = m.jour,
            statut_relation = CASE WHEN m.nb >= 4 THEN 'partenaire' WHEN m.jour < %(today)s::date - 730 THEN 'en_sommeil'
                                   ELSE 'contact_etabli' END
        FROM (SELECT entreprise_id, max(date) AS jour, count(*) AS nb FROM entreprises_interaction GROUP BY 1) AS m
        WHERE e.id = m.entreprise_id
        """,
        p,
    )
    _etape(
        curseur,
        "budgets",
        """
        INSERT INTO reporting_budget (libelle, debut, fin, montant, montant_prevu, saisi_par_id, modifie_le)
        SELECT 'Année ' || annee, make_date(annee, 1, 1), make_date(annee, 12, 31), 450000 * %(scale)s,
               480000 * %(scale)s, %(coordinatrice)s, %(maintenant)s::timestamptz
        FROM generate_series(extract(year FROM %(debut)s::date)::int, extract(year FROM %(today)s::date)::int) AS annee
        """,
        p,
    )


def _besoins_formation(curseur, p):
    _etape(
        curseur,
        "besoins de formation",
        """
        INSERT INTO formation_besoinformation (
            participant_id, domaine_id, metier_rome_id, intitule, type, niveau_vise_id, urgence, contraintes,
            precisions_contraintes, financements, statut, exprime_le, entretien_id, cree_par_id, maj_le)
        SELECT e.id, (%(domaines)s::bigint[])[1 + floor(t.r * cardinality(%(domaines)s::bigint[]))::int], NULL,
               (%(formations)s::text[])[1 + t.i %% cardinality(%(formations)s::text[])],
               (%(types_besoin)s::text[])[1 + t.i %% cardinality(%(types_besoin)s::text[])], NULL,
               (%(urgences)s::text[])[1 + t.i %% cardinality(%(urgences)s::text[])],
               (ARRAY['', '', 'mobilite', 'horaires', 'garde_enfants', 'mobilite,financiere'])[1 + t.i %% 6], '',
               (ARRAY['region', 'france_travail', 'cpf', 'plie', 'region,plie'])[1 + t.i %% 5],
               CASE WHEN x.exprime < %(today)s::date - 180
                    THEN (%(statuts_besoin_anciens)s::text[])[1 + t.i %% 3]
                    ELSE (%(statuts_besoin_recents)s::text[])[1 + t.i %% 3] END,
               x.exprime, NULL, e.referent_id, x.exprime + interval '11 hours'
        FROM (SELECT i, random() AS r, random() AS r2,
                     1 + floor(random() * (SELECT count(*) FROM bench_entres))::int AS rang
              FROM generate_series(1, %(nb_besoins)s) AS i) AS t
        JOIN bench_entres AS e ON e.rang = t.rang
        CROSS JOIN LATERAL (
            SELECT e.date_entree + floor(t.r2 * (COALESCE(e.date_sortie, %(today)s) - e.date_entree))::int AS exprime
        ) AS x
        ORDER BY x.exprime, t.i
        """,
        p,
    )


def _agendas(curseur, p):
    _etape(
        curseur,
        "semaines d'agenda FSE",
        """
        INSERT INTO fse_semaineagenda (salarie_id, lundi, statut, soumise_le, validee_le, validee_par_id,
                                       commentaire_retour, version, motif_correction, corrigee_le, corrigee_par_id,
                                       remplace_id, cree_le)
        SELECT s.id, w.lundi, statut,
               CASE WHEN statut <> 'brouillon' THEN w.lundi + interval '4 days 17 hours' END,
               CASE WHEN statut = 'validee' THEN w.lundi + interval '8 days 10 hours' END,
               CASE WHEN statut IN ('validee', 'renvoyee') THEN %(coordinatrice)s END,
               CASE WHEN statut = 'renvoyee'
                    THEN 'Précisez dans les commentaires les entreprises rencontrées, pour le contrôle de service fait.'
                    ELSE '' END,
               1, '', NULL, NULL, NULL, w.lundi + interval '9 hours'
        FROM unnest(%(agendas)s::bigint[]) WITH ORDINALITY AS s(id, k)
        CROSS JOIN (SELECT g::date AS lundi FROM generate_series(%(lundi0)s::date, %(lundi_courant)s::date,
                                                                   interval '7 days') AS g) AS w
        CROSS JOIN LATERAL (
            SELECT CASE WHEN recul >= 4 THEN 'validee' WHEN recul = 0 THEN 'brouillon'
                        WHEN recul = 2 AND s.k %% 4 = 1 THEN 'renvoyee' ELSE 'soumise' END AS statut
            FROM (SELECT (%(lundi_courant)s::date - w.lundi) / 7 AS recul) AS r
        ) AS x
        ORDER BY w.lundi, s.k
        """,
        p,
    )
    # 4 or 5 lines a working day (7 h), or a day off; public holidays and days to come stay empty.
    _etape(
        curseur,
        "lignes d'agenda FSE",
        """
        INSERT INTO fse_ligneagenda (semaine_id, date, categorie_id, heures, commentaire, offre_id, entreprise_id,
                                     evenement_id, action_id)
        SELECT s.id, j.jour,
               CASE WHEN j.rc < 0.08 THEN %(conge)s
                    WHEN s.charge THEN (%(cat_charge)s::bigint[])[1 + (j.decalage + k - 1) %% cardinality(%(cat_charge)s::bigint[])]
                    ELSE (%(cat_referent)s::bigint[])[1 + (j.decalage + k - 1) %% cardinality(%(cat_referent)s::bigint[])]
               END,
               CASE WHEN j.rc < 0.08 THEN 7 WHEN j.nb = 5 THEN (ARRAY[2, 1.5, 1.5, 1, 1])[k]
                    ELSE (ARRAY[2.5, 2, 1.5, 1])[k] END,
               CASE WHEN j.rc < 0.08 THEN 'Congé annuel'
                    WHEN k = 1 AND j.rcom < 0.2 AND s.charge THEN 'Veille des offres et relance des partenaires'
                    WHEN k = 1 AND j.rcom < 0.2 THEN 'Entretiens individuels et comptes rendus'
                    ELSE '' END,
               NULL, NULL, NULL, NULL
        FROM (SELECT a.id, a.lundi, a.salarie_id = ANY(%(agendas_charges)s::bigint[]) AS charge
              FROM fse_semaineagenda AS a ORDER BY a.id) AS s
        CROSS JOIN LATERAL (
            SELECT s.lundi + d AS jour, random() AS rc, CASE WHEN random() < 0.3 THEN 5 ELSE 4 END AS nb,
                   CASE WHEN random() < 0.7 THEN 0 ELSE floor(random() * 7)::int END AS decalage, random() AS rcom
            FROM generate_series(0, 4) AS d
        ) AS j
        CROSS JOIN LATERAL generate_series(1, CASE WHEN j.rc < 0.08 THEN 1 ELSE j.nb END) AS k
        WHERE j.jour <= %(today)s AND NOT (j.jour = ANY(%(feries)s::date[]))
        """,
        p,
    )


def retirer_index(curseur):
    """Drop the indexes of the tables built, but the primary keys that foreign keys reference and
    the partial indexes (few rows each; pg_get_indexdef would not give back their predicate as
    written):
    built once on the full tables afterwards (recreer_index), they cost far less than maintained
    row by row. Returns {table: [SQL that recreates them]}: unique and primary-key constraints
    under their own names (rebuilding them checks that the data respect them), then indexes."""
    curseur.execute(
        """
        SELECT c.conrelid::regclass::text,
               format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', c.conrelid::regclass::text, c.conname,
                      pg_get_constraintdef(c.oid)),
               format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.conrelid::regclass::text, c.conname)
        FROM pg_constraint AS c
        WHERE c.contype IN ('p', 'u') AND c.conrelid::regclass::text = ANY(%(tables)s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS f WHERE f.contype = 'f' AND f.conindid = c.conindid)
        UNION ALL
        SELECT i.indrelid::regclass::text, pg_get_indexdef(i.indexrelid),
               format('DROP INDEX %%I', i.indexrelid::regclass::text)
        FROM pg_index AS i
        WHERE i.indrelid::regclass::text = ANY(%(tables)s) AND i.indpred IS NULL
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid AND c.contype <> 'f')
        ORDER BY 1, 3
        """,
        {"tables": TABLES},
    )
    definitions = {}
    lignes = curseur.fetchall()
    for table, creation, suppression in lignes:
        curseur.execute(suppression)
        definitions.setdefault(table, []).append(creation)
    for creations in definitions.values():
        creations.sort(key=lambda sql: not sql.startswith("ALTER TABLE"))  # constraints first
    return definitions


def recreer_index(definitions):
    """Three connections at a time: the constraints of each table (ALTER TABLE locks the table),
    then every index on its own (CREATE INDEX on the same table may run side by side; the
    trigram ones first, they are the longest and PostgreSQL builds them on one core), then
    VACUUM ANALYZE each table; the largest tables first."""
    from django.db import connection

    with connection.cursor() as curseur:
        curseur.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) ORDER BY pg_relation_size(oid) DESC", [TABLES]
        )
        tables = [table for (table,) in curseur.fetchall()]
    connection.close()
    contraintes = [[sql for sql in definitions.get(t, []) if sql.startswith("ALTER TABLE")] for t in tables]
    index = [sql for t in tables for sql in definitions.get(t, []) if not sql.startswith("ALTER TABLE")]
    index.sort(key=lambda sql: " USING gin " not in sql)  # stable: by table size otherwise

    def executer(*requetes):
        def sur_une_connexion(curseur):
            debut = time.perf_counter()
            for sql in requetes:
                curseur.execute(sql)
            return time.perf_counter() - debut, requetes[0] if requetes else ""

        return sur_une_connexion

    for titre, travaux, nombre in [
        ("contraintes (clés primaires, unicité)", [executer(*c) for c in contraintes if c], sum(map(len, contraintes))),
        ("index", [executer(sql) for sql in index], len(index)),
        ("VACUUM ANALYZE", [executer(f'VACUUM ANALYZE "{t}"') for t in tables], len(tables)),
    ]:
        debut = time.perf_counter()
        durees = _en_parallele(travaux, travailleurs=3) if travaux else []
        plus_long = max(durees, default=(0, ""))
        _afficher(
            f"  {titre:<48} {nombre:>10}         {time.perf_counter() - debut:7.1f} s"
            + (f"  (le plus long : {plus_long[0]:.1f} s, {plus_long[1][:70]}…)" if durees else "")
        )


def verifier_cles():
    """Every foreign key of the tables built points at a row (the inserts fired no FK trigger):
    one scan of each table, a hash join per key (the referenced columns are unique)."""
    from django.db import connection

    debut = time.perf_counter()
    with connection.cursor() as curseur:
        curseur.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
            FROM pg_constraint AS c
            JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute AS af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2
            """,
            [TABLES],
        )
        cles = curseur.fetchall()
    connection.close()
    par_table = {}
    for table, colonne, cible, cle in cles:
        par_table.setdefault(table, []).append((colonne, cible, cle))

    def travail(table, liens):
        def sur_la_table(curseur):
            jointures = " ".join(
                f'LEFT JOIN "{cible}" AS y{k} ON y{k}."{cle}" = x."{colonne}"'
                for k, (colonne, cible, cle) in enumerate(liens)
            )
            comptes = ", ".join(
                f'count(*) FILTER (WHERE x."{colonne}" IS NOT NULL AND y{k}."{cle}" IS NULL)'
                for k, (colonne, cible, cle) in enumerate(liens)
            )
            curseur.execute(f'SELECT {comptes} FROM "{table}" AS x {jointures}')
            return [
                f"{table}.{colonne} → {cible} : {orphelins} lignes orphelines"
                for (colonne, cible, _), orphelins in zip(liens, curseur.fetchone(), strict=True)
                if orphelins
            ]

        return sur_la_table

    fautes = _en_parallele([travail(table, liens) for table, liens in par_table.items()], travailleurs=3)
    fautes = [faute for liste in fautes for faute in liste]
    if fautes:
        raise RuntimeError("Clés étrangères rompues :\n" + "\n".join(fautes))
    print(f"  {'clés étrangères vérifiées':<48} {len(cles):>10} clés    {time.perf_counter() - debut:7.1f} s")


def compter(curseur):
    comptes = {}
    for table in TABLES:
        curseur.execute(f'SELECT count(*) FROM "{table}"')
        comptes[table] = curseur.fetchone()[0]
    return comptes


def afficher_comptes(comptes):
    for table in TABLES:
        print(f"  {table:<48} {comptes.get(table, '?'):>10}")


def _configurer_django(scale, serveur):
    sys.path.insert(0, str(RACINE))
    os.environ["DATABASE_URL"] = url_de_la_base(scale, serveur)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")
    import django

    django.setup()


def _migrer(manifeste, scale, serveur):
    """Migrations were added since the build: apply them to the data set and keep it (None when a
    migration it had applied changed since: the data set is built again)."""
    actuelles = _empreintes_migrations()
    if any(actuelles.get(fichier) != empreinte for fichier, empreinte in manifeste["migrations"].items()):
        print("Migrations modifiées depuis la construction du jeu : reconstruction.")
        return None
    _configurer_django(scale, serveur)
    from django.core.management import call_command
    from django.db import connection

    debut = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    with connection.cursor() as curseur:
        curseur.execute("ALTER TABLE bench_manifeste ADD COLUMN IF NOT EXISTS migrations jsonb")
        curseur.execute("UPDATE bench_manifeste SET migrations = %s", [json.dumps(actuelles)])
    connection.close()
    print(f"Nouvelles migrations appliquées au jeu existant en {time.perf_counter() - debut:.1f} s.")
    return {**manifeste, "migrations": actuelles}


def _options(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, required=True, help="1 : un PLIE, 100 : une région")
    parser.add_argument("--rebuild", action="store_true", help="supprimer la base et reconstruire le jeu")
    parser.add_argument("--server-url", default=DEFAULT_SERVER_URL, help="serveur PostgreSQL (sans nom de base)")
    options = parser.parse_args(argv)
    if options.scale < 1:
        parser.error("--scale doit valoir au moins 1")
    return options


def main(argv=None):
    options = _options(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it goes, even through a pipe
    scale, serveur = options.scale, options.server_url
    nom = f"{PREFIXE_BASE}{scale}"
    admin = _connecter(serveur)
    with admin.cursor() as curseur:
        curseur.execute("SELECT pg_advisory_lock(%s)", [VERROU + scale])
    debut = time.perf_counter()  # once another run of the same scale is done
    try:
        manifeste = None if options.rebuild else _manifeste(scale, serveur)
        if manifeste is not None and manifeste["migrations"] != _empreintes_migrations():
            manifeste = _migrer(manifeste, scale, serveur)
        if manifeste is not None:
            print(
                f"Base {nom} réutilisée (échelle {scale}, version {VERSION}, construite le "
                f"{manifeste['construit_le']:%d/%m/%Y %H:%M} en {manifeste['secondes']:.0f} s ; --rebuild pour la refaire)."
            )
            afficher_comptes(manifeste["comptes"])
            return 0
        print(f"Construction de la base {nom} (échelle {scale}, version {VERSION}) :", flush=True)
        if _base_existe(admin, nom):
            with admin.cursor() as curseur:
                curseur.execute(f'DROP DATABASE "{nom}" WITH (FORCE)')
            print(f"  ancienne base {nom} supprimée", flush=True)

        _configurer_django(scale, serveur)
        from django.db import connection
        from django.utils import timezone

        empreintes = _empreintes_migrations()  # before the template is migrated: what it holds at least
        _cloner_modele(admin, nom, empreintes)
        print(f"  {'base créée (modèle migré cloné)':<48} {'':>10}         {time.perf_counter() - debut:7.1f} s")
        construire(scale, timezone.localdate())
        with connection.cursor() as curseur:
            comptes = compter(curseur)
            secondes = time.perf_counter() - debut
            curseur.execute(
                """
                CREATE TABLE bench_manifeste (scale int NOT NULL, version int NOT NULL,
                                              construit_le timestamptz NOT NULL, secondes numeric NOT NULL,
                                              comptes jsonb NOT NULL, migrations jsonb NOT NULL);
                INSERT INTO bench_manifeste VALUES (%s, %s, now(), %s, %s, %s);
                """,
                [scale, VERSION, round(secondes, 1), json.dumps(comptes), json.dumps(empreintes)],
            )
        connection.close()
        print(f"Jeu de données de l'échelle {scale} construit en {secondes:.1f} s ({nom}) :")
        afficher_comptes(comptes)
        return 0
    finally:
        with admin.cursor() as curseur:
            curseur.execute("SELECT pg_advisory_unlock(%s)", [VERROU + scale])
        admin.close()


if __name__ == "__main__":
    sys.exit(main())
