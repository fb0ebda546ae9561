from django.db import models


class StatutOffre(models.TextChoices):
    """RULES §4: collectée → qualifiée / écartée → diffusée → clôturée."""

    COLLECTEE = "collectee", "Collectée"
    QUALIFIEE = "qualifiee", "Qualifiée"
    ECARTEE = "ecartee", "Écartée"
    DIFFUSEE = "diffusee", "Diffusée"
    CLOTUREE = "cloturee", "Clôturée"
