from django.db import models


class StatutOffre(models.TextChoices):
    """RULES §4: collectée → qualifiée / écartée → diffusée → clôturée."""

    COLLECTEE = "collectee", "Collectée"
    QUALIFIEE = "qualifiee", "Qualifiée"
    ECARTEE = "ecartee", "Écartée"
    DIFFUSEE = "diffusee", "Diffusée"
    CLOTUREE = "cloturee", "Clôturée"


class MotifCloture(models.TextChoices):
    POURVUE = "pourvue", "Pourvue"
    EXPIREE = "expiree", "Expirée"
    RETIREE = "retiree", "Retirée par l'employeur"


class MotifEcart(models.TextChoices):
    DIPLOME_EXIGE = "diplome_exige", "Diplôme ou qualification exigés"
    EXPERIENCE_LONGUE = "experience_longue", "Expérience longue exigée"
    HORS_TERRITOIRE = "hors_territoire", "Hors du territoire ou inaccessible"
    CONDITIONS = "conditions", "Conditions inadaptées (horaires, contrat, salaire)"
    DOUBLON = "doublon", "Doublon d'une autre offre"
    PERIMEE = "perimee", "Offre périmée ou déjà pourvue"
    DOUTEUSE = "douteuse", "Offre douteuse ou incomplète"
    AUTRE = "autre", "Autre motif"


class TypeSource(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "API Offres d'emploi de France Travail"
    CLASSEUR_PARTENAIRE = "classeur_partenaire", "Classeur d'un partenaire"
    FLUX = "flux", "Flux RSS ou Atom"
    PAGE = "page", "Page web"
    SAISIE = "saisie", "Saisie manuelle"


class OriginePartenaire(models.TextChoices):
    """Who passed on an offer entered by hand (by phone or e-mail)."""

    IAE = "iae", "Structure d'insertion (IAE)"
    INTERIM = "interim", "Agence d'intérim"
    ORGANISME_FORMATION = "organisme_formation", "Organisme de formation"
    FRANCE_TRAVAIL = "france_travail", "Conseiller France Travail"
    ENTREPRISE = "entreprise", "Entreprise directement"
    AUTRE = "autre", "Autre partenaire"


class StatutPositionnement(models.TextChoices):
    """RULES §4: proposé → candidature envoyée → entretien → retenu / non retenu / abandonné."""

    PROPOSE = "propose", "Proposé"
    CANDIDATURE_ENVOYEE = "candidature_envoyee", "Candidature envoyée"
    ENTRETIEN = "entretien", "Entretien d'embauche"
    RETENU = "retenu", "Retenu"
    NON_RETENU = "non_retenu", "Non retenu"
    ABANDONNE = "abandonne", "Abandonné"

    @classmethod
    def en_cours(cls):
        return [cls.PROPOSE, cls.CANDIDATURE_ENVOYEE, cls.ENTRETIEN]


class StatutExecution(models.TextChoices):
    """The outcome of one ingestion run of a source."""

    EN_COURS = "en_cours", "En cours"
    REUSSIE = "reussie", "Réussie"
    PARTIELLE = "partielle", "Partielle (avec erreurs)"
    ECHOUEE = "echouee", "Échouée"
