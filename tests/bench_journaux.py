"""The benches' clean-up of the journals (not collected by pytest).

A bench deletes the accounts it created; the journals protect the people they name (a foreign key
that refuses the deletion), and on PostgreSQL their trigger refuses any DELETE. On the bench's own
database, the clean-up deletes those accounts' rows first, through the same door as the retention
purge (``plie.audit.purger_journaux``: the transaction-local setting the trigger lets through).
"""

import contextlib

from django.db import connection, transaction


def oublier_journaux_des(utilisateurs):
    from plie.models import JournalAcces, JournalModification

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as curseur:
                curseur.execute("SET LOCAL plie.purge_journaux = 'on'")
        JournalModification.objects.filter(utilisateur__in=utilisateurs).delete()
        JournalAcces.objects.filter(utilisateur__in=utilisateurs).delete()


@contextlib.contextmanager
def sans_journal_des_modifications():
    """A bench's own clean-up is not a change anyone made: deleting its 10 000 participants would
    otherwise write and label a journal row for each of them and their 30 000 situations."""
    from django.apps import apps
    from django.db.models.signals import post_delete, post_save, pre_save

    from plie import audit

    for label in audit.AUDITES:
        modele = apps.get_model(label)
        uid = f"plie_audit_{modele._meta.label_lower}"
        for signal in (pre_save, post_save, post_delete):
            signal.disconnect(sender=modele, dispatch_uid=uid)
    try:
        yield
    finally:
        audit.connecter()
