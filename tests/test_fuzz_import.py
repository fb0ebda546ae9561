"""Fuzzing of the two workbook imports: the participants workbook (``participants.classeur``) and
a partner's offers workbook (``offres.ingestion.classeur``), in .xlsx and .csv.

From a valid file of each kind, known attacks (zip bombs, billion laughs, XXE, cell bombs, files
that are not what their extension says…) and seeded random mutations (byte flips, truncations,
zip members removed or duplicated, XML of a member damaged, cell types and references changed…)
are read. Each input must be refused with a French message (``ClasseurRefuse``) or read; a
readable participants file is then imported: refused with every problem located, or imported,
never half-written. Each input is bounded in time; the known attacks also go through the real
upload pages (no 500, nothing stored). ``ENTREES_ESSAYEES`` is the number of bad inputs tried.
"""

import csv
import functools
import io
import random
import re
import struct
import time
import warnings
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import openpyxl.xml
import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from offres.enums import OriginePartenaire, TypeSource
from offres.ingestion import classeur as classeur_offres
from offres.models import Source
from participants import classeur as classeur_participants
from plie.roles import Role

GRAINE = 20261129
MUTATIONS_XLSX = 200  # per import
MUTATIONS_CSV = 60  # per import
SECONDES_MAX = 10.0  # per input, generous for a loaded CI machine (a valid one reads in ~20 ms)

# --- Valid files --------------------------------------------------------------------------------

PARTICIPANTS = [
    list(classeur_participants.COLONNES_PARTICIPANTS),
    [
        "F-1",
        "Durand",
        "Alice",
        "F",
        "15/03/1985",
        "21231",
        "non",
        "infra 3",
        "",
        "",
        "oui",
        "oui",
        "oui",
        "01/01/2020",
        "RSA",
        "non",
        "oui",
        "non",
        "non",
        "non",
    ],  # fmt: skip
    [
        "F-2",
        "Benali",
        "Karim",
        "M",
        "02/11/1970",
        "21231",
        "non",
        "4",
        "",
        "",
        "oui",
        "oui",
        "oui",
        "",
        "ASS",
        "oui",
        "non",
        "non",
        "non",
        "non",
    ],  # fmt: skip
    [
        "F-3",
        "Lefèvre",
        "Zoé",
        "F",
        "28/02/1999",
        "21231",
        "non",
        "3",
        "",
        "",
        "oui",
        "non",
        "non",
        "",
        "",
        "non",
        "non",
        "oui",
        "non",
        "non",
    ],  # fmt: skip
]
SITUATIONS = [
    list(classeur_participants.COLONNES_SITUATIONS),
    ["F-1", "CDD", "01/02/2024", "31/07/2024", "", 35, "non", "Boulangerie Martin", ""],
    ["F-2", "CDI", "01/03/2024", "", "", 20, "oui", "Net'Services", "12345678901234"],
]
OFFRES = [
    ["Réf.", "Intitulé du poste", "Entreprise", "Ville", "Contrat", "Heures hebdo", "Date de publication"],
    ["A-1", "Maçon VRD (H/F)", "Batipro", "Chenôve", "CDD 6 mois", 35, "20/11/2026"],
    ["A-2", "Préparateur de commandes", "Logi'Sud", "21800 Quetigny", "Intérim", "24h30", "21/11/2026"],
    ["A-3", "Agent de propreté", "Net'Services", "Beaune", "CDDI", "26", ""],
]


def _xlsx(feuilles):
    """A workbook of {title: rows}, as Excel writes it: texts in the shared strings table."""
    classeur = openpyxl.Workbook()
    classeur.remove(classeur.active)
    for titre, lignes in feuilles.items():
        feuille = classeur.create_sheet(titre)
        for ligne in lignes:
            feuille.append(ligne)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return en_chaines_partagees(sortie.getvalue())


def en_chaines_partagees(donnees):
    """openpyxl writes inline strings; Excel writes a shared strings table (``t="s"`` cells),
    whose index a damaged file may point anywhere: rewrite the workbook that way."""
    chaines = []
    motif = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S)

    def partager(m):
        chaines.append(m.group(3))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), len(chaines) - 1)

    parties = {}
    with zipfile.ZipFile(io.BytesIO(donnees)) as archive:
        for nom in archive.namelist():
            contenu = archive.read(nom)
            if nom.startswith("xl/worksheets/"):
                contenu = motif.sub(partager, contenu)
            parties[nom] = contenu
    table = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % chaine for chaine in chaines)
    parties["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="%d">%s</sst>' % (len(chaines), len(chaines), table)
    )
    parties["[Content_Types].xml"] = parties["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parties["xl/_rels/workbook.xml.rels"] = parties["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    return zipper(parties)


def zipper(parties, *, doublons=()):
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": the duplicates are the point
        for nom, contenu in [*parties.items(), *doublons]:
            info = zipfile.ZipInfo(nom, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contenu)
    return sortie.getvalue()


def parties_de(donnees):
    with zipfile.ZipFile(io.BytesIO(donnees)) as archive:
        return {nom: archive.read(nom) for nom in archive.namelist()}


def _csv(lignes):
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode()


def classeur_participants_valide():
    return _xlsx({"participants": PARTICIPANTS, "situations": SITUATIONS})


def classeur_offres_valide():
    return _xlsx({"Offres": OFFRES})


CSV_PARTICIPANTS = _csv(PARTICIPANTS)
CSV_OFFRES = _csv(OFFRES)
FEUILLE = "xl/worksheets/sheet1.xml"


# --- Known attacks ---------------------------------------------------------------------------

RIRES = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]>"
)
XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _sans_entete_xml(contenu):
    return contenu.split(b"?>", 1)[1] if contenu.startswith(b"<?xml") else contenu


def avec_entites(donnees, membre, prologue, entite):
    """``membre`` preceded by a DOCTYPE declaring entities, and one of them used in a text."""
    parties = parties_de(donnees)
    contenu = prologue + _sans_entete_xml(parties[membre])
    parties[membre] = re.sub(rb"<t( [^>]*)?>", lambda m: m.group(0) + b"&" + entite + b";", contenu, count=1)
    return zipper(parties)


def remplacer(donnees, membre, ancien, nouveau):
    parties = parties_de(donnees)
    assert ancien in parties[membre], (membre, ancien)
    parties[membre] = parties[membre].replace(ancien, nouveau, 1)
    return zipper(parties)


def taille_declaree_mensongere(donnees):
    """The sheet really inflates to 30 MB, while the zip's headers declare 1 000 bytes."""
    parties = parties_de(donnees)
    parties[FEUILLE] = parties[FEUILLE].replace(
        b"</worksheet>", b"<!--" + b" " * (60 * 1024 * 1024) + b"--></worksheet>"
    )
    brut = bytearray(zipper(parties))
    nom = FEUILLE.encode()
    for signature, decalage_taille, decalage_nom, entete in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        position = brut.find(signature)
        while position != -1:
            longueur = struct.unpack("<H", brut[position + decalage_nom : position + decalage_nom + 2])[0]
            if bytes(brut[position + entete : position + entete + longueur]) == nom:
                brut[position + decalage_taille : position + decalage_taille + 4] = struct.pack("<I", 1000)
            position = brut.find(signature, position + 4)
    return bytes(brut)


@functools.cache
def dix_mille_membres():
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as archive:
        for i in range(10_000):
            archive.writestr(f"xl/vide/{i}.xml", b"")
    return sortie.getvalue()


@functools.cache
def bombe_zip():
    """210 MB of zeros compressed into a few hundred KB (over the 200 MB decompressed limit)."""
    sortie = io.BytesIO()
    with (
        zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as membre,
    ):
        bloc = b"\0" * (1024 * 1024)
        for _ in range(210):
            membre.write(bloc)
    return sortie.getvalue()


def bombe_de_cellules(donnees, *, colonne="XFD", lignes=2000):
    """A few KB that place a cell at column XFD on each line (openpyxl fills the gaps)."""
    rangees = b"".join(
        b'<row r="%d"><c r="%s%d"><v>1</v></c></row>' % (i, colonne.encode(), i) for i in range(10, 10 + lignes)
    )
    return remplacer(donnees, FEUILLE, b"</sheetData>", rangees + b"</sheetData>")


def attaques(valide):
    """{name: (bytes, extension, words the refusal's message must hold)}; None: harmless, it may be
    read (then imported or checked) or refused."""
    parties = parties_de(valide)
    sans = {nom: {k: v for k, v in parties.items() if k != nom} for nom in ("[Content_Types].xml", FEUILLE)}
    return {
        "vide": (b"", ".xlsx", ()),
        "tronque": (valide[: len(valide) // 2], ".xlsx", ("endommagé",)),
        "csv_renomme": (CSV_PARTICIPANTS, ".xlsx", ("pas un classeur Excel",)),
        "pdf_renomme": (
            b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF",
            ".xlsx",
            ("pas un classeur Excel",),
        ),
        "html_renomme": (
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            ".xlsx",
            ("pas un classeur Excel",),
        ),
        "exe_renomme": (
            b"MZ\x90\x00\x03" + b"\x00" * 200 + b"This program cannot be run in DOS mode",
            ".xlsx",
            ("pas un classeur Excel",),
        ),
        "png_renomme": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, ".xlsx", ("pas un classeur Excel",)),
        "xlsx_renomme_csv": (valide, ".csv", ("pas un fichier texte",)),
        "exe_renomme_csv": (b"MZ\x90\x00\x03\x00\x00\x00", ".csv", ("pas un fichier texte",)),
        "zip_imbrique": (zipper({"classeur.xlsx": valide}), ".xlsx", ("pas un classeur Excel lisible",)),
        "feuille_zip_imbrique": (zipper({**parties, FEUILLE: valide}), ".xlsx", ("lisible",)),
        "dix_mille_membres": (dix_mille_membres(), ".xlsx", ("refusé",)),
        "bombe_zip": (bombe_zip(), ".xlsx", ("refusé",)),
        "taille_declaree_mensongere": (taille_declaree_mensongere(valide), ".xlsx", ("lisible",)),
        "sans_content_types": (zipper(sans["[Content_Types].xml"]), ".xlsx", ("lisible",)),
        "content_types_corrompu": (
            zipper({**parties, "[Content_Types].xml": b"<Types><Default"}),
            ".xlsx",
            ("lisible",),
        ),
        "sans_feuille": (zipper(sans[FEUILLE]), ".xlsx", None),
        "feuille_de_zero_octet": (zipper({**parties, FEUILLE: b""}), ".xlsx", ("lisible",)),
        "membre_en_double": (zipper(parties, doublons=[(FEUILLE, parties[FEUILLE])]), ".xlsx", None),
        "rires_feuille": (avec_entites(valide, FEUILLE, RIRES, b"lol9"), ".xlsx", ("entités",)),
        "rires_chaines": (avec_entites(valide, "xl/sharedStrings.xml", RIRES, b"lol9"), ".xlsx", ("entités",)),
        "xxe_feuille": (avec_entites(valide, FEUILLE, XXE, b"xxe"), ".xlsx", ("entités",)),
        "xxe_chaines": (avec_entites(valide, "xl/sharedStrings.xml", XXE, b"xxe"), ".xlsx", ("entités",)),
        "chaine_hors_table": (remplacer(valide, FEUILLE, b't="s"><v>1</v>', b't="s"><v>99999</v>'), ".xlsx", None),
        "chaine_negative": (remplacer(valide, FEUILLE, b't="s"><v>1</v>', b't="s"><v>-7</v>'), ".xlsx", None),
        "dimension_enorme": (
            remplacer(valide, FEUILLE, b"<dimension ref=", b'<dimension ref="A1:XFD1048576"/><x ref='),
            ".xlsx",
            None,
        ),
        "reference_invalide": (remplacer(valide, FEUILLE, b'r="A1"', b'r="ZZZZZZ1"'), ".xlsx", ("illisible",)),
        "bombe_de_cellules": (bombe_de_cellules(valide), ".xlsx", ("colonnes",)),
        "ligne_lointaine": (
            remplacer(
                valide, FEUILLE, b"</sheetData>", b'<row r="1048580"><c r="A1048580"><v>1</v></c></row></sheetData>'
            ),
            ".xlsx",
            ("ligne 1048576",),
        ),
        "csv_binaire": (b"identifiant;nom\x00\x01\x02\xff\xfe", ".csv", ("pas un fichier texte",)),
        "csv_latin1": ("identifiant;nom\r\nP-1;Lefèvre\r\n".encode("latin-1"), ".csv", None),
        "csv_guillemet_ouvert": (b'identifiant;nom\r\n"P-1;Durand\r\n', ".csv", None),
        "csv_ligne_enorme": (b"identifiant;nom\r\n" + b"A" * 300_000 + b";x\r\n", ".csv", None),
    }


ATTAQUES = attaques(classeur_participants_valide())
ATTAQUES_OFFRES = attaques(classeur_offres_valide())


# --- Seeded mutations ------------------------------------------------------------------------


def _octets_aleatoires(hasard, n):
    return bytes(hasard.randrange(256) for _ in range(n))


def _abimer(hasard, contenu):
    """One random damage to a byte string."""
    if not contenu:
        return _octets_aleatoires(hasard, hasard.randint(0, 8))
    choix = hasard.randrange(6)
    position = hasard.randrange(len(contenu))
    if choix == 0:  # flip a few bytes
        brut = bytearray(contenu)
        for _ in range(hasard.randint(1, 16)):
            brut[hasard.randrange(len(brut))] ^= 1 << hasard.randrange(8)
        return bytes(brut)
    if choix == 1:
        return contenu[:position]
    if choix == 2:
        return contenu[:position] + _octets_aleatoires(hasard, hasard.randint(1, 64)) + contenu[position:]
    if choix == 3:
        fin = min(len(contenu), position + hasard.randint(1, 200))
        return contenu[:position] + contenu[fin:]
    if choix == 4:  # repeat a slice
        fin = min(len(contenu), position + hasard.randint(1, 200))
        return contenu[:position] + contenu[position:fin] * hasard.randint(2, 50) + contenu[fin:]
    return (
        contenu[:position]
        + hasard.choice([b"\x00", b"<", b">", b"&", b"]]>", b'"', b"\xff\xfe", b"\r\n"])
        + contenu[position:]
    )


VALEURS_V = [b"-1", b"99999999", b"1e308", b"nan", b"abc", b"", b"1.5", b"-0", b"2958466", b"<x/>", b"&amp;", b"\xc3("]
TYPES_T = [b"s", b"n", b"b", b"e", b"str", b"inlineStr", b"d", b"zz", b""]
REFERENCES = [b"A0", b"XFD1", b"A1048577", b"AAAA1", b"1A", b"", b"a1", b"B-3", b"A99999999999"]
FORMULES = [
    b"<f>1+1</f>",
    b'<f>HYPERLINK("http://x")</f>',
    b'<f t="shared" ref="A1:A9" si="0"/>',
    b"<f>" + b"(" * 500 + b"</f>",
]


def _cibler_xml(hasard, contenu):
    """A change that keeps the XML well-formed but makes a cell say something unexpected."""
    choix = hasard.randrange(5)
    if choix == 0:
        cibles = list(re.finditer(rb"<v>[^<]*</v>", contenu))
        nouveau = b"<v>" + hasard.choice(VALEURS_V) + b"</v>"
    elif choix == 1:
        cibles = list(re.finditer(rb' t="[^"]*"', contenu))
        nouveau = b' t="' + hasard.choice(TYPES_T) + b'"'
    elif choix == 2:
        cibles = list(re.finditer(rb' r="[^"]*"', contenu))
        nouveau = b' r="' + hasard.choice(REFERENCES) + b'"'
    elif choix == 3:
        cibles = list(re.finditer(rb"<v>", contenu))
        nouveau = hasard.choice(FORMULES) + b"<v>"
    else:
        cibles = list(re.finditer(rb"<t[^>]*>[^<]*</t>", contenu))
        texte = hasard.choice(["=1+1", "+33 6", "@SUM(A1)", "\t=x", "é" * 5000, "\u202e\u0000", "-", "'=A1"])
        nouveau = b'<t xml:space="preserve">' + escape(texte).encode("utf-8", "surrogatepass") + b"</t>"
    if not cibles:
        return _abimer(hasard, contenu)
    m = hasard.choice(cibles)
    return contenu[: m.start()] + nouveau + contenu[m.end() :]


def muter_xlsx(hasard, valide):
    """One random mutation of a workbook: on the raw bytes, on its zip members, or inside one member."""
    choix = hasard.randrange(8)
    if choix == 0:
        return _abimer(hasard, valide)
    parties = parties_de(valide)
    noms = list(parties)
    nom = hasard.choice(noms)
    if choix == 1:
        del parties[nom]
        return zipper(parties)
    if choix == 2:
        return zipper(parties, doublons=[(nom, _abimer(hasard, parties[nom]))])
    if choix == 3:
        parties[nom] = _abimer(hasard, parties[nom])
        return zipper(parties)
    if choix in (4, 5, 6):
        cible = hasard.choice([FEUILLE, "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml"])
        cible = cible if cible in parties else FEUILLE
        for _ in range(hasard.randint(1, 4)):
            parties[cible] = _cibler_xml(hasard, parties[cible])
        return zipper(parties)
    parties[nom] = hasard.choice([RIRES, XXE]) + _sans_entete_xml(parties[nom])
    return zipper(parties)


def muter_csv(hasard, valide):
    texte = valide
    for _ in range(hasard.randint(1, 3)):
        choix = hasard.randrange(4)
        if choix == 0:
            texte = _abimer(hasard, texte)
        elif choix == 1:  # a formula or a control character in a random cell
            cellules = texte.split(b";")
            i = hasard.randrange(len(cellules))
            cellules[i] = (
                hasard.choice([b"=1+1", b'=HYPERLINK("http://x")', b"\x07", b"@x", b'"', b"\xe9"]) + cellules[i]
            )
            texte = b";".join(cellules)
        elif choix == 2:
            texte = texte.replace(b"\r\n", hasard.choice([b"\r", b"\n", b"\n\n", b"\r\r\n"]))
        else:
            texte = hasard.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"sep=;\r\n", b""]) + texte
    return texte


# --- Checks ------------------------------------------------------------------------------------


def compter(*labels):
    """Rows of every table of the given apps (nothing written ⇔ these do not change)."""
    return {
        modele._meta.label: modele.objects.count()
        for label in labels
        for modele in apps.get_app_config(label).get_models()
    }


def francais_et_precis(message):
    assert message and message[0].isupper(), message
    assert any(mot in message for mot in ("classeur", "fichier", "feuille", "Format")), message


def lire_participants(donnees, extension):
    """The reading, or None when refused; the message and the time checked."""
    debut = time.monotonic()
    try:
        return classeur_participants.lire_classeur(donnees, f"participants{extension}")
    except classeur_participants.ClasseurRefuse as exc:
        francais_et_precis(str(exc))
        return None
    finally:
        assert time.monotonic() - debut < SECONDES_MAX


def importer_sans_trace(lecture):
    """Import ``lecture``: refused with every problem located and nothing written, or imported
    (then rolled back, so that the next input starts from the same database)."""
    avant = compter("participants")
    try:
        with transaction.atomic():
            classeur_participants.importer(lecture)
            transaction.set_rollback(True)
    except classeur_participants.ClasseurInvalide as exc:
        assert exc.problemes
        for probleme in exc.problemes:
            assert probleme.feuille and probleme.message
            assert probleme.ligne is not None or probleme.colonne or probleme.feuille == lecture.nom, probleme
            assert str(probleme).startswith(probleme.feuille)
    assert compter("participants") == avant


def lire_offres(donnees, extension):
    debut = time.monotonic()
    try:
        entetes, lignes = classeur_offres.lire(donnees, f"offres{extension}")
    except classeur_offres.ClasseurRefuse as exc:
        francais_et_precis(str(exc))
        return None
    finally:
        assert time.monotonic() - debut < SECONDES_MAX
    return entetes, lignes


def verifier_offres(lecture):
    """The preview's check of every row (what the mapping page shows): French messages, nothing written."""
    entetes, lignes = lecture
    colonnes = classeur_offres.deviner_correspondance(entetes)
    if "intitule" not in colonnes:
        return
    avant = compter("offres")
    source = Source(nom="fuzz", libelle="Fuzz", type=TypeSource.CLASSEUR_PARTENAIRE)
    erreurs = classeur_offres.ConnecteurClasseur(
        source, lignes=lignes, nom_fichier="offres.xlsx", colonnes=colonnes
    ).verifier()
    for ligne, message in erreurs.items():
        assert isinstance(ligne, int) and message, (ligne, message)
    assert compter("offres") == avant


ENTREES_ESSAYEES = len(ATTAQUES) + len(ATTAQUES_OFFRES) + 2 * (MUTATIONS_XLSX + MUTATIONS_CSV)


def test_au_moins_cinq_cents_entrees_malveillantes():
    assert ENTREES_ESSAYEES >= 500
    print(f"bad inputs tried: {ENTREES_ESSAYEES}")


def test_openpyxl_lit_le_xml_par_defusedxml():
    # Without defusedxml, openpyxl (no lxml here) would parse with the stdlib: entities expanded.
    assert openpyxl.xml.DEFUSEDXML is True


def test_les_fichiers_de_depart_sont_valides(db):
    lecture = lire_participants(classeur_participants_valide(), ".xlsx")
    assert classeur_participants.valider(lecture).valide
    assert lire_participants(CSV_PARTICIPANTS, ".csv").feuilles["participants"].lignes
    assert len(lire_offres(classeur_offres_valide(), ".xlsx")[1]) == 3
    assert len(lire_offres(CSV_OFFRES, ".csv")[1]) == 3


# --- Known attacks, read directly -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("nom", list(ATTAQUES))
def test_attaque_participants(nom):
    donnees, extension, attendu = ATTAQUES[nom]
    debut = time.monotonic()
    try:
        lecture = classeur_participants.lire_classeur(donnees, f"participants{extension}")
    except classeur_participants.ClasseurRefuse as exc:
        francais_et_precis(str(exc))
        assert all(mot in str(exc) for mot in attendu or ()), str(exc)
    else:
        assert attendu is None, f"{nom} : lu alors qu'il devait être refusé"
        importer_sans_trace(lecture)
    assert time.monotonic() - debut < SECONDES_MAX


@pytest.mark.django_db
@pytest.mark.parametrize("nom", list(ATTAQUES_OFFRES))
def test_attaque_offres(nom):
    donnees, extension, attendu = ATTAQUES_OFFRES[nom]
    debut = time.monotonic()
    try:
        lecture = classeur_offres.lire(donnees, f"offres{extension}")
    except classeur_offres.ClasseurRefuse as exc:
        francais_et_precis(str(exc))
        assert all(mot in str(exc) for mot in attendu or ()), str(exc)
    else:
        assert attendu is None, f"{nom} : lu alors qu'il devait être refusé"
        verifier_offres(lecture)
    assert time.monotonic() - debut < SECONDES_MAX


def test_les_entites_xml_ne_sont_jamais_developpees():
    """The XXE target never shows up in what is read, whichever member declares it."""
    for valide, lire in (
        (classeur_participants_valide(), lambda d: classeur_participants.lire_classeur(d, "p.xlsx")),
        (classeur_offres_valide(), lambda d: classeur_offres.lire(d, "o.xlsx")),
    ):
        for membre in (FEUILLE, "xl/sharedStrings.xml", "xl/workbook.xml", "[Content_Types].xml"):
            parties = parties_de(valide)
            parties[membre] = XXE + _sans_entete_xml(parties[membre])
            with pytest.raises((classeur_participants.ClasseurRefuse, classeur_offres.ClasseurRefuse)) as exc:
                lire(zipper(parties))
            assert "root:" not in str(exc.value)


# --- Seeded mutations -------------------------------------------------------------------------


@pytest.mark.django_db
def test_mutations_du_classeur_des_participants():
    hasard = random.Random(GRAINE)
    valide = classeur_participants_valide()
    issues = {"refusés": 0, "lus": 0}
    for _ in range(MUTATIONS_XLSX):
        lecture = lire_participants(muter_xlsx(hasard, valide), ".xlsx")
        issues["lus" if lecture else "refusés"] += 1
        if lecture is not None:
            importer_sans_trace(lecture)
    print(f"participants .xlsx : {MUTATIONS_XLSX} mutations, {issues}")
    assert issues["refusés"] > MUTATIONS_XLSX // 4  # the mutations do damage the files


@pytest.mark.django_db
def test_mutations_du_csv_des_participants():
    hasard = random.Random(GRAINE + 1)
    for _ in range(MUTATIONS_CSV):
        lecture = lire_participants(muter_csv(hasard, CSV_PARTICIPANTS), ".csv")
        if lecture is not None:
            importer_sans_trace(lecture)


@pytest.mark.django_db
def test_mutations_du_classeur_d_offres():
    hasard = random.Random(GRAINE + 2)
    valide = classeur_offres_valide()
    refuses = 0
    for _ in range(MUTATIONS_XLSX):
        lecture = lire_offres(muter_xlsx(hasard, valide), ".xlsx")
        if lecture is None:
            refuses += 1
        else:
            verifier_offres(lecture)
    assert refuses > MUTATIONS_XLSX // 4


@pytest.mark.django_db
def test_mutations_du_csv_d_offres():
    hasard = random.Random(GRAINE + 3)
    for _ in range(MUTATIONS_CSV):
        lecture = lire_offres(muter_csv(hasard, CSV_OFFRES), ".csv")
        if lecture is not None:
            verifier_offres(lecture)


# --- Through the real upload pages --------------------------------------------------------------


@pytest.fixture
def stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def fichiers_stockes(stockage):
    return sorted(p for p in stockage.rglob("*") if p.is_file()) if stockage.exists() else []


@pytest.mark.django_db
def test_attaques_par_la_page_d_import_des_participants(client_as, stockage):
    client = client_as(Role.COORDINATRICE)
    avant = compter("participants")
    hasard = random.Random(GRAINE + 4)
    valide = classeur_participants_valide()
    entrees = [(nom, d, e) for nom, (d, e, attendu) in ATTAQUES.items() if attendu is not None]
    entrees += [(f"mutation {i}", muter_xlsx(hasard, valide), ".xlsx") for i in range(20)]
    for nom, donnees, extension in entrees:
        reponse = client.post(
            reverse("participants:import"), {"fichier": SimpleUploadedFile(f"participants{extension}", donnees)}
        )
        assert reponse.status_code == 200, nom
        if not nom.startswith("mutation"):
            page = reponse.content.decode()
            assert 'class="invalid-feedback' in page or "is-invalid" in page, nom
            assert fichiers_stockes(stockage) == [], nom
        client.session.pop("import_participants", None)
    assert compter("participants") == avant


@pytest.mark.django_db
def test_attaques_par_la_page_de_depot_du_classeur_d_offres(client_as, stockage):
    client = client_as(Role.CHARGE_MISSION)
    partenaire = Source.objects.create(
        nom="fuzz-interim",
        libelle="Intérim Fuzz",
        type=TypeSource.CLASSEUR_PARTENAIRE,
        parametres={"origine": OriginePartenaire.INTERIM},
    )
    avant = compter("offres")
    hasard = random.Random(GRAINE + 5)
    valide = classeur_offres_valide()
    entrees = [(nom, d, e) for nom, (d, e, attendu) in ATTAQUES_OFFRES.items() if attendu is not None]
    entrees += [(f"mutation {i}", muter_xlsx(hasard, valide), ".xlsx") for i in range(20)]
    for nom, donnees, extension in entrees:
        reponse = client.post(
            reverse("offres:classeur_depot"),
            {"fichier": SimpleUploadedFile(f"offres{extension}", donnees), "source": partenaire.pk},
        )
        if reponse.status_code == 302:  # a harmless mutation: the mapping page reads it again
            assert nom.startswith("mutation"), nom
            assert client.get(reverse("offres:classeur_colonnes")).status_code == 200, nom
            client.post(reverse("offres:classeur_colonnes"), {"abandonner": "1"})
            continue
        assert reponse.status_code == 200, nom
        assert "is-invalid" in reponse.content.decode() or "invalid-feedback" in reponse.content.decode(), nom
        assert fichiers_stockes(stockage) == [], nom
    assert compter("offres") == avant
