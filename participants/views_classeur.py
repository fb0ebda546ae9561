"""Import and export of the participants workbook (FORMATS.md) from the web pages.

Import (coordinatrice, administrateur): 1. upload, 2. preview of every problem and of what would
change, 3. confirmation and result. The uploaded file waits for the confirmation in the default
storage (``imports/<uuid>.<ext>``), named in the session, and is deleted once used.
Export: everything for the coordinatrice and the administrateur, their caseload for a référent;
each download is logged in the access journal.
"""

import os
import tempfile
import uuid
from datetime import date

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_GET

from plie.models import JournalAcces
from plie.roles import Role

from . import classeur
from .models import Participant

ROLES_IMPORT = {Role.COORDINATRICE, Role.ADMINISTRATEUR}
CLE_SESSION = "import_participants"


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label="Classeur des participants",
        help_text="Un classeur .xlsx (feuilles « participants » et « situations ») ou un fichier .csv d'une feuille.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    ignorer_lignes_invalides = forms.BooleanField(
        label="Ignorer les lignes invalides",
        required=False,
        help_text="Sans cette case, rien n'est importé tant que le fichier contient une erreur.",
    )

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        extension = os.path.splitext(fichier.name)[1].lower()
        if extension not in (".xlsx", ".csv"):
            raise forms.ValidationError("Déposez un classeur .xlsx ou un fichier .csv.")
        if fichier.size > classeur.taille_max():
            raise forms.ValidationError(
                f"Le fichier dépasse la taille maximale autorisée ({classeur.taille_max() / (1024 * 1024):.0f} Mo)."
            )
        return fichier


class ImportParticipantsView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not set(request.user.roles) & ROLES_IMPORT:
            raise PermissionDenied("Seules la coordinatrice et l'administrateur importent des participants.")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "participants/import.html", {"form": ImportForm()})

    def post(self, request):
        if "jeton" in request.POST:
            return self.confirmer(request)
        return self.apercu(request)

    def apercu(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, "participants/import.html", {"form": form})
        fichier = form.cleaned_data["fichier"]
        ignorer = form.cleaned_data["ignorer_lignes_invalides"]
        try:
            lecture = classeur.lire_classeur(fichier, fichier.name)
        except classeur.ClasseurRefuse as exc:
            form.add_error("fichier", str(exc))
            return render(request, "participants/import.html", {"form": form})
        rapport = classeur.valider(lecture)
        confirmable = rapport.valide or ignorer
        jeton = None
        _oublier(request)
        if confirmable:
            jeton = uuid.uuid4().hex
            extension = os.path.splitext(fichier.name)[1].lower()
            fichier.seek(0)
            chemin = default_storage.save(f"imports/{jeton}{extension}", fichier)
            request.session[CLE_SESSION] = {"jeton": jeton, "chemin": chemin, "nom": fichier.name, "ignorer": ignorer}
        return render(
            request,
            "participants/import_apercu.html",
            {"rapport": rapport, "nom": fichier.name, "ignorer": ignorer, "jeton": jeton, "confirmable": confirmable},
        )

    def confirmer(self, request):
        attente = request.session.get(CLE_SESSION)
        if not attente or attente.get("jeton") != request.POST.get("jeton"):
            erreur = "Cet aperçu a expiré ou a déjà été importé : déposez à nouveau le fichier."
            return render(request, "participants/import.html", {"form": ImportForm(), "erreur": erreur})
        try:
            with default_storage.open(attente["chemin"], "rb") as fichier:
                lecture = classeur.lire_classeur(fichier.read(), attente["nom"])
            resultat = classeur.importer(lecture, ignorer_lignes_invalides=attente["ignorer"], par=request.user)
        except classeur.ClasseurInvalide as exc:
            return render(
                request,
                "participants/import_apercu.html",
                {"rapport": exc.rapport, "nom": attente["nom"], "ignorer": False, "jeton": None, "confirmable": False},
            )
        finally:
            _oublier(request)
        return render(request, "participants/import_resultat.html", {"resultat": resultat, "nom": attente["nom"]})


def _oublier(request):
    """Delete the file waiting for confirmation, if any."""
    attente = request.session.pop(CLE_SESSION, None)
    if attente and default_storage.exists(attente["chemin"]):
        default_storage.delete(attente["chemin"])


@require_GET
def export_participants(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = set(request.user.roles)
    if roles & ROLES_IMPORT:
        participants, perimetre = Participant.objects.all(), "tous les participants"
    elif Role.REFERENT in roles:
        participants, perimetre = Participant.objects.filter(referent=request.user), "portefeuille du référent"
    else:
        raise PermissionDenied("Votre rôle ne permet pas d'exporter les participants.")
    today = timezone.localdate()
    as_of = today
    if request.GET.get("au"):
        try:
            as_of = date.fromisoformat(request.GET["au"])
        except ValueError:
            as_of = today
    fichier = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    nombre = classeur.exporter(participants, fichier, as_of=as_of)
    fichier.seek(0)
    JournalAcces.objects.create(
        utilisateur=request.user,
        action=JournalAcces.Action.EXPORT,
        objet_type="participants",
        detail=f"Classeur des participants : {nombre} ligne(s), {perimetre}, verdicts au {as_of:%d/%m/%Y}",
    )
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=f"participants-{today:%Y-%m-%d}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
