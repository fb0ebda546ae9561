"""The référents' side of offers: the offer page with its matching, diffusion to chosen référents,
closure, positionnements and their follow-up ("suivi proactif"), offers for one participant.

Object-level access: an offer or a positionnement the user may not see is a 404 (the page neither
confirms nor denies that it exists); a role without the permission gets a 403.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, Q, Value
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, ListView, TemplateView, View

from participants.enums import StatutParticipant
from participants.models import Participant
from participants.selectors import participants_visibles, peut_modifier
from plie.models import User
from plie.roles import Role
from plie.views import RolePageMixin

from .. import rules, selectors, services
from ..enums import MotifCloture, StatutOffre, StatutPositionnement
from ..models import Diffusion, Offre, Positionnement

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# What a référent may open: offers kept for the PLIE's public (never the raw queue nor the discarded).
STATUTS_VISIBLES_REFERENT = [StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE, StatutOffre.CLOTUREE]
STATUTS_POSITIONNABLES = [StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE]


def voit_tous_les_positionnements(user):
    """The chargé(e) de mission and the coordinatrice follow every positionnement; a référent their own."""
    return user.has_perm("offres.change_offre") or Role.COORDINATRICE in user.roles


def offres_visibles(user):
    queryset = Offre.objects.all()
    if not user.has_perm("offres.change_offre") and Role.COORDINATRICE not in user.roles:
        queryset = queryset.filter(statut__in=STATUTS_VISIBLES_REFERENT)
    return queryset


def positionnements_visibles(user):
    queryset = Positionnement.objects.all()
    if not voit_tous_les_positionnements(user):
        queryset = queryset.filter(participant__referent=user)
    return queryset


def _messages_de(error):
    return " ".join(error.messages)


class OffreMixin(RolePageMixin):
    """Loads ``self.offre`` among the offers the user may see (role first: 403, then 404)."""

    permission_required = "offres.view_offre"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.offre = get_object_or_404(
            offres_visibles(request.user).select_related(
                "commune", "type_contrat", "metier_rome", "entreprise", "qualifiee_par"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(offre=self.offre, **kwargs)

    def retour(self):
        return reverse("offres:detail", args=[self.offre.pk])


# --- The offer page ----------------------------------------------------------------------


class OffreDetail(OffreMixin, TemplateView):
    template_name = "offres/detail.html"

    def get_context_data(self, **kwargs):
        user, offre = self.request.user, self.offre
        est_referent = Role.REFERENT in user.roles
        if est_referent:
            # Seen when opened, not when listed: the "Nouveau" badge of the start page goes away.
            Diffusion.objects.filter(offre=offre, referent=user, vue_le__isnull=True).update(vue_le=timezone.now())
        voit_tous = voit_tous_les_positionnements(user)
        positionnements = list(selectors.positionnements_de_l_offre(offre))
        for positionnement in positionnements:
            positionnement.nom_visible = voit_tous or positionnement.participant.referent_id == user.pk
        suggeres = exclus = None
        peut_positionner = (
            est_referent and user.has_perm("offres.add_positionnement") and offre.statut in STATUTS_POSITIONNABLES
        )
        if peut_positionner:
            suggeres, exclus = selectors.candidats_pour_offre(offre, user)
        return super().get_context_data(
            liens=offre.liens.select_related("source"),
            positionnements=positionnements,
            nb_retenus=sum(p.statut == StatutPositionnement.RETENU for p in positionnements),
            peut_positionner=peut_positionner,
            suggeres=suggeres,
            exclus=exclus,
            peut_diffuser=user.has_perm("offres.change_offre") and offre.statut in STATUTS_POSITIONNABLES,
            peut_cloturer=user.has_perm("offres.change_offre")
            and StatutOffre.CLOTUREE in rules.TRANSITIONS_OFFRE[StatutOffre(offre.statut)],
            **kwargs,
        )


# --- Diffusion to chosen référents ----------------------------------------------------------


class DiffusionForm(forms.Form):
    referents = forms.ModelMultipleChoiceField(
        label="Référents",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un référent."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referents"].queryset = User.objects.with_role(Role.REFERENT)


class Diffuser(OffreMixin, FormView):
    permission_required = "offres.change_offre"
    template_name = "offres/diffuser.html"
    form_class = DiffusionForm

    def referents(self):
        """Each active référent with their caseload size and how many of it aim at the offer's job."""
        entre = Q(participants_suivis__statut=StatutParticipant.ENTRE)
        metier = self.offre.metier_rome_id
        referents = (
            User.objects.with_role(Role.REFERENT)
            .annotate(
                nb_participants=Count("participants_suivis", filter=entre, distinct=True),
                nb_metier=Count(
                    "participants_suivis",
                    filter=entre & Q(participants_suivis__metiers_vises=metier),
                    distinct=True,
                )
                if metier
                else Value(0, output_field=IntegerField()),
            )
            .order_by("last_name", "first_name", "id")
        )
        deja = dict(Diffusion.objects.filter(offre=self.offre).values_list("referent_id", "diffusee_le"))
        referents = list(referents)
        for referent in referents:
            referent.diffusee_le = deja.get(referent.pk)
        return referents

    def get_context_data(self, **kwargs):
        form = kwargs.get("form")
        coches = {str(v) for v in (form["referents"].value() or [])} if form is not None else set()
        return super().get_context_data(
            referents=self.referents(),
            coches=coches,
            diffusable=self.offre.statut in STATUTS_POSITIONNABLES,
            **kwargs,
        )

    def form_valid(self, form):
        referents = list(form.cleaned_data["referents"])
        try:
            services.offre_diffuser(offre=self.offre, par=self.request.user, referents=referents, par_mail=True)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Offre diffusée à {len(referents)} référent{'s' if len(referents) > 1 else ''} ; "
            f"un e-mail leur est envoyé maintenant.",
        )
        return redirect(self.retour())


# --- Closure -----------------------------------------------------------------------------


class ClotureForm(forms.Form):
    motif = forms.ChoiceField(
        label="Motif de clôture",
        choices=MotifCloture.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez le motif de clôture."},
    )


class Cloturer(OffreMixin, FormView):
    """The confirmation step: the offer, its open positionnements, then the motive and the button."""

    permission_required = "offres.change_offre"
    template_name = "offres/cloturer.html"
    form_class = ClotureForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            en_cours=self.offre.positionnements.filter(statut__in=StatutPositionnement.en_cours()).count(),
            **kwargs,
        )

    def form_valid(self, form):
        try:
            services.offre_cloturer(offre=self.offre, motif=form.cleaned_data["motif"], par=self.request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        motif = MotifCloture(form.cleaned_data["motif"]).label.lower()
        messages.success(self.request, f"Offre clôturée ({motif}).")
        return redirect(self.retour())


# --- Positionnements --------------------------------------------------------------------


class Positionner(OffreMixin, View):
    """POST: put the checked participants forward on the offer (all or none)."""

    permission_required = "offres.add_positionnement"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        ids = [i for i in request.POST.getlist("participants") if i.isdigit()]
        if not ids:
            messages.error(request, "Cochez au moins un participant à positionner.")
            return self.suivant()
        # Not restricted to the caseload on purpose: the service refuses others' participants (403).
        participants = list(Participant.objects.filter(pk__in=ids).order_by("nom", "prenom", "id"))
        if len(participants) != len(set(ids)):
            messages.error(request, "Un des participants cochés n'existe pas.")
            return self.suivant()
        try:
            crees = services.positionnements_creer(
                offre=self.offre, participants=participants, par=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, _messages_de(error))
            return self.suivant()
        noms = ", ".join(str(p.participant) for p in crees)
        messages.success(
            request,
            f"{len(crees)} positionnement{'s' if len(crees) > 1 else ''} créé{'s' if len(crees) > 1 else ''} : {noms}.",
        )
        return self.suivant()

    def suivant(self):
        retour = self.request.POST.get("retour", "")
        if retour and url_has_allowed_host_and_scheme(retour, {self.request.get_host()}, self.request.is_secure()):
            return HttpResponseRedirect(retour)
        return redirect(self.retour())


class AvancerForm(forms.Form):
    statut = forms.ChoiceField(label="Nouvelle étape", widget=forms.RadioSelect)
    date = forms.DateField(label="Date de l'étape", widget=DATE)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, statut_actuel, **kwargs):
        super().__init__(*args, **kwargs)
        possibles = rules.TRANSITIONS_POSITIONNEMENT[StatutPositionnement(statut_actuel)]
        # In the order of the workflow, not of a set.
        self.fields["statut"].choices = [(s.value, s.label) for s in StatutPositionnement if s in possibles]
        self.fields["date"].initial = timezone.localdate()


class PositionnementDetail(RolePageMixin, FormView):
    permission_required = "offres.view_positionnement"
    template_name = "offres/positionnement.html"
    form_class = AvancerForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.positionnement = get_object_or_404(
            positionnements_visibles(request.user).select_related(
                "offre__commune", "offre__type_contrat", "offre__entreprise", "participant__referent", "situation"
            ),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def peut_avancer(self):
        user = self.request.user
        return (
            user.has_perm("offres.change_positionnement")
            and peut_modifier(user, self.positionnement.participant)
            and bool(rules.TRANSITIONS_POSITIONNEMENT[StatutPositionnement(self.positionnement.statut)])
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "statut_actuel": self.positionnement.statut}

    def get_context_data(self, **kwargs):
        positionnement = self.positionnement
        return super().get_context_data(
            positionnement=positionnement,
            offre=positionnement.offre,
            participant=positionnement.participant,
            etapes=positionnement.etapes.select_related("par"),
            peut_avancer=self.peut_avancer(),
            voit_participant=self.request.user.has_perm("participants.view_participant")
            and peut_modifier(self.request.user, positionnement.participant),
            **kwargs,
        )

    def form_valid(self, form):
        if not self.peut_avancer():
            raise PermissionDenied("Seuls le référent du participant et la coordinatrice suivent ce positionnement.")
        try:
            positionnement = services.positionnement_avancer(
                positionnement=self.positionnement, par=self.request.user, **form.cleaned_data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        statut = StatutPositionnement(positionnement.statut)
        if statut == StatutPositionnement.RETENU and positionnement.situation_id:
            messages.success(
                self.request,
                format_html(
                    "{} est retenu(e) : la situation « contrat » a été créée sur sa fiche ; "
                    '<a href="{}#situations">voir la fiche du participant</a>.',
                    positionnement.participant,
                    reverse("participants:detail", args=[positionnement.participant_id]),
                ),
            )
        else:
            messages.success(self.request, f"Étape enregistrée : {statut.label.lower()}.")
        return redirect("offres:positionnement", pk=positionnement.pk)


class Suivi(RolePageMixin, ListView):
    """ "Suivi proactif": positionnements without progress for the configured delay."""

    permission_required = "offres.view_positionnement"
    template_name = "offres/suivi.html"
    context_object_name = "positionnements"
    paginate_by = 25

    def get_queryset(self):
        self.today = timezone.localdate()
        return selectors.positionnements_a_relancer(self.request.user, self.today)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for positionnement in context["positionnements"]:
            positionnement.jours = (self.today - positionnement.derniere_etape_le).days
        context.update(
            delai=settings.PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS,
            voit_tous=voit_tous_les_positionnements(user),
        )
        return context


class OffresPourParticipant(RolePageMixin, TemplateView):
    permission_required = "offres.view_positionnement"
    template_name = "offres/pour_participant.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.participant = get_object_or_404(
            participants_visibles(request.user).select_related("commune", "niveau_formation", "referent"),
            pk=kwargs["participant_pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            participant=self.participant,
            resultats=selectors.offres_pour_participant(self.participant),
            peut_positionner=user.has_perm("offres.add_positionnement")
            and peut_modifier(user, self.participant)
            and self.participant.statut == StatutParticipant.ENTRE,
            **kwargs,
        )
