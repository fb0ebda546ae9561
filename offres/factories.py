"""Factory of job offers, with the titles employers really use for each ROME code.

``INTITULES_PAR_ROME`` covers the ROME codes of ``plie/data/rome_echantillon.csv`` (the rows
loaded by migrations); the factory only picks ROME rows present in the database.
"""

from datetime import timedelta
from decimal import Decimal

import factory
import factory.random
from django.utils import timezone
from factory.django import DjangoModelFactory

from entreprises.factories import ACTIVITES, EntrepriseFactory
from plie.factories import iterateur_types_contrat
from plie.models import MetierRome

from .enums import StatutOffre
from .models import Offre

INTITULES_PAR_ROME = {
    "A1202": ["Agent d'entretien des espaces naturels (H/F)", "Ouvrier forestier (H/F)"],
    "A1203": ["Jardinier paysagiste (H/F)", "Agent d'entretien des espaces verts (H/F)"],
    "A1401": ["Ouvrier viticole (H/F)", "Vendangeur (H/F)"],
    "A1402": ["Ouvrier agricole polyvalent (H/F)"],
    "A1414": ["Ouvrier maraîcher (H/F)", "Aide horticole (H/F)"],
    "D1101": ["Boucher (H/F)", "Employé de boucherie (H/F)"],
    "D1102": ["Boulanger (H/F)", "Aide boulanger (H/F)"],
    "D1106": ["Employé de vente en alimentation (H/F)", "Vendeur en boulangerie-pâtisserie (H/F)"],
    "D1207": ["Retoucheur en habillement (H/F)"],
    "D1209": ["Vendeur en jardinerie (H/F)"],
    "D1211": ["Vendeur en articles de sport (H/F)"],
    "D1214": ["Vendeur en prêt-à-porter (H/F)"],
    "D1401": ["Assistant commercial (H/F)"],
    "D1408": ["Téléconseiller (H/F)", "Conseiller clientèle à distance (H/F)"],
    "D1501": ["Animateur des ventes (H/F)"],
    "D1505": ["Hôte de caisse (H/F)", "Employé de caisse (H/F)"],
    "D1507": ["Employé de libre-service (H/F)", "Employé de mise en rayon (H/F)"],
    "F1602": ["Électricien du bâtiment (H/F)", "Aide électricien (H/F)"],
    "F1603": ["Plombier chauffagiste (H/F)"],
    "F1604": ["Agenceur (H/F)", "Poseur de cuisines (H/F)"],
    "F1606": ["Peintre en bâtiment (H/F)", "Aide peintre (H/F)"],
    "F1607": ["Poseur de menuiseries (H/F)"],
    "F1608": ["Carreleur (H/F)", "Aide carreleur (H/F)"],
    "F1610": ["Couvreur (H/F)"],
    "F1613": ["Façadier isolation (H/F)", "Étancheur (H/F)"],
    "F1701": ["Coffreur bancheur (H/F)"],
    "F1702": ["Ouvrier VRD (H/F)", "Ouvrier d'enrobé (H/F)"],
    "F1703": ["Maçon (H/F)", "Aide maçon (H/F)"],
    "F1704": ["Manœuvre BTP (H/F)", "Ouvrier polyvalent du bâtiment (H/F)"],
    "F1705": ["Canalisateur (H/F)"],
    "G1203": ["Animateur périscolaire (H/F)", "Animateur BAFA (H/F)"],
    "G1501": ["Femme / valet de chambre (H/F)", "Agent d'étage (H/F)"],
    "G1502": ["Employé polyvalent d'hôtellerie (H/F)", "Réceptionniste de nuit (H/F)"],
    "G1602": ["Commis de cuisine (H/F)", "Cuisinier (H/F)"],
    "G1603": ["Employé polyvalent de restauration (H/F)", "Équipier de restauration rapide (H/F)"],
    "G1605": ["Plongeur (H/F)", "Plongeur en restauration collective (H/F)"],
    "G1801": ["Barman (H/F)", "Serveur en brasserie (H/F)"],
    "G1803": ["Serveur (H/F)", "Commis de salle (H/F)"],
    "H2102": ["Conducteur de ligne agroalimentaire (H/F)", "Opérateur de production agroalimentaire (H/F)"],
    "H2402": ["Couturier en atelier (H/F)"],
    "H2909": ["Monteur-assembleur mécanique (H/F)"],
    "H2913": ["Soudeur (H/F)", "Soudeur TIG/MIG (H/F)"],
    "H3301": ["Conducteur de machine de conditionnement (H/F)", "Opérateur de conditionnement (H/F)"],
    "H3302": ["Agent de conditionnement (H/F)", "Opérateur de tri (H/F)"],
    "H3303": ["Opérateur de fabrication (H/F)"],
    "I1201": ["Agent d'entretien du mobilier urbain (H/F)"],
    "I1203": ["Agent de maintenance des bâtiments (H/F)", "Homme / femme d'entretien polyvalent (H/F)"],
    "I1604": ["Mécanicien automobile (H/F)", "Technicien de maintenance automobile (H/F)"],
    "I1606": ["Carrossier (H/F)", "Préparateur de véhicules (H/F)"],
    "I1607": ["Réparateur de cycles (H/F)"],
    "J1301": ["Agent de service hospitalier - ASH (H/F)", "Agent de service en EHPAD (H/F)"],
    "J1501": ["Aide-soignant (H/F)"],
    "K1302": ["Auxiliaire de vie (H/F)", "Assistant de vie aux familles (H/F)"],
    "K1303": ["Garde d'enfants à domicile (H/F)", "Auxiliaire de puériculture (H/F)"],
    "K1304": ["Aide ménager à domicile (H/F)", "Employé familial (H/F)"],
    "K1305": ["Technicien de l'intervention sociale et familiale (H/F)"],
    "K2201": ["Agent de blanchisserie (H/F)"],
    "K2202": ["Laveur de vitres (H/F)"],
    "K2204": ["Agent de propreté (H/F)", "Agent d'entretien des locaux (H/F)", "Agent de nettoyage (H/F)"],
    "K2303": ["Agent de propreté urbaine (H/F)", "Ripeur (H/F)"],
    "K2304": ["Agent de tri des déchets (H/F)", "Valoriste en recyclerie (H/F)"],
    "K2305": ["Agent de désinfection (H/F)"],
    "K2501": ["Gardien d'immeuble (H/F)"],
    "K2503": ["Agent de sécurité (H/F)", "Agent de sécurité SSIAP 1 (H/F)"],
    "M1601": ["Agent d'accueil (H/F)", "Hôte d'accueil (H/F)"],
    "M1602": ["Agent administratif (H/F)"],
    "M1603": ["Distributeur de prospectus (H/F)"],
    "M1606": ["Opérateur de saisie (H/F)"],
    "M1607": ["Secrétaire (H/F)"],
    "N1101": ["Cariste CACES 1-3-5 (H/F)", "Cariste (H/F)"],
    "N1102": ["Déménageur (H/F)"],
    "N1103": ["Préparateur de commandes (H/F)", "Magasinier (H/F)", "Agent logistique (H/F)"],
    "N1105": ["Manutentionnaire (H/F)", "Agent de quai (H/F)"],
    "N4101": ["Conducteur poids lourd (H/F)", "Chauffeur SPL (H/F)"],
    "N4102": ["Chauffeur VTC (H/F)", "Conducteur de transport de personnes à mobilité réduite (H/F)"],
    "N4103": ["Conducteur de bus (H/F)", "Conducteur de car scolaire (H/F)"],
    "N4104": ["Coursier (H/F)", "Livreur à vélo (H/F)"],
    "N4105": ["Chauffeur livreur VL (H/F)", "Livreur (H/F)"],
}

# Contracts an employer offers (training and business creation are outcomes, not offers).
TYPES_CONTRAT_OFFRE = ["CDI", "CDD", "INTERIM", "PEC_CUI_CAE", "CDDI_EI", "SAISONNIER", "APPRENTISSAGE"]


def intitule_pour(metier_rome, rng=None):
    """A job title for ``metier_rome`` (the ROME label when the code has no known title)."""
    titres = INTITULES_PAR_ROME.get(metier_rome.code) if metier_rome else None
    if not titres:
        return metier_rome.libelle if metier_rome else "Employé polyvalent (H/F)"
    return (rng or factory.random.randgen).choice(titres)


def _metier(o):
    """A ROME code the employer's activity recruits for (any known code without an employer)."""
    codes = [c for a in ACTIVITES if o.entreprise and a.code_naf == o.entreprise.code_naf for c in a.romes]
    metiers = list(MetierRome.objects.filter(code__in=codes or list(INTITULES_PAR_ROME)).order_by("code"))
    return factory.random.randgen.choice(metiers) if metiers else None


def _duree(o):
    if o.type_contrat.categorie in ("CDI", "CREATION"):
        return None
    return factory.random.randgen.choice([1, 2, 3, 6, 6, 9, 12])


class OffreFactory(DjangoModelFactory):
    class Meta:
        model = Offre

    class Params:
        today = factory.LazyFunction(timezone.localdate)
        age_jours = factory.Faker("random_int", min=0, max=60)

    entreprise = factory.SubFactory(EntrepriseFactory)
    metier_rome = factory.LazyAttribute(_metier)
    intitule = factory.LazyAttribute(lambda o: intitule_pour(o.metier_rome))
    employeur = factory.LazyAttribute(lambda o: o.entreprise.nom if o.entreprise else "")
    commune = factory.LazyAttribute(lambda o: o.entreprise.commune if o.entreprise else None)
    description = factory.LazyAttribute(
        lambda o: f"{o.employeur or 'Entreprise du territoire'} recrute : {o.intitule}. Débutant accepté."
    )
    type_contrat = iterateur_types_contrat(TYPES_CONTRAT_OFFRE)
    duree_mois = factory.LazyAttribute(_duree)
    heures_hebdo = Decimal("35.0")
    salaire = "SMIC horaire"
    nb_postes = 1
    date_publication = factory.LazyAttribute(lambda o: o.today - timedelta(days=o.age_jours))
    date_expiration = factory.LazyAttribute(lambda o: o.date_publication + timedelta(days=60))
    statut = StatutOffre.COLLECTEE
