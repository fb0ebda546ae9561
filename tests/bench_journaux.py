"""The benches' clean-up of the journals (not collected by pytest).

A bench deletes the accounts it created; the journals protect the people they name (a foreign key
that refuses the deletion), and on PostgreSQL their trigger refuses any DELETE. On the bench's own
database, the clean-up deletes those accounts' rows first, through the same door as the retention
purge (``plie.audit.purger_journaux``: the transaction-local setting the trigger lets through).
"""

from django.db import connection, transaction


def oublier_journaux_des(utilisateurs):
    from plie.models import JournalAcces, JournalModification

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as curseur:
                curseur.execute("SET LOCAL plie.purge_journaux = 'on'")
        JournalModification.objects.filter(utilisateur__in=utilisateurs).delete()
        JournalAcces.objects.filter(utilisateur__in=utilisateurs).delete()
