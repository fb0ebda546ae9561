"""Factory of companies, with valid SIRETs and the activities that recruit the PLIE's public.

``ACTIVITES`` pairs a NAF code with its sector as the Dijon employment area knows them
(logistics platforms of the south-east zones, cleaning, building trades, catering, retail,
home care, food industry, temp agencies…) and with the ROME codes those companies recruit for,
so that offers stay consistent with their employer. Each company falls in the business sector
of its NAF code, as the company file's form does. Contacts, exchanges, hiring needs and sector
binômes have their factories too.
"""

import unicodedata
from collections import OrderedDict, namedtuple
from datetime import timedelta

import factory
import factory.random
from django.utils import timezone
from factory.django import DjangoModelFactory

from plie.factories import ITERATEURS, UserFactory, iterateur_communes
from plie.roles import Role

from . import rules
from .models import (
    BesoinRecrutement,
    Binome,
    Contact,
    Entreprise,
    Interaction,
    SecteurActivite,
    StatutBesoin,
    TailleEntreprise,
    TypeInteraction,
)

Activite = namedtuple("Activite", "famille code_naf secteur romes noms")

ACTIVITES = [
    Activite(
        "logistique",
        "52.10B",
        "Logistique – entreposage et stockage",
        ["N1103", "N1105", "N1101", "N1102"],
        ["Logistique {nom}", "Plateforme logistique de Longvic", "Entrepôts {nom} Bourgogne", "{nom} Logistique"],
    ),
    Activite(
        "logistique",
        "49.41A",
        "Transport routier de marchandises",
        ["N4101", "N4105", "N1103", "N4104"],
        ["Transports {nom}", "TRB Transports Routiers Bourguignons", "Transports {nom} et Fils"],
    ),
    Activite(
        "logistique",
        "52.29A",
        "Messagerie, fret express",
        ["N4104", "N4105", "N1103"],
        ["Express {nom}", "Côte-d'Or Messagerie", "Livraisons {nom}"],
    ),
    Activite(
        "nettoyage",
        "81.21Z",
        "Propreté – nettoyage courant des bâtiments",
        ["K2204", "K2202", "K2201"],
        ["Propreté {nom}", "Net'Bourgogne", "Clair Net {nom}", "Dijon Propreté Services"],
    ),
    Activite(
        "nettoyage",
        "81.22Z",
        "Propreté – nettoyage industriel",
        ["K2204", "K2303", "K2305"],
        ["{nom} Nettoyage Industriel", "Hygiène Services Bourgogne", "Propreté Industrielle {nom}"],
    ),
    Activite(
        "btp",
        "43.99C",
        "BTP – maçonnerie générale et gros œuvre",
        ["F1703", "F1704", "F1701"],
        ["Maçonnerie {nom}", "Bâtiment {nom}", "{nom} Construction", "Gros Œuvre de Bourgogne"],
    ),
    Activite(
        "btp",
        "43.34Z",
        "BTP – peinture et vitrerie",
        ["F1606", "F1604"],
        ["Peinture {nom}", "{nom} Décoration", "Couleurs de Bourgogne"],
    ),
    Activite(
        "btp",
        "43.21A",
        "BTP – installation électrique",
        ["F1602", "F1603"],
        ["Électricité {nom}", "{nom} Élec", "Énergie Bâtiment Dijonnais"],
    ),
    Activite(
        "btp",
        "42.11Z",
        "Travaux publics – routes",
        ["F1702", "F1705", "F1704"],
        ["Routes et Réseaux {nom}", "{nom} TP", "Travaux Publics de la Plaine de Saône"],
    ),
    Activite(
        "btp",
        "43.32A",
        "BTP – menuiserie et agencement",
        ["F1607", "F1604", "F1608"],
        ["Menuiserie {nom}", "Agencement {nom}", "{nom} Fermetures"],
    ),
    Activite(
        "restauration",
        "56.10A",
        "Restauration traditionnelle",
        ["G1602", "G1803", "G1605", "G1801"],
        ["Brasserie {nom}", "Restaurant Le {lieu}", "Le Bistrot de {lieu}", "Auberge {nom}"],
    ),
    Activite(
        "restauration",
        "56.10C",
        "Restauration rapide",
        ["G1603", "G1605"],
        ["Snack {nom}", "Burger de la Toison d'Or", "Pizzeria {nom}"],
    ),
    Activite(
        "restauration",
        "56.29A",
        "Restauration collective",
        ["G1602", "G1603", "G1605"],
        ["Restauration Collective {nom}", "Cuisine Centrale de {lieu}", "{nom} Restauration"],
    ),
    Activite(
        "grande_distribution",
        "47.11F",
        "Grande distribution – hypermarché",
        ["D1505", "D1507", "D1106", "D1101", "D1102"],
        ["Hypermarché {lieu}", "Hyper {nom}", "Centre commercial {lieu}"],
    ),
    Activite(
        "grande_distribution",
        "47.11D",
        "Grande distribution – supermarché",
        ["D1505", "D1507", "D1106"],
        ["Supermarché {nom}", "Super {lieu}", "Marché {nom}"],
    ),
    Activite(
        "aide_personne",
        "88.10A",
        "Aide à domicile",
        ["K1302", "K1304", "K1303", "K1305"],
        ["Aide à Domicile {nom}", "Services à la Personne de {lieu}", "ADMR {lieu}", "{nom} Services"],
    ),
    Activite(
        "aide_personne",
        "87.10A",
        "Hébergement médicalisé pour personnes âgées (EHPAD)",
        ["J1301", "J1501", "K1302", "G1602"],
        ["EHPAD Les Tilleuls", "EHPAD {nom}", "Résidence Les Glycines", "Résidence {nom}"],
    ),
    Activite(
        "agroalimentaire",
        "10.84Z",
        "Industrie agroalimentaire – condiments (moutarde)",
        ["H2102", "H3301", "H3302"],
        ["Moutarderie {nom}", "Condiments de Bourgogne", "{nom} Moutarde et Vinaigres"],
    ),
    Activite(
        "agroalimentaire",
        "10.71A",
        "Industrie agroalimentaire – boulangerie et pâtisserie industrielles",
        ["H2102", "H3301", "D1102"],
        ["Biscuiterie {nom}", "Pain d'épices {nom}", "Boulangerie Industrielle {nom}"],
    ),
    Activite(
        "agroalimentaire",
        "10.13A",
        "Industrie agroalimentaire – préparation de produits à base de viande",
        ["H2102", "H3302", "D1101"],
        ["Salaisons {nom}", "Charcuterie {nom}", "Viandes de Bourgogne"],
    ),
    Activite(
        "industrie",
        "25.62B",
        "Industrie – mécanique industrielle",
        ["H2909", "H2913", "H3303"],
        ["Mécanique {nom}", "{nom} Industrie", "Usinage de Bourgogne"],
    ),
    Activite(
        "interim",
        "78.20Z",
        "Intérim – agence de travail temporaire",
        ["N1103", "N1105", "H3302", "F1704", "K2204", "G1605", "D1507"],
        ["Intérim {nom}", "{nom} Travail Temporaire", "Agence Emploi {lieu}", "Solidarité Intérim (ETTI)"],
    ),
    Activite(
        "securite",
        "80.10Z",
        "Sécurité privée",
        ["K2503", "K2501"],
        ["Sécurité {nom}", "Gardiennage {nom}", "Bourgogne Surveillance"],
    ),
    Activite(
        "hotellerie",
        "55.10Z",
        "Hôtellerie",
        ["G1501", "G1502", "G1803"],
        ["Hôtel {nom}", "Hôtel du {lieu}", "Hôtel des Ducs"],
    ),
    Activite(
        "automobile",
        "45.20A",
        "Entretien et réparation automobile",
        ["I1604", "I1606"],
        ["Garage {nom}", "Carrosserie {nom}", "Auto Service {lieu}"],
    ),
    Activite(
        "insertion",
        "81.30Z",
        "Espaces verts (atelier et chantier d'insertion)",
        ["A1203", "A1202", "A1414"],
        ["Jardins de {lieu}", "Chantier d'insertion {nom}", "Espaces Verts Solidaires"],
    ),
    Activite(
        "services",
        "82.20Z",
        "Centre d'appels",
        ["D1408", "M1601", "M1606"],
        ["Relation Client {nom}", "Centre d'appels de {lieu}", "{nom} Contact"],
    ),
]

LIEUX = ["Dijon", "Chenôve", "Longvic", "Quetigny", "Talant", "la Toison d'Or", "Saint-Apollinaire", "la Côte"]


def cle_luhn(digits):
    """The digit that makes ``digits + cle`` pass the Luhn check (SIREN and SIRET keys)."""
    total = 0
    for index, digit in enumerate(reversed(digits)):
        number = int(digit) * (2 if index % 2 == 0 else 1)
        total += number - 9 if number > 9 else number
    return str((10 - total % 10) % 10)


def siret_valide(siren8, nic4="0001"):
    """A 14-digit SIRET whose SIREN (8 digits + key) and whole number both pass the Luhn check."""
    siren = siren8 + cle_luhn(siren8)
    base = siren + nic4
    return base + cle_luhn(base)


class _SecteursDuFichier:
    """The business sectors, read once (one query per run, not one per company) and read again
    after ``plie.factories.reinitialiser_iterateurs``: tests flush and reload them between runs."""

    def __init__(self):
        # ``iterator`` is the attribute that ``reinitialiser_iterateurs`` resets to None.
        self.iterator = None

    def pour_naf(self, code_naf):
        if self.iterator is None:
            self.iterator = list(SecteurActivite.objects.all())
        return rules.secteur_pour_naf(code_naf, self.iterator)


SECTEURS = _SecteursDuFichier()
ITERATEURS.append(SECTEURS)


def _nom(o):
    gabarit = factory.random.randgen.choice(o.activite.noms)
    return gabarit.format(nom=o.nom_famille, lieu=factory.random.randgen.choice(LIEUX))


class EntrepriseFactory(DjangoModelFactory):
    class Meta:
        model = Entreprise

    class Params:
        activite = factory.Iterator(ACTIVITES)
        nom_famille = factory.Faker("last_name", locale="fr_FR")

    nom = factory.LazyAttribute(_nom)
    siret = factory.Sequence(lambda n: siret_valide(f"8{n:07d}"))
    code_naf = factory.SelfAttribute("activite.code_naf")
    secteur = factory.SelfAttribute("activite.secteur")
    taille = factory.Faker(
        "random_element",
        elements=OrderedDict(
            [
                (TailleEntreprise.TPE, 0.45),
                (TailleEntreprise.PME, 0.45),
                (TailleEntreprise.ETI, 0.08),
                (TailleEntreprise.GE, 0.02),
            ]
        ),
    )
    adresse = factory.Faker("street_address", locale="fr_FR")
    commune = iterateur_communes()
    site_web = ""
    # As ``services.entreprise_enregistrer`` does: the sector follows from the NAF code.
    secteur_activite = factory.LazyAttribute(lambda o: SECTEURS.pour_naf(o.code_naf))


def _slug(texte):
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in texte if c.isalnum() or c in ".-")


class ContactFactory(DjangoModelFactory):
    """A person met at a company, who agreed to be contacted (``consentement=False`` for one who did not)."""

    class Meta:
        model = Contact

    class Params:
        today = factory.LazyFunction(timezone.localdate)

    entreprise = factory.SubFactory(EntrepriseFactory)
    nom = factory.Faker("last_name", locale="fr_FR")
    prenom = factory.Faker("first_name", locale="fr_FR")
    fonction = factory.Iterator(["Responsable RH", "Gérant(e)", "Chef d'équipe", "Responsable d'agence"])
    telephone = factory.Faker("numerify", text="03 80 ## ## ##")
    email = factory.LazyAttribute(lambda o: f"{_slug(o.prenom)}.{_slug(o.nom)}@entreprise.example")
    consentement = True
    consentement_le = factory.Maybe("consentement", factory.LazyAttribute(lambda o: o.today - timedelta(days=30)), None)


class InteractionFactory(DjangoModelFactory):
    """An exchange already logged (written directly: the company's last contact is not updated,
    which ``services.interaction_enregistrer`` does)."""

    class Meta:
        model = Interaction

    class Params:
        today = factory.LazyFunction(timezone.localdate)
        il_y_a_jours = 0

    entreprise = factory.SubFactory(EntrepriseFactory)
    auteur = factory.SubFactory(UserFactory, role=Role.REFERENT)
    date = factory.LazyAttribute(lambda o: o.today - timedelta(days=o.il_y_a_jours))
    type = TypeInteraction.APPEL
    resume = "Point sur les recrutements à venir et les prérequis des postes."


class BesoinRecrutementFactory(DjangoModelFactory):
    class Meta:
        model = BesoinRecrutement

    entreprise = factory.SubFactory(EntrepriseFactory)
    intitule = factory.Iterator(["Agent de propreté (H/F)", "Préparateur de commandes (H/F)", "Aide maçon (H/F)"])
    nb_postes = 2
    prerequis = "Débutant accepté ; travail en horaires décalés."
    statut = StatutBesoin.OUVERT
    cree_par = factory.SubFactory(UserFactory, role=Role.REFERENT)


class BinomeFactory(DjangoModelFactory):
    class Meta:
        model = Binome

    referent_1 = factory.SubFactory(UserFactory, role=Role.REFERENT)
    referent_2 = factory.SubFactory(UserFactory, role=Role.REFERENT)
    actif = True
