"""Load test: the web app under gunicorn, with staff members at work through a browser-like client
(not collected by pytest).

    .venv/bin/python tests/bench_charge.py [--scale 10] [--database-url URL] [--users 50]
                                           [--spawn-rate 10] [--duration 2m] [--workers 4]
                                           [--port 8765] [--comptes auto|echelle|demo]
                                           [--mot-de-passe P] [--referents 40] [--redis-url URL]
                                           [--static-root DIR] [--garder]

The data: by default the scale data set of ``tests/bench_echelle.py`` (``assurer_jeu(--scale)``:
the database ``plie_bench_echelle_<N>``, built if needed), or any migrated database given with
``--database-url``, e.g. one loaded with ``manage.py seed_demo``. The accounts follow the data
(``--comptes auto``): those of ``bench_echelle`` (``COMPTES``, the référents ``referent-001`` …) when
they exist, else the ``seed_demo`` ones; each is checked first (active, right role, password,
not locked out by django-axes) so that no login ever fails under load.

The server runs as in production, on the loopback interface:

- ``collectstatic`` into a temporary ``STATIC_ROOT`` (WhiteNoise's compressed manifest storage);
- gunicorn with ``--workers`` sync workers on ``127.0.0.1:--port`` (``plie.wsgi``), with the
  production settings (``PLIE_MODE=production``: DEBUG off, HSTS, secure ``__Host-`` cookies, SSL
  redirect), a throwaway ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``, the cache on Redis
  (``--redis-url``, by default database 12: the dashboards it holds are forgotten first, so that the
  first one is computed); ``--static-root`` reuses files already collected (collectstatic takes one
  or two minutes), ``--garder`` keeps the temporary folder (server and locust logs, CSV);
- plain HTTP stands in for the TLS-terminating reverse proxy of ``docs/production.md``: the client
  sends ``X-Forwarded-Proto: https`` (so no setting is relaxed; ``SECURE_SSL_REDIRECT`` stays on),
  a same-origin ``https`` Referer on the login POST, and the ``Secure`` cookies explicitly.

Then locust, headless and local (``tests/locustfile_plie.py``): ``--users`` users started at
``--spawn-rate`` per second log in through the login form and work ``--duration`` (référents 80 %,
chargée de mission 10 %, coordinatrice 10 %). gunicorn is always stopped at the end (process group,
also on Ctrl+C or an error).

Prints, per page and in all, the requests, failures, median, 95th percentile, maximum and requests
per second (locust's CSV), the 95th percentile without the logins and once every user is logged
in, the HTTP statuses of the access log and the server errors, then
``RESULTAT charge_echecs=<n> charge_p95_ms=<p95 of all requests> cible_p95_ms=500``; writes the
figures to ``var/bench/bench_charge.json``. Exit code 1 on any failure, a p95 of 500 ms or more, or
a database rebuilt during the run (its OID or bench_echelle's manifest changed: the figures are void);
2 when the server or locust fails.
"""

import argparse
import collections
import csv
import datetime
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
LOCUSTFILE = RACINE / "tests" / "locustfile_plie.py"
SORTIE = RACINE / "var" / "bench" / "bench_charge.json"
CIBLE_P95_MS = 500
NOMS_CONNEXION = ("connexion : formulaire", "connexion : envoi", "accueil (redirection)")
CLES_TABLEAU = ":1:reporting:tableau:*"  # the dashboards cached by reporting.tableau (Django's key format)


def _options():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="échelle du jeu de bench_echelle (défaut : 10)")
    parser.add_argument("--database-url", help="base à charger (défaut : assurer_jeu(--scale) de bench_echelle)")
    parser.add_argument("--users", type=int, default=50, help="utilisateurs simultanés (défaut : 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="utilisateurs démarrés par seconde (défaut : 10)")
    parser.add_argument("--duration", default="2m", help="durée du tir, au format de locust (défaut : 2m)")
    parser.add_argument("--workers", type=int, default=4, help="workers sync de gunicorn (défaut : 4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--comptes", choices=["auto", "echelle", "demo"], default="auto")
    parser.add_argument("--mot-de-passe", help="mot de passe des comptes (défaut : celui du jeu de comptes)")
    parser.add_argument("--referents", type=int, default=40, help="comptes de référents au plus (défaut : 40)")
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/12",
        help="cache du serveur (défaut : REDIS_URL, sinon redis://127.0.0.1:6379/12)",
    )
    parser.add_argument("--static-root", help="STATIC_ROOT déjà collecté à réutiliser (défaut : temporaire)")
    parser.add_argument("--garder", action="store_true", help="garder le dossier temporaire (journaux, CSV)")
    return parser.parse_args()


def _secondes(duree):
    """'2m', '90s', '1h30m' or a bare number of seconds, as locust reads them."""
    if re.fullmatch(r"\d+", duree):
        return int(duree)
    morceaux = re.findall(r"(\d+)\s*([hms])", duree)
    if not morceaux or "".join(n + u for n, u in morceaux) != duree.replace(" ", ""):
        raise SystemExit(f"Durée illisible : {duree!r} (par exemple 2m, 90s, 1m30s).")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in morceaux)


def _sans_secret(url):
    parsed = urlparse(url)
    return parsed._replace(netloc=parsed.netloc.split("@")[-1]).geturl()


# --- The data and the accounts ---------------------------------------------------------------


def _base(options):
    if options.database_url:
        return options.database_url
    try:
        from tests import bench_echelle
    except ImportError as exc:
        raise SystemExit(
            f"tests/bench_echelle.py introuvable ({exc}) : donnez une base avec --database-url "
            "(par exemple une base migrée puis chargée par manage.py seed_demo)."
        ) from exc
    print(f"Jeu de données à l'échelle {options.scale} (bench_echelle.assurer_jeu)…", flush=True)
    return bench_echelle.assurer_jeu(options.scale)


def _jeux_de_comptes(options):
    """The candidate account sets, by name: {role key: [e-mail, …]} and the password."""
    from plie.demo import DEMO_COMPTES
    from plie.factories import DEMO_MOT_DE_PASSE
    from plie.models import User
    from plie.roles import Role

    jeux = {}
    try:
        from tests import bench_echelle
    except ImportError:
        bench_echelle = None
    if bench_echelle is not None:
        comptes = bench_echelle.COMPTES
        domaine = comptes["referent"].split("@", 1)[1]

        def serie(prefixe, nombre):  # referent-001, referent-002… (charge, charge-002… for the chargé(e)s)
            emails = User.objects.filter(email__startswith=prefixe, email__endswith=f"@{domaine}", is_active=True)
            return sorted(emails.values_list("email", flat=True), key=lambda e: (e.split("@")[0] != prefixe, e))[
                :nombre
            ]

        jeux["echelle"] = (
            {
                "coordinatrice": [comptes["coordinatrice"]],
                "charge": serie("charge", 10),
                "referent": serie("referent-", options.referents),
            },
            bench_echelle.COMPTES_MOT_DE_PASSE,
        )
    par_role = collections.defaultdict(list)
    for role, email in DEMO_COMPTES:
        par_role[role].append(email)
    jeux["demo"] = (
        {
            "coordinatrice": par_role[Role.COORDINATRICE],
            "charge": par_role[Role.CHARGE_MISSION],
            "referent": par_role[Role.REFERENT][: options.referents],
        },
        DEMO_MOT_DE_PASSE,
    )
    return jeux


def _comptes(options):
    """The accounts of the run and their password, checked: no login may fail under load."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password

    from plie.models import User
    from plie.roles import Role

    jeux = _jeux_de_comptes(options)
    if options.comptes == "auto":
        noms = [
            nom for nom, (comptes, _) in jeux.items() if User.objects.filter(email=comptes["coordinatrice"][0]).exists()
        ]
        if not noms:
            raise SystemExit(
                "Aucun compte connu dans cette base : chargez-la avec manage.py seed_demo ou bench_echelle."
            )
        nom = noms[0]
    elif options.comptes not in jeux:
        raise SystemExit(f"Jeu de comptes « {options.comptes} » indisponible (tests/bench_echelle.py introuvable).")
    else:
        nom = options.comptes
    comptes, mot_de_passe = jeux[nom]
    mot_de_passe = options.mot_de_passe or mot_de_passe

    roles = {"coordinatrice": Role.COORDINATRICE, "charge": Role.CHARGE_MISSION, "referent": Role.REFERENT}
    hashes_verifies = {}
    for cle, emails in comptes.items():
        if not emails:
            raise SystemExit(f"Aucun compte « {cle} » dans le jeu « {nom} ».")
        for email in emails:
            user = User.objects.filter(email=email).prefetch_related("groups").first()
            if user is None or not user.is_active:
                raise SystemExit(f"Compte absent ou inactif : {email}.")
            if user.role != roles[cle]:
                raise SystemExit(f"{email} n'a pas le rôle principal attendu ({roles[cle].label}).")
            if user.password not in hashes_verifies:  # the demo accounts share one hash: one check
                hashes_verifies[user.password] = check_password(mot_de_passe, user.password)
            if not hashes_verifies[user.password]:
                raise SystemExit(f"Mot de passe refusé pour {email} : donnez le bon avec --mot-de-passe.")
    tous = [email for emails in comptes.values() for email in emails]
    # Django re-hashes a password with the preferred hasher (settings.PASSWORD_HASHERS) at the
    # account's first login: the run starts from that everyday state, not from the data set's build.
    prefere = get_hasher()
    a_jour = [
        h for h in hashes_verifies if identify_hasher(h).algorithm == prefere.algorithm and not prefere.must_update(h)
    ]
    if len(a_jour) < len(hashes_verifies):
        User.objects.filter(email__in=tous).exclude(password__in=a_jour).update(password=make_password(mot_de_passe))
    # Who keeps an FSE agenda (an FSE-funded post) opens it; the others never do.
    comptes = {
        **comptes,
        "agenda": list(User.objects.filter(email__in=tous, agenda_fse=True).values_list("email", flat=True)),
    }
    bloques = AccessAttempt.objects.filter(username__in=tous, failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if bloques.exists():
        noms_bloques = ", ".join(sorted({a.username for a in bloques}))
        raise SystemExit(
            f"Comptes verrouillés par django-axes : {noms_bloques} "
            "(manage.py axes_reset_username <e-mail>, ou attendre la fin du verrouillage)."
        )
    return nom, comptes, mot_de_passe


def _volumes():
    from entreprises.models import Entreprise
    from offres.models import Offre
    from participants.models import Participant

    return {
        "participants": Participant.objects.count(),
        "offres": Offre.objects.count(),
        "entreprises": Entreprise.objects.count(),
    }


def _empreinte(database_url):
    """What identifies the database's build: its OID (a new one if it is dropped and created again) and
    the build date in bench_echelle's manifest, if any. A change during the run voids its figures."""
    import psycopg2

    parsed = urlparse(database_url)
    options = {
        "host": parsed.hostname,
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
    }
    try:
        connexion = psycopg2.connect(dbname=parsed.path.lstrip("/"), **options)
    except psycopg2.OperationalError as erreur:
        return {"erreur": str(erreur).strip()}
    try:
        with connexion.cursor() as curseur:
            curseur.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            empreinte = {"oid": curseur.fetchone()[0]}
            curseur.execute("SELECT to_regclass('bench_manifeste') IS NOT NULL")
            if curseur.fetchone()[0]:
                curseur.execute("SELECT max(construit_le) FROM bench_manifeste")
                empreinte["construit_le"] = str(curseur.fetchone()[0])
            elif "plie_bench_echelle_" in parsed.path:
                empreinte["construit_le"] = None  # bench_echelle's manifest missing: being rebuilt
    finally:
        connexion.close()
    return empreinte


# --- The server ----------------------------------------------------------------------------


def _port_libre(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: a previous run's TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _oublier_tableaux(redis_url):
    """Forget the dashboards cached in this Redis database: the run computes its first ones."""
    import redis

    client = redis.Redis.from_url(redis_url)
    cles = list(client.scan_iter(match=CLES_TABLEAU, count=1000))
    if cles:
        client.delete(*cles)
    client.close()
    return len(cles)


def _env_serveur(options, database_url, dossier, static_root):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DJANGO_SETTINGS_MODULE", "CSRF_TRUSTED_ORIGINS", "SECURE_SSL_REDIRECT", "DEBUG", "AXES_PROXY_COUNT")
    }
    env.update(
        {
            "PLIE_MODE": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),  # throwaway: the sessions of the run only
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": options.redis_url,
            "STATIC_ROOT": str(static_root),
            "MEDIA_ROOT": str(dossier / "media"),
            "CELERY_DATA_DIR": str(dossier / "celery"),
            "EMAIL_URL": "consolemail://",
            "PLIE_URL": f"http://127.0.0.1:{options.port}",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _collectstatic(env, static_root, reutiliser):
    if reutiliser and (static_root / "staticfiles.json").exists():
        print(f"Fichiers statiques : {static_root} réutilisé.", flush=True)
        return
    print("Fichiers statiques (collectstatic, stockage compressé de production)…", flush=True)
    debut = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=RACINE, env=env, check=True)
    print(f"  collectés en {time.perf_counter() - debut:.0f} s.", flush=True)


def _demarrer_gunicorn(options, env, dossier):
    commande = [
        sys.executable,
        "-m",
        "gunicorn",
        "plie.wsgi:application",
        "--workers",
        str(options.workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{options.port}",
        "--access-logfile",
        str(dossier / "acces.log"),
        "--error-logfile",
        str(dossier / "gunicorn.log"),
        "--no-control-socket",  # gunicorn 27's default socket (~/.gunicorn) is shared by every gunicorn of the machine
        "--worker-tmp-dir",
        "/dev/shm" if Path("/dev/shm").is_dir() else str(dossier),
    ]
    with open(dossier / "gunicorn.sortie", "wb") as sortie:
        # A session of its own: the whole group (master and workers) is stopped at the end.
        return subprocess.Popen(
            commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT, start_new_session=True
        )


def _attendre_serveur(processus, port, dossier, delai=90):
    requete = urllib.request.Request(f"http://127.0.0.1:{port}/connexion/", headers={"X-Forwarded-Proto": "https"})
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        if processus.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {processus.returncode}) :\n{_fin_journal(dossier)}")
        try:
            with urllib.request.urlopen(requete, timeout=5) as reponse:
                if reponse.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet: try again
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn ne répond pas après {delai} s :\n{_fin_journal(dossier)}")


def _fin_journal(dossier, lignes=30):
    texte = ""
    for nom in ("gunicorn.log", "gunicorn.sortie"):
        chemin = dossier / nom
        if chemin.exists():
            texte += chemin.read_text(errors="replace")
    return "\n".join(texte.splitlines()[-lignes:])


def _cpu_workers(processus):
    """CPU seconds (user + system) used so far by gunicorn's workers."""
    import psutil

    try:
        enfants = psutil.Process(processus.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    total = 0.0
    for enfant in enfants:
        try:
            temps = enfant.cpu_times()
            total += temps.user + temps.system
        except psutil.NoSuchProcess:
            pass  # a worker that ended meanwhile has no more CPU to count
    return total


def _arreter(processus, delai=20):
    """Stop the process group of ``processus``: TERM, then KILL if it lingers."""
    if processus is None or processus.poll() is not None:
        return
    try:
        os.killpg(processus.pid, signal.SIGTERM)
        processus.wait(timeout=delai)
    except subprocess.TimeoutExpired:
        os.killpg(processus.pid, signal.SIGKILL)
        processus.wait()
    except ProcessLookupError:
        pass  # already gone


# --- The load ------------------------------------------------------------------------------


def _lancer_locust(options, comptes, mot_de_passe, dossier):
    env = {
        **os.environ,
        "PLIE_CHARGE_COMPTES": json.dumps(comptes),
        "PLIE_CHARGE_MOT_DE_PASSE": mot_de_passe,
        "PLIE_CHARGE_JOURNAL": str(dossier / "journal.jsonl"),
    }
    commande = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(options.users),
        "--spawn-rate",
        str(options.spawn_rate),
        "--run-time",
        options.duration,
        "--host",
        f"http://127.0.0.1:{options.port}",
        "--csv",
        str(dossier / "charge"),
        "--only-summary",
    ]
    print(
        f"locust : {options.users} utilisateurs ({options.spawn_rate:g} par seconde), {options.duration}, "
        f"sur http://127.0.0.1:{options.port}…",
        flush=True,
    )
    avant = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(dossier / "locust.log", "wb") as sortie:
        processus = subprocess.Popen(commande, cwd=RACINE, env=env, stdout=sortie, stderr=subprocess.STDOUT)
        try:
            code = processus.wait(timeout=_secondes(options.duration) + 180)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.wait()
            raise RuntimeError("locust ne s'est pas arrêté à temps.") from None
        finally:
            if processus.poll() is None:
                processus.terminate()
                processus.wait()
    apres = resource.getrusage(resource.RUSAGE_CHILDREN)
    journal = (dossier / "locust.log").read_text(errors="replace").splitlines()
    if code not in (0, 1) or not (dossier / "charge_stats.csv").exists():  # 1: some requests failed
        raise RuntimeError(f"locust a échoué (code {code}) :\n" + "\n".join(journal[-30:]))
    cpu = apres.ru_utime + apres.ru_stime - avant.ru_utime - avant.ru_stime
    # locust warns when its own process is short of CPU: its timings then include its own waiting.
    alertes = [ligne.strip() for ligne in journal if "CPU usage" in ligne]
    repartition = {}
    for ligne in journal:  # "All users spawned: {"ChargeMission": 5, …} (50 total users)"
        trouve = re.search(r"All users spawned: (\{.*?\})", ligne)
        if trouve:
            repartition = json.loads(trouve.group(1))
    return cpu, alertes, repartition


def _nombre(valeur):
    try:
        return float(valeur)
    except (TypeError, ValueError):
        return None


def _lire_stats(dossier):
    pages, agrege = [], None
    with open(dossier / "charge_stats.csv", newline="", encoding="utf-8") as fichier:
        for ligne in csv.DictReader(fichier):
            page = {
                "methode": ligne["Type"],
                "page": ligne["Name"],
                "requetes": int(ligne["Request Count"]),
                "echecs": int(ligne["Failure Count"]),
                "mediane_ms": _nombre(ligne["Median Response Time"]),
                "p95_ms": _nombre(ligne["95%"]),
                "max_ms": round(_nombre(ligne["Max Response Time"]) or 0),
                "req_s": round(_nombre(ligne["Requests/s"]) or 0, 2),
            }
            if ligne["Name"] == "Aggregated":
                agrege = page
            else:
                pages.append(page)
    echecs = []
    chemin = dossier / "charge_failures.csv"
    if chemin.exists():
        with open(chemin, newline="", encoding="utf-8") as fichier:
            for ligne in csv.DictReader(fichier):
                echecs.append({"page": ligne["Name"], "erreur": ligne["Error"], "nombre": int(ligne["Occurrences"])})
    return pages, agrege, echecs


def _centile(valeurs, q):
    if not valeurs:
        return None
    valeurs = sorted(valeurs)
    return valeurs[max(0, math.ceil(q * len(valeurs)) - 1)]


def _lire_journal(dossier):
    """The 95th percentile without the login requests, and once every user has logged in."""
    chemin = dossier / "journal.jsonl"
    if not chemin.exists():
        return {}
    lignes = [json.loads(ligne) for ligne in chemin.read_text(encoding="utf-8").splitlines() if ligne.strip()]
    connexions = [ligne["fin"] for ligne in lignes if ligne["nom"] == "connexion : envoi"]
    pages = [ligne for ligne in lignes if ligne["nom"] not in NOMS_CONNEXION]
    resultat = {
        "connexions": len(connexions),
        "p95_hors_connexion_ms": _centile([ligne["ms"] for ligne in pages], 0.95),
        "requetes_hors_connexion": len(pages),
    }
    if connexions:
        derniere = max(connexions)
        etabli = [ligne["ms"] for ligne in pages if ligne["fin"] - ligne["ms"] / 1000 >= derniere]
        debut = min(ligne["fin"] - ligne["ms"] / 1000 for ligne in lignes)
        resultat.update(
            {
                "derniere_connexion_s": round(derniere - debut, 1),
                "p95_regime_etabli_ms": _centile(etabli, 0.95),
                "mediane_regime_etabli_ms": _centile(etabli, 0.5),
                "requetes_regime_etabli": len(etabli),
            }
        )
    return resultat


def _lire_serveur(dossier):
    """HTTP statuses of the access log, and the errors of the server's log."""
    statuts = collections.Counter()
    chemin = dossier / "acces.log"
    if chemin.exists():
        for ligne in chemin.read_text(errors="replace").splitlines():
            trouve = re.search(r'" (\d{3}) ', ligne)
            if trouve:
                statuts[trouve.group(1)] += 1
    journal = ""
    for nom in ("gunicorn.log", "gunicorn.sortie"):
        if (dossier / nom).exists():
            journal += (dossier / nom).read_text(errors="replace")
    return dict(sorted(statuts.items())), _erreurs(journal)


# A log record: Django's ("2026-11-29 15:15:33,944 ERROR django.request Internal Server Error: /x/") or
# gunicorn's ("[2026-11-29 15:15:33 +0100] [123] [CRITICAL] WORKER TIMEOUT (pid:124)").
ENREGISTREMENT_DJANGO = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+) (\S+) (.*)$")
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Timeout|Interrupt|DoesNotExist|Denied)\b(:|$)")
ENREGISTREMENT_GUNICORN = re.compile(r"^\[\d{4}-\d\d-\d\d [^]]+\] \[\d+\] \[(\w+)\] (.*)$")


def _erreurs(journal):
    """The server's errors grouped by message and final exception line, the most frequent first."""
    blocs = []
    for ligne in journal.splitlines():
        django_ = ENREGISTREMENT_DJANGO.match(ligne)
        gunicorn = ENREGISTREMENT_GUNICORN.match(ligne)
        if django_:
            blocs.append({"niveau": django_.group(1), "message": django_.group(3), "suite": []})
        elif gunicorn:
            blocs.append({"niveau": gunicorn.group(1), "message": gunicorn.group(2), "suite": []})
        elif blocs and ligne.strip():
            blocs[-1]["suite"].append(ligne.strip())
    groupes = {}
    for bloc in blocs:
        if bloc["niveau"] not in ("WARNING", "ERROR", "CRITICAL"):
            continue
        message = re.sub(r"(pid:? ?)\d+", r"\1…", bloc["message"])
        chemin = ""
        trouve = re.match(r"(.*?: )(/\S*)$", message)  # "Internal Server Error: /participants/"
        if trouve:
            message, chemin = trouve.group(1) + "…", trouve.group(2)
        # The last "module.SomeError: message" line of the traceback (the exception finally raised).
        exceptions = [ligne for ligne in bloc["suite"] if EXCEPTION.match(ligne)]
        exception = exceptions[-1] if exceptions else (bloc["suite"][-1] if bloc["suite"] else "")
        groupe = groupes.setdefault((message, exception), {"message": message, "exception": exception, "nombre": 0})
        groupe["nombre"] += 1
        groupe.setdefault("exemple", chemin)
    return sorted(groupes.values(), key=lambda g: -g["nombre"])


# --- Report --------------------------------------------------------------------------------


def _ms(valeur):
    return "—" if valeur is None else f"{valeur:,.0f}".replace(",", "\u202f")


def _afficher(pages, agrege, echecs, journal, statuts, erreurs, cpu, charge, cpu_locust, alertes_locust, repartition):
    largeur = max([len(p["page"]) for p in pages] + [20]) + 2
    entete = f"{'Page':<{largeur}}{'Requêtes':>9}{'Échecs':>8}{'Médiane':>9}{'p95':>8}{'Max':>8}{'Req/s':>8}"
    print()
    print(entete)
    print("-" * len(entete))
    for page in sorted(pages, key=lambda p: -(p["p95_ms"] or 0)):
        print(
            f"{page['page']:<{largeur}}{page['requetes']:>9}{page['echecs']:>8}{_ms(page['mediane_ms']):>9}"
            f"{_ms(page['p95_ms']):>8}{_ms(page['max_ms']):>8}{page['req_s']:>8.2f}"
        )
    print("-" * len(entete))
    print(
        f"{'Ensemble':<{largeur}}{agrege['requetes']:>9}{agrege['echecs']:>8}{_ms(agrege['mediane_ms']):>9}"
        f"{_ms(agrege['p95_ms']):>8}{_ms(agrege['max_ms']):>8}{agrege['req_s']:>8.2f}"
    )
    print("(durées en ms ; p95 = 95e centile)")
    print()
    if journal:
        print(
            f"p95 hors connexion : {_ms(journal.get('p95_hors_connexion_ms'))} ms "
            f"({journal.get('requetes_hors_connexion')} requêtes)"
        )
        if "p95_regime_etabli_ms" in journal:
            print(
                f"Régime établi (requêtes parties après la dernière connexion, à "
                f"{journal['derniere_connexion_s']} s) : médiane {_ms(journal['mediane_regime_etabli_ms'])} ms, "
                f"p95 {_ms(journal['p95_regime_etabli_ms'])} ms ({journal['requetes_regime_etabli']} requêtes)"
            )
    print("Statuts HTTP (journal d'accès) : " + ", ".join(f"{code} × {n}" for code, n in statuts.items()))
    if cpu is not None and agrege["requetes"]:
        print(f"CPU des workers gunicorn : {cpu:.0f} s, soit {1000 * cpu / agrege['requetes']:.0f} ms par requête")
    if repartition:
        print("Utilisateurs simulés : " + ", ".join(f"{nom} {n}" for nom, n in repartition.items()))
    print(f"CPU du processus locust : {cpu_locust:.0f} s")
    for alerte in alertes_locust:
        print(f"  locust : {alerte}")
    print(
        f"Charge de la machine ({charge['coeurs']} cœurs ; load average 1 min) : "
        f"{charge['avant']:.1f} avant, {charge['apres']:.1f} après"
    )
    if echecs:
        print("\nÉchecs :")
        for echec in echecs:
            print(f"  {echec['nombre']:>5} × {echec['page']} : {echec['erreur']}")
    if erreurs:
        print(f"\nErreurs du serveur ({sum(e['nombre'] for e in erreurs)}, par message et exception finale) :")
        for erreur in erreurs[:10]:
            exemple = f" (par exemple {erreur['exemple']})" if erreur.get("exemple") else ""
            print(f"  {erreur['nombre']:>5} × {erreur['message']}{exemple}")
            if erreur["exception"]:
                print(f"          {erreur['exception'][:300]}")


def main():
    options = _options()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally blocks stop the server
    duree_s = _secondes(options.duration)
    if not _port_libre(options.port):
        raise SystemExit(f"Le port {options.port} est déjà pris : choisissez-en un autre avec --port.")

    database_url = _base(options)
    os.environ["DATABASE_URL"] = database_url
    os.environ["PLIE_MODE"] = "development"  # this process only reads the accounts; the server runs production
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")
    import django

    django.setup()
    from django.db import connections

    jeu, comptes, mot_de_passe = _comptes(options)
    volumes = _volumes()
    connections.close_all()
    print(
        f"Base {_sans_secret(database_url)} : {volumes['participants']} participants, {volumes['offres']} offres, "
        f"{volumes['entreprises']} entreprises ; comptes « {jeu} » : {len(comptes['coordinatrice'])} coordinatrice, "
        f"{len(comptes['charge'])} chargée(s), {len(comptes['referent'])} référents "
        f"({len(comptes['agenda'])} tiennent un agenda FSE).",
        flush=True,
    )

    dossier = Path(tempfile.mkdtemp(prefix="bench_charge_"))
    static_root = Path(options.static_root) if options.static_root else dossier / "static"
    env = _env_serveur(options, database_url, dossier, static_root)
    gunicorn = None
    charge = {"avant": round(os.getloadavg()[0], 2), "coeurs": os.cpu_count()}
    try:
        try:
            _collectstatic(env, static_root, reutiliser=bool(options.static_root))
            oubliees = _oublier_tableaux(options.redis_url)
            print(
                f"Cache {_sans_secret(options.redis_url)} : {oubliees} tableau(x) de bord oublié(s). "
                f"gunicorn ({options.workers} workers sync) sur 127.0.0.1:{options.port}…",
                flush=True,
            )
            gunicorn = _demarrer_gunicorn(options, env, dossier)
            _attendre_serveur(gunicorn, options.port, dossier)
            charge["avant"] = round(os.getloadavg()[0], 2)
            cpu_debut = _cpu_workers(gunicorn)
            empreinte_avant = _empreinte(database_url)
            cpu_locust, alertes_locust, repartition = _lancer_locust(options, comptes, mot_de_passe, dossier)
            cpu_fin = _cpu_workers(gunicorn)
            empreinte_apres = _empreinte(database_url)
            charge["apres"] = round(os.getloadavg()[0], 2)
        finally:
            _arreter(gunicorn)
        pages, agrege, echecs = _lire_stats(dossier)
        if agrege is None or not agrege["requetes"]:
            raise RuntimeError("locust n'a enregistré aucune requête.")
        journal = _lire_journal(dossier)
        statuts, erreurs = _lire_serveur(dossier)
    finally:
        if options.garder:
            print(f"Dossier gardé : {dossier}")
        else:
            shutil.rmtree(dossier, ignore_errors=True)
    cpu = None if cpu_debut is None or cpu_fin is None else cpu_fin - cpu_debut
    _afficher(pages, agrege, echecs, journal, statuts, erreurs, cpu, charge, cpu_locust, alertes_locust, repartition)

    base_modifiee = empreinte_avant != empreinte_apres
    if base_modifiee:
        print(
            f"\nATTENTION : la base a changé pendant le tir ({empreinte_avant} → {empreinte_apres}) : "
            "reconstruite par un autre processus ? Ces mesures ne valent rien, relancez quand elle est stable."
        )
    nb_echecs = agrege["echecs"]
    p95 = agrege["p95_ms"]
    reussi = nb_echecs == 0 and p95 is not None and p95 < CIBLE_P95_MS and not base_modifiee
    SORTIE.parent.mkdir(parents=True, exist_ok=True)
    SORTIE.write_text(
        json.dumps(
            {
                "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
                "base": _sans_secret(database_url),
                "volumes": volumes,
                "base_modifiee_pendant_le_tir": base_modifiee,
                "comptes": {"jeu": jeu, **{role: len(emails) for role, emails in comptes.items()}},
                "utilisateurs": options.users,
                "repartition": repartition,
                "cadence_par_s": options.spawn_rate,
                "duree_s": duree_s,
                "workers_gunicorn": options.workers,
                "reglages": "PLIE_MODE=production (DEBUG off), HTTP en boucle locale derrière un mandataire simulé "
                "(X-Forwarded-Proto: https), cache Redis",
                "machine": {
                    **charge,
                    "cpu_workers_s": None if cpu is None else round(cpu, 1),
                    "cpu_locust_s": round(cpu_locust, 1),
                    "alertes_locust": alertes_locust,
                },
                "pages": pages,
                "ensemble": agrege,
                **journal,
                "echecs": echecs,
                "statuts_http": statuts,
                "erreurs_serveur": erreurs[:20],
                "cible_p95_ms": CIBLE_P95_MS,
                "reussi": reussi,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    p95_texte = "inconnu" if p95 is None else f"{p95:.0f}"
    print(f"\nRESULTAT charge_echecs={nb_echecs} charge_p95_ms={p95_texte} cible_p95_ms={CIBLE_P95_MS}")
    print(f"Résultats écrits dans {SORTIE.relative_to(RACINE)}")
    return 0 if reussi else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except RuntimeError as erreur:  # the server or locust failed: their log's end is in the message
        print(f"\nÉCHEC : {erreur}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\nInterrompu (gunicorn arrêté).", file=sys.stderr)
        sys.exit(130)
