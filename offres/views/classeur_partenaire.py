"""A partner's workbook of offers (temp agency, IAE structure…), uploaded by the chargé(e) de
mission in three steps:

1. ``DeposerClasseur``: the partner (an existing partner-workbook source, or a new one, created
   only when the import is confirmed) and the .xlsx/.csv file. The file is checked, then waits for
   step 2 in the default storage (``imports/classeurs-partenaires/<uuid>.<ext>``), named in the
   session, as the participants import does; it is deleted once imported or abandoned.
2. ``CorrespondanceColonnes``: which column holds which PLIE field, pre-filled from the partner's
   last upload (else guessed from the headers), with a preview of the first rows and the list of
   rows the run would refuse. On confirmation the mapping is saved on the source and the ordinary
   ingestion run reads the rows (``classeur.classeur_importer``).
3. ``ResultatClasseur``: the run's counts and its per-line errors.
"""

import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView

from plie.views import RolePageMixin

from ..enums import OriginePartenaire, TypeSource
from ..ingestion import classeur
from ..ingestion.base import ErreurConfiguration
from ..models import ExecutionIngestion, Source

PERMISSION = "offres.change_offre"
CLE_SESSION = "classeur_partenaire"
DOSSIER = "imports/classeurs-partenaires"
# A file left by an upload nobody confirmed nor abandoned (tab closed) is deleted after this long.
CONSERVATION_ABANDONNES = timedelta(days=1)
NB_APERCU = 5
NB_ERREURS_AFFICHEES = 50
MESSAGE_EXPIRE = "Aucun classeur n'attend d'import (déjà importé, abandonné ou expiré) : déposez-le à nouveau."


def _partenaires():
    return Source.objects.filter(type=TypeSource.CLASSEUR_PARTENAIRE, actif=True).order_by("libelle", "id")


def _taille_max():
    return settings.PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX


class DepotForm(forms.Form):
    source = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Source.objects.none(),
        required=False,
        empty_label="— nouveau partenaire —",
        help_text="Le partenaire qui a envoyé le classeur ; ses colonnes seront reprises du dernier dépôt.",
    )
    libelle = forms.CharField(
        label="Nom du nouveau partenaire",
        max_length=150,
        required=False,
        help_text="Seulement pour un partenaire absent de la liste, ex. « Agence Intérim Plus Dijon ».",
    )
    origine = forms.ChoiceField(
        label="Type du nouveau partenaire",
        choices=[("", "—"), *OriginePartenaire.choices],
        required=False,
    )
    fichier = forms.FileField(
        label="Classeur d'offres",
        help_text="Un classeur .xlsx (première feuille) ou un fichier .csv, une offre par ligne sous une ligne d'en-têtes.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = _partenaires()

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        extension = os.path.splitext(fichier.name)[1].lower()
        if extension not in classeur.EXTENSIONS:
            raise forms.ValidationError(
                "Déposez un classeur .xlsx ou un fichier .csv (un ancien classeur .xls s'enregistre en .xlsx "
                "depuis le tableur)."
            )
        if fichier.size > _taille_max():
            raise forms.ValidationError(
                f"Le fichier dépasse la taille maximale autorisée ({_taille_max() / (1024 * 1024):.0f} Mo) : découpez-le."
            )
        return fichier

    def clean(self):
        donnees = super().clean()
        source, libelle = donnees.get("source"), (donnees.get("libelle") or "").strip()
        donnees["libelle"] = libelle
        if source is not None and libelle:
            self.add_error("libelle", "Choisissez un partenaire de la liste ou créez-en un nouveau, pas les deux.")
        elif source is None and "source" not in self.errors:
            if not libelle:
                self.add_error(
                    "source",
                    "Choisissez le partenaire qui a envoyé le classeur, ou indiquez le nom d'un nouveau partenaire.",
                )
            else:
                if not donnees.get("origine"):
                    self.add_error("origine", "Indiquez le type du nouveau partenaire.")
                if Source.objects.filter(type=TypeSource.CLASSEUR_PARTENAIRE, libelle__iexact=libelle).exists():
                    self.add_error("libelle", "Ce partenaire existe déjà : choisissez-le dans la liste.")
        return donnees


class CorrespondanceForm(forms.Form):
    """One select per PLIE field, offering the file's headers."""

    def __init__(self, *args, entetes, **kwargs):
        super().__init__(*args, **kwargs)
        self.entetes = [entete for entete in entetes if entete]
        choix = [("", "— ignorer —"), *((entete, entete) for entete in self.entetes)]
        for champ in classeur.CHAMPS:
            self.fields[champ.cle] = forms.ChoiceField(
                label=champ.libelle,
                choices=choix,
                required=False,
                help_text=champ.aide,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def clean(self):
        donnees = super().clean()
        if not donnees.get("intitule") and "intitule" not in self.errors:
            self.add_error("intitule", "Choisissez la colonne qui contient l'intitulé du poste : il est obligatoire.")
        champs_par_entete = defaultdict(list)
        for champ in classeur.CHAMPS:
            if donnees.get(champ.cle):
                champs_par_entete[donnees[champ.cle]].append(champ.libelle)
        for entete, libelles in champs_par_entete.items():
            if len(libelles) > 1:
                self.add_error(
                    None,
                    f"La colonne « {entete} » est associée à plusieurs champs ({', '.join(libelles)}) : "
                    "une colonne ne remplit qu'un champ.",
                )
        return donnees

    def correspondance(self):
        """{field: header} as chosen (bound) or pre-filled (unbound), keeping only the file's headers."""
        if self.is_bound:
            valeurs = {champ.cle: self.data.get(champ.cle) for champ in classeur.CHAMPS}
        else:
            valeurs = {champ.cle: self.initial.get(champ.cle) for champ in classeur.CHAMPS}
        return {cle: entete for cle, entete in valeurs.items() if entete in self.entetes}


# --- The file waiting between the steps ---------------------------------------------------------


@dataclass
class Attente:
    nom: str  # the file's name, as uploaded
    source: Source  # unsaved for a new partner
    entetes: list
    lignes: list


def _oublier(request):
    """Delete the file waiting for its mapping, if any."""
    attente = request.session.pop(CLE_SESSION, None)
    if attente and default_storage.exists(attente["chemin"]):
        default_storage.delete(attente["chemin"])


def _purger_abandonnes():
    """Delete the files of uploads left unfinished (the session expired before the confirmation)."""
    limite = timezone.now() - CONSERVATION_ABANDONNES
    try:
        _dossiers, fichiers = default_storage.listdir(DOSSIER)
    except (OSError, NotImplementedError):
        return
    for nom in fichiers:
        chemin = f"{DOSSIER}/{nom}"
        try:
            if default_storage.get_modified_time(chemin) < limite:
                default_storage.delete(chemin)
        except (OSError, NotImplementedError):
            continue


def _en_attente(request):
    """The upload waiting for its mapping, read again from the storage, or None."""
    donnees = request.session.get(CLE_SESSION)
    if not donnees:
        return None
    try:
        with default_storage.open(donnees["chemin"], "rb") as fichier:
            entetes, lignes = classeur.lire(fichier.read(), donnees["nom"])
    except (OSError, classeur.ClasseurRefuse):
        _oublier(request)
        return None
    if donnees["source"]:
        source = _partenaires().filter(pk=donnees["source"]).first()
        if source is None:  # deactivated meanwhile
            _oublier(request)
            return None
    else:
        source = Source(
            nom="nouveau-partenaire",
            libelle=donnees["libelle"],
            type=TypeSource.CLASSEUR_PARTENAIRE,
            parametres={"origine": donnees["origine"]},
        )
    return Attente(donnees["nom"], source, entetes, lignes)


# --- Pages ---------------------------------------------------------------------------------------


class DeposerClasseur(RolePageMixin, View):
    """Step 1: the partner and the file."""

    permission_required = PERMISSION
    template_name = "offres/classeur_depot.html"

    def get(self, request):
        return self._page(request, DepotForm())

    def post(self, request):
        form = DepotForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form)
        fichier = form.cleaned_data["fichier"]
        fichier.seek(0)
        donnees = fichier.read()
        try:
            classeur.lire(donnees, fichier.name)
        except classeur.ClasseurRefuse as exc:
            form.add_error("fichier", str(exc))
            return self._page(request, form)
        _oublier(request)
        _purger_abandonnes()
        extension = os.path.splitext(fichier.name)[1].lower()
        chemin = default_storage.save(f"{DOSSIER}/{uuid.uuid4().hex}{extension}", ContentFile(donnees))
        source = form.cleaned_data["source"]
        request.session[CLE_SESSION] = {
            "chemin": chemin,
            "nom": fichier.name,
            "source": source.pk if source else None,
            "libelle": form.cleaned_data["libelle"],
            "origine": form.cleaned_data["origine"],
        }
        return redirect("offres:classeur_colonnes")

    def _page(self, request, form):
        return render(
            request,
            self.template_name,
            {"form": form, "attente": request.session.get(CLE_SESSION), "taille_max": _taille_max()},
        )


class CorrespondanceColonnes(RolePageMixin, View):
    """Step 2: the column mapping, a preview, then the import."""

    permission_required = PERMISSION
    template_name = "offres/classeur_colonnes.html"

    def get(self, request):
        attente = _en_attente(request)
        if attente is None:
            messages.warning(request, MESSAGE_EXPIRE)
            return redirect("offres:classeur_depot")
        enregistree = (attente.source.parametres or {}).get("colonnes")
        initiale = classeur.correspondance_initiale(attente.entetes, enregistree)
        form = CorrespondanceForm(entetes=attente.entetes, initial=initiale)
        return self._page(request, attente, form)

    def post(self, request):
        if "abandonner" in request.POST:
            _oublier(request)
            messages.info(request, "Import abandonné : le classeur déposé est supprimé.")
            return redirect("offres:classeur_depot")
        attente = _en_attente(request)
        if attente is None:
            messages.warning(request, MESSAGE_EXPIRE)
            return redirect("offres:classeur_depot")
        form = CorrespondanceForm(request.POST, entetes=attente.entetes)
        if "apercu" in request.POST or not form.is_valid():
            return self._page(request, attente, form)
        source = attente.source
        if source.pk is None:
            # A double submission or another person may have created the partner meanwhile.
            source = Source.objects.filter(
                type=TypeSource.CLASSEUR_PARTENAIRE, libelle__iexact=source.libelle
            ).first() or classeur.source_partenaire_creer(libelle=source.libelle, origine=source.parametres["origine"])
        try:
            execution = classeur.classeur_importer(
                source=source, lignes=attente.lignes, nom_fichier=attente.nom, colonnes=form.correspondance()
            )
        except ErreurConfiguration as exc:
            messages.error(request, str(exc))
            return self._page(request, attente, form)
        _oublier(request)
        return redirect("offres:classeur_resultat", pk=execution.pk)

    def _page(self, request, attente, form):
        colonnes = form.correspondance()
        champs = [champ for champ in classeur.CHAMPS if champ.cle in colonnes]
        erreurs = {}
        if "intitule" in colonnes:
            connecteur = classeur.ConnecteurClasseur(
                attente.source, lignes=attente.lignes, nom_fichier=attente.nom, colonnes=colonnes
            )
            erreurs = connecteur.verifier()
        apercu = [
            {
                "numero": ligne[classeur.CLE_LIGNE],
                "cellules": [classeur.afficher(ligne.get(colonnes[champ.cle], "")) for champ in champs],
                "erreur": erreurs.get(ligne[classeur.CLE_LIGNE], ""),
            }
            for ligne in attente.lignes[:NB_APERCU]
        ]
        liste_erreurs = list(erreurs.values())
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "nom": attente.nom,
                "source": attente.source,
                "nouveau": attente.source.pk is None,
                "nb_lignes": len(attente.lignes),
                "champs_apercu": [(champ, colonnes[champ.cle]) for champ in champs],
                "apercu": apercu,
                "verifie": "intitule" in colonnes,
                "nb_erreurs": len(liste_erreurs),
                "erreurs": liste_erreurs[:NB_ERREURS_AFFICHEES],
                "erreurs_masquees": max(0, len(liste_erreurs) - NB_ERREURS_AFFICHEES),
            },
        )


class ResultatClasseur(RolePageMixin, DetailView):
    """Step 3: what the run of the uploaded workbook did."""

    permission_required = PERMISSION
    template_name = "offres/classeur_resultat.html"
    context_object_name = "execution"

    def get_queryset(self):
        return ExecutionIngestion.objects.select_related("source").filter(source__type=TypeSource.CLASSEUR_PARTENAIRE)
