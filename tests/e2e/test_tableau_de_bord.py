"""Journey: the coordinatrice opens the dashboard, looks at last year, enters a period of her own,
then clicks a figure and finds the same number of people in the participants list; and she
downloads the dashboard as a PDF."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from participants.enums import Sexe
from participants.factories import ParticipantFactory
from plie.models import JournalAcces
from plie.roles import Role
from reporting import selectors
from reporting.selectors import Periode
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import naviguer

D = datetime.date


def _connexion(page, live_server, user, titre):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=titre).wait_for()


@pytest.fixture
def annee_derniere(make_user):
    """People accompanied last year: three women and two men entered in March, two people who
    left in November; and one person entered this week (not in last year's figures)."""
    annee = timezone.localdate().year - 1
    referent = make_user(Role.REFERENT)
    ParticipantFactory.create_batch(3, entre=True, referent=referent, today=D(annee, 9, 1), sexe=Sexe.FEMME)
    ParticipantFactory.create_batch(2, entre=True, referent=referent, today=D(annee, 9, 1), sexe=Sexe.HOMME)
    ParticipantFactory.create_batch(2, sorti=True, referent=referent, today=D(annee, 12, 31))
    ParticipantFactory(
        entre=True, referent=referent, date_candidature=timezone.localdate(), date_entree=timezone.localdate()
    )
    return annee


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_coordinatrice_follows_a_figure_to_the_people_behind_it(live_server, page, make_user, annee_derniere):
    annee = annee_derniere
    periode = Periode(D(annee, 1, 1), D(annee, 12, 31))
    flux = selectors.flux(periode).count()
    femmes = selectors.flux(periode).filter(sexe=Sexe.FEMME).count()
    assert flux >= 7 and femmes >= 3
    coordinatrice = make_user(Role.COORDINATRICE)

    # 1. From the navigation to the dashboard, on the current month by default.
    _connexion(page, live_server, coordinatrice, "Coordination du PLIE")
    naviguer(page, "Pilotage", "Tableau de bord")
    page.get_by_role("heading", name="Tableau de bord", level=1).wait_for()
    raccourcis = page.get_by_role("navigation", name="Périodes usuelles")
    assert raccourcis.get_by_role("link", name="Ce mois-ci").get_attribute("aria-current") == "true"
    assert page.get_by_role("img", name="Entrées et sorties par mois").count() == 1

    # 2. Last year, in one click: the figures of the year and their comparisons.
    raccourcis.get_by_role("link", name="L'année dernière").click()
    page.locator("#periode-affichee", has_text=f"Année {annee}").wait_for()
    assert f"année {annee - 1}" in page.locator("#chiffres-cles thead").inner_text()
    cellule_flux = page.locator("#chiffre-flux td").first
    assert cellule_flux.inner_text() == str(flux)

    # 3. A period of her own; a wrong one is explained and the page stays usable.
    page.get_by_label("Du", exact=True).fill(f"{annee}-12-31")
    page.get_by_label("Au", exact=True).fill(f"{annee}-01-01")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("alert").filter(has_text="La date de début (« du ») doit précéder la date de fin").wait_for()
    page.get_by_label("Du", exact=True).fill(f"{annee}-01-01")
    page.get_by_label("Au", exact=True).fill(f"{annee}-12-31")
    page.get_by_role("button", name="Afficher").click()
    page.locator("#periode-affichee", has_text=f"Année {annee}").wait_for()
    assert page.get_by_role("alert").count() == 0

    # 4. The flow figure opens the list of exactly those people.
    page.locator("#chiffre-flux td").first.get_by_role("link", name=str(flux)).click()
    page.get_by_role("heading", name="Participants", level=1).wait_for()
    page.get_by_text(f"{flux} participants.", exact=True).wait_for()
    assert page.get_by_label("Accompagnés depuis le").input_value() == f"{annee}-01-01"

    # 5. Back on the dashboard, the women's share opens the list of the women.
    page.go_back()
    page.locator("#chiffre-femmes td").first.get_by_role("link", name=f"{femmes} personnes").click()
    page.get_by_text(f"{femmes} participant{'s' if femmes > 1 else ''}.", exact=True).wait_for()
    assert page.get_by_label("Sexe").input_value() == Sexe.FEMME.value


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_coordinatrice_downloads_the_dashboard_pdf(live_server, page, make_user, annee_derniere):
    """From the dashboard of last year, the PDF link downloads that year's dashboard, logged."""
    coordinatrice = make_user(Role.COORDINATRICE)
    flux = selectors.flux(Periode(D(annee_derniere, 1, 1), D(annee_derniere, 12, 31))).count()
    _connexion(page, live_server, coordinatrice, "Coordination du PLIE")
    page.goto(f"{live_server.url}{reverse('reporting:tableau')}?du={annee_derniere}-01-01&au={annee_derniere}-12-31")
    with page.expect_download() as telechargement:
        page.get_by_role("link", name="Télécharger en PDF").click()
    assert telechargement.value.suggested_filename == f"tableau-de-bord-{annee_derniere}0101-{annee_derniere}1231.pdf"
    with open(telechargement.value.path(), "rb") as fichier:
        contenu = fichier.read()
    assert contenu[:5] == b"%PDF-"
    texte = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(contenu)).pages).split())
    assert f"Tableau de bord — Année {annee_derniere}" in texte
    assert (
        f"(flux) Entrées au plus tard le dernier jour de la période et non sorties avant le premier. {flux} " in texte
    )
    assert JournalAcces.objects.filter(
        utilisateur=coordinatrice, action=JournalAcces.Action.EXPORT, objet_type="tableau_de_bord"
    ).exists()
