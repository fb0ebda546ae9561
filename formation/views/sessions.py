"""Training bodies and their sessions (kept by the chargé(e) de mission, read by the référents
and the coordinatrice), and the positionnements on sessions with their steps.

A référent sees, on a session, the positionnements of their own caseload only; the seats count
every participant.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import FormView, ListView, TemplateView

from participants.enums import StatutParticipant
from participants.selectors import participants_visibles
from plie.roles import Role
from plie.views import RolePageMixin

from .. import rules, selectors, services
from ..filters import SessionFilter
from ..forms import AvancerForm, OrganismeForm, PositionnerDepuisSessionForm, SessionAnnulationForm, SessionForm
from ..models import OrganismeFormation, PositionnementFormation, SessionFormation, StatutPositionnementFormation
from . import erreurs_dans_le_formulaire, query_string_sans_page

# --- Training bodies -----------------------------------------------------------------------


class OrganismeList(RolePageMixin, ListView):
    permission_required = "formation.view_organismeformation"
    template_name = "formation/organisme_liste.html"
    context_object_name = "organismes"
    paginate_by = 50

    def get_queryset(self):
        return selectors.organismes_liste().prefetch_related("domaines")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            peut_creer=self.request.user.has_perm("formation.add_organismeformation"), **kwargs
        )


class OrganismeDetail(RolePageMixin, TemplateView):
    permission_required = "formation.view_organismeformation"
    template_name = "formation/organisme_detail.html"

    def get_context_data(self, **kwargs):
        organisme = get_object_or_404(
            OrganismeFormation.objects.select_related("commune").prefetch_related("domaines"), pk=self.kwargs["pk"]
        )
        return super().get_context_data(
            organisme=organisme,
            sessions=selectors.sessions_liste(organisme.sessions.all()).order_by("-debut", "-id"),
            peut_modifier=self.request.user.has_perm("formation.change_organismeformation"),
            **kwargs,
        )


class OrganismeCreate(RolePageMixin, FormView):
    permission_required = "formation.add_organismeformation"
    template_name = "formation/organisme_formulaire.html"
    form_class = OrganismeForm

    def form_valid(self, form):
        organisme = form.save()
        messages.success(self.request, f"Organisme « {organisme} » enregistré.")
        return redirect("formation:organisme", pk=organisme.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouvel organisme de formation", **kwargs)


class OrganismeUpdate(RolePageMixin, FormView):
    permission_required = "formation.change_organismeformation"
    template_name = "formation/organisme_formulaire.html"
    form_class = OrganismeForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.organisme = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_organisme()}

    def get_organisme(self):
        if self.organisme is None:
            self.organisme = get_object_or_404(OrganismeFormation, pk=self.kwargs["pk"])
        return self.organisme

    def form_valid(self, form):
        organisme = form.save()
        messages.success(self.request, f"Organisme « {organisme} » mis à jour.")
        return redirect("formation:organisme", pk=organisme.pk)

    def get_context_data(self, **kwargs):
        organisme = self.get_organisme()
        return super().get_context_data(titre=f"Modifier « {organisme} »", organisme=organisme, **kwargs)


# --- Sessions ------------------------------------------------------------------------------


class SessionList(RolePageMixin, ListView):
    permission_required = "formation.view_sessionformation"
    template_name = "formation/session_liste.html"
    context_object_name = "sessions"
    paginate_by = 25

    def get_queryset(self):
        self.filterset = SessionFilter(self.request.GET or None, queryset=SessionFormation.objects.all())
        queryset = (
            self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else self.filterset.queryset
        )
        return selectors.sessions_liste(queryset)

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["formation/session_liste_resultats.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter=self.filterset,
            query_string=query_string_sans_page(self.request),
            peut_creer=self.request.user.has_perm("formation.add_sessionformation"),
            today=timezone.localdate(),
            **kwargs,
        )


class SessionMixin(RolePageMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.session = get_object_or_404(
            selectors.avec_places(
                SessionFormation.objects.select_related(
                    "organisme", "domaine", "metier_rome", "niveau_vise", "commune", "cree_par"
                )
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


def _formulaire_positionner(user, session, data=None):
    """The "position someone" form of a session page, or None when the user may not position.

    Offered: the open needs the user sees (a référent's caseload, everyone's for the chargé(e) de
    mission) and, for a référent, the participants of their caseload, minus those already on it.
    """
    if not user.has_perm("formation.add_positionnementformation"):
        return None
    deja = PositionnementFormation.objects.filter(session=session).values("participant_id")
    besoins = (
        selectors.besoins_ouverts(selectors.besoins_visibles(user))
        .exclude(participant_id__in=deja)
        .filter(participant__statut=StatutParticipant.ENTRE)
        .select_related("participant")
        .order_by("participant__nom", "participant__prenom", "-exprime_le")
    )
    participants = None
    if Role.REFERENT in user.roles:
        participants = (
            participants_visibles(user)
            .filter(statut=StatutParticipant.ENTRE)
            .exclude(pk__in=deja)
            .order_by("nom", "prenom")
        )
    return PositionnerDepuisSessionForm(data, besoins=besoins, participants=participants)


class SessionDetail(SessionMixin, TemplateView):
    permission_required = "formation.view_sessionformation"
    template_name = "formation/session_detail.html"

    def get_context_data(self, form=None, **kwargs):
        user = self.request.user
        session = self.session
        today = timezone.localdate()
        positionnable = rules.session_positionnable(
            session.statut, session.fin, today, session.capacite, session.places_occupees
        )
        return super().get_context_data(
            session=session,
            positionnements=selectors.positionnements_de_la_session(session, user),
            voit_tous=selectors.voit_tout(user),
            voit_fiches=user.has_perm("participants.view_participant"),
            peut_modifier=user.has_perm("formation.change_sessionformation"),
            annulable=rules.session_annulable(session.statut, 0).autorise,
            positionnable=positionnable,
            form=form or (_formulaire_positionner(user, session) if positionnable else None),
            places_restantes=max(session.capacite - session.places_occupees, 0),
            **kwargs,
        )


class SessionPositionner(SessionMixin, TemplateView):
    """POST from the session page: position a need's participant, or one of the caseload."""

    permission_required = "formation.add_positionnementformation"
    template_name = "formation/session_detail.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = _formulaire_positionner(request.user, self.session, request.POST)
        if form.is_valid():
            besoin = form.cleaned_data.get("besoin")
            participant = besoin.participant if besoin else form.cleaned_data["participant"]
            try:
                positionnement = services.positionner(
                    session=self.session,
                    participant=participant,
                    besoin=besoin,
                    par=request.user,
                    commentaire=form.cleaned_data["commentaire"],
                )
            except ValidationError as error:
                erreurs_dans_le_formulaire(error, form)
            else:
                messages.success(request, f"{participant} est proposé(e) sur « {self.session.intitule} ».")
                return redirect("formation:positionnement", pk=positionnement.pk)
        return self._page_avec_erreurs(form)

    def _page_avec_erreurs(self, form):
        """The session page again, its form showing what went wrong."""
        vue = SessionDetail()
        vue.setup(self.request, **self.kwargs)
        vue.session = self.session
        return vue.render_to_response(vue.get_context_data(form=form))


class SessionCreate(RolePageMixin, FormView):
    permission_required = "formation.add_sessionformation"
    template_name = "formation/session_formulaire.html"
    form_class = SessionForm

    def get_initial(self):
        organisme = self.request.GET.get("organisme", "")
        return {"organisme": organisme} if organisme.isdigit() else {}

    def form_valid(self, form):
        try:
            session = services.session_enregistrer(session=form.save(commit=False), par=self.request.user)
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Session « {session.intitule} » enregistrée.")
        return redirect("formation:session", pk=session.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouvelle session de formation", **kwargs)


class SessionUpdate(SessionMixin, FormView):
    permission_required = "formation.change_sessionformation"
    template_name = "formation/session_formulaire.html"
    form_class = SessionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.session}

    def form_valid(self, form):
        try:
            session = services.session_enregistrer(session=form.save(commit=False), par=self.request.user)
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Session « {session.intitule} » mise à jour.")
        return redirect("formation:session", pk=session.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Modifier « {self.session.intitule} »", session=self.session, **kwargs)


class SessionAnnuler(SessionMixin, FormView):
    permission_required = "formation.change_sessionformation"
    template_name = "formation/session_annuler.html"
    form_class = SessionAnnulationForm

    def form_valid(self, form):
        try:
            services.session_annuler(session=self.session, motif=form.cleaned_data["motif"], par=self.request.user)
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Session « {self.session.intitule} » annulée ; les positionnements en attente sont clos."
        )
        return redirect("formation:session", pk=self.session.pk)

    def get_context_data(self, **kwargs):
        nb_entres = self.session.positionnements.filter(
            statut__in=[StatutPositionnementFormation.ENTRE, StatutPositionnementFormation.TERMINE]
        ).count()
        return super().get_context_data(
            session=self.session, annulable=rules.session_annulable(self.session.statut, nb_entres), **kwargs
        )


# --- Positionnements -----------------------------------------------------------------------


class PositionnementDetail(RolePageMixin, FormView):
    permission_required = "formation.view_positionnementformation"
    template_name = "formation/positionnement_detail.html"
    form_class = AvancerForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.positionnement = get_object_or_404(
            selectors.positionnements_visibles(request.user).select_related(
                "session__organisme", "participant__referent", "besoin", "situation", "propose_par"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def peut_avancer(self):
        user = self.request.user
        return (
            user.has_perm("formation.change_positionnementformation")
            and selectors.peut_suivre(user, self.positionnement)
            and bool(rules.statuts_suivants(self.positionnement.statut))
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "statut_actuel": self.positionnement.statut}

    def get_context_data(self, **kwargs):
        positionnement = self.positionnement
        user = self.request.user
        return super().get_context_data(
            positionnement=positionnement,
            session=positionnement.session,
            participant=positionnement.participant,
            etapes=positionnement.etapes.select_related("par").order_by("date", "id"),
            peut_avancer=self.peut_avancer(),
            voit_fiche=user.has_perm("participants.view_participant"),
            voit_besoin=user.has_perm("formation.view_besoinformation"),
            **kwargs,
        )

    def form_valid(self, form):
        if not self.peut_avancer():
            raise PermissionDenied("Votre rôle ne permet pas de faire avancer ce positionnement.")
        try:
            positionnement = services.positionnement_avancer(
                positionnement=self.positionnement, par=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            erreurs_dans_le_formulaire(error, form)
            return self.form_invalid(form)
        statut = StatutPositionnementFormation(positionnement.statut)
        if statut == StatutPositionnementFormation.ENTRE and positionnement.situation_id:
            message = "{} est entré(e) en formation : la situation « {} » a été créée sur sa fiche."
            if self.request.user.has_perm("participants.view_participant"):
                messages.success(
                    self.request,
                    format_html(
                        message + ' <a href="{}#situations">Voir la fiche</a>.',
                        positionnement.participant,
                        positionnement.situation.get_type_display().lower(),
                        reverse("participants:detail", args=[positionnement.participant_id]),
                    ),
                )
            else:
                messages.success(
                    self.request,
                    message.format(positionnement.participant, positionnement.situation.get_type_display().lower()),
                )
        else:
            messages.success(self.request, f"Étape enregistrée : {statut.label.lower()}.")
        return redirect("formation:positionnement", pk=positionnement.pk)
