"""Indexes of the offers list's text search (« Intitulé ou employeur »), PostgreSQL only.

``icontains`` is ``UPPER(col) LIKE UPPER('%mot%')``: only a trigram index on that expression
answers it without reading a million offers. Built CONCURRENTLY (the table stays writable), then
the table is analysed (the planner needs the expressions' statistics); SQLite, used by the tests,
has no such index.
"""

from django.db import migrations

INDEX = {
    "offre_intitule_trgm": "USING gin (UPPER(intitule::text) gin_trgm_ops)",
    "offre_employeur_trgm": "USING gin (UPPER(employeur::text) gin_trgm_ops)",
}


def creer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for nom, definition in INDEX.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {nom} ON offres_offre {definition}")
    # Statistics of the indexed expressions: without them the planner misjudges the search.
    schema_editor.execute("ANALYZE offres_offre")


def supprimer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom in INDEX:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {nom}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("offres", "0009_index_liste_offres"),
    ]

    operations = [
        migrations.RunPython(creer, supprimer, elidable=False),
    ]
