"""The offers' text search reads one stored column, ``recherche`` (title and employer, upper-cased).

The search was ``UPPER(intitule) LIKE … OR UPPER(employeur) LIKE …``: two UPPER() at each row
it reads, most of a search's time on a million offers (15 ms of a page's 30 where a common word
matches thousands). The column is computed by PostgreSQL at each write (a stored generated
column) and has one trigram index, which replaces the two on the expressions: one index less to
keep up at each ingestion.

Adding the column rewrites the table once (a few seconds for 100 000 offers, about a minute for a
million; writes wait meanwhile). The index is then built CONCURRENTLY, the table vacuumed and
analysed (the planner needs the column's statistics and the visibility map), and the two old
indexes dropped. SQLite has no such index.
"""

import django.db.models.functions.text
from django.db import migrations, models

ANCIENS = {
    "offre_intitule_trgm": "USING gin (UPPER(intitule::text) gin_trgm_ops)",
    "offre_employeur_trgm": "USING gin (UPPER(employeur::text) gin_trgm_ops)",
}


def indexer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS offre_recherche_trgm ON offres_offre USING gin (recherche gin_trgm_ops)"
    )
    # The rewrite left the table without statistics nor visibility map, which autovacuum would
    # not restore soon (no row changed): the planner then preferred reading the whole table to
    # the dashboard's index-only scans.
    schema_editor.execute("VACUUM (ANALYZE) offres_offre")
    for nom in ANCIENS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {nom}")


def desindexer(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for nom, definition in ANCIENS.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {nom} ON offres_offre {definition}")
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS offre_recherche_trgm")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("offres", "0012_index_offres_ouvertes"),
    ]

    operations = [
        migrations.AddField(
            model_name="offre",
            name="recherche",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=django.db.models.functions.text.Upper(
                    django.db.models.functions.text.Concat("intitule", models.Value(" "), "employeur")
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(indexer, desindexer, elidable=False),
    ]
