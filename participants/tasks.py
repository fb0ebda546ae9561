from celery import shared_task

from . import services


@shared_task
def rafraichir_detections():
    """Nightly: recompute the detected positive exits of everyone in accompaniment (idempotent)."""
    created, updated, removed = services.detections_rafraichir()
    return {"creees": created, "mises_a_jour": updated, "retirees": removed}
