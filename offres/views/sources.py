"""The sources page for the chargé(e) de mission: each source's last runs, counts and errors, and a
"Relancer maintenant" button that queues a run of the source (``tasks.ingerer_source``). While a
run is queued or going, the source's state block polls ``SourceEtat`` every two seconds (htmx)
and shows the counts the run records at every page; it stops polling once the run has ended.

Two queries whatever the number of sources: the sources, then their last runs (one prefetch
limited to ``NB_EXECUTIONS`` per source by a window function).
"""

from datetime import datetime, timedelta

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.generic import ListView, View

from plie.views import RolePageMixin

from ..enums import StatutExecution
from ..ingestion.base import planifiable
from ..ingestion.run import execution_vivante
from ..models import ExecutionIngestion, Source

PERMISSION = "offres.change_offre"
NB_EXECUTIONS = 10
# A relaunch asked this recently and not started yet shows "en attente" (the worker may be busy).
ATTENTE_AFFICHEE = timedelta(minutes=5)
CLE_RELANCES = "offres_relances_demandees"
BADGES = {
    StatutExecution.EN_COURS: "text-bg-info",
    StatutExecution.REUSSIE: "text-bg-success",
    StatutExecution.PARTIELLE: "text-bg-warning",
    StatutExecution.ECHOUEE: "text-bg-danger",
}


class SourceList(RolePageMixin, ListView):
    permission_required = PERMISSION
    template_name = "offres/sources.html"
    context_object_name = "sources"

    def get_queryset(self):
        executions = ExecutionIngestion.objects.order_by("-debut", "-id")[:NB_EXECUTIONS]
        return Source.objects.order_by("libelle", "id").prefetch_related(
            Prefetch("executions", queryset=executions, to_attr="dernieres_executions")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for source in context["sources"]:
            for execution in source.dernieres_executions:
                execution.badge = BADGES.get(execution.statut, "text-bg-secondary")
            _etat(source, source.dernieres_executions[0] if source.dernieres_executions else None, self.request)
        return context


def _etat(source, derniere, request):
    """Set on ``source`` what its state block shows: last run, running, waiting, relaunchable."""
    maintenant = timezone.now()
    source.derniere = derniere
    if derniere is not None:
        derniere.badge = BADGES.get(derniere.statut, "text-bg-secondary")
    source.en_cours = execution_vivante(derniere, maintenant)
    demandee = request.session.get(CLE_RELANCES, {}).get(str(source.pk))
    demandee = datetime.fromisoformat(demandee) if demandee else None
    source.en_attente = (
        not source.en_cours
        and demandee is not None
        and demandee > maintenant - ATTENTE_AFFICHEE
        and (derniere is None or derniere.debut < demandee)
    )
    source.relancable = source.actif and planifiable(source) and not (source.en_cours or source.en_attente)


class SourceEtat(RolePageMixin, View):
    """The state block of one source (htmx polling while a run is queued or going)."""

    permission_required = PERMISSION

    def get(self, request, pk):
        source = get_object_or_404(Source, pk=pk)
        _etat(source, source.executions.order_by("-debut", "-id").first(), request)
        return render(request, "offres/_source_etat.html", {"source": source})


class Relancer(RolePageMixin, View):
    """POST only: queue one run of the source once the request's transaction has committed."""

    permission_required = PERMISSION
    http_method_names = ["post"]

    def post(self, request, pk):
        source = get_object_or_404(Source, pk=pk)
        derniere = source.executions.order_by("-debut", "-id").first()
        if execution_vivante(derniere, timezone.now()):
            messages.warning(request, f"Une exécution de « {source.libelle} » est déjà en cours.")
        elif not source.actif or not planifiable(source):
            messages.error(
                request, f"La source « {source.libelle} » ne peut pas être relancée (inactive ou sans connecteur)."
            )
        else:
            from ..tasks import ingerer_source

            transaction.on_commit(lambda: ingerer_source.delay(source.pk))
            relances = request.session.get(CLE_RELANCES, {})
            relances[str(source.pk)] = timezone.now().isoformat()
            request.session[CLE_RELANCES] = relances
            messages.success(
                request, f"L'exécution de « {source.libelle} » est demandée : sa progression s'affiche ci-dessous."
            )
        return redirect("offres:sources")
