from django.db import migrations

from plie import referentiels


def charger(apps, schema_editor):
    referentiels.charger_coordonnees(apps.get_model("plie", "Commune"))


class Migration(migrations.Migration):
    dependencies = [("plie", "0005_commune_coordonnees")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
