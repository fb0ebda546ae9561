"""Benchmark of one nightly ingestion run (not collected by pytest).

    .venv/bin/python tests/bench_ingestion.py [--offres 10000] [--republications 0.15]
        [--partenaires 1500] [--doublons 1000] [--plafond 1149] [--cible 60]

Runs against the configured database (``DATABASE_URL``, SQLite by default) after ``migrate``:

- generates ``--offres`` France Travail records (fixed seed) spread over the territory's communes
  (those of the ``france-travail`` source), its ROME codes and creation dates over the last 30
  days, of which ``--republications`` are reposts of another record (same employer, commune and
  contract, title written differently, new id, later date): they must be merged, not stored;
- serves them from the local fake France Travail server (``tests/offres/faux_france_travail.py``)
  run in a separate process, with the cap at ``--plafond`` so that the connector splits its
  searches; the server reports the seconds it spent answering, taken off the run's wall time;
- times one complete run of a ``bench-france-travail`` source (the territory's parameters), then
  a partner workbook (``bench-partenaire`` source, an in-script connector) of ``--partenaires``
  offers of which ``--doublons`` are France Travail jobs written differently (merged or not, by
  the cross-source dedup: reported, not asserted), then a second identical France Travail run,
  which must add no offer and no link.

Exit code 1 when the first run, without the fake server's time, takes more than ``--cible``
seconds, or when the second run adds anything. Everything it created is deleted at the end (the
two ``bench-…`` sources, their runs, raw payloads, links and offers).
"""

import argparse
import copy
import multiprocessing
import os
import random
import re
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from offres.enums import StatutExecution, TypeSource  # noqa: E402
from offres.factories import INTITULES_PAR_ROME  # noqa: E402
from offres.ingestion.base import (  # noqa: E402
    BrouillonOffre,
    Connecteur,
    connecteur_pour,
    normaliser_employeur,
    normaliser_texte,
    sans_accents,
)
from offres.ingestion.run import ingerer  # noqa: E402
from offres.models import DonneeBrute, ExecutionIngestion, LienSource, Offre, Source  # noqa: E402
from plie.models import Commune, MetierRome  # noqa: E402
from tests.offres.faux_france_travail import FauxFranceTravail, offres_enregistrees, serveur_local  # noqa: E402

SOURCE_FT = "bench-france-travail"
SOURCE_PARTENAIRE = "bench-partenaire"
GRAINE = 2026
URL_DETAIL = "https://candidat.francetravail.fr/offres/recherche/detail/{}"

# Share of the offers by commune (the others share what is left): the main town and the large
# suburbs exceed the cap, so their searches are split.
POIDS_COMMUNES = {
    "21231": 38,
    "21166": 14,
    "21515": 8,
    "21355": 8,
    "21171": 6,
    "21617": 5,
    "21540": 5,
    "21278": 4,
    "21390": 3,
}
POIDS_AUTRES = 0.8

ENSEIGNES = {
    "A": ["Espaces Verts", "Paysages", "Jardins", "Pépinières", "Domaine", "Vignobles"],
    "D": ["Boulangerie", "Boucherie", "Supermarché", "Boutique", "Maison", "Primeurs", "Fromagerie"],
    "F": ["Bâtiments", "Maçonnerie", "BTP", "Rénovation", "Électricité", "Plomberie", "Couverture", "Menuiserie"],
    "G": ["Restaurant", "Brasserie", "Hôtel", "Bistrot", "Crêperie", "Traiteur", "Auberge"],
    "H": ["Usine", "Industries", "Conditionnement", "Mécanique", "Métallerie", "Conserverie"],
    "I": ["Garage", "Maintenance", "Auto Services", "Carrosserie", "Cycles"],
    "J": ["EHPAD", "Clinique", "Résidence", "Centre de soins"],
    "K": ["Propreté", "Nettoyage", "ADMR", "Domicile Services", "Sécurité", "Multiservices", "Recyclerie"],
    "M": ["Cabinet", "Agence", "Bureau", "Centre d'appels", "Secrétariat"],
    "N": ["Transports", "Logistique", "Entrepôts", "Messagerie", "Déménagements", "Distribution"],
}
NOMS = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Perrin", "Chevalier", "Gauthier", "Masson",
    "Bourgogne", "Côte-d'Or", "des Ducs", "du Lac", "Saint-Michel", "de la Toison", "Val de Saône",
    "des Grands Crus", "Montchapet", "du Parc", "de la Gare", "des Tilleuls", "Kir", "Rameau", "Eiffel",
]  # fmt: skip
INTERIM = ["Adecco", "Manpower", "Randstad", "Synergie", "Start People", "Proman", "Crit Intérim", "Temporis"]
SECTEURS_INTERIM = "DFHKN"
FORMES = ["SAS", "SARL", "SA", "EURL"]

# (typeContrat, libellé avec la durée, natureContrat, libellé dans le classeur partenaire, poids)
CONTRATS = [
    ("CDI", "Contrat à durée indéterminée", "Contrat travail", "CDI", 30),
    ("CDD", "Contrat à durée déterminée - {} Mois", "Contrat travail", "CDD", 30),
    ("MIS", "Mission intérimaire - {} Mois", "Contrat travail", "Intérim", 18),
    ("SAI", "Contrat travail saisonnier - {} Mois", "Contrat travail", "Saisonnier", 5),
    ("CDD", "Contrat à durée déterminée - {} Mois", "Contrat apprentissage", "Apprentissage", 7),
    ("DDI", "CDD insertion - {} Mois", "CDD insertion", "CDDI", 10),
]
CONTRATS_PARTENAIRE = {
    "CDI": ("CDI", ""),
    "CDD": ("CDD", ""),
    "Intérim": ("MIS", ""),
    "Saisonnier": ("SAI", ""),
    "Apprentissage": ("CDD", "E2"),
    "CDDI": ("DDI", "I1"),
}
DUREES = [
    ("35H Horaires normaux", "Temps plein"),
    ("35H Travail en équipe", "Temps plein"),
    ("39H Horaires normaux", "Temps plein"),
    ("24H Travail en journée", "Temps partiel"),
    ("28H Horaires variables", "Temps partiel"),
    ("20H Travail le samedi", "Temps partiel"),
]
SALAIRES = [
    "Mensuel de 1801.80 Euros sur 12 mois",
    "Horaire de 11.88 Euros sur 12 mois",
    "Mensuel de 1850.00 Euros à 2100.00 Euros sur 12 mois",
    "Selon convention collective",
    "",
]
PHRASES = [
    "Débutant accepté, une formation interne est assurée.",
    "Vous travaillerez en équipe sous la responsabilité d'un chef d'équipe.",
    "Horaires décalés, travail possible le week-end.",
    "Site desservi par le tram T1 et la ligne de bus L5.",
    "Port de charges régulier, station debout prolongée.",
    "Véhicule personnel conseillé, déplacements sur l'agglomération.",
    "Poste ouvert aux personnes en parcours d'insertion.",
    "Tenue de travail et équipements de protection fournis.",
    "Mutuelle d'entreprise, tickets restaurant, prime de fin d'année.",
    "Vous respectez les consignes d'hygiène et de sécurité.",
    "Rigueur, ponctualité et sens du service sont attendus.",
    "Prise de poste rapide, période d'essai d'un mois.",
]
# How a partner rewrites some titles (realistic pairs, as in tests/offres/test_doublons.py).
REFORMULATIONS = {
    "Agent d'entretien des locaux (H/F)": "Agent entretien polyvalent des locaux",
    "Agent de propreté (H/F)": "Agent de propreté polyvalent H/F",
    "Préparateur de commandes (H/F)": "Préparateur commandes",
    "Aide ménager à domicile (H/F)": "Aide ménagère à domicile",
    "Employé polyvalent de restauration (H/F)": "Employé(e) polyvalent(e) de restauration",
    "Auxiliaire de vie (H/F)": "Auxiliaire de vie sociale",
    "Serveur (H/F)": "Serveur / Serveuse",
    "Hôte de caisse (H/F)": "Hôtesse de caisse",
    "Employé de libre-service (H/F)": "Employé libre service H/F",
    "Cuisinier (H/F)": "Cuisinier / Cuisinière",
    "Commis de cuisine (H/F)": "Commis cuisine",
    "Maçon (H/F)": "MACON H/F",
    "Plongeur (H/F)": "Plongeur / Plongeuse",
    "Agent de sécurité (H/F)": "Agent sécurité",
    "Chauffeur livreur VL (H/F)": "Chauffeur-livreur VL",
    "Aide-soignant (H/F)": "Aide soignant(e)",
    "Vendeur en prêt-à-porter (H/F)": "Vendeuse en prêt à porter",
    "Jardinier paysagiste (H/F)": "Jardinier-paysagiste",
    "Agent d'accueil (H/F)": "Agent(e) d'accueil",
    "Magasinier (H/F)": "Magasinier cariste",
    "Conducteur poids lourd (H/F)": "Conducteur PL H/F",
}


# --- cleaning ---------------------------------------------------------------------------------
def nettoyer():
    """Delete the bench's sources and what they brought; an offer another source also links to
    only loses the bench's links."""
    sources = list(Source.objects.filter(nom__in=[SOURCE_FT, SOURCE_PARTENAIRE]))
    if not sources:
        return
    ids = list(Offre.objects.filter(liens__source__in=sources).distinct().values_list("pk", flat=True))
    partagees = set(
        LienSource.objects.filter(offre_id__in=ids).exclude(source__in=sources).values_list("offre_id", flat=True)
    )
    LienSource.objects.filter(source__in=sources).delete()
    a_supprimer = [pk for pk in ids if pk not in partagees]
    for debut in range(0, len(a_supprimer), 2000):
        Offre.objects.filter(pk__in=a_supprimer[debut : debut + 2000]).delete()  # cascades to diffusions
    DonneeBrute.objects.filter(source__in=sources).delete()
    ExecutionIngestion.objects.filter(source__in=sources).delete()
    Source.objects.filter(pk__in=[s.pk for s in sources]).delete()


# --- data -------------------------------------------------------------------------------------
def _cle_titre(titre):
    return " ".join(normaliser_texte(titre).split())


class Generateur:
    """The France Travail records and the partner's workbook rows, from one seeded random."""

    def __init__(self, maintenant, communes, graine=GRAINE):
        self.rng = random.Random(graine)
        self.maintenant = maintenant
        self.communes = communes  # insee -> Commune
        self.poids = [POIDS_COMMUNES.get(insee, POIDS_AUTRES) for insee in communes]
        metiers = {m.code: m for m in MetierRome.objects.filter(code__in=list(INTITULES_PAR_ROME))}
        self.metiers = metiers
        self.codes_par_secteur = {}
        for code in sorted(metiers):
            self.codes_par_secteur.setdefault(code[0], []).append(code)
        self.secteurs = sorted(s for s in self.codes_par_secteur if s in ENSEIGNES)
        self.noms_par_commune = {insee: [] for insee in communes}  # normalised, for the alike check
        self.identifiants = set()
        self.sirets = set()
        self.modele = offres_enregistrees()[0]

    # names and ids
    def _identifiant(self):
        while True:
            ident = f"2{self.rng.randint(0, 99):02d}" + "".join(self.rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=4))
            if ident not in self.identifiants:
                self.identifiants.add(ident)
                return ident

    def _siret(self):
        while True:
            siret = "".join(self.rng.choices("0123456789", k=14))
            if siret not in self.sirets:
                self.sirets.add(siret)
                return siret

    def _nom_libre(self, insee, candidat):
        """Whether ``candidat`` is not alike any employer already at ``insee`` (else two
        different jobs could be merged as one)."""
        cle = normaliser_employeur(candidat)
        if not cle:
            return False
        noms = self.noms_par_commune[insee]
        if noms and process.extractOne(cle, noms, scorer=fuzz.ratio, score_cutoff=85) is not None:
            return False
        noms.append(cle)
        return True

    def employeur(self, insee, secteur=None, interim=False):
        for _ in range(200):
            if interim:
                nom = f"{self.rng.choice(INTERIM)} {self.communes[insee].nom}"
            else:
                nom = f"{self.rng.choice(ENSEIGNES[secteur])} {self.rng.choice(NOMS)}"
                if self.rng.random() < 0.25:
                    nom = f"{nom} {self.rng.choice(FORMES)}"
            if self._nom_libre(insee, nom):
                return nom
        return None

    def _titres(self, codes, nombre, deja=()):
        """Up to ``nombre`` (code, title) of ``codes``, one per code, no two titles alike."""
        choisis, cles = [], [_cle_titre(t) for t in deja]
        codes = list(codes)
        self.rng.shuffle(codes)
        for code in codes:
            titres = list(INTITULES_PAR_ROME[code])
            self.rng.shuffle(titres)
            for titre in titres:
                cle = _cle_titre(titre)
                if all(fuzz.token_sort_ratio(cle, autre) < 55 for autre in cles):
                    choisis.append((code, titre))
                    cles.append(cle)
                    break
            if len(choisis) == nombre:
                break
        return choisis

    def _contrat(self, interim):
        if interim:
            return CONTRATS[2]
        return self.rng.choices(CONTRATS, weights=[c[4] for c in CONTRATS])[0]

    def _description(self, titre, employeur, code):
        poste = re.sub(r"\s*\(H/F\)", "", titre).lower()
        phrases = self.rng.sample(PHRASES, self.rng.randint(3, 6))
        return (
            f"{employeur} recrute un(e) {poste} pour son établissement. "
            f"Vous interviendrez dans le domaine « {self.metiers[code].libelle} ». " + " ".join(phrases)
        )

    def _date(self, debut_jours, fin_jours):
        secondes = self.rng.randint(int(fin_jours * 86400), int(debut_jours * 86400))
        return self.maintenant - timedelta(seconds=secondes)

    def enregistrement(self, poste, ident, creation, intitule):
        """A France Travail search result for ``poste``, in the shape of the recorded answers."""
        commune = self.communes[poste["insee"]]
        brut = copy.deepcopy(self.modele)
        brut.update(
            {
                "id": ident,
                "intitule": intitule,
                "description": poste["description"],
                "dateCreation": creation.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "dateActualisation": (creation + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "lieuTravail": {
                    "libelle": f"21 - {sans_accents(commune.nom).upper()}",
                    "latitude": commune.latitude,
                    "longitude": commune.longitude,
                    "codePostal": (commune.codes_postaux or "").split(",")[0].strip(),
                    "commune": commune.insee,
                },
                "romeCode": poste["code"],
                "romeLibelle": self.metiers[poste["code"]].libelle,
                "entreprise": {"nom": poste["employeur"], "entrepriseAdaptee": False},
                **poste["champs"],
                "origineOffre": {"origine": "1", "urlOrigine": URL_DETAIL.format(ident)},
            }
        )
        if poste["siret"]:
            brut["entreprise"]["siret"] = poste["siret"]
        return brut

    def _champs(self, contrat, interim):
        type_contrat, libelle, nature, _partenaire, _poids = contrat
        duree, converti = self.rng.choice(DUREES)
        salaire = self.rng.choice(SALAIRES)
        exige = self.rng.random() < 0.3
        return {
            "typeContrat": type_contrat,
            "typeContratLibelle": libelle.format(self.rng.choice([1, 2, 3, 6, 9, 12])),
            "natureContrat": nature,
            "alternance": nature == "Contrat apprentissage",
            "experienceExige": "E" if exige else "D",
            "experienceLibelle": "1 an - expérience similaire" if exige else "Débutant accepté",
            "formations": (
                [{"niveauLibelle": "CAP, BEP et équivalents", "exigence": "E"}] if self.rng.random() < 0.15 else []
            ),
            "permis": [{"libelle": "B - Véhicule léger", "exigence": "E"}] if self.rng.random() < 0.25 else [],
            "dureeTravailLibelle": duree,
            "dureeTravailLibelleConverti": converti,
            "salaire": {"libelle": salaire} if salaire else {},
            "nombrePostes": 1 if interim or self.rng.random() < 0.8 else self.rng.randint(2, 5),
            "accessibleTH": self.rng.random() < 0.5,
        }

    # the jobs, the France Travail records, the partner's rows
    def postes(self, nombre):
        """``nombre`` distinct jobs: establishments (an employer at one commune) with one to a
        few dozen jobs, never two alike titles for one employer."""
        postes = []
        insees = list(self.communes)
        while len(postes) < nombre:
            insee = self.rng.choices(insees, weights=self.poids)[0]
            interim = self.rng.random() < 0.03
            if interim:
                codes = [c for s in SECTEURS_INTERIM for c in self.codes_par_secteur.get(s, [])]
                voulu = self.rng.randint(15, 40)
                secteur = None
            else:
                secteur = self.rng.choice(self.secteurs)
                codes = self.codes_par_secteur[secteur]
                voulu = self.rng.choices([1, 2, 3, 4, 6, 10], weights=[40, 20, 15, 10, 10, 5])[0]
            nom = self.employeur(insee, secteur, interim)
            if nom is None:
                continue
            siret = self._siret() if self.rng.random() < 0.6 else ""
            for code, titre in self._titres(codes, min(voulu, nombre - len(postes))):
                contrat = self._contrat(interim)
                postes.append(
                    {
                        "insee": insee,
                        "employeur": nom,
                        "siret": siret,
                        "secteur": secteur,
                        "code": code,
                        "titre": titre,
                        "contrat": contrat,
                        "champs": self._champs(contrat, interim),
                        "description": self._description(titre, nom, code),
                    }
                )
        return postes

    @staticmethod
    def variante_genre(titre, rng):
        """The same title with another gender mention, case or punctuation."""
        return rng.choice(
            [
                lambda t: t.upper(),
                lambda t: t.replace("(H/F)", "H/F"),
                lambda t: t.replace("(H/F)", "(F/H)"),
                lambda t: t.replace(" (H/F)", " - H/F"),
                lambda t: t.replace(" (H/F)", ""),
                lambda t: t.replace("'", "’").lower(),
                lambda t: sans_accents(t).capitalize(),
            ]
        )(titre)

    def france_travail(self, nombre, part_republications):
        """(records, jobs, number of reposts): the reposts are the same jobs, a new id, a later
        date, the title written differently."""
        nb_republications = round(nombre * part_republications)
        postes = self.postes(nombre - nb_republications)
        republies = set(self.rng.sample(range(len(postes)), nb_republications))
        enregistrements = []
        for numero, poste in enumerate(postes):
            if numero in republies:
                creation = self._date(29.5, 3)
                poste["creation"] = creation
                enregistrements.append(self.enregistrement(poste, self._identifiant(), creation, poste["titre"]))
                plus_tard = creation + timedelta(seconds=self.rng.randint(86400, 10 * 86400))
                plus_tard = min(plus_tard, self.maintenant - timedelta(hours=1))
                republication = self.enregistrement(
                    poste, self._identifiant(), plus_tard, self.variante_genre(poste["titre"], self.rng)
                )
                if self.rng.random() < 0.3:
                    republication["description"] += " Poste à pourvoir rapidement."
                enregistrements.append(republication)
            else:
                creation = self._date(29.5, 1 / 24)
                poste["creation"] = creation
                enregistrements.append(self.enregistrement(poste, self._identifiant(), creation, poste["titre"]))
        self.rng.shuffle(enregistrements)
        return enregistrements, postes, nb_republications

    def _employeur_partenaire(self, nom):
        base = re.sub(rf"\s+({'|'.join(FORMES)})$", "", nom)
        return self.rng.choice(
            [
                lambda: f"{base} SAS",
                lambda: sans_accents(base).upper(),
                lambda: f"{base.upper()} SARL",
                lambda: base.replace("-", " ").replace("'", " "),
                lambda: f"Ets {base}",
            ]
        )()

    def _titre_partenaire(self, titre):
        if titre in REFORMULATIONS and self.rng.random() < 0.7:
            return REFORMULATIONS[titre]
        return self.rng.choice(
            [
                lambda t: t.replace(" (H/F)", ""),
                lambda t: t.replace("(H/F)", "H/F"),
                lambda t: sans_accents(t).upper(),
                lambda t: sans_accents(t.replace(" (H/F)", "")),
            ]
        )(titre)

    def _ligne(self, reference, poste, *, intitule, employeur, publication, description):
        commune = self.communes[poste["insee"]]
        champs = poste["champs"]
        return {
            "reference": reference,
            "poste": intitule,
            "structure": employeur,
            "code_insee": commune.insee,
            "ville": commune.nom,
            "contrat": poste["contrat"][3],
            "code_rome": poste["code"],
            "parution": publication.strftime("%d/%m/%Y"),
            "descriptif": description,
            "duree_hebdo": champs["dureeTravailLibelle"].split("H")[0] + " h",
            "nb_postes": champs["nombrePostes"],
        }

    def partenaire(self, postes_ft, nombre, doublons):
        """The partner's rows: ``doublons`` France Travail jobs written differently, then new
        jobs (half from new employers, half new jobs of France Travail employers)."""
        lignes = []
        aujourdhui = timezone.localdate(self.maintenant)
        self.origines = {}  # reference of a rewritten row -> the France Travail job
        for numero, poste in enumerate(self.rng.sample(postes_ft, doublons)):
            self.origines[f"P-{numero:05d}"] = poste
            publication = min(
                timezone.localdate(poste["creation"]) + timedelta(days=self.rng.randint(0, 3)), aujourdhui
            )
            description = poste["description"]
            if self.rng.random() < 0.5:
                description = self.rng.choice(["Offre transmise par notre partenaire. ", "URGENT. "]) + description
            lignes.append(
                self._ligne(
                    f"P-{numero:05d}",
                    poste,
                    intitule=self._titre_partenaire(poste["titre"]),
                    employeur=self._employeur_partenaire(poste["employeur"]),
                    publication=publication,
                    description=description,
                )
            )
        nouveaux = self._nouveaux_postes(postes_ft, nombre - doublons)
        for numero, poste in enumerate(nouveaux, start=doublons):
            publication = aujourdhui - timedelta(days=self.rng.randint(0, 25))
            lignes.append(
                self._ligne(
                    f"P-{numero:05d}",
                    poste,
                    intitule=poste["titre"].replace(" (H/F)", ""),
                    employeur=poste["employeur"],
                    publication=publication,
                    description=poste["description"],
                )
            )
        self.rng.shuffle(lignes)
        return lignes

    def _nouveaux_postes(self, postes_ft, nombre):
        par_employeur = {}
        for poste in postes_ft:
            if poste["secteur"]:
                par_employeur.setdefault((poste["insee"], poste["employeur"]), []).append(poste)
        employeurs = sorted(par_employeur)
        self.rng.shuffle(employeurs)
        nouveaux = []
        # New jobs of France Travail employers: another ROME code, a title alike none of theirs.
        for cle in employeurs:
            if len(nouveaux) >= nombre // 2:
                break
            connus = par_employeur[cle]
            deja_codes = {p["code"] for p in connus}
            codes = [c for c in self.codes_par_secteur[connus[0]["secteur"]] if c not in deja_codes]
            choisis = self._titres(codes, 1, deja=[p["titre"] for p in connus])
            if not choisis:
                continue
            code, titre = choisis[0]
            contrat = self._contrat(False)
            nouveaux.append(
                {
                    **connus[0],
                    "code": code,
                    "titre": titre,
                    "contrat": contrat,
                    "champs": self._champs(contrat, False),
                    "description": self._description(titre, connus[0]["employeur"], code),
                }
            )
        # New employers.
        insees = list(self.communes)
        while len(nouveaux) < nombre:
            insee = self.rng.choices(insees, weights=self.poids)[0]
            secteur = self.rng.choice(self.secteurs)
            nom = self.employeur(insee, secteur)
            if nom is None:
                continue
            code, titre = self._titres(self.codes_par_secteur[secteur], 1)[0]
            contrat = self._contrat(False)
            nouveaux.append(
                {
                    "insee": insee,
                    "employeur": nom,
                    "siret": "",
                    "secteur": secteur,
                    "code": code,
                    "titre": titre,
                    "contrat": contrat,
                    "champs": self._champs(contrat, False),
                    "description": self._description(titre, nom, code),
                }
            )
        return nouveaux


# --- the partner's connector --------------------------------------------------------------------
class ClasseurPartenaire(Connecteur):
    """A partner's workbook already read into rows (dicts), served by pages."""

    TAILLE_PAGE = 100

    def __init__(self, source, lignes, **kwargs):
        super().__init__(source, **kwargs)
        self.lignes = lignes

    def pages(self, depuis):
        for debut in range(0, len(self.lignes), self.TAILLE_PAGE):
            yield self.lignes[debut : debut + self.TAILLE_PAGE]

    def identifiant(self, brut):
        return str(brut.get("reference") or "")

    def normaliser(self, brut):
        type_contrat, nature = CONTRATS_PARTENAIRE[brut["contrat"]]
        heures = re.match(r"\s*(\d+(?:[.,]\d+)?)", brut.get("duree_hebdo") or "")
        return BrouillonOffre(
            identifiant_externe=brut["reference"],
            intitule=brut["poste"].strip(),
            date_publication=datetime.strptime(brut["parution"], "%d/%m/%Y").date(),
            description=brut.get("descriptif") or "",
            employeur=brut["structure"].strip(),
            code_commune_insee=brut["code_insee"],
            lieu_travail=brut.get("ville") or "",
            code_rome=brut.get("code_rome") or "",
            type_contrat_code=type_contrat,
            nature_contrat_code=nature,
            heures_hebdo=Decimal(heures.group(1).replace(",", ".")) if heures else None,
            nb_postes=int(brut.get("nb_postes") or 1),
        )


# --- the fake server, in its own process ----------------------------------------------------------
def _servir(offres, plafond, canal):
    faux = FauxFranceTravail()
    faux.offres = offres
    faux.plafond = plafond
    with serveur_local(faux) as reglages:
        canal.send(reglages)
        while canal.recv() != "fin":
            canal.send({"temps": faux.temps_serveur, "requetes": len(faux.recherches), "jetons": faux.jetons_emis})


@contextmanager
def serveur_a_part(offres, plafond):
    """Run the fake server in a forked process (its CPU time does not compete with the run for
    the GIL); yield its settings and a function returning its cumulated figures."""
    contexte = multiprocessing.get_context("fork")
    parent, enfant = contexte.Pipe()
    connections.close_all()  # the child must not share the parent's database connection
    processus = contexte.Process(target=_servir, args=(offres, plafond, enfant), daemon=True)
    processus.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("Le faux serveur France Travail n'a pas démarré.")
        reglages = parent.recv()

        def stats():
            parent.send("stats")
            return parent.recv()

        yield reglages, stats
    finally:
        if processus.is_alive():
            parent.send("fin")
            processus.join(10)
        if processus.is_alive():
            processus.terminate()
            processus.join()


def bilan_partenaire(source_ft, source_partenaire, lignes, origines):
    """(rewritten rows not merged with their France Travail offer, new rows merged into one)."""
    par_reference = {ligne["reference"]: ligne for ligne in lignes}
    avec_ft = set(LienSource.objects.filter(source=source_ft).values_list("offre_id", flat=True))
    manques, a_tort = [], []
    liens = LienSource.objects.filter(source=source_partenaire).select_related("offre").order_by("identifiant_externe")
    for lien in liens:
        ligne = par_reference[lien.identifiant_externe]
        if lien.identifiant_externe in origines and lien.offre_id not in avec_ft:
            poste = origines[lien.identifiant_externe]
            manques.append(f"« {ligne['poste']} » / {ligne['structure']} ≠ « {poste['titre']} » / {poste['employeur']}")
        elif lien.identifiant_externe not in origines and lien.offre_id in avec_ft:
            offre = lien.offre
            a_tort.append(f"« {ligne['poste']} » / {ligne['structure']} = « {offre.intitule} » / {offre.employeur}")
    return manques, a_tort


# --- measures ---------------------------------------------------------------------------------
def comptes():
    return Offre.objects.count(), LienSource.objects.count()


def passe_france_travail(source, maintenant, stats):
    connecteur = connecteur_pour(source, maintenant=maintenant)
    avant = stats()
    debut = time.perf_counter()
    execution = ingerer(source, maintenant=maintenant, complet=True, connecteur=connecteur)
    duree = time.perf_counter() - debut
    apres = stats()
    recherches = len(connecteur.recherches)
    return {
        "execution": execution,
        "duree": duree,
        "serveur": apres["temps"] - avant["temps"],
        "recherches": recherches,
        "decoupages": (recherches - len(connecteur.criteres())) // 2,
        "requetes": apres["requetes"] - avant["requetes"],
    }


def passe_partenaire(source, lignes, maintenant):
    connecteur = ClasseurPartenaire(source, lignes, maintenant=maintenant)
    debut = time.perf_counter()
    execution = ingerer(source, maintenant=maintenant, connecteur=connecteur)
    return {
        "execution": execution,
        "duree": time.perf_counter() - debut,
        "serveur": 0.0,
        "recherches": None,
        "decoupages": None,
        "requetes": None,
    }


def _cellule(valeur, format_=""):
    if valeur is None:
        return "—"
    return format(valeur, format_)


def imprimer(passes, comptages):
    colonnes = [nom for nom, _ in passes]
    largeur = 42
    print(f"{'mesure':<{largeur}}" + "".join(f"{nom:>22}" for nom in colonnes))

    def ligne(libelle, valeurs, format_=""):
        print(f"{libelle:<{largeur}}" + "".join(f"{_cellule(v, format_):>22}" for v in valeurs))

    mesures = [p for _, p in passes]
    executions = [p["execution"] for p in mesures]
    ligne("statut", [e.get_statut_display().split(" ")[0].lower() for e in executions])
    ligne("recherches (critère × fenêtre)", [p["recherches"] for p in mesures])
    ligne("découpages (total > plafond)", [p["decoupages"] for p in mesures])
    ligne("requêtes de recherche (pages)", [p["requetes"] for p in mesures])
    ligne("offres reçues", [e.recus for e in executions])
    ligne("nouvelles offres", [e.nouvelles for e in executions])
    ligne("doublons fusionnés (republ. / inter-src.)", [e.doublons_fusionnes for e in executions])
    ligne("mises à jour", [e.mises_a_jour for e in executions])
    ligne("expirées (balayage)", [e.expirees for e in executions])
    ligne("erreurs", [e.erreurs for e in executions])
    ligne("durée totale (s)", [p["duree"] for p in mesures], ".1f")
    ligne("temps du faux serveur (s)", [p["serveur"] for p in mesures], ".1f")
    ligne("ingestion hors serveur (s)", [p["duree"] - p["serveur"] for p in mesures], ".1f")
    ligne(
        "offres/s (hors serveur)", [p["execution"].recus / max(p["duree"] - p["serveur"], 1e-9) for p in mesures], ".0f"
    )
    ligne("offres en base après (total)", [c[0] for c in comptages[1:]])
    ligne("liens sources en base après (total)", [c[1] for c in comptages[1:]])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offres", type=int, default=10_000, help="offres servies par le faux France Travail")
    parser.add_argument("--republications", type=float, default=0.15, help="part des republications")
    parser.add_argument("--partenaires", type=int, default=1_500, help="offres du classeur partenaire")
    parser.add_argument("--doublons", type=int, default=1_000, help="dont offres France Travail réécrites")
    parser.add_argument("--plafond", type=int, default=1149, help="FRANCE_TRAVAIL_PLAFOND_RESULTATS")
    parser.add_argument("--cible", type=float, default=60.0, help="secondes, hors temps du faux serveur")
    options = parser.parse_args()

    nettoyer()
    try:
        t0 = time.perf_counter()
        maintenant = timezone.now().replace(microsecond=0)
        modele = Source.objects.filter(nom="france-travail").first()
        parametres = dict(modele.parametres) if modele and modele.parametres.get("communes") else {}
        if not parametres:
            insees = sorted(set(Commune.objects.filter(valide_au__isnull=True).values_list("insee", flat=True)))
            parametres = {"communes": insees, "distance_km": 10}
        communes = {}
        for commune in Commune.objects.filter(valide_au__isnull=True, insee__in=parametres["communes"]).order_by("nom"):
            communes.setdefault(commune.insee, commune)
        generateur = Generateur(maintenant, communes)
        enregistrements, postes, nb_republications = generateur.france_travail(options.offres, options.republications)
        lignes = generateur.partenaire(postes, options.partenaires, options.doublons)
        source_ft = Source.objects.create(
            nom=SOURCE_FT, libelle="Bench France Travail", type=TypeSource.FRANCE_TRAVAIL, parametres=parametres
        )
        source_partenaire = Source.objects.create(
            nom=SOURCE_PARTENAIRE, libelle="Bench classeur partenaire", type=TypeSource.CLASSEUR_PARTENAIRE
        )
        generation = time.perf_counter() - t0
        deja = Offre.objects.count()

        with serveur_a_part(enregistrements, options.plafond) as (reglages, stats):
            for nom, valeur in reglages.items():
                setattr(settings, nom, valeur)
            settings.FRANCE_TRAVAIL_PLAFOND_RESULTATS = options.plafond
            comptages = [comptes()]
            premiere = passe_france_travail(source_ft, maintenant, stats)
            comptages.append(comptes())
            partenaire = passe_partenaire(source_partenaire, lignes, maintenant + timedelta(minutes=1))
            comptages.append(comptes())
            seconde = passe_france_travail(source_ft, maintenant + timedelta(minutes=2), stats)
            comptages.append(comptes())

        print(
            f"Base : {connection.vendor} · {len(enregistrements)} offres France Travail sur {len(communes)} communes "
            f"et {len({p['code'] for p in postes})} codes ROME ({len(postes)} postes + {nb_republications} "
            f"republications), plafond {options.plafond} · classeur partenaire de {len(lignes)} offres "
            f"({options.doublons} postes France Travail réécrits, {len(lignes) - options.doublons} nouveaux) · "
            f"données générées en {generation:.1f} s · {deja} offre(s) déjà en base"
        )
        passes = [
            ("1re passe France Tr.", premiere),
            ("classeur partenaire", partenaire),
            ("2e passe France Tr.", seconde),
        ]
        print(f"Offres / liens sources en base avant la 1re passe : {comptages[0][0]} / {comptages[0][1]}.")
        imprimer(passes, comptages)

        e1, ep, e2 = premiere["execution"], partenaire["execution"], seconde["execution"]
        print(
            f"1re passe : {e1.nouvelles} nouvelles (attendu {len(postes)}), {e1.doublons_fusionnes} republications "
            f"fusionnées (attendu {nb_republications})."
        )
        print(
            f"Classeur partenaire : {ep.doublons_fusionnes} doublons inter-sources fusionnés sur {options.doublons} "
            f"réécrits, {ep.nouvelles} nouvelles offres (dont {len(lignes) - options.doublons} vraiment nouvelles)."
        )
        manques, a_tort = bilan_partenaire(source_ft, source_partenaire, lignes, generateur.origines)
        print(f"  doublons réécrits non reconnus : {len(manques)}" + (" ; par exemple :" if manques else "."))
        for exemple in manques[:5]:
            print(f"    {exemple}")
        print(f"  nouvelles offres fusionnées à tort : {len(a_tort)}" + (" ; par exemple :" if a_tort else "."))
        for exemple in a_tort[:5]:
            print(f"    {exemple}")
        ajout_offres = comptages[3][0] - comptages[2][0]
        ajout_liens = comptages[3][1] - comptages[2][1]
        print(
            f"2e passe identique : {e2.nouvelles} nouvelle(s) offre(s), {ajout_offres} offre(s) et {ajout_liens} "
            f"lien(s) source ajoutés, {e2.mises_a_jour} mise(s) à jour."
        )
        temps = premiere["duree"] - premiere["serveur"]
        echecs = []
        if temps > options.cible:
            echecs.append(f"1re passe en {temps:.1f} s hors faux serveur, au-delà de la cible de {options.cible:.0f} s")
        if e1.statut != StatutExecution.REUSSIE or e2.statut != StatutExecution.REUSSIE:
            echecs.append(f"passe France Travail non réussie : {e1.detail_erreurs[:3] or e2.detail_erreurs[:3]}")
        if ep.statut == StatutExecution.ECHOUEE:
            echecs.append(f"classeur partenaire en échec : {ep.detail_erreurs[:3]}")
        if e2.nouvelles or e2.doublons_fusionnes or ajout_offres or ajout_liens:
            echecs.append(
                f"la 2e passe a ajouté quelque chose ({e2.nouvelles} nouvelles, {e2.doublons_fusionnes} fusions, "
                f"{ajout_offres} offres, {ajout_liens} liens)"
            )
        print(f"RESULTAT ingestion_{options.offres}_s={temps:.1f} cible_s={options.cible:.0f}")
        for echec in echecs:
            print(f"ÉCHEC : {echec}.")
        return 1 if echecs else 0
    finally:
        nettoyer()


if __name__ == "__main__":
    sys.exit(main())
