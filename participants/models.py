"""A person accompanied by the PLIE, from candidacy to exit."""

from django.conf import settings
from django.db import models

from .enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant


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

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = "participant"
        verbose_name_plural = "participants"
        ordering = ["nom", "prenom"]
        indexes = [
            models.Index(fields=["referent", "statut"]),
            models.Index(fields=["statut", "date_entree"]),
            models.Index(fields=["nom", "prenom"]),
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
