"""Forms of the training pages. They check what a form can see; the rules that span rows (caseload,
seats, transitions) are the services' job and come back as form errors."""

from django import forms
from django.db import models
from django.utils import timezone

from plie.models import Commune

from . import rules
from .models import (
    CONTRAINTES,
    FINANCEMENTS,
    BesoinFormation,
    OrganismeFormation,
    SessionFormation,
    StatutBesoin,
    StatutSession,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CodesMultiples(forms.MultipleChoiceField):
    """A checkbox group stored as comma-separated codes (the model's ``contraintes``/``financements``)."""

    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        if isinstance(value, str):
            return [code for code in value.split(",") if code]
        return value

    def clean(self, value):
        return ",".join(super().clean(value))


class BesoinForm(forms.ModelForm):
    contraintes = CodesMultiples(choices=CONTRAINTES, required=False, label="Contraintes")
    financements = CodesMultiples(choices=FINANCEMENTS, required=False, label="Financements envisagés")

    class Meta:
        model = BesoinFormation
        fields = [
            "intitule",
            "type",
            "domaine",
            "metier_rome",
            "niveau_vise",
            "urgence",
            "contraintes",
            "precisions_contraintes",
            "financements",
            "exprime_le",
            "entretien",
        ]
        widgets = {"exprime_le": DATE}
        help_texts = {"domaine": "Laissé vide, il est déduit du métier visé."}

    def __init__(self, *args, participant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entretien"].queryset = participant.entretiens.order_by("-date", "-id")
        self.fields["entretien"].label = "Exprimé lors de l'entretien"
        self.fields["entretien"].required = False
        if self.instance.pk is None:
            self.fields["exprime_le"].initial = timezone.localdate()

    def clean_exprime_le(self):
        exprime_le = self.cleaned_data["exprime_le"]
        verdict = rules.date_expression(exprime_le, timezone.localdate())
        if not verdict:
            raise forms.ValidationError(verdict.raison)
        return exprime_le


class BesoinStatutForm(forms.Form):
    statut = forms.ChoiceField(label="Nouveau statut")

    def __init__(self, *args, statut_actuel, **kwargs):
        super().__init__(*args, **kwargs)
        possibles = rules.TRANSITIONS_BESOIN[StatutBesoin(statut_actuel)]
        self.fields["statut"].choices = [(s.value, s.label) for s in StatutBesoin if s in possibles]


def _champ_https(field, **kwargs):
    """Web addresses typed without a scheme are read as https (Django 6's default)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class OrganismeForm(forms.ModelForm):
    class Meta:
        model = OrganismeFormation
        formfield_callback = _champ_https
        fields = [
            "nom",
            "siret",
            "adresse",
            "commune",
            "site_web",
            "domaines",
            "contact_nom",
            "contact_telephone",
            "contact_email",
            "actif",
        ]
        widgets = {"domaines": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = Commune.objects.valides_le(timezone.localdate())


class SessionForm(forms.ModelForm):
    class Meta:
        model = SessionFormation
        fields = [
            "organisme",
            "intitule",
            "dispositif",
            "domaine",
            "metier_rome",
            "niveau_vise",
            "qualifiante",
            "debut",
            "fin",
            "lieu",
            "commune",
            "capacite",
            "prerequis",
            "statut",
        ]
        widgets = {"debut": DATE, "fin": DATE, "prerequis": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        organismes = OrganismeFormation.objects.filter(actif=True)
        if self.instance.organisme_id:
            organismes = organismes | OrganismeFormation.objects.filter(pk=self.instance.organisme_id)
        self.fields["organisme"].queryset = organismes.order_by("nom")
        self.fields["commune"].queryset = Commune.objects.valides_le(timezone.localdate())
        # The status offers the moves of the state machine; cancelling has its own page.
        actuel = StatutSession(self.instance.statut or StatutSession.PREVUE)
        if self.instance.pk is None:
            possibles = {StatutSession.PREVUE, StatutSession.OUVERTE}
        else:
            possibles = {actuel, *rules.TRANSITIONS_SESSION[actuel]} - {StatutSession.ANNULEE}
        self.fields["statut"].choices = [(s.value, s.label) for s in StatutSession if s in possibles]

    def clean(self):
        data = super().clean()
        debut, fin = data.get("debut"), data.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", "La fin de la session doit suivre son début.")
        return data


class SessionAnnulationForm(forms.Form):
    motif = forms.CharField(label="Motif de l'annulation", max_length=200)


class PositionnerForm(forms.Form):
    """From a need: choose the session (open sessions, those of the need's field first)."""

    session = forms.ModelChoiceField(
        queryset=SessionFormation.objects.none(), label="Session", widget=forms.RadioSelect
    )
    commentaire = forms.CharField(label="Commentaire", max_length=250, required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class PositionnerDepuisSessionForm(forms.Form):
    """From a session: choose a need (or, for a référent, a participant of their caseload)."""

    besoin = forms.ModelChoiceField(
        queryset=BesoinFormation.objects.none(), label="Besoin de formation", required=False
    )
    participant = forms.ModelChoiceField(queryset=None, label="Ou un participant de votre portefeuille", required=False)
    commentaire = forms.CharField(label="Commentaire", max_length=250, required=False)

    def __init__(self, *args, besoins, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["besoin"].queryset = besoins
        self.fields["besoin"].label_from_instance = lambda b: (
            f"{b.participant.nom.upper()} {b.participant.prenom} — {b.intitule} ({b.get_statut_display().lower()})"
        )
        if participants is None:
            del self.fields["participant"]
        else:
            self.fields["participant"].queryset = participants

    def clean(self):
        data = super().clean()
        besoin, participant = data.get("besoin"), data.get("participant")
        if not besoin and not participant:
            raise forms.ValidationError("Choisissez un besoin de formation ou un participant.")
        if besoin and participant and besoin.participant_id != participant.pk:
            raise forms.ValidationError("Ce besoin est celui d'un autre participant.")
        return data


class AvancerForm(forms.Form):
    statut = forms.ChoiceField(label="Nouvelle étape", widget=forms.RadioSelect)
    date = forms.DateField(label="Date de l'étape", widget=DATE)
    commentaire = forms.CharField(label="Commentaire", max_length=250, required=False)

    def __init__(self, *args, statut_actuel, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = [(s.value, s.label) for s in rules.statuts_suivants(statut_actuel)]
        self.fields["date"].initial = timezone.localdate()
