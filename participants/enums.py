from django.db import models


class Sexe(models.TextChoices):
    FEMME = "F", "Femme"
    HOMME = "M", "Homme"


class StatutParticipant(models.TextChoices):
    CANDIDAT = "candidat", "Candidat"
    NON_ADMIS = "non_admis", "Non admis par la commission"
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


class SituationMarcheTravail(models.TextChoices):
    """Labour-market situation at entry, as the FSE asks it."""

    DEMANDEUR_EMPLOI = "DE", "Demandeur d'emploi"
    DEMANDEUR_EMPLOI_LONGUE_DUREE = "DELD", "Demandeur d'emploi de longue durée (12 mois et plus)"
    INACTIF = "INACTIF", "Inactif (ni en emploi, ni en recherche)"
    EMPLOI = "EMPLOI", "En emploi (y compris indépendant)"


class DecisionCommissionType(models.TextChoices):
    ADMISSION = "admission", "Admission"
    REFUS = "refus", "Refus"
    DEROGATION = "derogation", "Admission par dérogation"
    VALIDATION_SENIOR_ACI = "validation_senior_aci", "Validation d'une sortie positive senior en ACI"

    @classmethod
    def entrees(cls):
        return [cls.ADMISSION, cls.DEROGATION]


class TypeEntretien(models.TextChoices):
    INDIVIDUEL = "individuel", "Entretien individuel en présentiel"
    TELEPHONIQUE = "telephonique", "Entretien téléphonique"
    VISIO = "visio", "Entretien en visioconférence"
    DIAGNOSTIC = "diagnostic", "Diagnostic d'entrée"
    TRIPARTITE = "tripartite", "Entretien tripartite (employeur, partenaire)"


class TypeEtape(models.TextChoices):
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    REMOBILISATION = "remobilisation", "Remobilisation"
    FORMATION = "formation", "Formation"
    PMSMP = "pmsmp", "PMSMP / immersion en entreprise"
    IAE = "iae", "Insertion par l'activité économique (IAE)"
    EMPLOI = "emploi", "Emploi"
    SANTE = "sante", "Santé"
    LOGEMENT = "logement", "Logement"
    MOBILITE = "mobilite", "Mobilité"
    AUTRE = "autre", "Autre"


class ResultatEtape(models.TextChoices):
    EN_COURS = "en_cours", "En cours"
    REALISEE = "realisee", "Réalisée"
    ABANDONNEE = "abandonnee", "Abandonnée"
    NON_REALISEE = "non_realisee", "Non réalisée"


class NiveauCompetence(models.TextChoices):
    NON_EVALUE = "", "Non évalué"
    ACQUIS = "acquis", "Acquis"
    A_CONSOLIDER = "a_consolider", "À consolider"
    NON_ACQUIS = "non_acquis", "Non acquis"


# The seven domains of the CléA certificate (socle de connaissances et de compétences).
DOMAINES_CLEA = [
    ("clea_francais", "Communiquer en français"),
    ("clea_calcul", "Utiliser les règles de base de calcul et du raisonnement mathématique"),
    ("clea_numerique", "Utiliser les techniques usuelles de l'information et de la communication numérique"),
    ("clea_equipe", "Travailler dans le cadre de règles définies d'un travail en équipe"),
    ("clea_autonomie", "Travailler en autonomie et réaliser un objectif individuel"),
    ("clea_apprendre", "Apprendre à apprendre tout au long de la vie"),
    (
        "clea_gestes",
        "Maîtriser les gestes et postures, et respecter les règles d'hygiène, de sécurité et environnementales",
    ),
]


class StatutDetection(models.TextChoices):
    A_CONFIRMER = "a_confirmer", "À confirmer"
    CONFIRMEE = "confirmee", "Confirmée"
