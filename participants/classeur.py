"""The participants workbook of FORMATS.md: read it, validate it, import it, export it.

- ``lire_classeur(fichier, nom)`` checks the file itself (size, real format, zip-bomb guard) and
  reads its cells; a file that cannot be read at all raises ``ClasseurRefuse``.
- ``valider(lecture)`` checks every cell of every row against the reference data and the database,
  and plans the writes (nothing is written): the ``Rapport`` lists every problem, located as the
  spreadsheet shows it (sheet, line with the header on line 1, column), and what would change.
- ``importer(lecture)`` applies that plan in one transaction: all or nothing, unless the person
  chose to skip the invalid rows. Rows are keyed by ``identifiant``; equal values are never
  written again, so re-importing the same file changes nothing.
- ``exporter(queryset, destination, as_of=…)`` writes the same two sheets (so that the file
  re-imports as is) plus the computed verdicts, in constant memory.

Formula neutralisation (export): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is written as a *string* cell whose value is prefixed with an apostrophe
(``'=1+1``). The apostrophe is part of the value, so no spreadsheet (nor a CSV conversion of the
file) ever evaluates it; the import removes that one apostrophe again, so the round trip is exact.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from plie import audit
from plie.models import CategorieContrat, Commune, NiveauFormation, QuartierPrioritaire, User
from plie.roles import Role
from plie.tableur import DEBUTS_DE_FORMULE, neutraliser

from . import rules, selectors
from .enums import DecisionCommissionType, MinimaSociaux, Sexe, StatutParticipant
from .models import DecisionCommission, HistoriqueReferent, Participant, Situation

# --- The format ----------------------------------------------------------------------------

FEUILLE_PARTICIPANTS = "participants"
FEUILLE_SITUATIONS = "situations"

COLONNES_PARTICIPANTS = (
    "identifiant",
    "nom",
    "prenom",
    "sexe",
    "date_naissance",
    "commune_insee",
    "qpv",
    "niveau_formation",
    "date_entree",
    "referent",
    "autorisation_travail",
    "consentement",
    "qualification_insuffisante",
    "sans_activite_depuis",
    "minima_sociaux",
    "situation_familiale_complexe",
    "mobilite_logement",
    "sante_handicap",
    "suivi_cap_emploi",
    "sous_main_justice",
)
# What a new participant cannot do without; a missing optional column leaves the field as it is.
REQUISES_PARTICIPANTS = ("identifiant", "nom", "prenom", "sexe", "date_naissance", "commune_insee", "niveau_formation")
BOOLEENS_PARTICIPANTS = (
    "autorisation_travail",
    "consentement",
    "qualification_insuffisante",
    "situation_familiale_complexe",
    "mobilite_logement",
    "sante_handicap",
    "suivi_cap_emploi",
    "sous_main_justice",
)
# The columns the export adds: computed, hence ignored (without a warning) when re-imported.
COLONNES_VERDICT = ("eligible", "criteres_manquants", "sortie_positive", "date_sortie_positive")

COLONNES_SITUATIONS = (
    "identifiant",
    "type",
    "debut",
    "fin_prevue",
    "fin",
    "heures_hebdo",
    "accord_temps_partiel",
    "employeur",
    "siret",
)
REQUISES_SITUATIONS = ("identifiant", "type", "debut")
# The facts of a situation the workbook carries: two situations are "the same" when these are equal.
CHAMPS_SITUATION = COLONNES_SITUATIONS[1:]

COLONNES = {FEUILLE_PARTICIPANTS: COLONNES_PARTICIPANTS, FEUILLE_SITUATIONS: COLONNES_SITUATIONS}
REQUISES = {FEUILLE_PARTICIPANTS: REQUISES_PARTICIPANTS, FEUILLE_SITUATIONS: REQUISES_SITUATIONS}
IGNOREES = {FEUILLE_PARTICIPANTS: COLONNES_VERDICT, FEUILLE_SITUATIONS: ()}

ZIP_TAILLE_DECOMPRESSEE_MAX = 200 * 1024 * 1024
ZIP_MEMBRES_MAX = 1000
# A few bytes of XML can place a cell at column XFD or a row at line 10^9, which openpyxl fills
# with empty cells (a "cell bomb": 15 KB took 26 s to read): refuse wider rows and later lines.
COLONNES_MAX = 100
LIGNES_XLSX_MAX = 1_048_576  # Excel's own last line
TAILLE_MAX_DEFAUT = 20 * 1024 * 1024
LOT = 900  # identifiers per IN (...) query: below SQLite's historical limit of 999 variables

VRAI = {"oui", "o", "1", "vrai", "x", "true", "yes"}
FAUX = {"non", "n", "0", "faux", "false", "no", ""}
NIVEAUX_ANCIENS = {"vi": "infra3", "vbis": "infra3", "v": "3", "iv": "4", "iii": "5", "ii": "6", "i": "7"}
MESSAGE_DATE = "(attendu JJ/MM/AAAA ou AAAA-MM-JJ)"


def taille_max():
    return getattr(settings, "PLIE_IMPORT_TAILLE_MAX", TAILLE_MAX_DEFAUT)


# --- Results ---------------------------------------------------------------------------------


class ClasseurRefuse(ValueError):
    """The file as a whole cannot be read: wrong format, too large, zip bomb, corrupt."""


class ClasseurInvalide(ValueError):
    """Validation found problems and the person did not ask to skip the invalid rows."""

    def __init__(self, rapport):
        self.rapport = rapport
        self.problemes = rapport.problemes
        super().__init__(f"Import refusé : {_n(len(rapport.problemes), 'problème')} ; rien n'a été écrit.")


@dataclass(frozen=True)
class Probleme:
    feuille: str
    ligne: int | None
    colonne: str | None
    message: str

    def __str__(self):
        lieu = self.feuille
        if self.ligne is not None:
            lieu += f", ligne {self.ligne}"
        if self.colonne:
            lieu += f", colonne {self.colonne}"
        return f"{lieu} : {self.message}"


@dataclass
class Feuille:
    nom: str  # "participants" or "situations"
    titre: str  # as the file names it
    entetes: list[str]  # the header row, as written
    lignes: list[tuple[int, tuple]]  # (line number as the spreadsheet shows it, raw values)
    formules: set[tuple[int, int]] = field(default_factory=set)  # (line, column index) holding a formula
    erreurs: set[tuple[int, int]] = field(default_factory=set)  # (line, column index) holding #N/A…


@dataclass
class Lecture:
    nom: str
    format: str  # "xlsx" or "csv"
    feuilles: dict[str, Feuille]
    avertissements: list[Probleme] = field(default_factory=list)


@dataclass
class Comptes:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0
    situations_creees: int = 0
    situations_supprimees: int = 0
    lignes_ignorees: int = 0

    def __str__(self):
        return (
            f"{_n(self.crees, 'participant créé', 'participants créés')}, "
            f"{_n(self.modifies, 'modifié', 'modifiés')}, {_n(self.inchanges, 'inchangé', 'inchangés')} ; "
            f"{_n(self.situations_creees, 'situation créée', 'situations créées')}, "
            f"{_n(self.situations_supprimees, 'supprimée', 'supprimées')} ; "
            f"{_n(self.lignes_ignorees, 'ligne ignorée', 'lignes ignorées')}"
        )


@dataclass
class Rapport:
    """Every problem of a workbook, and what importing its valid rows would change."""

    problemes: list[Probleme] = field(default_factory=list)
    avertissements: list[Probleme] = field(default_factory=list)
    prevision: Comptes = field(default_factory=Comptes)
    # The plan, applied by ``importer``.
    _a_creer: list = field(default_factory=list, repr=False)
    _a_modifier: list = field(default_factory=list, repr=False)
    _champs_modifies: set = field(default_factory=set, repr=False)
    _historique_fermer: list = field(default_factory=list, repr=False)
    _historique_ouvrir: list = field(default_factory=list, repr=False)  # (participant, referent_id, du)
    _situations_supprimer: list = field(default_factory=list, repr=False)
    _situations_creer: list = field(default_factory=list, repr=False)  # (participant, facts tuple)
    _lignes_invalides: set = field(default_factory=set, repr=False)

    @property
    def valide(self):
        return not self.problemes

    def erreur(self, feuille, ligne, colonne, message):
        self.problemes.append(Probleme(feuille, ligne, colonne, message))
        if ligne is not None:
            self._lignes_invalides.add((feuille, ligne))

    def avertir(self, feuille, ligne, colonne, message):
        self.avertissements.append(Probleme(feuille, ligne, colonne, message))


@dataclass
class ResultatImport(Comptes):
    problemes: list[Probleme] = field(default_factory=list)
    avertissements: list[Probleme] = field(default_factory=list)

    @property
    def resume(self):
        return f"Import terminé : {Comptes.__str__(self)}."

    def __str__(self):
        return self.resume


def _n(nombre, singulier, pluriel=None):
    if nombre in (0, 1):
        return f"{nombre} {singulier}"
    return f"{nombre} {pluriel or singulier + 's'}"


# --- Reading the file --------------------------------------------------------------------------


def normaliser(texte):
    """Header and sheet names: case-, accent- and punctuation-insensitive (``Prénom`` -> ``prenom``)."""
    texte = unicodedata.normalize("NFKD", str(texte)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", texte).strip("_")


def _octets(fichier, maximum):
    """The file's bytes, refusing it before reading when its size is known to be too large."""
    trop_gros = ClasseurRefuse(
        f"Le fichier dépasse la taille maximale autorisée ({maximum / (1024 * 1024):.0f} Mo) : découpez-le."
    )
    if isinstance(fichier, str | os.PathLike):
        if os.path.getsize(fichier) > maximum:
            raise trop_gros
        with open(fichier, "rb") as flux:
            return flux.read()
    if isinstance(fichier, bytes | bytearray):
        donnees = bytes(fichier)
    else:
        taille = getattr(fichier, "size", None)
        if taille is not None and taille > maximum:
            raise trop_gros
        if hasattr(fichier, "seek"):
            fichier.seek(0)
        donnees = fichier.read(maximum + 1)
    if len(donnees) > maximum:
        raise trop_gros
    return donnees


def lire_classeur(fichier, nom):
    """Read a ``.xlsx`` workbook or a ``.csv`` sheet (``fichier``: path, bytes or file object)."""
    extension = os.path.splitext(str(nom))[1].lower()
    if extension not in (".xlsx", ".csv"):
        raise ClasseurRefuse(
            f"Format non pris en charge « {extension or 'sans extension'} » : "
            "déposez un classeur .xlsx ou un fichier .csv."
        )
    donnees = _octets(fichier, taille_max())
    if extension == ".xlsx":
        return _lire_xlsx(donnees, nom)
    return _lire_csv(donnees, nom)


def _controler_zip(donnees):
    """Zip-bomb guard: count and declared sizes of the members, before anything is decompressed."""
    if not donnees.startswith(b"PK\x03\x04"):
        raise ClasseurRefuse(
            "Le fichier n'est pas un classeur Excel .xlsx, malgré son extension "
            "(enregistrez-le au format « Classeur Excel (.xlsx) »)."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(donnees)) as archive:
            membres = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ClasseurRefuse("Le classeur .xlsx est endommagé (archive illisible).") from exc
    if len(membres) > ZIP_MEMBRES_MAX:
        raise ClasseurRefuse(
            f"Le classeur .xlsx contient {len(membres)} éléments (au plus {ZIP_MEMBRES_MAX}) : il est refusé."
        )
    total = sum(membre.file_size for membre in membres)
    if total > ZIP_TAILLE_DECOMPRESSEE_MAX:
        raise ClasseurRefuse(
            f"Le classeur .xlsx occuperait {total / (1024 * 1024):.0f} Mo une fois décompressé "
            f"(au plus {ZIP_TAILLE_DECOMPRESSEE_MAX // (1024 * 1024)} Mo) : il est refusé."
        )


def _lire_xlsx(donnees, nom):
    import openpyxl

    _controler_zip(donnees)
    try:
        classeur = openpyxl.load_workbook(io.BytesIO(donnees), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise ClasseurRefuse(_message_illisible(exc, "Le fichier .xlsx n'est pas un classeur Excel lisible.")) from exc
    lecture = Lecture(nom=str(nom), format="xlsx", feuilles={})
    titre = None
    try:
        for feuille in classeur.worksheets:
            titre = feuille.title
            canonique = normaliser(feuille.title)
            if canonique not in COLONNES:
                lecture.avertissements.append(
                    Probleme(feuille.title, None, None, "feuille inconnue, ignorée (attendu participants, situations)")
                )
                continue
            if canonique in lecture.feuilles:
                raise ClasseurRefuse(f"Le classeur contient deux feuilles « {canonique} ».")
            feuille.reset_dimensions()  # do not trust the dimension some tools write
            lignes, formules, erreurs, entetes = [], set(), set(), None
            for numero, cellules in enumerate(feuille.iter_rows(), start=1):
                _controler_rangee(feuille.title, numero, cellules)
                valeurs = []
                for index, cellule in enumerate(cellules):
                    type_ = getattr(cellule, "data_type", None)
                    if type_ == "f":
                        formules.add((numero, index))
                    elif type_ == "e":
                        erreurs.add((numero, index))
                    valeurs.append(cellule.value)
                if entetes is None:
                    entetes = ["" if v is None else str(v).strip() for v in valeurs]
                    continue
                if any(not _vide(v) for v in valeurs):
                    lignes.append((numero, tuple(valeurs)))
            lecture.feuilles[canonique] = Feuille(canonique, feuille.title, entetes or [], lignes, formules, erreurs)
    except ClasseurRefuse:
        raise
    except Exception as exc:  # a damaged sheet (bad XML, bad cell reference…) fails only when its rows are parsed
        raise ClasseurRefuse(
            _message_illisible(exc, f"La feuille « {titre} » du classeur .xlsx est illisible.")
        ) from exc
    finally:
        classeur.close()
    return lecture


def _controler_rangee(titre, numero, cellules):
    if numero > LIGNES_XLSX_MAX:
        raise ClasseurRefuse(f"La feuille « {titre} » dépasse la ligne {LIGNES_XLSX_MAX} : le classeur est refusé.")
    if len(cellules) > COLONNES_MAX:
        raise ClasseurRefuse(
            f"La feuille « {titre} », ligne {numero}, a {len(cellules)} colonnes (au plus {COLONNES_MAX}) : "
            "supprimez les colonnes en trop."
        )


def _message_illisible(exc, message):
    """``message``, or a precise one when the XML declares entities (``defusedxml`` forbids them:
    entity expansion and external entities, XXE, are never processed)."""
    from defusedxml import DefusedXmlException

    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return "Le classeur .xlsx contient des déclarations XML interdites (entités) : il est refusé."
        exc = exc.__cause__ or exc.__context__
    return message


def _lire_csv(donnees, nom):
    if donnees.startswith(b"PK\x03\x04") or b"\x00" in donnees[:4096]:
        raise ClasseurRefuse(
            "Le fichier n'est pas un fichier texte .csv, malgré son extension (c'est peut-être un classeur Excel : "
            "renommez-le en .xlsx)."
        )
    try:
        texte = donnees.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ClasseurRefuse(
            "Le fichier .csv n'est pas encodé en UTF-8 (dans le tableur : « Enregistrer sous », CSV UTF-8)."
        ) from exc
    premiere = texte.split("\n", 1)[0]
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    canonique = FEUILLE_SITUATIONS if "situation" in normaliser(os.path.basename(str(nom))) else FEUILLE_PARTICIPANTS
    lignes, formules, entetes = [], set(), None
    try:
        for numero, valeurs in enumerate(csv.reader(io.StringIO(texte, newline=""), delimiter=separateur), start=1):
            if entetes is None:
                entetes = [v.strip() for v in valeurs]
                continue
            for index, valeur in enumerate(valeurs):
                if valeur.strip().startswith("="):
                    formules.add((numero, index))
            if any(v.strip() for v in valeurs):
                lignes.append((numero, tuple(valeurs)))
    except csv.Error as exc:
        raise ClasseurRefuse(f"Le fichier .csv est illisible : {exc}.") from exc
    feuille = Feuille(canonique, canonique, entetes or [], lignes, formules)
    return Lecture(nom=str(nom), format="csv", feuilles={canonique: feuille})


def _vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


# --- Reading one cell ---------------------------------------------------------------------------


class _Illisible(ValueError):
    pass


def _affiche(valeur):
    if isinstance(valeur, datetime | date):
        return valeur.strftime("%d/%m/%Y")
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur).strip()


def lire_texte(valeur):
    """Text of a cell; numbers as written (``21231.0`` -> ``21231``); export neutralisation undone."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, datetime | date):
        raise _Illisible(f"une date « {_affiche(valeur)} » à la place d'un texte")
    if isinstance(valeur, float):
        return str(int(valeur)) if valeur.is_integer() else str(valeur)
    texte = str(valeur).strip()
    if len(texte) > 1 and texte[0] == "'" and texte[1] in DEBUTS_DE_FORMULE:
        texte = texte[1:]
    return texte


def lire_booleen(valeur):
    if isinstance(valeur, bool):
        return valeur
    if isinstance(valeur, int | float) and valeur in (0, 1):
        return bool(valeur)
    texte = normaliser(lire_texte(valeur)) if not isinstance(valeur, datetime | date) else None
    if texte in VRAI:
        return True
    if texte in FAUX:
        return False
    raise _Illisible(f"valeur « {_affiche(valeur)} » non reconnue (attendu oui ou non, o/n, 1/0, vrai/faux, x ou vide)")


def lire_date(valeur):
    """``JJ/MM/AAAA``, ``AAAA-MM-JJ``, an Excel date cell or an Excel serial number; empty -> None."""
    if _vide(valeur):
        return None
    if isinstance(valeur, datetime):
        jour = valeur.date()
    elif isinstance(valeur, date):
        jour = valeur
    elif isinstance(valeur, int | float) and not isinstance(valeur, bool):
        jour = _date_serie(valeur, valeur)
    else:
        texte = str(valeur).strip()
        jour = None
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", texte):
            jj, mm, aaaa = (int(x) for x in m.groups())
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", texte):
            aaaa, mm, jj = (int(x) for x in m.groups())
        elif re.fullmatch(r"\d{1,5}(?:\.0+)?", texte):
            jour = _date_serie(float(texte), texte)
        else:
            raise _Illisible(f"date illisible « {texte} » {MESSAGE_DATE}")
        if jour is None:
            try:
                jour = date(aaaa, mm, jj)
            except ValueError as exc:
                raise _Illisible(f"date illisible « {texte} » {MESSAGE_DATE}") from exc
    if not 1900 <= jour.year <= 2100:
        raise _Illisible(f"date improbable « {jour:%d/%m/%Y} »")
    return jour


def _date_serie(nombre, affiche):
    from openpyxl.utils.datetime import from_excel

    if not 1 <= nombre < 2958466 or not float(nombre).is_integer():
        raise _Illisible(f"date illisible « {_affiche(affiche)} » {MESSAGE_DATE}")
    return from_excel(nombre).date()


def lire_decimal(valeur):
    if _vide(valeur):
        return None
    if isinstance(valeur, bool | datetime | date):
        raise _Illisible(f"nombre illisible « {_affiche(valeur)} »")
    texte = str(valeur).strip().replace(",", ".").replace(" ", "").replace("\u00a0", "")
    try:
        nombre = Decimal(texte)
    except InvalidOperation as exc:
        raise _Illisible(f"nombre illisible « {_affiche(valeur)} » (attendu par exemple 17,5)") from exc
    if not nombre.is_finite():
        raise _Illisible(f"nombre illisible « {_affiche(valeur)} »")
    return nombre


def lire_niveau(valeur):
    """``infra 3``, ``3``…``8`` (``niveau 4``), or the former ``VI``, ``Vbis``, ``V``…``I`` -> a code."""
    texte = normaliser(lire_texte(valeur)).replace("_", "")
    texte = texte.removeprefix("niveau")
    if texte in ("infra3", "infraniveau3", "infra"):
        return "infra3"
    if texte in {"3", "4", "5", "6", "7", "8"}:
        return texte
    if texte in NIVEAUX_ANCIENS:
        return NIVEAUX_ANCIENS[texte]
    raise _Illisible(
        f"niveau de formation inconnu « {_affiche(valeur)} » (attendu infra 3, 3 à 8, ou VI, Vbis, V, IV, III, II, I)"
    )


def ecrire_niveau(code):
    return "infra 3" if code == "infra3" else code


def ecrire_date(jour):
    return f"{jour.day:02d}/{jour.month:02d}/{jour.year}" if jour else ""  # strftime("%d/%m/%Y"), faster


def ecrire_booleen(valeur):
    return "oui" if valeur else "non"


# --- Validation --------------------------------------------------------------------------------


class _Referentiels:
    """Communes, QPV, levels and référents, read once (a handful of queries whatever the file)."""

    def __init__(self):
        self.communes = defaultdict(list)
        for commune in Commune.objects.order_by("insee", "nom"):
            self.communes[commune.insee].append(commune)
        self.qpv = {q.pk: q for q in QuartierPrioritaire.objects.all()}
        self.qpv_de_commune = defaultdict(list)
        for commune_id, qpv_id in QuartierPrioritaire.communes.through.objects.values_list(
            "commune_id", "quartierprioritaire_id"
        ):
            self.qpv_de_commune[commune_id].append(self.qpv[qpv_id])
        self.niveaux = dict(NiveauFormation.objects.values_list("code", "pk"))
        self.referents = {
            email.lower(): pk for pk, email in User.objects.with_role(Role.REFERENT).values_list("pk", "email")
        }

    def commune(self, insee, actuelle_id, jour):
        """The commune of ``insee``: the participant's own if it has that code, else the one valid on ``jour``."""
        candidates = self.communes[insee]
        for commune in candidates:
            if commune.pk == actuelle_id:
                return commune
        valides = [c for c in candidates if c.est_valide_le(jour)]
        if valides:
            return valides[0]
        return max(candidates, key=lambda c: c.valide_au or date.max)

    def quartier(self, commune, actuel_id, jour):
        quartiers = sorted(self.qpv_de_commune[commune.pk], key=lambda q: q.nom)
        for quartier in quartiers:
            if quartier.pk == actuel_id:
                return quartier
        valides = [q for q in quartiers if q.est_valide_le(jour)]
        if valides:
            return valides[0]
        return max(quartiers, key=lambda q: q.valide_au or date.max) if quartiers else None


def _colonnes(feuille, rapport):
    """Map canonical column names to their index; report unknown, duplicated and missing columns."""
    connues, ignorees = COLONNES[feuille.nom], IGNOREES[feuille.nom]
    index = {}
    for i, entete in enumerate(feuille.entetes):
        canonique = normaliser(entete)
        if not canonique:
            continue
        if canonique in connues:
            if canonique in index:
                rapport.erreur(feuille.nom, 1, entete, "colonne en double")
            else:
                index[canonique] = i
        elif canonique not in ignorees:
            rapport.avertir(feuille.nom, 1, entete, "colonne inconnue, ignorée")
    manquantes = [c for c in REQUISES[feuille.nom] if c not in index]
    for colonne in manquantes:
        rapport.erreur(feuille.nom, None, colonne, "colonne obligatoire absente")
    return index, not manquantes


def _cellules(feuille, index, numero, valeurs, rapport):
    """The row's raw values by canonical column; formula and error cells are reported, not read."""
    cellules, saines = {}, True
    for colonne, i in index.items():
        if (numero, i) in feuille.formules:
            rapport.erreur(
                feuille.nom, numero, colonne, "formule à la place d'une valeur (collez les valeurs, sans formule)"
            )
            saines = False
        elif (numero, i) in feuille.erreurs:
            rapport.erreur(feuille.nom, numero, colonne, f"valeur d'erreur du tableur « {valeurs[i]} »")
            saines = False
        else:
            cellules[colonne] = valeurs[i] if i < len(valeurs) else None
    return cellules, saines


@dataclass
class _ParticipantLu:
    ligne: int
    identifiant: str
    valeurs: dict  # canonical column -> parsed value, for the columns the sheet has


def _lire_participants(feuille, ref, rapport):
    index, complete = _colonnes(feuille, rapport)
    if not complete:
        return None
    lus, vus = [], {}
    titre = feuille.nom
    for numero, valeurs in feuille.lignes:
        cellules, saine = _cellules(feuille, index, numero, valeurs, rapport)

        def erreur(colonne, message, numero=numero):
            nonlocal saine
            saine = False
            rapport.erreur(titre, numero, colonne, message)

        lu = {}
        for colonne, brute in cellules.items():
            try:
                lu[colonne] = _valeur_participant(colonne, brute, ref)
            except _Illisible as exc:
                erreur(colonne, str(exc))
        identifiant = lu.get("identifiant", "")
        if "identifiant" in cellules and not identifiant:
            erreur("identifiant", "identifiant obligatoire")
        elif identifiant in vus:
            erreur("identifiant", f"identifiant « {identifiant} » en double (déjà ligne {vus[identifiant]})")
        elif identifiant:
            vus[identifiant] = numero
        for colonne in ("nom", "prenom"):
            if colonne in lu and not lu[colonne]:
                erreur(colonne, "valeur obligatoire")
        if "date_naissance" in lu and lu["date_naissance"] is None and "date_naissance" in cellules:
            erreur("date_naissance", "date de naissance obligatoire")
        naissance = lu.get("date_naissance")
        if naissance and naissance > timezone.localdate():
            erreur("date_naissance", f"date de naissance dans le futur « {naissance:%d/%m/%Y} »")
        entree = lu.get("date_entree")
        if naissance and entree and entree <= naissance:
            erreur("date_entree", f"date d'entrée « {entree:%d/%m/%Y} » antérieure à la naissance")
        if lu.get("qpv") and lu.get("commune_insee"):
            communes = ref.communes[lu["commune_insee"]]
            if not any(ref.qpv_de_commune[c.pk] for c in communes):
                erreur("qpv", f"la commune {lu['commune_insee']} n'a aucun quartier prioritaire (QPV) connu")
        if saine and identifiant:
            lus.append(_ParticipantLu(numero, identifiant, lu))
    return lus


def _valeur_participant(colonne, brute, ref):
    if colonne in BOOLEENS_PARTICIPANTS or colonne == "qpv":
        return lire_booleen(brute)
    if colonne in ("date_naissance", "date_entree", "sans_activite_depuis"):
        return lire_date(brute)
    texte = lire_texte(brute)
    if colonne == "identifiant":
        if len(texte) > 50:
            raise _Illisible("identifiant trop long (50 caractères au plus)")
        return texte
    if colonne in ("nom", "prenom"):
        if len(texte) > 150:
            raise _Illisible("texte trop long (150 caractères au plus)")
        return texte
    if colonne == "sexe":
        if not texte:
            raise _Illisible("sexe obligatoire (F ou M)")
        code = {"f": Sexe.FEMME, "femme": Sexe.FEMME, "m": Sexe.HOMME, "homme": Sexe.HOMME}.get(normaliser(texte))
        if code is None:
            raise _Illisible(f"sexe « {texte} » non reconnu (attendu F ou M)")
        return code.value
    if colonne == "commune_insee":
        if not texte:
            raise _Illisible("code INSEE de la commune obligatoire")
        if texte not in ref.communes:
            raise _Illisible(f"commune « {texte} » inconnue : ce n'est pas une commune du territoire")
        return texte
    if colonne == "niveau_formation":
        if not texte:
            raise _Illisible("niveau de formation obligatoire")
        code = lire_niveau(brute)
        if code not in ref.niveaux:
            raise _Illisible(f"niveau de formation « {texte} » absent du référentiel")
        return code
    if colonne == "referent":
        if not texte:
            return None
        pk = ref.referents.get(texte.lower())
        if pk is None:
            raise _Illisible(f"référent « {texte} » inconnu (attendu l'adresse e-mail d'un référent actif)")
        return pk
    if colonne == "minima_sociaux":
        code = texte.upper()
        if code in (MinimaSociaux.RSA, MinimaSociaux.ASS, MinimaSociaux.AAH):
            return code
        return MinimaSociaux.AUTRE.value if texte else MinimaSociaux.AUCUN.value
    raise AssertionError(colonne)


def _lire_situations(feuille, rapport):
    """Valid situation rows by identifiant, and the identifiants having an invalid row."""
    index, complete = _colonnes(feuille, rapport)
    if not complete:
        return None, set()
    par_identifiant, invalides = defaultdict(list), set()
    titre = feuille.nom
    types = set(CategorieContrat.values)
    for numero, valeurs in feuille.lignes:
        cellules, saine = _cellules(feuille, index, numero, valeurs, rapport)
        lu = {}

        def erreur(colonne, message, numero=numero):
            nonlocal saine
            saine = False
            rapport.erreur(titre, numero, colonne, message)

        for colonne, brute in cellules.items():
            try:
                if colonne in ("debut", "fin_prevue", "fin"):
                    lu[colonne] = lire_date(brute)
                elif colonne == "heures_hebdo":
                    lu[colonne] = _heures(brute)
                elif colonne == "accord_temps_partiel":
                    lu[colonne] = lire_booleen(brute)
                elif colonne == "type":
                    texte = lire_texte(brute)
                    code = normaliser(texte).upper()
                    if code not in types:
                        raise _Illisible(f"type « {texte} » inconnu (attendu {', '.join(CategorieContrat.values)})")
                    lu[colonne] = code
                elif colonne == "siret":
                    siret = re.sub(r"\s", "", lire_texte(brute))
                    if siret and not re.fullmatch(r"\d{14}", siret):
                        raise _Illisible(f"SIRET « {siret} » invalide (14 chiffres attendus)")
                    lu[colonne] = siret
                else:
                    lu[colonne] = lire_texte(brute)
                    if colonne == "employeur" and len(lu[colonne]) > 200:
                        raise _Illisible("texte trop long (200 caractères au plus)")
            except _Illisible as exc:
                erreur(colonne, str(exc))
        identifiant = lu.get("identifiant", "")
        if "identifiant" in cellules and not identifiant:
            erreur("identifiant", "identifiant obligatoire")
        if "debut" in cellules and "debut" in lu and lu["debut"] is None:
            erreur("debut", "date de début obligatoire")
        debut = lu.get("debut")
        for colonne, libelle in (("fin", "fin"), ("fin_prevue", "fin prévue")):
            fin = lu.get(colonne)
            if debut and fin and fin < debut:
                erreur(colonne, f"{libelle} « {fin:%d/%m/%Y} » avant le début « {debut:%d/%m/%Y} »")
        if identifiant and not saine:
            invalides.add(identifiant)
        if saine and identifiant:
            faits = (
                lu["type"],
                lu["debut"],
                lu.get("fin_prevue"),
                lu.get("fin"),
                lu.get("heures_hebdo"),
                lu.get("accord_temps_partiel", False),
                lu.get("employeur", ""),
                lu.get("siret", ""),
            )
            par_identifiant[identifiant].append((numero, faits))
    return par_identifiant, invalides


def _heures(brute):
    heures = lire_decimal(brute)
    if heures is None:
        return None
    if not Decimal(0) <= heures <= Decimal(168):
        raise _Illisible(f"nombre d'heures par semaine improbable « {_affiche(brute)} » (entre 0 et 168)")
    arrondi = heures.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if arrondi != heures:
        raise _Illisible(f"« {_affiche(brute)} » : une décimale au plus (par exemple 17,5)")
    return arrondi


def _par_lots(valeurs):
    valeurs = list(valeurs)
    for i in range(0, len(valeurs), LOT):
        yield valeurs[i : i + LOT]


def valider(lecture, *, today=None):
    """Check the whole workbook and plan the import (nothing is written). See ``Rapport``."""
    today = today or timezone.localdate()
    rapport = Rapport(avertissements=list(lecture.avertissements))
    participants_f = lecture.feuilles.get(FEUILLE_PARTICIPANTS)
    situations_f = lecture.feuilles.get(FEUILLE_SITUATIONS)
    if participants_f is None and situations_f is None:
        rapport.erreur(lecture.nom, None, None, "aucune feuille « participants » ni « situations »")
        return rapport
    ref = _Referentiels()

    lus = _lire_participants(participants_f, ref, rapport) if participants_f else []
    situations, sit_invalides = _lire_situations(situations_f, rapport) if situations_f else (None, set())
    lus = lus or []

    identifiants = {lu.identifiant for lu in lus} | set(situations or ())
    existants = {}
    for lot in _par_lots(identifiants):
        existants.update((p.identifiant, p) for p in Participant.objects.filter(identifiant__in=lot))

    # Rows of the participants sheet that failed validation (their identifiant is still known).
    lignes_participants_invalides = set()
    if participants_f:
        index_id = next(
            (i for i, e in enumerate(participants_f.entetes) if normaliser(e) == "identifiant"),
            None,
        )
        for numero, valeurs in participants_f.lignes:
            if (participants_f.nom, numero) in rapport._lignes_invalides and index_id is not None:
                with contextlib.suppress(_Illisible):
                    lignes_participants_invalides.add(lire_texte(valeurs[index_id]) if index_id < len(valeurs) else "")

    if situations is not None:
        connus = {lu.identifiant for lu in lus} | set(existants)
        for identifiant, lignes in list(situations.items()):
            if identifiant not in connus and identifiant not in lignes_participants_invalides:
                for numero, _faits in lignes:
                    rapport.erreur(
                        situations_f.nom,
                        numero,
                        "identifiant",
                        f"identifiant « {identifiant} » inconnu (ni dans la feuille participants, ni dans la base)",
                    )
                del situations[identifiant]
        for identifiant in sit_invalides:
            if identifiant in situations:
                rapport.avertir(
                    situations_f.nom,
                    None,
                    None,
                    f"situations de « {identifiant} » non mises à jour : une de ses lignes est invalide",
                )
                del situations[identifiant]
        for identifiant in lignes_participants_invalides:
            if identifiant in situations:
                if identifiant in existants:
                    rapport.avertir(
                        situations_f.nom,
                        None,
                        None,
                        f"situations de « {identifiant} » non mises à jour : sa ligne participants est invalide",
                    )
                del situations[identifiant]

    _planifier(rapport, lus, existants, situations, ref, today, participants_f)
    rapport.prevision.lignes_ignorees = len(rapport._lignes_invalides)
    ordre = {FEUILLE_PARTICIPANTS: 1, FEUILLE_SITUATIONS: 2}
    rapport.problemes.sort(key=lambda p: (ordre.get(p.feuille, 0), p.ligne or 0))  # stable: columns stay in order
    return rapport


def _planifier(rapport, lus, existants, situations, ref, today, feuille):
    """Compare each valid row with the database and list the writes (no write here)."""
    cibles = {}  # identifiant -> Participant (existing or to create), whose situations are synchronised
    ecartes = set()  # identifiants whose row turned out invalid while planning
    changements_referent = []  # existing participants whose référent the file changes

    for lu in lus:
        actuel = existants.get(lu.identifiant)
        v = lu.valeurs
        champs = {}
        jour = v.get("date_entree") or today
        commune = None
        if "commune_insee" in v:
            commune = ref.commune(v["commune_insee"], actuel.commune_id if actuel else None, jour)
            champs["commune_id"] = commune.pk
        if "qpv" in v:
            quartier = None
            if v["qpv"]:
                commune = commune or actuel.commune
                quartier = ref.quartier(commune, actuel.quartier_prioritaire_id if actuel else None, jour)
                if quartier is None:
                    rapport.erreur(
                        feuille.nom,
                        lu.ligne,
                        "qpv",
                        f"la commune {commune.insee} n'a aucun quartier prioritaire (QPV) connu",
                    )
                    ecartes.add(lu.identifiant)
                    continue
            champs["quartier_prioritaire_id"] = quartier.pk if quartier else None
        if "niveau_formation" in v:
            champs["niveau_formation_id"] = ref.niveaux[v["niveau_formation"]]
        if "referent" in v:
            champs["referent_id"] = v["referent"]
        for colonne in (
            "nom",
            "prenom",
            "sexe",
            "date_naissance",
            "date_entree",
            "sans_activite_depuis",
            "minima_sociaux",
        ):
            if colonne in v:
                champs[colonne] = v[colonne]
        for colonne in BOOLEENS_PARTICIPANTS:
            if colonne in v:
                champs[colonne] = v[colonne]
        statut = actuel.statut if actuel else StatutParticipant.CANDIDAT
        if "date_entree" in v and statut != StatutParticipant.SORTI:
            if v["date_entree"]:
                statut = StatutParticipant.ENTRE
            elif statut == StatutParticipant.ENTRE:
                statut = StatutParticipant.CANDIDAT
        champs["statut"] = statut

        if actuel is None:
            date_entree = v.get("date_entree")
            participant = Participant(
                identifiant=lu.identifiant,
                date_candidature=min(date_entree, today) if date_entree else today,
                **champs,
            )
            rapport._a_creer.append(participant)
            rapport.prevision.crees += 1
            if participant.referent_id:
                rapport._historique_ouvrir.append((participant, participant.referent_id, participant.date_candidature))
        else:
            participant = actuel
            modifies = [nom for nom, valeur in champs.items() if getattr(actuel, nom) != valeur]
            if modifies:
                for nom in modifies:
                    setattr(actuel, nom, champs[nom])
                rapport._a_modifier.append(actuel)
                rapport._champs_modifies.update(modifies)
                rapport.prevision.modifies += 1
            else:
                rapport.prevision.inchanges += 1
            # A change of référent closes the open row at the import date and opens the new one;
            # the history of a participant who exited was closed at the exit and stays so.
            if "referent_id" in modifies and actuel.statut != StatutParticipant.SORTI:
                changements_referent.append(actuel)
        cibles[lu.identifiant] = participant

    ouvertes = {}
    for lot in _par_lots(p.pk for p in changements_referent):
        ouvertes.update(
            (h.participant_id, h) for h in HistoriqueReferent.objects.filter(participant_id__in=lot, au__isnull=True)
        )
    for participant in changements_referent:
        ouverte = ouvertes.get(participant.pk)
        du = max(today, ouverte.du) if ouverte else today
        if ouverte is not None:
            ouverte.au = du
            rapport._historique_fermer.append(ouverte)
        if participant.referent_id:
            rapport._historique_ouvrir.append((participant, participant.referent_id, du))

    if situations is None:
        return
    # Participants named only in the situations sheet are synchronised too.
    for identifiant in situations:
        if identifiant not in cibles and identifiant not in ecartes and identifiant in existants:
            cibles[identifiant] = existants[identifiant]
    actuelles = defaultdict(list)  # participant pk -> [(situation pk, facts)]
    for lot in _par_lots(p.pk for p in cibles.values() if p.pk):
        for pk, participant_id, *faits in Situation.objects.filter(participant_id__in=lot).values_list(
            "pk", "participant_id", *CHAMPS_SITUATION
        ):
            actuelles[participant_id].append((pk, tuple(faits)))
    for identifiant, participant in cibles.items():
        voulues = Counter(faits for _numero, faits in situations.get(identifiant, ()))
        restantes = Counter(voulues)
        for pk, faits in actuelles.get(participant.pk, ()) if participant.pk else ():
            if restantes[faits] > 0:
                restantes[faits] -= 1
            else:
                rapport._situations_supprimer.append(pk)
        for faits, nombre in restantes.items():
            rapport._situations_creer.extend([(participant, faits)] * nombre)
    rapport.prevision.situations_creees = len(rapport._situations_creer)
    rapport.prevision.situations_supprimees = len(rapport._situations_supprimer)


# --- Import --------------------------------------------------------------------------------------


def importer(lecture, *, ignorer_lignes_invalides=False, par=None, today=None):
    """Validate then write, in one transaction. Raises ``ClasseurInvalide`` when there are problems
    and ``ignorer_lignes_invalides`` is false (then nothing is written)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        rapport = valider(lecture, today=today)
        if rapport.problemes and not ignorer_lignes_invalides:
            raise ClasseurInvalide(rapport)
        maintenant = timezone.now()
        for participant in rapport._a_creer:
            participant.cree_le = participant.modifie_le = maintenant
        Participant.objects.bulk_create(rapport._a_creer, batch_size=500)
        if any(p.pk is None for p in rapport._a_creer):  # backends that do not return the new keys
            cles = {}
            for lot in _par_lots(p.identifiant for p in rapport._a_creer):
                cles.update(Participant.objects.filter(identifiant__in=lot).values_list("identifiant", "pk"))
            for participant in rapport._a_creer:
                participant.pk = cles[participant.identifiant]
        if rapport._a_modifier:
            for participant in rapport._a_modifier:
                participant.modifie_le = maintenant
            Participant.objects.bulk_update(
                rapport._a_modifier, sorted(rapport._champs_modifies) + ["modifie_le"], batch_size=500
            )
        if rapport._historique_fermer:
            HistoriqueReferent.objects.bulk_update(rapport._historique_fermer, ["au"], batch_size=500)
        HistoriqueReferent.objects.bulk_create(
            [
                HistoriqueReferent(
                    participant=p, referent_id=referent_id, du=du, attribue_par=par, motif="Import du classeur"
                )
                for p, referent_id, du in rapport._historique_ouvrir
            ],
            batch_size=500,
        )
        for lot in _par_lots(rapport._situations_supprimer):
            Situation.objects.filter(pk__in=lot).delete()
        Situation.objects.bulk_create(
            [
                Situation(participant=p, cree_par=par, **dict(zip(CHAMPS_SITUATION, faits, strict=True)))
                for p, faits in rapport._situations_creer
            ],
            batch_size=500,
        )
        # Bulk writes send no signal: one summary row in the audit trail, in the same transaction.
        audit.journaliser_import(
            par=par,
            objet_type="participants.participant",
            resume=f"Import du classeur : {rapport.prevision}",
            comptes={
                "participants créés": rapport.prevision.crees,
                "participants modifiés": rapport.prevision.modifies,
                "situations créées": rapport.prevision.situations_creees,
                "situations supprimées": rapport.prevision.situations_supprimees,
            },
        )
    c = rapport.prevision
    return ResultatImport(
        crees=c.crees,
        modifies=c.modifies,
        inchanges=c.inchanges,
        situations_creees=c.situations_creees,
        situations_supprimees=c.situations_supprimees,
        lignes_ignorees=c.lignes_ignorees,
        problemes=list(rapport.problemes),
        avertissements=list(rapport.avertissements),
    )


# --- Streaming XLSX writer -----------------------------------------------------------------------
#
# openpyxl's write-only mode keeps memory constant, but without lxml (not a dependency here) it
# serialises each cell through et_xmlfile's pure-Python XML writer: about 30 µs a cell, over a
# minute for 100 000 rows of 24 columns. ``ClasseurXlsx`` writes the same SpreadsheetML as openpyxl's
# write-only mode (text as inline strings, hence never a formula) with plain string formatting,
# about 1 µs a cell, still in constant memory. Every export of large tables uses it (participants
# here, offers in ``offres.export``); the small ones keep openpyxl.

ESPACE_XLSX = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ESPACE_RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ESPACE_PAQUET = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml"
EN_TETE_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOQUE_XLSX = date(1899, 12, 30)  # serial number 0 of the 1900 date system (exact from 1 March 1900)
# zlib level: 5 makes files as small as 6 (zipfile's default) in 70 % of its time (113 MB of sheet XML
# per 100 000 participants: 8.0 MB at 5 or 6, 10.6 MB at 1; 1.25 s, 1.8 s, 0.5 s of CPU).
COMPRESSION_XLSX = 5
# What XML 1.0 cannot carry (control characters but tab, line feed and carriage return, lone
# surrogates, U+FFFE and U+FFFF) is dropped; &, < and > are escaped.
_HORS_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_A_TRAITER = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TITRE_INTERDIT = re.compile(r"[\\/?*:\[\]]")


def _lettres_colonnes(nombre):
    lettres = []
    for numero in range(1, nombre + 1):
        nom = ""
        while numero:
            numero, reste = divmod(numero - 1, 26)
            nom = chr(65 + reste) + nom
        lettres.append(nom)
    return tuple(lettres)


LETTRES_COLONNES = _lettres_colonnes(702)  # A … ZZ


def _echapper(valeur):
    if _A_TRAITER.search(valeur):
        return _HORS_XML.sub("", valeur).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return valeur


def _fin_cellule_texte(valeur):
    """A text cell from its type attribute on: an inline string, neutralised, escaped."""
    valeur = neutraliser(valeur)
    if _A_TRAITER.search(valeur):
        valeur = _echapper(valeur)
    if valeur[:1].isspace() or valeur[-1:].isspace():
        return f'" t="inlineStr"><is><t xml:space="preserve">{valeur}</t></is></c>'
    return f'" t="inlineStr"><is><t>{valeur}</t></is></c>'


def _xml_attribut(valeur):
    return _echapper(valeur).replace('"', "&quot;")


class FeuilleXlsx:
    """One sheet of a ``ClasseurXlsx``: rows are appended in order, spooled to a temporary file."""

    def __init__(self, titre):
        if not titre or len(titre) > 31 or _TITRE_INTERDIT.search(titre):
            raise ValueError(f"Nom de feuille invalide : « {titre} ».")
        self.titre = titre
        self.lignes = 0
        self.colonnes = 0
        self._fichier = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the workbook)
        self._textes = {}  # short text -> the end of its cell, from the type attribute on

    def ajouter(self, valeurs):
        """Append a row: text, int, float, Decimal, bool or date; None and "" leave the cell empty.

        A text is an inline string cell, never a formula; one that a spreadsheet would run as a
        formula once typed in (``plie.tableur.neutraliser``) gets its leading apostrophe here."""
        if len(valeurs) > len(LETTRES_COLONNES):
            raise ValueError(f"Au plus {len(LETTRES_COLONNES)} colonnes par feuille.")
        self.lignes += 1
        n = self.lignes
        self.colonnes = max(self.colonnes, len(valeurs))
        cellules = [f'<row r="{n}">']
        textes = self._textes
        for lettre, valeur in zip(LETTRES_COLONNES, valeurs):  # noqa: B905 (length checked above)
            if valeur is None:
                continue
            genre = type(valeur)
            if genre is not str and isinstance(valeur, str):  # a StrEnum, a SafeString…
                valeur, genre = str(valeur), str
            if genre is str:
                fin = textes.get(valeur)
                if fin is None:
                    if not valeur:
                        continue
                    fin = _fin_cellule_texte(valeur)
                    if len(valeur) <= 64 and len(textes) < 10_000:  # "oui", codes, dates, e-mails: rendered once
                        textes[valeur] = fin
                cellules.append(f'<c r="{lettre}{n}{fin}')
            elif genre is bool:
                cellules.append(f'<c r="{lettre}{n}" t="b"><v>{int(valeur)}</v></c>')
            elif (
                genre is int or (genre is float and math.isfinite(valeur)) or (genre is Decimal and valeur.is_finite())
            ):
                cellules.append(f'<c r="{lettre}{n}"><v>{valeur}</v></c>')
            elif genre is date:
                cellules.append(f'<c r="{lettre}{n}" s="1"><v>{(valeur - EPOQUE_XLSX).days}</v></c>')
            else:
                raise TypeError(f"Valeur non prise en charge dans un classeur : {valeur!r} ({genre.__name__}).")
        cellules.append("</row>")
        self._fichier.write("".join(cellules).encode())

    def _ecrire(self, paquet, nom):
        dimension = f"A1:{LETTRES_COLONNES[self.colonnes - 1]}{self.lignes}" if self.lignes else "A1"
        debut = f'{EN_TETE_XML}<worksheet xmlns="{ESPACE_XLSX}"><dimension ref="{dimension}"/><sheetData>'
        taille = self._fichier.tell()
        self._fichier.seek(0)
        with paquet.open(nom, "w", force_zip64=taille > 2**31 - 2**20) as membre:
            membre.write(debut.encode())
            shutil.copyfileobj(self._fichier, membre, 1 << 20)
            membre.write(b"</sheetData></worksheet>")

    def _fermer(self):
        self._fichier.close()


class ClasseurXlsx:
    """A streaming XLSX workbook for large exports (see above), written to ``destination`` (path or
    binary file) by ``enregistrer()``; its sheets may be filled in any interleaving. Dates are shown
    with ``format_date``. Use it as a context manager, so that the temporary files always go."""

    def __init__(self, destination, *, format_date="DD/MM/YYYY"):
        self.destination = destination
        self.format_date = format_date
        self.feuilles = []

    def feuille(self, titre):
        feuille = FeuilleXlsx(titre)
        self.feuilles.append(feuille)
        return feuille

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for feuille in self.feuilles:
            feuille._fermer()

    def enregistrer(self):
        n = len(self.feuilles)
        feuilles = "".join(
            f'<sheet name="{_xml_attribut(f.titre)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, f in enumerate(self.feuilles, 1)
        )
        relations = "".join(
            f'<Relationship Id="rId{i}" Type="{ESPACE_RELATIONS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        surcharges = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{TYPES_XLSX}.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        parties = {
            "[Content_Types].xml": (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{TYPES_XLSX}.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{TYPES_XLSX}.styles+xml"/>{surcharges}</Types>'
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{ESPACE_PAQUET}"><Relationship Id="rId1" '
                f'Type="{ESPACE_RELATIONS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ),
            "xl/workbook.xml": (
                f'<workbook xmlns="{ESPACE_XLSX}" xmlns:r="{ESPACE_RELATIONS}"><bookViews>'
                f'<workbookView activeTab="0"/></bookViews><sheets>{feuilles}</sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{ESPACE_PAQUET}">{relations}<Relationship Id="rId{n + 1}" '
                f'Type="{ESPACE_RELATIONS}/styles" Target="styles.xml"/></Relationships>'
            ),
            # Two cell formats: 0 the default, 1 the dates.
            "xl/styles.xml": (
                f'<styleSheet xmlns="{ESPACE_XLSX}"><numFmts count="1"><numFmt numFmtId="164" '
                f'formatCode="{_xml_attribut(self.format_date)}"/></numFmts>'
                '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
                '<fills count="2"><fill><patternFill/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
            ),
        }
        with zipfile.ZipFile(
            self.destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_XLSX
        ) as paquet:
            for nom, contenu in parties.items():
                paquet.writestr(nom, EN_TETE_XML + contenu)
            for i, feuille in enumerate(self.feuilles, 1):
                feuille._ecrire(paquet, f"xl/worksheets/sheet{i}.xml")


# --- Export --------------------------------------------------------------------------------------

# What the export reads of a participant: its columns, and what ``selectors.faits_eligibilite`` and
# ``selectors.faits_parcours`` read (a missing one is an AttributeError, caught by the tests).
CHAMPS_EXPORT = (
    "pk",
    "identifiant",
    "nom",
    "prenom",
    "sexe",
    "date_naissance",
    "commune_id",
    "quartier_prioritaire_id",
    "niveau_formation_id",
    "date_entree",
    "referent_id",
    "consentement_date",
    "sans_activite_depuis",
    "minima_sociaux",
    *BOOLEENS_PARTICIPANTS,
)
LOT_EXPORT = 2000  # participants per batch (and per fetch of the server-side cursor)


class _Relation(tuple):
    """A relation read for a whole batch, as ``participant.situations.all()`` returns it."""

    def all(self):
        return self


class _ParticipantExporte(SimpleNamespace):
    """A participant as the export (and the selectors it calls) reads it: one row of
    ``CHAMPS_EXPORT`` plus its commune, level and référent (reference data read once) and its
    situations and decisions (read per batch). Model instances with their prefetches cost about
    twenty times more to build."""


def sortie_positive(participant, as_of, parametres=None):
    """The earliest positive exit the rules detect as of ``as_of`` (those awaiting the commission
    are not positive exits yet), or None. Uses the prefetched situations and decisions."""
    faits = selectors.faits_parcours(participant, as_of)
    detectees = [s for s in rules.sorties_positives(faits, parametres) if not s.attend_commission]
    return min(detectees, key=lambda s: s.date, default=None)  # already ordered by date then row


def ligne_export(participant, as_of, territoire, parametres=None):
    parametres = parametres or rules.Parametres.depuis_settings()
    # ``selectors.verdict_eligibilite``, with the parameters read once for the whole export.
    verdict = rules.eligibilite(
        selectors.faits_eligibilite(participant, participant.date_entree or as_of, territoire), parametres
    )
    # RULES §2: every positive exit stems from a recorded situation; without one there is none.
    sortie = sortie_positive(participant, as_of, parametres) if participant.situations.all() else None
    valeurs = {
        "identifiant": participant.identifiant,
        "nom": participant.nom,
        "prenom": participant.prenom,
        "sexe": participant.sexe,
        "date_naissance": ecrire_date(participant.date_naissance),
        "commune_insee": participant.commune.insee,
        "qpv": ecrire_booleen(participant.quartier_prioritaire_id),
        "niveau_formation": ecrire_niveau(participant.niveau_formation.code),
        "date_entree": ecrire_date(participant.date_entree),
        "referent": participant.referent.email if participant.referent_id else "",
        "sans_activite_depuis": ecrire_date(participant.sans_activite_depuis),
        "minima_sociaux": participant.minima_sociaux,
        **{nom: ecrire_booleen(getattr(participant, nom)) for nom in BOOLEENS_PARTICIPANTS},
        "eligible": ecrire_booleen(verdict.eligible),
        "criteres_manquants": "|".join(verdict.criteres_manquants),
        "sortie_positive": sortie.resultat if sortie else "",
        "date_sortie_positive": ecrire_date(sortie.date) if sortie else "",
    }
    return [valeurs[c] for c in (*COLONNES_PARTICIPANTS, *COLONNES_VERDICT)]


def lignes_situations(participant):
    for s in sorted(participant.situations.all(), key=lambda s: (s.debut, s.pk)):
        heures = s.heures_hebdo
        yield [
            participant.identifiant,
            s.type,
            ecrire_date(s.debut),
            ecrire_date(s.fin_prevue),
            ecrire_date(s.fin),
            float(heures) if heures is not None else None,
            ecrire_booleen(s.accord_temps_partiel),
            s.employeur,
            s.siret,
        ]


def _participants_a_exporter(queryset):
    """The participants of ``queryset`` by identifiant (``_ParticipantExporte``), read in batches of
    ``LOT_EXPORT``: the rows from a server-side cursor, then for each batch one query for their
    situations (in the model's order, as a prefetch gives them) and one for the commission's
    senior-ACI validations (the only decisions ``selectors.faits_parcours`` reads), both bounded by
    the batch's first and last identifiants (two parameters, where a list of keys takes thousands);
    the reference data (communes, levels, référents) read once into dicts."""
    communes = Commune.objects.in_bulk()
    niveaux = NiveauFormation.objects.in_bulk()
    referents = {}
    lignes = queryset.order_by("identifiant").values_list(*CHAMPS_EXPORT).iterator(chunk_size=LOT_EXPORT)
    while lot := list(itertools.islice(lignes, LOT_EXPORT)):
        du_lot = {"participant__in": queryset, "participant__identifiant__range": (lot[0][1], lot[-1][1])}
        situations = defaultdict(list)
        for situation in Situation.objects.filter(**du_lot):
            situations[situation.participant_id].append(situation)
        decisions = defaultdict(list)
        for decision in DecisionCommission.objects.filter(
            **du_lot, decision=DecisionCommissionType.VALIDATION_SENIOR_ACI
        ):
            decisions[decision.participant_id].append(decision)
        inconnus = {ligne[CHAMPS_EXPORT.index("referent_id")] for ligne in lot} - referents.keys() - {None}
        if inconnus:
            referents.update(User.objects.only("email").in_bulk(inconnus))
        for ligne in lot:
            participant = _ParticipantExporte(**dict(zip(CHAMPS_EXPORT, ligne, strict=True)))
            participant.commune = communes.get(participant.commune_id)
            participant.niveau_formation = niveaux.get(participant.niveau_formation_id)
            participant.referent = referents.get(participant.referent_id)
            participant.situations = _Relation(situations.get(participant.pk, ()))
            participant.decisions = _Relation(decisions.get(participant.pk, ()))
            yield participant


class _Territoire(selectors.Territoire):
    """``selectors.Territoire`` with its communes by key: one look-up a row instead of a scan."""

    def __init__(self):
        super().__init__()
        self._par_cle = {commune.pk: commune for commune in self._communes}

    def contient(self, commune_id, day):
        commune = self._par_cle.get(commune_id)
        return commune is not None and commune.est_valide_le(day)


def exporter(queryset, destination, *, as_of):
    """Write the workbook of ``queryset`` to ``destination`` (path or binary file); returns the number
    of participants. Constant memory: rows read in batches, sheets streamed to temporary files."""
    territoire = _Territoire()
    parametres = rules.Parametres.depuis_settings()
    nombre = 0
    with ClasseurXlsx(destination) as classeur:
        feuille_p = classeur.feuille(FEUILLE_PARTICIPANTS)
        feuille_s = classeur.feuille(FEUILLE_SITUATIONS)
        # The writer neutralises formula-like texts (``plie.tableur.neutraliser``).
        feuille_p.ajouter([*COLONNES_PARTICIPANTS, *COLONNES_VERDICT])
        feuille_s.ajouter(list(COLONNES_SITUATIONS))
        for participant in _participants_a_exporter(queryset):
            feuille_p.ajouter(ligne_export(participant, as_of, territoire, parametres))
            for ligne in lignes_situations(participant):
                feuille_s.ajouter(ligne)
            nombre += 1
        classeur.enregistrer()
    return nombre
