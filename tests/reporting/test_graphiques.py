"""The server-side SVG charts: well-formed, escaped, proportional, explicit when empty."""

import datetime
import io
from decimal import Decimal

import pytest
from defusedxml import ElementTree

from reporting.graphiques import (
    AUCUNE_DONNEE,
    barres_horizontales,
    barres_par_mois,
    libelle_mois,
    libelle_periode,
    nombre,
)
from reporting.selectors import Periode

D = datetime.date
SVG = "{http://www.w3.org/2000/svg}"
MOIS = [D(2026, 9, 1), D(2026, 10, 1), D(2026, 11, 1)]


def _arbre(svg):
    return ElementTree.fromstring(str(svg))


def _barres(racine):
    return [rect for rect in racine.iter(f"{SVG}rect") if "barre" in rect.get("class", "").split()]


def _textes(racine):
    return [texte.text for texte in racine.iter(f"{SVG}text")]


def test_monthly_bars_are_an_accessible_well_formed_image():
    svg = barres_par_mois([(m, 2, 1) for m in MOIS], ["Entrées", "Sorties"], titre="Entrées et sorties")
    racine = _arbre(svg)
    assert racine.tag == f"{SVG}svg" and racine.get("role") == "img"
    titre, description = racine.find(f"{SVG}title"), racine.find(f"{SVG}desc")
    assert titre.text == "Entrées et sorties"
    assert racine.get("aria-labelledby") == f"{titre.get('id')} {description.get('id')}"
    assert "De sept. 2026 à nov. 2026" in description.text and "Entrées : 6 au total" in description.text
    assert {"sept.", "oct.", "nov.", "2026"} <= set(_textes(racine))
    assert "style" not in str(svg)  # the Content-Security-Policy forbids inline styles


def test_bar_heights_are_proportional_to_the_values():
    racine = _arbre(barres_par_mois(list(zip(MOIS, [4, 1, 3], [0, 2, 8], strict=True)), ["A", "B"], titre="t"))
    barres = _barres(racine)
    valeurs = [4, 1, 3, 2, 8]  # the zero draws no bar
    hauteurs = sorted((float(b.get("height")) for b in barres), reverse=True)
    assert len(barres) == 5
    echelle = hauteurs[0] / 8
    assert hauteurs == pytest.approx([v * echelle for v in sorted(valeurs, reverse=True)], abs=0.15)
    # Each bar's tooltip names its month, series and value.
    assert barres[0].find(f"{SVG}title").text == "sept. 2026 — A : 4"


def test_stacked_bars_pile_up_to_the_monthly_total():
    racine = _arbre(barres_par_mois([(MOIS[0], 3, 1)], ["A", "B"], titre="t", empile=True))
    a, b = _barres(racine)
    assert float(a.get("height")) == pytest.approx(3 * float(b.get("height")), abs=0.2)
    assert float(b.get("y")) + float(b.get("height")) == pytest.approx(float(a.get("y")), abs=0.2)
    assert "4" in _textes(racine)  # the total written on top


def test_labels_are_escaped():
    libelle = "Tom & Jerry <script>alert(1)</script>"
    svg = barres_horizontales([(libelle, 3)], titre="Titre <&>")
    racine = _arbre(svg)  # parses: nothing unescaped broke the XML
    assert "<script>" not in str(svg)
    assert racine.find(f"{SVG}title").text == "Titre <&>"
    assert f"{libelle} : 3" in [t.text for t in racine.iter(f"{SVG}title")]
    assert any(texte.startswith("Tom & Jerry <script>") for texte in _textes(racine))
    svg = barres_par_mois([(MOIS[0], 1)], ["<&>"], titre="t")
    assert "&lt;&amp;&gt;" in str(svg)
    _arbre(svg)


def test_horizontal_bars_highlight_some_rows_and_write_values():
    lignes = [("Sortie positive : CDI", 6, True), ("Abandon", 3, False), ("Santé", 0, False)]
    racine = _arbre(
        barres_horizontales(lignes, titre="Sorties", libelle_en_avant="Sortie positive", libelle_autre="Autre sortie")
    )
    barres = _barres(racine)
    assert len(barres) == 2
    assert barres[0].get("class") == "barre en-avant" and barres[0].get("fill") != barres[1].get("fill")
    assert float(barres[0].get("width")) == pytest.approx(2 * float(barres[1].get("width")), abs=0.2)
    textes = _textes(racine)
    assert {"6", "3", "0", "Sortie positive", "Autre sortie"} <= set(textes)


def test_hours_are_written_the_french_way():
    racine = _arbre(barres_horizontales([("Prospection", Decimal("7.5")), ("Réunions", 2)], titre="t", unite=" h"))
    assert {"7,5 h", "2 h"} <= set(_textes(racine))


@pytest.mark.parametrize(
    "svg",
    [
        barres_par_mois([], ["Entrées"], titre="Vide"),
        barres_par_mois([(m, 0, 0) for m in MOIS], ["Entrées", "Sorties"], titre="Vide"),
        barres_horizontales([], titre="Vide"),
        barres_horizontales([("Abandon", 0)], titre="Vide"),
    ],
)
def test_no_data_gives_an_explicit_image(svg):
    racine = _arbre(svg)
    assert AUCUNE_DONNEE in _textes(racine)
    assert racine.get("role") == "img" and racine.find(f"{SVG}title").text == "Vide"
    assert _barres(racine) == []


def test_french_labels():
    assert libelle_mois(D(2026, 2, 1)) == "févr. 2026"
    assert libelle_mois(D(2026, 8, 1), avec_annee=False) == "août"
    assert libelle_periode(Periode.mois(2026, 11)) == "novembre 2026"
    assert libelle_periode(Periode(D(2025, 1, 1), D(2025, 12, 31))) == "année 2025"
    assert libelle_periode(Periode(D(2026, 10, 1), D(2026, 11, 30))) == "du 01/10/2026 au 30/11/2026"
    assert nombre(1234) == "1\u00a0234" and nombre(Decimal("66.66")) == "66,7" and nombre(None) == "—"


def test_the_same_chart_renders_in_a_pdf():
    from pypdf import PdfReader
    from weasyprint import HTML

    svg = barres_par_mois([(m, 2, 1) for m in MOIS], ["Entrées", "Sorties"], titre="Entrées et sorties")
    contenu = HTML(string=f"<html><body>{svg}</body></html>").write_pdf()
    texte = PdfReader(io.BytesIO(contenu)).pages[0].extract_text()
    assert "Entrées" in texte and "nov." in texte
