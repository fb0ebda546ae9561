"""The contrôle de service fait pages: ask for a pack, follow its preparation, download it.

A pack is built by a worker (``tasks.construire_pack_csf``), queued once the request's
transaction has committed; while it waits or runs, its row polls ``PackEtat`` every two seconds
(htmx) and stops once it is ready or failed. Only whoever asked for a pack (or the
coordinatrice) sees and downloads it; each download is logged, since the pack names
participants and staff.
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from plie.models import JournalAcces
from plie.views import RolePageMixin

from . import csf
from .forms import PackCsfForm
from .models import PackCsf

PERMISSION = "fse.exporter_csf"
PACKS_PAR_PAGE = 20
PACKS_ACCUEIL = 5


def _perimetre(pack):
    return csf.nom_salarie(pack.salarie) if pack.salarie_id else "toute l'opération"


class PackCsfPage(RolePageMixin, ListView):
    """The form and the packs asked (one's own; all of them for the coordinatrice)."""

    permission_required = PERMISSION
    template_name = "fse/csf_page.html"
    context_object_name = "packs"
    paginate_by = PACKS_PAR_PAGE

    def get_queryset(self):
        return csf.packs_visibles(self.request.user)

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form or PackCsfForm(aujourd_hui=timezone.localdate())
        context["voit_tout"] = csf.voit_tous_les_packs(self.request.user)
        return context

    def post(self, request, *args, **kwargs):
        form = PackCsfForm(request.POST, aujourd_hui=timezone.localdate())
        if not form.is_valid():
            messages.error(request, "Le pack n'a pas été demandé : corrigez le formulaire.")
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(form=form), status=400)
        donnees = form.cleaned_data
        pack = csf.pack_demander(par=request.user, debut=donnees["du"], fin=donnees["au"], salarie=donnees["salarie"])
        messages.success(
            request,
            f"Pack du {pack.debut:%d/%m/%Y} au {pack.fin:%d/%m/%Y} ({_perimetre(pack)}) demandé : "
            "sa préparation s'affiche ci-dessous.",
        )
        # The form of the auditor's start page sends them back there.
        return redirect("espace_auditeur_fse" if request.POST.get("retour") == "accueil" else "fse:csf")


class PackAccueil(RolePageMixin, View):
    """The block of the auditor's start page (loaded by htmx): the form and the latest packs."""

    permission_required = PERMISSION

    def get(self, request):
        packs = list(csf.packs_visibles(request.user).filter(demande_par=request.user)[:PACKS_ACCUEIL])
        form = PackCsfForm(aujourd_hui=timezone.localdate())
        return render(request, "fse/csf_accueil.html", {"form": form, "packs": packs})


class PackEtat(RolePageMixin, View):
    """One pack's row (htmx polling while it waits or runs)."""

    permission_required = PERMISSION

    def get(self, request, pk):
        pack = get_object_or_404(csf.packs_visibles(request.user), pk=pk)
        return render(request, "fse/csf_pack.html", {"pack": pack, "voit_tout": csf.voit_tous_les_packs(request.user)})


class PackTelecharger(RolePageMixin, View):
    permission_required = PERMISSION

    def get(self, request, pk):
        pack = get_object_or_404(csf.packs_visibles(request.user), pk=pk, statut=PackCsf.Statut.PRET)
        if not pack.fichier:
            raise Http404("Le fichier de ce pack n'existe plus.")
        try:
            fichier = pack.fichier.open("rb")
        except FileNotFoundError:
            raise Http404("Le fichier de ce pack n'existe plus.") from None
        JournalAcces.objects.create(
            utilisateur=request.user,
            action=JournalAcces.Action.EXPORT,
            objet_type="pack_csf",
            objet_id=str(pack.pk),
            detail=(
                f"Pack CSF du {pack.debut:%d/%m/%Y} au {pack.fin:%d/%m/%Y} — {_perimetre(pack)} : "
                f"{pack.nb_fichiers} pièce(s), SHA-256 {pack.sha256}"
            )[:250],
        )
        response = FileResponse(
            fichier,
            as_attachment=True,
            filename=csf.nom_archive(pack.debut, pack.fin, pack.salarie),
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
