"""Forms of the collective actions pages: list filters, the action itself, registration,
attendance per half-day and the scanned signed sheet."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from plie.models import Commune, User
from plie.roles import Role

from . import rules
from .models import ActionCollective, Creneau, Entreprise, Presence, TypeAction
from .selectors import PERIODE_A_VENIR, PERIODE_PASSEES, PERIODE_TOUTES

PERIODES = [(PERIODE_A_VENIR, "À venir"), (PERIODE_PASSEES, "Passées"), (PERIODE_TOUTES, "Toutes")]

# Who may facilitate an action for the PLIE: the staff who meet participants.
ROLES_ANIMATEURS = [Role.CHARGE_MISSION, Role.REFERENT, Role.COORDINATRICE]

# The attendance field of each half-day, and its column title on the sheet and the form.
LIBELLES_DEMI_JOURNEES = {"presence_matin": Creneau.MATIN.label, "presence_apres_midi": Creneau.APRES_MIDI.label}
CHOIX_PRESENCE = [(p.value, p.label) for p in (Presence.PRESENT, Presence.ABSENT, Presence.EXCUSE)]


def _widget_date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _widget_heure():
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ActionFiltreForm(forms.Form):
    """``?periode=&type=&mois=`` of the list; an invalid value falls back to its default."""

    periode = forms.ChoiceField(label="Période", choices=PERIODES, required=False, initial=PERIODE_A_VENIR)
    type = forms.ChoiceField(label="Type", choices=[("", "Tous les types"), *TypeAction.choices], required=False)
    mois = forms.CharField(
        label="Mois",
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM"}),
        help_text="Au format AAAA-MM, par exemple 2026-03.",
    )

    def clean_mois(self):
        valeur = self.cleaned_data.get("mois", "").strip()
        if not valeur:
            return None
        try:
            annee, mois = (int(partie) for partie in valeur.split("-"))
            return date(annee, mois, 1)
        except ValueError:
            raise ValidationError("Indiquez le mois au format AAAA-MM, par exemple 2026-03.") from None

    def criteres(self):
        """The keyword arguments of ``selectors.actions_filtrees`` the valid fields give."""
        donnees = {}
        if self.is_bound:
            self.is_valid()  # keeps the valid fields in ``cleaned_data``
            donnees = self.cleaned_data
        return {
            "periode": donnees.get("periode") or PERIODE_A_VENIR,
            "type_action": donnees.get("type") or "",
            "mois": donnees.get("mois"),
        }


class ActionForm(forms.ModelForm):
    class Meta:
        model = ActionCollective
        fields = [
            "type",
            "titre",
            "date",
            "creneau",
            "heure_debut",
            "heure_fin",
            "lieu",
            "commune",
            "entreprise",
            "animateur",
            "animateur_externe",
            "capacite",
            "description",
        ]
        labels = {"type": "Type d'action", "titre": "Intitulé"}
        help_texts = {
            "type": "Les ateliers seniors s'adressent aux participants seniors (55 ans et plus).",
            "entreprise": "Obligatoire pour une visite d'entreprise ; facultatif sinon.",
            "creneau": "Les participants signent pour chaque demi-journée du créneau.",
        }
        widgets = {
            "date": _widget_date(),
            "heure_debut": _widget_heure(),
            "heure_fin": _widget_heure(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        # Keep the current value selectable even when it left the reference list since.
        communes = Q(pk__in=Commune.objects.valides_le(timezone.localdate()).values("pk"))
        if instance.commune_id:
            communes |= Q(pk=instance.commune_id)
        self.fields["commune"].queryset = Commune.objects.filter(communes).order_by("nom")
        self.fields["commune"].empty_label = "— Hors du territoire —"
        self.fields["entreprise"].queryset = Entreprise.objects.order_by("nom")
        self.fields["entreprise"].empty_label = "— Aucune —"
        animateurs = Q(is_active=True, groups__name__in=[role.group_name for role in ROLES_ANIMATEURS])
        if instance.animateur_id:
            animateurs |= Q(pk=instance.animateur_id)
        self.fields["animateur"].queryset = (
            User.objects.filter(animateurs).distinct().order_by("last_name", "first_name")
        )
        self.fields["animateur"].empty_label = "— Un partenaire (ci-dessous) —"
        self.fields["capacite"].widget.attrs["min"] = 1

    def clean_capacite(self):
        capacite = self.cleaned_data.get("capacite")
        if capacite is not None and capacite < 1:
            raise ValidationError("Une action compte au moins une place.")
        return capacite


class InscriptionForm(forms.Form):
    """A participant of the person's own caseload (``participants``: what they may register)."""

    participant = forms.ModelChoiceField(
        queryset=None,
        label="Participant",
        empty_label="— Choisir —",
        error_messages={
            "required": "Choisissez le participant à inscrire.",
            "invalid_choice": "Ce participant ne fait pas partie de vos participants en accompagnement : "
            "vous ne pouvez pas l'inscrire.",
        },
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants.order_by("nom", "prenom", "pk")
        self.fields["participant"].label_from_instance = lambda p: f"{p.nom} {p.prenom} ({p.identifiant})"

    def figer_choix(self):
        """Read the options once: the page both renders them and says when there is nobody to offer."""
        champ = self.fields["participant"]
        participants = list(champ.queryset)
        champ.choices = [("", champ.empty_label), *((p.pk, champ.label_from_instance(p)) for p in participants)]
        return participants


class PresencesForm(forms.Form):
    """One radio group per registration and half-day of the action, pre-filled with what is
    recorded; every group must be answered (the sheet is the FSE's proof of attendance)."""

    def __init__(self, *args, action, inscriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.champs = rules.presences_attendues(action.creneau)
        self.inscriptions = list(inscriptions)
        self.lignes = []
        for inscription in self.inscriptions:
            noms = []
            for champ in self.champs:
                nom = f"presence-{inscription.pk}-{champ}"
                moment = LIBELLES_DEMI_JOURNEES[champ]
                self.fields[nom] = forms.ChoiceField(
                    label=f"{inscription.participant} — {moment}",
                    choices=CHOIX_PRESENCE,
                    widget=forms.RadioSelect,
                    initial=getattr(inscription, champ) or None,
                    error_messages={
                        "required": f"Indiquez la présence de {inscription.participant} ({moment.lower()}).",
                        "invalid_choice": f"Présence inconnue pour {inscription.participant} ({moment.lower()}).",
                    },
                )
                noms.append(nom)
            self.lignes.append((inscription, noms))

    def lignes_affichees(self):
        """(inscription, [bound field per half-day]) in the order of the sheet."""
        return [(inscription, [self[nom] for nom in noms]) for inscription, noms in self.lignes]

    def colonnes(self):
        return [LIBELLES_DEMI_JOURNEES[champ] for champ in self.champs]

    def presences(self):
        """What ``services.presences_enregistrer`` takes: {inscription id: {champ: valeur}}."""
        return {
            inscription.pk: {champ: self.cleaned_data[f"presence-{inscription.pk}-{champ}"] for champ in self.champs}
            for inscription in self.inscriptions
        }


class FeuilleForm(forms.Form):
    # Emptiness, size and type are the service's to judge (one set of French messages).
    fichier = forms.FileField(
        label="Feuille signée scannée",
        allow_empty_file=True,
        help_text="PDF, PNG ou JPEG.",
        error_messages={"required": "Choisissez le fichier de la feuille signée."},
        widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
    )
