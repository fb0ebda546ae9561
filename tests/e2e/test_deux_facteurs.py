"""Journey: an administrateur without a second factor is sent to enrol, scans (here: reads) the
key, confirms it with a code, keeps the backup codes, then works; the next login asks the code."""

import base64
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from plie.models import User
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import code_totp


def _se_connecter(page, live_server, user):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_l_administrateur_s_enrole_puis_se_connecte_avec_son_code(live_server, page, make_user):
    # Created without an authenticator (the e2e make_user would add one).
    admin = User.objects.create_user(email="admin-e2e@test.plie.fr", password=DEMO_PASSWORD, is_staff=True)
    admin.groups.add(Group.objects.get(name=Role.ADMINISTRATEUR.group_name))

    _se_connecter(page, live_server, admin)
    page.get_by_role("heading", name="Sécurité du compte", level=1).wait_for()
    assert page.url == live_server.url + reverse("securite_compte")
    # Any other page sends back here.
    page.goto(live_server.url + reverse("espace_administrateur"))
    page.get_by_role("heading", name="Sécurité du compte", level=1).wait_for()
    qr = page.locator(".plie-qr-code svg")
    assert qr.is_visible() and qr.bounding_box()["width"] >= 150  # sized by the stylesheet

    cle = page.locator("code.user-select-all").inner_text().replace(" ", "")
    cle_hex = base64.b32decode(cle + "=" * (-len(cle) % 8)).hex()
    page.get_by_label("Code affiché par l'application").fill(code_totp(cle_hex))
    page.get_by_role("button", name="Confirmer").click()

    page.get_by_role("heading", name="Vos codes de secours").wait_for()
    codes = page.locator(".plie-codes-secours li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    page.goto(live_server.url + reverse("espace_administrateur"))
    page.get_by_role("heading", name="Administration", level=1).wait_for()

    # Next login: the code step, here with a backup code.
    page.get_by_role("button", name=admin.email).click()
    page.get_by_role("button", name="Se déconnecter").click()
    _se_connecter(page, live_server, admin)
    page.get_by_role("heading", name="Code de vérification").wait_for()
    page.get_by_label("Code de vérification").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    page.get_by_role("heading", name="Administration", level=1).wait_for()
    assert "il vous en reste 9" in page.inner_text("main")
