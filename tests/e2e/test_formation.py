"""Journey: a référent records a participant's training need; the chargé de mission finds it in the
training needs, positions the participant on a POEC session, sees the positionnement "Proposé" on
the session page, and (when the Région report exists) sees the need counted in its field."""

import pytest
from django.urls import NoReverseMatch, reverse

from formation.factories import OrganismeFormationFactory, SessionFormationFactory, domaine
from formation.models import BesoinFormation, Dispositif, PositionnementFormation, TypeBesoin
from participants.factories import ParticipantFactory
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import naviguer

TRANSPORT = "Transport, manutention, magasinage"


def _connexion(page, live_server, user):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()


def _deconnexion(page):
    page.locator("nav").get_by_role("button", name="Camille").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Adresse e-mail").wait_for()


@pytest.fixture
def sessions(make_user):
    charge = make_user(Role.CHARGE_MISSION)
    organisme = OrganismeFormationFactory(nom="AFPA Dijon-Longvic")
    poec = SessionFormationFactory(
        organisme=organisme,
        intitule="POEC Cariste d'entrepôt",
        dispositif=Dispositif.POEC,
        domaine=domaine("transport-logistique"),
        capacite=12,
        cree_par=charge,
    )
    # Another open session, of another field: listed after the need's field.
    SessionFormationFactory(
        organisme=organisme, intitule="Titre pro Agent de propreté", domaine=domaine("proprete"), cree_par=charge
    )
    return charge, poec


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_training_need_positioned_on_a_poec_session(live_server, page, make_user, sessions):
    charge, poec = sessions
    referent = make_user(Role.REFERENT)
    ines = ParticipantFactory(entre=True, referent=referent, nom="Lambert", prenom="Inès")

    # 1. The référent records the need from the participant's page.
    _connexion(page, live_server, referent)
    page.get_by_role("link", name="LAMBERT Inès").click()
    bloc = page.get_by_role("region", name="Besoins de formation")
    assert "Aucun besoin de formation enregistré." in bloc.inner_text()
    bloc.get_by_role("link", name="Ajouter un besoin de formation").click()
    page.get_by_label("Formation souhaitée").fill("CACES R489")
    page.get_by_label("Nature").select_option(label="Certification (CACES, habilitation, titre…)")
    page.get_by_label("Domaine").select_option(label=TRANSPORT)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Besoin de formation « CACES R489 » enregistré.").wait_for()
    bloc = page.get_by_role("region", name="Besoins de formation")
    besoins = bloc.get_by_role("listitem")
    assert besoins.count() == 1
    assert "CACES R489" in besoins.inner_text() and TRANSPORT in besoins.inner_text()
    assert "Exprimé" in besoins.inner_text()

    # 2. The chargé de mission finds it among the training needs and positions Inès on the POEC.
    _deconnexion(page)
    _connexion(page, live_server, charge)
    naviguer(page, "Formation", "Besoins de formation")
    page.get_by_text("1 besoin.", exact=True).wait_for()
    ligne = page.get_by_role("row").filter(has_text="CACES R489")
    assert "LAMBERT Inès" in ligne.inner_text()
    assert TRANSPORT in ligne.inner_text()
    assert f"Référent : {referent}" in ligne.inner_text()
    ligne.get_by_role("link", name="Positionner sur une session").click()

    page.get_by_role("heading", name="Positionner Inès LAMBERT sur une session").wait_for()
    proposees = page.locator("tbody tr label").all_inner_texts()
    assert proposees == ["POEC Cariste d'entrepôt", "Titre pro Agent de propreté"]  # the need's field first
    page.get_by_label("POEC Cariste d'entrepôt").check()
    page.get_by_role("button", name="Proposer sur cette session").click()
    page.get_by_text(f"{ines} est proposé(e) sur « POEC Cariste d'entrepôt ».").wait_for()

    page.get_by_role("link", name="Voir la session").click()
    page.get_by_role("heading", name="POEC Cariste d'entrepôt").wait_for()
    positionnements = page.get_by_role("region", name="Positionnements")
    assert "LAMBERT Inès" in positionnements.inner_text()
    assert positionnements.locator(".badge", has_text="Proposé").count() == 1
    assert "besoin : CACES R489" in positionnements.inner_text()

    besoin = BesoinFormation.objects.get(participant=ines)
    assert besoin.type == TypeBesoin.CERTIFICATION and besoin.domaine.code == "transport-logistique"
    assert PositionnementFormation.objects.get(session=poec, participant=ines).besoin == besoin

    # 3. The Région report, once it exists, counts the need in its field.
    try:
        url_rapport = reverse("formation:rapport")
    except NoReverseMatch:
        return
    page.goto(f"{live_server.url}{url_rapport}")
    par_domaine = page.locator("#tableau-domaine")
    ligne = par_domaine.get_by_role("row").filter(has=page.get_by_role("rowheader", name=TRANSPORT, exact=True))
    assert ligne.get_by_role("cell").all_inner_texts()[:2] == ["1", "1"]  # besoins, personnes of the period
