"""The weekly FSE agenda pages: the salarié's own week and the weeks awaiting validation."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fse import services
from fse.models import CategorieActivite, LigneAgenda, SemaineAgenda
from fse.rules import StatutSemaine
from plie.roles import Role

LUNDI = datetime.date(2025, 6, 2)  # a week with no public holiday
MARDI = LUNDI + datetime.timedelta(days=1)
URL = reverse("fse:semaine", kwargs={"jour": LUNDI.isoformat()})
A_VALIDER = reverse("fse:a_valider")

pytestmark = pytest.mark.django_db


@pytest.fixture
def categorie():
    return CategorieActivite.objects.filter(actif=True).first()


def ajouter(client, categorie, jour, heures, url=URL):
    data = {"action": "ajouter", "date": jour.isoformat(), "categorie": categorie.pk, "heures": heures}
    return client.post(url, data, follow=True)


def semaine_soumise(make_user, categorie, lundi=LUNDI, heures="7"):
    semaine = services.semaine_obtenir(make_user(Role.REFERENT), lundi)
    services.ligne_enregistrer(semaine, date=lundi, categorie=categorie, heures=Decimal(heures))
    return services.soumettre(semaine)


def test_the_whole_workflow_from_the_pages(client, make_user, categorie):
    referent = make_user(Role.REFERENT)
    client.force_login(referent)
    page = client.get(URL).content.decode()
    assert "Brouillon" in page and "Copier la semaine précédente" in page
    assert not SemaineAgenda.objects.exists()  # looking does not create the week

    ajouter(client, categorie, LUNDI, "6")
    page = ajouter(client, categorie, LUNDI, "4,5").content.decode()
    ajouter(client, categorie, MARDI, "3")
    page = client.get(URL).content.decode()
    assert "10,5 h" in page and "13,5 h" in page  # Monday's total, the week's total
    assert "au-delà de 10 h par jour" in page
    assert LigneAgenda.objects.filter(semaine__salarie=referent).count() == 3

    # A date outside the week is refused by the form.
    ajouter(client, categorie, LUNDI - datetime.timedelta(days=1), "2")
    assert LigneAgenda.objects.count() == 3

    page = client.post(URL, {"action": "soumettre"}, follow=True).content.decode()
    assert "Semaine soumise" in page
    semaine = SemaineAgenda.objects.get(salarie=referent)
    assert semaine.statut == StatutSemaine.SOUMISE

    coordinatrice = make_user(Role.COORDINATRICE)
    client.force_login(coordinatrice)
    page = client.get(A_VALIDER).content.decode()
    assert referent.last_name in page and "13,5 h" in page
    client.post(A_VALIDER, {"semaine": semaine.pk, "action": "valider"})
    semaine.refresh_from_db()
    assert semaine.statut == StatutSemaine.VALIDEE and semaine.validee_par == coordinatrice

    client.force_login(referent)
    page = client.get(URL).content.decode()
    assert "Corriger" in page and "Ajouter une ligne" not in page
    page = ajouter(client, categorie, MARDI, "1").content.decode()
    assert "ne peut plus être modifiée" in page
    assert LigneAgenda.objects.count() == 3

    page = client.post(URL, {"action": "corriger", "motif": ""}, follow=True).content.decode()
    assert "Indiquez le motif" in page and SemaineAgenda.objects.count() == 1
    client.post(URL, {"action": "corriger", "motif": "Oubli du vendredi"})
    correction = SemaineAgenda.objects.get(salarie=referent, version=2)
    assert correction.statut == StatutSemaine.BROUILLON and correction.motif_correction == "Oubli du vendredi"
    assert correction.lignes.count() == 3
    page = client.get(URL).content.decode()
    assert "version 2" in page and "Ajouter une ligne" in page


def test_sent_back_week_shows_the_comment_and_the_coordinatrice_must_give_one(client, make_user, categorie):
    semaine = semaine_soumise(make_user, categorie)
    client.force_login(make_user(Role.COORDINATRICE))
    page = client.post(A_VALIDER, {"semaine": semaine.pk, "action": "renvoyer"}, follow=True).content.decode()
    assert "Indiquez au salarié" in page
    client.post(A_VALIDER, {"semaine": semaine.pk, "action": "renvoyer", "commentaire": "Préciser mardi"})
    semaine.refresh_from_db()
    assert semaine.statut == StatutSemaine.RENVOYEE
    client.force_login(semaine.salarie)
    page = client.get(URL).content.decode()
    assert "Préciser mardi" in page and "Ajouter une ligne" in page


def test_delete_a_line_copy_the_previous_week_and_public_holidays(client, make_user, categorie):
    referent = make_user(Role.REFERENT)
    client.force_login(referent)
    ajouter(client, categorie, LUNDI, "7")
    ligne = LigneAgenda.objects.get()
    client.post(URL, {"action": "supprimer", "ligne": ligne.pk})
    assert not LigneAgenda.objects.exists()

    ajouter(client, categorie, LUNDI, "7")
    suivante = LUNDI + datetime.timedelta(days=7)
    url = reverse("fse:semaine", kwargs={"jour": (suivante + datetime.timedelta(days=3)).isoformat()})
    client.post(url, {"action": "copier"})
    assert LigneAgenda.objects.filter(date=suivante, semaine__lundi=suivante).count() == 1
    page = client.post(url, {"action": "copier"}, follow=True).content.decode()
    assert "réservée à une semaine vide" in page

    page = client.get(reverse("fse:semaine", kwargs={"jour": "2025-07-16"})).content.decode()
    assert "Férié : Fête nationale" in page
    assert client.get(reverse("fse:semaine", kwargs={"jour": "pas-une-date"})).status_code == 404


def test_nobody_reaches_another_persons_week(client, make_user, categorie):
    autre = semaine_soumise(make_user, categorie)
    ligne = autre.lignes.get()
    services.renvoyer(autre, make_user(Role.COORDINATRICE), "À revoir")
    referent = make_user(Role.REFERENT)
    client.force_login(referent)
    page = client.get(URL).content.decode()
    assert "À revoir" not in page and "7 h" not in page
    assert client.post(URL, {"action": "supprimer", "ligne": ligne.pk}).status_code == 404
    assert LigneAgenda.objects.filter(pk=ligne.pk).exists()
    client.post(URL, {"action": "soumettre"})
    autre.refresh_from_db()
    assert autre.statut == StatutSemaine.RENVOYEE
    assert not SemaineAgenda.objects.filter(salarie=referent, lignes__isnull=False).exists()


def test_permissions(client, make_user, categorie):
    semaine = semaine_soumise(make_user, categorie)
    for url in (URL, A_VALIDER):
        response = client.get(url)
        assert response.status_code == 302 and reverse("connexion") in response.url

    client.force_login(make_user(Role.AUDITEUR_FSE))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "soumettre"}).status_code == 403
    assert client.get(A_VALIDER).status_code == 403
    assert client.post(A_VALIDER, {"semaine": semaine.pk, "action": "valider"}).status_code == 403

    client.force_login(make_user(Role.REFERENT))
    assert client.get(A_VALIDER).status_code == 403
    assert client.post(A_VALIDER, {"semaine": semaine.pk, "action": "valider"}).status_code == 403
    semaine.refresh_from_db()
    assert semaine.statut == StatutSemaine.SOUMISE

    client.force_login(make_user(Role.CHARGE_MISSION))
    assert client.get(URL).status_code == 200


def test_navigation_links(client_as):
    assert reverse("fse:semaine") in client_as(Role.REFERENT).get(reverse("espace_referent")).content.decode()
    page = client_as(Role.COORDINATRICE).get(reverse("espace_coordinatrice")).content.decode()
    assert A_VALIDER in page and "Mon agenda FSE" not in page


def _compter(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(A_VALIDER)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_weeks_to_validate_query_count_is_constant(client, make_user, categorie):
    client.force_login(make_user(Role.COORDINATRICE))
    semaine_soumise(make_user, categorie)
    peu, _ = _compter(client)
    for n in range(1, 6):
        semaine_soumise(make_user, categorie, lundi=LUNDI + datetime.timedelta(days=7 * n), heures="8")
    beaucoup, page = _compter(client)
    assert peu == beaucoup
    assert "6 semaines soumises" in page and "8 h" in page
