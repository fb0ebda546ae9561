"""The participants' training needs: the list for the chargé(e) de mission, the coordinatrice and
the référents (their caseload only), a need's page, its entry and edit by the référent, and the
positioning of a need on a session.

The chargé(e) de mission has no ``participants.view_participant``: she reads the participant's
name and référent on a need, never a link to the participant's record.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView, View

from participants.selectors import participants_visibles
from plie.views import RolePageMixin

from .. import rules, selectors, services
from ..filters import BesoinFilter
from ..forms import BesoinForm, BesoinStatutForm, PositionnerForm
from ..models import CONTRAINTES, FINANCEMENTS
from . import erreurs_dans_le_formulaire, query_string_sans_page

LIBELLES_CONTRAINTES = dict(CONTRAINTES)
LIBELLES_FINANCEMENTS = dict(FINANCEMENTS)


def _voit_fiches(user):
    return user.has_perm("participants.view_participant")


class BesoinMixin(RolePageMixin):
    """Loads ``self.besoin`` among the needs the user may see (404 otherwise)."""

    permission_required = "formation.view_besoinformation"

    def dispatch(self, request, *args, **kwargs):
        # Role first (403 or login), then the caseload (404): a role without access learns nothing.
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.besoin = get_object_or_404(
            selectors.besoins_visibles(request.user).select_related(
                "participant__referent", "domaine", "metier_rome", "niveau_vise", "entretien", "cree_par"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class BesoinList(RolePageMixin, ListView):
    permission_required = "formation.view_besoinformation"
    template_name = "formation/besoin_liste.html"
    context_object_name = "besoins"
    paginate_by = 25

    def get_queryset(self):
        user = self.request.user
        self.filterset = BesoinFilter(
            self.request.GET or None,
            queryset=selectors.besoins_visibles(user),
            voit_tous_les_referents=selectors.voit_tout(user),
        )
        queryset = (
            self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else self.filterset.queryset
        )
        return selectors.besoins_liste(queryset)

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["formation/besoin_liste_resultats.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        user = self.request.user
        seniors = (
            self.filterset.is_bound
            and self.filterset.form.is_valid()
            and self.filterset.form.cleaned_data.get("seniors")
        )
        return super().get_context_data(
            filter=self.filterset,
            query_string=query_string_sans_page(self.request),
            voit_fiches=_voit_fiches(user),
            peut_positionner=user.has_perm("formation.add_positionnementformation"),
            besoins_ouverts=rules.BESOINS_OUVERTS,
            seniors=seniors,
            age_senior=rules.age_senior(),
            **kwargs,
        )


class BesoinDetail(BesoinMixin, TemplateView):
    template_name = "formation/besoin_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        besoin = self.besoin
        peut_gerer = user.has_perm("formation.change_besoinformation") and selectors.peut_gerer_besoin(
            user, besoin.participant
        )
        en_cours = selectors.positionnement_en_cours_du_besoin(besoin) if peut_gerer else ""
        return super().get_context_data(
            besoin=besoin,
            participant=besoin.participant,
            contraintes=[LIBELLES_CONTRAINTES.get(c, c) for c in besoin.liste_contraintes()],
            financements=[LIBELLES_FINANCEMENTS.get(f, f) for f in besoin.liste_financements()],
            positionnements=besoin.positionnements.select_related("session__organisme").order_by("-propose_le", "-id"),
            voit_fiche=_voit_fiches(user),
            peut_modifier=peut_gerer,
            statut_form=BesoinStatutForm(statut_actuel=besoin.statut) if peut_gerer and not en_cours else None,
            positionnement_en_cours=en_cours,
            peut_positionner=user.has_perm("formation.add_positionnementformation")
            and besoin.statut in rules.BESOINS_OUVERTS,
            **kwargs,
        )


class BesoinFormMixin(RolePageMixin):
    template_name = "formation/besoin_formulaire.html"
    form_class = BesoinForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "participant": self.participant}

    def form_valid(self, form):
        besoin = form.save(commit=False)
        besoin.participant = self.participant
        try:
            besoin = services.besoin_enregistrer(besoin=besoin, par=self.request.user)
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Besoin de formation « {besoin.intitule} » enregistré.")
        if _voit_fiches(self.request.user):
            return redirect(reverse("participants:detail", args=[self.participant.pk]) + "#besoins-formation")
        return redirect("formation:besoin", pk=besoin.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(participant=self.participant, titre=self.titre(), **kwargs)


class BesoinCreate(BesoinFormMixin, FormView):
    """``besoins/nouveau/?participant=<pk>``: a need of one participant of the référent's caseload."""

    permission_required = "formation.add_besoinformation"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        try:
            pk = int(request.GET.get("participant", ""))
        except ValueError:
            raise Http404("Participant non précisé.") from None
        self.participant = get_object_or_404(participants_visibles(request.user), pk=pk)
        if not selectors.peut_gerer_besoin(request.user, self.participant):
            raise PermissionDenied("Seuls le référent du participant et la coordinatrice enregistrent ses besoins.")
        return super().dispatch(request, *args, **kwargs)

    def titre(self):
        return f"Nouveau besoin de formation · {self.participant}"


class BesoinUpdate(BesoinFormMixin, FormView):
    permission_required = "formation.change_besoinformation"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.besoin = get_object_or_404(
            selectors.besoins_visibles(request.user).select_related("participant"), pk=kwargs["pk"]
        )
        self.participant = self.besoin.participant
        if not selectors.peut_gerer_besoin(request.user, self.participant):
            raise PermissionDenied("Seuls le référent du participant et la coordinatrice modifient ses besoins.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.besoin}

    def titre(self):
        return f"Modifier le besoin « {self.besoin.intitule} » · {self.participant}"


class BesoinStatut(BesoinMixin, View):
    """POST only: a status change by hand (the need's page holds the form)."""

    permission_required = "formation.change_besoinformation"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = BesoinStatutForm(request.POST, statut_actuel=self.besoin.statut)
        if not form.is_valid():
            messages.error(request, "Choisissez un des statuts proposés.")
            return redirect("formation:besoin", pk=self.besoin.pk)
        try:
            services.besoin_changer_statut(besoin=self.besoin, statut=form.cleaned_data["statut"], par=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Statut du besoin mis à jour.")
        return redirect("formation:besoin", pk=self.besoin.pk)


class Positionner(BesoinMixin, FormView):
    """Put the participant of a need forward on an open session (those of the need's field first)."""

    permission_required = "formation.add_positionnementformation"
    template_name = "formation/besoin_positionner.html"
    form_class = PositionnerForm

    def sessions(self):
        if not hasattr(self, "_sessions"):
            domaine = rules.domaine_du_besoin(self.besoin, selectors.domaines() if not self.besoin.domaine_id else ())
            queryset = selectors.sessions_ouvertes(timezone.localdate())
            if domaine is not None:
                queryset = queryset.annotate(
                    hors_domaine=Case(
                        When(domaine=domaine, then=Value(0)), default=Value(1), output_field=IntegerField()
                    )
                ).order_by("hors_domaine", "debut", "id")
            self._sessions = queryset
        return self._sessions

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sessions": self.sessions()}

    def get_context_data(self, **kwargs):
        deja = set(self.besoin.participant.positionnements_formation.values_list("session_id", flat=True))
        sessions = list(self.sessions())
        for session in sessions:
            session.places_libres = max(session.capacite - session.places_occupees, 0)
        return super().get_context_data(
            besoin=self.besoin,
            participant=self.besoin.participant,
            sessions=sessions,
            deja_positionne=deja,
            besoin_ouvert=self.besoin.statut in rules.BESOINS_OUVERTS,
            **kwargs,
        )

    def form_valid(self, form):
        try:
            positionnement = services.positionner(
                session=form.cleaned_data["session"],
                participant=self.besoin.participant,
                besoin=self.besoin,
                par=self.request.user,
                commentaire=form.cleaned_data["commentaire"],
            )
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{positionnement.participant} est proposé(e) sur « {positionnement.session.intitule} »."
        )
        return redirect("formation:positionnement", pk=positionnement.pk)
