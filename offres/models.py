"""Job offers gathered for the PLIE's public."""

from django.db import models

from .enums import StatutOffre


class Offre(models.Model):
    intitule = models.CharField("intitulé", max_length=250)
    description = models.TextField(blank=True)
    entreprise = models.ForeignKey(
        "entreprises.Entreprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="offres"
    )
    employeur = models.CharField("employeur (tel qu'annoncé)", max_length=200, blank=True)
    commune = models.ForeignKey(
        "plie.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offres",
        verbose_name="lieu de travail",
    )
    type_contrat = models.ForeignKey(
        "plie.TypeContrat", on_delete=models.PROTECT, related_name="offres", verbose_name="type de contrat"
    )
    duree_mois = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    heures_hebdo = models.DecimalField("heures hebdomadaires", max_digits=4, decimal_places=1, null=True, blank=True)
    salaire = models.CharField(max_length=150, blank=True)
    metier_rome = models.ForeignKey(
        "plie.MetierRome",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offres",
        verbose_name="métier ROME",
    )
    nb_postes = models.PositiveSmallIntegerField("nombre de postes", default=1)
    date_publication = models.DateField("date de publication")
    date_expiration = models.DateField("date d'expiration", null=True, blank=True)
    statut = models.CharField(max_length=10, choices=StatutOffre.choices, default=StatutOffre.COLLECTEE)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "offre d'emploi"
        verbose_name_plural = "offres d'emploi"
        ordering = ["-date_publication", "-id"]
        indexes = [models.Index(fields=["statut", "-date_publication"])]

    def __str__(self):
        return self.intitule
