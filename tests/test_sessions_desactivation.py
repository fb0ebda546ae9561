"""A closed account's sessions end at once (plie.securite): deactivated by any save, by the user
admin's action, or deleted; the second factor reset by an administrateur ends them too."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from plie import securite
from plie.models import User
from plie.roles import Role

from .conftest import connecter


def session_de(client):
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def connecte(make_user, role=Role.REFERENT):
    user = make_user(role)
    client = Client()
    client.force_login(user)
    assert client.get(reverse(role.start_url_name)).status_code == 200
    return user, client


@pytest.mark.django_db
def test_un_compte_desactive_ailleurs_perd_sa_session_a_la_requete_suivante(make_user):
    user, client = connecte(make_user)
    cle = session_de(client)
    temoin, client_temoin = connecte(make_user)

    compte = User.objects.get(pk=user.pk)  # "elsewhere": another instance, as in another process
    compte.is_active = False
    compte.save()

    assert not Session.objects.filter(session_key=cle).exists()
    response = client.get(reverse("espace_referent"))
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    assert "_auth_user_id" not in client.session
    # Other accounts keep theirs.
    assert Session.objects.filter(session_key=session_de(client_temoin)).exists()
    assert client_temoin.get(reverse("espace_referent")).status_code == 200


@pytest.mark.django_db
def test_toutes_les_sessions_du_compte_finissent(make_user):
    user, premier = connecte(make_user)
    second = Client()
    second.force_login(user)
    assert securite.sessions_de(user) and len(securite.sessions_de(user)) == 2
    securite.desactiver_compte(user)
    assert securite.sessions_de(user) == []
    for client in (premier, second):
        assert client.get(reverse("espace_referent")).status_code == 302


@pytest.mark.django_db
def test_un_compte_supprime_perd_ses_sessions(make_user):
    user, client = connecte(make_user)
    cle = session_de(client)
    user.delete()
    assert not Session.objects.filter(session_key=cle).exists()


@pytest.mark.django_db
def test_enregistrer_un_compte_actif_ne_ferme_rien(make_user):
    user, client = connecte(make_user)
    user.first_name = "Camille-Andrée"
    user.save()
    assert client.get(reverse("espace_referent")).status_code == 200


@pytest.mark.django_db
def test_l_action_desactiver_et_deconnecter_de_l_admin(make_user):
    cible, client_cible = connecte(make_user)
    autre, client_autre = connecte(make_user, Role.COORDINATRICE)
    admin = make_user(Role.ADMINISTRATEUR)
    client_admin = connecter(Client(), admin)
    response = client_admin.post(
        reverse("admin:plie_user_changelist"),
        {"action": "desactiver_et_deconnecter", "_selected_action": [cible.pk, admin.pk]},
        follow=True,
    )
    assert response.status_code == 200
    texte = response.content.decode()
    assert "1 compte(s) désactivé(s), leurs sessions fermées." in texte
    assert "Votre propre compte n&#x27;a pas été désactivé." in texte
    cible.refresh_from_db()
    admin.refresh_from_db()
    assert not cible.is_active and admin.is_active
    assert client_cible.get(reverse("espace_referent")).url.startswith(reverse("connexion"))
    assert client_autre.get(reverse("espace_coordinatrice")).status_code == 200
    assert client_admin.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_la_desactivation_par_le_formulaire_de_l_admin(make_user):
    cible, client_cible = connecte(make_user)
    client_admin = connecter(Client(), make_user(Role.ADMINISTRATEUR))
    url = reverse("admin:plie_user_change", args=[cible.pk])
    formulaire = client_admin.get(url).context["adminform"].form
    donnees = {
        nom: valeur
        for nom, valeur in formulaire.initial.items()
        if nom not in ("password", "last_login", "date_joined", "is_active")
    }
    donnees["groups"] = [groupe.pk for groupe in cible.groups.all()]
    donnees["user_permissions"] = []
    response = client_admin.post(url, donnees)
    assert response.status_code == 302, response.content.decode()[:2000]
    cible.refresh_from_db()
    assert not cible.is_active
    assert client_cible.get(reverse("espace_referent")).url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_l_action_reinitialiser_la_double_authentification(make_user):
    cible = make_user(Role.REFERENT)
    TOTPDevice.objects.create(user=cible, name="Téléphone perdu", confirmed=True)
    securite.generer_codes_secours(cible)
    client_cible = Client()
    client_cible.force_login(cible)
    admin = make_user(Role.ADMINISTRATEUR)
    client_admin = connecter(Client(), admin)
    client_admin.post(
        reverse("admin:plie_user_changelist"),
        {"action": "reinitialiser_deux_facteurs", "_selected_action": [cible.pk, admin.pk]},
    )
    assert not TOTPDevice.objects.filter(user=cible).exists()
    assert not StaticDevice.objects.filter(user=cible).exists()
    assert securite.sessions_de(cible) == []
    assert TOTPDevice.objects.filter(user=admin).exists()  # not one's own: « Sécurité du compte »
    assert client_admin.get(reverse("admin:index")).status_code == 200
