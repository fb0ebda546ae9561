"""The qualified file of companies the PLIE works with, the référents' sector binômes, the
employment events of the territory and the collective actions with their attendance sheets."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


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


class StatutRelation(models.TextChoices):
    A_CONTACTER = "a_contacter", "À contacter"
    CONTACT_ETABLI = "contact_etabli", "Contact établi"
    PARTENAIRE = "partenaire", "Partenaire actif"
    EN_SOMMEIL = "en_sommeil", "En sommeil"


class Binome(models.Model):
    """Two référents who are the companies' privileged contact for some business sectors
    (cahier des charges II: "un travail en binôme par secteur d'activité")."""

    referent_1 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="binomes_1", verbose_name="référent(e) 1"
    )
    referent_2 = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="binomes_2", verbose_name="référent(e) 2"
    )
    actif = models.BooleanField(default=True)

    class Meta:
        verbose_name = "binôme sectoriel"
        verbose_name_plural = "binômes sectoriels"
        constraints = [
            models.CheckConstraint(condition=~Q(referent_1=models.F("referent_2")), name="binome_deux_referents"),
        ]

    def __str__(self):
        return f"{self.referent_1.get_full_name() or self.referent_1} et {self.referent_2.get_full_name() or self.referent_2}"

    def membres(self):
        return [self.referent_1, self.referent_2]


class SecteurActivite(models.Model):
    """A business sector as the PLIE splits them between binômes; a company falls in the sector
    whose NAF prefix is the longest match of its NAF code (``rules.secteur_pour_naf``)."""

    code = models.SlugField(max_length=40, unique=True)
    libelle = models.CharField("libellé", max_length=120)
    prefixes_naf = models.CharField(
        "préfixes NAF", max_length=250, help_text="Séparés par des virgules, ex. « 41,42,43 » ou « 81.2 »."
    )
    binome = models.ForeignKey(
        Binome, on_delete=models.SET_NULL, null=True, blank=True, related_name="secteurs", verbose_name="binôme"
    )

    class Meta:
        verbose_name = "secteur d'activité"
        verbose_name_plural = "secteurs d'activité"
        ordering = ["libelle"]

    def __str__(self):
        return self.libelle

    def prefixes(self):
        return [p.strip() for p in self.prefixes_naf.split(",") if p.strip()]


class Entreprise(models.Model):
    nom = models.CharField(max_length=200)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[valider_siret])
    code_naf = models.CharField("code NAF", max_length=6, blank=True)
    secteur = models.CharField("activité", max_length=150, blank=True, help_text="L'activité en clair.")
    secteur_activite = models.ForeignKey(
        SecteurActivite,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entreprises",
        verbose_name="secteur",
        help_text="Déduit du code NAF si laissé vide.",
    )
    taille = models.CharField(max_length=3, choices=TailleEntreprise.choices, blank=True)
    adresse = models.CharField(max_length=250, blank=True)
    commune = models.ForeignKey(
        "plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="entreprises"
    )
    site_web = models.URLField("site web", blank=True)
    statut_relation = models.CharField(
        "relation", max_length=20, choices=StatutRelation.choices, default=StatutRelation.A_CONTACTER
    )
    prerequis = models.TextField(
        "prérequis et attentes",
        blank=True,
        help_text="Ce que l'entreprise attend des candidats, appris en rendez-vous.",
    )
    nom_normalise = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    dernier_contact_le = models.DateField("dernier contact le", null=True, blank=True, editable=False)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["nom"]
        # The list's order: its first page is read from the index, not sorted from the whole file.
        indexes = [models.Index(fields=["nom", "id"], name="entreprise_nom")]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~models.Q(siret=""), name="entreprise_siret_unique"),
        ]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        from .rules import normaliser_nom

        self.nom_normalise = normaliser_nom(self.nom)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "nom" in update_fields:
            kwargs["update_fields"] = {*update_fields, "nom_normalise"}
        super().save(*args, **kwargs)


class Contact(models.Model):
    entreprise = models.ForeignKey(Entreprise, on_delete=models.CASCADE, related_name="contacts")
    nom = models.CharField(max_length=150)
    prenom = models.CharField("prénom", max_length=150, blank=True)
    fonction = models.CharField(max_length=150, blank=True, help_text="Ex. responsable RH, gérant, chef d'équipe.")
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    consentement = models.BooleanField(
        "accepte d'être contacté(e)", default=False, help_text="Recueilli auprès de la personne (RGPD)."
    )
    consentement_le = models.DateField("consentement recueilli le", null=True, blank=True)
    actif = models.BooleanField(default=True, help_text="Décocher quand la personne a quitté l'entreprise.")

    class Meta:
        verbose_name = "contact"
        verbose_name_plural = "contacts"
        ordering = ["nom", "prenom"]

    def __str__(self):
        return " ".join(filter(None, [self.prenom, self.nom]))

    def clean(self):
        if self.consentement and not self.consentement_le:
            raise ValidationError({"consentement_le": "Indiquez la date à laquelle le consentement a été recueilli."})


class TypeInteraction(models.TextChoices):
    RENDEZ_VOUS = "rendez_vous", "Rendez-vous"
    APPEL = "appel", "Appel téléphonique"
    VISITE = "visite", "Visite sur site"
    EVENEMENT = "evenement", "Rencontre lors d'un événement"
    COURRIEL = "courriel", "Échange de courriels"


class Interaction(models.Model):
    """A meeting, call, visit or event contact with a company, logged by whoever had it."""

    entreprise = models.ForeignKey(Entreprise, on_delete=models.CASCADE, related_name="interactions")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions")
    date = models.DateField()
    auteur = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="interactions")
    type = models.CharField(max_length=20, choices=TypeInteraction.choices)
    resume = models.TextField("résumé")
    prochaine_etape = models.CharField("prochaine étape", max_length=250, blank=True)
    echeance = models.DateField("échéance", null=True, blank=True)
    prochaine_etape_faite = models.BooleanField("prochaine étape faite", default=False)
    evenement = models.ForeignKey(
        "Evenement", on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "échange avec une entreprise"
        verbose_name_plural = "échanges avec les entreprises"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["entreprise", "-date"]), models.Index(fields=["auteur", "-date"])]

    def __str__(self):
        return f"{self.get_type_display()} — {self.entreprise} ({self.date:%d/%m/%Y})"

    def clean(self):
        if self.echeance and not self.prochaine_etape:
            raise ValidationError({"prochaine_etape": "Décrivez la prochaine étape à laquelle l'échéance se rapporte."})
        if self.contact_id and self.entreprise_id and self.contact.entreprise_id != self.entreprise_id:
            raise ValidationError({"contact": "Ce contact appartient à une autre entreprise."})


class StatutBesoin(models.TextChoices):
    OUVERT = "ouvert", "Ouvert"
    POURVU = "pourvu", "Pourvu"
    ABANDONNE = "abandonne", "Abandonné"


class BesoinRecrutement(models.Model):
    """A hiring need learned from a company, with its prerequisites (before any offer exists)."""

    entreprise = models.ForeignKey(Entreprise, on_delete=models.CASCADE, related_name="besoins")
    intitule = models.CharField("poste", max_length=200)
    metier_rome = models.ForeignKey(
        "plie.MetierRome", on_delete=models.PROTECT, null=True, blank=True, verbose_name="métier (ROME)"
    )
    nb_postes = models.PositiveSmallIntegerField("nombre de postes", default=1)
    prerequis = models.TextField("prérequis", blank=True)
    echeance = models.DateField("pour le", null=True, blank=True)
    statut = models.CharField(max_length=10, choices=StatutBesoin.choices, default=StatutBesoin.OUVERT)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "besoin de recrutement"
        verbose_name_plural = "besoins de recrutement"
        ordering = ["statut", "echeance", "-id"]

    def __str__(self):
        return f"{self.intitule} ({self.entreprise})"


class TypeEvenement(models.TextChoices):
    FORUM = "forum", "Forum emploi"
    JOB_DATING = "job_dating", "Job dating"
    CLUB = "club", "Club d'entreprises"
    INFO_INTERIM = "info_interim", "Information d'une agence d'intérim"
    SALON = "salon", "Salon ou journée métiers"
    AUTRE = "autre", "Autre"


class Evenement(models.Model):
    """An employment event on the territory, and who from the PLIE attends it."""

    titre = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=TypeEvenement.choices)
    debut = models.DateTimeField("début")
    fin = models.DateTimeField()
    lieu = models.CharField(max_length=250)
    commune = models.ForeignKey("plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    organisateur = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    participants_plie = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="evenements", verbose_name="présents pour le PLIE"
    )
    bilan = models.TextField("bilan", blank=True, help_text="Ce qui en est ressorti : contacts, offres, suites.")
    annule = models.BooleanField("annulé", default=False)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "événement"
        verbose_name_plural = "événements"
        ordering = ["debut", "id"]
        indexes = [models.Index(fields=["debut"])]

    def __str__(self):
        return f"{self.titre} ({self.debut:%d/%m/%Y})"

    def clean(self):
        if self.debut and self.fin and self.fin <= self.debut:
            raise ValidationError({"fin": "La fin doit suivre le début."})


class TacheEvenement(models.Model):
    """A preparation task of an event (stand, flyers, participants to invite…)."""

    evenement = models.ForeignKey(Evenement, on_delete=models.CASCADE, related_name="taches")
    libelle = models.CharField("tâche", max_length=200)
    responsable = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    echeance = models.DateField("échéance", null=True, blank=True)
    faite = models.BooleanField(default=False)

    class Meta:
        verbose_name = "tâche de préparation"
        verbose_name_plural = "tâches de préparation"
        ordering = ["faite", "echeance", "id"]

    def __str__(self):
        return self.libelle


class TypeAction(models.TextChoices):
    VISITE = "visite", "Visite d'entreprise"
    ATELIER = "atelier", "Atelier collectif"
    ATELIER_SENIORS = "atelier_seniors", "Atelier seniors"
    INFO_METIER = "info_metier", "Information métier"


class Creneau(models.TextChoices):
    MATIN = "matin", "Matin"
    APRES_MIDI = "apres_midi", "Après-midi"
    JOURNEE = "journee", "Journée (matin et après-midi)"


class StatutAction(models.TextChoices):
    PREVUE = "prevue", "Prévue"
    REALISEE = "realisee", "Réalisée"
    ANNULEE = "annulee", "Annulée"


def chemin_feuille_signee(instance, filename):
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"emargements/{instance.date:%Y/%m}/action-{instance.pk}-{secrets.token_hex(8)}.{extension}"


class ActionCollective(models.Model):
    """A company visit or a collective workshop; its participants sign an attendance sheet
    (RULES: attendance sheets are mandatory for participants of collective actions)."""

    type = models.CharField(max_length=20, choices=TypeAction.choices)
    titre = models.CharField(max_length=200)
    date = models.DateField()
    creneau = models.CharField("créneau", max_length=12, choices=Creneau.choices, default=Creneau.MATIN)
    heure_debut = models.TimeField("heure de début")
    heure_fin = models.TimeField("heure de fin")
    lieu = models.CharField(max_length=250)
    commune = models.ForeignKey("plie.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    entreprise = models.ForeignKey(
        Entreprise, on_delete=models.PROTECT, null=True, blank=True, related_name="actions_collectives"
    )
    animateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_animees",
        verbose_name="animateur (PLIE)",
    )
    animateur_externe = models.CharField(
        "animateur extérieur", max_length=200, blank=True, help_text="Si l'action est animée par un partenaire."
    )
    capacite = models.PositiveSmallIntegerField("places")
    description = models.TextField(blank=True)
    statut = models.CharField(max_length=10, choices=StatutAction.choices, default=StatutAction.PREVUE)
    feuille_signee = models.FileField(
        "feuille d'émargement signée", upload_to=chemin_feuille_signee, blank=True, max_length=200
    )
    feuille_deposee_le = models.DateTimeField(null=True, blank=True)
    feuille_deposee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    presences_saisies_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    presences_saisies_le = models.DateTimeField("présences saisies le", null=True, blank=True)
    annulee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    annulee_le = models.DateTimeField("annulée le", null=True, blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "action collective"
        verbose_name_plural = "actions collectives"
        ordering = ["-date", "heure_debut", "id"]
        permissions = [("emarger", "Peut imprimer les feuilles d'émargement et saisir les présences")]
        indexes = [models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.titre} ({self.date:%d/%m/%Y})"

    def clean(self):
        errors = {}
        if self.heure_debut and self.heure_fin and self.heure_fin <= self.heure_debut:
            errors["heure_fin"] = "L'heure de fin doit suivre l'heure de début."
        if self.type == TypeAction.VISITE and not self.entreprise_id:
            errors["entreprise"] = "Une visite d'entreprise se rattache à une entreprise."
        if not self.animateur_id and not self.animateur_externe:
            errors["animateur"] = "Indiquez qui anime l'action (le PLIE ou un partenaire)."
        if errors:
            raise ValidationError(errors)

    @property
    def demi_journees(self):
        """The half-days a participant signs for."""
        if self.creneau == Creneau.JOURNEE:
            return [Creneau.MATIN, Creneau.APRES_MIDI]
        return [self.creneau]


class Presence(models.TextChoices):
    NON_RENSEIGNEE = "", "Non renseignée"
    PRESENT = "present", "Présent(e)"
    ABSENT = "absent", "Absent(e)"
    EXCUSE = "excuse", "Excusé(e)"


class Inscription(models.Model):
    """A participant registered to a collective action by their référent, and their attendance."""

    action = models.ForeignKey(ActionCollective, on_delete=models.CASCADE, related_name="inscriptions")
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.PROTECT, related_name="inscriptions_actions"
    )
    inscrit_par = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inscrit_le = models.DateTimeField(auto_now_add=True)
    presence_matin = models.CharField("présence le matin", max_length=8, choices=Presence.choices, blank=True)
    presence_apres_midi = models.CharField("présence l'après-midi", max_length=8, choices=Presence.choices, blank=True)

    class Meta:
        verbose_name = "inscription à une action collective"
        verbose_name_plural = "inscriptions aux actions collectives"
        ordering = ["participant__nom", "participant__prenom", "id"]
        constraints = [models.UniqueConstraint(fields=["action", "participant"], name="inscription_unique")]

    def __str__(self):
        return f"{self.participant} — {self.action}"


class JetonCalendrier(models.Model):
    """The secret in a user's iCalendar feed URL (calendar apps cannot log in); regenerating it
    revokes the old address."""

    utilisateur = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jeton_calendrier"
    )
    jeton = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    cree_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "jeton de calendrier"
        verbose_name_plural = "jetons de calendrier"

    def __str__(self):
        return f"Calendrier de {self.utilisateur}"
