"""The qualified file of companies the PLIE works with."""

from django.core.exceptions import ValidationError
from django.db import models


def valider_siret(value):
    """A SIRET is 14 digits whose Luhn checksum holds (La Poste's SIRETs are the exception)."""
    if not (value.isdigit() and len(value) == 14):
        raise ValidationError("Le SIRET doit comporter 14 chiffres.")
    if value.startswith("356000000"):  # La Poste: digits add up to a multiple of 5
        if sum(int(d) for d in value) % 5:
            raise ValidationError("Ce SIRET n'est pas valide (clé de contrôle).")
        return
    total = 0
    for index, digit in enumerate(reversed(value)):
        number = int(digit) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    if total % 10:
        raise ValidationError("Ce SIRET n'est pas valide (clé de contrôle).")


class TailleEntreprise(models.TextChoices):
    TPE = "TPE", "Moins de 10 salariés"
    PME = "PME", "10 à 249 salariés"
    ETI = "ETI", "250 à 4 999 salariés"
    GE = "GE", "5 000 salariés et plus"


class Entreprise(models.Model):
    nom = models.CharField(max_length=200)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    code_naf = models.CharField("code NAF", max_length=6, blank=True)
    secteur = models.CharField("secteur d'activité", max_length=150, blank=True)
    taille = models.CharField(max_length=3, choices=TailleEntreprise.choices, blank=True)
    adresse = models.CharField(max_length=250, blank=True)
    commune = models.ForeignKey(
        "plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="entreprises"
    )
    site_web = models.URLField("site web", blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~models.Q(siret=""), name="entreprise_siret_unique"),
        ]

    def __str__(self):
        return self.nom
