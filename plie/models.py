"""People who use the app, and the reference data every domain shares.

Reference rows carry validity dates rather than being overwritten: communes merge, QPV lists
are redrawn, and a participant's record must still read as it was on its date.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .roles import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def with_role(self, role):
        return self.filter(groups__name=role.group_name, is_active=True)


class User(AbstractBaseUser, PermissionsMixin):
    """A member of the PLIE's staff; the role is the Django group the account belongs to."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    structure = models.CharField(
        "structure employeuse", max_length=200, blank=True, help_text="Structure qui porte le poste."
    )
    agenda_fse = models.BooleanField(
        "tient un agenda FSE",
        default=False,
        help_text="Poste financé par le FSE : agenda hebdomadaire à remplir, rappel le lundi s'il n'est pas soumis.",
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField(
        "accès à l'administration", default=False, help_text="Peut se connecter à l'administration Django."
    )
    date_joined = models.DateTimeField("date de création", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["last_name", "first_name"]
        permissions = [
            ("espace_referent", "Accéder à l'espace référent"),
            ("espace_charge_mission", "Accéder à l'espace chargé(e) de mission"),
            ("espace_coordination", "Accéder à l'espace coordination"),
            ("espace_audit_fse", "Accéder à l'espace auditeur FSE"),
            ("espace_administration", "Accéder à l'espace administration"),
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def roles(self):
        """The roles of this account, in the order of ``Role`` (cached per instance)."""
        if not hasattr(self, "_roles"):
            from .droits import droits_de

            names = droits_de(self)[0] if self.pk else set()
            self._roles = [role for role in Role if role.group_name in names]
            if not self._roles and self.is_superuser:
                # The first account, made with createsuperuser, administers until given a group.
                self._roles = [Role.ADMINISTRATEUR]
        return self._roles

    @property
    def role(self):
        """The main role: the one whose start page this person lands on."""
        return self.roles[0] if self.roles else None


class ValiditeQuerySet(models.QuerySet):
    def valides_le(self, day):
        return self.filter(Q(valide_du__isnull=True) | Q(valide_du__lte=day)).filter(
            Q(valide_au__isnull=True) | Q(valide_au__gte=day)
        )


class PeriodeValidite(models.Model):
    valide_du = models.DateField("valide du", null=True, blank=True)
    valide_au = models.DateField("valide au", null=True, blank=True)

    objects = ValiditeQuerySet.as_manager()

    class Meta:
        abstract = True

    def est_valide_le(self, day):
        return (self.valide_du is None or self.valide_du <= day) and (self.valide_au is None or day <= self.valide_au)


class Commune(PeriodeValidite):
    """A commune of the PLIE's territory (RULES §1: the territory is data)."""

    insee = models.CharField("code INSEE", max_length=5)
    nom = models.CharField(max_length=150)
    codes_postaux = models.CharField("codes postaux", max_length=100, blank=True, help_text="Séparés par des virgules.")
    # The town hall's position, for distances in the matching of offers.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "commune du territoire"
        verbose_name_plural = "communes du territoire"
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(fields=["insee", "nom"], name="commune_insee_nom_unique"),
        ]

    def __str__(self):
        return f"{self.nom} ({self.insee})"


class QuartierPrioritaire(PeriodeValidite):
    """A QPV (quartier prioritaire de la politique de la ville) of the territory."""

    code = models.CharField(max_length=10, blank=True, help_text="Code national (QP… ou QN…), s'il est connu.")
    nom = models.CharField(max_length=200)
    communes = models.ManyToManyField(Commune, related_name="quartiers_prioritaires")

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["nom", "valide_du"]
        constraints = [
            models.UniqueConstraint(fields=["nom", "valide_du"], name="qpv_nom_valide_du_unique"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="qpv_code_unique"),
        ]

    def __str__(self):
        return self.nom


class NiveauFormation(models.Model):
    """A French education level (2019 nomenclature), with the former level and ISCED."""

    code = models.CharField(max_length=10, unique=True)
    libelle = models.CharField("libellé", max_length=150)
    ancien_niveau = models.CharField("ancien niveau", max_length=10, blank=True)
    isced = models.PositiveSmallIntegerField("niveau CITE (ISCED)")
    rang = models.PositiveSmallIntegerField(unique=True, help_text="Ordre du plus bas au plus haut.")
    niveau_v_ou_infra = models.BooleanField(
        "niveau V ou infra", default=False, help_text="Compté dans la part « niveau ≤ V » des chiffres clés."
    )

    class Meta:
        verbose_name = "niveau de formation"
        verbose_name_plural = "niveaux de formation"
        ordering = ["rang"]

    def __str__(self):
        return self.libelle


class CategorieContrat(models.TextChoices):
    """The categories the positive-exit rules reason about (RULES §2)."""

    CDI = "CDI", "CDI"
    CDD = "CDD", "CDD"
    INTERIM = "INTERIM", "Intérim"
    CONTRAT_AIDE = "CONTRAT_AIDE", "Contrat aidé"
    ACI = "ACI", "Atelier et chantier d'insertion (ACI)"
    FORMATION_QUALIFIANTE = "FORMATION_QUALIFIANTE", "Formation qualifiante"
    FORMATION = "FORMATION", "Formation non qualifiante"
    CREATION = "CREATION", "Création ou reprise d'activité"


class TypeContrat(models.Model):
    """A kind of contract as job boards and partners name it, mapped to a rule category."""

    code = models.CharField(max_length=30, unique=True)
    libelle = models.CharField("libellé", max_length=150)
    categorie = models.CharField("catégorie", max_length=30, choices=CategorieContrat.choices)
    codes_france_travail = models.CharField(
        "codes France Travail", max_length=100, blank=True, help_text="Codes typeContrat, séparés par des virgules."
    )
    natures_contrat_france_travail = models.CharField(
        "natures de contrat France Travail",
        max_length=100,
        blank=True,
        help_text="Codes natureContrat, séparés par des virgules.",
    )

    class Meta:
        verbose_name = "type de contrat"
        verbose_name_plural = "types de contrat"
        ordering = ["libelle"]

    def __str__(self):
        return self.libelle


class MetierRome(models.Model):
    """A job code of the ROME (Répertoire opérationnel des métiers et des emplois)."""

    code = models.CharField("code ROME", max_length=5, unique=True)
    libelle = models.CharField("libellé", max_length=250)
    grand_domaine = models.CharField("grand domaine", max_length=1, blank=True)

    class Meta:
        verbose_name = "métier ROME"
        verbose_name_plural = "métiers ROME"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.libelle}"


class JournalAcces(models.Model):
    """Append-only trail of sensitive reads and downloads: who, when, which record."""

    class Action(models.TextChoices):
        LECTURE_SENSIBLE = "lecture_sensible", "Lecture de données sensibles"
        EXPORT = "export", "Export de données"

    utilisateur = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    objet_type = models.CharField("type d'objet", max_length=50)
    objet_id = models.CharField("identifiant de l'objet", max_length=50, blank=True)
    detail = models.CharField(max_length=250, blank=True)
    horodatage = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "entrée du journal d'accès"
        verbose_name_plural = "journal d'accès"
        ordering = ["-horodatage", "-id"]
        indexes = [models.Index(fields=["objet_type", "objet_id"])]

    def __str__(self):
        return f"{self.utilisateur} · {self.get_action_display()} · {self.objet_type} {self.objet_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Le journal d'accès ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Le journal d'accès ne se supprime pas.")


class JournalModification(models.Model):
    """Append-only trail of changes: who created, changed or deleted which record, field by field.

    The audited models and their masked fields are declared in ``plie.audit``; masked values are
    stored as « ••• » so that the trail does not become a second copy of sensitive data. On
    PostgreSQL a trigger (migration 0008) also refuses UPDATE and DELETE, but for the purge of old
    rows (``plie.audit.purger_journaux``).
    """

    class Action(models.TextChoices):
        CREATION = "creation", "Création"
        MODIFICATION = "modification", "Modification"
        SUPPRESSION = "suppression", "Suppression"
        IMPORT = "import", "Import en lot"

    # Null: a change made by the system (nightly task, command) rather than by a person.
    utilisateur = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    objet_type = models.CharField("type d'objet", max_length=60)
    objet_id = models.CharField("identifiant de l'objet", max_length=50, blank=True)
    objet_libelle = models.CharField("objet", max_length=200, blank=True)
    champs = models.JSONField("champs modifiés", default=dict, blank=True, encoder=DjangoJSONEncoder)
    horodatage = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "entrée du journal des modifications"
        verbose_name_plural = "journal des modifications"
        ordering = ["-horodatage", "-id"]
        indexes = [models.Index(fields=["objet_type", "objet_id"], name="journal_modification_objet")]

    def __str__(self):
        return f"{self.utilisateur or 'Système'} · {self.get_action_display()} · {self.objet_type} {self.objet_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Le journal des modifications ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Le journal des modifications ne se supprime pas.")
