"""Formula injection: every export neutralises the texts a spreadsheet would run.

The demo data is loaded, then every free text of the business tables (names, companies, offers'
titles, notes, comments, agenda lines…) is overwritten with a text starting with a formula
trigger (``=HYPERLINK(…)``, ``+``, ``-``, ``@``, a tab, a carriage return). Every export is then
produced, and every cell of every sheet is read back with openpyxl: no cell is a formula, and no
text starts with a trigger unless neutralised as ``plie.tableur.neutraliser`` does (a leading
apostrophe, the value kept whole).
"""

import contextlib
import io
import itertools
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from plie.demo import charger_donnees_demo
from plie.models import User
from plie.tableur import DEBUTS_DE_FORMULE, neutraliser

TODAY = timezone.localdate()
PIEGES = ('=HYPERLINK("http://pirate.invalid","clic")', "+33 6 12 34", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1")
APPS = ("participants", "offres", "entreprises", "formation", "fse", "reporting")
# Text fields that are keys or codes other code parses (not free text a person types).
NON_LIBRES = {"email", "siret", "insee", "code", "code_rome", "telephone", "url", "lien", "slug", "ics", "jeton"}


def champs_libres(modele):
    for champ in modele._meta.concrete_fields:
        if (
            isinstance(champ, models.CharField | models.TextField)
            and not champ.choices
            and not champ.unique
            and not champ.primary_key
            and champ.name not in NON_LIBRES
            and not isinstance(champ, models.EmailField | models.URLField | models.SlugField)
            and not (champ.max_length and champ.max_length < 4)
        ):
            yield champ


def pieger():
    """Overwrite every free text of the business tables; returns how many columns were touched."""
    pieges = itertools.cycle(PIEGES)
    modeles = [m for label in APPS for m in apps.get_app_config(label).get_models()]
    touches = 0
    for modele in [*modeles, User]:
        for champ in champs_libres(modele):
            if modele is User and champ.name not in ("first_name", "last_name"):
                continue
            piege = next(pieges)
            if champ.max_length:
                piege = piege[: champ.max_length]
            try:
                with transaction.atomic():
                    touches += modele.objects.update(**{champ.name: piege}) and 1
            except DatabaseError:
                # A unique key, a check constraint, or a lock trigger (validated agenda weeks; SQLite
                # raises those as integrity errors): again with the table's triggers off.
                touches += _sans_declencheurs(modele, champ.name, piege)
    return touches


@contextlib.contextmanager
def _declencheurs_suspendus(table):
    """The table's triggers off inside the test's transaction (both backends roll DDL back): the
    validated agenda weeks are locked, yet their texts are what the CSF pack exports."""
    with connection.cursor() as curseur:
        if connection.vendor == "postgresql":
            curseur.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
            yield
            curseur.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        elif connection.vendor == "sqlite":
            curseur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            declencheurs = curseur.fetchall()
            for nom, _sql in declencheurs:
                curseur.execute(f'DROP TRIGGER "{nom}"')
            yield
            for _nom, sql in declencheurs:
                curseur.execute(sql)
        else:
            yield


def _sans_declencheurs(modele, champ, piege):
    try:
        with transaction.atomic(), _declencheurs_suspendus(modele._meta.db_table):
            return modele.objects.update(**{champ: piege}) and 1
    except DatabaseError:  # a real key or constraint: not a free text
        return 0


def cellules(contenu):
    classeur = openpyxl.load_workbook(io.BytesIO(contenu))
    for feuille in classeur.worksheets:
        for rangee in feuille.iter_rows():
            for cellule in rangee:
                yield feuille.title, cellule


def verifier_classeur(nom, contenu):
    """(problems, number of neutralised texts) of one XLSX file."""
    problemes, neutralises = [], 0
    for titre, cellule in cellules(contenu):
        lieu = f"{nom} / {titre}!{cellule.coordinate}"
        if cellule.data_type == "f":
            problemes.append(f"{lieu} : formule {cellule.value!r}")
        elif isinstance(cellule.value, str):
            if cellule.value.startswith(DEBUTS_DE_FORMULE):
                problemes.append(f"{lieu} : texte non neutralisé {cellule.value!r}")
            elif cellule.value.startswith("'") and cellule.value[1:2] and cellule.value[1] in DEBUTS_DE_FORMULE:
                assert neutraliser(cellule.value[1:]) == cellule.value
                neutralises += 1
    return problemes, neutralises


def verifier_csv(nom, contenu):
    problemes = []
    texte = contenu.decode("utf-8-sig")
    for numero, ligne in enumerate(texte.splitlines(), start=1):
        for champ in ligne.split(";"):
            if champ.strip('"').startswith(DEBUTS_DE_FORMULE):
                problemes.append(f"{nom}, ligne {numero} : champ non neutralisé {champ!r}")
    return problemes


# --- The exports -----------------------------------------------------------------------------------


def export_participants():
    from participants import classeur
    from participants.models import Participant

    sortie = io.BytesIO()
    classeur.exporter(Participant.objects.all(), sortie, as_of=TODAY)
    return {"participants.xlsx": sortie.getvalue()}


def export_offres():
    from offres.export import ecrire_offres
    from offres.models import Offre

    sortie = io.BytesIO()
    ecrire_offres(Offre.objects.all(), sortie)
    return {"offres.xlsx": sortie.getvalue()}


def export_tableau_de_bord():
    from reporting.exports import ecrire_tableau_xlsx
    from reporting.selectors import Periode
    from reporting.tableau import calculer_tableau_de_bord

    sortie = io.BytesIO()
    periode = Periode(TODAY - timedelta(days=365), TODAY)
    tableau = calculer_tableau_de_bord(periode)
    ecrire_tableau_xlsx(tableau, sortie, auteur='=HYPERLINK("http://x","auteur")', genere_le=timezone.now())
    return {"tableau-de-bord.xlsx": sortie.getvalue()}


def export_donnees_fse():
    from fse.exports import ecrire_donnees_participants

    sortie = io.BytesIO()
    ecrire_donnees_participants(sortie, TODAY - timedelta(days=3 * 365), TODAY, TODAY)
    return {"donnees-fse.xlsx": sortie.getvalue()}


def export_pack_csf():
    from fse import csf

    sortie = io.BytesIO()
    csf.ecrire_pack(sortie, TODAY - timedelta(days=120), TODAY, genere_par="=cmd|' /C calc'!A0")
    with zipfile.ZipFile(sortie) as archive:
        return {
            f"csf/{nom}": archive.read(nom) for nom in archive.namelist() if nom.endswith((".xlsx", ".csv", ".txt"))
        }


def export_entreprises():
    from entreprises.export import ecrire_entreprises
    from entreprises.selectors import entreprises_liste

    sortie = io.BytesIO()
    ecrire_entreprises(entreprises_liste(), sortie, avec_contacts=True, auteur=User.objects.first(), filtres="-filtre")
    return {"entreprises.xlsx": sortie.getvalue()}


def export_rapport_formation():
    from formation import rapport

    sortie = io.BytesIO()
    calcule = rapport.calculer(rapport.Periode(TODAY - timedelta(days=365), TODAY), avec_noms=True, limite=None)
    rapport.ecrire_xlsx(calcule, sortie, auteur="+auteur", genere_le=timezone.now())
    return {"rapport-formation.xlsx": sortie.getvalue()}


EXPORTS = {
    "participants": export_participants,
    "offres": export_offres,
    "tableau de bord": export_tableau_de_bord,
    "données FSE": export_donnees_fse,
    "pack CSF": export_pack_csf,
    "entreprises": export_entreprises,
    "rapport formation": export_rapport_formation,
}
# Exports whose workbooks carry texts typed by people (names, titles…): neutralised cells must show
# in each of their workbooks (the CSF pack's agendas as well as its participants' data).
AVEC_TEXTES_LIBRES = {"participants", "offres", "données FSE", "pack CSF", "entreprises", "rapport formation"}


@pytest.fixture
def donnees_piegees(db):
    charger_donnees_demo(scale=0.05, seed=0, today=TODAY)
    assert pieger() > 30


def test_le_controle_voit_une_formule_et_un_texte_non_neutralise():
    """The check itself can fail: a formula cell and a raw trigger text are both reported."""
    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.append(["=1+1", "-2", neutraliser("@x"), "texte"])
    sortie = io.BytesIO()
    classeur.save(sortie)
    problemes, neutralises = verifier_classeur("essai.xlsx", sortie.getvalue())
    assert len(problemes) == 2 and neutralises == 1
    assert verifier_csv("essai.csv", b"nom;prenom\r\n=1+1;Alice\r\n") != []


@pytest.mark.django_db
def test_toutes_les_exportations_neutralisent_les_formules(donnees_piegees):
    problemes, sans_neutralisation = [], []
    for export, produire in EXPORTS.items():
        for nom, contenu in produire().items():
            if nom.endswith(".xlsx"):
                trouves, neutralises = verifier_classeur(nom, contenu)
                problemes += trouves
                if export in AVEC_TEXTES_LIBRES and not neutralises:
                    sans_neutralisation.append(nom)
            elif nom.endswith(".csv"):
                problemes += verifier_csv(nom, contenu)
    assert problemes == [], "\n".join(problemes[:50])
    assert sans_neutralisation == [], f"aucun texte piégé n'apparaît dans : {sans_neutralisation}"
