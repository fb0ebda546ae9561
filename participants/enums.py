from django.db import models


class Sexe(models.TextChoices):
    FEMME = "F", "Femme"
    HOMME = "M", "Homme"


class StatutParticipant(models.TextChoices):
    CANDIDAT = "candidat", "Candidat"
    ENTRE = "entre", "Entré (en accompagnement)"
    SORTI = "sorti", "Sorti"


class MinimaSociaux(models.TextChoices):
    AUCUN = "", "Aucun"
    RSA = "RSA", "RSA"
    ASS = "ASS", "ASS"
    AAH = "AAH", "AAH"
    AUTRE = "AUTRE", "Autre minimum social"


class MotifSortie(models.TextChoices):
    """Why a pathway ended: the positive outcomes of RULES §2, then the other exits."""

    CDI = "CDI", "Sortie positive : CDI"
    INTERIM = "INTERIM", "Sortie positive : intérim"
    CDD = "CDD", "Sortie positive : CDD"
    FORMATION_QUALIFIANTE = "FORMATION_QUALIFIANTE", "Sortie positive : formation qualifiante"
    CREATION = "CREATION", "Sortie positive : création ou reprise d'activité"
    CONTRAT_AIDE = "CONTRAT_AIDE", "Sortie positive : contrat aidé"
    SENIOR_ACI = "SENIOR_ACI", "Sortie positive : senior en ACI"
    ABANDON = "ABANDON", "Abandon"
    DEMENAGEMENT = "DEMENAGEMENT", "Déménagement hors du territoire"
    SANTE = "SANTE", "Raisons de santé"
    FIN_SANS_SOLUTION = "FIN_SANS_SOLUTION", "Fin de parcours sans solution"
    AUTRE = "AUTRE", "Autre motif"

    @classmethod
    def positives(cls):
        return [
            cls.CDI,
            cls.INTERIM,
            cls.CDD,
            cls.FORMATION_QUALIFIANTE,
            cls.CREATION,
            cls.CONTRAT_AIDE,
            cls.SENIOR_ACI,
        ]
