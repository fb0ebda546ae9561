"""Celery tasks of the reports: thin wrappers around ``services``, safe to run again."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services
from .forms import raccourcis
from .models import RapportMensuel
from .tableau import tableau_en_cache


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def generer_rapport_mensuel(self, rapport_id):
    """Render a report's PDF asked from its page. Acknowledged once done: if the worker dies,
    the broker delivers the task again and the PDF is rendered from scratch."""
    rapport = RapportMensuel.objects.select_related("salarie").filter(pk=rapport_id).first()
    if rapport is None:
        return None
    if self.request.id:
        rapport.tache_id = self.request.id[:50]
        rapport.save(update_fields=["tache_id"])
    return services.generer(rapport).statut


@shared_task(acks_late=True, reject_on_worker_lost=True)
def rapports_du_mois(aujourd_hui=None):
    """The 1st of each month at 06:00: the previous month's report of each active chargé(e) de
    mission, generated and e-mailed to the coordinatrices (a report already sent is not resent)."""
    if isinstance(aujourd_hui, str):  # a date passed through the broker's JSON
        aujourd_hui = datetime.date.fromisoformat(aujourd_hui)
    return services.rapports_du_mois_produire(aujourd_hui=aujourd_hui or timezone.localdate())


@shared_task(ignore_result=True)
def prechauffer_tableaux():
    """Every few minutes: the whole PLIE's dashboard of each usual period computed again into the
    cache, so that the coordination's one-click periods open at once even at a region's scale."""
    periodes = [periode for _nom, periode in raccourcis(timezone.localdate())]
    for periode in periodes:
        tableau_en_cache(periode, recalculer=True)
    return len(periodes)
