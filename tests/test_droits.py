"""Each account's groups and permissions kept in the cache (plie.droits): read once, never stale."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plie import droits
from plie.models import User
from plie.roles import Role


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PLIE_DROITS_CACHE_SECONDES = 3600
    cache.clear()


def _relu(user):
    """The account as a new request loads it (no per-instance memo)."""
    return User.objects.get(pk=user.pk)


def _requetes(fonction):
    with CaptureQueriesContext(connection) as contexte:
        resultat = fonction()
    return resultat, len(contexte.captured_queries)


@pytest.mark.django_db
def test_the_rights_are_read_once_then_served_from_the_cache(make_user):
    referent = make_user(Role.REFERENT)
    roles, premiere = _requetes(lambda: _relu(referent).roles)
    assert roles == [Role.REFERENT]
    perms, seconde = _requetes(lambda: _relu(referent).has_perm("participants.view_participant"))
    assert perms is True
    assert premiere == 1 + 3  # the account, its groups, the groups' permissions, its own
    assert seconde == 1  # the account only


@pytest.mark.django_db
def test_a_role_withdrawn_applies_on_the_next_request(make_user):
    referent = make_user(Role.REFERENT)
    assert _relu(referent).has_perm("participants.view_participant")
    referent.groups.clear()
    relu = _relu(referent)
    assert relu.roles == [] and not relu.has_perm("participants.view_participant")


@pytest.mark.django_db
def test_a_permission_taken_from_a_group_applies_at_once(make_user):
    auditeur = make_user(Role.AUDITEUR_FSE)
    groupe = Group.objects.get(name=Role.AUDITEUR_FSE.group_name)
    permission = groupe.permissions.first()
    nom = f"{permission.content_type.app_label}.{permission.codename}"
    assert _relu(auditeur).has_perm(nom)
    groupe.permissions.remove(permission)
    assert not _relu(auditeur).has_perm(nom)


@pytest.mark.django_db
def test_a_permission_given_to_the_account_itself_applies_at_once(make_user):
    referent = make_user(Role.REFERENT)
    assert not _relu(referent).has_perm("reporting.add_budget")
    referent.user_permissions.add(Permission.objects.get(codename="add_budget"))
    assert _relu(referent).has_perm("reporting.add_budget")


@pytest.mark.django_db
def test_a_deactivated_account_has_no_right_even_cached(make_user):
    coordinatrice = make_user(Role.COORDINATRICE)
    assert _relu(coordinatrice).has_perm("participants.view_participant")
    User.objects.filter(pk=coordinatrice.pk).update(is_active=False)  # even without a signal
    assert not _relu(coordinatrice).has_perm("participants.view_participant")


@pytest.mark.django_db
def test_the_keys_name_the_database(make_user, settings):
    referent = make_user(Role.REFERENT)
    assert _relu(referent).roles == [Role.REFERENT]
    assert cache.get(f"plie:droits:{connection.settings_dict['NAME']}:compte:{referent.pk}") is not None
    assert droits._cle("version").startswith(f"plie:droits:{connection.settings_dict['NAME']}:")


@pytest.mark.django_db
def test_pages_keep_least_privilege_with_the_cache_on(client, make_user):
    referent = make_user(Role.REFERENT)
    client.force_login(referent)
    assert client.get(reverse("participants:liste")).status_code == 200
    assert client.get(reverse("reporting:tableau")).status_code == 200
    referent.groups.clear()
    assert client.get(reverse("participants:liste")).status_code == 403


@pytest.mark.django_db
def test_the_referents_offered_by_the_filters_follow_every_change_of_accounts(make_user):
    from participants.filters import choix_referents

    premiere = make_user(Role.REFERENT, first_name="Alice", last_name="Un")
    assert choix_referents() == [(premiere.pk, "Alice Un")]
    _, requetes = _requetes(choix_referents)
    assert requetes == 0  # served from the cache
    seconde = make_user(Role.REFERENT, first_name="Bruno", last_name="Deux")
    assert {pk for pk, _ in choix_referents()} == {premiere.pk, seconde.pk}
    seconde.last_name = "Trois"
    seconde.save()
    assert (seconde.pk, "Bruno Trois") in choix_referents()
    premiere.groups.clear()
    assert [pk for pk, _ in choix_referents()] == [seconde.pk]


@pytest.mark.django_db
def test_the_referent_options_rendered_once_follow_every_change_of_accounts(make_user):
    from participants.filters import options_referents

    referent = make_user(Role.REFERENT, first_name="Alice", last_name="Un")
    assert f'<option value="{referent.pk}">Alice Un</option>' in options_referents()
    assert _requetes(options_referents)[1] == 0  # served from the cache
    referent.first_name = "Alicia"
    referent.save()
    assert f'<option value="{referent.pk}">Alicia Un</option>' in options_referents()
    referent.groups.clear()
    assert f'value="{referent.pk}"' not in options_referents()
