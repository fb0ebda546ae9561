"""Forms of the company file: companies, contacts, hiring needs, exchanges and sector binômes.

They check the input's shape; the rules that span rows (SIRET already used, probable duplicate,
a binôme's two référents, a date in the future) are the services', whose ``ValidationError``
the views put back on the form.
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from plie.models import Commune, MetierRome
from plie.roles import Role
from plie.widgets import SelectRapide

from . import services
from .models import (
    BesoinRecrutement,
    Binome,
    Contact,
    Entreprise,
    Interaction,
    SecteurActivite,
    TypeInteraction,
    valider_siret,
)
from .selectors import entreprises_pour_saisie

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")


def _communes(inclure=None):
    """The communes of the territory today, and the company's own even if it has since merged."""
    communes = Commune.objects.valides_le(timezone.localdate())
    if inclure:
        communes = communes | Commune.objects.filter(pk=inclure)
    return communes.order_by("nom")


class SiretField(forms.CharField):
    """A SIRET as people copy it ("732 829 320 00074"), checked once spaces and dots are gone."""

    def __init__(self, **kwargs):
        super().__init__(validators=[valider_siret], **kwargs)
        self.widget.attrs.update(inputmode="numeric", autocomplete="off", maxlength="20")

    def to_python(self, value):
        return re.sub(r"[\s.]", "", super().to_python(value))


class EntrepriseForm(forms.ModelForm):
    """The company's identity. The SIRET is a plain field, not a model one: its uniqueness is then
    checked by ``services.entreprise_enregistrer``, whose message names the company that already
    has it, rather than by the model's constraint (a generic message)."""

    siret = SiretField(
        label="SIRET",
        required=False,
        help_text="14 chiffres, espaces acceptés ; facultatif si vous ne le connaissez pas encore.",
    )
    confirmer_doublon = forms.BooleanField(label="Je confirme qu'il s'agit d'une autre entreprise", required=False)
    site_web = forms.URLField(label="Site web", required=False, assume_scheme="https")

    class Meta:
        model = Entreprise
        fields = [
            "nom",
            "code_naf",
            "secteur",
            "secteur_activite",
            "taille",
            "adresse",
            "commune",
            "site_web",
            "statut_relation",
            "prerequis",
        ]
        widgets = {"commune": SelectRapide, "prerequis": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"code_naf": "Ex. 52.10B."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("siret", self.instance.siret)
        self.fields["commune"].queryset = _communes(self.instance.commune_id)
        self.fields["commune"].empty_label = "— Hors du territoire —"
        self.fields["secteur_activite"].empty_label = "— Déduit du code NAF —"
        # Companies of a close name, when the service found some (shown with the confirmation box).
        self.doublons = []

    def clean_code_naf(self):
        code = re.sub(r"\s", "", self.cleaned_data.get("code_naf", "")).upper()
        if not code:
            return code
        correspondance = NAF.match(code)
        if correspondance is None:
            raise forms.ValidationError("Le code NAF s'écrit avec quatre chiffres et une lettre, ex. « 52.10B ».")
        return "{}.{}{}".format(*correspondance.groups())

    def save(self, commit=True):
        self.instance.siret = self.cleaned_data["siret"]
        return super().save(commit)


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["prenom", "nom", "fonction", "telephone", "email", "consentement", "consentement_le", "actif"]
        widgets = {"consentement_le": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["actif"]  # a new contact works at the company

    def clean_consentement_le(self):
        date = self.cleaned_data.get("consentement_le")
        if date and date > timezone.localdate():
            raise forms.ValidationError("Le consentement ne peut pas avoir été recueilli dans le futur.")
        return date

    def clean(self):
        donnees = super().clean()
        if not donnees.get("consentement"):
            donnees["consentement_le"] = None  # no date of a consent that is not (or no longer) given
        return donnees


class BesoinForm(forms.ModelForm):
    class Meta:
        model = BesoinRecrutement
        fields = ["intitule", "metier_rome", "nb_postes", "prerequis", "echeance"]
        widgets = {"metier_rome": SelectRapide, "echeance": DATE, "prerequis": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"prerequis": "Permis, habilitations, horaires, expérience : ce que l'entreprise attend."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metier_rome"].queryset = MetierRome.objects.order_by("code")
        self.fields["metier_rome"].empty_label = "— Non précisé —"
        self.fields["nb_postes"].widget.attrs["min"] = 1

    def clean_nb_postes(self):
        nombre = self.cleaned_data.get("nb_postes")
        if nombre is not None and nombre < 1:
            raise forms.ValidationError("Un besoin compte au moins un poste.")
        return nombre


class InteractionForm(forms.ModelForm):
    """The exchange logged from a company's page, in a few fields."""

    class Meta:
        model = Interaction
        fields = ["date", "type", "contact", "resume", "prochaine_etape", "echeance"]
        widgets = {"date": DATE, "echeance": DATE, "resume": forms.Textarea(attrs={"rows": 3})}
        labels = {"resume": "Ce qui s'est dit", "echeance": "Pour le"}

    def __init__(self, *args, entreprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["date"].initial = today
        self.fields["date"].widget.attrs["max"] = today.isoformat()
        self.fields["type"].choices = [("", "— Choisir —"), *TypeInteraction.choices]
        self.fields["contact"].empty_label = "— Aucun contact en particulier —"
        self.limiter_contacts(entreprise)

    def limiter_contacts(self, entreprise):
        """Only the company's current contacts can be chosen (and the model's clean checks the pair)."""
        if entreprise is not None:
            self.instance.entreprise = entreprise
            self.fields["contact"].queryset = Contact.objects.filter(entreprise=entreprise, actif=True)
        else:
            self.fields["contact"].queryset = Contact.objects.none()

    def clean(self):
        donnees = super().clean()
        date, echeance = donnees.get("date"), donnees.get("echeance")
        if date and echeance and echeance < date:
            self.add_error("echeance", "L'échéance de la prochaine étape ne peut pas précéder l'échange.")
        return donnees


class _NomsEntreprises(ModelChoiceIterator):
    """The options as (pk, "nom — commune") pairs read in one light query: no model instances."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, nom, commune in entreprises_pour_saisie():
            yield (pk, f"{nom} — {commune}" if commune else nom)


class EntrepriseChoiceField(forms.ModelChoiceField):
    iterator = _NomsEntreprises

    def __init__(self, **kwargs):
        super().__init__(queryset=Entreprise.objects.all(), **kwargs)


class InteractionRapideForm(InteractionForm):
    """The same exchange, logged from anywhere: the company is chosen first."""

    entreprise = EntrepriseChoiceField(
        label="Entreprise",
        empty_label="— Choisir l'entreprise —",
        widget=SelectRapide,
        error_messages={"required": "Choisissez l'entreprise avec qui vous avez échangé."},
    )

    field_order = ["entreprise", "date", "type", "contact", "resume", "prochaine_etape", "echeance"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entreprise_id = self.data.get("entreprise") if self.is_bound else self.initial.get("entreprise")
        if entreprise_id and str(entreprise_id).isdigit():
            self.limiter_contacts(Entreprise.objects.filter(pk=entreprise_id).first())

    def clean(self):
        entreprise = self.cleaned_data.get("entreprise")
        if entreprise is not None:
            self.instance.entreprise = entreprise
        return super().clean()


class ReferentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class SecteursField(forms.ModelMultipleChoiceField):
    """Sectors, each labelled with the binôme that covers it now (choosing it moves it here)."""

    def __init__(self, binome=None, **kwargs):
        self.binome = binome
        super().__init__(
            queryset=SecteurActivite.objects.select_related("binome__referent_1", "binome__referent_2"), **kwargs
        )

    def label_from_instance(self, obj):
        if obj.binome_id is None or (self.binome is not None and obj.binome_id == self.binome.pk):
            return obj.libelle
        return f"{obj.libelle} (aujourd'hui suivi par {obj.binome})"


class BinomeForm(forms.ModelForm):
    secteurs = SecteursField(
        label="Secteurs d'activité du binôme",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Un secteur n'a qu'un binôme : en cocher un déjà suivi le confie à ce binôme.",
    )

    class Meta:
        model = Binome
        fields = ["referent_1", "referent_2", "actif"]
        field_classes = {"referent_1": ReferentChoiceField, "referent_2": ReferentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        referents = get_user_model().objects.with_role(Role.REFERENT).order_by("last_name", "first_name", "pk")
        for champ in ("referent_1", "referent_2"):
            self.fields[champ].queryset = referents
            self.fields[champ].empty_label = "— Choisir un(e) référent(e) —"
            self.fields[champ].error_messages.update(
                required="Choisissez les deux référent(e)s du binôme.",
                invalid_choice="Choisissez un(e) référent(e) actif(ve) du PLIE.",
            )
        self.fields["secteurs"].binome = self.instance if self.instance.pk else None
        if self.instance.pk:
            self.initial.setdefault("secteurs", list(self.instance.secteurs.values_list("pk", flat=True)))

    def clean(self):
        donnees = super().clean()
        # Said here too, in French, before the model's constraint says it in its generic words.
        if donnees.get("referent_1") and donnees.get("referent_1") == donnees.get("referent_2"):
            self.add_error("referent_2", services.MESSAGE_DEUX_REFERENTS)
        return donnees
