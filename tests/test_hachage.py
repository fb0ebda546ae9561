"""Passwords stored with Argon2id (plie.hashers); the hashes of before are re-hashed at login."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.urls import reverse

from plie.models import User

from .conftest import DEMO_PASSWORD

HACHEURS = [
    "plie.hashers.Argon2idOwasp",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture
def vrais_hacheurs(settings):
    settings.PASSWORD_HASHERS = HACHEURS  # the suite uses a fast one (conftest)


def test_a_new_password_is_an_argon2id_hash_with_owasp_parameters(vrais_hacheurs):
    hache = make_password(DEMO_PASSWORD)
    assert hache.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(DEMO_PASSWORD, hache) and not check_password(DEMO_PASSWORD + "x", hache)


@pytest.mark.django_db
def test_a_pbkdf2_hash_still_logs_in_and_is_rehashed_with_argon2id(client, make_user, vrais_hacheurs):
    user = make_user()
    ancien = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    User.objects.filter(pk=user.pk).update(password=ancien)
    response = client.post(reverse("connexion"), {"username": user.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$") and check_password(DEMO_PASSWORD, user.password)
