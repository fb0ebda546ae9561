"""What the coordinatrice enters for the reports: the budget of a period."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Budget(models.Model):
    """The budget spent on the accompaniment over a period (the cost per person divides it)."""

    libelle = models.CharField("libellé", max_length=150)
    debut = models.DateField("du")
    fin = models.DateField("au")
    montant = models.DecimalField("montant réalisé (€)", max_digits=12, decimal_places=2)
    montant_prevu = models.DecimalField("montant prévu (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    saisi_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "budget d'une période"
        verbose_name_plural = "budgets des périodes"
        ordering = ["-debut", "id"]
        permissions = [
            ("voir_tableau_de_bord", "Peut consulter le tableau de bord (son portefeuille pour un référent)")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="budget_periode_ordonnee"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="budget_montant_positif"),
            models.UniqueConstraint(fields=["debut", "fin"], name="budget_une_periode"),
        ]

    def __str__(self):
        return f"{self.libelle} ({self.debut:%d/%m/%Y} – {self.fin:%d/%m/%Y})"
