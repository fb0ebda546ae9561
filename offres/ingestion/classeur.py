"""Partner workbooks of job offers (XLSX or CSV): read the file, guess which column holds which
PLIE field, and the connector that turns each row into an offer draft for the ingestion run.

Temp agencies and IAE structures send their offers as spreadsheets whose columns differ from one
partner to the next. The chargé(e) de mission uploads one (``views/classeur_partenaire.py``),
checks the column mapping (pre-filled from the partner's last upload, else guessed from the
headers) and the ordinary run (``run.ingerer``) reads the rows through ``ConnecteurClasseur``:
raw payloads, dedup and counts are those of any source. A row without a reference is identified
by a hash of what makes the offer (employer, title, place, contract), so that the same workbook
uploaded twice creates nothing new.

A partner source has no nightly fetch (``planifiable = False``): it is read only by an upload, and
its runs never expire the offers missing from the next workbook (no complete window).
"""

import contextlib
import csv
import hashlib
import io
import itertools
import os
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from plie.models import Commune

from ..enums import TypeSource
from ..models import Source
from .base import (
    BrouillonOffre,
    Connecteur,
    ErreurConfiguration,
    enregistrer,
    normaliser_texte,
    sans_accents,
)

EXTENSIONS = (".xlsx", ".csv")
TAILLE_PAGE = 500
CLE_LIGNE = "_ligne"  # the line number, as the spreadsheet shows it, added to each row
ZIP_MEMBRES_MAX = 1000
ZIP_TAILLE_DECOMPRESSEE_MAX = 200 * 1024 * 1024
# A few bytes of XML can place a cell at column XFD or a row at line 10^9, which openpyxl fills
# with empty cells (a "cell bomb"): wider rows and later lines are refused.
COLONNES_MAX = 100
LIGNES_XLSX_MAX = 1_048_576  # Excel's own last line
CONTRATS_ATTENDUS = (
    "CDI, CDD, intérim, CDI intérimaire, CTTI, CDDI, apprentissage, professionnalisation, PEC, CUI-CIE ou saisonnier"
)
HEURES_MIN, HEURES_MAX = Decimal("1"), Decimal("48")  # as the qualification form accepts them
DUREE_MAX_MOIS = 120
POSTES_MAX = 999


class ClasseurRefuse(ValueError):
    """The file as a whole cannot be read: wrong format, damaged, no headers, too many rows."""


class _Illisible(ValueError):
    """One cell cannot be read; the connector adds the line and the column."""


# --- The PLIE fields a column can hold ---------------------------------------------------------


@dataclass(frozen=True)
class Champ:
    cle: str
    libelle: str
    noms: tuple[str, ...]  # usual header names, normalised (``normaliser_texte``), the preferred first
    aide: str = ""
    requis: bool = False


CHAMPS = (
    Champ(
        "reference",
        "Référence de l'offre",
        (
            "reference",
            "ref",
            "reference offre",
            "reference de l offre",
            "n offre",
            "n d offre",
            "numero offre",
            "numero d offre",
            "numero de l offre",
            "code offre",
            "identifiant",
            "id",
            "numero",
        ),
        aide="Sans référence, une offre est reconnue par son employeur, son intitulé, sa commune et son contrat.",
    ),
    Champ(
        "intitule",
        "Intitulé du poste",
        (
            "intitule",
            "intitule du poste",
            "intitule poste",
            "intitule de l offre",
            "intitule offre",
            "poste",
            "libelle",
            "libelle du poste",
            "libelle poste",
            "titre",
            "titre du poste",
            "titre de l offre",
            "metier",
            "emploi",
            "fonction",
            "offre",
        ),
        requis=True,
    ),
    Champ(
        "description",
        "Description",
        (
            "description",
            "description du poste",
            "descriptif",
            "descriptif du poste",
            "missions",
            "mission",
            "details",
            "detail",
            "profil",
            "profil recherche",
            "commentaires",
            "commentaire",
        ),
    ),
    Champ(
        "employeur",
        "Employeur",
        (
            "employeur",
            "entreprise",
            "entreprise utilisatrice",
            "client",
            "societe",
            "raison sociale",
            "nom de l entreprise",
            "nom entreprise",
            "structure",
            "etablissement",
        ),
    ),
    Champ("siret", "SIRET", ("siret", "n siret", "numero siret", "siret employeur", "siret entreprise")),
    Champ(
        "commune",
        "Commune",
        (
            "commune",
            "ville",
            "lieu de travail",
            "lieu",
            "localisation",
            "lieu de mission",
            "commune de travail",
            "code postal",
            "cp",
            "code insee",
            "insee",
        ),
        aide="Nom, code postal ou code INSEE ; hors du territoire, le texte est gardé comme lieu de travail.",
    ),
    Champ(
        "type_contrat",
        "Type de contrat",
        ("type de contrat", "type contrat", "contrat", "nature du contrat", "nature contrat", "type"),
        aide=f"{CONTRATS_ATTENDUS[0].upper()}{CONTRATS_ATTENDUS[1:]}.",
    ),
    Champ(
        "duree_mois",
        "Durée (mois)",
        (
            "duree",
            "duree mois",
            "duree en mois",
            "duree du contrat",
            "duree contrat",
            "duree de la mission",
            "duree mission",
        ),
    ),
    Champ(
        "heures_hebdo",
        "Heures hebdomadaires",
        (
            "heures hebdomadaires",
            "heures hebdo",
            "heures par semaine",
            "nombre d heures",
            "nb d heures",
            "nb heures",
            "heures",
            "duree hebdomadaire",
            "duree hebdo",
            "temps de travail",
            "volume horaire",
            "temps hebdomadaire",
        ),
    ),
    Champ("horaires", "Horaires", ("horaires", "horaire", "horaires de travail", "planning", "amplitude horaire")),
    Champ(
        "salaire",
        "Salaire",
        ("salaire", "remuneration", "salaire brut", "salaire mensuel", "salaire horaire", "taux horaire"),
    ),
    Champ("code_rome", "Code ROME", ("code rome", "rome", "code metier")),
    Champ(
        "nb_postes",
        "Nombre de postes",
        (
            "nombre de postes",
            "nombre de poste",
            "nb postes",
            "nb de postes",
            "postes a pourvoir",
            "postes",
            "nombre",
            "quantite",
        ),
    ),
    Champ(
        "date_publication",
        "Date de publication",
        (
            "date de publication",
            "date publication",
            "publication",
            "publie le",
            "publiee le",
            "date",
            "date de l offre",
            "date offre",
            "date de diffusion",
            "date de creation",
            "date creation",
        ),
        aide="Vide : la date du dépôt.",
    ),
    Champ(
        "lien",
        "Lien vers l'offre",
        ("lien", "url", "lien offre", "lien vers l offre", "lien de l offre", "lien annonce", "adresse web", "site"),
    ),
)
CHAMPS_PAR_CLE = {champ.cle: champ for champ in CHAMPS}
# Names too vague to be read as the start of a longer header ("Date de début" is no publication date).
AMBIGUS = frozenset({"date", "duree", "nombre", "type", "offre", "id", "numero", "detail", "site", "publication"})


def deviner_correspondance(entetes) -> dict[str, str]:
    """Guess {field: header} from the usual header names: exact names first (in each field's order
    of preference), then headers that start with a distinctive name (the longest name wins)."""
    normalises = {entete: normaliser_texte(entete) for entete in entetes if entete}
    correspondance, prises = {}, set()
    for champ in CHAMPS:
        for nom in champ.noms:
            entete = next((e for e, n in normalises.items() if n == nom and e not in prises), None)
            if entete is not None:
                correspondance[champ.cle] = entete
                prises.add(entete)
                break
    for entete, normalise in normalises.items():
        if entete in prises:
            continue
        candidats = [
            (len(nom), champ.cle)
            for champ in CHAMPS
            if champ.cle not in correspondance
            for nom in champ.noms
            if nom not in AMBIGUS and normalise.startswith(nom + " ")
        ]
        if candidats:
            correspondance[max(candidats)[1]] = entete
            prises.add(entete)
    return correspondance


def correspondance_initiale(entetes, enregistree) -> dict[str, str]:
    """The mapping shown on an upload: the partner's saved one for the headers still present, the
    guess for the rest (so that reordered or added columns do not lose it)."""
    presentes = set(entetes)
    initiale = {
        cle: entete for cle, entete in (enregistree or {}).items() if cle in CHAMPS_PAR_CLE and entete in presentes
    }
    prises = set(initiale.values())
    for cle, entete in deviner_correspondance([e for e in entetes if e not in prises]).items():
        initiale.setdefault(cle, entete)
    return initiale


# --- Reading the file --------------------------------------------------------------------------


def _valeur(valeur):
    """A cell as a JSON value (the raw payload is stored as JSON): dates as ISO text, decimals as text."""
    if valeur is None:
        return ""
    if isinstance(valeur, str):
        return valeur.strip()
    if isinstance(valeur, bool | int):
        return valeur
    if isinstance(valeur, float):
        return int(valeur) if valeur.is_integer() else valeur
    if isinstance(valeur, datetime):
        return valeur.date().isoformat() if valeur.time() == time(0) else valeur.isoformat()
    if isinstance(valeur, date | time):
        return valeur.isoformat()
    return str(valeur).strip()


def _vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


def lire(fichier_bytes, nom):
    """Read the first sheet of a ``.xlsx`` workbook or a ``.csv`` file: ``(entetes, lignes)``, the
    first non-empty row being the headers and each following non-empty row a dict {header: value}
    plus ``"_ligne"``. Raises ``ClasseurRefuse`` with a French message when it cannot be read."""
    extension = os.path.splitext(str(nom))[1].lower()
    if extension not in EXTENSIONS:
        raise ClasseurRefuse(
            f"Format non pris en charge « {extension or 'sans extension'} » : déposez un classeur .xlsx ou un "
            "fichier .csv (un ancien classeur .xls s'enregistre en .xlsx depuis le tableur)."
        )
    maximum = settings.PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX
    if len(fichier_bytes) > maximum:
        raise ClasseurRefuse(
            f"Le fichier dépasse la taille maximale autorisée ({maximum / (1024 * 1024):.0f} Mo) : découpez-le."
        )
    if not fichier_bytes:
        raise ClasseurRefuse("Le fichier est vide.")
    rangees = _rangees_xlsx(fichier_bytes) if extension == ".xlsx" else _rangees_csv(fichier_bytes)
    with contextlib.closing(rangees):  # a file past the row limit is not read further
        return _tableau(rangees)


def _tableau(rangees):
    """Headers and rows from ``(line number, values)``, stopping past the allowed number of rows."""
    maximum = settings.PLIE_CLASSEUR_PARTENAIRE_LIGNES_MAX
    entetes, lignes = None, []
    for numero, valeurs in rangees:
        if all(_vide(v) for v in valeurs):
            continue
        if entetes is None:
            entetes = [str(_valeur(v)) for v in valeurs]
            while entetes and not entetes[-1]:
                entetes.pop()
            _controler_entetes(entetes)
            continue
        if len(lignes) == maximum:
            raise ClasseurRefuse(
                f"Le fichier contient plus de {maximum} lignes d'offres : découpez-le en plusieurs fichiers."
            )
        ligne = {entete: _valeur(v) for entete, v in zip(entetes, valeurs, strict=False) if entete}
        ligne[CLE_LIGNE] = numero
        lignes.append(ligne)
    if entetes is None:
        raise ClasseurRefuse("Le fichier ne contient aucune ligne d'en-têtes (la première ligne remplie).")
    if not lignes:
        raise ClasseurRefuse("Le fichier ne contient aucune offre sous sa ligne d'en-têtes.")
    return entetes, lignes


def _controler_entetes(entetes):
    vus = {}
    for entete in entetes:
        if entete == CLE_LIGNE:
            raise ClasseurRefuse(f"L'en-tête « {CLE_LIGNE} » est réservé : renommez cette colonne.")
        if not entete:
            continue
        cle = " ".join(entete.casefold().split())  # the rows are keyed by header: two alike would clash
        if cle in vus:
            raise ClasseurRefuse(
                f"Deux colonnes portent le même en-tête « {vus[cle]} » et « {entete} » : renommez l'une d'elles."
            )
        vus[cle] = entete


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
    if len(membres) > ZIP_MEMBRES_MAX or sum(m.file_size for m in membres) > ZIP_TAILLE_DECOMPRESSEE_MAX:
        raise ClasseurRefuse("Le classeur .xlsx est anormalement volumineux une fois décompressé : il est refusé.")


def _rangees_xlsx(donnees):
    """``(line number, values)`` of the first sheet, streamed."""
    import openpyxl

    _controler_zip(donnees)
    try:
        # Cached values rather than formulas: what the partner sees in the cells.
        classeur = openpyxl.load_workbook(io.BytesIO(donnees), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        raise ClasseurRefuse(_message_illisible(exc, "Le fichier .xlsx n'est pas un classeur Excel lisible.")) from exc
    try:
        if not classeur.worksheets:
            raise ClasseurRefuse("Le classeur ne contient aucune feuille.")
        feuille = classeur.worksheets[0]
        feuille.reset_dimensions()  # do not trust the dimension some tools write
        rangees = enumerate(feuille.iter_rows(values_only=True), start=1)
        while True:
            try:
                rangee = next(rangees)
            except StopIteration:
                return
            except Exception as exc:  # a damaged sheet fails only when its rows are parsed
                raise ClasseurRefuse(
                    _message_illisible(exc, "La première feuille du classeur .xlsx est illisible.")
                ) from exc
            numero, valeurs = rangee
            if numero > LIGNES_XLSX_MAX:
                raise ClasseurRefuse(
                    f"La première feuille dépasse la ligne {LIGNES_XLSX_MAX} : le classeur est refusé."
                )
            if len(valeurs) > COLONNES_MAX:
                raise ClasseurRefuse(
                    f"La première feuille, ligne {numero}, a {len(valeurs)} colonnes (au plus {COLONNES_MAX}) : "
                    "supprimez les colonnes en trop."
                )
            yield rangee
    finally:
        classeur.close()


def _message_illisible(exc, message):
    """``message``, or a precise one when the XML declares entities (``defusedxml`` forbids them:
    entity expansion and external entities, XXE, are never processed)."""
    from defusedxml import DefusedXmlException

    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return "Le classeur .xlsx contient des déclarations XML interdites (entités) : il est refusé."
        exc = exc.__cause__ or exc.__context__
    return message


def _rangees_csv(donnees):
    """``(line number, values)`` of the file, streamed."""
    if donnees.startswith(b"PK\x03\x04") or b"\x00" in donnees[:4096]:
        raise ClasseurRefuse(
            "Le fichier n'est pas un fichier texte .csv, malgré son extension (c'est peut-être un classeur "
            "Excel : renommez-le en .xlsx)."
        )
    try:
        texte = donnees.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # what Excel writes for « CSV (séparateur : point-virgule) » on a French Windows
            texte = donnees.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ClasseurRefuse(
                "L'encodage du fichier .csv n'est pas reconnu (enregistrez-le en « CSV UTF-8 » depuis le tableur)."
            ) from exc
    premiere = next((ligne for ligne in texte.splitlines() if ligne.strip()), "")
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(texte, newline=""), delimiter=separateur), start=1)
    except csv.Error as exc:
        raise ClasseurRefuse(f"Le fichier .csv est illisible : {exc}.") from exc


# --- Reading one cell --------------------------------------------------------------------------


def _texte(valeur):
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur).strip()


def afficher(valeur):
    """A cell as the preview shows it (ISO dates of date cells in the French way)."""
    texte = _texte(valeur)
    if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", texte):
        return f"{m[3]}/{m[2]}/{m[1]}"
    return texte


def _date(valeur):
    if isinstance(valeur, int | float) and not isinstance(valeur, bool):
        # A date typed in a cell without a date format is an Excel serial number (days since 1900).
        if 36526 <= valeur < 73051 and float(valeur).is_integer():  # 2000-01-01 … 2099-12-31
            from openpyxl.utils.datetime import from_excel

            return from_excel(valeur).date()
        raise _Illisible(f"date illisible « {_texte(valeur)} » (attendu JJ/MM/AAAA)")
    texte = _texte(valeur)
    heure = r"(?:[T ]\d{1,2}[:h]\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    if m := re.fullmatch(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){heure}", texte):
        annee, mois, jour = (int(x) for x in m.groups())
    elif m := re.fullmatch(rf"(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}}|\d{{2}}){heure}", texte):
        jour, mois, annee = (int(x) for x in m.groups())
        annee += 2000 if annee < 100 else 0
    else:
        raise _Illisible(f"date illisible « {texte} » (attendu JJ/MM/AAAA)")
    try:
        resultat = date(annee, mois, jour)
    except ValueError:
        raise _Illisible(f"date illisible « {texte} » (attendu JJ/MM/AAAA)") from None
    if not 2000 <= resultat.year <= 2100:
        raise _Illisible(f"date improbable « {texte} »")
    return resultat


def _heures(valeur):
    """``35``, ``24,5``, ``35h``, ``24 h 30``, ``35 heures par semaine`` → hours a week (1 to 48)."""
    texte = sans_accents(_texte(valeur))
    m = re.fullmatch(
        r"(\d{1,3}(?:[.,]\d{1,2})?)(?:\s*(?:h|heures?)\s*(\d{2})?)?\s*(?:(?:/|par)\s*(?:semaine|sem)|hebdo(?:madaires?)?)?",
        texte,
    )
    if not m or (m[2] and not re.fullmatch(r"\d+", m[1])):
        raise _Illisible(f"heures hebdomadaires illisibles « {_texte(valeur)} » (attendu un nombre, ex. 35 ou 24,5)")
    heures = Decimal(m[1].replace(",", ".")) + Decimal(int(m[2] or 0)) / 60
    if not HEURES_MIN <= heures <= HEURES_MAX:
        raise _Illisible(f"heures hebdomadaires hors limites « {_texte(valeur)} » (de 1 à 48)")
    return heures.quantize(Decimal("0.1"))


def _entier(valeur, *, unites, quoi, maximum):
    texte = sans_accents(_texte(valeur))
    m = re.fullmatch(rf"(\d+)(?:[.,]0+)?\s*(?:{unites})?", texte)
    if not m:
        raise _Illisible(f"{quoi} illisible « {_texte(valeur)} » (attendu un nombre entier)")
    nombre = int(m[1])
    if not 1 <= nombre <= maximum:
        raise _Illisible(f"{quoi} hors limites « {_texte(valeur)} » (de 1 à {maximum})")
    return nombre


def _siret(valeur):
    texte = re.sub(r"[\s.]", "", _texte(valeur))
    if not re.fullmatch(r"\d{14}", texte):
        raise _Illisible(f"SIRET invalide « {_texte(valeur)} » (14 chiffres attendus)")
    return texte


def _code_rome(valeur):
    texte = _texte(valeur).upper()
    if not re.fullmatch(r"[A-N]\d{4}", texte):
        raise _Illisible(f"code ROME invalide « {_texte(valeur)} » (une lettre et quatre chiffres, ex. K2204)")
    return texte


_URL = URLValidator(schemes=["http", "https"])


def _lien(valeur):
    texte = _texte(valeur)
    if texte.lower().startswith("www."):
        texte = f"https://{texte}"
    try:
        _URL(texte)
    except ValidationError:
        raise _Illisible(f"lien invalide « {_texte(valeur)} » (attendu une adresse http:// ou https://)") from None
    if len(texte) > 500:
        raise _Illisible("lien trop long (500 caractères au plus)")
    return texte


# Partners' contract wordings → (France Travail typeContrat, natureContrat): the codes the run's
# ``Referentiels`` maps to the PLIE's contract types (plie/data/types_contrat.json), the nature
# winning over the type. First match wins, so the more specific wordings come first.
CONTRATS = (
    (("cdi interimaire", "cdi interim", "cdi i", "cdii", "din"), ("DIN", "")),
    (("ctti", "travail temporaire d insertion", "etti", "tti"), ("TTI", "")),
    (("cui cie", "cie"), ("", "FU")),
    (("pec", "parcours emploi competences", "cui cae", "cae", "cui", "contrat aide"), ("", "FT")),
    (("cddi", "insertion", "ddi"), ("DDI", "I1")),
    (("apprentissage", "apprenti", "apprentie"), ("", "E2")),
    (("professionnalisation", "contrat pro", "contrat de pro"), ("", "FS")),
    (("interim", "interimaire", "mission", "ctt", "travail temporaire", "temporaire", "mis"), ("MIS", "")),
    (("saisonnier", "saisonniere", "saison", "sai"), ("SAI", "")),
    (("cdi",), ("CDI", "")),
    (("cdd",), ("CDD", "")),
)


def _contrat(valeur):
    mots = f" {normaliser_texte(_texte(valeur))} "
    for expressions, codes in CONTRATS:
        if any(f" {expression} " in mots for expression in expressions):
            return codes
    raise _Illisible(f"type de contrat inconnu « {_texte(valeur)} » (attendu {CONTRATS_ATTENDUS})")


def _nom_commune(texte):
    mots = normaliser_texte(re.sub(r"\d+", " ", texte)).split()
    remplacements = {"st": "saint", "ste": "sainte"}
    return " ".join(remplacements.get(mot, mot) for mot in mots if mot != "cedex")


class _Communes:
    """The territory's communes by name, postal code and INSEE code (read once per connector)."""

    def __init__(self):
        self.par_insee, self.par_nom, postaux = set(), {}, defaultdict(set)
        for commune in Commune.objects.filter(valide_au__isnull=True).order_by("nom"):
            self.par_insee.add(commune.insee)
            self.par_nom.setdefault(_nom_commune(commune.nom), commune.insee)
            for code in filter(None, (c.strip() for c in commune.codes_postaux.split(","))):
                postaux[code].add(commune.insee)
        # A postal code shared by several communes says nothing: the name has to.
        self.par_code_postal = {code: insees.pop() for code, insees in postaux.items() if len(insees) == 1}

    def insee(self, texte):
        """The INSEE code of the commune the text names, or "". A bare code is read as a postal code
        first (what partners write), then as an INSEE code."""
        if nom := self.par_nom.get(_nom_commune(texte)):
            return nom
        for code in re.findall(r"(?<!\d)\d{5}(?!\d)", texte):
            if code in self.par_code_postal:
                return self.par_code_postal[code]
            if code in self.par_insee:
                return code
        return ""


# --- The connector -----------------------------------------------------------------------------


@enregistrer(TypeSource.CLASSEUR_PARTENAIRE)
class ConnecteurClasseur(Connecteur):
    """The rows of one uploaded workbook, read with the partner's column mapping
    (``colonnes``, else ``source.parametres["colonnes"]``: {field: header})."""

    planifiable = False

    def __init__(self, source, *, lignes=None, nom_fichier="", colonnes=None, maintenant=None, dormir=None):
        if lignes is None:
            raise ErreurConfiguration(
                f"La source « {source.nom} » se lit par dépôt d'un classeur, pas par une exécution planifiée."
            )
        super().__init__(source, maintenant=maintenant, dormir=dormir)
        if colonnes is None:
            colonnes = (source.parametres or {}).get("colonnes") or {}
        self.colonnes = {cle: entete for cle, entete in colonnes.items() if cle in CHAMPS_PAR_CLE and entete}
        if "intitule" not in self.colonnes:
            raise ErreurConfiguration(
                f"Aucune colonne du classeur n'est associée à l'intitulé du poste pour la source « {source.nom} »."
            )
        self.lignes = lignes
        self.nom_fichier = nom_fichier
        self._communes = None

    def pages(self, depuis):
        # A workbook is read in full at each upload: ``depuis`` (the last run) does not apply.
        for debut in range(0, len(self.lignes), TAILLE_PAGE):
            yield self.lignes[debut : debut + TAILLE_PAGE]

    def _cellule(self, brut, cle):
        entete = self.colonnes.get(cle)
        return brut.get(entete, "") if entete else ""

    def identifiant(self, brut):
        reference = _texte(self._cellule(brut, "reference"))
        if reference:
            # A reference longer than the stored identifier is hashed rather than cut (no collisions).
            return reference if len(reference) <= 100 else hashlib.sha1(reference.encode()).hexdigest()
        cle = "|".join(
            normaliser_texte(_texte(self._cellule(brut, champ)))
            for champ in ("employeur", "intitule", "commune", "type_contrat")
        )
        return hashlib.sha1(cle.encode()).hexdigest()

    def normaliser(self, brut):
        problemes, valeurs = [], {}
        champ_par_entete = {entete: cle for cle, entete in self.colonnes.items()}
        # In the file's column order (a row keeps its headers' order), as the person reads the line.
        for cle in [champ_par_entete[entete] for entete in brut if entete in champ_par_entete]:
            cellule = self._cellule(brut, cle)
            if _vide(cellule) or cle not in LECTEURS:
                continue
            try:
                valeurs[cle] = LECTEURS[cle](cellule)
            except _Illisible as exc:
                problemes.append(f"colonne « {self.colonnes[cle]} » : {exc}")
        intitule = _texte(self._cellule(brut, "intitule"))
        if not intitule:
            problemes.insert(0, f"colonne « {self.colonnes['intitule']} » : intitulé absent")
        if problemes:
            raise ValueError(f"Ligne {brut.get(CLE_LIGNE, '?')}, {' ; '.join(problemes)}.")
        texte_contrat = _texte(self._cellule(brut, "type_contrat"))
        type_code, nature_code = valeurs.get("type_contrat", ("", ""))
        duree = valeurs.get("duree_mois")
        if duree is None and (m := re.search(r"(\d{1,3})\s*mois", texte_contrat, re.IGNORECASE)):
            duree = int(m[1]) if 1 <= int(m[1]) <= DUREE_MAX_MOIS else None  # "CDD 6 mois"
        lieu = _texte(self._cellule(brut, "commune"))
        insee = self.communes().insee(lieu) if lieu else ""
        return BrouillonOffre(
            identifiant_externe=self.identifiant(brut),
            intitule=intitule,
            date_publication=valeurs.get("date_publication") or timezone.localdate(self.maintenant),
            description=_texte(self._cellule(brut, "description")),
            url=valeurs.get("lien", ""),
            employeur=_texte(self._cellule(brut, "employeur")),
            siret=valeurs.get("siret", ""),
            code_commune_insee=insee,
            lieu_travail="" if insee else lieu,
            code_rome=valeurs.get("code_rome", ""),
            type_contrat_code=type_code,
            nature_contrat_code=nature_code,
            duree_mois=duree,
            heures_hebdo=valeurs.get("heures_hebdo"),
            horaires=_texte(self._cellule(brut, "horaires")),
            salaire=_texte(self._cellule(brut, "salaire")),
            nb_postes=valeurs.get("nb_postes", 1),
            extras={"ligne": brut.get(CLE_LIGNE), "fichier": self.nom_fichier},
        )

    def communes(self):
        if self._communes is None:
            self._communes = _Communes()
        return self._communes

    def parametres_execution(self):
        return {**dict(self.source.parametres or {}), "fichier": self.nom_fichier, "lignes": len(self.lignes)}

    def verifier(self):
        """{line number: French message} of every row the run would record as an error (nothing is
        written), for the preview before the import."""
        erreurs = {}
        for brut in self.lignes:
            try:
                self.normaliser(brut)
            except ValueError as exc:
                erreurs[brut.get(CLE_LIGNE)] = str(exc)
        return erreurs


LECTEURS = {
    "date_publication": _date,
    "heures_hebdo": _heures,
    "duree_mois": lambda v: _entier(v, unites="mois", quoi="durée", maximum=DUREE_MAX_MOIS),
    "nb_postes": lambda v: _entier(v, unites="postes?", quoi="nombre de postes", maximum=POSTES_MAX),
    "siret": _siret,
    "code_rome": _code_rome,
    "lien": _lien,
    "type_contrat": _contrat,
}


# --- Services used by the upload pages ---------------------------------------------------------


def source_partenaire_creer(*, libelle, origine) -> Source:
    """A new partner-workbook source; its ``nom`` is the slug of the label, made unique."""
    base = slugify(libelle)[:50].strip("-") or "partenaire"
    for numero in itertools.count(1):
        nom = base if numero == 1 else f"{base}-{numero}"
        if Source.objects.filter(nom=nom).exists():
            continue
        try:
            with transaction.atomic():
                return Source.objects.create(
                    nom=nom, libelle=libelle, type=TypeSource.CLASSEUR_PARTENAIRE, parametres={"origine": origine}
                )
        except IntegrityError:  # taken meanwhile by another upload: try the next suffix
            continue


def classeur_importer(*, source, lignes, nom_fichier, colonnes, maintenant=None):
    """Save the partner's column mapping (its next upload is pre-filled with it), then run the
    ingestion of the rows; return the recorded run. Raises ``ErreurConfiguration`` when no run
    can start (another one of this source is going on)."""
    from .run import ingerer

    maintenant = maintenant or timezone.now()
    colonnes = {cle: entete for cle, entete in colonnes.items() if entete}
    source.parametres = {**(source.parametres or {}), "colonnes": colonnes}
    source.save(update_fields=["parametres"])
    connecteur = ConnecteurClasseur(
        source, lignes=lignes, nom_fichier=nom_fichier, colonnes=colonnes, maintenant=maintenant
    )
    return ingerer(source, connecteur=connecteur, maintenant=maintenant)
