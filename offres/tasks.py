from celery import shared_task

from . import services


@shared_task
def recapitulatif_hebdomadaire():
    """Monday morning: one digest per référent of the offers diffused to them and not yet mailed
    (idempotent: a diffusion already mailed is not resent)."""
    return {"referents": services.recapitulatif_hebdomadaire()}
