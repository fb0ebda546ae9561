"""`make bench`: run every benchmark script against PostgreSQL and keep the figures.

    .venv/bin/python tests/bench_run.py [--scale 100] [--database-url URL] [--only NAME ...]
    make bench BENCH_ARGS="--scale 10 --only bench_pages"

The scripts that measure the app at a scale (pages, side-by-side comparisons, load test) use the
data sets of ``tests/bench_echelle.py`` (``plie_bench_echelle_<N>``, built once in SQL and
reused; scale 1 is one PLIE, 100 a region); the pages are measured at scale 1 and at
``--scale``, the load test at scale 10. The others build their own data in the database of
``--database-url`` (created and migrated if needed) and clean up. Each script prints its table
and ``RESULTAT`` lines; this runner ends with a summary of those lines and writes every output to
``var/bench/resultats.json``. Exit code: the worst of the scripts'.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [
    "bench_pages",
    "bench_comparaisons",
    "bench_charge",
    "bench_import",
    "bench_offres",
    "bench_matching",
    "bench_ingestion",
    "bench_rapport_region",
    "bench_rapport_mensuel",
    "bench_csf",
    "bench_tableau",
]


def creer_base(url):
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    import psycopg2

    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plie_bench")
    )
    parser.add_argument("--scale", type=int, default=100, help="échelle des mesures de pages et d'exports")
    parser.add_argument("--only", nargs="*", choices=SCRIPTS)
    args = parser.parse_args()
    arguments = {
        "bench_pages": ["--scales", "1", str(args.scale)],
        "bench_comparaisons": ["--scale", str(args.scale)],
        "bench_charge": ["--scale", "10"],
    }

    env = {**os.environ, "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"}
    creer_base(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    parsed = urlparse(args.database_url)
    sans_secret = parsed._replace(netloc=parsed.netloc.split("@")[-1]).geturl()
    resultats = {"base": sans_secret, "scripts": {}}
    for name in args.only or SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, f"tests/{name}.py", *arguments.get(name, [])],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        print(run.stdout, end="")
        if run.returncode:
            print(run.stderr, file=sys.stderr)
        resultats["scripts"][name] = {
            "code_retour": run.returncode,
            "duree_s": round(time.perf_counter() - start, 1),
            "sortie": run.stdout,
        }
    synthese(resultats)
    out = ROOT / "var" / "bench" / "resultats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(resultats, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nRésultats écrits dans {out.relative_to(ROOT)}")
    return max((r["code_retour"] for r in resultats["scripts"].values()), default=0)


def synthese(resultats):
    """Every script's ``RESULTAT`` lines, one table."""
    print("\n=== Synthèse ===")
    print(f"{'script':<24}{'code':>6}  mesures")
    for name, r in resultats["scripts"].items():
        lignes = [
            ligne.removeprefix("RESULTAT ") for ligne in r["sortie"].splitlines() if ligne.startswith("RESULTAT ")
        ]
        print(f"{name:<24}{r['code_retour']:>6}  {lignes[0] if lignes else '(aucune mesure)'}")
        for ligne in lignes[1:]:
            print(f"{'':<32}{ligne}")


if __name__ == "__main__":
    sys.exit(main())
