"""Helpers shared by the positionnement and diffusion tests (not a test module)."""

from decimal import Decimal

from offres import services
from offres.enums import StatutOffre
from offres.factories import OffreFactory
from participants.factories import ParticipantFactory
from plie.models import MetierRome, TypeContrat

NETTOYAGE, LOGISTIQUE = "K2204", "N1103"


def metier(code=NETTOYAGE):
    return MetierRome.objects.get(code=code)


def offre_diffusee(charge, referents=None, **champs):
    """An offer gone through the real services: entered, qualified, diffused (to ``referents``)."""
    champs.setdefault("metier_rome", metier())
    champs.setdefault("type_contrat", TypeContrat.objects.get(code="CDD"))
    champs.setdefault("duree_mois", 6)
    champs.setdefault("heures_hebdo", Decimal("35.0"))
    champs.setdefault("permis_requis", False)
    champs.setdefault("vehicule_requis", False)
    champs.setdefault("sans_diplome", True)
    offre = OffreFactory(statut=StatutOffre.COLLECTEE, **champs)
    services.offre_qualifier(offre=offre, par=charge, diffuser=False)
    services.offre_diffuser(offre=offre, par=charge, referents=referents)
    offre.refresh_from_db()
    return offre


def participant(referent, metiers=(NETTOYAGE,), **champs):
    champs.setdefault("permis_b", True)
    personne = ParticipantFactory(entre=True, referent=referent, **champs)
    personne.metiers_vises.set(MetierRome.objects.filter(code__in=metiers))
    return personne
