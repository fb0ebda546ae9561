"""Journey: a référent opens a participant, records an entretien and a CDD, and sees the
"à voir" list of the start page update."""

from datetime import timedelta

import pytest
from django.utils import timezone

from participants.factories import ParticipantFactory
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_referent_records_an_entretien_and_a_cdd(live_server, page, make_user):
    referent = make_user(Role.REFERENT)
    participant = ParticipantFactory(entre=True, referent=referent, nom="Lambert", prenom="Inès")
    today = timezone.localdate()

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(referent.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_text("dont 1 à voir").wait_for()
    row = page.get_by_role("row", name="LAMBERT Inès")
    assert "Aucun entretien" in row.inner_text()

    page.get_by_role("link", name="LAMBERT Inès").click()
    page.get_by_role("link", name="Nouvel entretien").click()
    page.get_by_label("Notes").fill("Point sur la recherche d'emploi ; CV mis à jour.")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Entretien enregistré.").wait_for()

    page.get_by_role("link", name="Nouvelle situation").click()
    page.get_by_label("Type de situation").select_option("CDD")
    page.get_by_label("Employeur ou organisme").fill("Propreté Dijonnaise")
    page.get_by_label("Début").fill((today - timedelta(days=190)).isoformat())
    page.get_by_label("Heures hebdomadaires").fill("35")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("les sorties positives ont été recalculées").wait_for()
    assert page.get_by_role("heading", name="Sorties positives détectées").is_visible()

    page.get_by_role("link", name="Référent(e) de parcours").click()
    row = page.get_by_role("row", name="LAMBERT Inès")
    assert "Sortie positive détectée : à confirmer." in row.inner_text()
    assert "Aucun entretien" not in row.inner_text()
    assert participant.entretiens.count() == 1
