"""The iCalendar feed: RFC 5545 form (CRLF, folding at 75 octets, TEXT escaping, UTC times), what it
carries and what it must not (participants' names), and its secret-token access."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises import ical, services
from entreprises.models import ActionCollective, Evenement, Inscription, StatutAction, TypeAction, TypeEvenement
from participants.factories import ParticipantFactory
from plie.roles import Role

PARIS = ZoneInfo("Europe/Paris")
# The feed keeps 90 days of past events: the test reads it as on this day.
MAINTENANT = datetime(2026, 3, 20, 10, 0, tzinfo=PARIS)


def deplier(texte):
    """The content lines of an iCalendar text (RFC 5545 §3.1 unfolding), after checking its
    physical lines: CRLF-terminated, at most 75 octets each."""
    assert texte.endswith("\r\n")
    physiques = texte[:-2].split("\r\n")
    for ligne in physiques:
        assert "\r" not in ligne and "\n" not in ligne
        assert len(ligne.encode("utf-8")) <= 75, ligne
    logiques = []
    for ligne in physiques:
        if ligne.startswith(" "):
            logiques[-1] += ligne[1:]
        else:
            logiques.append(ligne)
    return logiques


def desechapper(valeur):
    resultat, i = [], 0
    while i < len(valeur):
        if valeur[i] == "\\":
            suivant = valeur[i + 1]
            resultat.append("\n" if suivant in "nN" else suivant)
            i += 2
        else:
            resultat.append(valeur[i])
            i += 1
    return "".join(resultat)


def composants(texte, nom="VEVENT"):
    """Each component ``nom`` as {property: [raw value]} (parameters dropped)."""
    trouves, courant = [], None
    for ligne in deplier(texte):
        if ligne == f"BEGIN:{nom}":
            courant = {}
        elif ligne == f"END:{nom}":
            trouves.append(courant)
            courant = None
        elif courant is not None:
            propriete, valeur = ligne.split(":", 1)
            courant.setdefault(propriete.split(";")[0], []).append(valeur)
    return trouves


# --- The format, unit by unit ------------------------------------------------------------------


def test_text_values_are_escaped():
    assert ical.echapper("Forum, emploi; BTP\\logistique") == "Forum\\, emploi\\; BTP\\\\logistique"
    assert ical.echapper("ligne 1\r\nligne 2\nligne 3\rfin") == "ligne 1\\nligne 2\\nligne 3\\nfin"
    assert ical.echapper("bip\x07\tok") == "bip\tok"  # no control characters but the tab


@pytest.mark.parametrize(
    "texte",
    [
        "DESCRIPTION:" + "a" * 200,
        "DESCRIPTION:" + "é" * 120,  # two octets each: a fold must not fall between them
        "SUMMARY:" + "Forum 🚀 de l'emploi à Chenôve " * 8,  # four-octet characters
        "SUMMARY:court",
    ],
)
def test_folding_keeps_lines_within_75_octets_without_splitting_a_character(texte):
    plie = ical.plier(texte)
    lignes = plie.split("\r\n")
    assert all(len(ligne.encode("utf-8")) <= 75 for ligne in lignes)
    assert all(ligne.startswith(" ") for ligne in lignes[1:])
    assert len(lignes[0].encode("utf-8")) > 72 or len(lignes) == 1  # lines are filled, not cut early
    assert "".join([lignes[0], *(ligne[1:] for ligne in lignes[1:])]) == texte


def test_times_are_in_utc_across_the_summer_time_change():
    assert ical.date_utc(datetime(2026, 3, 28, 9, 0, tzinfo=PARIS)) == "20260328T080000Z"
    assert ical.date_utc(datetime(2026, 3, 29, 9, 0, tzinfo=PARIS)) == "20260329T070000Z"
    assert ical.date_utc(datetime(2026, 10, 25, 9, 0, tzinfo=PARIS)) == "20261025T080000Z"


# --- The feed ----------------------------------------------------------------------------------


@pytest.fixture
def maintenant(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MAINTENANT)
    return MAINTENANT


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION, first_name="Nadia", last_name="Chargée")


@pytest.fixture
def flux(charge, make_user, maintenant):
    """The chargé(e) de mission's events and actions around the 2026 summer time change, with a
    colleague and participants whose names must stay out of the feed."""
    collegue = make_user(Role.REFERENT, first_name="Dominique", last_name="Secretnom")

    def evenement(titre, debut, **champs):
        champs.setdefault("type", TypeEvenement.FORUM)
        champs.setdefault("lieu", "Salle Devosge")
        objet = Evenement.objects.create(
            titre=titre, debut=debut, fin=debut + timedelta(hours=3), cree_par=charge, **champs
        )
        objet.participants_plie.set([charge, collegue])
        return objet

    samedi = evenement("Job dating, BTP; gros œuvre", datetime(2026, 3, 28, 9, 0, tzinfo=PARIS))
    dimanche = evenement(
        "Forum de l'emploi saisonnier",
        datetime(2026, 3, 29, 9, 0, tzinfo=PARIS),
        organisateur="Ville de Dijon",
        description="Stand n°12\\allée B.\nApporter les flyers ; prévoir 40 CV.\n" + "Détails à préciser " * 10,
    )
    annule = evenement("Club d'entreprises de Quetigny", datetime(2026, 4, 2, 18, 0, tzinfo=PARIS), annule=True)
    sans_moi = Evenement.objects.create(
        titre="Salon sans moi",
        type=TypeEvenement.SALON,
        debut=datetime(2026, 4, 3, 9, 0, tzinfo=PARIS),
        fin=datetime(2026, 4, 3, 12, 0, tzinfo=PARIS),
        lieu="Parc des expositions",
        cree_par=charge,
    )
    ancien = evenement("Trop ancien", datetime(2025, 11, 1, 9, 0, tzinfo=PARIS))
    action = ActionCollective.objects.create(
        type=TypeAction.ATELIER,
        titre="Atelier CV",
        date=datetime(2026, 3, 30).date(),
        heure_debut=time(9, 30),
        heure_fin=time(12, 0),
        lieu="PLIE, salle 2",
        animateur=charge,
        capacite=10,
        description="Avec Mme Secretnom et M. Participantnom",
        cree_par=charge,
    )
    for nom in ("Participantnom", "Autreparticipant"):
        Inscription.objects.create(action=action, participant=ParticipantFactory(nom=nom), inscrit_par=charge)
    action_annulee = ActionCollective.objects.create(
        type=TypeAction.ATELIER_SENIORS,
        titre="Atelier seniors",
        date=datetime(2026, 4, 7).date(),
        heure_debut=time(14, 0),
        heure_fin=time(16, 0),
        lieu="Maison des associations",
        animateur=charge,
        capacite=8,
        statut=StatutAction.ANNULEE,
        cree_par=charge,
    )
    return {
        "samedi": samedi,
        "dimanche": dimanche,
        "annule": annule,
        "sans_moi": sans_moi,
        "ancien": ancien,
        "action": action,
        "action_annulee": action_annulee,
        "collegue": collegue,
    }


def _url(utilisateur):
    return reverse("entreprises:calendrier_ics", args=[services.jeton_calendrier(utilisateur).jeton])


@pytest.mark.django_db
def test_the_feed_is_valid_icalendar_without_login(client, charge, flux, settings):
    settings.PLIE_URL = "https://plie.example.fr"
    response = client.get(_url(charge))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Cache-Control"] == "private, max-age=300"
    texte = response.content.decode("utf-8")
    lignes = deplier(texte)
    assert lignes[0] == "BEGIN:VCALENDAR" and lignes[-1] == "END:VCALENDAR"
    for attendue in ("VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"):
        assert attendue in lignes
    assert any(ligne.startswith("PRODID:") for ligne in lignes)
    assert any(ligne.startswith("X-WR-CALNAME:") for ligne in lignes)

    evenements = {desechapper(c["UID"][0]): c for c in composants(texte)}
    assert set(evenements) == {
        f"evenement-{flux['samedi'].pk}@plie.example.fr",
        f"evenement-{flux['dimanche'].pk}@plie.example.fr",
        f"evenement-{flux['annule'].pk}@plie.example.fr",
        f"action-{flux['action'].pk}@plie.example.fr",
        f"action-{flux['action_annulee'].pk}@plie.example.fr",
    }  # not the event they do not attend, nor one more than 90 days old
    for composant in evenements.values():
        for propriete in ("DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS", "LAST-MODIFIED"):
            assert len(composant[propriete]) == 1, propriete
        assert re.fullmatch(r"\d{8}T\d{6}Z", composant["LAST-MODIFIED"][0])
        assert composant["DTSTAMP"] == ["20260320T090000Z"]

    samedi = evenements[f"evenement-{flux['samedi'].pk}@plie.example.fr"]
    assert samedi["DTSTART"] == ["20260328T080000Z"] and samedi["DTEND"] == ["20260328T110000Z"]
    assert samedi["SUMMARY"] == ["Job dating\\, BTP\\; gros œuvre"]
    assert desechapper(samedi["SUMMARY"][0]) == "Job dating, BTP; gros œuvre"
    assert samedi["STATUS"] == ["CONFIRMED"]

    dimanche = evenements[f"evenement-{flux['dimanche'].pk}@plie.example.fr"]
    assert dimanche["DTSTART"] == ["20260329T070000Z"] and dimanche["DTEND"] == ["20260329T100000Z"]
    url = f"https://plie.example.fr{reverse('entreprises:evenement', args=[flux['dimanche'].pk])}"
    assert dimanche["URL"] == [url]
    description = desechapper(dimanche["DESCRIPTION"][0])
    assert "Stand n°12\\allée B.\nApporter les flyers ; prévoir 40 CV." in description
    assert "Organisé par Ville de Dijon" in description and url in description
    assert "\\n" in dimanche["DESCRIPTION"][0] and "\\\\allée" in dimanche["DESCRIPTION"][0]
    assert desechapper(dimanche["LOCATION"][0]) == "Salle Devosge"

    annule = evenements[f"evenement-{flux['annule'].pk}@plie.example.fr"]
    assert annule["STATUS"] == ["CANCELLED"]
    assert desechapper(annule["SUMMARY"][0]) == "Annulé : Club d'entreprises de Quetigny"

    action = evenements[f"action-{flux['action'].pk}@plie.example.fr"]
    assert action["DTSTART"] == ["20260330T073000Z"] and action["DTEND"] == ["20260330T100000Z"]
    assert desechapper(action["DESCRIPTION"][0]) == "2 inscrit(s) pour 10 place(s)"
    assert desechapper(action["LOCATION"][0]) == "PLIE, salle 2"
    assert action["URL"] == [f"https://plie.example.fr{reverse('entreprises:action', args=[flux['action'].pk])}"]
    assert evenements[f"action-{flux['action_annulee'].pk}@plie.example.fr"]["STATUS"] == ["CANCELLED"]


@pytest.mark.django_db
def test_the_feed_names_nobody(client, charge, flux):
    texte = "".join(deplier(client.get(_url(charge)).content.decode("utf-8")))
    for nom in ("Secretnom", "Dominique", "Participantnom", "Autreparticipant", "Nadia", "Chargée", charge.email):
        assert nom not in texte


@pytest.mark.django_db
def test_uids_are_stable_from_one_read_to_the_next(client, charge, flux):
    premier = [c["UID"] for c in composants(client.get(_url(charge)).content.decode())]
    second = [c["UID"] for c in composants(client.get(_url(charge)).content.decode())]
    assert premier == second


@pytest.mark.django_db
def test_a_referent_feed_carries_the_events_they_attend(client, flux):
    texte = client.get(_url(flux["collegue"])).content.decode()
    resumes = {desechapper(c["SUMMARY"][0]) for c in composants(texte)}
    assert resumes == {
        "Job dating, BTP; gros œuvre",
        "Forum de l'emploi saisonnier",
        "Annulé : Club d'entreprises de Quetigny",
    }


@pytest.mark.django_db
def test_an_auditeur_feed_has_no_events(client, make_user, charge, maintenant):
    auditeur = make_user(Role.AUDITEUR_FSE)
    evenement = Evenement.objects.create(
        titre="Forum",
        type=TypeEvenement.FORUM,
        debut=MAINTENANT + timedelta(days=1),
        fin=MAINTENANT + timedelta(days=1, hours=2),
        lieu="Dijon",
        cree_par=charge,
    )
    evenement.participants_plie.add(auditeur)  # whoever added them, events are not theirs to read
    response = client.get(_url(auditeur))
    assert response.status_code == 200 and composants(response.content.decode()) == []


# --- Access by token --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wrong_or_regenerated_token_is_a_404(client, charge, flux):
    ancienne = _url(charge)
    assert client.get(ancienne).status_code == 200
    assert client.get(reverse("entreprises:calendrier_ics", args=["pas-le-bon-jeton"])).status_code == 404
    services.jeton_calendrier_regenerer(charge)
    assert client.get(ancienne).status_code == 404
    assert client.get(_url(charge)).status_code == 200


@pytest.mark.django_db
def test_an_inactive_account_or_one_without_events_nor_actions_is_a_404(client, charge, make_user, flux):
    url = _url(charge)
    charge.is_active = False
    charge.save()
    assert client.get(url).status_code == 404
    assert client.get(_url(make_user(Role.ADMINISTRATEUR))).status_code == 404


@pytest.mark.django_db
def test_the_feed_accepts_head_and_refuses_post(client, charge, flux):
    assert client.head(_url(charge)).status_code == 200
    assert client.post(_url(charge)).status_code == 405


# --- The subscription page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_page_shows_the_absolute_address_and_regenerates_it(client, charge):
    client.force_login(charge)
    page = client.get(reverse("entreprises:mon_calendrier")).content.decode()
    jeton = charge.jeton_calendrier.jeton
    assert f'value="http://testserver/entreprises/calendrier/{jeton}.ics"' in page
    assert f'href="webcal://testserver/entreprises/calendrier/{jeton}.ics"' in page
    for mot in ("Outlook", "Google", "Thunderbird", "cessera aussitôt de fonctionner"):
        assert mot in page
    response = client.post(reverse("entreprises:calendrier_regenerer"), follow=True)
    charge.refresh_from_db()
    assert charge.jeton_calendrier.jeton != jeton
    assert "l&#x27;ancienne ne fonctionne plus" in response.content.decode()
    assert client.get(reverse("entreprises:calendrier_ics", args=[jeton])).status_code == 404
    assert client.get(reverse("entreprises:mon_calendrier")).context["jeton"].jeton == charge.jeton_calendrier.jeton
    assert client.get(reverse("entreprises:calendrier_regenerer")).status_code == 405


@pytest.mark.django_db
def test_the_feed_query_count_is_constant(client, charge, flux):
    def compter():
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(_url(charge)).status_code == 200
        return len(requetes)

    _url(charge)  # the token exists before counting
    petit = compter()
    for n in range(20):
        evenement = Evenement.objects.create(
            titre=f"Forum {n}",
            type=TypeEvenement.FORUM,
            debut=MAINTENANT + timedelta(days=n),
            fin=MAINTENANT + timedelta(days=n, hours=2),
            lieu="Dijon",
            commune=flux["dimanche"].commune,
            cree_par=charge,
        )
        evenement.participants_plie.add(charge)
    assert compter() == petit
