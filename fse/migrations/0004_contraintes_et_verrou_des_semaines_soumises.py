"""More of the agenda's invariants held by the database itself, whatever path writes.

Check constraints (every database): a known status, a week starting on a Monday, a correction
that replaces an earlier version, a pack's progress within 100 %.

On PostgreSQL, the triggers of 0002 are extended:

- the lines of a *submitted* week are frozen too (the coordinatrice reviews what was
  submitted; the salarié changes it only once sent back). The one change let through is a link
  (offre, entreprise, événement, action) set to NULL by the deletion of what it points at;
- a line's date stays within its week (bulk inserts skip ``save()``);
- a week's status moves only along the transitions of ``fse.rules.TRANSITIONS``.

A validated week and its lines stay refused as before (same messages).
"""

from django.db import migrations, models

VERROU_SQL = """
CREATE OR REPLACE FUNCTION fse_ligneagenda_verrou() RETURNS trigger AS $$
DECLARE
    avant text;
    apres text;
    debut date;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT statut INTO avant FROM fse_semaineagenda WHERE id = OLD.semaine_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT s.statut, s.lundi INTO apres, debut FROM fse_semaineagenda AS s WHERE id = NEW.semaine_id;
    END IF;
    IF avant = 'validee' THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : ses lignes ne peuvent plus être modifiées.';
    END IF;
    IF apres = 'validee' THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : aucune ligne ne peut y être ajoutée.';
    END IF;
    IF 'soumise' IN (avant, apres) THEN
        -- ON DELETE SET NULL of a deleted offer, company, event or action: only links go.
        IF NOT (
            TG_OP = 'UPDATE'
            AND (NEW.id, NEW.semaine_id, NEW.date, NEW.categorie_id, NEW.heures, NEW.commentaire)
                IS NOT DISTINCT FROM (OLD.id, OLD.semaine_id, OLD.date, OLD.categorie_id, OLD.heures, OLD.commentaire)
            AND (NEW.offre_id IS NULL OR NEW.offre_id IS NOT DISTINCT FROM OLD.offre_id)
            AND (NEW.entreprise_id IS NULL OR NEW.entreprise_id IS NOT DISTINCT FROM OLD.entreprise_id)
            AND (NEW.evenement_id IS NULL OR NEW.evenement_id IS NOT DISTINCT FROM OLD.evenement_id)
            AND (NEW.action_id IS NULL OR NEW.action_id IS NOT DISTINCT FROM OLD.action_id)
        ) THEN
            RAISE EXCEPTION 'Semaine d''agenda soumise : ses lignes ne peuvent plus être modifiées avant son renvoi.';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.date NOT BETWEEN debut AND debut + 6 THEN
        RAISE EXCEPTION 'La date de la ligne (%) doit être dans la semaine de l''agenda (du %).', NEW.date, debut;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION fse_semaineagenda_verrou() RETURNS trigger AS $$
BEGIN
    IF OLD.statut = 'validee' THEN
        RAISE EXCEPTION 'Semaine d''agenda validée : elle ne peut plus être modifiée ni supprimée.';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.statut <> OLD.statut AND NOT (
        (OLD.statut IN ('brouillon', 'renvoyee') AND NEW.statut = 'soumise')
        OR (OLD.statut = 'soumise' AND NEW.statut IN ('validee', 'renvoyee'))
    ) THEN
        RAISE EXCEPTION 'Semaine d''agenda : passage de « % » à « % » refusé.', OLD.statut, NEW.statut;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

# Back to the functions of 0002 (the triggers themselves are unchanged: they call the functions).
VERROU_0002_SQL = """
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
"""


def etendre_verrou(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the « % » of RAISE are PL/pgSQL's, not placeholders.
        schema_editor.execute(VERROU_SQL, params=None)


def revenir_au_verrou_0002(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VERROU_0002_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("fse", "0003_donnees_participants_packs_rappels")]

    operations = [
        migrations.AddConstraint(
            model_name="packcsf",
            constraint=models.CheckConstraint(
                condition=models.Q(progression__lte=100), name="fse_pack_progression_pourcentage"
            ),
        ),
        migrations.AddConstraint(
            model_name="semaineagenda",
            constraint=models.CheckConstraint(
                condition=models.Q(statut__in=["brouillon", "soumise", "validee", "renvoyee"]),
                name="fse_semaine_statut_connu",
            ),
        ),
        migrations.AddConstraint(
            model_name="semaineagenda",
            constraint=models.CheckConstraint(
                condition=models.Q(lundi__iso_week_day=1), name="fse_semaine_commence_un_lundi"
            ),
        ),
        migrations.AddConstraint(
            model_name="semaineagenda",
            constraint=models.CheckConstraint(
                condition=models.Q(remplace__isnull=True)
                | (models.Q(version__gte=2) & ~models.Q(remplace=models.F("pk"))),
                name="fse_semaine_correction_version_suivante",
            ),
        ),
        migrations.RunPython(etendre_verrou, revenir_au_verrou_0002),
    ]
