"""`make bench`: run every benchmark script against a PostgreSQL database and keep the figures.

    .venv/bin/python tests/bench_run.py [--database-url URL] [--only NAME ...]

Each ``tests/bench_*.py`` script builds its own data, measures warm runs, prints its table and
cleans up. This runner creates the benchmark database if needed (PostgreSQL on 127.0.0.1 by
default, since figures on SQLite say little about production), migrates it, runs the scripts
one after another and writes their outputs to ``var/bench/resultats.json``.
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
    parser.add_argument("--only", nargs="*", choices=SCRIPTS)
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": args.database_url, "LOG_LEVEL": "WARNING"}
    creer_base(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)

    parsed = urlparse(args.database_url)
    sans_secret = parsed._replace(netloc=parsed.netloc.split("@")[-1]).geturl()
    resultats = {"base": sans_secret, "scripts": {}}
    for name in args.only or SCRIPTS:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        run = subprocess.run([sys.executable, f"tests/{name}.py"], cwd=ROOT, env=env, capture_output=True, text=True)
        print(run.stdout, end="")
        if run.returncode:
            print(run.stderr, file=sys.stderr)
        resultats["scripts"][name] = {
            "code_retour": run.returncode,
            "duree_s": round(time.perf_counter() - start, 1),
            "sortie": run.stdout,
        }
    out = ROOT / "var" / "bench" / "resultats.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(resultats, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nRésultats écrits dans {out.relative_to(ROOT)}")
    return max((r["code_retour"] for r in resultats["scripts"].values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
