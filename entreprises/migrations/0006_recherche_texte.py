"""Index of the companies' names for text search, PostgreSQL only.

The offers list's search (« Intitulé ou employeur ») first reads the companies whose name holds
the word (``UPPER(nom) LIKE UPPER('%mot%')``): a trigram index on that expression answers it without
reading the whole file. Built CONCURRENTLY (the table stays writable), then the table is analysed
(the planner needs the expression's statistics); SQLite, used by the tests, has no such index.
"""

from django.db import migrations

INDEX = {"entreprise_nom_trgm": "USING gin (UPPER(nom::text) gin_trgm_ops)"}


def creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for nom, definition in INDEX.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {nom} ON entreprises_entreprise {definition}")
    # Statistics of the indexed expression: without them the planner misjudges the search.
    schema_editor.execute("ANALYZE entreprises_entreprise")


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom in INDEX:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {nom}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("entreprises", "0005_index_liste"),
    ]

    operations = [
        migrations.RunPython(creer, supprimer, elidable=False),
    ]
