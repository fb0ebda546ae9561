"""Properties of the participants workbook import (``participants.classeur``), on generated
workbooks: headers in any order, cells of every type (texts with unicode, control characters and
formula triggers, very long texts, numbers, dates, booleans, empty), merged cells, any number of rows.

- reading and importing raise nothing but the module's own errors (``ClasseurRefuse``,
  ``ClasseurInvalide``);
- a refused import writes nothing (every table of the participants app counted before and after);
- every problem names its place: sheet, and line or column;
- generated valid rows are imported exactly.

Each example runs in a savepoint rolled back at its end, so that examples do not see each other.
"""

import io
import string
from datetime import date, datetime

import openpyxl
import pytest
from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from participants import classeur
from participants.models import Participant

COLONNES = list(classeur.COLONNES_PARTICIPANTS)
# Communes of the territory valid today (reference data loaded by the migrations).
COMMUNES = ["21003", "21105", "21166", "21231", "21515", "21617"]
NIVEAUX = {
    "infra 3": "infra3",
    "VI": "infra3",
    "3": "3",
    "V": "3",
    "4": "4",
    "niveau 5": "5",
    "6": "6",
    "7": "7",
    "8": "8",
}
REGLAGES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- Cells ----------------------------------------------------------------------------------------

textes = st.text(st.characters(exclude_categories=("Cs",)), max_size=40).map(
    lambda t: ILLEGAL_CHARACTERS_RE.sub("", t)  # what an .xlsx cannot hold at all
)
textes_pieges = st.one_of(
    textes,
    st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'="]).flatmap(lambda debut: textes.map(lambda t: debut + t)),
    st.just('=HYPERLINK("http://exemple.invalid","clic")'),
    st.integers(200, 5000).map(lambda n: "é" * n),  # very long
    st.sampled_from(["\u202e", "\u200b", "\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "名前", "\n\n", " ", "#N/A", "NaN", "1e400"]),
)
cellules = st.one_of(
    st.none(),
    textes_pieges,
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(date(1800, 1, 1), date(2200, 12, 31)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
)


def _nom():
    lettres = string.ascii_letters + "éèêëàâçîïôöùûüÉÈÀÇ"
    return (
        st.text(lettres + " '-", min_size=1, max_size=30)
        .map(str.strip)
        .filter(lambda t: t and t[0] in lettres and t[-1] in lettres)
    )


@st.composite
def participants_valides(draw, identifiant):
    """One valid row (column -> cell value) and what the database must hold after the import."""
    naissance = draw(st.dates(date(1940, 1, 1), date(2005, 12, 31)))
    sans_activite = draw(st.none() | st.dates(date(2000, 1, 1), date(2024, 12, 31)))
    niveau = draw(st.sampled_from(sorted(NIVEAUX)))
    sexe = draw(st.sampled_from(["F", "M", "f", "Homme", "FEMME"]))
    minima = draw(st.sampled_from(["", "RSA", "ASS", "AAH", "rsa"]))
    booleens = {c: draw(st.booleans()) for c in classeur.BOOLEENS_PARTICIPANTS}
    ecrire = {
        True: draw(st.sampled_from(["oui", "O", "x", "VRAI", 1, True])),
        False: draw(st.sampled_from(["non", "n", "", None, 0, False])),
    }
    valeurs = {
        "identifiant": identifiant,
        "nom": draw(_nom()),
        "prenom": draw(_nom()),
        "sexe": sexe,
        "date_naissance": draw(st.sampled_from([naissance, naissance.strftime("%d/%m/%Y"), naissance.isoformat()])),
        "commune_insee": draw(st.sampled_from(COMMUNES)),
        "qpv": "non",
        "niveau_formation": niveau,
        "date_entree": "",
        "referent": "",
        "sans_activite_depuis": sans_activite.strftime("%d/%m/%Y") if sans_activite else "",
        "minima_sociaux": minima,
        **{c: ecrire[v] for c, v in booleens.items()},
    }
    attendu = {
        "nom": valeurs["nom"],
        "prenom": valeurs["prenom"],
        "sexe": "F" if sexe.upper().startswith("F") else "M",
        "date_naissance": naissance,
        "commune__insee": valeurs["commune_insee"],
        "niveau_formation__code": NIVEAUX[niveau],
        "sans_activite_depuis": sans_activite,
        "minima_sociaux": minima.upper(),
        **booleens,
    }
    return valeurs, attendu


lignes_quelconques = st.fixed_dictionaries({}, optional=dict.fromkeys(COLONNES, cellules))


class Octets(bytes):
    """The workbook's bytes, shown short in hypothesis' reports."""

    def __repr__(self):
        return f"<classeur .xlsx de {len(self)} octets>"


@st.composite
def classeurs(draw, *, valides_seulement=False):
    """(xlsx bytes, {identifiant: expected fields} of the valid rows, all rows valid?)"""
    entetes = draw(st.permutations(COLONNES))
    if draw(st.booleans()):
        entetes = [*entetes, draw(st.sampled_from(["remarque", "Commentaire libre", "eligible"]))]
    nombre = draw(st.integers(0, 6))
    lignes, attendus, toutes_valides = [], {}, True
    for i in range(nombre):
        if valides_seulement or draw(st.booleans()):
            valeurs, attendu = draw(participants_valides(f"H-{i}"))
            attendus[valeurs["identifiant"]] = attendu
        else:
            valeurs, toutes_valides = draw(lignes_quelconques), False
        lignes.append([valeurs.get(c) for c in entetes])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = draw(st.sampled_from(["participants", "Participants", "PARTICIPANTS "]))
    ws.append(list(entetes))
    for ligne in lignes:
        ws.append(ligne)
    if not valides_seulement and nombre and draw(st.booleans()):  # merged cells: only the top-left keeps its value
        haut = draw(st.integers(2, nombre + 1))
        gauche = draw(st.integers(1, len(entetes)))
        ws.merge_cells(
            start_row=haut,
            start_column=gauche,
            end_row=draw(st.integers(haut, nombre + 1)),
            end_column=draw(st.integers(gauche, len(entetes))),
        )
        toutes_valides = False
    sortie = io.BytesIO()
    wb.save(sortie)
    return Octets(sortie.getvalue()), attendus, toutes_valides


# --- Checks ---------------------------------------------------------------------------------------


def compter():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("participants").get_models()}


def localise(probleme, lecture):
    """The problem names its sheet, and its line or column (or the file, for a missing sheet)."""
    texte = str(probleme)
    assert probleme.feuille and texte.startswith(probleme.feuille), texte
    if probleme.ligne is not None:
        assert f"ligne {probleme.ligne}" in texte
    if probleme.colonne:
        assert f"colonne {probleme.colonne}" in texte
    assert probleme.ligne is not None or probleme.colonne or probleme.feuille == lecture.nom, texte
    assert probleme.message.strip(), texte


def importer(donnees):
    """Read then import; returns the result, or None when refused (checked: nothing written)."""
    avant = compter()
    try:
        lecture = classeur.lire_classeur(donnees, "participants.xlsx")
    except classeur.ClasseurRefuse as exc:
        assert str(exc)
        return None
    try:
        return classeur.importer(lecture)
    except classeur.ClasseurInvalide as exc:
        assert exc.problemes
        for probleme in exc.problemes:
            localise(probleme, lecture)
        assert compter() == avant
        return None


@pytest.fixture
def bac_a_sable(db):
    """Run ``fonction`` in a savepoint rolled back at its end: each example starts afresh."""

    def executer(fonction, *args):
        with transaction.atomic():
            try:
                return fonction(*args)
            finally:
                transaction.set_rollback(True)

    return executer


@REGLAGES
@given(classeur_genere=classeurs())
def test_l_import_ne_leve_que_ses_propres_erreurs_et_n_ecrit_rien_sur_erreur(bac_a_sable, classeur_genere):
    donnees, _attendus, _toutes_valides = classeur_genere
    bac_a_sable(importer, donnees)


@REGLAGES
@given(cellule=cellules, colonne=st.sampled_from(COLONNES))
def test_une_cellule_quelconque_est_lue_ou_signalee_a_sa_place(bac_a_sable, cellule, colonne):
    """A single row whose one cell is anything: imported, or refused with that very cell located."""
    valeurs = dict.fromkeys(COLONNES, "")
    valeurs.update(identifiant="C-1", nom="Durand", prenom="Alice", sexe="F", date_naissance="15/03/1985")
    valeurs.update(commune_insee="21231", qpv="non", niveau_formation="3")
    valeurs[colonne] = cellule
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "participants"
    ws.append(COLONNES)
    ws.append([valeurs[c] for c in COLONNES])
    sortie = io.BytesIO()
    wb.save(sortie)

    def verifier():
        lecture = classeur.lire_classeur(sortie.getvalue(), "participants.xlsx")
        rapport = classeur.valider(lecture)
        for probleme in rapport.problemes:
            localise(probleme, lecture)
            assert (probleme.ligne, probleme.colonne) == (2, colonne), str(probleme)
        importer(sortie.getvalue())

    bac_a_sable(verifier)


@REGLAGES
@given(classeur_genere=classeurs(valides_seulement=True))
def test_les_lignes_valides_generees_sont_importees_exactement(bac_a_sable, classeur_genere):
    donnees, attendus, toutes_valides = classeur_genere
    assert toutes_valides

    def verifier():
        resultat = importer(donnees)
        assert resultat is not None, "un classeur valide a été refusé"
        assert (resultat.crees, resultat.lignes_ignorees) == (len(attendus), 0)
        champs = ["identifiant", *next(iter(attendus.values()), {})]
        lus = {p["identifiant"]: p for p in Participant.objects.values(*champs)}
        assert set(lus) == set(attendus)
        for identifiant, attendu in attendus.items():
            assert {c: lus[identifiant][c] for c in attendu} == attendu
        # Importing the same file again changes nothing.
        encore = classeur.importer(classeur.lire_classeur(donnees, "participants.xlsx"))
        assert (encore.crees, encore.modifies, encore.inchanges) == (0, 0, len(attendus))

    bac_a_sable(verifier)
