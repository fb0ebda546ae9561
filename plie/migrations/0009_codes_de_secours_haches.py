"""Backup codes are stored as keyed hashes (``securite.empreinte_code_secours``), no longer as
they are shown: the codes handed out before are hashed in place, so that they keep working."""

from base64 import b32encode

from django.db import migrations
from django.utils.crypto import salted_hmac

LONGUEUR_EMPREINTE = 16  # the codes handed out are 8 characters long


def empreinte_code_secours(code):
    """As ``securite.empreinte_code_secours`` does today (a migration keeps its own copy)."""
    mac = salted_hmac("plie.securite.code_secours", code, algorithm="sha256").digest()
    return b32encode(mac).decode()[:16].lower()


def hacher(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    jetons = list(StaticToken.objects.exclude(token__regex=rf"^.{{{LONGUEUR_EMPREINTE}}}$"))
    for jeton in jetons:
        jeton.token = empreinte_code_secours(jeton.token)
    StaticToken.objects.bulk_update(jetons, ["token"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("plie", "0008_journalmodification"),
        ("otp_static", "0003_add_timestamps"),
    ]

    # One way: a hash cannot be turned back into the code (the holders regenerate theirs).
    operations = [migrations.RunPython(hacher, migrations.RunPython.noop, elidable=False)]
