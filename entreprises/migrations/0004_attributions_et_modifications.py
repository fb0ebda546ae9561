import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("entreprises", "0003_secteurs_activite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evenement",
            name="modifie_le",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="modifié le"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="actioncollective",
            name="modifie_le",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="modifiée le"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="actioncollective",
            name="presences_saisies_par",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="actioncollective",
            name="presences_saisies_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="présences saisies le"),
        ),
        migrations.AddField(
            model_name="actioncollective",
            name="annulee_par",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="actioncollective",
            name="annulee_le",
            field=models.DateTimeField(blank=True, null=True, verbose_name="annulée le"),
        ),
    ]
