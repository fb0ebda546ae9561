"""Forms of the weekly FSE agenda pages."""

import datetime

from django import forms

from . import rules
from .models import CategorieActivite


class LigneForm(forms.Form):
    """A line of the week: the date is one of the seven days of the week shown."""

    date = forms.TypedChoiceField(label="Date", coerce=datetime.date.fromisoformat)
    categorie = forms.ModelChoiceField(
        label="Catégorie", queryset=CategorieActivite.objects.filter(actif=True), empty_label="— choisir —"
    )
    heures = forms.DecimalField(label="Heures", max_digits=4, decimal_places=2, localize=True)
    commentaire = forms.CharField(label="Commentaire", max_length=250, required=False)

    def __init__(self, *args, lundi, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].choices = [
            (jour.isoformat(), f"{rules.JOURS[jour.weekday()]} {jour:%d/%m/%Y}") for jour in rules.jours_semaine(lundi)
        ]


class MotifForm(forms.Form):
    motif = forms.CharField(label="Motif de la correction", widget=forms.Textarea(attrs={"rows": 2}))
