"""Login by e-mail, throttling, logout, password change and reset, inactivity expiry."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plie.roles import Role

from .conftest import DEMO_PASSWORD


def _login(client, email, password):
    return client.post(reverse("connexion"), {"username": email, "password": password})


@pytest.mark.django_db
def test_login_with_email_lands_on_the_role_start_page(client, make_user):
    user = make_user(Role.COORDINATRICE, email="Coord@Test.plie.fr")
    response = _login(client, "coord@test.plie.fr", DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.get(response.url).url == reverse(Role.COORDINATRICE.start_url_name)
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_wrong_password_gets_a_french_message(client, make_user):
    make_user(Role.REFERENT, email="rose@test.plie.fr")
    response = _login(client, "rose@test.plie.fr", "mauvais-mot-de-passe")
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


@pytest.mark.django_db
def test_login_is_locked_after_five_failures_even_with_the_right_password(client, make_user):
    make_user(Role.REFERENT, email="rose@test.plie.fr")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "rose@test.plie.fr", "faux").status_code == 200
    locked = _login(client, "rose@test.plie.fr", "faux")
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.content.decode()
    again = _login(client, "rose@test.plie.fr", DEMO_PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_four_failures_then_success_still_logs_in(client, make_user):
    make_user(Role.REFERENT, email="rose@test.plie.fr")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "rose@test.plie.fr", "faux")
    assert _login(client, "rose@test.plie.fr", DEMO_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client, make_user):
    client.force_login(make_user(Role.REFERENT))
    assert client.get(reverse("deconnexion")).status_code == 405
    response = client.post(reverse("deconnexion"))
    assert response.status_code == 302
    assert client.get(reverse("espace_referent")).status_code == 302


@pytest.mark.django_db
def test_password_change_enforces_the_policy_in_french(client, make_user):
    client.force_login(make_user(Role.REFERENT))
    weak = client.post(
        reverse("changer_mot_de_passe"),
        {"old_password": DEMO_PASSWORD, "new_password1": "court", "new_password2": "court"},
    )
    assert "au minimum 12 caractères" in weak.content.decode()
    strong = "Insertion-Dijon-2027"
    done = client.post(
        reverse("changer_mot_de_passe"),
        {"old_password": DEMO_PASSWORD, "new_password1": strong, "new_password2": strong},
    )
    assert done.status_code == 302


@pytest.mark.django_db
def test_password_reset_sends_a_french_link_that_works_once(client, make_user):
    user = make_user(Role.REFERENT, email="rose@test.plie.fr")
    client.post(reverse("mot_de_passe_oubli"), {"email": "rose@test.plie.fr"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Réinitialisation de votre mot de passe PLIE"
    link = next(line for line in message.body.splitlines() if "/mot-de-passe/nouveau/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    new = "Nouveau-Parcours-2027"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert "n'est plus valable" in client.get(path, follow=True).content.decode()


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("mot_de_passe_oubli"), {"email": "inconnu@test.plie.fr"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.django_db
def test_session_expires_after_inactivity(client, make_user):
    client.force_login(make_user(Role.REFERENT))
    assert client.get(reverse("espace_referent")).status_code == 200
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request pushes the expiry back
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("espace_referent")).status_code == 302


@pytest.mark.django_db
def test_each_request_pushes_the_expiry_back(client, make_user):
    client.force_login(make_user(Role.REFERENT))
    soon = timezone.now() + timedelta(minutes=1)
    Session.objects.update(expire_date=soon)
    client.get(reverse("espace_referent"))
    assert Session.objects.get().expire_date > soon + timedelta(minutes=settings.SESSION_COOKIE_AGE // 60 - 2)
