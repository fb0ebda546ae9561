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
    import logging

    from .ingestion.base import ErreurConfiguration, a_un_connecteur
    from .ingestion.run import ingerer
    from .models import Source

    statuts = {}
    for source in Source.objects.filter(actif=True).order_by("nom"):
        if not a_un_connecteur(source):
            continue
        try:
            statuts[source.nom] = ingerer(source).statut
        except ErreurConfiguration as exc:
            logging.getLogger(__name__).error("Ingestion %s impossible : %s", source.nom, exc)
            statuts[source.nom] = "non_configuree"
    return statuts


@shared_task
def purger_donnees_brutes():
    """Delete the raw payloads older than PLIE_RETENTION_DONNEES_BRUTES_JOURS."""
    return {"supprimees": services.donnees_brutes_purger()}
