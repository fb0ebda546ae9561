"""Journey: the chargée de mission fills in her week with the keyboard grid and submits it; the
coordinatrice validates it; the FSE auditor asks for the contrôle de service fait pack of the
period, watches it being prepared and downloads it; its manifest checks out."""

import datetime
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from fse.models import PackCsf, SemaineAgenda
from fse.rules import StatutSemaine
from fse.tasks import construire_pack_csf
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import naviguer

LUNDI = datetime.date(2025, 6, 2)  # a week with no public holiday


def _connexion(page, live_server, user):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)


def _deconnexion(page):
    page.locator("nav").get_by_role("button", name="Camille").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Adresse e-mail").wait_for()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_week_is_filled_submitted_validated_and_exported_for_the_audit(live_server, page, make_user):
    chargee = make_user(Role.CHARGE_MISSION, first_name="Camille", last_name="Durand", agenda_fse=True)
    coordinatrice = make_user(Role.COORDINATRICE)
    auditeur = make_user(Role.AUDITEUR_FSE)

    # 1. The chargée de mission types her week in the grid: a cell, Tab, the next day…
    _connexion(page, live_server, chargee)
    page.goto(f"{live_server.url}/fse/agenda/{LUNDI.isoformat()}/")
    premiere_case = page.get_by_label("Prospection des offres, lundi 02/06")
    premiere_case.fill("3,5")
    for heures in ["4", "7", "7", "7"]:
        page.keyboard.press("Tab")
        page.keyboard.type(heures)
    page.get_by_role("button", name="Enregistrer la semaine").click()
    page.get_by_text("Semaine enregistrée").wait_for()
    assert page.get_by_label("Prospection des offres, mardi 03/06").input_value() == "4"
    page.get_by_text("28,5 h").first.wait_for()  # the week's total
    page.get_by_role("button", name="Soumettre").click()
    page.get_by_text("Semaine soumise à la coordination.").wait_for()
    _deconnexion(page)

    # 2. The coordinatrice validates it from the weeks awaiting validation.
    _connexion(page, live_server, coordinatrice)
    naviguer(page, "FSE", "Agendas à valider")
    ligne = page.get_by_role("row").filter(has_text="Camille Durand")
    ligne.get_by_role("button", name="Valider").click()
    page.get_by_text("validée").first.wait_for()
    semaine = SemaineAgenda.objects.get(salarie=chargee, lundi=LUNDI)
    assert semaine.statut == StatutSemaine.VALIDEE and semaine.validee_par == coordinatrice
    _deconnexion(page)

    # 3. The auditor asks for the pack of June 2025 for her, sees it prepared, downloads it.
    _connexion(page, live_server, auditeur)
    naviguer(page, "FSE", "Contrôle de service fait")
    page.get_by_label("Du").fill("2025-06-01")
    page.get_by_label("Au").fill("2025-06-30")
    page.get_by_label("Salarié(e)").select_option(label=f"Camille Durand ({chargee.email})")
    page.get_by_role("button", name="Préparer le pack").click()
    pack = PackCsf.objects.get(demande_par=auditeur)
    construire_pack_csf(pack.pk)  # what the worker does
    telecharger = page.get_by_role("link", name="Télécharger")
    telecharger.wait_for(timeout=15_000)  # the row polls itself until the pack is ready
    with page.expect_download() as attente:
        telecharger.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(attente.value.path()).read_bytes()))
    noms = archive.namelist()
    assert any(nom.startswith("agendas/") and nom.endswith(".pdf") for nom in noms)
    manifeste = archive.read("MANIFESTE.sha256").decode()
    for ligne in manifeste.splitlines():
        empreinte, nom = ligne.split("  ", 1)
        assert hashlib.sha256(archive.read(nom)).hexdigest() == empreinte, nom
    pack.refresh_from_db()
    assert pack.statut == PackCsf.Statut.PRET
