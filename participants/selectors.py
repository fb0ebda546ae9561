"""Reads of participants shared by pages and reports."""

from django.db.models import Count, Q

from plie.models import User
from plie.roles import Role

from .enums import StatutParticipant
from .models import Participant


def caseload(referent):
    """The participants a référent accompanies, with what their rows show."""
    return (
        Participant.objects.en_accompagnement()
        .du_referent(referent)
        .select_related("commune", "quartier_prioritaire", "niveau_formation")
        .order_by("nom", "prenom", "id")
    )


def charge_des_referents():
    """Each active référent with the size of their caseload (one query)."""
    return (
        User.objects.with_role(Role.REFERENT)
        .annotate(
            nb_participants=Count("participants_suivis", filter=Q(participants_suivis__statut=StatutParticipant.ENTRE))
        )
        .order_by("last_name", "first_name")
    )


def chiffres_du_mois(day):
    """Stock on ``day`` and the flow of entries and exits in its calendar month (one query)."""
    debut = day.replace(day=1)
    return Participant.objects.aggregate(
        en_accompagnement=Count("id", filter=Q(statut=StatutParticipant.ENTRE)),
        candidats=Count("id", filter=Q(statut=StatutParticipant.CANDIDAT)),
        entrees_du_mois=Count("id", filter=Q(date_entree__gte=debut, date_entree__lte=day)),
        sorties_du_mois=Count("id", filter=Q(date_sortie__gte=debut, date_sortie__lte=day)),
    )
