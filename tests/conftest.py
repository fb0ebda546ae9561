"""Shared fixtures. Tests run on SQLite by default and on PostgreSQL + Redis when
DATABASE_URL / REDIS_URL are set (as .ci/run does)."""

import os

import pytest
from django.test import Client

from plie.models import User
from plie.roles import Role

DEMO_PASSWORD = "Plie-Test-2026!"


def needs(service, available, why):
    """A test that needs a missing service fails in CI and is skipped elsewhere."""
    if available:
        return
    message = f"{service} indisponible : {why}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def recharger_referentiels():
    """Transactional tests end with a flush, which empties what the data migrations loaded (the
    reference data and the initial sources): load it again when missing."""
    import importlib

    from django.apps import apps

    from plie import referentiels
    from plie.factories import reinitialiser_iterateurs
    from plie.models import Commune

    if not Commune.objects.exists():
        referentiels.charger_tout()
        importlib.import_module("offres.migrations.0003_sources_initiales").creer_sources(apps, None)
        importlib.import_module("entreprises.migrations.0003_secteurs_activite").creer(apps, None)
        importlib.import_module("formation.migrations.0002_domaines_formation").creer(apps, None)
        reinitialiser_iterateurs()


@pytest.fixture
def make_user(db):
    """Create an active account holding ``role`` (or none), with a known password."""

    counter = iter(range(1, 10_000))

    def make(role=None, **fields):
        from django.contrib.auth.models import Group

        number = next(counter)
        fields.setdefault("email", f"{role.value if role else 'sans-role'}-{number}@test.plie.fr")
        fields.setdefault("first_name", "Camille")
        fields.setdefault("last_name", f"Martin{number}")
        if role == Role.ADMINISTRATEUR:
            fields.setdefault("is_staff", True)
        user = User.objects.create_user(password=DEMO_PASSWORD, **fields)
        if role is not None:
            user.groups.add(Group.objects.get(name=role.group_name))
        return user

    return make


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT)


def connecter(client, user, backend=None):
    """Sign ``client`` in as ``user`` as the login page would: an account whose role requires two
    factors (plie.securite) gets a confirmed authenticator and a session verified by it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from plie.securite import deux_facteurs_obligatoires

    appareil = None
    if deux_facteurs_obligatoires(user):
        appareil = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        appareil = appareil or TOTPDevice.objects.create(user=user, name="Application de test", confirmed=True)
    _force_login_django(client, user, backend)
    if appareil is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = appareil.persistent_id
        session.save()
    return client


_force_login_django = Client.force_login


@pytest.fixture(scope="session", autouse=True)
def _force_login_comme_la_page_de_connexion():
    """In tests, ``client.force_login(user)`` stands for a complete login, the administrateur's second
    factor included (``connecter``); tests of the two-factor login itself use the login page or
    ``_force_login_django``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", connecter)
        yield


@pytest.fixture
def client_as(client, make_user):
    """A test client signed in as a new account of ``role``."""

    def sign_in(role):
        return connecter(client, make_user(role))

    return sign_in


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is Django's concern; tests only need passwords that round-trip.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _dashboards_computed_each_time(settings):
    # Tests change data between two readings of a dashboard; the cache has tests of its own.
    settings.TABLEAU_CACHE_SECONDES = 0


@pytest.fixture(autouse=True)
def _rights_read_each_time(settings):
    # Query counts must not depend on what an earlier request cached; plie.droits has its own tests.
    settings.PLIE_DROITS_CACHE_SECONDES = 0


@pytest.fixture(autouse=True)
def _fresh_reference_rows():
    # Factories pick reference rows (communes, levels…); let each test read them afresh.
    from plie.factories import reinitialiser_iterateurs

    reinitialiser_iterateurs()
