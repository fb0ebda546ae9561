"""Every upload form of the app, through its real view, with oversized and malicious files: the
participants workbook import, a partner's offers workbook, the scanned signed attendance sheet.

For each: a file of exactly the size limit passes the size check and one byte more is refused;
a file whose content is not what its extension says (a PNG or an HTML page renamed, an
executable), and a zip bomb, are refused with a French message; nothing is written, nothing stored.
"""

import io
import struct
import zipfile

import pytest
from django.apps import apps
from django.conf import settings as reglages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offres.enums import OriginePartenaire, TypeSource
from offres.models import Source
from plie.roles import Role
from tests.entreprises.test_emargement import (  # noqa: F401  (fixtures)
    action_journee,
    charge,
    referent,
    textes_messages,
    un_pdf,
    un_png,
)
from tests.test_fuzz_import import bombe_zip, classeur_offres_valide, classeur_participants_valide

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def de_taille(classeur, taille):
    """A valid workbook of exactly ``taille`` bytes: the zip's comment (the last field of the file,
    after its 2-byte length) pads it."""
    assert classeur[-22:-18] == b"PK\x05\x06"  # end of central directory, without a comment
    remplissage = taille - len(classeur)
    assert 0 <= remplissage < 65536
    donnees = classeur[:-2] + struct.pack("<H", remplissage) + b"x" * remplissage
    with zipfile.ZipFile(io.BytesIO(donnees)) as archive:
        assert archive.testzip() is None
    return donnees


@pytest.fixture
def stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# Shadows the fixture of the same name that test_emargement expects.
media = stockage


def fichiers(stockage):
    return sorted(p for p in stockage.rglob("*") if p.is_file()) if stockage.exists() else []


def compter(*labels):
    return {m._meta.label: m.objects.count() for label in labels for m in apps.get_app_config(label).get_models()}


def test_reglages_des_televersements():
    assert reglages.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and reglages.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert reglages.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024  # larger files go to a temporary file
    assert reglages.DATA_UPLOAD_MAX_NUMBER_FILES is not None and reglages.DATA_UPLOAD_MAX_NUMBER_FILES <= 10
    for nom in ("PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX", "PLIE_EMARGEMENT_TAILLE_MAX"):
        assert 0 < getattr(reglages, nom) <= 50 * 1024 * 1024, nom
    from participants.classeur import taille_max

    assert 0 < taille_max() <= 50 * 1024 * 1024


# --- The participants workbook -----------------------------------------------------------------


def _importer(client, donnees, nom):
    return client.post(reverse("participants:import"), {"fichier": SimpleUploadedFile(nom, donnees)})


@pytest.mark.django_db
def test_participants_taille_limite_acceptee_un_octet_de_plus_refuse(client_as, settings, stockage):
    client = client_as(Role.COORDINATRICE)
    limite = len(classeur_participants_valide()) + 500
    settings.PLIE_IMPORT_TAILLE_MAX = limite
    avant = compter("participants")

    reponse = _importer(client, de_taille(classeur_participants_valide(), limite + 1), "participants.xlsx")
    assert reponse.status_code == 200
    assert "Le fichier dépasse la taille maximale autorisée" in reponse.content.decode()
    assert fichiers(stockage) == [] and "import_participants" not in client.session

    reponse = _importer(client, de_taille(classeur_participants_valide(), limite), "participants.xlsx")
    assert reponse.status_code == 200 and reponse.context["confirmable"], reponse.context.get("form")
    assert len(fichiers(stockage)) == 1  # waits for the confirmation
    assert compter("participants") == avant


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nom", "donnees", "message"),
    [
        ("participants.xlsx", PNG, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("participants.xlsx", HTML, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("participants.xlsx", EXE, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("participants.csv", PNG, "n&#x27;est pas un fichier texte .csv"),
        ("participants.csv", classeur_participants_valide(), "n&#x27;est pas un fichier texte .csv"),
        ("participants.xlsx", bombe_zip(), "une fois décompressé"),
        ("participants.png", PNG, "Déposez un classeur .xlsx ou un fichier .csv."),
        ("participants.xlsx", b"", "Le fichier soumis est vide."),
    ],
    ids=["png", "html", "exe", "png-csv", "xlsx-csv", "bombe-zip", "extension", "vide"],
)
def test_participants_fichier_malveillant_refuse(client_as, stockage, nom, donnees, message):
    client = client_as(Role.COORDINATRICE)
    avant = compter("participants")
    reponse = _importer(client, donnees, nom)
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert message in page
    assert "invalid-feedback" in page  # shown at the file field
    assert fichiers(stockage) == [] and compter("participants") == avant


# --- A partner's offers workbook ----------------------------------------------------------------


@pytest.fixture
def partenaire(db):
    return Source.objects.create(
        nom="televersement",
        libelle="Intérim Téléversement",
        type=TypeSource.CLASSEUR_PARTENAIRE,
        parametres={"origine": OriginePartenaire.INTERIM},
    )


def _deposer(client, donnees, nom, partenaire):
    return client.post(
        reverse("offres:classeur_depot"), {"fichier": SimpleUploadedFile(nom, donnees), "source": partenaire.pk}
    )


@pytest.mark.django_db
def test_offres_taille_limite_acceptee_un_octet_de_plus_refuse(client_as, settings, stockage, partenaire):
    client = client_as(Role.CHARGE_MISSION)
    limite = len(classeur_offres_valide()) + 500
    settings.PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX = limite
    avant = compter("offres")

    reponse = _deposer(client, de_taille(classeur_offres_valide(), limite + 1), "offres.xlsx", partenaire)
    assert reponse.status_code == 200
    assert "Le fichier dépasse la taille maximale autorisée" in reponse.content.decode()
    assert fichiers(stockage) == []

    reponse = _deposer(client, de_taille(classeur_offres_valide(), limite), "offres.xlsx", partenaire)
    assert reponse.status_code == 302 and reponse.url == reverse("offres:classeur_colonnes")
    assert len(fichiers(stockage)) == 1
    assert compter("offres") == avant  # nothing imported before the mapping is confirmed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nom", "donnees", "message"),
    [
        ("offres.xlsx", PNG, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("offres.xlsx", HTML, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("offres.xlsx", EXE, "n&#x27;est pas un classeur Excel .xlsx, malgré son extension"),
        ("offres.csv", classeur_offres_valide(), "n&#x27;est pas un fichier texte .csv"),
        ("offres.csv", EXE, "n&#x27;est pas un fichier texte .csv"),
        ("offres.xlsx", bombe_zip(), "anormalement volumineux une fois décompressé"),
        ("offres.exe", EXE, "Déposez un classeur .xlsx ou un fichier .csv"),
    ],
    ids=["png", "html", "exe", "xlsx-csv", "exe-csv", "bombe-zip", "extension"],
)
def test_offres_fichier_malveillant_refuse(client_as, stockage, partenaire, nom, donnees, message):
    client = client_as(Role.CHARGE_MISSION)
    avant = compter("offres")
    reponse = _deposer(client, donnees, nom, partenaire)
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert message in page and "invalid-feedback" in page
    assert fichiers(stockage) == [] and compter("offres") == avant
    assert "classeur_partenaire" not in client.session


# --- The scanned signed attendance sheet ---------------------------------------------------------


def _feuille(client, action, nom, donnees):
    return client.post(
        reverse("entreprises:feuille_deposer", args=[action.pk]), {"fichier": SimpleUploadedFile(nom, donnees)}
    )


@pytest.mark.django_db
def test_emargement_taille_limite_acceptee_un_octet_de_plus_refuse(client, settings, stockage, charge, action_journee):  # noqa: F811 (imported fixtures)
    client.force_login(charge)
    pdf = un_pdf()
    limite = 1024 * 1024
    settings.PLIE_EMARGEMENT_TAILLE_MAX = limite
    reponse = _feuille(client, action_journee, "scan.pdf", pdf + b"%" * (limite + 1 - len(pdf)))
    assert textes_messages(reponse) == ["Le fichier dépasse la taille maximale (1 Mo)."]
    action_journee.refresh_from_db()
    assert not action_journee.feuille_signee and fichiers(stockage) == []

    reponse = _feuille(client, action_journee, "scan.pdf", pdf + b"%" * (limite - len(pdf)))
    assert textes_messages(reponse)[-1] == "La feuille d'émargement signée est jointe à l'action."
    action_journee.refresh_from_db()
    assert action_journee.feuille_signee and len(fichiers(stockage)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nom", "donnees"),
    [
        ("scan.pdf", HTML),
        ("scan.png", EXE),
        ("scan.pdf", classeur_participants_valide()),
        ("scan.pdf", bombe_zip()),
        ("scan.jpg", b"GIF89a" + b"\x00" * 32),
        ("scan.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
    ids=["html-pdf", "exe-png", "xlsx-pdf", "bombe-zip-pdf", "gif-jpg", "svg"],
)
def test_emargement_fichier_malveillant_refuse(client, stockage, charge, action_journee, nom, donnees):  # noqa: F811 (imported fixtures)
    client.force_login(charge)
    reponse = _feuille(client, action_journee, nom, donnees)
    assert reponse.status_code == 302
    assert textes_messages(reponse) == ["Déposez la feuille scannée en PDF, PNG ou JPEG."]
    action_journee.refresh_from_db()
    assert not action_journee.feuille_signee and action_journee.feuille_deposee_le is None
    assert fichiers(stockage) == []


@pytest.mark.django_db
def test_emargement_une_image_png_est_acceptee(client, stockage, charge, action_journee):  # noqa: F811 (imported fixtures)
    client.force_login(charge)
    reponse = _feuille(client, action_journee, "scan.png", un_png())
    assert textes_messages(reponse) == ["La feuille d'émargement signée est jointe à l'action."]
