"""A person accompanied by the PLIE, from candidacy to exit."""

from django.conf import settings
from django.db import models

from plie.models import CategorieContrat

from .enums import (
    DOMAINES_CLEA,
    DecisionCommissionType,
    MinimaSociaux,
    MotifSortie,
    NiveauCompetence,
    ResultatEtape,
    Sexe,
    SituationMarcheTravail,
    StatutDetection,
    StatutParticipant,
    TypeEntretien,
    TypeEtape,
)

# Health, disability, justice and social benefits: shown only to the participant's référent,
# the coordinatrice and the administrateur, and every read of them is logged.
CHAMPS_SENSIBLES = [
    "minima_sociaux",
    "sante_handicap",
    "suivi_cap_emploi",
    "reconnaissance_handicap",
    "sous_main_justice",
]


class ParticipantQuerySet(models.QuerySet):
    def en_accompagnement(self):
        return self.filter(statut=StatutParticipant.ENTRE)

    def du_referent(self, user):
        return self.filter(referent=user)


class Participant(models.Model):
    identifiant = models.CharField(
        max_length=50, unique=True, help_text="Identifiant stable, repris de l'outil précédent le cas échéant."
    )
    nom = models.CharField(max_length=150)
    prenom = models.CharField("prénom", max_length=150)
    sexe = models.CharField(max_length=1, choices=Sexe.choices)
    date_naissance = models.DateField("date de naissance")
    email = models.EmailField("adresse e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    adresse = models.CharField(max_length=250, blank=True)
    commune = models.ForeignKey(
        "plie.Commune", on_delete=models.PROTECT, related_name="participants", verbose_name="commune de résidence"
    )
    quartier_prioritaire = models.ForeignKey(
        "plie.QuartierPrioritaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name="quartier prioritaire (QPV)",
    )
    niveau_formation = models.ForeignKey(
        "plie.NiveauFormation", on_delete=models.PROTECT, related_name="+", verbose_name="niveau de formation"
    )

    # Eligibility facts (RULES §1), as declared and checked at candidacy.
    autorisation_travail = models.BooleanField("autorisation de travail en France", default=False)
    consentement = models.BooleanField("souhaite entrer dans un parcours intégré", default=False)
    consentement_date = models.DateField("date du consentement", null=True, blank=True)
    # RGPD art. 13: the information notice handed over at the first interview, and when.
    notice_information_remise_le = models.DateField("notice d'information remise le", null=True, blank=True)
    qualification_insuffisante = models.BooleanField(
        "qualification insuffisante ou inadaptée, ou compétences de base non maîtrisées", default=False
    )
    sans_activite_depuis = models.DateField(
        "sans activité professionnelle depuis", null=True, blank=True, help_text="Vide : en activité."
    )
    minima_sociaux = models.CharField(
        "minimum social perçu", max_length=10, choices=MinimaSociaux.choices, blank=True, default=MinimaSociaux.AUCUN
    )
    situation_familiale_complexe = models.BooleanField("situation familiale complexe", default=False)
    mobilite_logement = models.BooleanField("problèmes de mobilité ou de logement", default=False)
    sante_handicap = models.BooleanField("problèmes de santé ou handicap", default=False)
    suivi_cap_emploi = models.BooleanField("accompagné par Cap emploi", default=False)
    sous_main_justice = models.BooleanField("sous mandat de justice", default=False)

    # FSE entry data (besides sex, birth date, level, QPV, social minima above).
    situation_marche_travail = models.CharField(
        "situation sur le marché du travail à l'entrée",
        max_length=10,
        choices=SituationMarcheTravail.choices,
        blank=True,
    )
    inscrit_france_travail = models.BooleanField("inscrit à France Travail", default=False)
    reconnaissance_handicap = models.BooleanField(
        "reconnaissance de la qualité de travailleur handicapé", default=False
    )

    # Professional project and constraints, used to match offers (issue "offres").
    metiers_vises = models.ManyToManyField(
        "plie.MetierRome", blank=True, related_name="+", verbose_name="métiers visés (projet professionnel)"
    )
    permis_b = models.BooleanField("permis B", default=False)
    vehicule = models.BooleanField("véhicule personnel", default=False)
    heures_hebdo_max = models.PositiveSmallIntegerField(
        "heures par semaine au plus", null=True, blank=True, help_text="Vide : pas de limite déclarée."
    )
    disponible = models.BooleanField("disponible pour un emploi", default=True)

    statut = models.CharField(max_length=10, choices=StatutParticipant.choices, default=StatutParticipant.CANDIDAT)
    date_candidature = models.DateField("date de candidature")
    date_entree = models.DateField("date d'entrée", null=True, blank=True)
    date_sortie = models.DateField("date de sortie", null=True, blank=True)
    motif_sortie = models.CharField("motif de sortie", max_length=30, choices=MotifSortie.choices, blank=True)
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants_suivis",
        verbose_name="référent unique",
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    # Set by the retention policy (participants.retention): the record's identifying and sensitive
    # facts were erased for good on that date; only anonymous statistics remain.
    anonymise_le = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    # Set by the same run when the active base ended but FSE+ archiving still requires the record:
    # from then on only the administrateur reads it. A column rather than the rule evaluated on every
    # list: the rule reads five tables per participant.
    archive_le = models.DateTimeField("en archivage intermédiaire depuis le", null=True, blank=True, editable=False)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = "participant"
        verbose_name_plural = "participants"
        ordering = ["nom", "prenom"]
        permissions = [
            ("decider_commission", "Statuer en commission (entrées, sorties senior en ACI)"),
            ("changer_referent", "Changer le référent d'un participant"),
        ]
        indexes = [
            models.Index(fields=["referent", "statut"]),
            models.Index(fields=["statut", "date_entree"]),
            models.Index(fields=["nom", "prenom"]),
            # Entries and exits of a period (dashboard, participants list); exits counted from the
            # index alone.
            models.Index(fields=["date_entree"], name="participant_date_entree"),
            models.Index(fields=["date_sortie", "statut"], name="participant_sortie_statut"),
            # The lists outside the archive, by status and in their order: a page and its count
            # (up to the ceiling) are read from this index alone, however large the archive.
            models.Index(
                fields=["statut", "nom", "prenom", "id"],
                condition=models.Q(archive_le__isnull=True, anonymise_le__isnull=True),
                name="participant_actif_statut_nom",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(statut=StatutParticipant.ENTRE) | models.Q(date_entree__isnull=False),
                name="participant_entre_a_une_date_entree",
            ),
            models.CheckConstraint(
                condition=~models.Q(statut=StatutParticipant.SORTI)
                | (models.Q(date_sortie__isnull=False) & ~models.Q(motif_sortie="")),
                name="participant_sorti_a_date_et_motif",
            ),
        ]

    def __str__(self):
        return f"{self.prenom} {self.nom}"


class HistoriqueReferent(models.Model):
    """The référent unique over time (RULES §3): one open row per participant."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="historique_referents")
    referent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    du = models.DateField("du")
    au = models.DateField("au", null=True, blank=True)
    motif = models.CharField(max_length=250, blank=True)
    attribue_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "référent (historique)"
        verbose_name_plural = "référents (historique)"
        ordering = ["participant", "-du", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"], condition=models.Q(au__isnull=True), name="un_seul_referent_actif"
            ),
        ]

    def __str__(self):
        return f"{self.referent} depuis le {self.du:%d/%m/%Y}"


class DecisionCommission(models.Model):
    """A decision of the commission de validation des entrées-sorties: dated, attributed, reasoned.

    It never rewrites the computed eligibility verdict, which is kept as it stood at the decision.
    """

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=30, choices=DecisionCommissionType.choices)
    date_decision = models.DateField("date de la décision")
    motif = models.TextField("motif")
    eligible_au_calcul = models.BooleanField("éligible selon les règles au moment de la décision")
    criteres_manquants = models.CharField("critères manquants au moment de la décision", max_length=250, blank=True)
    decide_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "décision de la commission"
        verbose_name_plural = "décisions de la commission"
        ordering = ["-date_decision", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(motif=""), name="decision_commission_motif_obligatoire"),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} du {self.date_decision:%d/%m/%Y}"


class Entretien(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="entretiens")
    date = models.DateField()
    type = models.CharField(max_length=20, choices=TypeEntretien.choices, default=TypeEntretien.INDIVIDUEL)
    notes = models.TextField(blank=True)
    prochaines_etapes = models.TextField("prochaines étapes", blank=True)
    realise_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "entretien"
        verbose_name_plural = "entretiens"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["participant", "-date"])]

    def __str__(self):
        return f"{self.get_type_display()} du {self.date:%d/%m/%Y}"


class Etape(models.Model):
    """A typed step of the pathway (RULES §3), with its dates and outcome."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="etapes")
    type = models.CharField(max_length=20, choices=TypeEtape.choices)
    intitule = models.CharField("intitulé", max_length=250)
    structure = models.CharField("structure partenaire", max_length=200, blank=True)
    debut = models.DateField("début")
    fin_prevue = models.DateField("fin prévue", null=True, blank=True)
    fin = models.DateField("fin réelle", null=True, blank=True)
    resultat = models.CharField(
        "résultat", max_length=20, choices=ResultatEtape.choices, default=ResultatEtape.EN_COURS
    )
    commentaire = models.TextField(blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape de parcours"
        verbose_name_plural = "étapes de parcours"
        ordering = ["-debut", "-id"]
        indexes = [
            models.Index(fields=["participant", "fin_prevue"]),
            # The étapes still open that end soon (« à voir » of the lists): a few per day of the window,
            # read from this index alone however many étapes are closed.
            models.Index(
                fields=["fin_prevue", "participant"],
                condition=models.Q(fin__isnull=True),
                name="etape_ouverte_fin_prevue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fin_prevue__isnull=True) | models.Q(fin_prevue__gte=models.F("debut")),
                name="etape_fin_prevue_apres_debut",
            ),
            models.CheckConstraint(
                condition=models.Q(fin__isnull=True) | models.Q(fin__gte=models.F("debut")),
                name="etape_fin_apres_debut",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} : {self.intitule}"


class DiagnosticEntree(models.Model):
    """The entry diagnostic: skills in the seven CléA domains, which may lead to a CléA evaluation."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="diagnostic")
    date = models.DateField()
    orientation_clea = models.BooleanField("orientation vers une évaluation CléA", default=False)
    commentaire = models.TextField(blank=True)
    realise_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "diagnostic d'entrée"
        verbose_name_plural = "diagnostics d'entrée"

    def __str__(self):
        return f"Diagnostic d'entrée du {self.date:%d/%m/%Y}"

    def domaines(self):
        return [(label, self.get_niveau_display(field), getattr(self, field)) for field, label in DOMAINES_CLEA]

    def get_niveau_display(self, field):
        return NiveauCompetence(getattr(self, field)).label


for _field, _label in DOMAINES_CLEA:
    DiagnosticEntree.add_to_class(
        _field, models.CharField(_label, max_length=15, choices=NiveauCompetence.choices, blank=True)
    )


class Situation(models.Model):
    """A contract, training or business creation: the facts of the positive-exit rules (RULES §2)."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="situations")
    type = models.CharField("type de situation", max_length=30, choices=CategorieContrat.choices)
    type_contrat = models.ForeignKey(
        "plie.TypeContrat",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="type de contrat précis",
    )
    intitule = models.CharField("intitulé du poste ou de la formation", max_length=250, blank=True)
    debut = models.DateField("début")
    fin_prevue = models.DateField("fin prévue", null=True, blank=True)
    fin = models.DateField("fin réelle", null=True, blank=True, help_text="Vide : en cours.")
    heures_hebdo = models.DecimalField("heures hebdomadaires", max_digits=4, decimal_places=1, null=True, blank=True)
    accord_temps_partiel = models.BooleanField("accord du participant pour moins de 17,5 h par semaine", default=False)
    employeur = models.CharField("employeur ou organisme", max_length=200, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    entreprise = models.ForeignKey(
        "entreprises.Entreprise", on_delete=models.SET_NULL, null=True, blank=True, related_name="situations"
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "situation (contrat, formation, création)"
        verbose_name_plural = "situations"
        ordering = ["-debut", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fin__isnull=True) | models.Q(fin__gte=models.F("debut")),
                name="situation_fin_apres_debut",
            ),
            models.CheckConstraint(
                condition=models.Q(fin_prevue__isnull=True) | models.Q(fin_prevue__gte=models.F("debut")),
                name="situation_fin_prevue_apres_debut",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} du {self.debut:%d/%m/%Y}"


class DetectionSortie(models.Model):
    """A positive exit the rules detected (refreshed nightly), awaiting a person's confirmation."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="detections")
    resultat = models.CharField("résultat", max_length=30, choices=MotifSortie.choices)
    date = models.DateField("date de la sortie positive")
    raisons = models.JSONField(default=list)
    attend_commission = models.BooleanField(default=False)
    statut = models.CharField(max_length=15, choices=StatutDetection.choices, default=StatutDetection.A_CONFIRMER)
    detectee_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sortie positive détectée"
        verbose_name_plural = "sorties positives détectées"
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "resultat"], name="une_detection_par_resultat"),
        ]
        # The exits awaiting confirmation (« à voir » of the lists), read without the confirmed ones.
        indexes = [
            models.Index(
                fields=["participant"],
                condition=models.Q(statut=StatutDetection.A_CONFIRMER),
                name="detection_a_confirmer",
            )
        ]

    def __str__(self):
        return f"{self.get_resultat_display()} au {self.date:%d/%m/%Y}"


class Sortie(models.Model):
    """The confirmed exit of a participant: who confirmed it, when, and why."""

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="sortie")
    date = models.DateField("date de sortie")
    motif = models.CharField(max_length=30, choices=MotifSortie.choices)
    commentaire = models.TextField(blank=True)
    raisons = models.JSONField("raisons de la détection", default=list, blank=True)
    confirmee_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmee_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "sortie"
        verbose_name_plural = "sorties"

    def __str__(self):
        return f"{self.get_motif_display()} le {self.date:%d/%m/%Y}"

    @property
    def est_positive(self):
        return self.motif in MotifSortie.positives()
