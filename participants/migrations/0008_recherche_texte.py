"""Indexes of the participants list's text search (« Nom, prénom ou identifiant »), PostgreSQL only.

``icontains`` is ``UPPER(col) LIKE UPPER('%mot%')``: only a trigram index on that expression
answers it without reading every participant; ``identifiant`` is compared with ``iexact``
(``UPPER(col) = UPPER('…')``). With the three, the search's OR is a bitmap of index scans. Built
CONCURRENTLY (the table stays writable), then the table is analysed (the planner needs the
expressions' statistics); SQLite, used by the tests, has no such index.
"""

from django.db import migrations

INDEX = {
    "participant_nom_trgm": "USING gin (UPPER(nom::text) gin_trgm_ops)",
    "participant_prenom_trgm": "USING gin (UPPER(prenom::text) gin_trgm_ops)",
    "participant_identifiant_upper": "(UPPER(identifiant::text))",
}


def creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for nom, definition in INDEX.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {nom} ON participants_participant {definition}")
    # Statistics of the indexed expressions: without them the planner misjudges the search.
    schema_editor.execute("ANALYZE participants_participant")


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom in INDEX:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {nom}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("participants", "0007_index_sorties_statut"),
    ]

    operations = [
        migrations.RunPython(creer, supprimer, elidable=False),
    ]
