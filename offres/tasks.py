from celery import shared_task

from . import services


@shared_task
def recapitulatif_hebdomadaire():
    """Monday morning: one digest per référent of the offers diffused to them and not yet mailed
    (idempotent: a diffusion already mailed is not resent)."""
    return {"referents": services.recapitulatif_hebdomadaire()}


# Network failures of a source: a new run later, after 1, 2, 4… minutes (at most 30), 4 times.
RELANCES_MAX = 4
ATTENTE_RELANCE_S = 60
ATTENTE_RELANCE_MAX_S = 30 * 60


def _sources_planifiables():
    from .ingestion.base import planifiable
    from .models import Source

    return [source for source in Source.objects.filter(actif=True).order_by("nom") if planifiable(source)]


@shared_task
def ingerer_sources():
    """Nightly: one task per active source, so that a failing or slow source does not stop or
    delay the others (each run is recorded with its status). Return the sources queued."""
    sources = _sources_planifiables()
    for source in sources:
        ingerer_source.delay(source.pk)
    return [source.nom for source in sources]


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=RELANCES_MAX)
def ingerer_source(self, source_id, complet=False):
    """One run of one source (nightly, weekly sweep, or "Relancer maintenant").

    Acknowledged only once done: if the worker dies mid-run, the broker delivers the task again
    and the new delivery takes over the run it left "en cours" (same task id); offers already
    stored are found again by their external id, so nothing is duplicated. A run that failed
    because the source did not answer is tried again later with exponential backoff."""
    import logging

    from .ingestion.base import ErreurConfiguration
    from .ingestion.run import ingerer
    from .models import Source

    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return {}
    try:
        execution = ingerer(source, complet=complet, tache=self.request.id or "")
    except ErreurConfiguration as exc:
        logging.getLogger(__name__).error("Ingestion %s impossible : %s", source.nom, exc)
        return {source.nom: "non_configuree"}
    if execution.erreur_reseau and self.request.retries < self.max_retries:
        attente = min(ATTENTE_RELANCE_S * 2**self.request.retries, ATTENTE_RELANCE_MAX_S)
        raise self.retry(countdown=attente)
    return {source.nom: execution.statut}


@shared_task
def balayage_complet():
    """Weekly: a complete run of every active source, which marks the offers that vanished from
    the source as expired (``ingestion.run.balayer``)."""
    sources = _sources_planifiables()
    for source in sources:
        ingerer_source.delay(source.pk, complet=True)
    return [source.nom for source in sources]


@shared_task
def cloturer_offres_expirees():
    """Nightly: the open offers whose expiry date is past are closed as expired."""
    return {"expirees": services.offres_expirees_cloturer()}


@shared_task
def purger_donnees_brutes():
    """Delete the raw payloads older than PLIE_RETENTION_DONNEES_BRUTES_JOURS."""
    return {"supprimees": services.donnees_brutes_purger()}
