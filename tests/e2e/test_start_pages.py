"""Journey: each role signs in through the login form and lands on its start page."""

import pytest
from django.urls import reverse

from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import saisir_code_si_demande

START_HEADINGS = {
    Role.REFERENT: "Bonjour Camille",
    Role.CHARGE_MISSION: "Bonjour Camille",
    Role.COORDINATRICE: "Coordination du PLIE",
    Role.AUDITEUR_FSE: "Contrôle de service fait (FSE)",
    Role.ADMINISTRATEUR: "Administration",
}


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_signs_in_and_sees_its_start_page(live_server, page, make_user, role):
    user = make_user(role)

    page.goto(f"{live_server.url}/")
    assert page.url.endswith("/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    saisir_code_si_demande(page, user)  # the administrateur's second factor

    page.get_by_role("heading", level=1).wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == START_HEADINGS[role]
    assert page.url == live_server.url + reverse(role.start_url_name)
    nav = page.get_by_role("navigation", name="Navigation principale")
    assert nav.get_by_role("link", name=role.label).get_attribute("aria-current") == "page"
    # Bootstrap is served by the app itself (no CDN): the navbar is styled.
    background = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_referent_cannot_open_the_coordination_page_and_can_sign_out(live_server, page, make_user):
    user = make_user(Role.REFERENT)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour Camille").wait_for()

    response = page.request.get(f"{live_server.url}/coordination/")
    assert response.status == 403

    page.get_by_role("button", name=user.get_full_name()).click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion").wait_for()
    assert "/connexion/" in page.url
