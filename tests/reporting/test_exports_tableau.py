"""The dashboard's exports (XLSX and PDF): the same figures and scope as the page, who may
download them, the access journal, the query budget."""

import datetime
import html
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from entreprises.factories import InteractionFactory
from formation.factories import BesoinFormationFactory
from participants.enums import MotifSortie, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Participant
from plie.models import JournalAcces
from plie.roles import Role
from reporting import exports
from reporting.models import Budget
from reporting.selectors import chiffres_cles
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)

D = datetime.date
URL_XLSX = reverse("reporting:tableau_xlsx")
URL_PDF = reverse("reporting:tableau_pdf")
NOVEMBRE_QS = "?du=2026-11-01&au=2026-11-30"
FEUILLES_COMPLETES = [
    "Chiffres clés",
    "Entrées et sorties par mois",
    "Sorties par motif",
    "Portefeuilles",
    "Offres par mois",
    "Offres par source",
    "Échanges entreprises",
    "Besoins de formation",
    "Méthode",
]
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MENTION_UE = "Cofinancé par l'Union européenne — Fonds social européen plus (FSE+)"


@pytest.fixture
def referent_du_jeu(jeu):  # noqa: F811
    referent = Participant.objects.filter(referent__isnull=False).first().referent
    referent.groups.add(Group.objects.get(name=Role.REFERENT.group_name))
    return referent


def _classeur(client, query=NOVEMBRE_QS):
    response = client.get(URL_XLSX + query)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.getvalue())), response


def _lignes(feuille):
    return [list(ligne) for ligne in feuille.iter_rows(values_only=True)]


def _par_indicateur(feuille):
    return {ligne[0].value: ligne for ligne in feuille.iter_rows(min_row=2)}


def _texte_pdf(contenu):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages).split())


# --- The workbook ----------------------------------------------------------------------------


def test_the_workbook_has_every_table_of_the_dashboard_and_its_method(jeu, client_as):  # noqa: F811
    classeur, response = _classeur(client_as(Role.COORDINATRICE))
    assert response["Content-Type"] == TYPE_XLSX
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="tableau-de-bord-20261101-20261130.xlsx"'
    assert classeur.sheetnames == FEUILLES_COMPLETES
    assert _lignes(classeur["Chiffres clés"])[0] == [
        "Indicateur",
        "Unité",
        "Novembre 2026",
        "Période précédente (octobre 2026)",
        "Un an plus tôt (novembre 2025)",
        "Écart avec la période précédente",
        "Écart sur un an",
    ]
    assert _lignes(classeur["Entrées et sorties par mois"])[0] == ["Mois", "Entrées", "Sorties", "Dans la période"]
    assert _lignes(classeur["Offres par mois"])[0][:6] == [
        "Mois",
        "Collectées",
        "Qualifiées",
        "Diffusées",
        "Positionnements",
        "Embauches",
    ]
    assert _lignes(classeur["Sorties par motif"])[0] == ["Motif de sortie", "Sorties", "Sortie positive"]
    assert _lignes(classeur["Portefeuilles"])[0][:3] == ["Référent(e)", "Structure", "Participants"]
    methode = _lignes(classeur["Méthode"])
    definitions = {ligne[0]: ligne[1] for ligne in methode if ligne and ligne[0]}
    assert MENTION_UE in [ligne[0] for ligne in methode]
    assert definitions["Périmètre du tableau"] == "Tout le PLIE"
    for quoi in ["Personnes accompagnées (flux)", "Stock moyen", "Niveau V ou infra", "Coût moyen par personne"]:
        assert definitions[quoi]
    assert "ISCED) 3 ou moins" in definitions["Niveau V ou infra"]
    assert "compte une fois" in definitions["Offres par source"]
    assert "« retenu »" in definitions["Offres par mois"]


def test_the_key_figures_are_those_of_the_selectors_as_numbers(jeu, client_as):  # noqa: F811
    classeur, _ = _classeur(client_as(Role.COORDINATRICE))
    lignes = _par_indicateur(classeur["Chiffres clés"])
    novembre, octobre = chiffres_cles(NOVEMBRE), chiffres_cles(NOVEMBRE.precedente())
    annee = chiffres_cles(NOVEMBRE.annee_precedente())
    for libelle, _unite, attribut, genre in exports.INDICATEURS:
        ligne = lignes[libelle]
        for cellule, chiffres in zip(ligne[2:5], [novembre, octobre, annee], strict=True):
            attendu = getattr(chiffres, attribut)
            if attendu is None:
                assert cellule.value is None, libelle
            elif genre == "part":
                assert cellule.value == pytest.approx(float(attendu) / 100), libelle
                assert cellule.number_format == "0.0%"
            else:
                assert cellule.value == pytest.approx(float(attendu)), libelle
                assert isinstance(cellule.value, int | float)
    # The hand-built set's known answers.
    valeurs = {libelle: ligne[2].value for libelle, ligne in lignes.items()}
    assert valeurs["Personnes accompagnées sur la période (flux)"] == 3
    assert valeurs["Part des femmes"] == pytest.approx(0.667)
    assert valeurs["Personnes en accompagnement en moyenne (stock)"] == pytest.approx(2.5)
    assert valeurs["Âge moyen à l'entrée (ans)"] == 40
    assert valeurs["Taux de sorties positives"] == pytest.approx(1.0)
    assert valeurs["Coût moyen par personne accompagnée"] == 1000
    # Differences: October had D's exit, no entry; a share's difference in points (a fraction).
    assert lignes["Entrées"][5].value == novembre.entrees - octobre.entrees
    assert lignes["Taux de sorties positives"][5].value == pytest.approx(1.0)
    assert lignes["Coût moyen par personne accompagnée"][5].value is None  # no budget in October


def test_months_and_period_bounds_are_dates(jeu, client_as):  # noqa: F811
    classeur, _ = _classeur(client_as(Role.COORDINATRICE))
    mois = _lignes(classeur["Entrées et sorties par mois"])[1:]
    assert len(mois) == 12
    assert [m[0].date() for m in mois] == [D(2025, 12, 1)] + [D(2026, n, 1) for n in range(1, 12)]
    assert mois[-1][1:] == [1, 1, "oui"] and mois[-2][3] == "non"  # B in, C out in November
    periodes = {ligne[0]: ligne[1:3] for ligne in _lignes(classeur["Méthode"]) if ligne[0]}
    assert [d.date() for d in periodes["Période (novembre 2026)"]] == [D(2026, 11, 1), D(2026, 11, 30)]
    motifs = {ligne[0]: ligne[1:] for ligne in _lignes(classeur["Sorties par motif"])[1:]}
    assert motifs[MotifSortie.CDI.label] == [1, "oui"]
    assert motifs["Ensemble des sorties"][0] == 1


def test_texts_that_look_like_formulas_are_neutralised(jeu, client_as, make_user):  # noqa: F811
    make_user(Role.REFERENT, first_name='=HYPERLINK("http://x")', last_name="Piège", structure="+33 mairie")
    classeur, _ = _classeur(client_as(Role.COORDINATRICE))
    lignes = _lignes(classeur["Portefeuilles"])
    assert ['\'=HYPERLINK("http://x") Piège', "'+33 mairie"] in [ligne[:2] for ligne in lignes]


def test_a_referent_exports_their_caseload_only(jeu, referent_du_jeu, client, make_user):  # noqa: F811
    autre = make_user(Role.REFERENT)
    ParticipantFactory.create_batch(4, entre=True, referent=autre, today=NOVEMBRE.fin)
    InteractionFactory(auteur=autre, date=D(2026, 11, 5))
    BesoinFormationFactory(participant=Participant.objects.filter(referent=autre).first(), exprime_le=D(2026, 11, 6))

    client.force_login(referent_du_jeu)
    classeur, _ = _classeur(client)
    assert "Portefeuilles" not in classeur.sheetnames and "Offres par source" not in classeur.sheetnames
    lignes = _par_indicateur(classeur["Chiffres clés"])
    assert lignes["Personnes accompagnées sur la période (flux)"][2].value == 3  # none of the other's four
    assert "Coût moyen par personne accompagnée" not in lignes and "Budget saisi pour la période" not in lignes
    assert _lignes(classeur["Échanges entreprises"])[-1] == ["Entreprises rencontrées", 0]
    assert _lignes(classeur["Besoins de formation"]) == [["Domaine de formation", "Besoins exprimés"]]
    perimetre = {ligne[0]: ligne[1] for ligne in _lignes(classeur["Méthode"]) if ligne[0]}["Périmètre du tableau"]
    assert perimetre == f"Portefeuille de {referent_du_jeu}"

    client.force_login(autre)
    classeur, _ = _classeur(client)
    assert _par_indicateur(classeur["Chiffres clés"])["Personnes accompagnées sur la période (flux)"][2].value == 4


# --- The PDF ---------------------------------------------------------------------------------


def test_the_pdf_shows_the_period_the_figures_and_the_eu_mention(jeu, client_as):  # noqa: F811
    response = client_as(Role.COORDINATRICE).get(URL_PDF + NOVEMBRE_QS)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="tableau-de-bord-20261101-20261130.pdf"'
    texte = _texte_pdf(response.content)
    assert "Tableau de bord — Novembre 2026" in texte
    assert "du 01/11/2026 au 30/11/2026" in texte and "Tout le PLIE" in texte
    assert MENTION_UE in texte
    # Flow: 3 in November, 3 in October, 1 a year earlier; then the differences.
    assert "avant le premier. 3 3 1 = +2" in texte
    assert "Femmes 66,7 % 2 personnes" in texte
    assert "66,7 %" in texte and "1 000 €" in texte.replace("\u00a0", " ")
    assert "Entrées et sorties par mois" in texte and "Portefeuilles des référents" in texte
    assert "page 1 / " in texte
    assert "Document généré le" in texte


def test_a_referent_pdf_has_no_other_caseload_nor_budget(jeu, referent_du_jeu, client):  # noqa: F811
    client.force_login(referent_du_jeu)
    texte = _texte_pdf(client.get(URL_PDF + NOVEMBRE_QS).content)
    assert f"Portefeuille de {referent_du_jeu}" in texte
    assert "Portefeuilles des référents" not in texte and "Coût moyen" not in texte and "par source" not in texte


# --- Permissions, period, journal -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL_XLSX, URL_PDF], ids=["xlsx", "pdf"])
@pytest.mark.parametrize(
    ("role", "statut"),
    [
        (Role.COORDINATRICE, 200),
        (Role.REFERENT, 200),
        (Role.AUDITEUR_FSE, 403),
        (Role.CHARGE_MISSION, 403),
        (Role.ADMINISTRATEUR, 403),
    ],
    ids=lambda v: getattr(v, "value", v),
)
def test_who_downloads_the_exports(client_as, role, statut, url):
    assert client_as(role).get(url).status_code == statut


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL_XLSX, URL_PDF], ids=["xlsx", "pdf"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    assert not JournalAcces.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [URL_XLSX, URL_PDF], ids=["xlsx", "pdf"])
def test_a_wrong_period_sends_back_to_the_page_which_says_why(client_as, url):
    client = client_as(Role.COORDINATRICE)
    response = client.get(url + "?du=2026-12-01&au=2026-11-30")
    assert response.status_code == 302
    assert response.url == reverse("reporting:tableau") + "?du=2026-12-01&au=2026-11-30"
    contenu = html.unescape(client.get(response.url).content.decode())
    assert "La date de début (« du ») doit précéder la date de fin" in contenu
    assert "Le fichier n'a pas été produit : la période demandée n'est pas valide." in contenu
    assert not JournalAcces.objects.exists()


@pytest.mark.django_db
def test_without_a_period_the_exports_cover_the_current_month(client_as):
    from django.utils import timezone

    today = timezone.localdate()
    response = client_as(Role.COORDINATRICE).get(URL_XLSX)
    assert response.status_code == 200
    assert f"tableau-de-bord-{today.replace(day=1):%Y%m%d}-{today:%Y%m%d}.xlsx" in response["Content-Disposition"]


@pytest.mark.parametrize(("url", "format_"), [(URL_XLSX, "XLSX"), (URL_PDF, "PDF")], ids=["xlsx", "pdf"])
def test_each_download_is_logged_with_its_period_and_scope(jeu, referent_du_jeu, client, make_user, url, format_):  # noqa: F811
    coordinatrice = make_user(Role.COORDINATRICE)
    client.force_login(coordinatrice)
    assert client.get(url + NOVEMBRE_QS).status_code == 200
    client.force_login(referent_du_jeu)
    assert client.get(url + NOVEMBRE_QS).status_code == 200
    entrees = list(JournalAcces.objects.order_by("id"))
    assert [(e.utilisateur, e.action, e.objet_type, e.objet_id) for e in entrees] == [
        (coordinatrice, JournalAcces.Action.EXPORT, "tableau_de_bord", "2026-11-01/2026-11-30"),
        (referent_du_jeu, JournalAcces.Action.EXPORT, "tableau_de_bord", "2026-11-01/2026-11-30"),
    ]
    assert entrees[0].detail == (
        f"{format_} du tableau de bord, novembre 2026 (du 01/11/2026 au 30/11/2026) — Tout le PLIE"
    )
    assert entrees[1].detail.endswith(f"— Portefeuille de {referent_du_jeu}")


# --- Queries ---------------------------------------------------------------------------------


def _donnees(n, referents):
    for i in range(n):
        referent = referents[i % len(referents)]
        if i % 3 == 2:
            participant = ParticipantFactory(sorti=True, referent=referent, today=NOVEMBRE.fin)
            Participant.objects.filter(pk=participant.pk).update(
                statut=StatutParticipant.SORTI, date_sortie=D(2026, 11, 1 + i % 28)
            )
        else:
            ParticipantFactory(entre=True, referent=referent, today=NOVEMBRE.fin)
    InteractionFactory.create_batch(max(1, n // 10), date=D(2026, 11, 4))
    BesoinFormationFactory.create_batch(max(1, n // 10), exprime_le=D(2026, 11, 4))


def _requetes(client, url):
    with CaptureQueriesContext(connection) as contexte:
        response = client.get(url + NOVEMBRE_QS)
    assert response.status_code == 200
    return len([q for q in contexte.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])


@pytest.mark.parametrize("url", [URL_XLSX, URL_PDF], ids=["xlsx", "pdf"])
def test_the_export_queries_do_not_depend_on_the_data(client, make_user, url):
    coordinatrice = make_user(Role.COORDINATRICE)
    referents = [make_user(Role.REFERENT) for _ in range(3)]
    Budget.objects.create(
        libelle="Novembre", debut=NOVEMBRE.debut, fin=NOVEMBRE.fin, montant=Decimal(1), saisi_par=coordinatrice
    )
    client.force_login(coordinatrice)
    _donnees(5, referents)
    petit = _requetes(client, url)
    _donnees(40, referents + [make_user(Role.REFERENT) for _ in range(2)])
    assert Participant.objects.count() > 40
    assert _requetes(client, url) == petit <= 22
