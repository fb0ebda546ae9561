"""Job offers gathered for the PLIE's public, where they come from, who was positioned on them."""

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Concat, Upper

from .enums import (
    MotifCloture,
    MotifEcart,
    OriginePartenaire,
    StatutExecution,
    StatutOffre,
    StatutPositionnement,
    TypeSource,
)


class Source(models.Model):
    """Where offers come from: a job board, a partner's workbook, a feed, a page, or manual entry."""

    nom = models.SlugField(max_length=60, unique=True, help_text="Nom court, ex. france-travail.")
    libelle = models.CharField("libellé", max_length=150)
    type = models.CharField(max_length=30, choices=TypeSource.choices)
    actif = models.BooleanField(default=True)
    parametres = models.JSONField("paramètres", default=dict, blank=True)

    class Meta:
        verbose_name = "source d'offres"
        verbose_name_plural = "sources d'offres"
        ordering = ["libelle"]

    def __str__(self):
        return self.libelle


class Offre(models.Model):
    intitule = models.CharField("intitulé", max_length=250)
    description = models.TextField(blank=True)
    entreprise = models.ForeignKey(
        "entreprises.Entreprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="offres"
    )
    employeur = models.CharField("employeur (tel qu'annoncé)", max_length=200, blank=True)
    # What the text search reads: one LIKE on one stored column per offer, where UPPER() of two
    # columns at each row was most of a search's time on a million offers.
    recherche = models.GeneratedField(
        expression=Upper(Concat("intitule", Value(" "), "employeur")),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )
    commune = models.ForeignKey(
        "plie.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offres",
        verbose_name="lieu de travail",
    )
    lieu_travail = models.CharField(
        "lieu de travail (tel qu'annoncé)", max_length=200, blank=True, help_text="Si hors des communes du territoire."
    )
    type_contrat = models.ForeignKey(
        "plie.TypeContrat", on_delete=models.PROTECT, related_name="offres", verbose_name="type de contrat"
    )
    duree_mois = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    heures_hebdo = models.DecimalField("heures hebdomadaires", max_digits=4, decimal_places=1, null=True, blank=True)
    horaires = models.CharField(
        "horaires", max_length=250, blank=True, help_text="Ex. : du lundi au vendredi, 6 h – 9 h."
    )
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
    origine_partenaire = models.CharField(
        "transmise par",
        max_length=30,
        choices=OriginePartenaire.choices,
        blank=True,
        help_text="Pour une saisie manuelle.",
    )
    contact_partenaire = models.CharField("contact du partenaire", max_length=200, blank=True)

    # Qualification checklist (RULES §4), filled by the chargé(e) de mission.
    sans_diplome = models.BooleanField("accessible sans diplôme", null=True, blank=True)
    experience_requise = models.BooleanField("expérience exigée", null=True, blank=True)
    permis_requis = models.BooleanField("permis B exigé", null=True, blank=True)
    vehicule_requis = models.BooleanField("véhicule nécessaire", null=True, blank=True)
    desserte_transports = models.BooleanField("desservi par les transports en commun", null=True, blank=True)
    notes_qualification = models.TextField("notes d'adéquation au public", blank=True)
    qualifiee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    qualifiee_le = models.DateTimeField(null=True, blank=True)
    motif_ecart = models.CharField("motif d'écart", max_length=30, choices=MotifEcart.choices, blank=True)
    commentaire_ecart = models.CharField("précision", max_length=250, blank=True)
    ecartee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ecartee_le = models.DateTimeField(null=True, blank=True)
    diffusee_le = models.DateTimeField(null=True, blank=True)
    motif_cloture = models.CharField("motif de clôture", max_length=10, choices=MotifCloture.choices, blank=True)
    cloturee_le = models.DateTimeField(null=True, blank=True)

    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    # Kept with the offer (the first link's source) so that counting offers by source needs no
    # join with their links: an offer seen in two sources counts once, for the first.
    source_origine = models.ForeignKey(
        Source,
        verbose_name="source d'origine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offres_apportees",
        help_text="La source où l'offre a été vue la première fois.",
    )

    class Meta:
        verbose_name = "offre d'emploi"
        verbose_name_plural = "offres d'emploi"
        ordering = ["-date_publication", "-id"]
        indexes = [
            models.Index(fields=["statut", "-date_publication"]),
            models.Index(fields=["statut", "date_publication", "id"], name="offre_file_qualification"),
            # The offers list's default order (newest first, read backwards for the oldest first).
            models.Index(fields=["-date_publication", "-id"], name="offre_publication"),
            # The dashboard counts offers by date of collection, qualification and diffusion (ranges
            # on the raw timestamps, see plie.dates.pendant); the first index holds every column
            # the breakdown by source reads, so that it is answered from the index alone.
            models.Index(
                fields=["cree_le", "source_origine", "qualifiee_le", "diffusee_le", "id"], name="offre_collecte"
            ),
            models.Index(fields=["qualifiee_le"], name="offre_qualifiee_le"),
            # Whether a company has open offers (the companies list, for each company of a page).
            models.Index(
                fields=["entreprise"],
                condition=models.Q(statut__in=[StatutOffre.COLLECTEE, StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE]),
                name="offre_ouverte_entreprise",
            ),
            models.Index(fields=["diffusee_le"], name="offre_diffusee_le"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(statut=StatutOffre.ECARTEE) | ~models.Q(motif_ecart=""),
                name="offre_ecartee_a_un_motif",
            ),
            models.CheckConstraint(
                condition=~models.Q(statut=StatutOffre.CLOTUREE) | ~models.Q(motif_cloture=""),
                name="offre_cloturee_a_un_motif",
            ),
        ]

    def __str__(self):
        return self.intitule

    @property
    def nom_employeur(self):
        return self.entreprise.nom if self.entreprise_id else self.employeur


class LienSource(models.Model):
    """One place an offer was seen; duplicates across sources keep every link."""

    offre = models.ForeignKey(Offre, on_delete=models.CASCADE, related_name="liens")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="liens")
    identifiant_externe = models.CharField("identifiant dans la source", max_length=100)
    url = models.URLField(max_length=500, blank=True)
    vue_le = models.DateTimeField("vue la première fois le")
    vue_derniere_fois_le = models.DateTimeField("vue la dernière fois le")

    class Meta:
        verbose_name = "lien vers la source"
        verbose_name_plural = "liens vers les sources"
        ordering = ["vue_le", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "identifiant_externe"], name="lien_source_unique"),
        ]

    def __str__(self):
        return f"{self.source.nom}:{self.identifiant_externe}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The offer's first link gives its source of origin (bulk inserts call
        # renseigner_sources_origine instead). An offer created with its origin (ingestion) needs no
        # second write of its row, which every index of a million offers would pay.
        offre = self._state.fields_cache.get("offre")
        if offre is None or offre.source_origine_id is None:
            Offre.objects.filter(pk=self.offre_id, source_origine__isnull=True).update(source_origine=self.source_id)


def renseigner_sources_origine(offres=None):
    """Set the source of origin of the offers that have none from their first link (one query)."""
    offres = Offre.objects.all() if offres is None else offres
    premiere = LienSource.objects.filter(offre=OuterRef("pk")).order_by("vue_le", "id").values("source")[:1]
    return offres.filter(source_origine__isnull=True).update(source_origine=Subquery(premiere))


class Diffusion(models.Model):
    """An offer sent to a référent: in-app (new until seen) and in the weekly digest."""

    offre = models.ForeignKey(Offre, on_delete=models.CASCADE, related_name="diffusions")
    referent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="diffusions")
    diffusee_le = models.DateTimeField()
    diffusee_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    vue_le = models.DateTimeField(null=True, blank=True)
    envoyee_par_mail_le = models.DateTimeField("envoyée dans le récapitulatif le", null=True, blank=True)

    class Meta:
        verbose_name = "diffusion"
        verbose_name_plural = "diffusions"
        ordering = ["-diffusee_le", "-id"]
        constraints = [models.UniqueConstraint(fields=["offre", "referent"], name="une_diffusion_par_referent")]
        indexes = [models.Index(fields=["referent", "-diffusee_le"])]

    def __str__(self):
        return f"{self.offre} → {self.referent}"


class Positionnement(models.Model):
    """A participant put forward on an offer by their référent, followed step by step."""

    offre = models.ForeignKey(Offre, on_delete=models.PROTECT, related_name="positionnements")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="positionnements"
    )
    statut = models.CharField(max_length=20, choices=StatutPositionnement.choices, default=StatutPositionnement.PROPOSE)
    derniere_etape_le = models.DateField("dernière étape le")
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    situation = models.OneToOneField(
        "participants.Situation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="positionnement",
        help_text="Le contrat créé quand le participant est retenu.",
    )

    class Meta:
        verbose_name = "positionnement"
        verbose_name_plural = "positionnements"
        ordering = ["-derniere_etape_le", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["offre", "participant"], name="un_positionnement_par_offre_et_participant")
        ]
        indexes = [
            models.Index(fields=["statut", "derniere_etape_le"]),
            # The open positionnements, oldest step first: those to follow up (start pages, « Suivi »)
            # are read in order and counted from this index alone, however many are closed.
            models.Index(
                fields=["derniere_etape_le", "id"],
                condition=models.Q(statut__in=StatutPositionnement.en_cours()),
                name="positionnement_a_relancer",
            ),
            models.Index(fields=["cree_le"], name="positionnement_cree_le"),  # the dashboard, by month
        ]

    def __str__(self):
        return f"{self.participant} sur {self.offre}"


class EtapePositionnement(models.Model):
    """Each step of a positionnement: dated and attributed (the history is never rewritten)."""

    positionnement = models.ForeignKey(Positionnement, on_delete=models.CASCADE, related_name="etapes")
    statut = models.CharField(max_length=20, choices=StatutPositionnement.choices)
    date = models.DateField()
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape de positionnement"
        verbose_name_plural = "étapes de positionnement"
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["statut", "date"], name="etape_pos_statut_date")]  # hires by month

    def __str__(self):
        return f"{self.get_statut_display()} le {self.date:%d/%m/%Y}"


class ExecutionIngestion(models.Model):
    """One ingestion run of a source: when, how it ended, what it counted, what went wrong."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="executions")
    debut = models.DateTimeField("début")
    fin = models.DateTimeField(null=True, blank=True)
    statut = models.CharField(max_length=10, choices=StatutExecution.choices, default=StatutExecution.EN_COURS)
    recus = models.PositiveIntegerField("reçues", default=0)
    nouvelles = models.PositiveIntegerField(default=0)
    mises_a_jour = models.PositiveIntegerField("mises à jour", default=0)
    doublons_fusionnes = models.PositiveIntegerField("doublons fusionnés", default=0)
    ecartees_prefiltre = models.PositiveIntegerField("écartées par les préfiltres", default=0)
    expirees = models.PositiveIntegerField(
        "expirées", default=0, help_text="Offres disparues de la source, retirées par un balayage complet."
    )
    erreurs = models.PositiveIntegerField(default=0)
    detail_erreurs = models.JSONField("détail des erreurs", default=list, blank=True)
    parametres = models.JSONField("paramètres de la recherche", default=dict, blank=True)
    maj_le = models.DateTimeField(
        "progression enregistrée le",
        null=True,
        blank=True,
        help_text="Les compteurs sont enregistrés à chaque page lue.",
    )
    tache = models.CharField("tâche Celery", max_length=64, blank=True)

    class Meta:
        verbose_name = "exécution d'ingestion"
        verbose_name_plural = "exécutions d'ingestion"
        ordering = ["-debut", "-id"]
        indexes = [models.Index(fields=["source", "statut", "-debut"])]

    def __str__(self):
        return f"{self.source} — {self.debut:%d/%m/%Y %H:%M} ({self.get_statut_display().lower()})"


class DonneeBrute(models.Model):
    """A payload as the source sent it, kept for audit and re-normalisation (limited retention)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="donnees_brutes")
    identifiant_externe = models.CharField("identifiant dans la source", max_length=100)
    execution = models.ForeignKey(
        ExecutionIngestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="donnees_brutes"
    )
    recue_le = models.DateTimeField("reçue le", db_index=True)
    contenu = models.JSONField()

    class Meta:
        verbose_name = "donnée brute"
        verbose_name_plural = "données brutes"
        ordering = ["-recue_le", "-id"]
        indexes = [models.Index(fields=["source", "identifiant_externe"])]

    def __str__(self):
        return f"{self.source.nom}:{self.identifiant_externe} ({self.recue_le:%d/%m/%Y})"
