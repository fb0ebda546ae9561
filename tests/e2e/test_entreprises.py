"""Journey: a référent logs a meeting with a company from its page and registers two participants of
their caseload to a company visit; the chargé de mission then prints the visit's attendance sheet,
whose PDF names both participants."""

import io
from datetime import time, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from entreprises.factories import EntrepriseFactory
from entreprises.models import ActionCollective, Interaction, TypeAction, TypeInteraction
from participants.factories import ParticipantFactory
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import naviguer


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
def visite(make_user):
    charge = make_user(Role.CHARGE_MISSION)
    entreprise = EntrepriseFactory(nom="Boulangerie Martin & Fils")
    action = ActionCollective.objects.create(
        type=TypeAction.VISITE,
        titre="Visite du fournil Martin",
        date=timezone.localdate() + timedelta(days=10),
        heure_debut=time(9, 0),
        heure_fin=time(11, 30),
        lieu="12 rue de la Liberté",
        commune=entreprise.commune,
        entreprise=entreprise,
        animateur=charge,
        capacite=10,
        cree_par=charge,
    )
    return charge, entreprise, action


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_referent_logs_an_exchange_and_registers_participants_to_a_visit(live_server, page, make_user, visite):
    charge, entreprise, action = visite
    referent = make_user(Role.REFERENT)
    ines = ParticipantFactory(entre=True, referent=referent, nom="Lambert", prenom="Inès")
    karim = ParticipantFactory(entre=True, referent=referent, nom="Benali", prenom="Karim")

    # 1. The company page: log a meeting with the quick form, it heads the timeline.
    _connexion(page, live_server, referent)
    naviguer(page, "Entreprises", "Entreprises")
    page.get_by_role("link", name="Boulangerie Martin & Fils").click()
    page.get_by_role("heading", name="Boulangerie Martin & Fils").wait_for()
    echanges = page.locator("#echanges")
    assert "Aucun échange consigné avec cette entreprise." in echanges.inner_text()

    formulaire = page.get_by_role("form", name="Consigner un échange avec l'entreprise")
    formulaire.get_by_label("Type").select_option(label="Rendez-vous")
    formulaire.get_by_label("Ce qui s'est dit").fill(
        "Besoin de deux vendeurs pour la rentrée ; visite du fournil proposée."
    )
    formulaire.get_by_role("button", name="Consigner l'échange").click()
    aujourd_hui = timezone.localdate().strftime("%d/%m/%Y")
    echanges.get_by_text(f"Échange du {aujourd_hui} consigné.").wait_for()
    chronologie = echanges.get_by_role("listitem")
    assert chronologie.count() == 1
    assert "Rendez-vous" in chronologie.first.inner_text()
    assert "Besoin de deux vendeurs pour la rentrée" in chronologie.first.inner_text()
    assert "Aucun échange consigné" not in echanges.inner_text()

    # 2. The company visit: register both participants of the caseload.
    naviguer(page, "Entreprises", "Actions collectives")
    page.get_by_role("link", name="Visite du fournil Martin").click()
    page.get_by_role("heading", name="Visite du fournil Martin").wait_for()
    assert "sur 10 (10 restantes)" in page.inner_text("main")
    assert "Aucun de vos participants n'est inscrit." in page.inner_text("main")
    for personne in (ines, karim):
        page.get_by_role("combobox", name="Participant").select_option(
            label=f"{personne.nom} {personne.prenom} ({personne.identifiant})"
        )
        page.get_by_role("button", name="Inscrire", exact=True).click()
        page.get_by_text(f"{personne} est inscrit(e) à « Visite du fournil Martin ».").wait_for()

    inscrits = page.get_by_role("table", name="Vos participants inscrits à l'action")
    assert inscrits.get_by_role("rowheader").all_inner_texts() == ["BENALI Karim", "LAMBERT Inès"]
    assert "2 inscrits sur 10 (8 restantes)" in page.inner_text("main")
    assert "Aucun participant de votre portefeuille à inscrire" in page.inner_text("main")
    # The référent does not print the sheet that names every participant.
    assert page.get_by_role("link", name="Feuille d'émargement (PDF)").count() == 0

    # 3. The chargé de mission prints the attendance sheet.
    _deconnexion(page)
    _connexion(page, live_server, charge)
    page.goto(f"{live_server.url}/entreprises/actions/{action.pk}/")
    assert page.get_by_role("table", name="Participants inscrits à l'action").get_by_role(
        "rowheader"
    ).all_inner_texts() == ["BENALI Karim", "LAMBERT Inès"]
    lien = page.get_by_role("link", name="Feuille d'émargement (PDF)")
    reponse = page.request.get(live_server.url + lien.get_attribute("href"))
    assert reponse.ok and reponse.headers["content-type"] == "application/pdf"
    assert "emargement-" in reponse.headers["content-disposition"]
    texte = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(reponse.body())).pages)
    for attendu in ("BENALI", "Karim", "LAMBERT", "Inès", "Visite du fournil Martin", "2 participants inscrits"):
        assert attendu in texte, attendu

    assert Interaction.objects.get(entreprise=entreprise).type == TypeInteraction.RENDEZ_VOUS
    assert action.inscriptions.count() == 2
