"""Cross-source duplicates: realistic pairs of announcements of one job (merged) and of two
jobs that look alike (kept apart), through the index the ingestion run uses."""

from datetime import date

import pytest

from offres.factories import OffreFactory
from offres.ingestion.base import BrouillonOffre
from offres.ingestion.run import IndexDoublons, Referentiels, _valeurs
from plie.models import Commune, TypeContrat

DESCRIPTION_ENTRETIEN = (
    "Au sein d'une équipe de 6 personnes, vous assurez l'entretien des bureaux et des parties "
    "communes : dépoussiérage, aspiration, lavage des sols, vidage des corbeilles. Horaires en "
    "coupure, du lundi au vendredi, 6h-9h et 17h-20h. Débutant accepté, formation assurée."
)


def _stockee(intitule, employeur, *, contrat="CDD", commune="21231", publiee=date(2026, 11, 2), description=""):
    return OffreFactory(
        intitule=intitule,
        employeur=employeur,
        entreprise=None,
        commune=Commune.objects.get(insee=commune),
        type_contrat=TypeContrat.objects.get(code=contrat),
        date_publication=publiee,
        description=description,
    )


def _trouvee(intitule, employeur, *, contrat="CDD", commune="21231", publiee=date(2026, 11, 5), description=""):
    codes = {"CDD": "CDD", "CDI": "CDI", "INTERIM": "MIS"}
    brouillon = BrouillonOffre(
        identifiant_externe="partenaire-1",
        intitule=intitule,
        employeur=employeur,
        code_commune_insee=commune,
        type_contrat_code=codes[contrat],
        date_publication=publiee,
        description=description,
    )
    return IndexDoublons().trouver(brouillon, _valeurs(brouillon, Referentiels()))


MEME_POSTE = [
    # (stored title, stored employer, title seen elsewhere, employer seen elsewhere)
    ("Agent d'entretien (H/F)", "Propreté Bourgogne SAS", "AGENT D'ENTRETIEN H/F", "PROPRETE BOURGOGNE"),
    ("Préparateur de commandes (H/F)", "Logistique Dijon", "Préparateur commandes", "LOGISTIQUE DIJON SARL"),
    ("Aide à domicile (H/F)", "ADMR Côte-d'Or", "Aide a domicile", "A.D.M.R. Côte d'Or"),
    ("Employé polyvalent de restauration", "Resto Sud", "Employé(e) polyvalent(e) de restauration", "Resto-Sud"),
    ("Cariste CACES 3 (H/F)", "Transports Martin", "Cariste - CACES 3", "Transport Martin"),
    ("Vendeur en boulangerie", "Boulangerie Roux", "Vendeuse en boulangerie", "Boulangerie Roux"),
    ("Conducteur poids lourd (H/F)", "Entrepôts des Ducs SA", "Conducteur PL H/F", "ENTREPOTS DES DUCS"),
    ("Agent de service hospitalier", "Clinique de Chenôve", "ASH (H/F)", "Clinique de Chenove"),
]

POSTES_DIFFERENTS = [
    ("Aide-soignant de jour (H/F)", "EHPAD Les Tilleuls", "Aide-soignant de nuit (H/F)", "EHPAD Les Tilleuls"),
    ("Agent de production (H/F)", "Usine Dijon Céréales", "Agent de maintenance (H/F)", "Usine Dijon Céréales"),
    ("Chauffeur PL 19 t (H/F)", "Transports Martin", "Chauffeur PL 44 t (H/F)", "Transports Martin"),
    ("Agent d'entretien (H/F)", "Propreté Bourgogne", "Agent d'entretien (H/F)", "Sécurité Bourgogne"),
    ("Serveur (H/F)", "Agence Intérim 21", "Serveur (H/F)", "Agence Intérim 71"),
    ("Cuisinier (H/F)", "Restaurant Le Bistrot", "Plongeur (H/F)", "Restaurant Le Bistrot"),
    ("Conducteur SPL (H/F)", "Transports Martin", "Conducteur VL (H/F)", "Transports Martin"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("stocke", "employeur", "vu", "employeur_vu"), MEME_POSTE)
def test_meme_poste_annonce_autrement_est_fusionne(stocke, employeur, vu, employeur_vu):
    offre = _stockee(stocke, employeur)
    assert _trouvee(vu, employeur_vu) == offre.pk


@pytest.mark.django_db
@pytest.mark.parametrize(("stocke", "employeur", "vu", "employeur_vu"), POSTES_DIFFERENTS)
def test_postes_differents_restent_distincts(stocke, employeur, vu, employeur_vu):
    _stockee(stocke, employeur, description=DESCRIPTION_ENTRETIEN)
    assert _trouvee(vu, employeur_vu, description=DESCRIPTION_ENTRETIEN) is None


@pytest.mark.django_db
def test_titre_reformule_fusionne_si_les_descriptions_concordent():
    offre = _stockee("Agent d'entretien (H/F)", "Propreté Bourgogne", description=DESCRIPTION_ENTRETIEN)
    reformulee = "Agent d'entretien polyvalent bureaux"
    description = DESCRIPTION_ENTRETIEN.replace("Débutant accepté", "Débutants acceptés") + " Poste à pourvoir vite."
    assert _trouvee(reformulee, "Propreté Bourgogne", description=description) == offre.pk
    autre_description = "Entretien de locaux industriels, travail en 3x8, habilitation électrique exigée."
    assert _trouvee(reformulee, "Propreté Bourgogne", description=autre_description) is None
    assert _trouvee(reformulee, "Propreté Bourgogne") is None  # nothing to compare: kept apart


@pytest.mark.django_db
def test_autre_contrat_autre_lieu_ou_hors_fenetre_restent_distincts():
    offre = _stockee("Préparateur de commandes (H/F)", "Logistique Dijon", publiee=date(2026, 11, 2))
    assert _trouvee("Préparateur commandes", "Logistique Dijon", contrat="CDI") is None
    assert _trouvee("Préparateur de commandes", "Logistique Dijon", commune="21166") is None
    # FENETRE_DOUBLON_JOURS = 30: the 30th day after is the same job, the 31st a new one.
    assert _trouvee("Préparateur commandes", "Logistique Dijon", publiee=date(2026, 12, 2)) == offre.pk
    assert _trouvee("Préparateur commandes", "Logistique Dijon", publiee=date(2026, 12, 3)) is None


@pytest.mark.django_db
def test_meme_siret_fusionne_siret_different_non(settings):
    from entreprises.factories import EntrepriseFactory

    entreprise = EntrepriseFactory(nom="Logistique Dijon", siret="73282932000074")
    offre = _stockee("Préparateur de commandes (H/F)", "")
    offre.entreprise = entreprise
    offre.save()
    brouillon = BrouillonOffre(
        identifiant_externe="x",
        intitule="Préparateur commandes",
        employeur="LD Logistique",
        siret="73282932000074",
        code_commune_insee="21231",
        type_contrat_code="CDD",
        date_publication=date(2026, 11, 5),
    )
    index = IndexDoublons()
    assert index.trouver(brouillon, _valeurs(brouillon, Referentiels())) == offre.pk
    brouillon.siret, brouillon.employeur = "55210055400013", "Logistique Dijon"
    assert index.trouver(brouillon, _valeurs(brouillon, Referentiels())) is None
