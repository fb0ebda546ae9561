"""The weekly FSE agenda (RULES §6): per day, the hours each salarié spent by activity.

A validated week is locked: neither it nor its lines may change. The models refuse it on
``save()``/``delete()``; on PostgreSQL, triggers (migration 0002) also refuse bulk updates and
deletes. A correction is a new version of the week, attributed and dated.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

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
            models.CheckConstraint(condition=Q(statut__in=StatutSemaine.values), name="fse_semaine_statut_connu"),
            # Bulk writes skip save(): a week is still identified by its Monday.
            models.CheckConstraint(condition=Q(lundi__iso_week_day=1), name="fse_semaine_commence_un_lundi"),
            # A correction replaces an earlier version, never itself.
            models.CheckConstraint(
                condition=Q(remplace__isnull=True) | (Q(version__gte=2) & ~Q(remplace=F("pk"))),
                name="fse_semaine_correction_version_suivante",
            ),
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


CHAMPS_DONNEES_FSE = [
    "menage",
    "pays_tiers",
    "origine_etrangere",
    "sans_domicile",
    "zone_rurale",
    "resultat_constate_le",
    "en_recherche_emploi",
    "en_formation",
    "qualification_obtenue",
    "en_emploi",
    "suivi_le",
    "suivi_situation",
]


class DonneesFseParticipant(models.Model):
    """What the funder asks about a participant beyond the pathway record: the entry facts not
    already on the participant, the result upon leaving (4-week rule) and the 6-month follow-up."""

    participant = models.OneToOneField("participants.Participant", on_delete=models.CASCADE, related_name="donnees_fse")
    # At entry (sex, birth date, level, labour-market situation, RQTH and QPV are on the participant).
    menage = models.CharField("situation du ménage", max_length=30, choices=rules.Menage.choices, blank=True)
    pays_tiers = models.CharField(
        "ressortissant d'un pays tiers (hors UE)",
        max_length=15,
        choices=rules.Collecte.choices,
        default=rules.Collecte.NON_COLLECTE,
    )
    origine_etrangere = models.CharField(
        "d'origine étrangère", max_length=15, choices=rules.Collecte.choices, default=rules.Collecte.NON_COLLECTE
    )
    sans_domicile = models.BooleanField("sans domicile ou exclu du logement", default=False)
    zone_rurale = models.BooleanField("habite une zone rurale", default=False)

    # Upon leaving: observed within 4 weeks of the exit; several may hold at once.
    resultat_constate_le = models.DateField("résultat constaté le", null=True, blank=True)
    en_recherche_emploi = models.BooleanField("en recherche d'emploi", default=False)
    en_formation = models.BooleanField("en études ou en formation", default=False)
    qualification_obtenue = models.BooleanField("a obtenu une qualification", default=False)
    en_emploi = models.BooleanField("en emploi, y compris indépendant", default=False)

    # Six months after leaving.
    suivi_le = models.DateField("suivi à 6 mois réalisé le", null=True, blank=True)
    suivi_situation = models.CharField(
        "situation à 6 mois", max_length=15, choices=rules.SituationSuivi.choices, blank=True
    )

    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    modifie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "données FSE d'un participant"
        verbose_name_plural = "données FSE des participants"
        permissions = [
            ("exporter_donnees_fse", "Peut consulter les indicateurs FSE et exporter les données des participants"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resultat_constate_le__isnull=False)
                | Q(en_recherche_emploi=False, en_formation=False, qualification_obtenue=False, en_emploi=False),
                name="fse_resultat_date_si_constate",
            ),
            models.CheckConstraint(
                condition=Q(suivi_le__isnull=True, suivi_situation="")
                | (Q(suivi_le__isnull=False) & ~Q(suivi_situation="")),
                name="fse_suivi_date_et_situation",
            ),
        ]

    def __str__(self):
        return f"Données FSE de {self.participant}"


def chemin_pack(instance, filename):
    return f"packs-csf/{timezone.now():%Y/%m}/{filename}"


class PackCsf(models.Model):
    """A contrôle de service fait pack asked for a period, built by a worker, downloaded as a ZIP."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En préparation"
        PRET = "pret", "Prêt"
        ECHEC = "echec", "Échec"

    demande_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    debut = models.DateField("du")
    fin = models.DateField("au")
    salarie = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="salarié(e)",
        help_text="Vide : toute l'opération.",
    )
    statut = models.CharField(max_length=12, choices=Statut.choices, default=Statut.EN_ATTENTE)
    progression = models.PositiveSmallIntegerField(default=0)
    etape = models.CharField("étape en cours", max_length=200, blank=True)
    fichier = models.FileField(upload_to=chemin_pack, blank=True, max_length=200)
    taille = models.PositiveBigIntegerField("taille (octets)", null=True, blank=True)
    sha256 = models.CharField("empreinte SHA-256 de l'archive", max_length=64, blank=True)
    nb_fichiers = models.PositiveIntegerField("nombre de pièces", null=True, blank=True)
    erreur = models.TextField(blank=True)
    tache_id = models.CharField(max_length=50, blank=True)
    cree_le = models.DateTimeField("demandé le", auto_now_add=True)
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "pack de contrôle de service fait"
        verbose_name_plural = "packs de contrôle de service fait"
        ordering = ["-cree_le", "-id"]
        permissions = [("exporter_csf", "Peut produire et télécharger le pack de contrôle de service fait")]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="fse_pack_periode_ordonnee"),
            models.CheckConstraint(condition=Q(progression__lte=100), name="fse_pack_progression_pourcentage"),
        ]

    def __str__(self):
        qui = self.salarie or "toute l'opération"
        return f"Pack CSF du {self.debut:%d/%m/%Y} au {self.fin:%d/%m/%Y} — {qui}"


class RappelAgenda(models.Model):
    """One Monday reminder sent to one salarié: the record makes the reminder task idempotent."""

    salarie = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lundi_rappel = models.DateField("lundi du rappel")
    semaines = models.CharField("semaines rappelées", max_length=250)
    envoye_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rappel d'agenda"
        verbose_name_plural = "rappels d'agenda"
        ordering = ["-lundi_rappel"]
        constraints = [
            models.UniqueConstraint(fields=["salarie", "lundi_rappel"], name="fse_un_rappel_par_lundi"),
        ]

    def __str__(self):
        return f"Rappel du {self.lundi_rappel:%d/%m/%Y} à {self.salarie}"
