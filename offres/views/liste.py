"""The offers list (filters, sort, pagination) and its XLSX export, for every role that reads offers.

A référent sees qualified, diffused and closed offers only (``filters.offres_filtrees``); the
auditeur FSE has no ``offres.view_offre`` and gets a 403.
"""

import tempfile

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.generic import ListView

from plie.models import JournalAcces
from plie.pagination import PaginateurPlafonne
from plie.views import RolePageMixin

from ..enums import StatutOffre
from ..export import ecrire_offres
from ..filters import TRIS, offres_filtrees, trier
from ..models import LienSource

PERMISSION_LECTURE = "offres.view_offre"


def _nb_sources():
    return Coalesce(
        Subquery(
            LienSource.objects.filter(offre=OuterRef("pk"))
            .order_by()
            .values("offre")
            .annotate(n=Count("id"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


class PaginateurOffres(PaginateurPlafonne):
    # A million offers: counting them all, or the ten thousand first matches of a common word, cost
    # more than the page; the list says « plus de 1 000 ».
    plafond = 1_000


class OffreList(RolePageMixin, ListView):
    permission_required = PERMISSION_LECTURE
    template_name = "offres/liste.html"
    context_object_name = "offres"
    paginate_by = 25
    paginator_class = PaginateurOffres

    def get_queryset(self):
        queryset, self.filterset = offres_filtrees(self.request.user, self.request.GET)
        queryset, self.tri = trier(queryset, self.request.GET.get("tri"))
        return queryset.select_related("entreprise", "commune", "type_contrat", "metier_rome").annotate(
            nb_sources=_nb_sources()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filterset, **kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        query.pop("tri", None)
        sans_tri = query.urlencode()
        # Column headers: each links to its sort, reversed when it is already the current one.
        context["tris"] = {
            nom: {
                "url": f"?{sans_tri}&tri={'-' if self.tri == nom else ''}{nom}".replace("?&", "?"),
                "actif": self.tri.lstrip("-") == nom,
                "descendant": self.tri.startswith("-"),
            }
            for nom in TRIS
        }
        context["peut_saisir"] = self.request.user.has_perm("offres.add_offre")
        context["peut_qualifier"] = self.request.user.has_perm("offres.change_offre")
        context["statuts"] = StatutOffre
        return context


@require_GET
def export_offres(request):
    """The filtered list as an XLSX workbook, built in a temporary file and streamed."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm(PERMISSION_LECTURE):
        raise PermissionDenied("Votre rôle ne permet pas de consulter les offres.")
    queryset, _ = offres_filtrees(request.user, request.GET)
    queryset, _ = trier(queryset, request.GET.get("tri"))
    fichier = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    nombre = ecrire_offres(queryset, fichier)
    fichier.seek(0)
    filtres = request.GET.copy()
    filtres.pop("page", None)
    JournalAcces.objects.create(
        utilisateur=request.user,
        action=JournalAcces.Action.EXPORT,
        objet_type="offres",
        detail=f"Liste des offres : {nombre} ligne(s){', filtres : ' + filtres.urlencode() if filtres else ''}"[:250],
    )
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=f"offres-{timezone.localdate():%Y-%m-%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
