"""Charts of the dashboard and of the reports, drawn server-side as SVG strings.

The same markup goes inline into the HTML page and into the WeasyPrint PDFs, so that both show
the same picture: presentation attributes only (no ``style`` attribute nor ``<style>`` element,
which the Content-Security-Policy forbids), no script, fonts that WeasyPrint finds. Every label is
escaped; numbers are written the French way whatever the active language (a Celery worker has
none). Each chart is an image for assistive technologies (``role="img"``) named by its
``<title>`` and summarised by its ``<desc>``; the pages show the figures in a table as well.

Each function returns a ``SafeString`` (Django's str marked safe: a template inserts it as is;
markupsafe is not a dependency of the project).
"""

import hashlib
import math
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MOIS_ABREGES = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
AUCUNE_DONNEE = "Aucune donnée sur la période"

POLICE = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
TEXTE = "#212529"
TEXTE_SECONDAIRE = "#495057"
GRILLE = "#dee2e6"
AXE = "#6c757d"
# Distinct for the colour-blind and at least 3:1 against white (WCAG 1.4.11).
COULEURS = ["#1d3f8f", "#d35400", "#1e7b46", "#7b3fa0", "#a0224e"]
COULEUR_EN_AVANT = "#1e7b46"
COULEUR_AUTRE = "#6c757d"

ESPACE = "\u00a0"  # groups thousands: a no-break space, as French typography wants


def libelle_mois(jour, *, avec_annee=True):
    """``nov. 2026`` (or ``nov.``)."""
    abrege = MOIS_ABREGES[jour.month - 1]
    return f"{abrege} {jour.year}" if avec_annee else abrege


def libelle_periode(periode):
    """``novembre 2026``, ``année 2026`` or ``du 01/10/2026 au 30/11/2026``."""
    if periode.est_mois_civil():
        return f"{MOIS[periode.debut.month - 1]} {periode.debut.year}"
    if (periode.debut.month, periode.debut.day, periode.fin.month, periode.fin.day) == (1, 1, 12, 31) and (
        periode.debut.year == periode.fin.year
    ):
        return f"année {periode.debut.year}"
    return f"du {periode.debut:%d/%m/%Y} au {periode.fin:%d/%m/%Y}"


def nombre(valeur):
    """``1 234``, ``7,5``: French digits, one decimal at most, independent of the active locale."""
    if valeur is None:
        return "—"
    arrondi = Decimal(str(valeur)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    entier = int(arrondi)
    decimales = "" if arrondi == entier else f",{abs(arrondi) % 1 * 10:.0f}"
    signe = "-" if arrondi < 0 and entier == 0 else ""
    return f"{signe}{entier:,}".replace(",", ESPACE) + decimales


def _echelle(maximum):
    """A round top of the axis and its step (four or five gridlines), for counts and hours."""
    if maximum <= 0:
        return 1, 1
    brut = maximum / 4
    puissance = 10 ** math.floor(math.log10(brut))
    pas = next(m * puissance for m in (1, 2, 2.5, 5, 10) if m * puissance >= brut)
    if maximum >= 1:
        pas = max(1, pas)
        if pas != int(pas):  # 2.5 for counts: take 5 units of the same power instead
            pas = 5 * puissance
    return pas * math.ceil(maximum / pas), pas


def _identifiant(*parties):
    # Deterministic (the same chart renders the same bytes) and distinct for distinct charts.
    return "graphique-" + hashlib.sha1(repr(parties).encode()).hexdigest()[:10]


def _f(x):
    """A coordinate: one decimal at most, a dot whatever the locale."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _tronque(texte, longueur):
    return texte if len(texte) <= longueur else texte[: longueur - 1].rstrip() + "…"


def _ouverture(identifiant, largeur, hauteur, titre, description):
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plie-graphique" viewBox="0 0 {_f(largeur)} {_f(hauteur)}" '
        f'width="{_f(largeur)}" height="{_f(hauteur)}" role="img" '
        f'aria-labelledby="{identifiant}-titre {identifiant}-desc" font-family="{POLICE}">',
        f'<title id="{identifiant}-titre">{escape(titre)}</title>',
        f'<desc id="{identifiant}-desc">{escape(description)}</desc>',
    ]


def _vide(titre, largeur) -> SafeString:
    identifiant = _identifiant("vide", titre, largeur)
    hauteur = 80
    parties = _ouverture(identifiant, largeur, hauteur, titre, AUCUNE_DONNEE + ".")
    parties += [
        f'<rect class="cadre-vide" x="0.5" y="0.5" width="{_f(largeur - 1)}" height="{hauteur - 1}" '
        f'fill="#f8f9fa" stroke="{GRILLE}"/>',
        f'<text class="aucune-donnee" x="{_f(largeur / 2)}" y="{hauteur / 2 + 5:.0f}" font-size="14" '
        f'text-anchor="middle" fill="{TEXTE_SECONDAIRE}">{AUCUNE_DONNEE}</text>',
        "</svg>",
    ]
    return mark_safe("".join(parties))


def _legende(entrees, x, y):
    """Coloured squares and their names on one line from (x, y)."""
    parties = []
    for libelle, couleur in entrees:
        parties.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="11" height="11" fill="{couleur}"/>')
        parties.append(
            f'<text x="{_f(x + 15)}" y="{_f(y + 10)}" font-size="11" fill="{TEXTE}">{escape(libelle)}</text>'
        )
        x += 15 + 6.6 * len(libelle) + 16
    return parties


def barres_par_mois(series, libelles, *, titre, largeur=720, hauteur=280, empile=False, couleurs=None) -> SafeString:
    """Bars by month, side by side (or stacked with ``empile``), one colour per series.

    ``series``: rows ``(first day of the month, value of series 1, value of series 2, …)`` as the
    selectors return them (``entrees_sorties_par_mois``, ``offres_par_mois``); ``libelles``: the
    names of the series, in the same order.
    """
    lignes = [(ligne[0], [v or 0 for v in ligne[1 : 1 + len(libelles)]]) for ligne in series]
    if not lignes or not any(v for _, valeurs in lignes for v in valeurs):
        return _vide(titre, largeur)
    couleurs = list(couleurs or COULEURS)
    identifiant = _identifiant("mois", titre, libelles, [(m.isoformat(), v) for m, v in lignes], empile)

    totaux = [sum(valeurs) for _, valeurs in lignes]
    maximum = max(totaux) if empile else max(v for _, valeurs in lignes for v in valeurs)
    haut_axe, pas = _echelle(float(maximum))
    gauche, droite, haut, bas = 46, 10, 34, 40
    zone_l, zone_h = largeur - gauche - droite, hauteur - haut - bas
    y0 = haut + zone_h  # the baseline

    def y_de(valeur):
        return y0 - zone_h * float(valeur) / haut_axe

    resumes = []
    for i, libelle in enumerate(libelles):
        valeurs = [valeurs[i] for _, valeurs in lignes]
        pic = max(range(len(valeurs)), key=lambda n: valeurs[n])
        resumes.append(
            f"{libelle} : {nombre(sum(valeurs))} au total, au plus {nombre(valeurs[pic])} "
            f"({libelle_mois(lignes[pic][0])})"
        )
    description = (
        f"De {libelle_mois(lignes[0][0])} à {libelle_mois(lignes[-1][0])}, par mois. " + " ; ".join(resumes) + "."
    )
    parties = _ouverture(identifiant, largeur, hauteur, titre, description)
    parties += _legende(zip(libelles, couleurs, strict=False), gauche, 8)

    # Gridlines and the values of the axis.
    graduation = 0
    while graduation <= haut_axe + 1e-9:
        y = y_de(graduation)
        parties.append(
            f'<line x1="{gauche}" y1="{_f(y)}" x2="{_f(largeur - droite)}" y2="{_f(y)}" '
            f'stroke="{AXE if graduation == 0 else GRILLE}" stroke-width="1"/>'
        )
        parties.append(
            f'<text x="{gauche - 6}" y="{_f(y + 4)}" font-size="10" text-anchor="end" '
            f'fill="{TEXTE_SECONDAIRE}">{nombre(graduation)}</text>'
        )
        graduation = round(graduation + pas, 6)

    groupe = zone_l / len(lignes)
    occupe = groupe * 0.8
    largeur_barre = occupe * (0.6 if empile else 1 / len(libelles))
    ecrire_valeurs = largeur_barre >= 14
    for n, (mois, valeurs) in enumerate(lignes):
        x_groupe = gauche + n * groupe + (groupe - occupe) / 2
        centre = gauche + n * groupe + groupe / 2
        base = 0
        for i, valeur in enumerate(valeurs):
            if empile:
                x = centre - largeur_barre / 2
                y_haut, y_bas = y_de(base + valeur), y_de(base)
                base += valeur
            else:
                x = x_groupe + i * largeur_barre
                y_haut, y_bas = y_de(valeur), y0
            if valeur:
                parties.append(
                    f'<rect class="barre serie-{i}" x="{_f(x)}" y="{_f(y_haut)}" width="{_f(largeur_barre - 1)}" '
                    f'height="{_f(y_bas - y_haut)}" fill="{couleurs[i % len(couleurs)]}">'
                    f"<title>{escape(libelle_mois(mois))} — {escape(libelles[i])} : {nombre(valeur)}</title></rect>"
                )
                if ecrire_valeurs and not empile:
                    parties.append(
                        f'<text x="{_f(x + (largeur_barre - 1) / 2)}" y="{_f(y_haut - 3)}" font-size="9" '
                        f'text-anchor="middle" fill="{TEXTE}">{nombre(valeur)}</text>'
                    )
        if empile and ecrire_valeurs and totaux[n]:
            parties.append(
                f'<text x="{_f(centre)}" y="{_f(y_de(totaux[n]) - 3)}" font-size="9" text-anchor="middle" '
                f'fill="{TEXTE}">{nombre(totaux[n])}</text>'
            )
        parties.append(
            f'<text x="{_f(centre)}" y="{_f(y0 + 14)}" font-size="10" text-anchor="middle" '
            f'fill="{TEXTE}">{libelle_mois(mois, avec_annee=False)}</text>'
        )
        if n == 0 or mois.month == 1:
            parties.append(
                f'<text x="{_f(centre)}" y="{_f(y0 + 28)}" font-size="10" text-anchor="middle" '
                f'fill="{TEXTE_SECONDAIRE}">{mois.year}</text>'
            )
    parties.append("</svg>")
    return mark_safe("".join(parties))


def barres_horizontales(
    lignes, *, titre, largeur=720, unite="", libelle_en_avant=None, libelle_autre=None, couleur=COULEURS[0]
) -> SafeString:
    """One horizontal bar per row, its value written after it.

    ``lignes``: ``(label, value)`` or ``(label, value, highlighted)``; highlighted rows (the
    positive exits) take another colour, explained by a legend when ``libelle_en_avant`` (and
    ``libelle_autre``) are given. ``unite``: appended to the values (`` h`` for hours).
    """
    lignes = [(str(ligne[0]), ligne[1] or 0, bool(ligne[2]) if len(ligne) > 2 else None) for ligne in lignes]
    if not lignes or not any(valeur for _, valeur, _ in lignes):
        return _vide(titre, largeur)
    identifiant = _identifiant("horizontal", titre, lignes, unite)
    avec_legende = libelle_en_avant is not None and any(en_avant is not None for _, _, en_avant in lignes)
    haut, pas, epaisseur, bas = (30 if avec_legende else 8), 24, 15, 8
    hauteur = haut + pas * len(lignes) + bas
    zone_libelles = min(300, largeur * 0.42)
    x0 = zone_libelles + 8
    zone = largeur - x0 - 60  # room for the value after the longest bar
    maximum = float(max(valeur for _, valeur, _ in lignes))

    description = "; ".join(f"{libelle} : {nombre(valeur)}{unite}" for libelle, valeur, _ in lignes) + "."
    parties = _ouverture(identifiant, largeur, hauteur, titre, description)
    if avec_legende:
        legende = [(libelle_en_avant, COULEUR_EN_AVANT)]
        if libelle_autre:
            legende.append((libelle_autre, COULEUR_AUTRE))
        parties += _legende(legende, x0, 8)
    parties.append(
        f'<line x1="{_f(x0)}" y1="{haut - 4}" x2="{_f(x0)}" y2="{hauteur - bas}" stroke="{AXE}" stroke-width="1"/>'
    )
    for n, (libelle, valeur, en_avant) in enumerate(lignes):
        y = haut + n * pas
        longueur = zone * float(valeur) / maximum
        teinte = couleur if en_avant is None else (COULEUR_EN_AVANT if en_avant else COULEUR_AUTRE)
        parties.append(
            f'<text x="{_f(x0 - 8)}" y="{_f(y + 11.5)}" font-size="11" text-anchor="end" '
            f'fill="{TEXTE}">{escape(_tronque(libelle, int(zone_libelles / 6.2)))}</text>'
        )
        if valeur:
            classe = "barre en-avant" if en_avant else "barre"
            parties.append(
                f'<rect class="{classe}" x="{_f(x0)}" y="{_f(y)}" width="{_f(longueur)}" height="{epaisseur}" '
                f'fill="{teinte}"><title>{escape(libelle)} : {nombre(valeur)}{escape(unite)}</title></rect>'
            )
        parties.append(
            f'<text x="{_f(x0 + longueur + 5)}" y="{_f(y + 11.5)}" font-size="11" '
            f'fill="{TEXTE}">{nombre(valeur)}{escape(unite)}</text>'
        )
    parties.append("</svg>")
    return mark_safe("".join(parties))
