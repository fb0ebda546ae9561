"""The five role groups. Their permissions follow ``plie.roles.ROLE_PERMISSIONS`` and are
applied after every ``migrate`` (post_migrate), once the permissions of each model exist."""

from django.db import migrations

ROLE_GROUPS = [
    "Référent(e) de parcours",
    "Chargé(e) de mission emploi-formation",
    "Coordinatrice",
    "Auditeur FSE",
    "Administrateur",
]


def creer_groupes(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("plie", "0002_referentiels")]

    operations = [migrations.RunPython(creer_groupes, migrations.RunPython.noop)]
