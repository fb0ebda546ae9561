"""Training needs of the participants, the partner training bodies and their sessions (DAQ of the
Région, POEC and other pre-employment actions), and the positioning of participants on them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from entreprises.models import valider_siret


class DomaineFormation(models.Model):
    """A training field, after the Formacode's domains, as the PLIE reports them to the Région."""

    code = models.SlugField(max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=150)
    codes_formacode = models.CharField(
        "codes Formacode",
        max_length=200,
        blank=True,
        help_text="Les codes Formacode du domaine, séparés par des virgules.",
    )
    prefixes_rome = models.CharField(
        "préfixes ROME", max_length=200, blank=True, help_text="Métiers visés qui relèvent du domaine, ex. « N11,N12 »."
    )

    class Meta:
        verbose_name = "domaine de formation"
        verbose_name_plural = "domaines de formation"
        ordering = ["libelle"]

    def __str__(self):
        return self.libelle


class TypeBesoin(models.TextChoices):
    PREQUALIFIANT = "prequalifiant", "Préqualification"
    QUALIFIANT = "qualifiant", "Formation qualifiante"
    CERTIFICATION = "certification", "Certification (CACES, habilitation, titre…)"
    SAVOIRS_DE_BASE = "savoirs_de_base", "Savoirs de base, CléA"
    LANGUE = "langue", "Langue (FLE, alphabétisation)"
    PERMIS = "permis", "Permis de conduire"


class Urgence(models.TextChoices):
    FAIBLE = "faible", "Peut attendre"
    MOYENNE = "moyenne", "Dans les 6 mois"
    FORTE = "forte", "Urgent (moins de 3 mois)"


class StatutBesoin(models.TextChoices):
    EXPRIME = "exprime", "Exprimé"
    ORIENTE = "oriente", "Orienté vers une formation"
    ENTRE = "entre", "Entré en formation"
    ABANDONNE = "abandonne", "Abandonné"
    TERMINE = "termine", "Formation terminée"


# Constraints and financing routes are small fixed lists: stored as comma-separated codes so that
# the same field works on SQLite and PostgreSQL.
CONTRAINTES = [
    ("horaires", "Horaires (temps partiel, pas de soirée…)"),
    ("mobilite", "Mobilité (pas de véhicule, zone mal desservie)"),
    ("garde_enfants", "Garde d'enfants"),
    ("sante", "Santé, handicap"),
    ("financiere", "Ressources pendant la formation"),
]
FINANCEMENTS = [
    ("region", "Région (DAQ, programme régional)"),
    ("france_travail", "France Travail (AIF, POEC, POEI)"),
    ("cpf", "Compte personnel de formation (CPF)"),
    ("opco", "OPCO / employeur"),
    ("plie", "PLIE (FSE+)"),
    ("autre", "Autre"),
]


class BesoinFormation(models.Model):
    """A training need a participant expressed, recorded by their référent (possibly during an
    entretien), and followed until the training is entered, abandoned or completed."""

    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.CASCADE, related_name="besoins_formation"
    )
    domaine = models.ForeignKey(
        DomaineFormation, on_delete=models.PROTECT, null=True, blank=True, related_name="besoins"
    )
    metier_rome = models.ForeignKey(
        "plie.MetierRome", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="métier visé"
    )
    intitule = models.CharField("formation souhaitée", max_length=200, help_text="Ex. « CACES R489 cat. 1, 3 et 5 ».")
    type = models.CharField("nature", max_length=20, choices=TypeBesoin.choices)
    niveau_vise = models.ForeignKey(
        "plie.NiveauFormation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="niveau visé",
    )
    urgence = models.CharField(max_length=10, choices=Urgence.choices, default=Urgence.MOYENNE)
    contraintes = models.CharField(
        max_length=200, blank=True, help_text="Codes de CONTRAINTES, séparés par des virgules."
    )
    precisions_contraintes = models.CharField("précisions sur les contraintes", max_length=250, blank=True)
    financements = models.CharField(
        "financements envisagés",
        max_length=200,
        blank=True,
        help_text="Codes de FINANCEMENTS, séparés par des virgules.",
    )
    statut = models.CharField(max_length=10, choices=StatutBesoin.choices, default=StatutBesoin.EXPRIME)
    exprime_le = models.DateField("exprimé le")
    entretien = models.ForeignKey(
        "participants.Entretien", on_delete=models.SET_NULL, null=True, blank=True, related_name="besoins_formation"
    )
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    maj_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "besoin de formation"
        verbose_name_plural = "besoins de formation"
        ordering = ["-exprime_le", "-id"]
        permissions = [("voir_rapport_region", "Peut voir le rapport des besoins de formation pour la Région")]
        indexes = [models.Index(fields=["exprime_le"]), models.Index(fields=["statut"])]

    def __str__(self):
        return f"{self.intitule} ({self.participant})"

    def clean(self):
        if not self.domaine_id and not self.metier_rome_id:
            raise ValidationError("Indiquez le domaine de formation ou le métier visé.")

    def liste_contraintes(self):
        return [c for c in self.contraintes.split(",") if c]

    def liste_financements(self):
        return [f for f in self.financements.split(",") if f]


class OrganismeFormation(models.Model):
    nom = models.CharField(max_length=200)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    adresse = models.CharField(max_length=250, blank=True)
    commune = models.ForeignKey("plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    site_web = models.URLField("site web", blank=True)
    domaines = models.ManyToManyField(DomaineFormation, blank=True, related_name="organismes")
    contact_nom = models.CharField("contact", max_length=150, blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=20, blank=True)
    contact_email = models.EmailField("e-mail du contact", blank=True)
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "organisme de formation"
        verbose_name_plural = "organismes de formation"
        ordering = ["nom"]

    def __str__(self):
        return self.nom


class Dispositif(models.TextChoices):
    DAQ = "daq", "Dispositif d'accès à la qualification (Région)"
    POEC = "poec", "Préparation opérationnelle à l'emploi collective (POEC)"
    POEI = "poei", "Préparation opérationnelle à l'emploi individuelle (POEI)"
    AFPR = "afpr", "Action de formation préalable au recrutement (AFPR)"
    PROGRAMME_REGIONAL = "programme_regional", "Programme régional qualifiant"
    AUTRE = "autre", "Autre action"


class StatutSession(models.TextChoices):
    PREVUE = "prevue", "Prévue"
    OUVERTE = "ouverte", "Inscriptions ouvertes"
    EN_COURS = "en_cours", "En cours"
    TERMINEE = "terminee", "Terminée"
    ANNULEE = "annulee", "Annulée"


class SessionFormation(models.Model):
    organisme = models.ForeignKey(OrganismeFormation, on_delete=models.PROTECT, related_name="sessions")
    intitule = models.CharField("intitulé", max_length=200)
    dispositif = models.CharField(max_length=20, choices=Dispositif.choices)
    domaine = models.ForeignKey(DomaineFormation, on_delete=models.PROTECT, related_name="sessions")
    metier_rome = models.ForeignKey(
        "plie.MetierRome", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="métier visé"
    )
    niveau_vise = models.ForeignKey(
        "plie.NiveauFormation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="niveau visé",
    )
    qualifiante = models.BooleanField(
        default=False, help_text="Une entrée dans une formation qualifiante est une sortie positive (RULES §2)."
    )
    debut = models.DateField("début")
    fin = models.DateField()
    lieu = models.CharField(max_length=250)
    commune = models.ForeignKey("plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    capacite = models.PositiveSmallIntegerField("places")
    prerequis = models.TextField("prérequis", blank=True)
    statut = models.CharField(max_length=10, choices=StatutSession.choices, default=StatutSession.PREVUE)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "session de formation"
        verbose_name_plural = "sessions de formation"
        ordering = ["debut", "id"]
        indexes = [models.Index(fields=["debut"])]

    def __str__(self):
        return f"{self.intitule} — {self.organisme} ({self.debut:%d/%m/%Y})"

    def clean(self):
        if self.debut and self.fin and self.fin < self.debut:
            raise ValidationError({"fin": "La fin de la session doit suivre son début."})


class StatutPositionnementFormation(models.TextChoices):
    PROPOSE = "propose", "Proposé"
    INSCRIT = "inscrit", "Inscrit"
    ENTRE = "entre", "Entré en formation"
    ABANDON = "abandon", "Abandon"
    TERMINE = "termine", "Terminé"
    REFUSE = "refuse", "Non retenu"


class PositionnementFormation(models.Model):
    """A participant positioned on a session, followed like a positionnement on an offer."""

    session = models.ForeignKey(SessionFormation, on_delete=models.PROTECT, related_name="positionnements")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="positionnements_formation"
    )
    besoin = models.ForeignKey(
        BesoinFormation, on_delete=models.SET_NULL, null=True, blank=True, related_name="positionnements"
    )
    statut = models.CharField(
        max_length=10, choices=StatutPositionnementFormation.choices, default=StatutPositionnementFormation.PROPOSE
    )
    propose_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    propose_le = models.DateTimeField(auto_now_add=True)
    situation = models.OneToOneField(
        "participants.Situation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="positionnement_formation",
        help_text="La situation « formation » créée à l'entrée.",
    )

    class Meta:
        verbose_name = "positionnement sur une formation"
        verbose_name_plural = "positionnements sur des formations"
        ordering = ["-propose_le", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="positionnement_formation_unique")
        ]

    def __str__(self):
        return f"{self.participant} — {self.session}"


class EtapePositionnementFormation(models.Model):
    """One status change of a positionnement, with who and when (the follow-up)."""

    positionnement = models.ForeignKey(PositionnementFormation, on_delete=models.CASCADE, related_name="etapes")
    statut = models.CharField(max_length=10, choices=StatutPositionnementFormation.choices)
    date = models.DateField()
    par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    commentaire = models.CharField(max_length=250, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "étape d'un positionnement sur une formation"
        verbose_name_plural = "étapes des positionnements sur des formations"
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.get_statut_display()} le {self.date:%d/%m/%Y}"
