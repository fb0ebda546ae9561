"""Benchmark of every main page at several scales of the PLIE (not collected by pytest).

    .venv/bin/python tests/bench_pages.py [--scales 1 100] [--runs 15] [--explain 3]
                                          [--base 100=postgres://…/plie_bench_tableau]

PostgreSQL only. Each scale has its database, built by ``tests/bench_echelle.py``
(``assurer_jeu(scale)`` builds it when missing and gives its URL; ``--base N=URL`` names another
one). For each scale, a subprocess started with ``DATABASE_URL`` set to that database (the settings
read it at setup) migrates it, then, through Django's test client signed in with ``force_login``
as each role (``bench_echelle.COMPTES``, else the first active account of the role), requests each
page three times to warm up (then freezes its objects out of the garbage collector's reach, as
``plie/wsgi.py`` does in each gunicorn worker), then ``--runs`` times (in rounds: each round requests every page
once, so that a burst of load on the shared machine spreads over all of them): median and 95th
percentile (nearest rank) of the wall-clock time, median CPU time of the Python process, and the
SQL statements of one more request (``requetes``: the statements that read or write; the
transaction control Django also logs — BEGIN, COMMIT, savepoints — is left out;
``requetes_avec_transactions`` in the JSON keeps BEGIN and COMMIT, as ``bench_tableau`` counts).
The slowest SELECT statements of each page are run again under ``EXPLAIN (ANALYZE, BUFFERS)``.

The pages: the référent's start page (their caseload, « mes participants ») and one of their
participants' page; the participants list as the coordinatrice, without filter, then
``?statut=entre``, a text search and a commune; the chargé(e) de mission's start page, the
qualification queue (overview list and the screen of its first offer); the offers list without
filter, by status and with a text search; an offer's page with its matching (as the référent);
the companies list; the coordinatrice's dashboard served from its cache and computed
(``?recalculer=1``: reported, not a target: users get the cached one); the FSE agenda week of
the chargée.

Targets (issue « Scale and speed »), at the largest scale: each page's median under 150 ms and its
95th percentile under 300 ms; its query count the same at every scale and at most 15; its median
under twice the smallest scale's. Prints one table; for each page that misses a target, its slowest
run (with the time Python's garbage collector took in it: a full collection lands on whichever
request triggers it) and the plans of its slowest statements; then ``RESULTAT
pages_mediane_max_ms=… pages_p95_max_ms=… requetes_max=… croissance_max=…``. Writes the figures
(every run's time, plans) to ``var/bench/bench_pages.json``. Exit code 1 when a target is missed.
"""

import argparse
import datetime
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

MEDIANE_MAX_MS = 150
P95_MAX_MS = 300
REQUETES_MAX = 15
CROISSANCE_MAX = 2.0
SORTIE = RACINE / "var" / "bench" / "bench_pages.json"


def _options():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 100], help="échelles mesurées (défaut : 1 100)")
    parser.add_argument("--runs", type=int, default=15, help="mesures par page après trois tours de chauffe")
    parser.add_argument("--explain", type=int, default=3, help="requêtes les plus lentes passées à EXPLAIN")
    parser.add_argument(
        "--base",
        action="append",
        default=[],
        metavar="N=URL",
        help="base à utiliser pour l'échelle N (au lieu de celle de tests/bench_echelle.py)",
    )
    parser.add_argument("--pages", nargs="*", help="ne mesurer que ces pages (clés du JSON)")
    parser.add_argument("--rebuild", action="store_true", help="reconstruire les jeux (bench_echelle)")
    # Internal: the measuring subprocess of one scale.
    parser.add_argument("--mesurer", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--resultats", help=argparse.SUPPRESS)
    parser.add_argument("--comptes", default="{}", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Statistics -------------------------------------------------------------------------------


def percentiles(durees):
    durees = sorted(durees)
    p95 = durees[max(0, math.ceil(0.95 * len(durees)) - 1)]
    return statistics.median(durees) * 1000, p95 * 1000


# --- The measuring subprocess (one scale, one database) -----------------------------------------


def mesurer(options):
    """Runs in the subprocess of one scale: Django set up on ``DATABASE_URL``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Ce banc d'essai demande PostgreSQL (DATABASE_URL).", file=sys.stderr)
        return 2
    # Not ``setup_test_environment()``: it instruments template rendering, which would inflate
    # the figures. The client only needs its host allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    debut = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    print(f"  base {connection.settings_dict['NAME']} migrée ({time.perf_counter() - debut:.0f} s)", flush=True)

    comptes = _comptes(json.loads(options.comptes))
    pages = _pages(comptes)
    if options.pages:
        pages = [p for p in pages if p["cle"] in options.pages]
    resultats = {"base": connection.settings_dict["NAME"], "volumes": _volumes()}
    resultats["comptes"] = {role: user.email for role, user in comptes.items()}
    print("  " + ", ".join(f"{n} {nom}" for nom, n in resultats["volumes"].items()), flush=True)

    from django.test import Client

    clients = {}
    for role, user in comptes.items():
        clients[role] = Client()
        clients[role].force_login(user)
    resultats["pages"] = {}
    mesures = mesurer_pages(clients, pages, options.runs)
    for page in pages:
        client, mesure = clients[page["role"]], mesures[page["cle"]]
        lentes = requetes_lentes(client, page["url"])
        mesure["sql_ms"] = round(sum(duree for duree, _, _ in lentes) * 1000, 1)
        mesure["requetes_lentes"] = expliquer(lentes, options.explain)
        mesure.update(url=page["url"], role=page["role"], titre=page["titre"], cible=page["cible"])
        resultats["pages"][page["cle"]] = mesure
        print(
            f"  {page['titre']:<52} méd. {mesure['mediane_ms']:>7.1f} ms  p95 {mesure['p95_ms']:>7.1f} ms  "
            f"{mesure['requetes']:>3} requêtes  (CPU Python {mesure['cpu_ms']:.1f} ms, SQL {mesure['sql_ms']:.1f} ms)",
            flush=True,
        )
    Path(options.resultats).write_text(json.dumps(resultats, ensure_ascii=False, default=str), encoding="utf-8")
    return 0


def _comptes(emails):
    """One account per role: those of bench_echelle.COMPTES when present, else the first active
    account of each role (by e-mail)."""
    from plie.models import User
    from plie.roles import Role

    roles = {"coordinatrice": Role.COORDINATRICE, "charge": Role.CHARGE_MISSION, "referent": Role.REFERENT}
    comptes = {}
    for cle, role in roles.items():
        user = User.objects.filter(email=emails.get(cle, ""), is_active=True).first()
        if user is None and cle == "referent":
            # A référent who has people in accompaniment (the data sets of other benches).
            user = User.objects.with_role(role).filter(participants_suivis__statut="entre").order_by("email").first()
        user = user or User.objects.with_role(role).order_by("email").first()
        if user is None:
            raise SystemExit(f"Aucun compte actif pour le rôle « {role.label} » dans cette base.")
        comptes[cle] = user
    return comptes


def _volumes():
    from django.db import connection

    tables = {
        "participants": "participants_participant",
        "entretiens": "participants_entretien",
        "offres": "offres_offre",
        "positionnements": "offres_positionnement",
        "entreprises": "entreprises_entreprise",
        "lignes d'agenda": "fse_ligneagenda",
    }
    with connection.cursor() as curseur:
        # Planner estimates: exact enough to describe the data, and instantaneous.
        curseur.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)", [list(tables.values())]
        )
        estimations = dict(curseur.fetchall())
    return {nom: max(0, estimations.get(table, 0)) for nom, table in tables.items()}


def _pages(comptes):
    """The pages measured, with the objects they name chosen the same way at every scale."""
    from urllib.parse import urlencode

    from django.db.models import Count
    from django.urls import reverse

    from offres.enums import StatutOffre
    from offres.models import Diffusion, Offre
    from offres.selectors import offres_a_qualifier
    from participants.models import Participant

    referent = comptes["referent"]
    participant = Participant.objects.en_accompagnement().filter(referent=referent).order_by("id").first()
    if participant is None:
        raise SystemExit(f"{referent.email} n'accompagne personne dans cette base.")
    diffusion = (
        Diffusion.objects.filter(referent=referent, offre__statut=StatutOffre.DIFFUSEE)
        .order_by("-diffusee_le", "-id")
        .first()
    )
    offre = diffusion.offre if diffusion else Offre.objects.filter(statut=StatutOffre.DIFFUSEE).first()
    premiere_a_qualifier = offres_a_qualifier().values_list("id", flat=True).first()
    # The commune where most participants live: the list's heaviest commune filter.
    commune = Participant.objects.order_by().values_list("commune").annotate(n=Count("id")).order_by("-n").first()[0]
    participants, offres = reverse("participants:liste"), reverse("offres:liste")

    def page(cle, titre, role, url, cible=True):
        return {"cle": cle, "titre": titre, "role": role, "url": url, "cible": cible}

    pages = [
        page("espace_referent", "Espace référent (mes participants)", "referent", reverse("espace_referent")),
        page(
            "participant",
            "Fiche d'un participant (référent)",
            "referent",
            reverse("participants:detail", args=[participant.pk]),
        ),
        page("participants", "Participants (coordinatrice)", "coordinatrice", participants),
        page("participants_entre", "Participants ?statut=entre", "coordinatrice", participants + "?statut=entre"),
        page(
            "participants_q",
            "Participants ?q=<nom>",
            "coordinatrice",
            participants + "?" + urlencode({"q": participant.nom}),
        ),
        page(
            "participants_commune",
            "Participants ?commune=<la plus peuplée>",
            "coordinatrice",
            participants + f"?commune={commune}",
        ),
        page("espace_charge", "Espace chargé(e) de mission", "charge", reverse("espace_charge_mission")),
        page("file_liste", "File de qualification (liste)", "charge", reverse("offres:file") + "?vue=liste"),
    ]
    if premiere_a_qualifier:
        pages.append(
            page(
                "file_ecran",
                "File de qualification (1re offre)",
                "charge",
                reverse("offres:qualifier", args=[premiere_a_qualifier]),
            )
        )
    pages += [
        page("offres", "Offres (chargée)", "charge", offres),
        page("offres_statut", "Offres ?statut=diffusee", "charge", offres + "?statut=diffusee"),
        page("offres_q", "Offres ?q=cariste", "charge", offres + "?q=cariste"),
    ]
    if offre:
        pages.append(
            page("offre", "Offre et appariement (référent)", "referent", reverse("offres:detail", args=[offre.pk]))
        )
    tableau = reverse("reporting:tableau")
    pages += [
        page("entreprises", "Entreprises (chargée)", "charge", reverse("entreprises:liste")),
        page("tableau", "Tableau de bord (servi du cache)", "coordinatrice", tableau),
        page("tableau_calcul", "Tableau de bord (?recalculer=1)", "coordinatrice", tableau + "?recalculer=1", False),
        page("agenda", "Agenda FSE, semaine (chargée)", "charge", reverse("fse:semaine")),
    ]
    return pages


CONTROLE = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _sans_savepoints(requetes):
    return [q for q in requetes if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def _sans_controle(requetes):
    """The SQL statements that read or write, without the transaction control Django logs since 4.2
    (BEGIN and COMMIT of ATOMIC_REQUESTS and of the session's save, savepoints)."""
    return [q for q in requetes if not q["sql"].startswith(CONTROLE)]


def mesurer_pages(clients, pages, runs):
    """Three warm-up rounds, then ``runs`` rounds: each round requests every page once, so that a
    burst of load on the shared machine falls on all the pages rather than on a few of them. Then
    one more request of each page, its SQL statements captured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durees = {page["cle"]: [] for page in pages}
    cpu = {page["cle"]: [] for page in pages}
    gc_ms = {page["cle"]: [] for page in pages}
    ramasse = [0.0, None]  # time spent in Python's garbage collector, start of the current pass

    def chrono_gc(phase, info):
        if phase == "start":
            ramasse[1] = time.perf_counter()
        elif ramasse[1] is not None:
            ramasse[0] += time.perf_counter() - ramasse[1]

    gc.callbacks.append(chrono_gc)
    try:
        for tour in range(3 + runs):
            if tour == 3:
                # What plie/wsgi.py does in each gunicorn worker once started: the objects of the
                # start-up (and here of the warm-up) out of the collector's reach.
                gc.collect()
                gc.freeze()
            for page in pages:
                client, url = clients[page["role"]], page["url"]
                ramasse[0] = 0.0
                debut, debut_cpu = time.perf_counter(), time.process_time()
                response = client.get(url)
                duree, duree_cpu = time.perf_counter() - debut, time.process_time() - debut_cpu
                assert response.status_code == 200, url
                if tour >= 3:  # the first three rounds warm up: connection, caches, templates
                    durees[page["cle"]].append(duree)
                    cpu[page["cle"]].append(duree_cpu)
                    gc_ms[page["cle"]].append(round(ramasse[0] * 1000, 1))
    finally:
        gc.callbacks.remove(chrono_gc)
    mesures = {}
    for page in pages:
        with CaptureQueriesContext(connection) as requetes:
            assert clients[page["role"]].get(page["url"]).status_code == 200, page["url"]
        mediane, p95 = percentiles(durees[page["cle"]])
        mesures[page["cle"]] = {
            "mediane_ms": round(mediane, 1),
            "p95_ms": round(p95, 1),
            "requetes": len(_sans_controle(requetes)),
            "requetes_avec_transactions": len(_sans_savepoints(requetes)),
            # The Python process's own CPU time (the rest is SQL and waiting for a core): steadier
            # than the wall-clock time on a shared machine, it tells the page's cost from the load.
            "cpu_ms": round(statistics.median(cpu[page["cle"]]) * 1000, 1),
            "durees_ms": [round(d * 1000, 1) for d in durees[page["cle"]]],
            # Of each of those requests, the time Python's garbage collector took (a spike's cause?).
            "ramasse_miettes_ms": gc_ms[page["cle"]],
        }
    return mesures


def requetes_lentes(client, url):
    """The page's SQL statements with their parameters and durations, slowest first."""
    from django.db import connection

    lentes = []

    def chronometre(execute, sql, params, many, context):
        debut = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            lentes.append((time.perf_counter() - debut, sql, params))

    with connection.execute_wrapper(chronometre):
        assert client.get(url).status_code == 200
    return sorted(lentes, key=lambda r: r[0], reverse=True)


def expliquer(lentes, combien):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest distinct reads (never a write: ANALYZE runs it)."""
    from django.db import connection

    vues, plans = set(), []
    for duree, sql, params in lentes:
        if sql in vues or len(plans) >= combien or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        vues.add(sql)
        with connection.cursor() as curseur:
            curseur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [ligne for (ligne,) in curseur.fetchall()]
        plans.append({"duree_ms": round(duree * 1000, 1), "sql": sql[:2000], "plan": plan})
    return plans


# --- The main process: one subprocess per scale, then the table --------------------------------


def url_de(scale, options, echelle):
    for valeur in options.base:
        n, _, url = valeur.partition("=")
        if int(n) == scale:
            return url
    if echelle is None:
        raise SystemExit(f"Pas de base pour l'échelle {scale} : tests/bench_echelle.py absent (ou --base {scale}=URL).")
    return echelle.assurer_jeu(scale, rebuild=options.rebuild)


def _bench_echelle():
    try:
        from tests import bench_echelle
    except ImportError:
        return None
    return bench_echelle


def lancer(scale, url, options, comptes):
    print(f"\nÉchelle {scale} : {url.rsplit('/', 1)[-1]}", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fichier:
        chemin = fichier.name
    commande = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--mesurer",
        str(scale),
        "--runs",
        str(options.runs),
        "--explain",
        str(options.explain),
        "--resultats",
        chemin,
        "--comptes",
        json.dumps(comptes),
    ]
    if options.pages:
        commande += ["--pages", *options.pages]
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "plie.settings"}
    try:
        subprocess.run(commande, env=env, check=True, cwd=RACINE)
        return json.loads(Path(chemin).read_text(encoding="utf-8"))
    finally:
        Path(chemin).unlink(missing_ok=True)


def verdicts(resultats, scales):
    """PASS/FAIL of each target for each page measured at every scale."""
    petite, grande = str(scales[0]), str(scales[-1])
    pages = resultats[grande]["pages"]
    lignes = {}
    for cle, mesure in pages.items():
        mesures = {s: resultats[str(s)]["pages"].get(cle) for s in scales}
        if any(m is None for m in mesures.values()):
            continue
        base = resultats[petite]["pages"][cle]["mediane_ms"]
        croissance = mesure["mediane_ms"] / base if len(scales) > 1 and base > 0 else None
        comptes = {m["requetes"] for m in mesures.values()}
        lignes[cle] = {
            "cible": mesure["cible"],
            "croissance": round(croissance, 2) if croissance is not None else None,
            "mediane": mesure["mediane_ms"] < MEDIANE_MAX_MS,
            "p95": mesure["p95_ms"] < P95_MAX_MS,
            "requetes": len(comptes) == 1 and mesure["requetes"] <= REQUETES_MAX,
            "croissance_ok": croissance is None or croissance < CROISSANCE_MAX,
        }
        lignes[cle]["ok"] = all(lignes[cle][k] for k in ("mediane", "p95", "requetes", "croissance_ok"))
    return lignes


def afficher(resultats, scales, lignes, options):
    grande = str(scales[-1])
    print(f"\nPages ({options.runs} mesures à chaud après 3 tours de chauffe ; temps en ms)")
    tete = f"{'page':<44}"
    for s in scales:
        tete += f"{'méd. ×' + str(s):>11}{'p95 ×' + str(s):>10}"
    for s in scales:
        tete += f"{'req. ×' + str(s):>11}"
    tete += f"{'crois.':>8}  {'méd.':<5}{'p95':<5}{'req.':<5}{'crois.':<6}"
    print(tete)
    print("-" * len(tete))

    def ok(valeur):
        return "PASS" if valeur else "FAIL"

    for cle, verdict in lignes.items():
        mesures = [resultats[str(s)]["pages"][cle] for s in scales]
        ligne = f"{mesures[-1]['titre'][:43]:<44}"
        for m in mesures:
            ligne += f"{m['mediane_ms']:>11.1f}{m['p95_ms']:>10.1f}"
        for m in mesures:
            ligne += f"{m['requetes']:>11}"
        croissance = f"{verdict['croissance']:.2f}" if verdict["croissance"] is not None else "—"
        ligne += f"{croissance:>8}  "
        if verdict["cible"]:
            ligne += f"{ok(verdict['mediane']):<5}{ok(verdict['p95']):<5}{ok(verdict['requetes']):<5}"
            ligne += ok(verdict["croissance_ok"])
        else:
            ligne += "(pour information : les utilisateurs reçoivent la version en cache)"
        print(ligne)
    print(
        f"Cibles à l'échelle {grande} : médiane < {MEDIANE_MAX_MS} ms, p95 < {P95_MAX_MS} ms, "
        f"requêtes identiques à chaque échelle et ≤ {REQUETES_MAX}, croissance de la médiane < {CROISSANCE_MAX:g}×."
    )
    manquees = [cle for cle, v in lignes.items() if v["cible"] and not v["ok"]]
    for cle in manquees:
        mesure = resultats[grande]["pages"][cle]
        print(f"\n{mesure['titre']} ({mesure['url']}), échelle {grande} : requêtes les plus lentes")
        lente = max(range(len(mesure["durees_ms"])), key=mesure["durees_ms"].__getitem__)
        print(
            f"  (mesure la plus lente : {mesure['durees_ms'][lente]:.0f} ms, dont "
            f"{mesure['ramasse_miettes_ms'][lente]:.0f} ms de ramasse-miettes Python ; CPU médian "
            f"{mesure['cpu_ms']:.0f} ms, SQL {mesure['sql_ms']:.0f} ms)"
        )
        for n, lente in enumerate(mesure["requetes_lentes"], 1):
            print(f"\n  n° {n} ({lente['duree_ms']:.1f} ms) : {lente['sql'][:240]}…")
            for ligne in lente["plan"][:40]:
                print(f"      {ligne}")


def principal(options):
    scales = sorted(set(options.scales))
    echelle = _bench_echelle()
    comptes = dict(getattr(echelle, "COMPTES", {}) or {})
    resultats = {}
    for scale in scales:
        url = url_de(scale, options, echelle)
        resultats[str(scale)] = lancer(scale, url, options, comptes)
    lignes = verdicts(resultats, scales)
    afficher(resultats, scales, lignes, options)

    avec_cible = {cle: v for cle, v in lignes.items() if v["cible"]}
    grande = resultats[str(scales[-1])]["pages"]
    resultat = {
        "pages_mediane_max_ms": max((grande[c]["mediane_ms"] for c in avec_cible), default=0),
        "pages_p95_max_ms": max((grande[c]["p95_ms"] for c in avec_cible), default=0),
        "requetes_max": max((resultats[str(s)]["pages"][c]["requetes"] for c in avec_cible for s in scales), default=0),
        "croissance_max": max((v["croissance"] or 0 for v in avec_cible.values()), default=0),
    }
    SORTIE.parent.mkdir(parents=True, exist_ok=True)
    SORTIE.write_text(
        json.dumps(
            {
                "date": datetime.datetime.now().isoformat(timespec="seconds"),
                "runs": options.runs,
                "cibles": {
                    "mediane_max_ms": MEDIANE_MAX_MS,
                    "p95_max_ms": P95_MAX_MS,
                    "requetes_max": REQUETES_MAX,
                    "croissance_max": CROISSANCE_MAX,
                },
                "echelles": resultats,
                "verdicts": lignes,
                "resultat": resultat,
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    print(f"\nRésultats écrits dans {SORTIE.relative_to(RACINE)}")
    print(
        f"RESULTAT pages_mediane_max_ms={resultat['pages_mediane_max_ms']:.0f} "
        f"pages_p95_max_ms={resultat['pages_p95_max_ms']:.0f} requetes_max={resultat['requetes_max']} "
        f"croissance_max={resultat['croissance_max']:.2f}"
    )
    manquees = [cle for cle, v in avec_cible.items() if not v["ok"]]
    print(f"Cibles {'atteintes' if not manquees else 'MANQUÉES : ' + ', '.join(manquees)}")
    return 1 if manquees else 0


if __name__ == "__main__":
    OPTIONS = _options()
    sys.exit(mesurer(OPTIONS) if OPTIONS.mesurer is not None else principal(OPTIONS))
