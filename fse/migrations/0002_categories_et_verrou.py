"""The activity categories of the agenda, and the lock of validated weeks in the database.

On PostgreSQL, triggers refuse any change to a validated week or to its lines, including the
bulk ``QuerySet.update()``/``delete()`` that bypass the models' ``save()``/``delete()``. The one
change allowed is the validation itself (soumise → validée), since only OLD.statut is checked.
"""

from django.db import migrations

CATEGORIES = [
    ("prospection-offres", "Prospection des offres"),
    ("animation-reseau-referents", "Animation du réseau des référents"),
    ("relation-entreprises", "Relation entreprises"),
    ("formation", "Formation (besoins, partenaires)"),
    ("evenements", "Événements"),
    ("reunions-structure-animation", "Réunions de la structure d'animation"),
    ("administratif", "Administratif"),
    ("accompagnement-participants", "Accompagnement des participants"),
    ("conges-absence", "Congés / absence"),
]


def creer_categories(apps, schema_editor):
    CategorieActivite = apps.get_model("fse", "CategorieActivite")
    for ordre, (code, libelle) in enumerate(CATEGORIES, start=1):
        CategorieActivite.objects.get_or_create(code=code, defaults={"libelle": libelle, "ordre": ordre * 10})


def supprimer_categories(apps, schema_editor):
    CategorieActivite = apps.get_model("fse", "CategorieActivite")
    CategorieActivite.objects.filter(code__in=[code for code, _ in CATEGORIES], lignes__isnull=True).delete()


VERROU_SQL = """
CREATE OR REPLACE FUNCTION fse_ligneagenda_verrou() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM fse_semaineagenda WHERE id = OLD.semaine_id AND statut = 'validee'
    ) THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : ses lignes ne peuvent plus être modifiées.';
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM fse_semaineagenda WHERE id = NEW.semaine_id AND statut = 'validee'
    ) THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : aucune ligne ne peut y être ajoutée.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fse_ligneagenda_verrou
    BEFORE INSERT OR UPDATE OR DELETE ON fse_ligneagenda
    FOR EACH ROW EXECUTE FUNCTION fse_ligneagenda_verrou();

CREATE OR REPLACE FUNCTION fse_semaineagenda_verrou() RETURNS trigger AS $$
BEGIN
    IF OLD.statut = 'validee' THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : elle ne peut plus être modifiée ni supprimée.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER fse_semaineagenda_verrou
    BEFORE UPDATE OR DELETE ON fse_semaineagenda
    FOR EACH ROW EXECUTE FUNCTION fse_semaineagenda_verrou();
"""

RETRAIT_VERROU_SQL = """
DROP TRIGGER IF EXISTS fse_ligneagenda_verrou ON fse_ligneagenda;
DROP FUNCTION IF EXISTS fse_ligneagenda_verrou();
DROP TRIGGER IF EXISTS fse_semaineagenda_verrou ON fse_semaineagenda;
DROP FUNCTION IF EXISTS fse_semaineagenda_verrou();
"""


def poser_verrou(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VERROU_SQL)


def retirer_verrou(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RETRAIT_VERROU_SQL)


class Migration(migrations.Migration):
    dependencies = [("fse", "0001_initial")]

    operations = [
        migrations.RunPython(creer_categories, supprimer_categories),
        migrations.RunPython(poser_verrou, retirer_verrou),
    ]
