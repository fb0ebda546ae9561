"""Journey: an offer qualified and diffused by the chargé de mission reaches a référent's start
page as "Nouveau"; the référent positions a suggested participant, follows the positionnement to
``retenu``, and the participant's page shows the contract situation created from the offer."""

import pytest

from offres.models import Positionnement
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.offres.fabriques_positionnement import offre_diffusee, participant


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_referent_positions_a_participant_until_hired(live_server, page, make_user):
    charge, referent = make_user(Role.CHARGE_MISSION), make_user(Role.REFERENT)
    personne = participant(referent, nom="Lambert", prenom="Inès")
    offre = offre_diffusee(
        charge,
        [referent],
        intitule="Agent de propreté (H/F)",
        entreprise=None,
        employeur="Propreté Dijonnaise",
        commune=personne.commune,
    )

    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(referent.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    bloc = page.get_by_role("region", name="Offres à positionner")
    ligne = bloc.get_by_role("listitem").filter(has_text="Agent de propreté (H/F)")
    assert "Nouveau" in ligne.inner_text()

    ligne.get_by_role("link", name="Agent de propreté (H/F)").click()
    page.get_by_role("heading", name="Participants de votre portefeuille à qui proposer l'offre").wait_for()
    suggestions = page.get_by_role("region", name="Participants de votre portefeuille à qui proposer l'offre")
    assert "fait partie de son projet professionnel" in suggestions.inner_text()
    page.wait_for_load_state("load")
    case = page.get_by_label("LAMBERT Inès")
    case.check()
    assert case.is_checked()
    with page.expect_navigation():
        page.get_by_role("button", name="Positionner les participants cochés").click()
    page.get_by_text("1 positionnement créé").wait_for()

    page.get_by_role("region", name="Positionnements").get_by_role("link", name="LAMBERT Inès").click()
    page.get_by_label("Candidature envoyée").check()
    page.get_by_label("Note").fill("CV et lettre envoyés à l'employeur.")
    page.get_by_role("button", name="Enregistrer l'étape").click()
    page.get_by_text("Étape enregistrée : candidature envoyée.").wait_for()
    assert "CV et lettre envoyés" in page.get_by_role("region", name="Historique des étapes").inner_text()

    page.get_by_label("Retenu", exact=True).check()
    page.get_by_role("button", name="Enregistrer l'étape").click()
    page.get_by_text("la situation « contrat » a été créée sur sa fiche").wait_for()

    page.get_by_role("link", name="voir la fiche du participant").click()
    situations = page.get_by_role("region", name="Situations (contrats, formations, créations)")
    assert "Propreté Dijonnaise" in situations.inner_text()
    assert "Contrat à durée déterminée" in situations.inner_text()
    positionnement = Positionnement.objects.get(offre=offre, participant=personne)
    assert positionnement.statut == "retenu" and positionnement.situation is not None
