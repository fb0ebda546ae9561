"""Each account's groups and permissions, read once and kept in the cache.

Django reads them on every request that checks a permission: the user's groups, their
permissions and the user's own, three queries on each page of everyone's day. They change a few
times a year. Every change of accounts, groups or permissions bumps one version number, which
invalidates every entry at once: a role withdrawn applies on the user's next request.

The keys name the database, so that two databases sharing a Redis (test workers, benchmarks)
never read each other's accounts.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import connection


def _cle(suffixe):
    return f"plie:droits:{connection.settings_dict['NAME']}:{suffixe}"


def oublier_tous():
    """Invalidate every account's entry (after any change of accounts, groups or permissions)."""
    try:
        cache.incr(_cle("version"))
    except ValueError:  # no version yet: nothing was cached under the current one
        cache.set(_cle("version"), 1, None)


def droits_de(user):
    """``(group names, permission strings from groups, the user's own permission strings)``."""
    if hasattr(user, "_droits"):
        return user._droits
    duree = settings.PLIE_DROITS_CACHE_SECONDES
    if not duree:
        user._droits = _lire(user)
        return user._droits
    cle_version, cle = _cle("version"), _cle(f"compte:{user.pk}")
    lus = cache.get_many([cle_version, cle])
    version = lus.get(cle_version, 0)
    entree = lus.get(cle)
    if entree is None or entree[0] != version:
        entree = (version, *_lire(user))
        cache.set(cle, entree, duree)
    user._droits = entree[1:]
    return user._droits


def selon_les_comptes(nom, calculer):
    """A value read from the accounts and their roles (the référents offered by the filters: 1 400
    in a region), kept until any account, group or permission changes, as the rights are."""
    duree = settings.PLIE_DROITS_CACHE_SECONDES
    if not duree:
        return calculer()
    cle = _cle(f"{nom}:{cache.get(_cle('version'), 0)}")
    valeur = cache.get(cle)
    if valeur is None:
        valeur = calculer()
        cache.set(cle, valeur, duree)
    return valeur


def _lire(user):
    from django.contrib.auth.models import Permission

    groupes = frozenset(user.groups.values_list("name", flat=True))
    par_groupe = Permission.objects.filter(group__user=user)
    propres = Permission.objects.filter(user=user)

    def noms(permissions):
        return frozenset(
            f"{app}.{codename}" for app, codename in permissions.values_list("content_type__app_label", "codename")
        )

    return groupes, noms(par_groupe), noms(propres)


class ModelBackendEnCache(ModelBackend):
    """Django's ModelBackend with the permissions of ``droits_de`` (superusers keep Django's way)."""

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super()._get_permissions(user_obj, obj, from_name)
        _groupes, par_groupe, propres = droits_de(user_obj)
        return set(par_groupe if from_name == "group" else propres)


def _oublier(sender, **kwargs):
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # every login saves last_login: no right changes
    oublier_tous()


def connecter():
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import User

    for modele in (User, Group):
        post_save.connect(_oublier, sender=modele, dispatch_uid=f"plie_droits_save_{modele.__name__}")
        post_delete.connect(_oublier, sender=modele, dispatch_uid=f"plie_droits_delete_{modele.__name__}")
    for relation in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_oublier, sender=relation, dispatch_uid=f"plie_droits_m2m_{relation.__name__}")
