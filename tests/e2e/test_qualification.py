"""Journey: the chargé de mission works the morning's queue without the mouse — qualify with `q`,
discard with `e` + a motif chosen with the arrow keys + Enter, move on with `n`, answer a checklist
question with `2` — and the queue counter goes down."""

import pytest

from offres.enums import MotifEcart, StatutOffre
from offres.factories import OffreFactory
from offres.models import Diffusion
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_charge_de_mission_processes_the_queue_with_the_keyboard(live_server, page, make_user):
    charge = make_user(Role.CHARGE_MISSION)
    referent = make_user(Role.REFERENT)
    titres = ["Agent de propreté (H/F)", "Soudeur TIG/MIG (H/F)", "Cariste (H/F)", "Plongeur (H/F)"]
    offres = [
        OffreFactory(intitule=titre, age_jours=40 - 10 * i, description="Permis B exigé. Débutants acceptés.")
        for i, titre in enumerate(titres)
    ]

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(charge.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()

    page.goto(f"{live_server.url}/offres/qualification/")
    page.get_by_text("Offre 1 sur 4").wait_for()
    assert page.get_by_role("heading", name=titres[0]).is_visible()
    assert page.get_by_text("Raccourcis clavier").is_visible()
    # The suggestion read in the text is pre-selected, for the person to confirm.
    assert page.get_by_role("group", name="Permis B exigé").get_by_label("Oui").is_checked()

    # 1. Qualify the first offer with `q`: it is diffused and the next one opens.
    page.keyboard.press("q")
    page.get_by_text("qualifiée et diffusée à 1 référent").wait_for()
    page.get_by_text("Offre 1 sur 3").wait_for()
    assert page.get_by_role("heading", name=titres[1]).is_visible()

    # 2. Discard the second: `e` goes to the motif, an arrow key picks the first one, Enter discards.
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "id_motif_ecart"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.get_by_text("Offre 1 sur 2").wait_for()
    assert page.get_by_role("heading", name=titres[2]).is_visible()
    assert page.get_by_role("button", name="Annuler l'écart").is_visible()

    # 3. Skip the third with `n`, then come back with `p`, then go forward again with `j`.
    page.keyboard.press("n")
    page.get_by_text("Offre 2 sur 2").wait_for()
    assert page.get_by_role("heading", name=titres[3]).is_visible()
    page.keyboard.press("p")
    page.get_by_text("Offre 1 sur 2").wait_for()
    page.keyboard.press("j")
    page.get_by_text("Offre 2 sur 2").wait_for()

    # 4. On the fourth, answer "Non" to the licence question with `2` (Tab into the group first),
    #    then qualify with `q`: the queue wraps to the skipped offer.
    page.keyboard.press("Tab")
    for _ in range(40):
        if page.evaluate("document.activeElement.name") == "permis_requis":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("2")
    assert page.get_by_role("group", name="Permis B exigé").get_by_label("Non", exact=True).is_checked()
    # Typing in a text field does not trigger shortcuts.
    page.get_by_label("Horaires").focus()
    page.keyboard.type("nuit, week-end")
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("q")
    page.get_by_text("Offre 1 sur 1").wait_for()
    assert page.get_by_role("heading", name=titres[2]).is_visible()

    for offre in offres:
        offre.refresh_from_db()
    assert offres[0].statut == StatutOffre.DIFFUSEE
    assert Diffusion.objects.filter(offre=offres[0], referent=referent).exists()
    assert offres[1].statut == StatutOffre.ECARTEE and offres[1].motif_ecart == MotifEcart.values[0]
    assert offres[2].statut == StatutOffre.COLLECTEE
    assert offres[3].statut == StatutOffre.DIFFUSEE
    assert offres[3].permis_requis is False and offres[3].horaires == "nuit, week-end"
