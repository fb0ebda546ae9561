"""The events calendar (month grid, upcoming list), the event page (attendance, preparation tasks,
cancellation), the event form, and who may open what."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises.factories import EntrepriseFactory
from entreprises.models import Evenement, Interaction, TacheEvenement, TypeEvenement, TypeInteraction
from plie.models import Commune
from plie.roles import Role

PARIS = ZoneInfo("Europe/Paris")
LISTE = reverse("entreprises:evenements")


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION)


@pytest.fixture
def creer(charge):
    """Create an event; three hours long unless told otherwise."""

    def fabrique(titre="Forum de l'emploi", debut=None, fin=None, participants=(), **champs):
        debut = debut or timezone.now() + timedelta(days=7)
        champs.setdefault("type", TypeEvenement.FORUM)
        champs.setdefault("lieu", "Salle des fêtes")
        champs.setdefault("cree_par", charge)
        evenement = Evenement.objects.create(titre=titre, debut=debut, fin=fin or debut + timedelta(hours=3), **champs)
        evenement.participants_plie.set(participants)
        return evenement

    return fabrique


def _grille(response):
    """{date: [(titre, commence)]} of the month grid in the response."""
    return {
        jour.date: [(o.evenement.titre, o.commence) for o in jour.occurrences]
        for semaine in response.context["semaines"]
        for jour in semaine
    }


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Month grid --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_month_grid_places_events_on_every_day_they_cover(client, charge, creer):
    client.force_login(charge)
    creer("Club du 31", debut=paris(2026, 3, 31, 18, 0), fin=paris(2026, 3, 31, 20, 0))
    creer("Job dating du 1er", debut=paris(2026, 4, 1, 0, 0), fin=paris(2026, 4, 1, 1, 0))
    creer("Salon sur deux mois", debut=paris(2026, 3, 30, 9, 0), fin=paris(2026, 4, 2, 17, 0))
    creer("Soirée jusqu'à minuit", debut=paris(2026, 3, 10, 20, 0), fin=paris(2026, 3, 11, 0, 0))

    mars = client.get(LISTE + "?mois=2026-03")
    assert mars.status_code == 200
    grille = _grille(mars)
    semaines = mars.context["semaines"]
    # Whole weeks, Monday first: March 2026 starts on a Sunday and ends on a Tuesday.
    assert semaines[0][0].date == date(2026, 2, 23) and semaines[-1][-1].date == date(2026, 4, 5)
    assert all(len(semaine) == 7 for semaine in semaines)
    assert grille[date(2026, 3, 31)] == [("Salon sur deux mois", False), ("Club du 31", True)]
    # The first of April is shown in March's last week, greyed, with its own events only.
    assert grille[date(2026, 4, 1)] == [("Salon sur deux mois", False), ("Job dating du 1er", True)]
    assert grille[date(2026, 3, 30)] == [("Salon sur deux mois", True)]
    assert grille[date(2026, 4, 2)] == [("Salon sur deux mois", False)]
    assert grille[date(2026, 4, 3)] == []
    # Ending at midnight sharp does not spill onto the next day.
    assert grille[date(2026, 3, 10)] == [("Soirée jusqu'à minuit", True)]
    assert grille[date(2026, 3, 11)] == []
    page = mars.content.decode()
    assert "(suite)" in page and "18:00" in page

    avril = _grille(client.get(LISTE + "?mois=2026-04"))
    assert avril[date(2026, 4, 1)] == [("Salon sur deux mois", False), ("Job dating du 1er", True)]
    assert avril[date(2026, 3, 30)] == [("Salon sur deux mois", True)]  # April's grid starts on Monday 30 March
    assert avril[date(2026, 4, 2)] == [("Salon sur deux mois", False)]

    mai = client.get(LISTE + "?mois=2026-05")
    assert all(not titres for titres in _grille(mai).values())
    assert "Aucun événement prévu ce mois-ci." in mai.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("valeur", ["2026-13", "mars", "2026-3", "1850-01", "2026-03-01"])
def test_an_invalid_month_shows_the_current_one_with_a_french_message(client, charge, valeur):
    client.force_login(charge)
    response = client.get(LISTE, {"mois": valeur})
    assert response.status_code == 200
    assert response.context["premier"] == timezone.localdate().replace(day=1)
    assert any("n'est pas un mois valide" in message for message in _messages(response))


@pytest.mark.django_db
def test_today_is_highlighted_and_months_link_to_each_other_keeping_the_filters(client, charge):
    client.force_login(charge)
    page = client.get(LISTE).content.decode()
    assert page.count('aria-current="date"') == 1
    assert "Aujourd'hui" in page
    page = client.get(LISTE + "?mois=2026-03&type=forum").content.decode()
    assert 'aria-current="date"' not in page
    assert "?mois=2026-02&amp;type=forum" in page and "?mois=2026-04&amp;type=forum" in page
    assert "Mars 2026" in page


@pytest.mark.django_db
def test_month_filters_by_type_and_by_my_events(client, charge, creer, make_user):
    collegue = make_user(Role.REFERENT)
    creer("Forum", debut=paris(2026, 3, 5, 9, 0), participants=[charge])
    creer("Job dating", debut=paris(2026, 3, 6, 9, 0), type=TypeEvenement.JOB_DATING, participants=[collegue])
    client.force_login(charge)

    def titres(query):
        return sorted(t for titres in _grille(client.get(LISTE + query)).values() for t, _ in titres)

    assert titres("?mois=2026-03") == ["Forum", "Job dating"]
    assert titres("?mois=2026-03&type=job_dating") == ["Job dating"]
    assert titres("?mois=2026-03&mes=on") == ["Forum"]
    assert titres("?mois=2026-03&type=inconnu") == ["Forum", "Job dating"]  # bad value: no filter


def _compter(client, url):
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert response.status_code == 200
    return len(requetes), response


@pytest.mark.django_db
def test_month_query_count_is_constant(client, charge, creer, make_user):
    client.force_login(charge)
    equipe = [make_user(Role.REFERENT) for _ in range(3)]
    communes = list(Commune.objects.order_by("pk")[:5])
    creer("Premier", debut=paris(2026, 3, 2, 9, 0), participants=[charge], commune=communes[0])
    creer("Deuxième", debut=paris(2026, 3, 9, 9, 0), fin=paris(2026, 3, 11, 12, 0))
    petit, response = _compter(client, LISTE + "?mois=2026-03")
    assert sum(len(t) for t in _grille(response).values()) == 4
    for n in range(40):
        creer(
            f"Événement {n}",
            debut=paris(2026, 3, 1 + n % 28, 8 + n % 9, 0),
            fin=paris(2026, 3, 1 + n % 28, 18, 0) + timedelta(days=n % 3),
            participants=equipe[: n % 4],
            commune=communes[n % 5],
        )
    grand, response = _compter(client, LISTE + "?mois=2026-03")
    assert sum(len(t) for t in _grille(response).values()) > 60
    assert petit == grand


# --- Upcoming list -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_upcoming_and_ongoing_events_with_filters(client, charge, creer, make_user):
    maintenant = timezone.now()
    collegue = make_user(Role.REFERENT)
    creer("Passé", debut=maintenant - timedelta(days=3))
    creer("En cours", debut=maintenant - timedelta(hours=1), fin=maintenant + timedelta(hours=2), participants=[charge])
    creer("Job dating", debut=maintenant + timedelta(days=2), type=TypeEvenement.JOB_DATING, participants=[collegue])
    annule = creer("Club annulé", debut=maintenant + timedelta(days=5), type=TypeEvenement.CLUB, annule=True)
    client.force_login(charge)

    def titres(query=""):
        return [e.titre for e in client.get(LISTE + "?vue=liste" + query).context["evenements"]]

    assert titres() == ["En cours", "Job dating", "Club annulé"]
    assert titres("&type=job_dating") == ["Job dating"]
    assert titres("&mes=on") == ["En cours"]
    assert titres("&type=club&mes=on") == []
    page = client.get(LISTE + "?vue=liste").content.decode()
    assert "text-decoration-line-through" in page and "Annulé" in page
    assert reverse("entreprises:evenement", args=[annule.pk]) in page
    assert collegue.get_full_name() in page  # who from the PLIE goes
    vide = client.get(LISTE + "?vue=liste&type=salon").content.decode()
    assert "Aucun événement à venir ne correspond à ces critères." in vide


@pytest.mark.django_db
def test_list_empty_state_and_pagination_keeping_filters(client, charge, creer):
    client.force_login(charge)
    assert "Aucun événement à venir n'est enregistré." in client.get(LISTE + "?vue=liste").content.decode()
    debut = timezone.now() + timedelta(days=1)
    for n in range(30):
        creer(f"Forum {n:02d}", debut=debut + timedelta(hours=n))
    response = client.get(LISTE + "?vue=liste&type=forum")
    assert len(response.context["evenements"]) == 25
    page = response.content.decode()
    assert "Page 1 sur 2" in page and "vue=liste&amp;type=forum&amp;page=2" in page
    assert len(client.get(LISTE + "?vue=liste&type=forum&page=2").context["evenements"]) == 5


@pytest.mark.django_db
def test_list_query_count_is_constant(client, charge, creer, make_user):
    client.force_login(charge)
    equipe = [make_user(Role.REFERENT) for _ in range(3)]
    debut = timezone.now() + timedelta(days=1)
    for n in range(3):
        creer(f"Événement {n}", debut=debut + timedelta(days=n), participants=equipe[:n])
    petit, response = _compter(client, LISTE + "?vue=liste")
    assert len(response.context["evenements"]) == 3
    for n in range(40):
        creer(f"Autre {n}", debut=debut + timedelta(hours=n), participants=equipe[: n % 4])
    grand, response = _compter(client, LISTE + "?vue=liste")
    assert len(response.context["evenements"]) == 25
    assert petit == grand


# --- The event page ------------------------------------------------------------------------------


def _detail(evenement):
    return reverse("entreprises:evenement", args=[evenement.pk])


@pytest.mark.django_db
def test_event_page_shows_attendees_tasks_bilan_and_company_exchanges(client, charge, creer, make_user):
    referente = make_user(Role.REFERENT, first_name="Inès", last_name="Garnier")
    evenement = creer(
        "Forum des métiers de la logistique",
        debut=timezone.now() - timedelta(days=2),
        organisateur="Maison de l'emploi",
        bilan="Douze contacts pris, deux offres à venir.",
        participants=[referente],
    )
    TacheEvenement.objects.create(evenement=evenement, libelle="Réserver le stand", responsable=referente)
    entreprise = EntrepriseFactory(nom="Logistique Dupont")
    Interaction.objects.create(
        entreprise=entreprise,
        date=timezone.localdate() - timedelta(days=2),
        auteur=referente,
        type=TypeInteraction.EVENEMENT,
        resume="Besoin de caristes au printemps.",
        evenement=evenement,
    )
    client.force_login(charge)
    page = client.get(_detail(evenement)).content.decode()
    for attendu in (
        "Forum des métiers de la logistique",
        "Inès Garnier",
        "Réserver le stand",
        "Douze contacts pris",
        "Logistique Dupont",
        "Besoin de caristes au printemps.",
        "Maison de l&#x27;emploi",
    ):
        assert attendu in page
    assert reverse("entreprises:evenement_modifier", args=[evenement.pk]) in page
    assert reverse("entreprises:evenement_annuler", args=[evenement.pk]) in page


@pytest.mark.django_db
def test_event_page_query_count_is_constant(client, charge, creer, make_user):
    client.force_login(charge)
    equipe = [make_user(Role.REFERENT) for _ in range(4)]
    evenement = creer(debut=timezone.now() - timedelta(days=1), participants=equipe[:1])
    TacheEvenement.objects.create(evenement=evenement, libelle="Tâche 0", responsable=equipe[0])
    entreprise = EntrepriseFactory()

    def echange(n):
        Interaction.objects.create(
            entreprise=entreprise,
            date=timezone.localdate(),
            auteur=equipe[n % 4],
            type=TypeInteraction.EVENEMENT,
            resume=f"Échange {n}",
            evenement=evenement,
        )

    echange(0)
    petit, _ = _compter(client, _detail(evenement))
    evenement.participants_plie.set(equipe)
    for n in range(1, 12):
        TacheEvenement.objects.create(evenement=evenement, libelle=f"Tâche {n}", responsable=equipe[n % 4])
        echange(n)
    grand, response = _compter(client, _detail(evenement))
    assert len(response.context["taches"]) == 12 and len(response.context["interactions"]) == 12
    assert petit == grand


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.CHARGE_MISSION])
def test_participate_and_stop_participating(client, make_user, creer, role):
    utilisateur = make_user(role)
    evenement = creer()
    client.force_login(utilisateur)
    url = reverse("entreprises:evenement_participation", args=[evenement.pk])
    assert client.get(_detail(evenement)).content.decode().count("Je participe") == 1
    response = client.post(url, {"participe": "oui"})
    assert response.status_code == 302 and response.url == _detail(evenement)
    client.post(url, {"participe": "oui"})  # twice: still once
    assert list(evenement.participants_plie.all()) == [utilisateur]
    page = client.get(_detail(evenement)).content.decode()
    assert "Je ne participe plus" in page and "(vous)" in page
    client.post(url, {"participe": "non"})
    assert not evenement.participants_plie.exists()
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_a_cancelled_event_cannot_be_joined_but_can_be_left(client, make_user, creer):
    referent = make_user(Role.REFERENT)
    autre = make_user(Role.REFERENT)
    evenement = creer(annule=True, participants=[autre])
    url = reverse("entreprises:evenement_participation", args=[evenement.pk])
    client.force_login(referent)
    assert "Je participe" not in client.get(_detail(evenement)).content.decode()
    response = client.post(url, {"participe": "oui"}, follow=True)
    assert "est annulé : on ne peut plus s&#x27;y inscrire" in response.content.decode()
    assert list(evenement.participants_plie.all()) == [autre]
    client.force_login(autre)
    client.post(url, {"participe": "non"})
    assert not evenement.participants_plie.exists()


# --- Preparation tasks -----------------------------------------------------------------------


@pytest.mark.django_db
def test_tasks_add_mark_done_and_delete_without_javascript(client, charge, creer, make_user):
    referent = make_user(Role.REFERENT)
    evenement = creer()
    client.force_login(charge)
    ajouter = reverse("entreprises:evenement_tache_ajouter", args=[evenement.pk])
    response = client.post(
        ajouter, {"libelle": "Imprimer les flyers", "responsable": referent.pk, "echeance": "2026-12-01"}
    )
    assert response.status_code == 302 and response.url == _detail(evenement) + "#taches"
    tache = evenement.taches.get()
    assert (tache.libelle, tache.responsable, tache.echeance) == ("Imprimer les flyers", referent, date(2026, 12, 1))
    assert "Tâche « Imprimer les flyers » ajoutée." in _messages(client.get(_detail(evenement)))

    faite = reverse("entreprises:evenement_tache_faite", args=[evenement.pk, tache.pk])
    client.post(faite, {"faite": "oui"})
    client.post(faite, {"faite": "oui"})  # a double click does not undo it
    tache.refresh_from_db()
    assert tache.faite
    client.post(faite, {"faite": "non"})
    tache.refresh_from_db()
    assert not tache.faite

    client.post(reverse("entreprises:evenement_tache_supprimer", args=[evenement.pk, tache.pk]))
    assert not evenement.taches.exists()

    # An empty task: the page again, with the error, and nothing saved.
    response = client.post(ajouter, {"libelle": ""})
    assert response.status_code == 400
    assert "Décrivez la tâche à préparer." in response.content.decode()
    assert not evenement.taches.exists()


@pytest.mark.django_db
def test_tasks_through_htmx_return_the_task_list_only(client, charge, creer):
    evenement = creer()
    client.force_login(charge)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(
        reverse("entreprises:evenement_tache_ajouter", args=[evenement.pk]), {"libelle": "Stand et kakémono"}, **htmx
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment and "Stand et kakémono" in fragment and 'role="status"' in fragment
    assert not _messages(response)  # the announcement is in the fragment, not queued for the next page
    tache = evenement.taches.get()
    response = client.post(
        reverse("entreprises:evenement_tache_faite", args=[evenement.pk, tache.pk]), {"faite": "oui"}, **htmx
    )
    assert "Remettre à faire" in response.content.decode()
    response = client.post(reverse("entreprises:evenement_tache_ajouter", args=[evenement.pk]), {"libelle": ""}, **htmx)
    assert response.status_code == 200 and "Décrivez la tâche à préparer." in response.content.decode()
    response = client.post(reverse("entreprises:evenement_tache_supprimer", args=[evenement.pk, tache.pk]), **htmx)
    assert "Aucune tâche de préparation." in response.content.decode()


@pytest.mark.django_db
def test_a_task_of_another_event_is_not_found_and_a_cancelled_event_takes_no_new_task(client, charge, creer):
    evenement, autre = creer(), creer("Autre")
    tache = TacheEvenement.objects.create(evenement=autre, libelle="Ailleurs")
    client.force_login(charge)
    url = reverse("entreprises:evenement_tache_faite", args=[evenement.pk, tache.pk])
    assert client.post(url, {"faite": "oui"}).status_code == 404
    annule = creer("Annulé", annule=True)
    response = client.post(reverse("entreprises:evenement_tache_ajouter", args=[annule.pk]), {"libelle": "Stand"})
    assert response.status_code == 400 and "plus de tâche à préparer" in response.content.decode()
    assert not annule.taches.exists()


# --- Cancel --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_asks_for_confirmation_and_keeps_the_event(client, charge, creer, make_user):
    evenement = creer(
        "Job dating de printemps", debut=paris(2026, 3, 12, 14, 0), participants=[make_user(Role.REFERENT)]
    )
    url = reverse("entreprises:evenement_annuler", args=[evenement.pk])
    client.force_login(charge)
    page = client.get(url).content.decode()
    assert "Confirmer l'annulation" in page and "pensez à la prévenir" in page
    evenement.refresh_from_db()
    assert not evenement.annule  # nothing happens on GET
    response = client.post(url)
    assert response.status_code == 302 and response.url == _detail(evenement)
    evenement.refresh_from_db()
    assert evenement.annule
    page = client.get(_detail(evenement)).content.decode()
    assert "<s>Job dating de printemps</s>" in page and "Annuler l'événement" not in page
    mois = client.get(LISTE + "?mois=2026-03").content.decode()
    assert "text-decoration-line-through" in mois and "Annulé" in mois
    # Asking again: told it is already cancelled.
    response = client.get(url)
    assert response.status_code == 302 and "est déjà annulé" in _messages(response)[0]


# --- Create and edit ----------------------------------------------------------------------------


def _donnees(**champs):
    donnees = {
        "titre": "Forum emploi de Chenôve",
        "type": TypeEvenement.FORUM,
        "debut": "2026-03-29T09:00",
        "fin": "2026-03-29T17:00",
        "lieu": "Centre culturel",
        "organisateur": "Ville de Chenôve",
        "description": "",
    }
    donnees.update(champs)
    return donnees


@pytest.mark.django_db
def test_create_reads_local_time_and_keeps_author_and_attendees(client, charge, make_user):
    referent = make_user(Role.REFERENT)
    commune = Commune.objects.valides_le(timezone.localdate()).first()
    client.force_login(charge)
    assert client.get(reverse("entreprises:evenement_nouveau")).status_code == 200
    response = client.post(
        reverse("entreprises:evenement_nouveau"),
        _donnees(commune=commune.pk, participants_plie=[referent.pk, charge.pk]),
    )
    evenement = Evenement.objects.get()
    assert response.status_code == 302 and response.url == _detail(evenement)
    # 09:00 in Paris on the day summer time starts is 07:00 UTC.
    assert evenement.debut == datetime(2026, 3, 29, 7, 0, tzinfo=ZoneInfo("UTC"))
    assert evenement.cree_par == charge and evenement.commune == commune
    assert set(evenement.participants_plie.all()) == {referent, charge}
    # Edited, the form shows the same wall-clock time back.
    page = client.get(reverse("entreprises:evenement_modifier", args=[evenement.pk])).content.decode()
    assert 'type="datetime-local"' in page and 'value="2026-03-29T09:00"' in page


@pytest.mark.django_db
def test_the_end_must_follow_the_start(client, charge):
    client.force_login(charge)
    response = client.post(reverse("entreprises:evenement_nouveau"), _donnees(fin="2026-03-29T08:00"))
    assert response.status_code == 400
    assert "La fin doit suivre le début." in response.content.decode()
    assert not Evenement.objects.exists()


@pytest.mark.django_db
def test_form_choices_valid_communes_and_active_staff_only(client, charge, make_user):
    today = timezone.localdate()
    ancienne = Commune.objects.create(insee="21999", nom="Commune fusionnée", valide_au=today - timedelta(days=1))
    referent = make_user(Role.REFERENT)
    parti = make_user(Role.REFERENT, is_active=False)
    auditeur = make_user(Role.AUDITEUR_FSE)
    sans_role = make_user(None)
    client.force_login(charge)
    form = client.get(reverse("entreprises:evenement_nouveau")).context["form"]
    assert ancienne not in form.fields["commune"].queryset
    assert form.fields["commune"].queryset.count() == Commune.objects.valides_le(today).count()
    equipe = set(form.fields["participants_plie"].queryset)
    assert {referent, charge} <= equipe and not {parti, auditeur, sans_role} & equipe
    assert "bilan" not in form.fields  # nothing to tell before the event
    response = client.post(reverse("entreprises:evenement_nouveau"), _donnees(participants_plie=[parti.pk]))
    assert response.status_code == 400 and not Evenement.objects.exists()


@pytest.mark.django_db
def test_editing_keeps_a_departed_attendee_and_a_past_event_takes_a_bilan(client, charge, creer, make_user):
    parti = make_user(Role.REFERENT)
    evenement = creer(debut=timezone.now() - timedelta(days=3), participants=[parti])
    parti.is_active = False
    parti.save()
    client.force_login(charge)
    url = reverse("entreprises:evenement_modifier", args=[evenement.pk])
    form = client.get(url).context["form"]
    assert parti in form.fields["participants_plie"].queryset and "bilan" in form.fields
    debut = timezone.localtime(evenement.debut)
    donnees = _donnees(
        debut=f"{debut:%Y-%m-%dT%H:%M}",
        fin=f"{debut + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        participants_plie=[parti.pk],
        bilan="Vingt candidats rencontrés.",
    )
    assert client.post(url, donnees).status_code == 302
    evenement.refresh_from_db()
    assert evenement.bilan == "Vingt candidats rencontrés." and list(evenement.participants_plie.all()) == [parti]
    assert evenement.cree_par == charge


# --- Who may open what ---------------------------------------------------------------------------


@pytest.fixture
def pages(creer):
    evenement = creer()
    tache = TacheEvenement.objects.create(evenement=evenement, libelle="Stand")
    return {
        "lecture": [LISTE, LISTE + "?vue=liste", _detail(evenement)],
        "edition_get": [
            reverse("entreprises:evenement_nouveau"),
            reverse("entreprises:evenement_modifier", args=[evenement.pk]),
            reverse("entreprises:evenement_annuler", args=[evenement.pk]),
        ],
        "edition_post": [
            reverse("entreprises:evenement_nouveau"),
            reverse("entreprises:evenement_modifier", args=[evenement.pk]),
            reverse("entreprises:evenement_annuler", args=[evenement.pk]),
            reverse("entreprises:evenement_tache_ajouter", args=[evenement.pk]),
            reverse("entreprises:evenement_tache_faite", args=[evenement.pk, tache.pk]),
            reverse("entreprises:evenement_tache_supprimer", args=[evenement.pk, tache.pk]),
        ],
        "participation": reverse("entreprises:evenement_participation", args=[evenement.pk]),
        "evenement": evenement,
    }


@pytest.mark.django_db
def test_charge_de_mission_opens_every_page(client_as, pages):
    client = client_as(Role.CHARGE_MISSION)
    for url in pages["lecture"] + pages["edition_get"]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("entreprises:mon_calendrier")).status_code == 200
    page = client.get(LISTE).content.decode()
    assert reverse("entreprises:evenement_nouveau") in page


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE])
def test_referent_and_coordinatrice_read_and_participate_but_do_not_edit(client_as, pages, role):
    client = client_as(role)
    for url in pages["lecture"]:
        assert client.get(url).status_code == 200, url
    for url in pages["edition_get"]:
        assert client.get(url).status_code == 403, url
    for url in pages["edition_post"]:
        assert client.post(url, {"libelle": "x", "faite": "oui"}).status_code == 403, url
    assert client.post(pages["participation"], {"participe": "oui"}).status_code == 302
    assert pages["evenement"].participants_plie.count() == 1
    page = client.get(_detail(pages["evenement"])).content.decode()
    assert "Modifier" not in page and "Marquer faite" not in page and "Ajouter une tâche" not in page
    assert reverse("entreprises:evenement_nouveau") not in client.get(LISTE).content.decode()
    assert client.get(reverse("entreprises:mon_calendrier")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_auditeur_and_administrateur_get_403_on_every_event_page(client_as, pages, role):
    client = client_as(role)
    for url in pages["lecture"] + pages["edition_get"]:
        assert client.get(url).status_code == 403, url
    for url in [*pages["edition_post"], pages["participation"]]:
        assert client.post(url, {"participe": "oui"}).status_code == 403, url
    assert not pages["evenement"].participants_plie.exists()


@pytest.mark.django_db
def test_the_calendar_page_is_for_who_reads_events_or_actions(client_as):
    # The auditeur FSE reads the collective actions, so may subscribe; the administrateur reads neither.
    assert client_as(Role.AUDITEUR_FSE).get(reverse("entreprises:mon_calendrier")).status_code == 200
    client = client_as(Role.ADMINISTRATEUR)
    assert client.get(reverse("entreprises:mon_calendrier")).status_code == 403
    assert client.post(reverse("entreprises:calendrier_regenerer")).status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, pages):
    urls = [*pages["lecture"], *pages["edition_get"], reverse("entreprises:mon_calendrier")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url
    for url in [*pages["edition_post"], pages["participation"], reverse("entreprises:calendrier_regenerer")]:
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url


@pytest.mark.django_db
def test_an_unknown_event_is_a_404_for_readers_only(client_as):
    assert client_as(Role.REFERENT).get(reverse("entreprises:evenement", args=[999_999])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.REFERENT])
def test_event_pages_carry_no_inline_script_or_style(client_as, pages, role):
    client = client_as(role)
    for url in [*pages["lecture"], reverse("entreprises:mon_calendrier")]:
        html = client.get(url).content.decode()
        assert " style=" not in html and "<script>" not in html, url
