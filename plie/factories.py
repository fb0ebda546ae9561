"""Factories for the accounts of the PLIE's staff, shared by tests and the demo data.

Reference rows (communes, QPV, levels, contract types, ROME codes) are loaded by migrations, so
factories never create them: they pick existing rows, lazily (the query runs on first use, not at
import). Dates are never taken from the clock inside a declaration without a ``today`` parameter
that callers (the demo loader) can pin, so that the same seed gives the same data.
"""

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from .models import Commune, MetierRome, NiveauFormation, TypeContrat, User
from .roles import Role

DEMO_MOT_DE_PASSE = "Plie-Demo-2026"


class LazyRows:
    """Rows queried when iterated, not at import; each new iteration queries again.

    ``factory.Iterator`` caches what it cycles through; ``reinitialiser_iterateurs`` (called by
    the tests before each test) drops that cache, so that no test uses rows another test's
    transaction, flush or reload made stale.
    """

    def __init__(self, queryset_factory):
        self.queryset_factory = queryset_factory

    def __iter__(self):
        return iter(list(self.queryset_factory()))


ITERATEURS = []


def _iterateur(queryset_factory):
    iterateur = factory.Iterator(LazyRows(queryset_factory))
    ITERATEURS.append(iterateur)
    return iterateur


def reinitialiser_iterateurs():
    for iterateur in ITERATEURS:
        iterateur.iterator = None  # rebuilt, and so re-queried, on next use


def communes_valides(day=None):
    """Communes of the territory valid on ``day`` (today by default), in a stable order."""
    from django.utils import timezone

    return Commune.objects.valides_le(day or timezone.localdate()).order_by("insee", "nom")


class UserFactory(DjangoModelFactory):
    """An active staff account; ``UserFactory(role=Role.REFERENT)`` puts it in the role's group.

    The administrateur role also gets ``is_staff`` (access to the Django admin).
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n:04d}@test.plie.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    structure = "PLIE de Dijon Métropole"
    is_active = True
    password = factory.PostGenerationMethodCall("set_password", DEMO_MOT_DE_PASSE)

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if not extracted:
            return
        role = Role(extracted)
        if role == Role.ADMINISTRATEUR:
            obj.is_staff = True
        if create:
            obj.save()
            obj.groups.add(Group.objects.get(name=role.group_name))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # The password hook changed the instance after its first save: store it.
        if create:
            instance.save()


# Pickers of reference rows, for the other apps' factories (each call gives a fresh iterator).
def iterateur_communes():
    return _iterateur(communes_valides)


def iterateur_niveaux_v_ou_infra():
    return _iterateur(lambda: NiveauFormation.objects.filter(niveau_v_ou_infra=True).order_by("rang"))


def iterateur_types_contrat(codes):
    return _iterateur(lambda: TypeContrat.objects.filter(code__in=codes).order_by("code"))


def iterateur_metiers_rome(codes):
    return _iterateur(lambda: MetierRome.objects.filter(code__in=codes).order_by("code"))
