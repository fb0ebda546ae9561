"""Collective actions pages: list, action page with registrations (who sees whom), registration
rules through the views, creation / editing / cancellation, and the permissions of each page."""

from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises.factories import EntrepriseFactory
from entreprises.models import ActionCollective, Creneau, Inscription, Presence, StatutAction, TypeAction
from participants.factories import ParticipantFactory
from plie.roles import Role


def creer_action(*, cree_par, jours=7, capacite=10, creneau=Creneau.MATIN, type_action=TypeAction.ATELIER, **champs):
    """An action ``jours`` days from today (negative: in the past), facilitated by its author."""
    champs.setdefault("titre", "Atelier CV et lettre de motivation")
    return ActionCollective.objects.create(
        type=type_action,
        date=timezone.localdate() + timedelta(days=jours),
        creneau=creneau,
        heure_debut=time(9),
        heure_fin=time(12) if creneau == Creneau.MATIN else time(17),
        lieu="Maison de l'emploi, 2 rue de la Préfecture",
        animateur=champs.pop("animateur", cree_par),
        capacite=capacite,
        cree_par=cree_par,
        **champs,
    )


def inscrire(action, participant, par):
    return Inscription.objects.create(action=action, participant=participant, inscrit_par=par)


def textes_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION, first_name="Claire", last_name="Chargée")


@pytest.fixture
def referente(make_user):
    return make_user(Role.REFERENT, first_name="Rita", last_name="Référente")


@pytest.fixture
def autre_referent(make_user):
    return make_user(Role.REFERENT, first_name="Omar", last_name="Autreréférent")


@pytest.fixture
def les_miens(referente):
    return [
        ParticipantFactory(entre=True, referent=referente, nom="Dupont", prenom="Alice"),
        ParticipantFactory(entre=True, referent=referente, nom="Durand", prenom="Bruno"),
    ]


@pytest.fixture
def les_autres(autre_referent):
    return [
        ParticipantFactory(entre=True, referent=autre_referent, nom="Lefèvre", prenom="Chloé"),
        ParticipantFactory(entre=True, referent=autre_referent, nom="Moreau", prenom="Driss"),
    ]


# --- List ---------------------------------------------------------------------------------------


def _titres(response):
    return [action.titre for action in response.context["actions"]]


@pytest.mark.django_db
def test_list_shows_upcoming_actions_first_soonest_on_top_by_default(client, charge):
    creer_action(cree_par=charge, jours=10, titre="Dans dix jours")
    creer_action(cree_par=charge, jours=0, titre="Aujourd'hui")
    creer_action(cree_par=charge, jours=-3, titre="Passée")
    client.force_login(charge)
    url = reverse("entreprises:actions")
    assert _titres(client.get(url)) == ["Aujourd'hui", "Dans dix jours"]
    assert _titres(client.get(url + "?periode=passees")) == ["Passée"]
    # All of them: upcoming first (soonest on top), then past (latest on top).
    creer_action(cree_par=charge, jours=-30, titre="Passée depuis longtemps")
    assert _titres(client.get(url + "?periode=toutes")) == [
        "Aujourd'hui",
        "Dans dix jours",
        "Passée",
        "Passée depuis longtemps",
    ]


@pytest.mark.django_db
def test_list_filters_by_type_and_month(client, charge):
    creer_action(cree_par=charge, jours=2, type_action=TypeAction.ATELIER_SENIORS, titre="Atelier seniors")
    creer_action(cree_par=charge, jours=3, titre="Atelier collectif")
    plus_tard = creer_action(cree_par=charge, jours=70, titre="Dans deux mois")
    client.force_login(charge)
    url = reverse("entreprises:actions") + "?periode=toutes"
    assert _titres(client.get(url + "&type=atelier_seniors")) == ["Atelier seniors"]
    mois = f"{plus_tard.date:%Y-%m}"
    assert _titres(client.get(url + f"&mois={mois}")) == ["Dans deux mois"]
    # A malformed month is reported and ignored, never a server error.
    response = client.get(url + "&mois=mars")
    assert response.status_code == 200
    assert len(_titres(response)) == 3
    assert "Indiquez le mois au format AAAA-MM" in response.content.decode()


@pytest.mark.django_db
def test_list_shows_seats_full_badge_status_and_signed_sheet(client, charge, les_miens, referente):
    complete = creer_action(cree_par=charge, jours=5, capacite=2, titre="Visite complète")
    for participant in les_miens:
        inscrire(complete, participant, referente)
    creer_action(cree_par=charge, jours=-2, titre="Passée sans feuille", statut=StatutAction.REALISEE)
    creer_action(cree_par=charge, jours=-4, titre="Passée avec feuille", feuille_signee="emargements/x.pdf")
    client.force_login(charge)
    html = client.get(reverse("entreprises:actions") + "?periode=toutes").content.decode()
    assert "2 / 2" in html and "complet" in html
    assert "Réalisée" in html and "Prévue" in html
    assert "Jointe" in html and "À joindre" in html


@pytest.mark.django_db
def test_list_is_paginated_and_answers_htmx_with_the_results_only(client, charge):
    for numero in range(26):
        creer_action(cree_par=charge, jours=1 + numero, titre=f"Action {numero:02d}")
    client.force_login(charge)
    url = reverse("entreprises:actions")
    premiere = client.get(url)
    assert len(premiere.context["actions"]) == 25 and premiere.context["paginator"].num_pages == 2
    assert _titres(client.get(url + "?page=2")) == ["Action 25"]
    partiel = client.get(url + "?page=2", headers={"HX-Request": "true"})
    assert [t.name for t in partiel.templates][0] == "entreprises/_action_liste.html"
    assert "<html" not in partiel.content.decode()


def _nb_requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert response.status_code == 200
    return len(requetes)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.REFERENT, Role.AUDITEUR_FSE])
def test_list_query_count_is_constant(client_as, make_user, role):
    charge = make_user(Role.CHARGE_MISSION)
    client = client_as(role)
    url = reverse("entreprises:actions") + "?periode=toutes"
    entreprise = EntrepriseFactory()
    creer_action(cree_par=charge, jours=3, type_action=TypeAction.VISITE, entreprise=entreprise)
    petit = _nb_requetes(client, url)
    referent = make_user(Role.REFERENT)
    for numero in range(12):
        action = creer_action(
            cree_par=charge, jours=numero - 6, type_action=TypeAction.VISITE, entreprise=EntrepriseFactory()
        )
        inscrire(action, ParticipantFactory(entre=True, referent=referent), referent)
    assert _nb_requetes(client, url) == petit


# --- Action page: who sees whom ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.COORDINATRICE, Role.AUDITEUR_FSE])
def test_staff_who_run_oversee_or_audit_see_every_registered_participant(
    client_as, charge, referente, autre_referent, les_miens, les_autres, role
):
    action = creer_action(cree_par=charge, description="Préparer son CV avec un conseiller.")
    for participant in [*les_miens, *les_autres]:
        inscrire(action, participant, participant.referent)
    response = client_as(role).get(reverse("entreprises:action", args=[action.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for participant in [*les_miens, *les_autres]:
        assert participant.nom.upper() in html and participant.prenom in html
    assert "Rita Référente" in html and "Omar Autreréférent" in html
    assert "Préparer son CV" in html and "Atelier collectif" in html and "09h00" in html
    assert "autres référents" not in html


@pytest.mark.django_db
def test_a_referent_sees_only_their_own_participants_names_and_a_count_of_the_others(
    client, charge, referente, les_miens, les_autres
):
    action = creer_action(cree_par=charge)
    inscrire(action, les_miens[0], referente)
    for participant in les_autres:
        inscrire(action, participant, participant.referent)
    client.force_login(referente)
    response = client.get(reverse("entreprises:action", args=[action.pk]))
    html = response.content.decode()
    assert "DUPONT" in html
    for participant in les_autres:
        assert participant.nom.upper() not in html and participant.prenom not in html
    assert "Et 2 autres participants inscrits par d'autres référents." in html
    assert [i.participant for i in response.context["inscriptions"]] == [les_miens[0]]
    # The select offers their caseload's participants not yet registered, and nobody else's.
    proposes = [str(p) for p in response.context["form_inscription"].fields["participant"].queryset]
    assert proposes == ["Bruno Durand"]
    # Neither the sheet nor the edit links for a référent.
    assert reverse("entreprises:emargement_pdf", args=[action.pk]) not in html
    assert reverse("entreprises:action_modifier", args=[action.pk]) not in html


@pytest.mark.django_db
def test_the_company_of_a_visit_is_shown(client, charge):
    entreprise = EntrepriseFactory(nom="Logistique Bourgogne Sud")
    action = creer_action(cree_par=charge, type_action=TypeAction.VISITE, entreprise=entreprise)
    client.force_login(charge)
    html = client.get(reverse("entreprises:action", args=[action.pk])).content.decode()
    assert f'<a href="{reverse("entreprises:detail", args=[entreprise.pk])}">Logistique Bourgogne Sud</a>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.REFERENT, Role.AUDITEUR_FSE])
def test_action_page_query_count_is_constant(client, make_user, role):
    charge, user = make_user(Role.CHARGE_MISSION), make_user(role)
    client.force_login(user)
    action = creer_action(cree_par=charge, capacite=40, type_action=TypeAction.VISITE, entreprise=EntrepriseFactory())
    ParticipantFactory(entre=True, referent=user)
    url = reverse("entreprises:action", args=[action.pk])
    petit = _nb_requetes(client, url)
    autre = make_user(Role.REFERENT)
    for _ in range(10):
        inscrire(action, ParticipantFactory(entre=True, referent=autre), autre)
    for _ in range(5):
        inscrire(action, ParticipantFactory(entre=True, referent=user), user)
        ParticipantFactory(entre=True, referent=user)
    assert _nb_requetes(client, url) == petit


# --- Registration through the views ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_referent_registers_and_unregisters_their_own_participant(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk})
    assert response.status_code == 302
    inscription = Inscription.objects.get(action=action)
    assert inscription.participant == les_miens[0] and inscription.inscrit_par == referente
    assert "Alice Dupont est inscrit(e) à « Atelier CV et lettre de motivation »." in textes_messages(response)

    url = reverse("entreprises:action_desinscrire", args=[action.pk, inscription.pk])
    confirmation = client.get(url)
    assert confirmation.status_code == 200 and "Désinscrire Alice Dupont ?" in confirmation.content.decode()
    assert Inscription.objects.filter(pk=inscription.pk).exists()  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302 and not Inscription.objects.exists()


@pytest.mark.django_db
def test_a_referent_cannot_register_another_referents_participant_even_by_forging_the_post(
    client, charge, referente, les_autres
):
    action = creer_action(cree_par=charge)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_autres[0].pk})
    assert response.status_code == 302
    assert not Inscription.objects.exists()
    assert any("ne fait pas partie de vos participants" in m for m in textes_messages(response))


@pytest.mark.django_db
def test_a_referent_cannot_unregister_another_referents_participant(client, charge, referente, les_autres):
    action = creer_action(cree_par=charge)
    inscription = inscrire(action, les_autres[0], les_autres[0].referent)
    client.force_login(referente)
    url = reverse("entreprises:action_desinscrire", args=[action.pk, inscription.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Inscription.objects.filter(pk=inscription.pk).exists()


@pytest.mark.django_db
def test_registration_refused_when_full(client, charge, referente, les_miens, les_autres):
    action = creer_action(cree_par=charge, capacite=1)
    inscrire(action, les_autres[0], les_autres[0].referent)
    client.force_login(referente)
    page = client.get(reverse("entreprises:action", args=[action.pk])).content.decode()
    assert "complète : plus d'inscription possible" in page
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk})
    assert Inscription.objects.count() == 1
    assert textes_messages(response) == ["L'action « Atelier CV et lettre de motivation » est complète (1 places)."]


@pytest.mark.django_db
def test_registration_refused_for_a_past_action(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge, jours=-1)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk})
    assert not Inscription.objects.exists()
    assert any("a eu lieu le" in m and "plus d'inscription" in m for m in textes_messages(response))


@pytest.mark.django_db
def test_registration_refused_twice(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge)
    inscrire(action, les_miens[0], referente)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk})
    assert Inscription.objects.count() == 1
    assert textes_messages(response) == ["Alice Dupont est déjà inscrit(e) à « Atelier CV et lettre de motivation »."]


@pytest.mark.django_db
def test_registration_refused_for_a_cancelled_action(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge, statut=StatutAction.ANNULEE)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk})
    assert not Inscription.objects.exists()
    assert any("est annulée : plus d'inscription" in m for m in textes_messages(response))


@pytest.mark.django_db
def test_unregistration_refused_once_the_action_took_place(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge, jours=-1)
    inscription = inscrire(action, les_miens[0], referente)
    client.force_login(referente)
    response = client.post(reverse("entreprises:action_desinscrire", args=[action.pk, inscription.pk]))
    assert Inscription.objects.filter(pk=inscription.pk).exists()
    assert any("l'inscription est conservée" in m for m in textes_messages(response))


@pytest.mark.django_db
def test_a_sorted_out_participant_is_not_offered_nor_accepted(client, charge, referente):
    sorti = ParticipantFactory(sorti=True, referent=referente)
    action = creer_action(cree_par=charge)
    client.force_login(referente)
    response = client.get(reverse("entreprises:action", args=[action.pk]))
    assert sorti not in response.context["form_inscription"].fields["participant"].queryset
    client.post(reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": sorti.pk})
    assert not Inscription.objects.exists()


# --- Creation, editing, cancellation -------------------------------------------------------------------


def _donnees(**champs):
    donnees = {
        "type": TypeAction.ATELIER_SENIORS,
        "titre": "Atelier seniors : valoriser son expérience",
        "date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "creneau": Creneau.JOURNEE,
        "heure_debut": "09:00",
        "heure_fin": "16:30",
        "lieu": "Espace Baudelaire, Chenôve",
        "animateur_externe": "",
        "capacite": "12",
        "description": "Pour les participants de 55 ans et plus.",
    }
    donnees.update(champs)
    return donnees


@pytest.mark.django_db
def test_the_charge_de_mission_creates_a_senior_workshop(client, charge):
    client.force_login(charge)
    assert client.get(reverse("entreprises:action_creer")).status_code == 200
    response = client.post(reverse("entreprises:action_creer"), _donnees(animateur=charge.pk))
    action = ActionCollective.objects.get()
    assert response.status_code == 302 and response.url == reverse("entreprises:action", args=[action.pk])
    assert action.type == TypeAction.ATELIER_SENIORS and action.cree_par == charge
    assert action.statut == StatutAction.PREVUE and action.demi_journees == [Creneau.MATIN, Creneau.APRES_MIDI]


@pytest.mark.django_db
def test_creation_errors_are_french_and_on_their_field(client, charge):
    client.force_login(charge)
    response = client.post(
        reverse("entreprises:action_creer"),
        _donnees(type=TypeAction.VISITE, heure_fin="08:00", capacite="0"),
    )
    assert response.status_code == 200 and not ActionCollective.objects.exists()
    erreurs = response.context["form"].errors
    assert erreurs["heure_fin"] == ["L'heure de fin doit suivre l'heure de début."]
    assert erreurs["entreprise"] == ["Une visite d'entreprise se rattache à une entreprise."]
    assert erreurs["animateur"] == ["Indiquez qui anime l'action (le PLIE ou un partenaire)."]
    assert erreurs["capacite"] == ["Une action compte au moins une place."]


@pytest.mark.django_db
def test_editing_keeps_seats_above_the_registrations(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge, capacite=5)
    for participant in les_miens:
        inscrire(action, participant, referente)
    client.force_login(charge)
    url = reverse("entreprises:action_modifier", args=[action.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _donnees(animateur=charge.pk, capacite="1", creneau=Creneau.MATIN, heure_fin="12:00"))
    assert response.status_code == 200
    assert "2 participants sont inscrits" in response.context["form"].errors["capacite"][0]
    response = client.post(url, _donnees(animateur=charge.pk, capacite="2", titre="Nouveau titre"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.capacite == 2 and action.titre == "Nouveau titre"


@pytest.mark.django_db
def test_the_half_days_stay_once_attendance_is_recorded(client, charge):
    action = creer_action(cree_par=charge, jours=0, creneau=Creneau.JOURNEE, statut=StatutAction.REALISEE)
    client.force_login(charge)
    donnees = _donnees(animateur=charge.pk, date=action.date.isoformat(), creneau=Creneau.MATIN, heure_fin="12:00")
    response = client.post(reverse("entreprises:action_modifier", args=[action.pk]), donnees)
    assert response.status_code == 200
    assert response.context["form"].errors["creneau"] == [
        "Les présences sont saisies par demi-journée : le créneau ne se change plus."
    ]
    action.refresh_from_db()
    assert action.creneau == Creneau.JOURNEE


@pytest.mark.django_db
def test_the_charge_de_mission_without_a_caseload_gets_no_registration_form(client, charge):
    action = creer_action(cree_par=charge)
    client.force_login(charge)
    response = client.get(reverse("entreprises:action", args=[action.pk]))
    assert "form_inscription" not in response.context
    assert "Inscrire un participant" not in response.content.decode()


@pytest.mark.django_db
def test_cancelling_keeps_the_registrations_and_freezes_the_action(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge)
    inscrire(action, les_miens[0], referente)
    client.force_login(charge)
    url = reverse("entreprises:action_annuler", args=[action.pk])
    confirmation = client.get(url).content.decode()
    assert "Ses 1 inscription est conservée pour mémoire" in confirmation
    response = client.post(url)
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.statut == StatutAction.ANNULEE and action.inscriptions.count() == 1
    assert action.annulee_par == charge and action.annulee_le is not None  # attributed
    # Cancelling again, or editing, is refused with a French message.
    response = client.post(url)
    assert textes_messages(response)[-1] == "L'action « Atelier CV et lettre de motivation » est déjà annulée."
    response = client.post(reverse("entreprises:action_modifier", args=[action.pk]), _donnees(animateur=charge.pk))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["L'action est annulée : elle ne se modifie plus."]


@pytest.mark.django_db
def test_an_action_whose_attendance_is_recorded_is_not_cancelled(client, charge, referente, les_miens):
    action = creer_action(cree_par=charge, jours=-1, statut=StatutAction.REALISEE)
    inscription = inscrire(action, les_miens[0], referente)
    Inscription.objects.filter(pk=inscription.pk).update(presence_matin=Presence.PRESENT)
    client.force_login(charge)
    response = client.post(reverse("entreprises:action_annuler", args=[action.pk]))
    action.refresh_from_db()
    assert action.statut == StatutAction.REALISEE
    assert any("ne s'annule plus" in m for m in textes_messages(response))


# --- Permissions of every page ------------------------------------------------------------------------


def _pages(action, inscription):
    return {
        "liste": ("get", reverse("entreprises:actions")),
        "page": ("get", reverse("entreprises:action", args=[action.pk])),
        "creer": ("get", reverse("entreprises:action_creer")),
        "modifier": ("get", reverse("entreprises:action_modifier", args=[action.pk])),
        "annuler": ("get", reverse("entreprises:action_annuler", args=[action.pk])),
        "inscrire": ("post", reverse("entreprises:action_inscrire", args=[action.pk])),
        "desinscrire": ("get", reverse("entreprises:action_desinscrire", args=[action.pk, inscription.pk])),
        "presences": ("get", reverse("entreprises:presences", args=[action.pk])),
        "feuille": ("post", reverse("entreprises:feuille_deposer", args=[action.pk])),
    }


ACCES = {
    # page: roles that get in (others: 403)
    "liste": {Role.CHARGE_MISSION, Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE},
    "page": {Role.CHARGE_MISSION, Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE},
    "creer": {Role.CHARGE_MISSION},
    "modifier": {Role.CHARGE_MISSION},
    "annuler": {Role.CHARGE_MISSION},
    "inscrire": {Role.CHARGE_MISSION, Role.REFERENT},
    "desinscrire": {Role.CHARGE_MISSION},  # a référent: only their own participants' (404 otherwise)
    "presences": {Role.CHARGE_MISSION},
    "feuille": {Role.CHARGE_MISSION},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_permissions_of_every_page(client_as, make_user, role):
    charge = make_user(Role.CHARGE_MISSION)
    action = creer_action(cree_par=charge)
    referent = make_user(Role.REFERENT)
    inscription = inscrire(action, ParticipantFactory(entre=True, referent=referent), referent)
    client = client_as(role)
    for nom, (methode, url) in _pages(action, inscription).items():
        response = getattr(client, methode)(url)
        if role in ACCES[nom]:
            assert response.status_code in (200, 302), (nom, response.status_code)
            if response.status_code == 302:
                assert not response.url.startswith(reverse("connexion")), nom
        elif role == Role.REFERENT and nom == "desinscrire":
            assert response.status_code == 404
        else:
            assert response.status_code == 403, (nom, response.status_code)


@pytest.mark.django_db
def test_the_auditeur_reads_but_writes_nothing(client_as, make_user, les_miens):
    charge = make_user(Role.CHARGE_MISSION)
    action = creer_action(cree_par=charge)
    client = client_as(Role.AUDITEUR_FSE)
    assert client.get(reverse("entreprises:actions")).status_code == 200
    assert client.get(reverse("entreprises:action", args=[action.pk])).status_code == 200
    assert client.post(reverse("entreprises:action_modifier", args=[action.pk]), _donnees()).status_code == 403
    assert client.post(reverse("entreprises:action_annuler", args=[action.pk])).status_code == 403
    assert (
        client.post(
            reverse("entreprises:action_inscrire", args=[action.pk]), {"participant": les_miens[0].pk}
        ).status_code
        == 403
    )
    assert client.post(reverse("entreprises:presences", args=[action.pk]), {}).status_code == 403
    action.refresh_from_db()
    assert action.statut == StatutAction.PREVUE and not Inscription.objects.exists()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, make_user):
    charge = make_user(Role.CHARGE_MISSION)
    action = creer_action(cree_par=charge)
    referent = make_user(Role.REFERENT)
    inscription = inscrire(action, ParticipantFactory(entre=True, referent=referent), referent)
    urls = [url for _, url in _pages(action, inscription).values()]
    urls += [
        reverse("entreprises:emargement_pdf", args=[action.pk]),
        reverse("entreprises:feuille_signee", args=[action.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url


@pytest.mark.django_db
def test_recording_attendance_is_attributed(charge, referente, les_miens):
    from entreprises import services

    action = creer_action(cree_par=charge, jours=0)
    inscription = inscrire(action, les_miens[0], referente)
    services.presences_enregistrer(
        action=action, presences={inscription.pk: {"presence_matin": Presence.PRESENT}}, par=charge
    )
    action.refresh_from_db()
    assert (action.statut, action.presences_saisies_par) == (StatutAction.REALISEE, charge)
    assert action.presences_saisies_le is not None
