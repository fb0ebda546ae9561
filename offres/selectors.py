"""Reads of offers shared by pages and reports."""

from .enums import StatutOffre
from .models import Offre


def offres_a_qualifier():
    """The review queue of the chargé(e) de mission: collected offers, oldest first."""
    return (
        Offre.objects.filter(statut=StatutOffre.COLLECTEE)
        .select_related("commune", "type_contrat", "metier_rome", "entreprise")
        .order_by("date_publication", "id")
    )
