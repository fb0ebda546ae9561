"""Factories of training needs, training bodies and sessions, for the tests and the demo data.

Training fields are reference data loaded by a migration: factories pick them by code, never
create them. Dates derive from the ``today`` parameter so that callers can pin them.
"""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from participants.factories import ParticipantFactory
from plie.factories import UserFactory, iterateur_communes
from plie.roles import Role

from .models import (
    BesoinFormation,
    Dispositif,
    DomaineFormation,
    OrganismeFormation,
    SessionFormation,
    StatutSession,
    TypeBesoin,
    Urgence,
)


def domaine(code):
    return DomaineFormation.objects.get(code=code)


# Fields loaded by the migration that lead to jobs, cycled through by the factories.
CODES_DOMAINES = ["transport-logistique", "batiment-tp", "hotellerie-restauration", "proprete", "sante-social"]


def domaines_successifs():
    return factory.Sequence(lambda n: domaine(CODES_DOMAINES[n % len(CODES_DOMAINES)]))


class OrganismeFormationFactory(DjangoModelFactory):
    class Meta:
        model = OrganismeFormation

    nom = factory.Sequence(lambda n: f"Centre de formation {n}")
    adresse = factory.Faker("street_address", locale="fr_FR")
    commune = iterateur_communes()
    contact_nom = factory.Faker("name", locale="fr_FR")
    contact_telephone = factory.Faker("numerify", text="03 80 ## ## ##")
    actif = True


class SessionFormationFactory(DjangoModelFactory):
    """An open session that started a week ago and lasts three months (``today`` pins the dates)."""

    class Meta:
        model = SessionFormation

    class Params:
        today = factory.LazyFunction(timezone.localdate)

    organisme = factory.SubFactory(OrganismeFormationFactory)
    intitule = factory.Sequence(lambda n: f"Session de formation {n}")
    dispositif = Dispositif.DAQ
    domaine = domaines_successifs()
    qualifiante = False
    debut = factory.LazyAttribute(lambda o: o.today - timedelta(days=7))
    fin = factory.LazyAttribute(lambda o: o.debut + timedelta(days=90))
    lieu = "Dijon"
    capacite = 12
    statut = StatutSession.OUVERTE
    cree_par = factory.SubFactory(UserFactory, role=Role.CHARGE_MISSION)


class BesoinFormationFactory(DjangoModelFactory):
    """A need expressed today by a participant in accompaniment, recorded by their référent."""

    class Meta:
        model = BesoinFormation

    class Params:
        today = factory.LazyFunction(timezone.localdate)

    participant = factory.SubFactory(ParticipantFactory, entre=True)
    domaine = domaines_successifs()
    intitule = factory.Sequence(lambda n: f"Formation souhaitée {n}")
    type = TypeBesoin.QUALIFIANT
    urgence = Urgence.MOYENNE
    exprime_le = factory.SelfAttribute("today")
    cree_par = factory.LazyAttribute(lambda o: o.participant.referent or UserFactory(role=Role.REFERENT))
