from django import forms
from django.utils import timezone

from plie.models import Commune, QuartierPrioritaire, User
from plie.roles import Role

from .enums import DOMAINES_CLEA, DecisionCommissionType, MotifSortie
from .models import DiagnosticEntree, Entretien, Etape, Participant, Situation

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = [
            "identifiant",
            "nom",
            "prenom",
            "sexe",
            "date_naissance",
            "email",
            "telephone",
            "adresse",
            "commune",
            "quartier_prioritaire",
            "niveau_formation",
            "date_candidature",
            "autorisation_travail",
            "consentement",
            "consentement_date",
            "notice_information_remise_le",
            "qualification_insuffisante",
            "sans_activite_depuis",
            "minima_sociaux",
            "situation_familiale_complexe",
            "mobilite_logement",
            "sante_handicap",
            "suivi_cap_emploi",
            "reconnaissance_handicap",
            "sous_main_justice",
            "situation_marche_travail",
            "inscrit_france_travail",
            "metiers_vises",
            "permis_b",
            "vehicule",
            "heures_hebdo_max",
            "disponible",
        ]
        widgets = {
            "date_naissance": DATE,
            "date_candidature": DATE,
            "consentement_date": DATE,
            "notice_information_remise_le": DATE,
            "sans_activite_depuis": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["commune"].queryset = Commune.objects.valides_le(today)
        self.fields["quartier_prioritaire"].queryset = QuartierPrioritaire.objects.valides_le(today)
        self.fields["date_candidature"].initial = today
        self.fields["metiers_vises"].widget.attrs["size"] = 8
        self.fields["metiers_vises"].help_text = "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."
        # RGPD art. 13: the notice is handed over at the first interview, so a new candidacy needs its
        # date; a record imported from the previous tool may lack it until the référent hands it over.
        notice = self.fields["notice_information_remise_le"]
        notice.help_text = (
            "Date à laquelle la notice d'information sur les données personnelles (RGPD) a été remise au participant."
        )
        if self.instance.pk is None:
            notice.required = True
            notice.initial = today

    def clean(self):
        data = super().clean()
        commune, qpv = data.get("commune"), data.get("quartier_prioritaire")
        if commune and qpv and not qpv.communes.filter(pk=commune.pk).exists():
            self.add_error("quartier_prioritaire", f"Ce quartier n'est pas situé à {commune.nom}.")
        if data.get("consentement") and not data.get("consentement_date"):
            self.add_error("consentement_date", "Indiquez la date à laquelle le consentement a été recueilli.")
        notice = data.get("notice_information_remise_le")
        if notice and notice > timezone.localdate():
            self.add_error("notice_information_remise_le", "La notice ne peut pas avoir été remise dans le futur.")
        naissance = data.get("date_naissance")
        if naissance and naissance > timezone.localdate():
            self.add_error("date_naissance", "La date de naissance est dans le futur.")
        return data


class EntretienForm(forms.ModelForm):
    class Meta:
        model = Entretien
        fields = ["date", "type", "notes", "prochaines_etapes"]
        widgets = {
            "date": DATE,
            "notes": forms.Textarea(attrs={"rows": 4}),
            "prochaines_etapes": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("Un entretien se saisit une fois réalisé : la date est dans le futur.")
        return date


class EtapeForm(forms.ModelForm):
    class Meta:
        model = Etape
        fields = ["type", "intitule", "structure", "debut", "fin_prevue", "fin", "resultat", "commentaire"]
        widgets = {"debut": DATE, "fin_prevue": DATE, "fin": DATE, "commentaire": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        data = super().clean()
        debut = data.get("debut")
        for field in ("fin_prevue", "fin"):
            if debut and data.get(field) and data[field] < debut:
                self.add_error(field, "Cette date précède le début de l'étape.")
        return data


class SituationForm(forms.ModelForm):
    class Meta:
        model = Situation
        fields = [
            "type",
            "type_contrat",
            "intitule",
            "employeur",
            "siret",
            "debut",
            "fin_prevue",
            "fin",
            "heures_hebdo",
            "accord_temps_partiel",
        ]
        widgets = {"debut": DATE, "fin_prevue": DATE, "fin": DATE}

    def clean(self):
        data = super().clean()
        debut = data.get("debut")
        for field in ("fin_prevue", "fin"):
            if debut and data.get(field) and data[field] < debut:
                self.add_error(field, "Cette date précède le début.")
        heures = data.get("heures_hebdo")
        if heures is not None and not 0 < heures <= 48:
            self.add_error("heures_hebdo", "Entre 0 et 48 heures par semaine (durée maximale légale).")
        return data


class DiagnosticForm(forms.ModelForm):
    class Meta:
        model = DiagnosticEntree
        fields = ["date", *[field for field, _ in DOMAINES_CLEA], "orientation_clea", "commentaire"]
        widgets = {"date": DATE, "commentaire": forms.Textarea(attrs={"rows": 3})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            (c.value, c.label)
            for c in (DecisionCommissionType.ADMISSION, DecisionCommissionType.REFUS, DecisionCommissionType.DEROGATION)
        ],
        widget=forms.RadioSelect,
    )
    date_decision = forms.DateField(label="Date de la décision", widget=DATE, initial=timezone.localdate)
    motif = forms.CharField(label="Motif (obligatoire)", widget=forms.Textarea(attrs={"rows": 3}))

    def clean_date_decision(self):
        date = self.cleaned_data["date_decision"]
        if date > timezone.localdate():
            raise forms.ValidationError("La décision ne peut pas être datée dans le futur.")
        return date


class ValidationSeniorForm(forms.Form):
    date_decision = forms.DateField(label="Date de la validation", widget=DATE, initial=timezone.localdate)
    motif = forms.CharField(label="Motif (obligatoire)", widget=forms.Textarea(attrs={"rows": 2}))


class SortieForm(forms.Form):
    motif = forms.ChoiceField(label="Motif de sortie", choices=MotifSortie.choices)
    date = forms.DateField(label="Date de sortie", widget=DATE)
    commentaire = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangementReferentForm(forms.Form):
    referent = forms.ModelChoiceField(label="Nouveau référent", queryset=User.objects.none())
    du = forms.DateField(label="À compter du", widget=DATE, initial=timezone.localdate)
    motif = forms.CharField(label="Motif", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = User.objects.with_role(Role.REFERENT)
