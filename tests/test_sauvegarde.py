"""The backup of docs/production.md (« Sauvegardes et restauration »), rehearsed: a pg_dump in
custom format of a database holding data, restored into a fresh database, gives an application
that starts (``check``), whose schema is up to date (``migrate --check``), with the same rows in
every table and the agenda lock (PostgreSQL triggers) still in place."""

import datetime
import importlib
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.db import connection

from entreprises.factories import EntrepriseFactory
from fse import services as fse_services
from fse.models import CategorieActivite
from offres.factories import OffreFactory
from participants.factories import ParticipantFactory
from plie.roles import Role

from .conftest import needs, recharger_referentiels

RACINE = Path(__file__).resolve().parents[1]
LUNDI = datetime.date(2025, 6, 2)


def _parametres(base):
    parametres = connection.get_connection_params()
    return {
        "dbname": base,
        **{cle: parametres[cle] for cle in ("user", "password", "host", "port") if parametres.get(cle)},
    }


def _executer_autocommit(sql, base="postgres"):
    lien = psycopg2.connect(**_parametres(base))
    try:
        lien.autocommit = True
        with lien.cursor() as curseur:
            curseur.execute(sql)
            return curseur.fetchall() if curseur.description else None
    finally:
        lien.close()


def _env_pg():
    parametres = _parametres("")
    env = {
        **os.environ,
        "PGHOST": str(parametres.get("host", "127.0.0.1")),
        "PGPORT": str(parametres.get("port", 5432)),
    }
    env["PGUSER"] = parametres.get("user", "postgres")
    if parametres.get("password"):
        env["PGPASSWORD"] = parametres["password"]
    return env


def _url(base):
    parametres = _parametres(base)
    identite = parametres.get("user", "postgres") + (f":{parametres['password']}" if parametres.get("password") else "")
    return f"postgres://{identite}@{parametres.get('host', '127.0.0.1')}:{parametres.get('port', 5432)}/{base}"


def _comptes(base):
    tables = [
        nom
        for (nom,) in _executer_autocommit(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", base
        )
    ]
    union = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM \"{table}\"" for table in tables)
    return dict(_executer_autocommit(union, base))


def _creer_des_donnees(make_user):
    recharger_referentiels()
    # An earlier transactional test's flush also emptied the agenda categories (a data migration).
    importlib.import_module("fse.migrations.0002_categories_et_verrou").creer_categories(apps, None)
    ParticipantFactory.create_batch(3)
    OffreFactory.create_batch(3)
    EntrepriseFactory()
    salarie, coordinatrice = make_user(Role.CHARGE_MISSION), make_user(Role.COORDINATRICE)
    semaine = fse_services.semaine_obtenir(salarie, LUNDI)
    categorie = CategorieActivite.objects.order_by("ordre").first()
    fse_services.ligne_enregistrer(semaine, date=semaine.lundi, categorie=categorie, heures=Decimal("7"))
    # A validated week: its lines are restored although the lock refuses any insert into it.
    fse_services.valider(fse_services.soumettre(semaine), coordinatrice)


@pytest.mark.django_db(transaction=True)
def test_a_custom_format_dump_restores_into_a_working_database(make_user, tmp_path):
    needs("PostgreSQL", connection.vendor == "postgresql", "la sauvegarde est celle de PostgreSQL (pg_dump)")
    needs("pg_dump", shutil.which("pg_dump") and shutil.which("pg_restore"), "pg_dump et pg_restore absents du PATH")
    _creer_des_donnees(make_user)
    source = connection.settings_dict["NAME"]
    restauree = f"{source}_restauree"[:63]
    sauvegarde = tmp_path / "plie.dump"
    env = _env_pg()

    subprocess.run(["pg_dump", "--format=custom", "--file", str(sauvegarde), source], env=env, check=True)
    _executer_autocommit(f'DROP DATABASE IF EXISTS "{restauree}"')
    _executer_autocommit(f'CREATE DATABASE "{restauree}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restauree, str(sauvegarde)], env=env, check=True
        )
        app_env = {**os.environ, "PLIE_MODE": "development", "DATABASE_URL": _url(restauree)}
        for commande in (["check"], ["migrate", "--check"]):
            fini = subprocess.run(
                [sys.executable, "manage.py", *commande], cwd=RACINE, env=app_env, capture_output=True, text=True
            )
            assert fini.returncode == 0, f"manage.py {' '.join(commande)} : {fini.stdout}{fini.stderr}"

        avant, apres = _comptes(source), _comptes(restauree)
        assert apres == avant
        for table in ("participants_participant", "offres_offre", "fse_ligneagenda", "plie_commune", "auth_group"):
            assert avant[table] > 0, f"{table} vide : la comparaison ne prouverait rien"
        # The lock came back with the schema: a validated week's line still cannot change.
        with pytest.raises(psycopg2.errors.RaiseException, match="validée"):
            _executer_autocommit("UPDATE fse_ligneagenda SET heures = 1", restauree)
    finally:
        _executer_autocommit(f'DROP DATABASE IF EXISTS "{restauree}" WITH (FORCE)')
    assert _executer_autocommit(f"SELECT 1 FROM pg_database WHERE datname = '{restauree}'") == []
