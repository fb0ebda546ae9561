from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Tableaux de bord et bilans"

    def ready(self):
        from plie.models import Commune

        from .models import Budget
        from .tableau import oublier_tableaux

        # A budget entered or the territory changed shows at once on every dashboard.
        for modele in (Budget, Commune):
            post_save.connect(oublier_tableaux, sender=modele, dispatch_uid=f"oublier_tableaux_{modele.__name__}")
            post_delete.connect(oublier_tableaux, sender=modele, dispatch_uid=f"oublier_tableaux_{modele.__name__}_d")
