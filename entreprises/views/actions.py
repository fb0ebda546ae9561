"""Collective actions (company visits, workshops, senior workshops) and their attendance sheets.

Who does what (``plie.roles``): the chargé(e) de mission creates the actions, prints the sheets,
records attendance and attaches the signed scan; a référent registers participants of their own
caseload and sees only those by name (the others as a count); the coordinatrice and the
auditeur FSE read everything, including the sheets. Every write goes through ``services``; a
refusal comes back as a ``ValidationError`` shown as a French message.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views import View
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from participants.selectors import participants_visibles
from plie.models import JournalAcces
from plie.pdf import rendre_pdf, reponse_pdf
from plie.roles import Role
from plie.views import RolePageMixin

from .. import rules, services
from ..forms_actions import (
    LIBELLES_DEMI_JOURNEES,
    ActionFiltreForm,
    ActionForm,
    FeuilleForm,
    InscriptionForm,
    PresencesForm,
)
from ..models import ActionCollective, Inscription, StatutAction
from ..selectors import actions_filtrees, actions_liste, inscriptions_visibles, voit_toutes_les_inscriptions

PERMISSION_LECTURE = "entreprises.view_actioncollective"
PERMISSION_EMARGER = "entreprises.emarger"
ACTIONS_PAR_PAGE = 25
# Blank lines at the foot of the printed sheet, for people who come without being registered.
LIGNES_VIERGES = 5
# The roles that may unregister any participant (``services._peut_inscrire``); a référent, their own.
ROLES_DESINSCRIPTION = {Role.CHARGE_MISSION, Role.COORDINATRICE, Role.ADMINISTRATEUR}
EXTENSIONS_FEUILLE = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
TYPES_PAR_EXTENSION = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def _texte(erreur):
    return " ".join(erreur.messages)


def _nom_fichier(action, prefixe, extension):
    slug = slugify(action.titre)[:60].strip("-") or "action"
    return f"{prefixe}-{action.date:%Y-%m-%d}-{slug}.{extension}"


def _journaliser(request, action, detail):
    """The sheets name every registered participant: each download is an export of personal data."""
    JournalAcces.objects.create(
        utilisateur=request.user,
        action=JournalAcces.Action.EXPORT,
        objet_type="action_collective",
        objet_id=str(action.pk),
        detail=detail[:250],
    )


class LectureCompleteMixin(RolePageMixin):
    """Pages that name every participant of an action (the attendance sheets): not for a
    référent, who sees their own participants only."""

    permission_required = PERMISSION_LECTURE
    permission_denied_message = (
        "La feuille d'émargement nomme tous les inscrits de l'action : elle est réservée à la chargée "
        "de mission, à la coordinatrice et à l'auditeur FSE."
    )

    def has_permission(self):
        return super().has_permission() and voit_toutes_les_inscriptions(self.request.user)


# --- List and page ------------------------------------------------------------------------


class ActionListe(RolePageMixin, ListView):
    permission_required = PERMISSION_LECTURE
    template_name = "entreprises/action_liste.html"
    context_object_name = "actions"
    paginate_by = ACTIONS_PAR_PAGE

    def get_queryset(self):
        self.today = timezone.localdate()
        self.filtres = ActionFiltreForm(self.request.GET or None)
        return actions_filtrees(today=self.today, **self.filtres.criteres())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filtres=self.filtres, today=self.today, **kwargs)
        for action in context["actions"]:
            action.places = rules.Places(action.capacite, action.nb_inscrits)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["peut_creer"] = self.request.user.has_perm("entreprises.add_actioncollective")
        return context

    def get_template_names(self):
        # A filter change answers with the results only; going back in history needs the whole page.
        if self.request.htmx and not self.request.htmx.history_restore_request:
            return ["entreprises/_action_liste.html"]
        return [self.template_name]


class ActionDetail(RolePageMixin, DetailView):
    permission_required = PERMISSION_LECTURE
    template_name = "entreprises/action_detail.html"
    context_object_name = "action"

    def get_queryset(self):
        return actions_liste()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, action, today = self.request.user, self.object, timezone.localdate()
        voit_tout = voit_toutes_les_inscriptions(user)
        inscriptions = list(inscriptions_visibles(user, action))
        places = rules.Places(action.capacite, action.nb_inscrits)
        ouverte = action.statut == StatutAction.PREVUE and action.date >= today
        if action.statut == StatutAction.REALISEE:
            champs = rules.presences_attendues(action.creneau)
            context["colonnes_presence"] = [LIBELLES_DEMI_JOURNEES[champ] for champ in champs]
            for inscription in inscriptions:
                inscription.presences_affichees = [
                    getattr(inscription, f"get_{champ}_display")() or "Non renseignée" for champ in champs
                ]
        context.update(
            today=today,
            places=places,
            inscriptions=inscriptions,
            voit_tout=voit_tout,
            nb_autres=0 if voit_tout else action.nb_inscrits - len(inscriptions),
            ouverte=ouverte,
            peut_modifier=user.has_perm("entreprises.change_actioncollective")
            and action.statut != StatutAction.ANNULEE,
            peut_annuler=user.has_perm("entreprises.change_actioncollective") and action.statut == StatutAction.PREVUE,
            peut_emarger=user.has_perm(PERMISSION_EMARGER),
            peut_imprimer=voit_tout,
            peut_desinscrire=user.has_perm("entreprises.delete_inscription") and action.date >= today,
        )
        if ouverte and not places.complet and user.has_perm("entreprises.add_inscription"):
            a_inscrire = participants_visibles(user).en_accompagnement().exclude(inscriptions_actions__action=action)
            form = InscriptionForm(participants=a_inscrire)
            choix = form.figer_choix()
            # A référent is told when nobody is left to register; others without a caseload see nothing.
            if choix or Role.REFERENT in user.roles:
                context.update(choix_participants=choix, form_inscription=form)
        return context


# --- Registration -------------------------------------------------------------------------


class ActionInscrire(RolePageMixin, View):
    """Register one participant of the person's own caseload (POST from the action page)."""

    permission_required = "entreprises.add_inscription"
    http_method_names = ["post"]

    def post(self, request, pk):
        action = get_object_or_404(ActionCollective, pk=pk)
        # Only the caseload is a valid choice, so a forged id of another référent's participant is refused.
        form = InscriptionForm(request.POST, participants=participants_visibles(request.user).en_accompagnement())
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["participant"]))
            return redirect("entreprises:action", pk=action.pk)
        participant = form.cleaned_data["participant"]
        try:
            services.inscrire(action=action, participant=participant, par=request.user)
        except ValidationError as erreur:
            messages.error(request, _texte(erreur))
        else:
            messages.success(request, f"{participant} est inscrit(e) à « {action.titre} ».")
        return redirect("entreprises:action", pk=action.pk)


class ActionDesinscrire(RolePageMixin, View):
    """Confirm, then remove a registration (a référent: of their own participants only)."""

    permission_required = "entreprises.delete_inscription"
    template_name = "entreprises/action_desinscrire.html"

    def get_inscription(self):
        inscriptions = Inscription.objects.select_related("participant", "action")
        if not set(self.request.user.roles) & ROLES_DESINSCRIPTION:
            inscriptions = inscriptions.filter(participant__referent=self.request.user)
        return get_object_or_404(inscriptions, pk=self.kwargs["inscription"], action_id=self.kwargs["pk"])

    def get(self, request, pk, inscription):
        return render(request, self.template_name, {"inscription": self.get_inscription()})

    def post(self, request, pk, inscription):
        inscription = self.get_inscription()
        participant = inscription.participant
        try:
            services.desinscrire(inscription=inscription, par=request.user)
        except ValidationError as erreur:
            messages.error(request, _texte(erreur))
        else:
            messages.success(request, f"{participant} n'est plus inscrit(e) à « {inscription.action.titre} ».")
        return redirect("entreprises:action", pk=pk)


# --- Creation, editing, cancellation --------------------------------------------------------


class ActionEnregistrerMixin(RolePageMixin):
    model = ActionCollective
    form_class = ActionForm
    template_name = "entreprises/action_formulaire.html"
    message_succes = ""

    def form_valid(self, form):
        try:
            action = services.action_enregistrer(action=form.instance, par=self.request.user)
        except ValidationError as erreur:
            form.add_error(None, erreur)
            return self.form_invalid(form)
        messages.success(self.request, self.message_succes.format(titre=action.titre))
        return redirect("entreprises:action", pk=action.pk)


class ActionCreer(ActionEnregistrerMixin, CreateView):
    permission_required = "entreprises.add_actioncollective"
    message_succes = "L'action « {titre} » est créée : les référents peuvent y inscrire leurs participants."


class ActionModifier(ActionEnregistrerMixin, UpdateView):
    permission_required = "entreprises.change_actioncollective"
    message_succes = "L'action « {titre} » est enregistrée."


class ActionAnnuler(RolePageMixin, DetailView):
    permission_required = "entreprises.change_actioncollective"
    template_name = "entreprises/action_annuler.html"
    context_object_name = "action"

    def get_queryset(self):
        return actions_liste()

    def post(self, request, pk):
        action = get_object_or_404(ActionCollective, pk=pk)
        try:
            services.action_annuler(action=action, par=request.user)
        except ValidationError as erreur:
            messages.error(request, _texte(erreur))
        else:
            messages.success(
                request, f"L'action « {action.titre} » est annulée ; ses inscriptions sont conservées pour mémoire."
            )
        return redirect("entreprises:action", pk=action.pk)


# --- Attendance sheets ------------------------------------------------------------------------


class EmargementPdf(LectureCompleteMixin, View):
    """The sheet to print and have signed: every registered participant, one signature box per
    half-day, blank lines for walk-ins and the facilitator's certification."""

    def get(self, request, pk):
        action = get_object_or_404(ActionCollective.objects.select_related("entreprise", "animateur", "commune"), pk=pk)
        inscriptions = list(
            action.inscriptions.select_related("participant").order_by("participant__nom", "participant__prenom", "id")
        )
        demi_journees = [LIBELLES_DEMI_JOURNEES[champ] for champ in rules.presences_attendues(action.creneau)]
        contenu = rendre_pdf(
            "entreprises/emargement_pdf.html",
            {
                "PLIE_NOM": settings.PLIE_NOM,
                "action": action,
                "inscriptions": inscriptions,
                "demi_journees": demi_journees,
                "lignes_vierges": range(LIGNES_VIERGES),
                "genere_le": timezone.localtime(),
            },
            request=request,
        )
        _journaliser(
            request,
            action,
            f"Feuille d'émargement « {action.titre} » du {action.date:%d/%m/%Y} : {len(inscriptions)} inscrit(s)",
        )
        return reponse_pdf(contenu, _nom_fichier(action, "emargement", "pdf"))


class ActionPresences(RolePageMixin, View):
    """Attendance from the signed sheet, per registration and half-day; and the scan upload."""

    permission_required = PERMISSION_EMARGER
    template_name = "entreprises/action_presences.html"

    def _page(self, request, action, form):
        contexte = {
            "action": action,
            "form": form,
            "form_feuille": FeuilleForm(),
            "avant_le_jour": action.date > timezone.localdate(),
        }
        return render(request, self.template_name, contexte)

    def _action_et_form(self, request, pk, data=None):
        action = get_object_or_404(ActionCollective.objects.select_related("feuille_deposee_par"), pk=pk)
        inscriptions = action.inscriptions.select_related("participant").order_by(
            "participant__nom", "participant__prenom", "id"
        )
        return action, PresencesForm(data, action=action, inscriptions=inscriptions)

    def get(self, request, pk):
        action, form = self._action_et_form(request, pk)
        return self._page(request, action, form)

    def post(self, request, pk):
        action, form = self._action_et_form(request, pk, request.POST)
        if not form.is_valid():
            messages.error(request, "Des présences manquent : chaque inscrit a une réponse par demi-journée.")
            return self._page(request, action, form)
        try:
            services.presences_enregistrer(action=action, presences=form.presences(), par=request.user)
        except ValidationError as erreur:
            messages.error(request, _texte(erreur))
            return self._page(request, action, form)
        messages.success(request, f"Les présences de « {action.titre} » sont enregistrées ; l'action est réalisée.")
        return redirect("entreprises:action", pk=action.pk)


class FeuilleDeposer(RolePageMixin, View):
    permission_required = PERMISSION_EMARGER
    http_method_names = ["post"]

    def post(self, request, pk):
        action = get_object_or_404(ActionCollective, pk=pk)
        form = FeuilleForm(request.POST, request.FILES)
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["fichier"]))
        else:
            try:
                services.feuille_deposer(action=action, fichier=form.cleaned_data["fichier"], par=request.user)
            except ValidationError as erreur:
                messages.error(request, _texte(erreur))
            else:
                messages.success(request, "La feuille d'émargement signée est jointe à l'action.")
        return redirect(reverse("entreprises:presences", kwargs={"pk": action.pk}) + "#feuille")


class FeuilleSignee(LectureCompleteMixin, View):
    """The scanned signed sheet, through this view only (never a public media URL)."""

    def get(self, request, pk):
        action = get_object_or_404(ActionCollective, pk=pk)
        if not action.feuille_signee:
            raise Http404("Aucune feuille signée n'est jointe à cette action.")
        try:
            fichier = action.feuille_signee.open("rb")
        except FileNotFoundError:
            raise Http404("Le fichier de la feuille signée est introuvable.") from None
        # The type checked at upload (by content), the stored extension for anything older.
        debut = fichier.read(16)
        fichier.seek(0)
        extension = action.feuille_signee.name.rsplit(".", 1)[-1].lower()
        type_mime = rules.type_fichier(debut) or TYPES_PAR_EXTENSION.get(extension, "application/octet-stream")
        _journaliser(request, action, f"Feuille d'émargement signée « {action.titre} » du {action.date:%d/%m/%Y}")
        response = FileResponse(
            fichier,
            as_attachment=True,
            filename=_nom_fichier(action, "emargement-signe", EXTENSIONS_FEUILLE.get(type_mime, extension)),
            content_type=type_mime,
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
