import datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.validators import MinValueValidator
from django.db.models import Q

from .models import Budget
from .selectors import Periode

FORMATS_DATE = ["%Y-%m-%d", "%d/%m/%Y"]
ANNEES_MAXIMUM = 10
ANNEE_MINIMALE, ANNEE_MAXIMALE = 2000, 2099  # keeps the comparison periods within the calendar
ERREUR_DATE = "Date invalide : saisissez-la au format JJ/MM/AAAA."


def periode_par_defaut(today):
    """The current calendar month, up to today."""
    return Periode(today.replace(day=1), today)


def raccourcis(today):
    """The usual periods, as (label, period), for one-click links."""
    mois = today.replace(day=1)
    mois_dernier = mois - relativedelta(months=1)
    return [
        ("Ce mois-ci", periode_par_defaut(today)),
        ("Le mois dernier", Periode.mois(mois_dernier.year, mois_dernier.month)),
        ("Cette année", Periode(datetime.date(today.year, 1, 1), today)),
        ("L'année dernière", Periode(datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31))),
        ("Les 12 derniers mois", Periode(today - relativedelta(years=1) + datetime.timedelta(days=1), today)),
    ]


class ChampDate(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    input_formats = FORMATS_DATE
    default_error_messages = {"invalid": ERREUR_DATE}

    def validate(self, value):
        super().validate(value)
        if value is not None and not ANNEE_MINIMALE <= value.year <= ANNEE_MAXIMALE:
            raise forms.ValidationError(
                f"Date hors des années possibles ({ANNEE_MINIMALE} à {ANNEE_MAXIMALE}).", code="hors_limites"
            )


class PeriodeForm(forms.Form):
    """``?du=…&au=…``: both included. A missing end is today, a missing start the first day of the
    end's month; the dashboard falls back to its default period when the form is invalid."""

    du = ChampDate(label="Du", required=False)
    au = ChampDate(label="Au", required=False)

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        donnees = super().clean()
        if self.errors:
            return donnees
        au = donnees.get("au") or self.today
        du = donnees.get("du") or au.replace(day=1)
        if du > au:
            raise forms.ValidationError(
                "La date de début (« du ») doit précéder la date de fin (« au ») ou lui être égale.", code="ordre"
            )
        if du + relativedelta(years=ANNEES_MAXIMUM) <= au:
            raise forms.ValidationError(
                f"La période ne peut pas dépasser {ANNEES_MAXIMUM} ans : raccourcissez-la.", code="trop_longue"
            )
        donnees["du"], donnees["au"] = du, au
        return donnees

    def periode(self):
        """The requested period, or the default one when the form is unbound or invalid."""
        if self.is_bound and self.is_valid():
            return Periode(self.cleaned_data["du"], self.cleaned_data["au"])
        return periode_par_defaut(self.today)


class BudgetForm(forms.ModelForm):
    debut = ChampDate(label="Du")
    fin = ChampDate(label="Au")

    class Meta:
        model = Budget
        fields = ["libelle", "debut", "fin", "montant", "montant_prevu"]
        help_texts = {
            "libelle": "Par exemple « Année 2026 » ou « Novembre 2026 ».",
            "montant": "Dépenses réalisées pour l'accompagnement sur la période ; le coût moyen par personne les divise par le nombre de personnes accompagnées.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for nom in ("montant", "montant_prevu"):
            self.fields[nom].validators.append(MinValueValidator(0, message="Le montant ne peut pas être négatif."))
            self.fields[nom].widget.attrs["min"] = "0"

    def clean(self):
        donnees = super().clean()
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut is None or fin is None:
            return donnees
        if debut > fin:
            # On the field: the model's constraints on the period are then left to this message.
            self.add_error("fin", "La date de fin doit être postérieure ou égale à la date de début.")
            return donnees
        # A period overlapping another would be counted twice in the cost per person of a period
        # containing both (the budgets lying within a period are added up).
        chevauche = Budget.objects.filter(Q(debut__lte=fin) & Q(fin__gte=debut)).exclude(pk=self.instance.pk).first()
        if chevauche is not None:
            identique = (chevauche.debut, chevauche.fin) == (debut, fin)
            self.add_error(
                "debut",
                f"Un budget est déjà saisi pour {'cette période' if identique else 'une période qui chevauche celle-ci'} : "
                f"« {chevauche.libelle} », du {chevauche.debut:%d/%m/%Y} au {chevauche.fin:%d/%m/%Y}. "
                "Modifiez-le plutôt que d'en saisir un second.",
            )
        return donnees
