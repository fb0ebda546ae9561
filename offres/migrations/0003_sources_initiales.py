"""The France Travail source for the territory (FORMATS.md) and the manual-entry source."""

from django.db import migrations


def creer_sources(apps, schema_editor):
    Source = apps.get_model("offres", "Source")
    Commune = apps.get_model("plie", "Commune")
    communes = sorted(set(Commune.objects.filter(valide_au__isnull=True).values_list("insee", flat=True)))
    Source.objects.get_or_create(
        nom="france-travail",
        defaults={
            "libelle": "France Travail (offres d'emploi)",
            "type": "france_travail",
            "parametres": {"communes": communes, "distance_km": 10},
        },
    )
    Source.objects.get_or_create(
        nom="saisie", defaults={"libelle": "Saisie manuelle (partenaires)", "type": "saisie", "parametres": {}}
    )


class Migration(migrations.Migration):
    dependencies = [("offres", "0002_diffusion_etapepositionnement_liensource_and_more"), ("plie", "0003_roles")]

    operations = [migrations.RunPython(creer_sources, migrations.RunPython.noop)]
