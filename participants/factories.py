"""Factory of participants, consistent with the model's constraints and with RULES §1.

By default a participant is an eligible candidate; the traits ``entre`` and ``sorti`` give a
participant in accompaniment (with an entry date and a référent) or one who exited (with an exit
date and a motive). Every date derives from the ``today`` parameter.
"""

import unicodedata
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from plie.factories import UserFactory, iterateur_communes, iterateur_niveaux_v_ou_infra
from plie.roles import Role

from .enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from .models import Participant

# How long before ``today`` the candidacy was made, by status (entry follows a month later).
_ANCIENNETE_CANDIDATURE = {
    StatutParticipant.CANDIDAT: 20,
    StatutParticipant.ENTRE: 200,
    StatutParticipant.SORTI: 560,
}
DELAI_COMMISSION = timedelta(days=30)
DUREE_PARCOURS = timedelta(days=487)  # about 16 months (RULES §5)


def ascii_slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in text if c.isalnum() or c in ".-")


def _email(o):
    return f"{ascii_slug(o.prenom)}.{ascii_slug(o.nom)}@{o.domaine_email}"


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    class Params:
        today = factory.LazyFunction(timezone.localdate)
        age = factory.Faker("pyfloat", min_value=18, max_value=64)
        domaine_email = factory.Faker("free_email_domain", locale="fr_FR")
        entre = factory.Trait(statut=StatutParticipant.ENTRE)
        sorti = factory.Trait(statut=StatutParticipant.SORTI)

    identifiant = factory.Sequence(lambda n: f"P-{n:06d}")
    sexe = factory.Faker("random_element", elements=[Sexe.FEMME, Sexe.HOMME])
    prenom = factory.Maybe(
        factory.LazyAttribute(lambda o: o.sexe == Sexe.FEMME),
        factory.Faker("first_name_female", locale="fr_FR"),
        factory.Faker("first_name_male", locale="fr_FR"),
    )
    nom = factory.Faker("last_name", locale="fr_FR")
    date_naissance = factory.LazyAttribute(lambda o: o.today - timedelta(days=round(o.age * 365.25)))
    email = factory.LazyAttribute(_email)
    telephone = factory.Faker("numerify", text="06 ## ## ## ##")
    adresse = factory.Faker("street_address", locale="fr_FR")
    commune = iterateur_communes()
    quartier_prioritaire = None
    niveau_formation = iterateur_niveaux_v_ou_infra()

    autorisation_travail = True
    consentement = True
    consentement_date = factory.SelfAttribute("date_candidature")
    # RGPD art. 13: the information notice is handed over at the first interview.
    notice_information_remise_le = factory.SelfAttribute("date_candidature")
    qualification_insuffisante = True
    sans_activite_depuis = factory.LazyAttribute(lambda o: o.date_candidature - timedelta(days=540))
    minima_sociaux = MinimaSociaux.RSA
    situation_familiale_complexe = False
    mobilite_logement = True
    sante_handicap = False
    suivi_cap_emploi = False
    sous_main_justice = False

    statut = StatutParticipant.CANDIDAT
    date_candidature = factory.LazyAttribute(
        lambda o: o.today - timedelta(days=_ANCIENNETE_CANDIDATURE[StatutParticipant(o.statut)])
    )
    date_entree = factory.LazyAttribute(
        lambda o: None if o.statut == StatutParticipant.CANDIDAT else o.date_candidature + DELAI_COMMISSION
    )
    date_sortie = factory.LazyAttribute(
        lambda o: o.date_entree + DUREE_PARCOURS if o.statut == StatutParticipant.SORTI else None
    )
    motif_sortie = factory.LazyAttribute(lambda o: MotifSortie.CDI if o.statut == StatutParticipant.SORTI else "")
    referent = factory.Maybe(
        factory.LazyAttribute(lambda o: o.statut != StatutParticipant.CANDIDAT),
        factory.SubFactory(UserFactory, role=Role.REFERENT),
        None,
    )
