"""The chargé(e) de mission's work on incoming offers: manual entry, the qualification queue
(one screen per offer, keyboard-friendly), bulk discard and undo.

The queue is ``selectors.offres_a_qualifier()``: collected offers, oldest first, ordered by
(publication date, id). After each decision the next offer of that order opens, so a morning's
queue is processed without going back to a list. Every write goes through ``services``; a state
the machine refuses comes back as a ``ValidationError`` and is shown as a message.
"""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from entreprises.models import Entreprise
from plie.models import Commune, MetierRome, TypeContrat
from plie.views import RolePageMixin
from plie.widgets import SelectRapide

from .. import rules, selectors, services
from ..enums import MotifEcart, StatutOffre
from ..models import LienSource, Offre

PERMISSION_QUALIFIER = "offres.change_offre"
HEURES_MIN, HEURES_MAX = Decimal("1"), Decimal("48")
MESSAGE_HEURES = "Les heures hebdomadaires vont de 1 à 48."
MESSAGE_MOTIF = "Choisissez le motif pour lequel l'offre est écartée."
OFFRES_PAR_PAGE_LISTE = 100

# The yes/no checklist questions (RULES §4), in the order of the screen.
CHAMPS_OUI_NON = ["sans_diplome", "experience_requise", "permis_requis", "vehicule_requis", "desserte_transports"]


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _communes_valides(inclure=None):
    communes = Commune.objects.valides_le(timezone.localdate())
    if inclure:
        communes = communes | Commune.objects.filter(pk=inclure)
    return communes.order_by("nom")


def _verifier_heures(heures):
    if heures is not None and not HEURES_MIN <= heures <= HEURES_MAX:
        raise ValidationError(MESSAGE_HEURES)
    return heures


def _messages_de(error):
    return " ".join(error.messages)


# --- Forms ------------------------------------------------------------------------------


class OffreSaisieForm(forms.ModelForm):
    """An offer passed on by a partner by phone or e-mail, or imported from the page of one offer
    (``url_origine``, set by "Importer depuis une URL" and kept on the offer's link)."""

    url_origine = forms.URLField(required=False, max_length=500, assume_scheme="https", widget=forms.HiddenInput)

    class Meta:
        model = Offre
        fields = [
            "intitule",
            "description",
            "employeur",
            "entreprise",
            "commune",
            "lieu_travail",
            "type_contrat",
            "duree_mois",
            "heures_hebdo",
            "horaires",
            "salaire",
            "metier_rome",
            "nb_postes",
            "date_publication",
            "date_expiration",
            "origine_partenaire",
            "contact_partenaire",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "date_publication": _date_widget(),
            "date_expiration": _date_widget(),
            "entreprise": SelectRapide,
            "commune": SelectRapide,
            "type_contrat": SelectRapide,
            "metier_rome": SelectRapide,
        }
        help_texts = {"entreprise": "Si elle est déjà dans le fichier des entreprises (facultatif)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = _communes_valides()
        self.fields["commune"].empty_label = "— Hors du territoire —"
        self.fields["entreprise"].queryset = Entreprise.objects.order_by("nom")
        self.fields["type_contrat"].queryset = TypeContrat.objects.order_by("libelle")
        self.fields["metier_rome"].queryset = MetierRome.objects.order_by("code")
        self.fields["origine_partenaire"].required = True
        self.fields["origine_partenaire"].error_messages["required"] = "Indiquez quel partenaire a transmis l'offre."
        self.fields["nb_postes"].widget.attrs["min"] = 1
        self.fields["heures_hebdo"].widget.attrs.update(min=1, max=48, step="0.5")

    def clean_heures_hebdo(self):
        return _verifier_heures(self.cleaned_data.get("heures_hebdo"))

    def clean_url_origine(self):
        url = self.cleaned_data.get("url_origine") or ""
        if url and not url.startswith(("http://", "https://")):
            raise ValidationError("Seules les adresses http:// ou https:// sont acceptées.")
        if url and LienSource.objects.filter(url=url).exists():
            raise ValidationError("Cette offre a déjà été importée depuis cette adresse.")
        return url

    def clean_nb_postes(self):
        nb = self.cleaned_data.get("nb_postes")
        if nb is not None and nb < 1:
            raise ValidationError("Une offre compte au moins un poste.")
        return nb

    def clean(self):
        data = super().clean()
        publication, expiration = data.get("date_publication"), data.get("date_expiration")
        if publication and expiration and expiration < publication:
            self.add_error("date_expiration", "La date d'expiration ne peut pas précéder la date de publication.")
        if not data.get("employeur") and not data.get("entreprise"):
            self.add_error("employeur", "Indiquez l'employeur (ou choisissez l'entreprise dans la liste).")
        if not data.get("commune") and not data.get("lieu_travail"):
            self.add_error(
                "lieu_travail", "Indiquez le lieu de travail : une commune du territoire ou, sinon, le lieu annoncé."
            )
        return data


class OuiNonField(forms.TypedChoiceField):
    """Oui / Non / Non précisé, as a radio group (``None`` when not stated)."""

    widget = forms.RadioSelect(attrs={"class": "form-check-input"})

    def __init__(self, **kwargs):
        super().__init__(
            choices=[("True", "Oui"), ("False", "Non"), ("", "Non précisé")],
            coerce=lambda valeur: valeur == "True",
            empty_value=None,
            required=False,
            **kwargs,
        )


class QualificationForm(forms.Form):
    sans_diplome = OuiNonField(label="Accessible sans diplôme")
    experience_requise = OuiNonField(label="Expérience exigée")
    permis_requis = OuiNonField(label="Permis B exigé")
    vehicule_requis = OuiNonField(label="Véhicule nécessaire")
    desserte_transports = OuiNonField(label="Desservi par les transports en commun")
    heures_hebdo = forms.DecimalField(
        label="Heures hebdomadaires",
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 48, "step": "0.5"}),
    )
    horaires = forms.CharField(label="Horaires", max_length=250, required=False)
    metier_rome = forms.ModelChoiceField(
        label="Métier ROME",
        queryset=MetierRome.objects.order_by("code"),
        required=False,
        empty_label="— Non précisé —",
        widget=SelectRapide,
    )
    commune = forms.ModelChoiceField(
        label="Lieu de travail (commune)",
        queryset=Commune.objects.none(),
        required=False,
        empty_label="— Hors du territoire —",
        widget=SelectRapide,
    )
    notes_qualification = forms.CharField(
        label="Notes d'adéquation au public", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    diffuser = forms.BooleanField(label="Diffuser tout de suite aux référents", required=False, initial=True)

    def __init__(self, *args, offre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = _communes_valides(inclure=offre.commune_id)

    def clean_heures_hebdo(self):
        return _verifier_heures(self.cleaned_data.get("heures_hebdo"))


class EcartForm(forms.Form):
    motif_ecart = forms.ChoiceField(
        label="Motif d'écart",
        choices=[("", "— Choisir un motif —"), *MotifEcart.choices],
        widget=SelectRapide,
        error_messages={"required": MESSAGE_MOTIF, "invalid_choice": "Ce motif d'écart n'existe pas."},
    )
    commentaire_ecart = forms.CharField(label="Précision", max_length=250, required=False)


class EcartLotForm(EcartForm):
    offres = forms.ModelMultipleChoiceField(
        queryset=Offre.objects.all(),
        error_messages={
            "required": "Cochez au moins une offre à écarter.",
            "invalid_choice": "L'offre n° %(value)s n'existe pas (ou plus).",
            "invalid_pk_value": "« %(pk)s » n'est pas un numéro d'offre.",
        },
    )

    def clean_offres(self):
        offres = list(self.cleaned_data["offres"].select_related("entreprise").order_by("date_publication", "id"))
        hors_file = [o for o in offres if o.statut != StatutOffre.COLLECTEE]
        if hors_file:
            details = ", ".join(f"« {o.intitule} » ({o.get_statut_display().lower()})" for o in hors_file[:5])
            suite = " …" if len(hors_file) > 5 else ""
            raise ValidationError(
                f"{len(hors_file)} offre(s) cochée(s) ne sont plus à qualifier : {details}{suite}. "
                "Aucune offre n'a été écartée : décochez-les et recommencez."
            )
        return offres


# --- The queue ---------------------------------------------------------------------------


def _apres(offre):
    return Q(date_publication__gt=offre.date_publication) | Q(date_publication=offre.date_publication, id__gt=offre.pk)


def _avant(offre):
    return Q(date_publication__lt=offre.date_publication) | Q(date_publication=offre.date_publication, id__lt=offre.pk)


def _file():
    return selectors.offres_a_qualifier().select_related(None)


def offre_suivante(offre):
    """The id of the next offer in the queue after ``offre`` (which may have left it), or None."""
    return _file().filter(_apres(offre)).values_list("id", flat=True).first()


def offre_precedente(offre):
    return _file().filter(_avant(offre)).order_by("-date_publication", "-id").values_list("id", flat=True).first()


def _vers_la_suite(offre):
    """After a decision: the next offer of the queue, else the oldest left, else the empty state."""
    suivante = offre_suivante(offre) or _file().values_list("id", flat=True).first()
    if suivante:
        return redirect("offres:qualifier", pk=suivante)
    return redirect("offres:file")


class QualificationMixin(RolePageMixin):
    permission_required = PERMISSION_QUALIFIER


class FileQualification(QualificationMixin, View):
    """The queue's entry point: its oldest offer, the overview list (``?vue=liste``) or the empty state."""

    def get(self, request):
        if request.GET.get("vue") == "liste":
            return render(request, "offres/file_liste.html", _contexte_liste(request, EcartLotForm()))
        premiere = _file().values_list("id", flat=True).first()
        if premiere:
            return redirect("offres:qualifier", pk=premiere)
        compteurs = selectors.compter_par_statut()
        return render(
            request,
            "offres/file_vide.html",
            {
                "compteurs": [(statut, compteurs.get(statut.value, 0)) for statut in StatutOffre],
                "annulation": _annulation(request),
            },
        )


file_qualification = FileQualification.as_view()

CLE_ANNULATION = "offre_ecartee_a_annuler"


def _annulation(request):
    """The offer just discarded, if any: the next screen shows an undo button for it, once."""
    pk = request.session.pop(CLE_ANNULATION, None)
    return Offre.objects.filter(pk=pk, statut=StatutOffre.ECARTEE).first() if pk else None


def _contexte_liste(request, form, selection=()):
    page = Paginator(selectors.offres_a_qualifier(), OFFRES_PAR_PAGE_LISTE).get_page(request.GET.get("page"))
    return {"page_obj": page, "offres": page.object_list, "form": form, "selection": {str(pk) for pk in selection}}


class Qualifier(QualificationMixin, View):
    """One offer of the queue: its text on the left, the checklist on the right, two actions."""

    template_name = "offres/qualifier.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.offre = get_object_or_404(
            Offre.objects.select_related("commune", "type_contrat", "metier_rome", "entreprise"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def suggestions(self):
        offre = self.offre
        return rules.suggestions(f"{offre.intitule}\n{offre.description}")

    def initial(self, suggestions):
        offre = self.offre
        initial = {
            name: getattr(offre, name) for name in (*CHAMPS_OUI_NON, "heures_hebdo", "horaires", "notes_qualification")
        }
        initial["metier_rome"] = offre.metier_rome_id
        initial["commune"] = offre.commune_id
        for name, suggestion in suggestions.items():
            if initial.get(name) is None:
                initial[name] = suggestion.valeur
        return initial

    def get(self, request, *args, **kwargs):
        return self.afficher()

    def afficher(self, form=None, ecart_form=None, status=200):
        offre = self.offre
        suggestions = self.suggestions()
        form = form or QualificationForm(offre=offre, initial=self.initial(suggestions))
        dans_la_file = offre.statut == StatutOffre.COLLECTEE
        file = _file()
        context = {
            "offre": offre,
            "form": form,
            "ecart_form": ecart_form or EcartForm(),
            "groupes_oui_non": [{"champ": form[name], "suggestion": suggestions.get(name)} for name in CHAMPS_OUI_NON],
            "dans_la_file": dans_la_file,
            "total": file.count(),
            "position": file.filter(_avant(offre)).count() + 1 if dans_la_file else None,
            "suivante": offre_suivante(offre),
            "precedente": offre_precedente(offre),
            "liens": offre.liens.select_related("source"),
            "annulation": _annulation(self.request),
        }
        return render(self.request, self.template_name, context, status=status)

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "ecarter":
            return self.ecarter()
        if action == "qualifier":
            return self.qualifier()
        messages.error(request, "Action inconnue : choisissez « Qualifier » ou « Écarter ».")
        return redirect("offres:qualifier", pk=self.offre.pk)

    def qualifier(self):
        form = QualificationForm(self.request.POST, offre=self.offre)
        if not form.is_valid():
            return self.afficher(form=form, status=400)
        checklist = dict(form.cleaned_data)
        diffuser = checklist.pop("diffuser")
        try:
            offre = services.offre_qualifier(offre=self.offre, par=self.request.user, diffuser=diffuser, **checklist)
        except ValidationError as error:
            messages.error(self.request, _messages_de(error))
            return redirect("offres:qualifier", pk=self.offre.pk)
        if diffuser:
            nb = offre.diffusions.count()
            messages.success(
                self.request,
                f"Offre « {offre.intitule} » qualifiée et diffusée à {nb} référent{'s' if nb > 1 else ''}.",
            )
        else:
            messages.success(self.request, f"Offre « {offre.intitule} » qualifiée (pas encore diffusée).")
        return _vers_la_suite(offre)

    def ecarter(self):
        form = EcartForm(self.request.POST)
        if not form.is_valid():
            return self.afficher(ecart_form=form, status=400)
        offre = self.offre
        try:
            services.offres_ecarter(
                offres=[offre],
                motif=form.cleaned_data["motif_ecart"],
                commentaire=form.cleaned_data["commentaire_ecart"],
                par=self.request.user,
            )
        except ValidationError as error:
            messages.error(self.request, _messages_de(error))
            return redirect("offres:qualifier", pk=offre.pk)
        motif = MotifEcart(form.cleaned_data["motif_ecart"]).label.lower()
        messages.success(self.request, f"Offre « {offre.intitule} » écartée ({motif}).")
        # The next screen offers to undo it (see _annulation), once.
        self.request.session[CLE_ANNULATION] = offre.pk
        return _vers_la_suite(offre)


class Rouvrir(QualificationMixin, View):
    """Undo a discard: the offer goes back to the queue and its screen opens."""

    http_method_names = ["post"]

    def post(self, request, pk):
        offre = get_object_or_404(Offre, pk=pk)
        try:
            offre = services.offre_rouvrir(offre=offre, par=request.user)
        except ValidationError as error:
            messages.error(request, _messages_de(error))
        else:
            messages.success(request, f"Offre « {offre.intitule} » remise dans la file de qualification.")
        return redirect("offres:qualifier", pk=offre.pk)


class EcarterLot(QualificationMixin, View):
    """Bulk discard from the overview list: a confirmation page, then all the offers or none."""

    http_method_names = ["post"]

    def post(self, request):
        form = EcartLotForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Aucune offre n'a été écartée : corrigez les erreurs ci-dessous.")
            context = _contexte_liste(request, form, selection=request.POST.getlist("offres"))
            return render(request, "offres/file_liste.html", context, status=400)
        offres = form.cleaned_data["offres"]
        motif = MotifEcart(form.cleaned_data["motif_ecart"])
        if not request.POST.get("confirmer"):
            return render(request, "offres/ecarter_confirmer.html", {"form": form, "offres": offres, "motif": motif})
        try:
            ecartees = services.offres_ecarter(
                offres=offres,
                motif=motif,
                commentaire=form.cleaned_data["commentaire_ecart"],
                par=request.user,
            )
        except ValidationError as error:
            messages.error(request, f"Aucune offre n'a été écartée : {_messages_de(error)}")
        else:
            nb = len(ecartees)
            messages.success(
                request, f"{nb} offre{'s' if nb > 1 else ''} écartée{'s' if nb > 1 else ''} ({motif.label.lower()})."
            )
        return redirect(reverse("offres:file") + "?vue=liste")


class OffreSaisie(RolePageMixin, FormView):
    permission_required = "offres.add_offre"
    template_name = "offres/saisie.html"
    form_class = OffreSaisieForm

    def get_initial(self):
        return {"date_publication": timezone.localdate()}

    def form_valid(self, form):
        try:
            offre = services.offre_saisir(
                offre=form.save(commit=False), par=self.request.user, url=form.cleaned_data["url_origine"]
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Offre « {offre.intitule} » enregistrée : elle entre dans la file de qualification."
        )
        return redirect("offres:qualifier", pk=offre.pk)
