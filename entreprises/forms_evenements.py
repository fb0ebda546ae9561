"""Forms of the events pages: the event itself, a preparation task, the calendar's filters."""

from django import forms
from django.utils import timezone

from plie.models import Commune

from . import selectors
from .models import Evenement, TacheEvenement, TypeEvenement

# ``datetime-local`` sends "2026-03-29T09:00" in the browser's wall-clock time, which Django reads
# in the current time zone (Europe/Paris) and stores in UTC.
FORMAT_DATE_HEURE = "%Y-%m-%dT%H:%M"


def _date_heure():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=FORMAT_DATE_HEURE)


def _nom_personne(utilisateur):
    return utilisateur.get_full_name() or utilisateur.email


class EvenementForm(forms.ModelForm):
    """Create or edit an event. The bilan appears once the event has begun: before, there is nothing
    to tell."""

    class Meta:
        model = Evenement
        fields = [
            "titre",
            "type",
            "debut",
            "fin",
            "lieu",
            "commune",
            "organisateur",
            "description",
            "participants_plie",
            "bilan",
        ]
        widgets = {
            "debut": _date_heure(),
            "fin": _date_heure(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "bilan": forms.Textarea(attrs={"rows": 5}),
            "participants_plie": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "lieu": "Salle, adresse ou site de l'événement.",
            "participants_plie": "Les collègues du PLIE qui seront présents.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        communes = Commune.objects.valides_le(timezone.localdate())
        if instance.commune_id:
            # A commune since merged stays selectable on the events that already name it.
            communes = communes | Commune.objects.filter(pk=instance.commune_id)
        self.fields["commune"].queryset = communes.order_by("nom")
        self.fields["commune"].empty_label = "— Hors du territoire —"
        self.fields["type"].choices = [("", "— Choisir un type —"), *TypeEvenement.choices]
        deja = list(instance.participants_plie.values_list("pk", flat=True)) if instance.pk else []
        participants = self.fields["participants_plie"]
        participants.queryset = selectors.equipe_evenements(inclure=deja)
        participants.label_from_instance = _nom_personne
        if not (instance.pk and instance.debut <= timezone.now()):
            del self.fields["bilan"]


class TacheForm(forms.ModelForm):
    class Meta:
        model = TacheEvenement
        fields = ["libelle", "responsable", "echeance"]
        widgets = {"echeance": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"libelle": "Tâche"}
        error_messages = {"libelle": {"required": "Décrivez la tâche à préparer."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsable"].queryset = selectors.equipe_evenements()
        self.fields["responsable"].label_from_instance = _nom_personne
        self.fields["responsable"].empty_label = "— Personne —"


class FiltreEvenementsForm(forms.Form):
    """The calendar's and the list's filters, read from the query string (a bad value is ignored)."""

    type = forms.ChoiceField(label="Type", choices=[("", "Tous les types"), *TypeEvenement.choices], required=False)
    mes = forms.BooleanField(label="Seulement mes événements", required=False)

    def filtrer(self, evenements, utilisateur):
        if not self.is_valid():
            return evenements
        if self.cleaned_data["type"]:
            evenements = evenements.filter(type=self.cleaned_data["type"])
        if self.cleaned_data["mes"]:
            evenements = evenements.filter(participants_plie=utilisateur)
        return evenements
