"""Settings that protect the data: CSP without inline script, production check --deploy."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from plie.roles import Role
from tests import test_matrice_permissions as matrice
from tests.matrice_permissions import AUTORISE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_pages_carry_a_strict_csp_and_no_inline_script(client_as, role):
    response = client_as(role).get(reverse(role.start_url_name))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert " style=" not in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html


@pytest.mark.django_db
def test_login_page_has_csrf_and_french_labels(client):
    html = client.get(reverse("connexion")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<html lang="fr">' in html
    assert "Adresse e-mail" in html and "Mot de passe" in html


def _check_deploy(extra_env):
    # The e2e harness allows async-unsafe ORM calls in this process; a deployment never does.
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PLIE_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = _check_deploy(
        {
            "PLIE_MODE": "production",
            "SECRET_KEY": "x7Gq2-LmN9pR4sT6vW8yZ0aB3cD5eF7gH9jK1mP3qS5uV7wY9zA2bC4dE6fG8hJ0",
            "ALLOWED_HOSTS": "plie.example.fr",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_stays_clean_with_an_empty_list_of_previous_keys_and_flags_a_weak_one():
    production = {
        "PLIE_MODE": "production",
        "SECRET_KEY": "x7Gq2-LmN9pR4sT6vW8yZ0aB3cD5eF7gH9jK1mP3qS5uV7wY9zA2bC4dE6fG8hJ0",
        "ALLOWED_HOSTS": "plie.example.fr",
    }
    # « SECRET_KEY_FALLBACKS= » as .env.example leaves it: no empty key accepted, no warning.
    assert _check_deploy({**production, "SECRET_KEY_FALLBACKS": ""}).returncode == 0
    faible = _check_deploy({**production, "SECRET_KEY_FALLBACKS": "courte"})
    assert faible.returncode != 0 and "SECRET_KEY_FALLBACKS" in faible.stdout + faible.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _check_deploy({"PLIE_MODE": "production", "ALLOWED_HOSTS": "plie.example.fr", "SECRET_KEY": ""})
    env_without = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env_without.update({"PLIE_MODE": "production", "ALLOWED_HOSTS": "plie.example.fr"})
    missing = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env_without, capture_output=True, text=True, timeout=120
    )
    assert missing.returncode != 0
    assert "SECRET_KEY" in missing.stderr
    assert result.returncode != 0


# --- Every page of the permission matrix, for each role (and anonymous) that may open it ----------

# The matrix's world (one object of each kind) and its cases, reused read-only; its autouse fixture
# keeps the PDFs from being laid out.
monde = matrice.monde
_pdf_sans_mise_en_page = matrice._pdf_sans_mise_en_page
PAGES = [c for c in matrice.CAS if c.acces.methode == "GET" and c.attendu == AUTORISE]  # anonymous: public pages
BALISE = re.compile(r"<[a-zA-Z][^>]*>", re.S)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
GESTIONNAIRE = re.compile(r"\s(on[a-z]+|hx-on[^\s=]*)\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=", re.I)
JAVASCRIPT = re.compile(r"""\s(?:href|src|action|formaction|data)\s*=\s*["']?\s*javascript:""", re.I)


def infractions_csp(html):
    """What a strict CSP (no 'unsafe-inline') would block or that bypasses it, as readable strings."""
    trouve = []
    for attributs in SCRIPT.findall(html):
        if "src=" not in attributs and 'type="application/json"' not in attributs:
            trouve.append(f"<script{attributs}> inline")
    if re.search(r"<style\b", html, re.I):
        trouve.append("<style> element")
    for balise in BALISE.findall(html):
        if GESTIONNAIRE.search(balise):
            trouve.append(f"event handler attribute: {balise[:120]}")
        if STYLE.search(balise):
            trouve.append(f"style attribute: {balise[:120]}")
        if JAVASCRIPT.search(balise):
            trouve.append(f"javascript: URL: {balise[:120]}")
    return trouve


def test_le_detecteur_d_infractions_csp_les_voit():
    html = (
        '<p style="color:red">x</p><script>alert(1)</script><button onclick="f()">b</button>'
        '<a href="javascript:void(0)">a</a><style>p{}</style><div hx-on:click="x">'
    )
    assert len(infractions_csp(html)) == 6
    propre = '<script src="/static/a.js" defer></script><script id="d" type="application/json">{}</script><a href="/x">'
    assert infractions_csp(propre) == []


@pytest.mark.django_db
@pytest.mark.parametrize("cas", PAGES, ids=[c.ident for c in PAGES])
def test_chaque_page_respecte_la_csp(cas, monde):
    response = matrice.requete(
        matrice.client_de(monde, cas.role), "GET", matrice.url_de(monde, cas.acces, cas.nom), htmx=cas.acces.htmx
    )
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
        return  # a file, a redirect: no markup to run
    politique = response["Content-Security-Policy"]
    assert "script-src 'self'" in politique and "unsafe-inline" not in politique
    html = b"".join(response.streaming_content) if response.streaming else response.content
    assert infractions_csp(html.decode()) == []
