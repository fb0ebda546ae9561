"""Reads of training needs, sessions and positionnements shared by the pages.

Visibility follows the caseload: a référent reads the needs and positionnements of their own
participants only; the chargé(e) de mission and the coordinatrice read them all (the chargé(e) de
mission reaches the participants through their needs, never through the participants list).
"""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from participants.selectors import peut_modifier
from plie.roles import Role

from . import rules
from .models import (
    BesoinFormation,
    DomaineFormation,
    EtapePositionnementFormation,
    OrganismeFormation,
    PositionnementFormation,
    SessionFormation,
)


def voit_tout(user):
    """The chargé(e) de mission and the coordinatrice follow every need and positionnement."""
    return bool(set(user.roles) & {Role.CHARGE_MISSION, Role.COORDINATRICE})


def besoins_visibles(user):
    if voit_tout(user):
        return BesoinFormation.objects.all()
    if Role.REFERENT in user.roles:
        return BesoinFormation.objects.filter(participant__referent=user)
    return BesoinFormation.objects.none()


def positionnements_visibles(user):
    if voit_tout(user):
        return PositionnementFormation.objects.all()
    if Role.REFERENT in user.roles:
        return PositionnementFormation.objects.filter(participant__referent=user)
    return PositionnementFormation.objects.none()


def peut_gerer_besoin(user, participant):
    """Record or change a participant's need: their référent, or the coordinatrice."""
    return peut_modifier(user, participant)


def peut_positionner(user, participant, a_un_besoin):
    """The référent positions their own caseload (the coordinatrice anyone); the chargé(e) de
    mission anyone who has a training need (``a_un_besoin``: an open need of the participant)."""
    if peut_modifier(user, participant):
        return True
    return Role.CHARGE_MISSION in user.roles and a_un_besoin


def peut_suivre(user, positionnement):
    """Move a positionnement on: the participant's référent, the coordinatrice, or the chargé(e)
    de mission, who deals with the training bodies (registrations, entries)."""
    return Role.CHARGE_MISSION in user.roles or peut_modifier(user, positionnement.participant)


def _en_cours():
    return PositionnementFormation.objects.filter(besoin=OuterRef("pk"), statut__in=rules.POSITIONNEMENTS_EN_COURS)


def besoins_liste(queryset):
    """The rows of the needs list: participant, référent, field and job read in the same query."""
    return (
        queryset.select_related(
            "participant__referent", "participant__commune", "domaine", "metier_rome", "niveau_vise"
        )
        .annotate(
            nb_positionnements=Count("positionnements", distinct=True),
            positionnement_en_cours=Exists(_en_cours()),
        )
        .order_by("-exprime_le", "-id")
    )


def besoins_du_participant(participant):
    return (
        BesoinFormation.objects.filter(participant=participant)
        .select_related("domaine", "metier_rome")
        .order_by("-exprime_le", "-id")
    )


def besoins_ouverts(queryset):
    return queryset.filter(statut__in=rules.BESOINS_OUVERTS)


def a_un_besoin_ouvert(participant):
    return besoins_ouverts(BesoinFormation.objects.filter(participant=participant)).exists()


def positionnement_en_cours_du_besoin(besoin):
    """The session title of the need's positionnement in progress ("" if none)."""
    positionnement = (
        besoin.positionnements.filter(statut__in=rules.POSITIONNEMENTS_EN_COURS).select_related("session").first()
    )
    return positionnement.session.intitule if positionnement else ""


def avec_places(queryset):
    """Sessions annotated with their seats taken (inscrits and entrés) and the proposals pending."""
    return queryset.annotate(
        places_occupees=Count(
            "positionnements", filter=Q(positionnements__statut__in=rules.POSITIONNEMENTS_OCCUPANT), distinct=True
        ),
        nb_proposes=Count(
            "positionnements",
            filter=Q(positionnements__statut=rules.P.PROPOSE),
            distinct=True,
        ),
    )


def places_occupees(session):
    return session.positionnements.filter(statut__in=rules.POSITIONNEMENTS_OCCUPANT).count()


def sessions_liste(queryset):
    return avec_places(queryset.select_related("organisme", "domaine", "commune")).order_by("debut", "id")


def sessions_ouvertes(today):
    return sessions_liste(SessionFormation.objects.filter(statut__in=rules.STATUTS_SESSION_OUVERTS, fin__gte=today))


def organismes_liste():
    return (
        OrganismeFormation.objects.select_related("commune")
        .annotate(nb_sessions=Count("sessions"))
        .order_by("nom", "id")
    )


def positionnements_de_la_session(session, user):
    """The positionnements the user may see on a session, each with its steps (three queries)."""
    return (
        positionnements_visibles(user)
        .filter(session=session)
        .select_related("participant__referent", "besoin", "situation")
        .prefetch_related(
            Prefetch(
                "etapes", queryset=EtapePositionnementFormation.objects.select_related("par").order_by("date", "id")
            )
        )
        .order_by("participant__nom", "participant__prenom", "id")
    )


def domaines():
    return list(DomaineFormation.objects.order_by("libelle", "id"))
