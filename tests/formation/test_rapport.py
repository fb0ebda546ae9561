"""The Région report (issue 7 part 3): the counts of a hand-built data set (period bounds, previous
period, field inferred from the ROME code, communes, QPV, coverage by sessions), the period
parameters, the constant number of queries, the permissions, and the PDF and XLSX documents."""

import io
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from formation import rapport
from formation.factories import BesoinFormationFactory, SessionFormationFactory, domaine
from formation.models import StatutBesoin, StatutSession, Urgence
from participants.factories import ParticipantFactory
from plie.models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire
from plie.roles import Role

pytestmark = pytest.mark.django_db

B = StatutBesoin
DEBUT, FIN = date(2025, 3, 1), date(2025, 3, 31)
PERIODE = rapport.Periode(DEBUT, FIN)
QS = "debut=2025-03-01&fin=2025-03-31"
TRANSPORT = "Transport, manutention, magasinage"
BATIMENT = "Bâtiment, travaux publics"


@pytest.fixture
def jeu(referent):
    """Four people in two communes (one in a QPV in each), eleven needs around March 2025."""
    communes = list(Commune.objects.order_by("insee")[:2])
    qpv = QuartierPrioritaire.objects.order_by("pk").first()
    niveau = NiveauFormation.objects.order_by("rang").first()
    transport, batiment = domaine("transport-logistique"), domaine("batiment-tp")

    def personne(nom, commune, en_qpv):
        return ParticipantFactory(
            entre=True, referent=referent, nom=nom, commune=commune, quartier_prioritaire=qpv if en_qpv else None
        )

    p1 = personne("Aubert", communes[0], True)
    p2 = personne("Barreau", communes[0], False)
    p3 = personne("Chevalier", communes[1], True)
    p4 = personne("Zorglub", communes[1], False)

    def besoin(participant, jour, dom=transport, **champs):
        return BesoinFormationFactory(participant=participant, exprime_le=jour, domaine=dom, **champs)

    besoins = {
        "veille_debut": besoin(p1, date(2025, 2, 28)),  # previous period
        "debut": besoin(p1, DEBUT, intitule="CACES R489"),  # covered (transport session)
        "fin": besoin(p2, FIN, batiment, niveau_vise=niveau, intitule="Titre pro maçon"),
        "lendemain_fin": besoin(p3, date(2025, 4, 1)),  # excluded
        "rome_transport": besoin(
            p3, date(2025, 3, 10), None, metier_rome=MetierRome.objects.get(code="N1101"), statut=B.ORIENTE
        ),
        "urgent": besoin(
            p4, date(2025, 3, 15), batiment, niveau_vise=niveau, urgence=Urgence.FORTE, intitule="=1+1 coffreur"
        ),
        "entre": besoin(p4, date(2025, 3, 15), batiment, statut=B.ENTRE),  # not open
        "sans_domaine": besoin(p2, date(2025, 3, 20), None, metier_rome=MetierRome.objects.get(code="K2303")),
        "precedente": besoin(p2, date(2025, 2, 10), batiment),
        "avant_precedente": besoin(p1, date(2025, 1, 28), batiment),  # excluded
        "debut_precedente": besoin(p3, date(2025, 1, 29)),
    }
    # Transport: one session open at the end of March. Bâtiment: one ended the day before, one cancelled.
    SessionFormationFactory(domaine=transport, today=date(2025, 3, 20))
    SessionFormationFactory(domaine=batiment, debut=date(2025, 1, 6), fin=date(2025, 3, 30))
    SessionFormationFactory(domaine=batiment, today=date(2025, 3, 20), statut=StatutSession.ANNULEE)
    return besoins


def _lignes(tableau):
    return {
        ligne.libelle: (
            ligne.besoins,
            ligne.personnes,
            ligne.besoins_prec,
            ligne.personnes_prec,
            ligne.tendance_besoins,
        )
        for ligne in tableau.lignes
    }


def _tableau(resultat, code):
    return next(t for t in resultat.tableaux if t.code == code)


# --- Period --------------------------------------------------------------------------------


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    assert PERIODE.precedente() == rapport.Periode(date(2025, 1, 29), date(2025, 2, 28))
    # Equal length in days: the 366 days of 2024 are compared with the 366 days before.
    assert rapport.Periode(date(2024, 1, 1), date(2024, 12, 31)).precedente() == rapport.Periode(
        date(2022, 12, 31), date(2023, 12, 31)
    )


def test_the_default_period_is_the_calendar_year_to_date():
    assert rapport.periode_demandee({}, date(2025, 6, 14)) == (rapport.Periode(date(2025, 1, 1), date(2025, 6, 14)), "")
    assert rapport.periode_demandee({"debut": "2025-03-01", "fin": "2025-03-31"}, date(2025, 6, 14)) == (PERIODE, "")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"debut": "01/03/2025"}, "Date de début invalide"),
        ({"fin": "2025-02-30"}, "Date de fin invalide"),
        ({"debut": "2025-04-01", "fin": "2025-03-01"}, "La date de début doit précéder la date de fin"),
        ({"debut": "1850-01-01"}, "trop ancienne"),
    ],
)
def test_an_invalid_period_falls_back_to_the_default_with_a_french_message(params, message):
    periode, erreur = rapport.periode_demandee(params, date(2025, 6, 14))
    assert periode == rapport.Periode(date(2025, 1, 1), date(2025, 6, 14))
    assert message in erreur and "Période par défaut" in erreur


def test_trends_are_signed_or_equal():
    assert [rapport.tendance(n) for n in (3, -2, 0)] == ["+3", "\u22122", "="]


# --- Counts --------------------------------------------------------------------------------


def test_total_counts_the_bounds_of_the_period_in_and_the_days_around_out(jeu):
    total = rapport.calculer(PERIODE).total
    # March: debut, fin, rome_transport, urgent, entre, sans_domaine; before: veille_debut, precedente,
    # debut_precedente. The 28/01 and the 01/04 are in neither.
    assert (total.besoins, total.personnes, total.besoins_prec, total.personnes_prec) == (6, 4, 3, 3)
    assert (total.tendance_besoins, total.tendance_personnes) == ("+3", "+1")


def test_a_single_day_period_counts_that_day_only(jeu):
    total = rapport.calculer(rapport.Periode(FIN, FIN)).total
    assert (total.besoins, total.besoins_prec) == (1, 0)
    total = rapport.calculer(rapport.Periode(DEBUT, DEBUT)).total
    assert (total.besoins, total.besoins_prec) == (1, 1)  # 01/03, and the 28/02 before


def test_by_field_the_rome_code_gives_the_field_else_not_specified(jeu):
    tableau = _tableau(rapport.calculer(PERIODE), "domaine")
    assert [ligne.libelle for ligne in tableau.lignes] == [BATIMENT, TRANSPORT, rapport.NON_PRECISE]
    assert _lignes(tableau) == {
        BATIMENT: (3, 2, 1, 1, "+2"),
        TRANSPORT: (2, 2, 2, 2, "="),
        rapport.NON_PRECISE: (1, 1, 0, 0, "+1"),
    }


def test_by_level_commune_and_qpv(jeu):
    resultat = rapport.calculer(PERIODE)
    niveau = NiveauFormation.objects.order_by("rang").first().libelle
    assert _lignes(_tableau(resultat, "niveau")) == {
        niveau: (2, 2, 0, 0, "+2"),
        rapport.NON_PRECISE: (4, 4, 3, 3, "+1"),
    }
    a, b = Commune.objects.order_by("insee")[:2]
    assert _lignes(_tableau(resultat, "commune")) == {a.nom: (3, 2, 2, 2, "+1"), b.nom: (3, 2, 1, 1, "+2")}
    assert _lignes(_tableau(resultat, "qpv")) == {
        rapport.QPV: (2, 2, 2, 2, "="),
        rapport.HORS_QPV: (4, 2, 1, 1, "+3"),
    }


def test_uncovered_needs_are_the_open_ones_without_an_open_session_in_their_field(jeu):
    resultat = rapport.calculer(PERIODE, avec_noms=True)
    # Transport is covered (the inferred N1101 too); bâtiment's sessions ended the 30/03 or were
    # cancelled; the need « entré » is not open; the need without a field is never covered.
    assert resultat.nb_non_couverts == 3
    assert [(ligne.libelle, ligne.besoins, ligne.personnes) for ligne in resultat.non_couverts] == [
        (BATIMENT, 2, 2),
        (rapport.NON_PRECISE, 1, 1),
    ]
    assert [(b.intitule, b.urgence) for b in resultat.liste_non_couverts][0] == ("=1+1 coffreur", Urgence.FORTE.label)
    assert {b.participant.split()[-1] for b in resultat.liste_non_couverts} == {"Barreau", "Zorglub"}
    assert all(b.participant == "" for b in rapport.calculer(PERIODE).liste_non_couverts)


def test_a_session_ending_on_the_last_day_covers_its_field(jeu):
    SessionFormationFactory(domaine=domaine("batiment-tp"), debut=date(2025, 3, 1), fin=FIN)
    resultat = rapport.calculer(PERIODE)
    assert [(ligne.libelle, ligne.besoins) for ligne in resultat.non_couverts] == [(rapport.NON_PRECISE, 1)]


def test_the_chart_draws_one_pair_of_bars_per_field(jeu):
    graphique = rapport.calculer(PERIODE).graphique
    assert [(b.libelle, b.valeur, b.valeur_prec) for b in graphique.barres] == [
        (BATIMENT, 3, 1),
        (TRANSPORT, 2, 2),
        (rapport.NON_PRECISE, 1, 0),
    ]
    assert graphique.barres[0].largeur == graphique.zone  # the longest bar fills the area


def _volume(referent, n):
    """``n`` more needs in March, in other fields, communes and levels."""
    communes = list(Commune.objects.order_by("-insee")[:n])
    niveaux = list(NiveauFormation.objects.order_by("-rang")[:n])
    codes = ["hotellerie-restauration", "proprete", "sante-social", "commerce-vente", "securite"]
    for i in range(n):
        participant = ParticipantFactory(entre=True, referent=referent, commune=communes[i % len(communes)])
        BesoinFormationFactory(
            participant=participant,
            exprime_le=date(2025, 3, 2 + i % 20),
            domaine=domaine(codes[i % len(codes)]),
            niveau_vise=niveaux[i % len(niveaux)],
        )


def _requetes(fonction):
    with CaptureQueriesContext(connection) as requetes:
        fonction()
    return len(requetes)


def test_the_number_of_queries_does_not_depend_on_the_data(jeu, referent, client, make_user):
    client.force_login(make_user(Role.CHARGE_MISSION))
    url = reverse("formation:rapport") + "?" + QS
    client.get(url)  # warm the session
    petit = (_requetes(lambda: rapport.calculer(PERIODE, avec_noms=True)), _requetes(lambda: client.get(url)))
    _volume(referent, 12)
    BesoinFormationFactory(
        participant=ParticipantFactory(entre=True, referent=referent),
        exprime_le=date(2025, 3, 5),
        domaine=None,
        metier_rome=MetierRome.objects.get(code="K2204"),
    )
    grand = (_requetes(lambda: rapport.calculer(PERIODE, avec_noms=True)), _requetes(lambda: client.get(url)))
    assert petit == grand
    assert petit[0] == 10


# --- Pages and documents -----------------------------------------------------------------


@pytest.mark.parametrize("nom_url", ["formation:rapport", "formation:rapport_pdf", "formation:rapport_xlsx"])
@pytest.mark.parametrize(
    "role, attendu",
    [(Role.CHARGE_MISSION, 200), (Role.COORDINATRICE, 200), (Role.REFERENT, 403), (Role.AUDITEUR_FSE, 403)],
)
def test_the_report_is_for_the_charge_de_mission_and_the_coordinatrice(client_as, nom_url, role, attendu):
    assert client_as(role).get(reverse(nom_url)).status_code == attendu


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(reverse("formation:rapport"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_a_referent_who_is_also_coordinatrice_reads_the_report(client, make_user):
    from django.contrib.auth.models import Group

    user = make_user(Role.REFERENT)
    user.groups.add(Group.objects.get(name=Role.COORDINATRICE.group_name))
    client.force_login(user)
    assert client.get(reverse("formation:rapport")).status_code == 200


def test_the_page_shows_tables_chart_and_names_without_style_attributes(jeu, client_as):
    response = client_as(Role.CHARGE_MISSION).get(reverse("formation:rapport") + "?" + QS)
    html = response.content.decode()
    assert "du 01/03/2025 au 31/03/2025" in html
    assert "<svg" in html and 'fill="#003399"' in html
    assert "style=" not in html.split("<body", 1)[1]
    assert "Zorglub" in html  # the chargé de mission follows the uncovered needs by name
    assert QS.replace("&", "&amp;") in html  # the PDF and XLSX links keep the period
    assert 'id="tableau-domaine"' in html and BATIMENT in html


def test_an_invalid_period_shows_a_message_and_the_default_period(client_as):
    response = client_as(Role.COORDINATRICE).get(reverse("formation:rapport") + "?debut=2025-13-01")
    assert response.status_code == 200
    assert "Date de début invalide" in response.content.decode()


def test_the_pdf_carries_the_period_the_author_and_the_eu_mention_but_no_names(jeu, client, make_user):
    user = make_user(Role.CHARGE_MISSION, first_name="Nadia", last_name="Rapporteur")
    client.force_login(user)
    response = client.get(reverse("formation:rapport_pdf") + "?" + QS)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "rapport-region-20250301-20250331.pdf" in response["Content-Disposition"]
    lecteur = PdfReader(io.BytesIO(response.content))
    texte = " ".join(" ".join(page.extract_text().split()) for page in lecteur.pages)
    assert "du 01/03/2025 au 31/03/2025" in texte
    assert "Cofinancé par l" in texte and "Union européenne" in texte
    assert "Nadia Rapporteur" in texte
    assert BATIMENT in texte and "Besoins non couverts" in texte
    assert "Zorglub" not in texte and "Barreau" not in texte


def test_the_workbook_has_one_sheet_per_table_and_the_method_without_names(jeu, client_as):
    response = client_as(Role.COORDINATRICE).get(reverse("formation:rapport_xlsx") + "?" + QS)
    assert response.status_code == 200
    assert "rapport-region-20250301-20250331.xlsx" in response["Content-Disposition"]
    classeur = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert classeur.sheetnames == [
        "Par domaine",
        "Par niveau visé",
        "Par commune",
        "QPV",
        "Besoins non couverts",
        "Méthode",
    ]
    domaines = classeur["Par domaine"]
    assert [c.value for c in domaines[2]] == [BATIMENT, 3, 2, 1, 1, 2, 1]
    assert [c.value for c in domaines[5]][:3] == ["Ensemble", 6, 4]
    non_couverts = classeur["Besoins non couverts"]
    valeurs = [c.value for ligne in non_couverts.iter_rows() for c in ligne if c.value is not None]
    assert "'=1+1 coffreur" in valeurs  # neutralised, never a formula
    assert not any(isinstance(v, str) and ("Zorglub" in v or "Barreau" in v) for v in valeurs)
    methode = [c.value for ligne in classeur["Méthode"].iter_rows() for c in ligne]
    assert "du 01/03/2025 au 31/03/2025" in methode and "Besoins non couverts" in methode
