"""The company file: the list and its XLSX export, the company page (contacts, exchanges, hiring
needs, offers), the company, contact and hiring-need forms, and the exchanges with companies —
logged from the company's page (htmx or plain POST) or from anywhere — with the next steps they
leave to do.

Every write goes through ``services``; a rule it refuses comes back as a ``ValidationError`` put
on the form. A role without the page's permission gets a 403 (the auditeur FSE and the
administrateur read no company), an anonymous visitor the login page.
"""

import tempfile

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.decorators.http import require_GET
from django.views.generic import FormView, ListView, TemplateView
from django_htmx.http import HttpResponseClientRedirect

from plie.models import JournalAcces
from plie.views import RolePageMixin

from .. import selectors, services
from ..export import ecrire_entreprises
from ..filters import description_filtres, entreprises_filtrees
from ..forms import BesoinForm, ContactForm, EntrepriseForm, InteractionForm, InteractionRapideForm
from ..models import BesoinRecrutement, Contact, Interaction, StatutBesoin

PERMISSION_LECTURE = "entreprises.view_entreprise"
PAR_PAGE = 50
NB_ECHANGES = 10  # on the company page; the whole timeline is one click away
NB_OFFRES = 20
NB_BESOINS_CLOS = 10


def erreurs_sur_le_formulaire(error, form):
    """Show a service's ValidationError on the form, field by field when it names fields."""
    if hasattr(error, "error_dict"):
        for champ, erreurs in error.message_dict.items():
            form.add_error(champ if champ in form.fields else None, erreurs)
    else:
        form.add_error(None, error.messages)


def _selon_htmx(response):
    # The list answers a fragment to htmx and a page otherwise: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _fiche(entreprise, ancre=""):
    return reverse("entreprises:detail", args=[entreprise.pk]) + ancre


# --- The list and its export ---------------------------------------------------------------------


class EntrepriseListe(RolePageMixin, ListView):
    permission_required = PERMISSION_LECTURE
    template_name = "entreprises/entreprise_liste.html"
    context_object_name = "entreprises"
    paginate_by = PAR_PAGE

    def get_queryset(self):
        queryset, self.filterset = entreprises_filtrees(self.request.GET)
        return queryset

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.history_restore_request:
            return ["entreprises/_entreprise_resultats.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filterset, **kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["filtre_actif"] = any(valeur for _, valeur in query.items())
        return context

    def render_to_response(self, context, **response_kwargs):
        return _selon_htmx(super().render_to_response(context, **response_kwargs))


@require_GET
def export_entreprises(request):
    """The filtered list as an XLSX workbook, built in a temporary file and streamed; the export
    is recorded in the access log (it may carry contacts' personal data)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm(PERMISSION_LECTURE):
        raise PermissionDenied("Votre rôle ne permet pas de consulter le fichier des entreprises.")
    queryset, filterset = entreprises_filtrees(request.GET)
    filtres = description_filtres(filterset)
    fichier = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    nombre = ecrire_entreprises(
        queryset,
        fichier,
        avec_contacts=request.user.has_perm("entreprises.view_contact"),
        auteur=request.user,
        filtres=filtres,
    )
    fichier.seek(0)
    JournalAcces.objects.create(
        utilisateur=request.user,
        action=JournalAcces.Action.EXPORT,
        objet_type="entreprises",
        detail=f"Fichier des entreprises : {nombre} ligne(s){', filtres : ' + filtres if filtres else ''}"[:250],
    )
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=f"entreprises-{timezone.localdate():%Y-%m-%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- The company page ----------------------------------------------------------------------------


class EntrepriseMixin(RolePageMixin):
    """Loads ``self.entreprise`` (with its sector, binôme and commune) once the role is checked."""

    permission_required = PERMISSION_LECTURE

    def dispatch(self, request, *args, **kwargs):
        # Role first (login or 403), then the company (404): a role without access learns nothing.
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.entreprise = get_object_or_404(selectors.entreprises_liste(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("entreprise", self.entreprise)
        return super().get_context_data(**kwargs)


def contexte_echanges(entreprise, user, form=None):
    """The exchanges block of the company page: the logging form and the latest exchanges."""
    interactions = list(selectors.interactions_de_l_entreprise(entreprise)[: NB_ECHANGES + 1])
    if form is None and user.has_perm("entreprises.add_interaction"):
        form = InteractionForm(entreprise=entreprise)
    return {
        "entreprise": entreprise,
        "interactions": interactions[:NB_ECHANGES],
        "plus_d_echanges": len(interactions) > NB_ECHANGES,
        "form_echange": form,
        "today": timezone.localdate(),
    }


def contexte_fiche(entreprise, user, form_echange=None):
    """Everything the company page shows, in a constant number of queries."""
    besoins = list(entreprise.besoins.select_related("metier_rome").order_by(F("echeance").asc(nulls_last=True), "-id"))
    offres = list(selectors.offres_de_l_entreprise(entreprise, user)[: NB_OFFRES + 1])
    return {
        **contexte_echanges(entreprise, user, form_echange),
        "contacts": list(entreprise.contacts.order_by("-actif", "nom", "prenom", "pk")),
        "besoins_ouverts": [b for b in besoins if b.statut == StatutBesoin.OUVERT],
        "besoins_clos": [b for b in besoins if b.statut != StatutBesoin.OUVERT][:NB_BESOINS_CLOS],
        "offres": offres[:NB_OFFRES],
        "plus_d_offres": len(offres) > NB_OFFRES,
        "statuts_besoin": [StatutBesoin.POURVU, StatutBesoin.ABANDONNE],
    }


class EntrepriseDetail(EntrepriseMixin, TemplateView):
    template_name = "entreprises/entreprise_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**contexte_fiche(self.entreprise, self.request.user), **kwargs)


class EntrepriseEchanges(EntrepriseMixin, ListView):
    """Every exchange with the company, latest first."""

    template_name = "entreprises/entreprise_echanges.html"
    context_object_name = "interactions"
    paginate_by = PAR_PAGE

    def get_queryset(self):
        return selectors.interactions_de_l_entreprise(self.entreprise)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


# --- Creating and editing a company --------------------------------------------------------------


class _EntrepriseSaisie(FormView):
    form_class = EntrepriseForm
    template_name = "entreprises/entreprise_saisie.html"
    message = ""

    def enregistrer(self, form, confirmer_doublon):
        try:
            entreprise = services.entreprise_enregistrer(
                entreprise=form.save(commit=False), par=self.request.user, confirmer_doublon=confirmer_doublon
            )
        except services.DoublonProbable as doublon:
            # The form comes back with the close companies and the box that confirms it is another one.
            form.doublons = doublon.existantes
            form.add_error(None, doublon.messages)
            return self.form_invalid(form)
        except ValidationError as error:
            erreurs_sur_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(self.request, self.message.format(entreprise=entreprise))
        return redirect(_fiche(entreprise))


class EntrepriseCreer(RolePageMixin, _EntrepriseSaisie):
    permission_required = "entreprises.add_entreprise"
    message = "Entreprise « {entreprise} » ajoutée au fichier."

    def form_valid(self, form):
        return self.enregistrer(form, form.cleaned_data["confirmer_doublon"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Nouvelle entreprise", **kwargs)


class EntrepriseModifier(EntrepriseMixin, _EntrepriseSaisie):
    permission_required = "entreprises.change_entreprise"
    message = "Fiche de « {entreprise} » enregistrée."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.entreprise}

    def form_valid(self, form):
        # A company once confirmed as distinct is asked about again only if its name or commune changes.
        inchangee = not {"nom", "commune"} & set(form.changed_data)
        return self.enregistrer(form, form.cleaned_data["confirmer_doublon"] or inchangee)

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Modifier la fiche de {self.entreprise}", **kwargs)


# --- Contacts and hiring needs -------------------------------------------------------------------


class _Formulaire(FormView):
    """A contact or hiring-need form of a company, back to the company's page section once saved."""

    template_name = "entreprises/entreprise_formulaire.html"
    ancre = ""
    titre = ""
    message = ""

    def form_valid(self, form):
        objet = form.save(commit=False)
        objet.entreprise = self.entreprise
        self.completer(objet)
        objet.save()
        messages.success(self.request, self.message.format(objet=objet))
        return redirect(_fiche(self.entreprise, self.ancre))

    def completer(self, objet):
        """What the form does not ask (who created the need…)."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            titre=self.titre.format(entreprise=self.entreprise), retour=_fiche(self.entreprise, self.ancre), **kwargs
        )


class _ObjetDeLEntreprise(RolePageMixin):
    """Loads ``self.objet`` of ``model`` and its company once the role is checked."""

    model = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.objet = get_object_or_404(self.model.objects.select_related("entreprise"), pk=kwargs["pk"])
        self.entreprise = self.objet.entreprise
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.objet}


class ContactAjouter(EntrepriseMixin, _Formulaire):
    permission_required = "entreprises.add_contact"
    form_class = ContactForm
    ancre = "#contacts"
    titre = "Nouveau contact chez {entreprise}"
    message = "Contact « {objet} » ajouté."


class ContactModifier(_ObjetDeLEntreprise, _Formulaire):
    permission_required = "entreprises.change_contact"
    model = Contact
    form_class = ContactForm
    ancre = "#contacts"
    titre = "Modifier un contact de {entreprise}"
    message = "Contact « {objet} » enregistré."


class BesoinAjouter(EntrepriseMixin, _Formulaire):
    permission_required = "entreprises.add_besoinrecrutement"
    form_class = BesoinForm
    ancre = "#besoins"
    titre = "Nouveau besoin de recrutement chez {entreprise}"
    message = "Besoin « {objet.intitule} » enregistré."

    def completer(self, objet):
        objet.cree_par = self.request.user


class BesoinModifier(_ObjetDeLEntreprise, _Formulaire):
    permission_required = "entreprises.change_besoinrecrutement"
    model = BesoinRecrutement
    form_class = BesoinForm
    ancre = "#besoins"
    titre = "Modifier un besoin de recrutement de {entreprise}"
    message = "Besoin « {objet.intitule} » enregistré."


class BesoinClore(_ObjetDeLEntreprise, View):
    """Close a hiring need as filled or dropped (POST ``statut``)."""

    permission_required = "entreprises.change_besoinrecrutement"
    model = BesoinRecrutement

    def post(self, request, pk):
        try:
            besoin = services.besoin_clore(besoin=self.objet, statut=request.POST.get("statut", ""), par=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Besoin « {besoin.intitule} » : {besoin.get_statut_display().lower()}.")
        return redirect(_fiche(self.entreprise, "#besoins"))


# --- Exchanges and next steps --------------------------------------------------------------------


class InteractionAjouter(EntrepriseMixin, View):
    """The exchange form of the company page: with htmx the exchanges block is swapped (and the
    relation status beside it, out of band); without JavaScript, POST then redirect."""

    permission_required = "entreprises.add_interaction"

    def post(self, request, pk):
        user = request.user
        form = InteractionForm(request.POST, entreprise=self.entreprise)
        if form.is_valid():
            try:
                interaction = services.interaction_enregistrer(interaction=form.save(commit=False), par=user)
            except ValidationError as error:
                erreurs_sur_le_formulaire(error, form)
            else:
                message = f"Échange du {interaction.date:%d/%m/%Y} consigné."
                if not request.htmx:
                    messages.success(request, message)
                    return redirect(_fiche(self.entreprise, "#echanges"))
                # The service moved the last contact date and maybe the relation status: read them again.
                entreprise = selectors.entreprise_detail(self.entreprise.pk)
                context = {**contexte_echanges(entreprise, user), "message_succes": message, "hors_bande": True}
                return render(request, "entreprises/_interaction_bloc.html", context)
        if request.htmx:
            return render(request, "entreprises/_interaction_bloc.html", contexte_echanges(self.entreprise, user, form))
        return render(request, "entreprises/entreprise_detail.html", contexte_fiche(self.entreprise, user, form))


class InteractionRapide(RolePageMixin, FormView):
    """A référent logs an exchange with any company, from anywhere (their start page links here)."""

    permission_required = "entreprises.add_interaction"
    template_name = "entreprises/entreprise_echange_rapide.html"
    form_class = InteractionRapideForm

    def get_initial(self):
        entreprise = self.request.GET.get("entreprise", "")
        return {"entreprise": entreprise} if entreprise.isdigit() else {}

    def form_valid(self, form):
        try:
            interaction = services.interaction_enregistrer(interaction=form.save(commit=False), par=self.request.user)
        except ValidationError as error:
            erreurs_sur_le_formulaire(error, form)
            return self.form_invalid(form)
        messages.success(self.request, f"Échange avec « {interaction.entreprise} » consigné.")
        return redirect(_fiche(interaction.entreprise, "#echanges"))


class InteractionContacts(RolePageMixin, View):
    """The contact select of the quick exchange form, for the company just chosen (htmx)."""

    permission_required = "entreprises.add_interaction"

    def get(self, request):
        form = InteractionRapideForm(initial={"entreprise": request.GET.get("entreprise", "")})
        return render(request, "entreprises/_interaction_contacts.html", {"form": form})


class ProchainesEtapes(RolePageMixin, ListView):
    """The next steps the current user promised after an exchange, soonest due first."""

    permission_required = "entreprises.add_interaction"
    template_name = "entreprises/entreprise_prochaines_etapes.html"
    context_object_name = "interactions"
    paginate_by = PAR_PAGE

    def get_queryset(self):
        return selectors.prochaines_etapes(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


class ProchaineEtapeFaite(RolePageMixin, View):
    permission_required = "entreprises.change_interaction"

    def post(self, request, pk):
        interaction = get_object_or_404(Interaction.objects.select_related("entreprise"), pk=pk)
        liste = reverse("entreprises:prochaines_etapes")
        try:
            services.prochaine_etape_faite(interaction=interaction, par=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseClientRedirect(liste) if request.htmx else HttpResponseRedirect(liste)
        if request.htmx:
            return render(request, "entreprises/_interaction_etape_faite.html", {"interaction": interaction})
        messages.success(request, f"« {interaction.prochaine_etape} » ({interaction.entreprise}) : faite.")
        return HttpResponseRedirect(liste)
