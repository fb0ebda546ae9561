"""The weekly FSE agenda (RULES §6): per day, the hours each salarié spent by activity.

A validated week is locked: neither it nor its lines may change. The models refuse it on
``save()``/``delete()``; on PostgreSQL, triggers (migration 0002) also refuse bulk updates and
deletes. A correction is a new version of the week, attributed and dated.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from . import rules
from .rules import StatutSemaine

MESSAGE_VERROU = "Cette semaine est validée : elle ne peut plus être modifiée. Créez une version corrigée."


class CategorieActivite(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    libelle = models.CharField("libellé", max_length=150)
    ordre = models.PositiveSmallIntegerField(default=0)
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "catégorie d'activité"
        verbose_name_plural = "catégories d'activité"
        ordering = ["ordre", "libelle"]

    def __str__(self):
        return self.libelle


class SemaineAgenda(models.Model):
    salarie = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="semaines_agenda", verbose_name="salarié(e)"
    )
    lundi = models.DateField("semaine du", validators=[rules.verifier_lundi])
    statut = models.CharField(max_length=10, choices=StatutSemaine.choices, default=StatutSemaine.BROUILLON)
    soumise_le = models.DateTimeField("soumise le", null=True, blank=True)
    validee_le = models.DateTimeField("validée le", null=True, blank=True)
    validee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée ou renvoyée par",
    )
    commentaire_retour = models.TextField("commentaire de retour", blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    remplace = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name="remplace la version",
    )
    motif_correction = models.TextField("motif de la correction", blank=True)
    corrigee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    corrigee_le = models.DateTimeField("corrigée le", null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "semaine d'agenda"
        verbose_name_plural = "semaines d'agenda"
        ordering = ["-lundi", "salarie_id", "-version"]
        permissions = [("valider_agenda", "Peut valider ou renvoyer les agendas hebdomadaires")]
        constraints = [
            models.UniqueConstraint(fields=["salarie", "lundi", "version"], name="fse_semaine_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="fse_semaine_version_positive"),
        ]

    def __str__(self):
        texte = f"Semaine du {self.lundi:%d/%m/%Y} — {self.salarie}"
        return f"{texte} (version {self.version})" if self.version > 1 else texte

    def save(self, *args, **kwargs):
        rules.verifier_lundi(self.lundi)
        avant = self.statut_enregistre()
        if avant == StatutSemaine.VALIDEE:
            raise ValidationError(MESSAGE_VERROU)
        if avant is not None and avant != self.statut:
            rules.verifier_transition(avant, self.statut)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.statut_enregistre() == StatutSemaine.VALIDEE:
            raise ValidationError("Une semaine validée ne peut pas être supprimée.")
        return super().delete(*args, **kwargs)

    @property
    def dimanche(self):
        return rules.bornes_semaine(self.lundi)[1]

    @property
    def modifiable(self):
        return self.statut in rules.STATUTS_MODIFIABLES

    def statut_enregistre(self):
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("statut", flat=True).first()


class LigneAgenda(models.Model):
    semaine = models.ForeignKey(SemaineAgenda, on_delete=models.CASCADE, related_name="lignes")
    date = models.DateField()
    categorie = models.ForeignKey(
        CategorieActivite, on_delete=models.PROTECT, related_name="lignes", verbose_name="activité"
    )
    heures = models.DecimalField(max_digits=4, decimal_places=2, validators=[rules.verifier_heures])
    commentaire = models.CharField(max_length=250, blank=True)
    offre = models.ForeignKey("offres.Offre", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    entreprise = models.ForeignKey(
        "entreprises.Entreprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evenement = models.ForeignKey(
        "entreprises.Evenement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="événement",
    )
    action = models.ForeignKey(
        "entreprises.ActionCollective",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="action collective",
    )

    class Meta:
        verbose_name = "ligne d'agenda"
        verbose_name_plural = "lignes d'agenda"
        ordering = ["date", "categorie__ordre", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(heures__gt=0) & Q(heures__lte=rules.HEURES_MAX_LIGNE), name="fse_ligne_heures_bornees"
            ),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.categorie} : {rules.format_heures(self.heures)}"

    def save(self, *args, **kwargs):
        self._verifier_non_verrouillee()
        rules.verifier_heures(self.heures)
        if not rules.dans_la_semaine(self.date, self.semaine.lundi):
            raise ValidationError("La date doit être dans la semaine de l'agenda.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._verifier_non_verrouillee()
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.semaine_id and self.date and not rules.dans_la_semaine(self.date, self.semaine.lundi):
            raise ValidationError({"date": "La date doit être dans la semaine de l'agenda."})

    def _verifier_non_verrouillee(self):
        semaines = {self.semaine_id}
        if self.pk is not None:
            semaines.update(type(self).objects.filter(pk=self.pk).values_list("semaine_id", flat=True))
        if SemaineAgenda.objects.filter(pk__in=semaines, statut=StatutSemaine.VALIDEE).exists():
            raise ValidationError(MESSAGE_VERROU)
