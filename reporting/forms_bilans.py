"""Forms of the bilan pages. They check what a form can see; the rules that span rows (one bilan
per type and period, the periods of an operation's bilans) are the service's and come back as
form errors."""

from django import forms
from django.utils.html import escape

from .bilans import AIDE_MISE_EN_FORME
from .models import Bilan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTANT = forms.NumberInput(attrs={"step": "0.01", "min": "0"})


class BilanForm(forms.Form):
    type = forms.ChoiceField(label="Type de bilan", choices=Bilan.Type.choices, widget=forms.RadioSelect)
    operation = forms.CharField(
        label="Intitulé de l'opération",
        max_length=200,
        help_text="Tel qu'il figure dans la convention FSE+.",
    )
    debut = forms.DateField(label="Période du", widget=DATE, help_text="Le premier jour de l'opération.")
    fin = forms.DateField(label="Au", widget=DATE)

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", "La fin de la période ne peut pas précéder son début.")
        return donnees


class SectionForm(forms.Form):
    contenu = forms.CharField(
        label="Texte de la section",
        required=False,
        help_text=escape(AIDE_MISE_EN_FORME),  # shown as is: the tags are named, not applied
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace", "data-editeur": "bilan"}),
    )


class BudgetForm(forms.Form):
    budget_prevu = forms.DecimalField(
        label="Budget prévu (€)", required=False, min_value=0, max_digits=12, decimal_places=2, widget=MONTANT
    )
    budget_realise = forms.DecimalField(
        label="Dépenses réalisées (€)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=MONTANT,
        help_text="Dépenses de l'opération sur la période du bilan ; elles servent au coût moyen par personne.",
    )
    commentaire_budget = forms.CharField(
        label="Commentaire sur la situation budgétaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Explication des écarts entre le prévu et le réalisé.",
    )
