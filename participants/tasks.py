from celery import shared_task

from . import retention, services


@shared_task
def rafraichir_detections():
    """Nightly: recompute the detected positive exits of everyone in accompaniment (idempotent)."""
    created, updated, removed = services.detections_rafraichir()
    return {"creees": created, "mises_a_jour": updated, "retirees": removed}


@shared_task
def appliquer_retention():
    """Monthly: anonymise what the retention policy says is due, purge the old journal rows
    (participants.retention; idempotent: an anonymised record is never selected again)."""
    return retention.appliquer().comptes()
