"""Open a référent history row for every participant who already has a référent."""

from django.db import migrations


def ouvrir_historique(apps, schema_editor):
    Participant = apps.get_model("participants", "Participant")
    HistoriqueReferent = apps.get_model("participants", "HistoriqueReferent")
    HistoriqueReferent.objects.bulk_create(
        HistoriqueReferent(
            participant_id=p.id,
            referent_id=p.referent_id,
            du=p.date_entree or p.date_candidature,
            au=p.date_sortie,
            motif="Reprise de l'existant",
        )
        for p in Participant.objects.exclude(referent=None).only(
            "id", "referent_id", "date_entree", "date_candidature", "date_sortie"
        )
    )


class Migration(migrations.Migration):
    dependencies = [("participants", "0002_participant_inscrit_france_travail_and_more")]

    operations = [migrations.RunPython(ouvrir_historique, migrations.RunPython.noop)]
