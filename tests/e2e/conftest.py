"""End-to-end harness: Debian's Chromium driven by Playwright against pytest-django's live server.

`playwright install` cannot download browsers here: the system Chromium is used instead.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import needs, recharger_referentiels

# Playwright's sync API runs an event loop; Django's ORM calls in the test body are still
# synchronous and safe, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Serialized rollback cannot restore the reference data here: Playwright's greenlets give the
    test body a fresh database connection object, without the serialized copy."""
    recharger_referentiels()


@pytest.fixture(scope="session")
def browser():
    needs("Chromium", os.path.exists(CHROMIUM), f"{CHROMIUM} absent (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rapport_{report.when}", report)
    return report


@pytest.fixture
def page(browser, request):
    """A fresh French browser context; fails the test on any console error (CSP violations included).

    When the test fails, a screenshot and the page's text go to test-results/ for diagnosis.
    """
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    rapport = getattr(request.node, "rapport_call", None)
    if rapport is not None and rapport.failed:
        dossier = Path("test-results")
        dossier.mkdir(exist_ok=True)
        page.screenshot(path=dossier / f"{request.node.name}.png", full_page=True)
        (dossier / f"{request.node.name}.txt").write_text(f"{page.url}\n\n{page.inner_text('body')}", encoding="utf-8")
    context.close()
    assert errors == [], f"erreurs dans la console du navigateur : {errors}"


@pytest.fixture
def make_user(make_user):
    """As the suite's, but an administrateur comes with a confirmed authenticator (their role requires
    two factors): sign them in with ``saisir_code_si_demande`` after the password."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plie.securite import deux_facteurs_obligatoires

    def make(role=None, **fields):
        user = make_user(role, **fields)
        if deux_facteurs_obligatoires(user):
            TOTPDevice.objects.create(user=user, name="Téléphone de test", confirmed=True)
        return user

    return make


def code_totp(cle_hex, instant=None):
    """The code an authenticator app shows now for this secret (hex, as django-otp stores it)."""
    import time
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(cle_hex))
    totp.time = time.time() if instant is None else instant
    return f"{totp.token():06d}"


def saisir_code_si_demande(page, user):
    """The login's code step, for an account with an authenticator (else nothing to do)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    appareil = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if appareil is None:
        return
    page.get_by_role("heading", name="Code de vérification").wait_for()
    page.get_by_label("Code de vérification").fill(code_totp(appareil.key))
    page.get_by_role("button", name="Valider").click()


def naviguer(page, menu, lien):
    """Follow a link of the main navigation, opening its menu first (a menu of one page is a link)."""
    navigation = page.get_by_role("navigation", name="Navigation principale")
    bouton = navigation.get_by_role("button", name=menu, exact=True)
    if bouton.count():
        bouton.click()
    navigation.get_by_role("link", name=lien, exact=True).click()
