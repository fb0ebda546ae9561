"""The mid-term and final bilans of the operation: the list, the bilan with its computed figures,
the edition of a section and of the budget, and the PDF.

For the coordinatrice only (the bilan and section permissions): anonymous visitors go to the login
page, every other role gets a 403.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView, View

from plie.pdf import MENTION_UE, rendre_pdf, reponse_pdf
from plie.views import RolePageMixin

from .. import bilans, services_bilans
from ..forms_bilans import BilanForm, BudgetForm, SectionForm
from ..models import Bilan, SectionBilan


def _erreurs_dans_le_formulaire(erreur, form):
    if hasattr(erreur, "error_dict"):
        for champ, messages_champ in erreur.message_dict.items():
            form.add_error(champ if champ in form.fields else None, messages_champ)
    else:
        form.add_error(None, erreur.messages)


class BilanList(RolePageMixin, ListView):
    permission_required = "reporting.view_bilan"
    template_name = "reporting/bilan_liste.html"
    context_object_name = "bilans"

    def get_queryset(self):
        return Bilan.objects.select_related("cree_par").order_by("-fin", "type", "id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(peut_creer=self.request.user.has_perm("reporting.add_bilan"), **kwargs)


class BilanCreate(RolePageMixin, FormView):
    permission_required = "reporting.add_bilan"
    template_name = "reporting/bilan_formulaire.html"
    form_class = BilanForm

    def get_initial(self):
        dernier = Bilan.objects.order_by("-cree_le", "-id").first()
        if dernier is None:
            return {}
        # The final bilan usually follows the mid-term one of the same operation.
        return {"operation": dernier.operation, "debut": dernier.debut, "type": Bilan.Type.FINAL}

    def form_valid(self, form):
        try:
            bilan = services_bilans.bilan_creer(**form.cleaned_data, par=self.request.user)
        except ValidationError as erreur:
            _erreurs_dans_le_formulaire(erreur, form)
            return self.form_invalid(form)
        messages.success(self.request, f"{bilan.get_type_display()} créé : rédigez ses sections.")
        return redirect("reporting:bilan", pk=bilan.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouveau bilan de l'opération", **kwargs)


class BilanMixin(RolePageMixin):
    def bilan(self):
        if not hasattr(self, "_bilan"):
            self._bilan = get_object_or_404(Bilan.objects.select_related("cree_par"), pk=self.kwargs["pk"])
        return self._bilan

    def sections(self):
        return bilans.sections_affichees(self.bilan().sections.select_related("modifie_par").order_by("ordre", "id"))


class BilanDetail(BilanMixin, TemplateView):
    permission_required = "reporting.view_bilan"
    template_name = "reporting/bilan_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            bilan=self.bilan(),
            sections=self.sections(),
            contenu=bilans.contenu_bilan(self.bilan()),
            peut_rediger=user.has_perm("reporting.change_sectionbilan"),
            peut_modifier=user.has_perm("reporting.change_bilan"),
            **kwargs,
        )


class SectionUpdate(BilanMixin, FormView):
    permission_required = "reporting.change_sectionbilan"
    template_name = "reporting/bilan_section.html"
    form_class = SectionForm

    def get_section(self):
        if not hasattr(self, "_section"):
            self._section = get_object_or_404(SectionBilan, bilan=self.bilan(), code=self.kwargs["code"])
        return self._section

    def get_initial(self):
        return {"contenu": self.get_section().contenu}

    def form_valid(self, form):
        section = services_bilans.section_enregistrer(
            section=self.get_section(), contenu=form.cleaned_data["contenu"], par=self.request.user
        )
        messages.success(self.request, f"Section « {section.titre} » enregistrée.")
        return redirect(reverse("reporting:bilan", kwargs={"pk": self.bilan().pk}) + f"#section-{section.code}")

    def get_context_data(self, **kwargs):
        section = self.get_section()
        rubrique = bilans.RUBRIQUES.get(section.code)
        return super().get_context_data(
            bilan=self.bilan(),
            section=section,
            aide=rubrique.aide if rubrique else "",
            titre=section.titre,
            **kwargs,
        )


class BudgetUpdate(BilanMixin, FormView):
    permission_required = "reporting.change_bilan"
    template_name = "reporting/bilan_budget.html"
    form_class = BudgetForm

    def get_initial(self):
        bilan = self.bilan()
        return {
            "budget_prevu": bilan.budget_prevu,
            "budget_realise": bilan.budget_realise,
            "commentaire_budget": bilan.commentaire_budget,
        }

    def form_valid(self, form):
        try:
            services_bilans.budget_enregistrer(bilan=self.bilan(), **form.cleaned_data)
        except ValidationError as erreur:
            _erreurs_dans_le_formulaire(erreur, form)
            return self.form_invalid(form)
        messages.success(self.request, "Situation budgétaire enregistrée.")
        return redirect("reporting:bilan", pk=self.bilan().pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(bilan=self.bilan(), titre="Situation budgétaire", **kwargs)


class BilanPdf(BilanMixin, View):
    permission_required = "reporting.view_bilan"

    def get(self, request, pk):
        bilan = self.bilan()
        user = request.user
        contenu = rendre_pdf(
            "reporting/bilan_pdf.html",
            {
                "PLIE_NOM": settings.PLIE_NOM,
                "bilan": bilan,
                "sections": self.sections(),
                "contenu": bilans.contenu_bilan(bilan),
                "auteur": user.get_full_name() or user.email,
                "genere_le": timezone.localtime(),
                "mention_ue": MENTION_UE,
                "pdf": True,
            },
            request=request,
        )
        services_bilans.bilan_export_journaliser(bilan=bilan, par=user)
        type_fichier = bilan.type.replace("_", "-")
        nom = f"bilan-{type_fichier}-{bilan.debut:%Y%m%d}-{bilan.fin:%Y%m%d}.pdf"
        return reponse_pdf(contenu, nom, telechargement=True)


urlpatterns = [
    path("bilans/", BilanList.as_view(), name="bilans"),
    path("bilans/nouveau/", BilanCreate.as_view(), name="bilan_nouveau"),
    path("bilans/<int:pk>/", BilanDetail.as_view(), name="bilan"),
    path("bilans/<int:pk>/sections/<slug:code>/", SectionUpdate.as_view(), name="bilan_section"),
    path("bilans/<int:pk>/budget/", BudgetUpdate.as_view(), name="bilan_budget"),
    path("bilans/<int:pk>/bilan.pdf", BilanPdf.as_view(), name="bilan_pdf"),
]
