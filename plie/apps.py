from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlieConfig(AppConfig):
    name = "plie"
    verbose_name = "PLIE : comptes et référentiels"

    def ready(self):
        # After each app's migrations, so that the permissions of newly created models reach
        # their roles; the sync is idempotent and cheap.
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="plie_sync_role_groups")

        # The audit trail of changes: receivers on the models declared in plie.audit.AUDITES.
        from . import audit

        audit.connecter()
        # A change of accounts, groups or permissions invalidates the cached ones (plie.droits).
        from . import droits

        droits.connecter()

        # Two-factor state at login, sessions of closed accounts ended (plie.securite).
        from . import securite  # noqa: F401


def _sync_roles_after_migrate(sender, using="default", **kwargs):
    from .roles import sync_role_groups

    sync_role_groups(using=using)
