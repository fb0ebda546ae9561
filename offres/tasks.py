from celery import shared_task

from . import services


@shared_task
def recapitulatif_hebdomadaire():
    """Monday morning: one digest per référent of the offers diffused to them and not yet mailed
    (idempotent: a diffusion already mailed is not resent)."""
    return {"referents": services.recapitulatif_hebdomadaire()}


@shared_task
def ingerer_sources():
    """Nightly: one ingestion run per active source that has a connector; a failing source does
    not stop the others (each run is recorded with its status)."""
    from .ingestion.base import a_un_connecteur
    from .models import Source

    sources = Source.objects.filter(actif=True).order_by("nom")
    return {source.nom: _ingerer(source) for source in sources if a_un_connecteur(source)}


def _ingerer(source, *, complet=False):
    """One run of ``source``; its status, or "non_configuree" when it cannot be read at all."""
    import logging

    from .ingestion.base import ErreurConfiguration
    from .ingestion.run import ingerer

    try:
        return ingerer(source, complet=complet).statut
    except ErreurConfiguration as exc:
        logging.getLogger(__name__).error("Ingestion %s impossible : %s", source.nom, exc)
        return "non_configuree"


@shared_task
def ingerer_source(source_id):
    """One run of one source, started by hand from the sources page ("Relancer maintenant")."""
    from .models import Source

    source = Source.objects.filter(pk=source_id).first()
    return {source.nom: _ingerer(source)} if source else {}


@shared_task
def balayage_complet():
    """Weekly: a complete run of every active source, which marks the offers that vanished from
    the source as expired (``ingestion.run.balayer``)."""
    from .ingestion.base import a_un_connecteur
    from .models import Source

    sources = Source.objects.filter(actif=True).order_by("nom")
    return {source.nom: _ingerer(source, complet=True) for source in sources if a_un_connecteur(source)}


@shared_task
def cloturer_offres_expirees():
    """Nightly: the open offers whose expiry date is past are closed as expired."""
    return {"expirees": services.offres_expirees_cloturer()}


@shared_task
def purger_donnees_brutes():
    """Delete the raw payloads older than PLIE_RETENTION_DONNEES_BRUTES_JOURS."""
    return {"supprimees": services.donnees_brutes_purger()}
