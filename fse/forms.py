"""Forms of the weekly FSE agenda pages."""

import datetime

from django import forms
from django.forms.models import fields_for_model

from . import rules
from .models import CategorieActivite, DonneesFseParticipant


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


class GrilleForm(forms.Form):
    """The week as a grid: one cell per activity and day, hours typed with the keyboard (Tab
    moves to the next day). Only simple lines (hours without comment or link) show in it."""

    def __init__(self, *args, lundi, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.jours = rules.jours_semaine(lundi)
        self.categories = list(categories)
        for categorie in self.categories:
            for jour in self.jours:
                self.fields[self.nom_case(categorie, jour)] = forms.DecimalField(
                    label=f"{categorie}, {rules.JOURS[jour.weekday()]} {jour:%d/%m}",
                    required=False,
                    min_value=0,
                    max_value=rules.HEURES_MAX_LIGNE,
                    max_digits=4,
                    decimal_places=2,
                    localize=True,
                    error_messages={
                        "invalid": "Saisissez un nombre d'heures (ex. 3,5).",
                        "max_value": f"Au plus {rules.format_heures(rules.HEURES_MAX_LIGNE)} par case.",
                        "min_value": "Le nombre d'heures ne peut être négatif.",
                        "max_decimal_places": "Deux décimales au plus.",
                    },
                )

    @staticmethod
    def nom_case(categorie, jour):
        return f"h_{categorie.pk}_{jour.isoformat()}"

    def lignes(self):
        """Rows for the template: (category, [(day, bound field)])."""
        return [(c, [(jour, self[self.nom_case(c, jour)]) for jour in self.jours]) for c in self.categories]

    def heures_par_case(self):
        return {
            (categorie, jour): self.cleaned_data[self.nom_case(categorie, jour)]
            for categorie in self.categories
            for jour in self.jours
        }


class MotifForm(forms.Form):
    motif = forms.CharField(label="Motif de la correction", widget=forms.Textarea(attrs={"rows": 2}))


# --- Participant FSE data ------------------------------------------------------------------


class PeriodeForm(forms.Form):
    """A period given as ``?du=AAAA-MM-JJ&au=AAAA-MM-JJ``; a missing bound takes its default
    (1st January of the current year, today)."""

    du = forms.DateField(label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    au = forms.DateField(label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, aujourd_hui, **kwargs):
        self.defaut = (datetime.date(aujourd_hui.year, 1, 1), aujourd_hui)
        kwargs.setdefault("initial", {"du": self.defaut[0], "au": self.defaut[1]})
        super().__init__(*args, **kwargs)
        self.fields["du"].error_messages["invalid"] = "Date de début invalide (format attendu AAAA-MM-JJ)."
        self.fields["au"].error_messages["invalid"] = "Date de fin invalide (format attendu AAAA-MM-JJ)."

    def clean(self):
        donnees = super().clean()
        if self.errors:
            return donnees
        donnees["du"] = donnees.get("du") or self.defaut[0]
        donnees["au"] = donnees.get("au") or self.defaut[1]
        if donnees["du"] > donnees["au"]:
            raise forms.ValidationError("La date de début doit précéder la date de fin (ou lui être égale).")
        return donnees

    def periode(self):
        """(du, au) of a valid form, or the default period when no bound was given."""
        if not self.is_bound:
            return self.defaut
        return self.cleaned_data["du"], self.cleaned_data["au"]


# The form shows the exit block once the participant has left, the 6-month block once it is due.
CHAMPS_ENTREE_FSE = ["menage", "pays_tiers", "origine_etrangere", "sans_domicile", "zone_rurale"]
CHAMPS_SORTIE_FSE = [
    "resultat_constate_le",
    "en_recherche_emploi",
    "en_formation",
    "qualification_obtenue",
    "en_emploi",
]
CHAMPS_SUIVI_FSE = ["suivi_le", "suivi_situation"]


class DonneesFseForm(forms.Form):
    """The fields of ``DonneesFseParticipant`` the participant's situation calls for; the rules
    (4-week window, 6-month due date) are checked by ``services.donnees_fse_enregistrer``."""

    def __init__(self, *args, champs, lecture_seule=False, **kwargs):
        super().__init__(*args, **kwargs)
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields.update(
            fields_for_model(
                DonneesFseParticipant,
                fields=champs,
                widgets={"resultat_constate_le": date, "suivi_le": date},
            )
        )
        if "menage" in self.fields:
            self.fields["menage"].choices = [("", "— non renseigné —"), *rules.Menage.choices]
        if "suivi_situation" in self.fields:
            self.fields["suivi_situation"].choices = [("", "— non réalisé —"), *rules.SituationSuivi.choices]
        for champ in self.fields.values():
            champ.disabled = lecture_seule

    def bloc(self, noms):
        return [self[nom] for nom in noms if nom in self.fields]

    def champs_entree(self):
        return self.bloc(CHAMPS_ENTREE_FSE)

    def champs_sortie(self):
        return self.bloc(CHAMPS_SORTIE_FSE)

    def champs_suivi(self):
        return self.bloc(CHAMPS_SUIVI_FSE)


# --- Contrôle de service fait pack --------------------------------------------------------------


class SalarieChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_full_name()} ({obj.email})" if obj.get_full_name() else obj.email


class PackCsfForm(forms.Form):
    """The period (the previous calendar month by default) and one salarié or the whole operation."""

    du = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    au = forms.DateField(label="Au", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    salarie = SalarieChoiceField(label="Salarié(e)", queryset=None, required=False, empty_label="Toute l'opération")

    def __init__(self, *args, aujourd_hui, **kwargs):
        from . import csf

        self.aujourd_hui = aujourd_hui
        du, au = csf.periode_par_defaut(aujourd_hui)
        kwargs.setdefault("initial", {"du": du, "au": au})
        super().__init__(*args, **kwargs)
        self.fields["salarie"].queryset = csf.salaries_agenda()
        self.fields["du"].error_messages["invalid"] = "Date de début invalide (format attendu AAAA-MM-JJ)."
        self.fields["au"].error_messages["invalid"] = "Date de fin invalide (format attendu AAAA-MM-JJ)."
        self.fields["du"].error_messages["required"] = "Indiquez la date de début."
        self.fields["au"].error_messages["required"] = "Indiquez la date de fin."

    def clean(self):
        from . import csf

        donnees = super().clean()
        if donnees.get("du") and donnees.get("au"):
            for champ, message in csf.problemes_periode(donnees["du"], donnees["au"], self.aujourd_hui):
                self.add_error(champ, message)
        return donnees
