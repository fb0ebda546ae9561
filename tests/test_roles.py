import pytest
from django.contrib.auth.models import Group

from plie.roles import ROLE_PERMISSIONS, Role, sync_role_groups


def _codes(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_the_five_role_groups_exist_with_exactly_their_declared_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role.group_name)
        assert _codes(group) == set(perms), role


@pytest.mark.django_db
def test_sync_restores_a_tampered_group_and_is_idempotent():
    group = Group.objects.get(name=Role.AUDITEUR_FSE.group_name)
    group.permissions.clear()
    sync_role_groups()
    sync_role_groups()
    assert _codes(group) == set(ROLE_PERMISSIONS[Role.AUDITEUR_FSE])
    assert Group.objects.filter(name__in=[r.group_name for r in Role]).count() == 5


def test_least_privilege_the_auditeur_reads_no_participant_and_no_offer():
    perms = set(ROLE_PERMISSIONS[Role.AUDITEUR_FSE])
    assert not any(p.startswith(("participants.", "offres.")) for p in perms)
    # in the company file, only the collective actions and their attendance sheets, read-only
    assert {p for p in perms if p.startswith("entreprises.")} == {
        "entreprises.view_actioncollective",
        "entreprises.view_inscription",
    }


def test_only_the_administrateur_manages_accounts():
    for role, perms in ROLE_PERMISSIONS.items():
        assert ("plie.change_user" in perms) == (role == Role.ADMINISTRATEUR)
