"""The XLSX export of the participants' FSE data: its sheets, headers and values, formula
neutralisation, the download's log entry and headers, and a constant number of queries."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fse import exports, rules
from fse.models import DonneesFseParticipant
from participants.enums import MotifSortie, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Participant
from plie.models import JournalAcces, NiveauFormation, QuartierPrioritaire
from plie.roles import Role

pytestmark = pytest.mark.django_db

DEBUT, FIN = date(2025, 1, 1), date(2025, 3, 31)
AUJOURD_HUI = date(2025, 4, 1)
EXPORT = reverse("fse:donnees_export")
QS = "du=2025-01-01&au=2025-03-31"


def personne(referent, nom, *, entree, sortie=None, **champs):
    if sortie is not None:
        champs.update(statut=StatutParticipant.SORTI, date_sortie=sortie, motif_sortie=MotifSortie.CDD)
    else:
        champs.setdefault("statut", StatutParticipant.ENTRE)
    champs.setdefault("situation_marche_travail", "DE")
    return ParticipantFactory(
        referent=referent, nom=nom, date_entree=entree, date_candidature=entree - timedelta(days=30), **champs
    )


@pytest.fixture
def jeu(referent):
    qpv = QuartierPrioritaire.objects.order_by("pk").first()
    sortie = personne(
        referent,
        '=HYPERLINK("http://x")',
        prenom="@Eve",
        entree=date(2024, 10, 1),
        sortie=date(2025, 2, 10),
        sexe="F",
        date_naissance=date(1995, 2, 11),  # 29 on the entry day
        situation_marche_travail="DELD",
        niveau_formation=NiveauFormation.objects.filter(isced=2).order_by("rang").first(),
        reconnaissance_handicap=True,
        quartier_prioritaire=qpv,
    )
    DonneesFseParticipant.objects.create(
        participant=sortie,
        menage=rules.Menage.ISOLE_ENFANTS,
        pays_tiers=rules.Collecte.OUI,
        sans_domicile=True,
        resultat_constate_le=date(2025, 3, 10),  # exit + 28 days
        en_emploi=True,
    )
    en_cours = personne(referent, "Martin", entree=date(2025, 3, 31), situation_marche_travail="")
    personne(referent, "Avant", entree=date(2024, 1, 2), sortie=date(2024, 12, 31))  # left before the period
    personne(referent, "Apres", entree=date(2025, 4, 1))  # entered after it
    return {"sortie": sortie, "en_cours": en_cours}


def classeur(**kwargs):
    fichier = io.BytesIO()
    nombre = exports.ecrire_donnees_participants(fichier, DEBUT, FIN, AUJOURD_HUI, **kwargs)
    return nombre, load_workbook(io.BytesIO(fichier.getvalue()))


def lignes(feuille):
    entetes, *reste = feuille.iter_rows(values_only=True)
    return [dict(zip(entetes, ligne, strict=True)) for ligne in reste]


def test_the_workbook_sheets_and_headers(jeu):
    nombre, wb = classeur()
    assert nombre == 2
    assert wb.sheetnames == ["Participants", "Indicateurs", "Définitions"]
    entetes = next(wb["Participants"].iter_rows(values_only=True))
    assert list(entetes) == exports.ENTETES
    assert entetes[:3] == ("Identifiant", "Nom", "Prénom")
    for attendu in (
        "Tranche d'âge",
        "Tranche CITE",
        "RQTH",
        "QPV",
        "Résultat dans les 4 semaines",
        "Situation à 6 mois",
    ):
        assert attendu in entetes
    assert entetes[-1] == "Données manquantes"


def test_a_rows_values(jeu):
    _nombre, wb = classeur()
    par_nom = {ligne["Nom"]: ligne for ligne in lignes(wb["Participants"])}
    assert set(par_nom) == {'\'=HYPERLINK("http://x")', "Martin"}  # neutralised, never a formula
    ligne = par_nom['\'=HYPERLINK("http://x")']
    assert ligne["Prénom"] == "'@Eve"
    assert ligne["Identifiant"] == jeu["sortie"].identifiant
    assert ligne["Sexe"] == "Femme"
    assert ligne["Date de naissance"] == datetime(1995, 2, 11)  # a real date
    assert (ligne["Âge à l'entrée"], ligne["Tranche d'âge"]) == (29, "18 à 29 ans")
    assert ligne["Date d'entrée"] == datetime(2024, 10, 1)
    assert ligne["Situation sur le marché du travail à l'entrée"].startswith("Demandeur d'emploi de longue durée")
    assert (ligne["CITE"], ligne["Tranche CITE"]) == (2, "CITE 0 à 2")
    assert (ligne["RQTH"], ligne["QPV"], ligne["Sans domicile"], ligne["Zone rurale"]) == ("Oui", "Oui", "Oui", "Non")
    assert ligne["Commune"] == jeu["sortie"].commune.nom
    assert ligne["Situation du ménage"] == "Adulte isolé avec enfant(s) à charge"
    assert (ligne["Pays tiers"], ligne["Origine étrangère"]) == ("Oui", "Non collecté")
    assert ligne["Date de sortie"] == datetime(2025, 2, 10)
    assert ligne["Motif de sortie"] == "Sortie positive : CDD"
    assert ligne["Résultat constaté le"] == datetime(2025, 3, 10)
    assert ligne["Résultat dans les 4 semaines"] == "Oui"
    assert (ligne["En emploi"], ligne["En formation"], ligne["En recherche d'emploi"]) == ("Oui", "Non", "Non")
    assert ligne["Suivi à 6 mois dû le"] == datetime(2025, 8, 10)
    assert ligne["Suivi réalisé le"] is None and ligne["Situation à 6 mois"] is None
    assert ligne["Données manquantes"] is None  # complete on 1 April

    en_cours = par_nom["Martin"]
    assert en_cours["Date de sortie"] is None and en_cours["Résultat dans les 4 semaines"] is None
    assert en_cours["En emploi"] is None and en_cours["Suivi à 6 mois dû le"] is None
    assert en_cours["Données manquantes"] == "situation sur le marché du travail à l'entrée ; situation du ménage"
    cellule = wb["Participants"]["H2"]
    assert cellule.number_format == exports.FORMAT_DATE


def test_the_indicators_and_definitions_sheets(jeu):
    _nombre, wb = classeur()
    valeurs = {ligne[2]: ligne[1] for ligne in wb["Indicateurs"].iter_rows(values_only=True) if len(ligne) > 2}
    assert valeurs["participants"] == 1  # Martin, entered on the last day; not Après
    assert valeurs["sortis"] == 1 and valeurs["sortie_emploi"] == 1 and valeurs["sortie_non_constatee"] == 0
    assert valeurs["suivi_du"] == 0
    textes = " ".join(str(v) for ligne in wb["Définitions"].iter_rows(values_only=True) for v in ligne if v)
    assert "règle des 4 semaines" in textes and "28 jours" in textes
    assert "le 31 août donne le 28 ou 29 février" in textes
    for entete in exports.ENTETES:
        assert entete in textes
    for _code, libelle, _test in rules.INDICATEURS_ENTREE + rules.INDICATEURS_SORTIE + rules.INDICATEURS_SUIVI:
        assert libelle in textes


def test_the_export_narrowed_to_a_caseload(jeu, make_user):
    autre = make_user(Role.REFERENT)
    personne(autre, "Autre", entree=DEBUT)
    assert classeur()[0] == 3
    nombre, wb = classeur(queryset=Participant.objects.filter(referent=autre))
    assert nombre == 1 and [ligne["Nom"] for ligne in lignes(wb["Participants"])] == ["Autre"]


def test_a_path_as_destination(jeu, tmp_path):
    chemin = tmp_path / "donnees.xlsx"
    assert exports.ecrire_donnees_participants(chemin, DEBUT, FIN, AUJOURD_HUI) == 2
    assert load_workbook(chemin).sheetnames[0] == "Participants"


def _volume(referent, n):
    for i in range(n):
        p = personne(
            referent, f"Volume{i}", entree=DEBUT + timedelta(days=i), sortie=date(2025, 3, 1) if i % 2 else None
        )
        if i % 3:
            DonneesFseParticipant.objects.create(participant=p, menage=rules.Menage.AUTRE)


def test_the_number_of_queries_does_not_depend_on_the_number_of_rows(jeu, referent, django_assert_num_queries):
    with django_assert_num_queries(4):  # the rows, then the three indicator tables
        classeur()
    _volume(referent, 25)
    with django_assert_num_queries(4):
        assert classeur()[0] == 27


# --- The download ------------------------------------------------------------------------------


def test_the_download_is_logged_and_not_cached(jeu, client, make_user):
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    reponse = client.get(f"{EXPORT}?{QS}")
    assert reponse.status_code == 200
    assert reponse["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert reponse["Cache-Control"] == "private, no-store"
    assert 'filename="donnees-fse-20250101-20250331.xlsx"' in reponse["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(reponse.streaming_content)))
    assert len(lignes(wb["Participants"])) == 2
    journal = JournalAcces.objects.get()
    assert (journal.utilisateur, journal.action, journal.objet_type) == (
        auditeur,
        JournalAcces.Action.EXPORT,
        "donnees_fse",
    )
    assert journal.detail == "Données FSE des participants du 01/01/2025 au 31/03/2025 : 2 participant(s)"


def test_the_download_defaults_to_the_current_year(client_as):
    reponse = client_as(Role.COORDINATRICE).get(EXPORT)
    assert reponse.status_code == 200
    assert JournalAcces.objects.get().detail.startswith("Données FSE des participants du 01/01/")


def test_the_download_has_a_constant_number_of_queries(jeu, referent, client_as):
    client = client_as(Role.COORDINATRICE)
    url = f"{EXPORT}?{QS}"
    client.get(url)  # warm the session

    def requetes():
        with CaptureQueriesContext(connection) as capture:
            reponse = client.get(url)
            b"".join(reponse.streaming_content)
        return len(capture)

    petit = requetes()
    _volume(referent, 25)
    assert requetes() == petit
