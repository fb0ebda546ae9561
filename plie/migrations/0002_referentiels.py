from django.db import migrations

from plie import referentiels


def charger(apps, schema_editor):
    Commune = apps.get_model("plie", "Commune")
    referentiels.charger_communes(Commune)
    referentiels.charger_quartiers_prioritaires(apps.get_model("plie", "QuartierPrioritaire"), Commune)
    referentiels.charger_niveaux_formation(apps.get_model("plie", "NiveauFormation"))
    referentiels.charger_types_contrat(apps.get_model("plie", "TypeContrat"))
    referentiels.charger_metiers_rome(apps.get_model("plie", "MetierRome"), referentiels.texte_rome_echantillon())


class Migration(migrations.Migration):
    dependencies = [("plie", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
