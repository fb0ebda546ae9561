"""What the reports keep: the budget of a period, the monthly activity reports, the bilans."""

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


def chemin_rapport(instance, filename):
    return f"rapports/{instance.mois:%Y/%m}/{filename}"


class RapportMensuel(models.Model):
    """The chargé(e) de mission's monthly activity report: figures computed from the data, a
    comment written by its author, a PDF rendered by a worker and sent to the coordinatrice."""

    class Statut(models.TextChoices):
        A_GENERER = "a_generer", "À générer"
        EN_COURS = "en_cours", "En cours de génération"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    salarie = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rapports_mensuels", verbose_name="salarié(e)"
    )
    mois = models.DateField("mois", help_text="Le premier jour du mois rapporté.")
    commentaire = models.TextField("commentaire", blank=True)
    commentaire_modifie_le = models.DateTimeField(null=True, blank=True)
    statut = models.CharField(max_length=10, choices=Statut.choices, default=Statut.A_GENERER)
    progression = models.PositiveSmallIntegerField(default=0)
    etape = models.CharField("étape en cours", max_length=200, blank=True)
    fichier = models.FileField(upload_to=chemin_rapport, blank=True, max_length=200)
    genere_le = models.DateTimeField("généré le", null=True, blank=True)
    envoye_le = models.DateTimeField("envoyé à la coordination le", null=True, blank=True)
    erreur = models.TextField(blank=True)
    tache_id = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = "rapport mensuel d'activité"
        verbose_name_plural = "rapports mensuels d'activité"
        ordering = ["-mois", "salarie_id"]
        constraints = [
            models.UniqueConstraint(fields=["salarie", "mois"], name="rapport_un_par_mois"),
            models.CheckConstraint(condition=Q(mois__day=1), name="rapport_mois_premier_jour"),
        ]

    def __str__(self):
        return f"Rapport d'activité de {self.mois:%m/%Y} — {self.salarie}"


class Bilan(models.Model):
    """A mid-term or final bilan of the operation: the figures computed over its period, the
    qualitative sections written in the app, and the budget situation."""

    class Type(models.TextChoices):
        MI_PARCOURS = "mi_parcours", "Bilan à mi-parcours"
        FINAL = "final", "Bilan final"

    type = models.CharField(max_length=12, choices=Type.choices)
    operation = models.CharField("opération", max_length=200, help_text="Intitulé de l'opération cofinancée.")
    debut = models.DateField("période du")
    fin = models.DateField("au")
    budget_prevu = models.DecimalField("budget prévu (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    budget_realise = models.DecimalField(
        "dépenses réalisées (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    commentaire_budget = models.TextField("commentaire sur la situation budgétaire", blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "bilan de l'opération"
        verbose_name_plural = "bilans de l'opération"
        ordering = ["-fin", "type"]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="bilan_periode_ordonnee"),
            models.UniqueConstraint(fields=["type", "debut", "fin"], name="bilan_unique_par_periode"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.debut:%d/%m/%Y} – {self.fin:%d/%m/%Y}"


class SectionBilan(models.Model):
    """One qualitative section of a bilan, following the funder's outline; the text is HTML
    restricted to a few tags and cleaned on save."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="sections")
    code = models.SlugField(max_length=60)
    titre = models.CharField(max_length=200)
    ordre = models.PositiveSmallIntegerField(default=0)
    contenu = models.TextField(blank=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "section d'un bilan"
        verbose_name_plural = "sections des bilans"
        ordering = ["bilan", "ordre", "id"]
        constraints = [models.UniqueConstraint(fields=["bilan", "code"], name="section_unique_par_bilan")]

    def __str__(self):
        return self.titre
