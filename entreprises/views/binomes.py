"""The sector binômes (cahier des charges II: "un travail en binôme par secteur d'activité"): who
covers which sectors, and for one binôme its companies, their recent exchanges and open hiring
needs. The coordinatrice creates binômes and shares the sectors between them.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView

from plie.views import RolePageMixin

from .. import selectors, services
from ..forms import BinomeForm
from ..models import Binome
from .fichier import erreurs_sur_le_formulaire

PERMISSION_LECTURE = "entreprises.view_binome"
JOURS_ECHANGES_RECENTS = 30
NB_ENTREPRISES = 50  # on the binôme's page; the whole list is the company list filtered on it
NB_ECHANGES = 50


class BinomeListe(RolePageMixin, ListView):
    permission_required = PERMISSION_LECTURE
    template_name = "entreprises/binome_liste.html"
    context_object_name = "binomes"

    def get_queryset(self):
        return selectors.binomes_liste()

    def get_context_data(self, **kwargs):
        return super().get_context_data(secteurs_sans_binome=list(selectors.secteurs_sans_binome()), **kwargs)


class BinomeDetail(RolePageMixin, TemplateView):
    permission_required = PERMISSION_LECTURE
    template_name = "entreprises/binome_detail.html"

    def get_context_data(self, **kwargs):
        binome = get_object_or_404(selectors.binomes_liste(), pk=self.kwargs["pk"])
        today = timezone.localdate()
        depuis = today - timedelta(days=JOURS_ECHANGES_RECENTS)
        entreprises = list(selectors.entreprises_du_binome(binome)[: NB_ENTREPRISES + 1])
        interactions = list(selectors.interactions_du_binome(binome, depuis)[: NB_ECHANGES + 1])
        return super().get_context_data(
            binome=binome,
            entreprises=entreprises[:NB_ENTREPRISES],
            plus_d_entreprises=len(entreprises) > NB_ENTREPRISES,
            interactions=interactions[:NB_ECHANGES],
            plus_d_echanges=len(interactions) > NB_ECHANGES,
            jours_echanges=JOURS_ECHANGES_RECENTS,
            besoins=list(selectors.besoins_ouverts_du_binome(binome)),
            today=today,
            **kwargs,
        )


class _BinomeSaisie(RolePageMixin, FormView):
    form_class = BinomeForm
    template_name = "entreprises/binome_formulaire.html"
    binome = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.binome or Binome()}

    def form_valid(self, form):
        binome = form.save(commit=False)
        secteurs = list(form.cleaned_data["secteurs"])
        # Said in the message: a sector moved from another binôme is that binôme's loss.
        deplaces = [s for s in secteurs if s.binome_id is not None and s.binome_id != binome.pk]
        try:
            services.binome_enregistrer(binome=binome, secteurs=secteurs, par=self.request.user)
        except ValidationError as error:
            erreurs_sur_le_formulaire(error, form)
            return self.form_invalid(form)
        message = f"Binôme {binome} enregistré."
        if deplaces:
            message += " Secteur(s) repris à un autre binôme : " + ", ".join(s.libelle for s in deplaces) + "."
        messages.success(self.request, message)
        return redirect("entreprises:binome", pk=binome.pk)


class BinomeCreer(_BinomeSaisie):
    permission_required = "entreprises.add_binome"

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouveau binôme sectoriel", **kwargs)


class BinomeModifier(_BinomeSaisie):
    permission_required = "entreprises.change_binome"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.has_permission():
            self.binome = get_object_or_404(Binome.objects.select_related("referent_1", "referent_2"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Modifier le binôme {self.binome}", binome=self.binome, **kwargs)
