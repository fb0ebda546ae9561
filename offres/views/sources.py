"""The sources page for the chargé(e) de mission: each source's last runs, counts and errors, and a
"Relancer maintenant" button that queues a run of the source (``tasks.ingerer_source``).

Two queries whatever the number of sources: the sources, then their last runs (one prefetch
limited to ``NB_EXECUTIONS`` per source by a window function).
"""

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import ListView, View

from plie.views import RolePageMixin

from ..enums import StatutExecution
from ..ingestion.base import a_un_connecteur
from ..ingestion.run import execution_vivante
from ..models import ExecutionIngestion, Source

PERMISSION = "offres.change_offre"
NB_EXECUTIONS = 10
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
        maintenant = timezone.now()
        for source in context["sources"]:
            for execution in source.dernieres_executions:
                execution.badge = BADGES.get(execution.statut, "text-bg-secondary")
            source.derniere = source.dernieres_executions[0] if source.dernieres_executions else None
            source.en_cours = execution_vivante(source.derniere, maintenant)
            source.relancable = source.actif and a_un_connecteur(source) and not source.en_cours
        return context


class Relancer(RolePageMixin, View):
    """POST only: queue one run of the source once the request's transaction has committed."""

    permission_required = PERMISSION
    http_method_names = ["post"]

    def post(self, request, pk):
        source = get_object_or_404(Source, pk=pk)
        derniere = source.executions.order_by("-debut", "-id").first()
        if execution_vivante(derniere, timezone.now()):
            messages.warning(request, f"Une exécution de « {source.libelle} » est déjà en cours.")
        elif not source.actif or not a_un_connecteur(source):
            messages.error(
                request, f"La source « {source.libelle} » ne peut pas être relancée (inactive ou sans connecteur)."
            )
        else:
            from ..tasks import ingerer_source

            transaction.on_commit(lambda: ingerer_source.delay(source.pk))
            messages.success(
                request,
                f"L'exécution de « {source.libelle} » est lancée : rechargez la page dans quelques minutes pour voir son résultat.",
            )
        return redirect("offres:sources")
