"""Pages about participants. Rules live in rules.py, writes in services.py, reads in selectors.py.

Object-level access: a participant outside what ``participants_visibles`` returns is a 404
(the page neither confirms nor denies that the record exists).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, ListView, TemplateView

from plie.pagination import PaginateurParIdentifiants
from plie.roles import Role
from plie.views import RolePageMixin

from . import selectors, services
from .enums import DecisionCommissionType, MotifSortie, StatutDetection, StatutParticipant
from .filters import ParticipantFilter
from .forms import (
    ChangementReferentForm,
    DecisionForm,
    DiagnosticForm,
    EntretienForm,
    EtapeForm,
    ParticipantForm,
    SituationForm,
    SortieForm,
    ValidationSeniorForm,
)
from .models import DetectionSortie, HistoriqueReferent


def _form_errors_from(error, form):
    """Show a service's ValidationError on the form, field by field when it names fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ParticipantMixin(RolePageMixin):
    """Loads ``self.participant`` among the participants the user may see."""

    permission_required = "participants.view_participant"
    needs_edit_right = False
    relations = ("commune", "quartier_prioritaire", "niveau_formation", "referent")

    def dispatch(self, request, *args, **kwargs):
        # Role first (403 or login), then the caseload (404): a role without access learns nothing.
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.participant = get_object_or_404(
            selectors.participants_visibles(request.user).select_related(*self.relations),
            pk=kwargs["pk"],
        )
        if self.needs_edit_right and not selectors.peut_modifier(request.user, self.participant):
            raise PermissionDenied("Seuls le référent du participant et la coordinatrice peuvent le modifier.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(participant=self.participant, **kwargs)

    def retour(self, anchor=""):
        return reverse("participants:detail", args=[self.participant.pk]) + anchor


class ParticipantList(RolePageMixin, ListView):
    permission_required = "participants.view_participant"
    template_name = "participants/liste.html"
    context_object_name = "participants"
    paginate_by = 25
    # A region's participants are counted up to 10 000 (« plus de 10 000 »): a PLIE's, exactly.
    paginator_class = PaginateurParIdentifiants

    def get_queryset(self):
        self.today = timezone.localdate()
        user = self.request.user
        self.filterset = ParticipantFilter(
            self.request.GET or None,
            queryset=selectors.participants_visibles(user),
            voit_tous_les_referents=Role.REFERENT not in user.roles,
        )
        filtre = self.filterset.is_bound and self.filterset.is_valid()
        queryset = self.filterset.qs if filtre else self.filterset.queryset
        ordre = ["nom", "prenom", "id"]
        if filtre and self.filterset.form.cleaned_data.get("q"):
            # The same order, as an expression the name index cannot give: the planner would walk
            # that index to the first matches of a common name, reading most of the table on the
            # way, where the text indexes find the matches and a sort of those few is cheap.
            ordre[0] = Coalesce("nom", Value(""))
        return selectors.avec_suivi(
            queryset.select_related("commune", "quartier_prioritaire", "niveau_formation", "referent"), self.today
        ).order_by(*ordre)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filterset, **kwargs)
        for participant in context["participants"]:
            participant.a_voir = (
                selectors.a_voir(participant, self.today) if participant.statut == StatutParticipant.ENTRE else []
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class ParticipantDetail(ParticipantMixin, DetailView):
    template_name = "participants/detail.html"
    context_object_name = "participant"
    # The one-to-one rows the page shows (diagnostic, FSE data badge) come with the participant.
    relations = (*ParticipantMixin.relations, "diagnostic__realise_par", "donnees_fse")

    def get_object(self):
        return self.participant

    def get_context_data(self, **kwargs):
        participant = self.participant
        user = self.request.user
        today = timezone.localdate()
        voit_sensible = selectors.peut_voir_sensible(user, participant)
        if voit_sensible:
            services.journaliser_lecture_sensible(utilisateur=user, participant=participant)
        return super().get_context_data(
            today=today,
            verdict=selectors.verdict_eligibilite(participant, today),
            voit_sensible=voit_sensible,
            peut_modifier=selectors.peut_modifier(user, participant),
            peut_decider=user.has_perm("participants.decider_commission"),
            peut_changer_referent=user.has_perm("participants.changer_referent"),
            entretiens=participant.entretiens.select_related("realise_par")[:50],
            etapes=participant.etapes.all(),
            situations=participant.situations.select_related("type_contrat"),
            detections=participant.detections.all(),
            decisions=selectors.decisions_du_participant(participant),
            historique=HistoriqueReferent.objects.filter(participant=participant).select_related("referent"),
            diagnostic=getattr(participant, "diagnostic", None),
            positionnements=participant.positionnements.select_related("offre__entreprise"),
            **kwargs,
        )


class ParticipantCreate(RolePageMixin, FormView):
    permission_required = "participants.add_participant"
    template_name = "participants/formulaire.html"
    form_class = ParticipantForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if Role.REFERENT not in self.request.user.roles:
            form.fields["referent"] = ChangementReferentForm().fields["referent"]
            form.fields["referent"].label = "Référent unique"
        return form

    def form_valid(self, form):
        referent = form.cleaned_data.get("referent") or self.request.user
        try:
            participant = services.candidat_creer(
                participant=form.save(commit=False), referent=referent, par=self.request.user
            )
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Candidature de {participant} enregistrée : elle attend la commission.")
        return redirect("participants:detail", pk=participant.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouvelle candidature", **kwargs)


class ParticipantUpdate(ParticipantMixin, FormView):
    permission_required = "participants.change_participant"
    needs_edit_right = True
    template_name = "participants/formulaire.html"
    form_class = ParticipantForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.participant}

    def form_valid(self, form):
        form.save()
        messages.success(self.request, "Fiche enregistrée.")
        return redirect(self.retour())

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Modifier la fiche de {self.participant}", **kwargs)


class ParcoursCreateView(ParticipantMixin, FormView):
    """Add an entretien, an étape or a situation to a participant's pathway."""

    permission_required = "participants.change_participant"
    needs_edit_right = True
    template_name = "participants/formulaire.html"
    titre = ""
    anchor = ""
    message = ""

    def form_valid(self, form):
        item = form.save(commit=False)
        item.participant = self.participant
        try:
            self.enregistrer(item)
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        messages.success(self.request, self.message)
        return redirect(self.retour(self.anchor))

    def enregistrer(self, item):
        item.full_clean()
        item.save()

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"{self.titre} · {self.participant}", **kwargs)


class EntretienCreate(ParcoursCreateView):
    form_class = EntretienForm
    titre = "Nouvel entretien"
    anchor = "#entretiens"
    message = "Entretien enregistré."

    def get_initial(self):
        return {"date": timezone.localdate()}

    def enregistrer(self, item):
        item.realise_par = self.request.user
        super().enregistrer(item)


class EtapeCreate(ParcoursCreateView):
    form_class = EtapeForm
    titre = "Nouvelle étape de parcours"
    anchor = "#etapes"
    message = "Étape enregistrée."

    def enregistrer(self, item):
        item.cree_par = self.request.user
        super().enregistrer(item)


class SituationCreate(ParcoursCreateView):
    form_class = SituationForm
    titre = "Nouvelle situation (contrat, formation, création)"
    anchor = "#situations"
    message = "Situation enregistrée ; les sorties positives ont été recalculées."

    def enregistrer(self, item):
        services.situation_enregistrer(situation=item, par=self.request.user)


class DiagnosticEdit(ParticipantMixin, FormView):
    permission_required = "participants.change_participant"
    needs_edit_right = True
    template_name = "participants/formulaire.html"
    form_class = DiagnosticForm

    def get_form_kwargs(self):
        instance = getattr(self.participant, "diagnostic", None)
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = instance
        if instance is None:
            kwargs["initial"] = {"date": timezone.localdate()}
        return kwargs

    def form_valid(self, form):
        diagnostic = form.save(commit=False)
        diagnostic.participant = self.participant
        diagnostic.realise_par = self.request.user
        diagnostic.save()
        messages.success(self.request, "Diagnostic d'entrée enregistré.")
        return redirect(self.retour("#diagnostic"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Diagnostic d'entrée (CléA) · {self.participant}", **kwargs)


class SortieConfirm(ParticipantMixin, FormView):
    permission_required = "participants.change_participant"
    needs_edit_right = True
    template_name = "participants/sortie.html"
    form_class = SortieForm

    def get_initial(self):
        detection = self.participant.detections.filter(resultat=self.request.GET.get("resultat", "")).first()
        if detection:
            return {"motif": detection.resultat, "date": detection.date}
        return {"date": timezone.localdate()}

    def form_valid(self, form):
        try:
            services.sortie_confirmer(participant=self.participant, par=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Sortie de {self.participant} enregistrée.")
        return redirect(self.retour())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            detections=self.participant.detections.filter(statut=StatutDetection.A_CONFIRMER),
            positives=MotifSortie.positives(),
            **kwargs,
        )


class ChangerReferent(ParticipantMixin, FormView):
    permission_required = "participants.changer_referent"
    template_name = "participants/formulaire.html"
    form_class = ChangementReferentForm

    def form_valid(self, form):
        try:
            services.referent_attribuer(participant=self.participant, par=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        messages.success(
            self.request, f"{form.cleaned_data['referent']} est désormais le référent de {self.participant}."
        )
        return redirect(self.retour("#referents"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Changer le référent de {self.participant}", **kwargs)


class Commission(RolePageMixin, TemplateView):
    """The commission's agenda: pending candidates with their verdicts, senior-ACI exits to validate."""

    permission_required = "participants.decider_commission"
    template_name = "participants/commission.html"

    candidats_par_page = 50

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        territoire = selectors.Territoire()
        # A region's commissions can have thousands waiting: the rules run for one page at a time.
        candidats = Paginator(selectors.candidats_en_attente(), self.candidats_par_page).get_page(
            self.request.GET.get("page")
        )
        for candidat in candidats:
            candidat.verdict = selectors.verdict_eligibilite(candidat, today, territoire)
        seniors = DetectionSortie.objects.filter(
            attend_commission=True, statut=StatutDetection.A_CONFIRMER
        ).select_related("participant", "participant__referent")
        return super().get_context_data(
            candidats=candidats, seniors=seniors, form=DecisionForm(), senior_form=ValidationSeniorForm(), **kwargs
        )


class Decision(ParticipantMixin, FormView):
    permission_required = "participants.decider_commission"
    template_name = "participants/decision.html"
    form_class = DecisionForm

    def form_valid(self, form):
        try:
            services.commission_decider(participant=self.participant, par=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        decision = DecisionCommissionType(form.cleaned_data["decision"])
        messages.success(self.request, f"Décision enregistrée pour {self.participant} : {decision.label.lower()}.")
        return redirect("participants:commission")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            verdict=selectors.verdict_eligibilite(self.participant, timezone.localdate()), **kwargs
        )


class ValidationSenior(ParticipantMixin, FormView):
    permission_required = "participants.decider_commission"
    template_name = "participants/decision.html"
    form_class = ValidationSeniorForm

    def form_valid(self, form):
        try:
            services.commission_decider(
                participant=self.participant,
                par=self.request.user,
                decision=DecisionCommissionType.VALIDATION_SENIOR_ACI,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _form_errors_from(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Sortie senior en ACI validée pour {self.participant}.")
        return redirect("participants:commission")

    def get_context_data(self, **kwargs):
        return super().get_context_data(senior=True, **kwargs)
