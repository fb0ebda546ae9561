"""Realistic demo data for the PLIE of Dijon Métropole (``manage.py seed_demo``).

What is loaded at scale 1 (RULES §5 key figures): 18 staff accounts (14 référents, one chargé
de mission, one coordinatrice, one auditeur FSE, one administrateur), about 900 participants in
accompaniment on ``today``, 600 who exited during the last 365 days (so ~1 500 accompanied in the
year), 60 candidates awaiting the commission, older exits (pathways of 16 months on average),
300 companies and 400 offers published over the last 60 days. ``scale`` multiplies participants,
companies and offers; the staff stays the same.

Each participant also has a pathway, so that every role finds work on the first login:

- the référent over time (``HistoriqueReferent``: one open row while in accompaniment, closed at
  the exit; ~10 % of those in accompaniment changed référent once);
- the commission's entry decision, dated at the entry (~5 % are derogations: the eligibility facts
  are adjusted so that the others are eligible on the rules);
- roughly monthly entretiens by the référent, ~30 % of those in accompaniment having none in the
  current calendar month; 1–3 étapes each (~20 % with one ending in the next 14 days); an entry
  diagnostic (seven CléA domains) for ~70 % of those who entered, ~20 % of them oriented to CléA;
- situations (contracts, trainings, creations) that justify every positive exit motive under the
  rules of RULES §2, with the confirmed ``Sortie``; in accompaniment, ~8 % have reached a positive
  exit to confirm and ~15 % have a contract running that has not reached one yet. The detections
  are then refreshed with ``detections_rafraichir``.

The offers side lives too:

- those who entered have a professional project (1–3 ROME codes, mostly among the demo offers'
  codes, so that matching finds real matches), ~40 % the driving licence, ~30 % a vehicle, ~20 % a
  weekly limit of 20–26 hours, ~5 % not available for a job;
- reviewed offers carry the chargé de mission's checklist (the description says the same facts, so
  the suggestions agree), dates and author; diffused ones have a ``Diffusion`` for every référent
  (~20 % of those of the last 7 days not seen yet); every offer has a ``LienSource``: France Travail
  (~85 %), a partner's manual entry (~10 %) or both, merged (~5 %);
- ~150 positionnements by the référents on diffused offers over the last 60 days, with step
  histories that follow ``offres.rules.TRANSITIONS_POSITIONNEMENT``: ~25 % open with no step for
  more than 10 days (the follow-up lists), ~10 % retenus with their contract ``Situation``; an
  offer whose retenus fill its positions is closed as pourvue.

The company file, the events and the training side (``_Fichier``, its own generator too):

- 7 sector binômes pairing the 14 référents, covering the 14 business sectors between them;
- ~40 % of the companies followed: 1–2 contacts (about half consenting to be contacted) and 1–5
  exchanges by référents (mostly the binôme of the company's sector) over the last six months, some
  at a demo event, the last one often with a next step; the company's last contact and relation
  follow as ``entreprises.services.interaction_enregistrer`` sets them (then some partners, some
  dormant); ~15 hiring needs, ~70 % open;
- 8 employment events over two months either side of ``today``, with PLIE attendees and 2–4
  preparation tasks each;
- 6 collective actions (2 company visits, 2 workshops, 2 senior workshops), half past and recorded
  with their attendance, half planned; référents register their own caseload within the seats;
- 5 training bodies, 8 sessions (DAQ, POEC, AFPR, regional programme…) past, running and to come;
  training needs for ~25 % of those in accompaniment, and a few positionnements on the sessions
  whose need follows them. Entries (~1 % of those in accompaniment) are on non-qualifying sessions
  already started and open a « formation » ``Situation`` as ``formation.services`` does: they never
  count as positive exits.

How demo rows are recognised, so that reloading never touches real data:

- participants: ``identifiant`` starts with ``DEMO-``;
- companies: the SIRET starts with ``000`` (``PREFIXE_SIRET_DEMO``). No French company has a
  SIREN starting with 0, yet the numbers pass the Luhn checks, so they validate like real ones;
- offers: linked to a demo company.
- training bodies: the SIRET starts with ``000`` too; events and collective workshops: created by a
  demo account with a title of the demo catalogue (visits: at a demo company); binômes: of two demo
  référents. The demo binômes only take the sectors no other binôme covers.

Determinism and idempotence: the rows depend only on ``scale``, ``seed`` and ``today``. The loader
builds them in memory, compares a fingerprint of the stable fields (identity, names, dates) with
the demo rows in the database, and replaces the demo rows in one transaction only when they differ.
For the pathway and the offers side (projects, links, diffusions, positionnements and their steps),
the generated rows must all be found in the database (by their stable fields): rows added since are
kept. A second run with the same arguments therefore writes nothing but the
staff accounts' upsert (which changes nothing either), and keeps what people did with the demo
during the day (an offer qualified, a participant's référent changed, an entretien recorded).

The FSE side (weekly agendas of the FSE-funded posts, participants' FSE data) is in ``demo_fse``.
"""

import math
import random
import time
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

import factory.random
from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from entreprises.factories import ACTIVITES, ContactFactory, EntrepriseFactory, siret_valide
from entreprises.models import (
    ActionCollective,
    BesoinRecrutement,
    Binome,
    Contact,
    Creneau,
    Entreprise,
    Evenement,
    Inscription,
    Interaction,
    Presence,
    SecteurActivite,
    StatutAction,
    StatutRelation,
    TacheEvenement,
    TypeAction,
    TypeEvenement,
    TypeInteraction,
)
from entreprises.models import StatutBesoin as StatutBesoinRecrutement
from entreprises.rules import presences_attendues
from formation.models import (
    BesoinFormation,
    Dispositif,
    DomaineFormation,
    EtapePositionnementFormation,
    OrganismeFormation,
    PositionnementFormation,
    SessionFormation,
    StatutPositionnementFormation,
    StatutSession,
    TypeBesoin,
    Urgence,
)
from formation.models import StatutBesoin as StatutBesoinFormation
from formation.rules import besoin_apres_positionnement, domaine_pour_metier, est_senior
from offres.enums import MotifCloture, MotifEcart, OriginePartenaire, StatutOffre, StatutPositionnement
from offres.factories import OffreFactory, intitule_pour
from offres.models import (
    Diffusion,
    EtapePositionnement,
    LienSource,
    Offre,
    Positionnement,
    Source,
    renseigner_sources_origine,
)
from participants import rules, selectors
from participants.enums import (
    DOMAINES_CLEA,
    DecisionCommissionType,
    MinimaSociaux,
    MotifSortie,
    NiveauCompetence,
    ResultatEtape,
    Sexe,
    StatutDetection,
    StatutParticipant,
    TypeEntretien,
    TypeEtape,
)
from participants.factories import ParticipantFactory
from participants.models import (
    DecisionCommission,
    DetectionSortie,
    DiagnosticEntree,
    Entretien,
    Etape,
    HistoriqueReferent,
    Participant,
    Situation,
    Sortie,
)
from participants.services import detections_rafraichir

from . import demo_fse
from .factories import DEMO_MOT_DE_PASSE
from .models import (
    CategorieContrat,
    Commune,
    MetierRome,
    NiveauFormation,
    QuartierPrioritaire,
    TypeContrat,
    User,
)
from .roles import Role

ProjetParticipant = Participant.metiers_vises.through
EvenementParticipant = Evenement.participants_plie.through
OrganismeDomaine = OrganismeFormation.domaines.through

PREFIXE_IDENTIFIANT_DEMO = "DEMO-"
PREFIXE_SIRET_DEMO = "000"
# A fixed salt gives the same hash at every run: the upsert can tell that nothing changed
# without hashing once per account. These passwords are public by design.
_SEL_DEMO = "plieDemoSel2026"

# Volumes at scale 1.
EN_ACCOMPAGNEMENT = 900
SORTIS_DANS_L_ANNEE = 600
CANDIDATS = 60
SORTIS_AVANT = 700
ENTREPRISES = 300
OFFRES = 400
OFFRES_A_QUALIFIER = 30  # collected in the last 3 days: the chargé de mission's queue

REFERENTS = [
    ("Nadia", "Benali", "Mission locale de Dijon"),
    ("Julien", "Moreau", "Mission locale de Dijon"),
    ("Sophie", "Girard", "Maison de l'emploi et de la formation du bassin dijonnais"),
    ("Karim", "Haddad", "Maison de l'emploi et de la formation du bassin dijonnais"),
    ("Claire", "Lambert", "CCAS de Dijon"),
    ("Thomas", "Roux", "CCAS de Dijon"),
    ("Élodie", "Fontaine", "CCAS de Chenôve"),
    ("Mehdi", "Bouzid", "CCAS de Chenôve"),
    ("Isabelle", "Perrin", "CCAS de Talant"),
    ("Laurent", "Gauthier", "CCAS de Longvic"),
    ("Aurélie", "Chevalier", "CCAS de Quetigny"),
    ("Samir", "Khelifi", "Association Tremplin Emploi"),
    ("Marion", "Dubois", "Association Itinéraires Insertion Bourgogne"),
    ("François", "Mercier", "Association Le Pont Solidaire"),
]
_AUTRES_COMPTES = [
    (Role.CHARGE_MISSION, "charge.mission@demo.plie.fr", "Antoine", "Lefèvre", "PLIE de Dijon Métropole"),
    (Role.COORDINATRICE, "coordinatrice@demo.plie.fr", "Catherine", "Bernard", "PLIE de Dijon Métropole"),
    (Role.AUDITEUR_FSE, "auditeur@demo.plie.fr", "Philippe", "Renaud", "Organisme intermédiaire FSE"),
    (Role.ADMINISTRATEUR, "admin@demo.plie.fr", "Hélène", "Marchand", "PLIE de Dijon Métropole"),
]
_COMPTES = [
    (Role.REFERENT, f"referent{numero:02d}@demo.plie.fr", prenom, nom, structure)
    for numero, (prenom, nom, structure) in enumerate(REFERENTS, start=1)
] + _AUTRES_COMPTES

DEMO_COMPTES = [(role, email) for role, email, *_ in _COMPTES]

# Distributions (RULES §5: 49 % women, 75 % level ≤ V, 35 % QPV, 57 % RSA, 49 % positive exits).
PART_FEMMES = 0.49
NIVEAUX = {"infra3": 0.40, "3": 0.35, "4": 0.16, "5": 0.06, "6": 0.03}
PART_QPV = 0.35
MINIMA = {MinimaSociaux.RSA: 0.57, MinimaSociaux.ASS: 0.07, MinimaSociaux.AAH: 0.05, MinimaSociaux.AUCUN: 0.31}
MOTIFS = {
    MotifSortie.CDI: 0.11,
    MotifSortie.CDD: 0.14,
    MotifSortie.INTERIM: 0.08,
    MotifSortie.FORMATION_QUALIFIANTE: 0.09,
    MotifSortie.CREATION: 0.02,
    MotifSortie.CONTRAT_AIDE: 0.04,
    MotifSortie.SENIOR_ACI: 0.01,
    MotifSortie.ABANDON: 0.15,
    MotifSortie.DEMENAGEMENT: 0.07,
    MotifSortie.SANTE: 0.08,
    MotifSortie.FIN_SANS_SOLUTION: 0.15,
    MotifSortie.AUTRE: 0.06,
}
# Where people live outside the QPV (INSEE code: weight); Dijon has most participants.
COMMUNES_HORS_QPV = {
    "21231": 0.48,
    "21166": 0.08,
    "21617": 0.06,
    "21355": 0.06,
    "21515": 0.05,
    "21540": 0.05,
    "21171": 0.04,
    "21278": 0.04,
    "21390": 0.04,
    "21605": 0.03,
    "21452": 0.02,
    "21473": 0.02,
    "21003": 0.01,
    "21223": 0.01,
    "21315": 0.01,
    "21481": 0.01,
    "21485": 0.01,
}
QPV_POIDS = {"Fontaine d'Ouche": 0.30, "Grésilles": 0.26, "Le Mail": 0.18, "Le Belvédère": 0.10}  # others: 0.08
COMMUNES_ENTREPRISES = {"21231": 0.40, "21355": 0.14, "21166": 0.10, "21515": 0.08, "21540": 0.08, "21171": 0.06}
# Offer statuses by age (collected offers older than 3 days are the stragglers of the queue).
STATUTS_OFFRE = {
    StatutOffre.COLLECTEE: 0.04,
    StatutOffre.QUALIFIEE: 0.18,
    StatutOffre.ECARTEE: 0.15,
    StatutOffre.DIFFUSEE: 0.38,
    StatutOffre.CLOTUREE: 0.25,
}
CONTRATS_OFFRE = {"CDI": 0.30, "CDD": 0.34, "INTERIM": 0.14, "PEC_CUI_CAE": 0.06, "CDDI_EI": 0.06, "SAISONNIER": 0.05}
MOTIFS_ECART = [
    MotifEcart.DIPLOME_EXIGE,
    MotifEcart.EXPERIENCE_LONGUE,
    MotifEcart.CONDITIONS,
    MotifEcart.HORS_TERRITOIRE,
]
MOTIFS_CLOTURE = [MotifCloture.POURVUE, MotifCloture.EXPIREE, MotifCloture.POURVUE, MotifCloture.RETIREE]
SALAIRES = [
    "SMIC horaire",
    "SMIC + primes",
    "11,88 € à 12,50 € brut de l'heure",
    "1 850 € brut mensuel",
    "Selon profil",
]


class DemoInvalide(ValueError):
    pass


def _stratifie(rng, n, poids):
    """``n`` values in the exact proportions of ``poids`` (largest remainders), shuffled."""
    total = sum(poids.values())
    quotas = {k: n * w / total for k, w in poids.items()}
    counts = {k: math.floor(q) for k, q in quotas.items()}
    reste = n - sum(counts.values())
    for k in sorted(quotas, key=lambda k: quotas[k] - counts[k], reverse=True)[:reste]:
        counts[k] += 1
    values = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(values)
    return values


def _tirage(rng, poids):
    return rng.choices(list(poids), weights=list(poids.values()))[0]


def _mois(n):
    return timedelta(days=round(n * 30.44))


class _Referentiels:
    """The reference rows the generator reads, loaded once."""

    def __init__(self, today):
        self.communes = {c.insee: c for c in Commune.objects.valides_le(today).order_by("insee")}
        if "21231" not in self.communes:
            raise DemoInvalide("Les référentiels ne sont pas chargés (commune de Dijon absente) : lancez migrate.")
        self.niveaux = {n.code: n for n in NiveauFormation.objects.all()}
        self.types_contrat = {t.code: t for t in TypeContrat.objects.all()}
        self.metiers = {m.code: m for m in MetierRome.objects.all()}
        self.qpv = list(QuartierPrioritaire.objects.prefetch_related("communes").order_by("nom", "valide_du", "id"))
        self._qpv_communes = {q.pk: [c.insee for c in q.communes.all()] for q in self.qpv}
        self.sources = {s.nom: s for s in Source.objects.filter(nom__in=["france-travail", "saisie"])}
        if len(self.sources) != 2:
            raise DemoInvalide("Les sources d'offres « france-travail » et « saisie » sont absentes : lancez migrate.")

    def qpv_valides(self, day):
        return [
            q for q in self.qpv if q.est_valide_le(day) and any(i in self.communes for i in self._qpv_communes[q.pk])
        ]

    def commune_du_qpv(self, qpv, rng):
        return self.communes[rng.choice([i for i in self._qpv_communes[qpv.pk] if i in self.communes])]


def _upsert_staff():
    """Create or update the 18 demo accounts; returns how many were written."""
    hash_demo = make_password(DEMO_MOT_DE_PASSE, salt=_SEL_DEMO)
    groupes = {g.name: g for g in Group.objects.filter(name__in=[r.group_name for r in Role])}
    ecrits = 0
    for role, email, prenom, nom, structure in _COMPTES:
        attendu = {
            "first_name": prenom,
            "last_name": nom,
            "structure": structure,
            "is_active": True,
            "is_staff": role == Role.ADMINISTRATEUR,
            "password": hash_demo,
        }
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, **attendu)
            user.save()
            ecrits += 1
        elif any(getattr(user, k) != v for k, v in attendu.items()):
            for k, v in attendu.items():
                setattr(user, k, v)
            user.save()
            ecrits += 1
        groupe = groupes[role.group_name]
        if list(user.groups.values_list("pk", flat=True)) != [groupe.pk]:
            user.groups.set([groupe])
    return ecrits


def _email_du_role(role):
    return next(email for r, email in DEMO_COMPTES if r == role)


def _volumes(scale):
    return {
        "en_accompagnement": round(EN_ACCOMPAGNEMENT * scale),
        "sortis_annee": round(SORTIS_DANS_L_ANNEE * scale),
        "candidats": round(CANDIDATS * scale),
        "sortis_avant": round(SORTIS_AVANT * scale),
        "entreprises": max(1, round(ENTREPRISES * scale)),
        "offres": round(OFFRES * scale),
        "offres_a_qualifier": min(round(OFFRES_A_QUALIFIER * scale), round(OFFRES * scale)),
    }


def _generer_participants(rng, refs, referents, volumes, today):
    """Participants of the four groups, as unsaved instances sorted and numbered by candidacy."""
    groupes = [
        (StatutParticipant.ENTRE, volumes["en_accompagnement"], None),
        (StatutParticipant.SORTI, volumes["sortis_annee"], (0, 364)),
        (StatutParticipant.SORTI, volumes["sortis_avant"], (365, 3 * 365)),
        (StatutParticipant.CANDIDAT, volumes["candidats"], None),
    ]
    lignes = []
    for statut, n, fenetre_sortie in groupes:
        if n == 0:
            continue
        sexes = _stratifie(rng, n, {Sexe.FEMME: PART_FEMMES, Sexe.HOMME: 1 - PART_FEMMES})
        niveaux = _stratifie(rng, n, NIVEAUX)
        qpv = _stratifie(rng, n, {True: PART_QPV, False: 1 - PART_QPV})
        minima = _stratifie(rng, n, MINIMA)
        motifs = _stratifie(rng, n, MOTIFS) if statut == StatutParticipant.SORTI else [""] * n
        # Ages at entry: triangular law on 18–62, mean 39.3 (about 40 on the day of the figures).
        ages = [rng.triangular(18, 62, 38) for _ in range(n)]
        suivis = list(referents)
        rng.shuffle(suivis)
        for i in range(n):
            ligne = {"statut": statut, "sexe": sexes[i], "motif_sortie": motifs[i], "minima_sociaux": minima[i]}
            if statut == StatutParticipant.ENTRE:
                # Time already spent in the pathway: decreasing triangular law on 0–30 months.
                entree = today - _mois(30 * (1 - math.sqrt(1 - rng.random())))
                ligne.update(date_entree=entree, referent=suivis[i % len(suivis)])
                jour_reference = today
            elif statut == StatutParticipant.SORTI:
                sortie = today - timedelta(days=rng.randint(*fenetre_sortie))
                duree = rng.triangular(3, 36, 9)  # mean 16 months
                if motifs[i] in MOTIFS_LONGS and duree < 8:
                    duree += 5  # room for the six months (or 182 days) of situation behind the motive
                entree = sortie - _mois(duree)
                ligne.update(date_entree=entree, date_sortie=sortie, referent=rng.choice(referents))
                jour_reference = sortie
            else:
                entree = None
                ligne["referent"] = rng.choice(referents)
                jour_reference = today
            if entree is not None:
                candidature = entree - timedelta(days=rng.randint(14, 75))
            else:
                candidature = today - timedelta(days=rng.randint(1, 45))
            ligne["date_candidature"] = candidature
            age = ages[i]
            if ligne["motif_sortie"] == MotifSortie.SENIOR_ACI and age < 55:
                age = 55 + rng.random() * 7
            naissance_ref = entree or candidature
            ligne["date_naissance"] = naissance_ref - timedelta(days=round(age * 365.25))

            # Where they live: a QPV valid while they were in the pathway, or elsewhere.
            quartiers = refs.qpv_valides(jour_reference) if qpv[i] else []
            if quartiers:
                poids = {q: QPV_POIDS.get(q.nom, 0.08) for q in quartiers}
                quartier = _tirage(rng, poids)
                ligne.update(quartier_prioritaire=quartier, commune=refs.commune_du_qpv(quartier, rng))
            else:
                insee = _tirage(rng, {k: w for k, w in COMMUNES_HORS_QPV.items() if k in refs.communes})
                ligne.update(quartier_prioritaire=None, commune=refs.communes[insee])

            niveau = refs.niveaux[niveaux[i]]
            ligne["niveau_formation"] = niveau
            ligne["qualification_insuffisante"] = niveau.niveau_v_ou_infra or rng.random() < 0.7

            # Eligibility facts (RULES §1), as checked at candidacy.
            date_ref = entree or candidature
            if minima[i] != MinimaSociaux.AUCUN and rng.random() < 0.2:
                sans_activite = None if rng.random() < 0.25 else date_ref - _mois(rng.uniform(2, 11))
            else:
                sans_activite = date_ref - _mois(rng.uniform(13, 72))
            ligne["sans_activite_depuis"] = sans_activite
            candidat = statut == StatutParticipant.CANDIDAT
            ligne["autorisation_travail"] = not (candidat and rng.random() < 0.05)
            ligne["consentement"] = not (candidat and rng.random() < 0.05)
            ligne["consentement_date"] = candidature if ligne["consentement"] else None
            femme = sexes[i] == Sexe.FEMME
            famille = rng.random() < (0.5 if femme else 0.3)
            mobilite = rng.random() < 0.55
            sante = rng.random() < 0.22
            cap_emploi = sante and rng.random() < 0.3
            justice = rng.random() < (0.02 if femme else 0.08)
            if not (famille or mobilite or (sante and not cap_emploi) or justice) and rng.random() < 0.9:
                mobilite = True
            ligne.update(
                situation_familiale_complexe=famille,
                mobilite_logement=mobilite,
                sante_handicap=sante,
                suivi_cap_emploi=cap_emploi,
                sous_main_justice=justice,
                avec_email=rng.random() < 0.7,
                avec_telephone=rng.random() < 0.95,
            )
            lignes.append(ligne)

    lignes.sort(key=lambda ligne: (ligne["date_candidature"], ligne["date_naissance"]))
    participants = []
    for numero, ligne in enumerate(lignes, start=1):
        avec_email = ligne.pop("avec_email")
        avec_telephone = ligne.pop("avec_telephone")
        participant = ParticipantFactory.build(
            identifiant=f"{PREFIXE_IDENTIFIANT_DEMO}{numero:06d}", today=today, age=40, **ligne
        )
        if not avec_email:
            participant.email = ""
        if not avec_telephone:
            participant.telephone = ""
        participants.append(participant)
    return participants


def _generer_entreprises(rng, refs, volumes):
    activites = [a for a in ACTIVITES if any(code in refs.metiers for code in a.romes)]
    poids = {i: (3 if a.famille in ("btp", "logistique") else 2) for i, a in enumerate(activites)}
    communes = {k: w for k, w in COMMUNES_ENTREPRISES.items() if k in refs.communes}
    autres = [k for k in refs.communes if k not in communes]
    sirens = set()
    entreprises = []
    for _ in range(volumes["entreprises"]):
        activite = activites[_tirage(rng, poids)]
        while True:
            siren = PREFIXE_SIRET_DEMO + f"{rng.randrange(10**5):05d}"
            if siren not in sirens:
                break
        sirens.add(siren)
        nic = f"{rng.randint(1, 4):04d}"
        insee = _tirage(rng, communes) if rng.random() < 0.8 or not autres else rng.choice(autres)
        entreprise = EntrepriseFactory.build(
            activite=activite, siret=siret_valide(siren, nic), commune=refs.communes[insee]
        )
        entreprise.activite = activite
        entreprises.append(entreprise)
    return entreprises


def _generer_offres(rng, refs, entreprises, volumes, today):
    n = volumes["offres"]
    recentes = volumes["offres_a_qualifier"]
    statuts = [StatutOffre.COLLECTEE] * recentes + _stratifie(rng, n - recentes, STATUTS_OFFRE)
    offres = []
    for i, statut in enumerate(statuts):
        entreprise = rng.choice(entreprises)
        codes = [c for c in entreprise.activite.romes if c in refs.metiers]
        metier = refs.metiers[rng.choice(codes)]
        age = rng.randint(0, 2) if i < recentes else rng.randint(3, 60)
        if statut == StatutOffre.CLOTUREE:
            age = max(age, rng.randint(15, 60))
        publication = today - timedelta(days=age)
        code_contrat = "INTERIM" if entreprise.activite.famille == "interim" else _tirage(rng, CONTRATS_OFFRE)
        if entreprise.activite.famille == "insertion":
            code_contrat = "ACI" if "ACI" in refs.types_contrat else code_contrat
        type_contrat = refs.types_contrat[code_contrat]
        intitule = intitule_pour(metier, rng)
        duree = None if type_contrat.categorie == "CDI" else rng.choice([1, 2, 3, 4, 6, 6, 9, 12])
        heures = Decimal(rng.choice(["35.0", "35.0", "35.0", "30.0", "24.0", "20.0"]))
        nb_postes = rng.choice([1, 1, 1, 1, 2, 2, 3, 5])
        description = (
            f"{entreprise.nom} recrute {nb_postes} {intitule} pour son site de {entreprise.commune.nom}. "
            "Débutant accepté, formation au poste assurée. Horaires communiqués à l'entretien."
        )
        offre = OffreFactory.build(
            today=today,
            intitule=intitule,
            description=description,
            entreprise=entreprise,
            employeur=entreprise.nom,
            commune=entreprise.commune,
            type_contrat=type_contrat,
            duree_mois=duree,
            heures_hebdo=heures,
            salaire=rng.choice(SALAIRES),
            metier_rome=metier,
            nb_postes=nb_postes,
            date_publication=publication,
            date_expiration=publication + timedelta(days=rng.choice([30, 45, 60, 90])),
            statut=statut,
        )
        # Discarded and closed offers carry their motive (deterministic, no draw).
        if statut == StatutOffre.ECARTEE and not offre.motif_ecart:
            offre.motif_ecart = MOTIFS_ECART[i % len(MOTIFS_ECART)]
        if statut == StatutOffre.CLOTUREE and not offre.motif_cloture:
            offre.motif_cloture = MOTIFS_CLOTURE[i % len(MOTIFS_CLOTURE)]
        offres.append(offre)
    return offres


# --- The pathway: référents over time, commission, entretiens, étapes, diagnostics, situations ----

PART_CHANGEMENT_REFERENT = 0.10  # of those in accompaniment
PART_DEROGATIONS = 0.05  # of those who entered
PART_SANS_ENTRETIEN_DU_MOIS = 0.30  # of those in accompaniment
PART_DIAGNOSTICS = 0.70  # of those who entered
PART_ORIENTATION_CLEA = 0.20  # of the diagnostics
PART_ETAPE_FINIT_BIENTOT = 0.20  # of those in accompaniment
PART_SORTIE_DETECTEE = 0.08  # of those in accompaniment
PART_CONTRAT_EN_COURS = 0.15  # of those in accompaniment
# Motives whose rule needs six months (or 182 days) of situation inside the pathway.
MOTIFS_LONGS = {
    MotifSortie.CDI,
    MotifSortie.CDD,
    MotifSortie.INTERIM,
    MotifSortie.CREATION,
    MotifSortie.CONTRAT_AIDE,
    MotifSortie.SENIOR_ACI,
}

MOTIFS_CHANGEMENT_REFERENT = [
    "Rééquilibrage des portefeuilles entre référents.",
    "Départ en congé de la référente précédente.",
    "Demande du participant.",
    "Changement de secteur géographique après un déménagement dans la métropole.",
]
MOTIFS_ADMISSION = [
    "Critères d'éligibilité remplis ; projet professionnel à construire dans le cadre du parcours.",
    "Éligible : sans activité depuis plus d'un an et freins de mobilité ; admission validée.",
    "Éligible ; orientation par le CCAS, motivation confirmée lors de l'entretien de candidature.",
    "Critères remplis ; besoin d'un accompagnement renforcé vers l'emploi durable.",
    "Admission validée : bénéficiaire d'un minimum social, qualification insuffisante, projet dans les services.",
    "Éligible ; prescription de France Travail, parcours intégré souhaité par la personne.",
]
MOTIFS_DEROGATION = {
    "critere_personnel": (
        "Aucune difficulté personnelle retenue au sens du protocole, mais isolement social important "
        "signalé par le prescripteur : la commission admet par dérogation."
    ),
    "critere_marche_travail": (
        "Sans activité depuis moins de douze mois et sans minimum social, mais succession de contrats "
        "très courts depuis plusieurs années : admission par dérogation."
    ),
}
MOTIF_VALIDATION_SENIOR = (
    "Six mois accomplis en atelier et chantier d'insertion ; fin de carrière stabilisée dans l'emploi "
    "d'insertion : la commission valide la sortie positive senior."
)
TYPES_ENTRETIEN = {
    TypeEntretien.INDIVIDUEL: 0.72,
    TypeEntretien.TELEPHONIQUE: 0.15,
    TypeEntretien.VISIO: 0.05,
    TypeEntretien.TRIPARTITE: 0.08,
}
NOTES_ENTRETIEN = [
    "Point sur les candidatures envoyées ce mois-ci ; deux relances à faire.",
    "CV mis à jour ensemble, lettre de motivation à reprendre.",
    "Démarches de garde d'enfant en cours, disponibilité à partir du mois prochain.",
    "Retour positif de la structure d'accueil, motivation en hausse.",
    "Difficultés de transport : étude d'une aide au permis.",
    "Préparation d'un entretien d'embauche (simulation).",
    "Point sur l'étape en cours : assiduité correcte.",
    "Situation administrative régularisée (CAF, sécurité sociale).",
    "Projet professionnel précisé : logistique ou propreté.",
    "Inscription à une information collective sur les métiers du BTP.",
    "Rendez-vous décalé à la demande du participant, fait par téléphone.",
    "Bilan du mois : recherches actives, pas encore de proposition.",
]
PROCHAINES_ETAPES = [
    "Envoyer trois candidatures d'ici le prochain rendez-vous.",
    "Contacter l'auto-école solidaire.",
    "Préparer la PMSMP (convention à signer).",
    "Rendez-vous avec la conseillère France Travail.",
    "Participer à l'atelier CV de la Maison de l'emploi.",
    "Rapporter les justificatifs pour le dossier de formation.",
    "",
]
NOTES_DIAGNOSTIC = "Diagnostic d'entrée : parcours, freins périphériques et compétences de base passés en revue."
COMMENTAIRES_DIAGNOSTIC = [
    "Bonne expression orale, écrit à consolider.",
    "À l'aise avec le calcul, peu d'usage du numérique.",
    "Autonome, a besoin d'un cadre collectif pour reprendre un rythme.",
    "Freins de mobilité importants ; compétences de base globalement acquises.",
    "Savoirs de base fragiles : une évaluation CléA est proposée.",
    "",
]
# Level of each CléA domain by level of education: (acquis, à consolider, non acquis, non évalué).
NIVEAUX_CLEA = {
    "infra3": (0.35, 0.35, 0.20, 0.10),
    "3": (0.50, 0.30, 0.12, 0.08),
    "autre": (0.72, 0.18, 0.04, 0.06),
}
# Étapes: type, intitulé (``{entreprise}``: a demo company), partner, duration range in days.
CATALOGUE_ETAPES = [
    (
        TypeEtape.REMOBILISATION,
        "Remobilisation — atelier CV",
        "Maison de l'emploi et de la formation du bassin dijonnais",
        (20, 45),
    ),
    (
        TypeEtape.REMOBILISATION,
        "Remobilisation — confiance en soi et communication",
        "Association Tremplin Emploi",
        (30, 60),
    ),
    (TypeEtape.IAE, "Chantier d'insertion Jardins de Cocagne", "Jardins de Cocagne", (120, 300)),
    (
        TypeEtape.IAE,
        "Chantier d'insertion — entretien des espaces verts",
        "Atelier chantier d'insertion de Chenôve",
        (120, 300),
    ),
    (TypeEtape.PMSMP, "PMSMP chez {entreprise}", "{entreprise}", (5, 15)),
    (TypeEtape.PMSMP, "PMSMP chez {entreprise}", "{entreprise}", (5, 15)),
    (TypeEtape.FORMATION, "Remise à niveau en français et calcul", "GRETA 21", (60, 120)),
    (TypeEtape.FORMATION, "Formation CACES R489 (chariots élévateurs)", "AFPA Dijon", (10, 20)),
    (
        TypeEtape.FORMATION,
        "Atelier numérique — démarches en ligne",
        "Maison de l'emploi et de la formation du bassin dijonnais",
        (20, 40),
    ),
    (TypeEtape.SANTE, "Bilan de santé", "Centre d'examens de santé de la CPAM de la Côte-d'Or", (15, 45)),
    (TypeEtape.LOGEMENT, "Accompagnement à la demande de logement social", "CCAS de Dijon", (30, 120)),
    (TypeEtape.MOBILITE, "Permis B — auto-école solidaire", "Plateforme mobilité de Dijon Métropole", (60, 180)),
    (TypeEtape.MOBILITE, "Location d'un scooter solidaire", "Plateforme mobilité de Dijon Métropole", (30, 90)),
    (TypeEtape.EMPLOI, "Recherche d'emploi accompagnée — logistique et propreté", "", (30, 90)),
]
FORMATIONS_QUALIFIANTES = [
    ("Titre professionnel Agent de propreté et d'hygiène", "AFPA Dijon"),
    ("Titre professionnel Préparateur de commandes en entrepôt", "AFPA Dijon"),
    ("Titre professionnel Assistant de vie aux familles", "GRETA 21"),
    ("CAP Accompagnant éducatif petite enfance", "GRETA 21"),
    ("Titre professionnel Agent de restauration", "CFPPA de Quetigny-Plombières-lès-Dijon"),
    ("Titre professionnel Conducteur du transport routier de marchandises", "AFTRAL Dijon"),
]
CREATIONS = [
    "Micro-entreprise de services à la personne",
    "Micro-entreprise de nettoyage de locaux",
    "Vente sur les marchés de la métropole",
    "Micro-entreprise de petits travaux de bricolage",
]
EMPLOYEURS_CONTRAT_AIDE = [
    "Ville de Dijon",
    "Dijon Métropole",
    "CCAS de Chenôve",
    "Ville de Talant",
    "Association d'aide à domicile de la Côte-d'Or",
]
INTITULES_CONTRAT_AIDE = [
    "Agent d'entretien des espaces verts",
    "Agent d'accueil",
    "Agent polyvalent de restauration scolaire",
]
EMPLOYEURS_ACI = ["Jardins de Cocagne", "Atelier chantier d'insertion de Chenôve", "Recyclerie solidaire de Dijon"]
INTITULES_ACI = ["Ouvrier maraîcher", "Agent d'entretien des espaces verts", "Valoriste en recyclerie"]
COMMENTAIRES_SORTIE = {
    MotifSortie.ABANDON: "Ne se présente plus aux rendez-vous depuis deux mois malgré les relances.",
    MotifSortie.DEMENAGEMENT: "Déménagement hors de la métropole pour rejoindre sa famille.",
    MotifSortie.SANTE: "Arrêt du parcours pour raisons de santé ; orientation vers un accompagnement adapté.",
    MotifSortie.FIN_SANS_SOLUTION: "Fin de parcours sans solution d'emploi ou de formation ; relais France Travail.",
    MotifSortie.AUTRE: "Orientation vers un autre dispositif d'accompagnement.",
}
HEURES = ["35.0", "35.0", "35.0", "35.0", "28.0", "24.0", "20.0"]


def _echantillon(rng, elements, part):
    """``round(part * len)`` elements drawn without replacement, as a set of their positions."""
    return set(rng.sample(range(len(elements)), round(part * len(elements))))


def _jour_ouvre(jour, mini, maxi):
    """``jour`` moved off the week-end (to the Friday before, else the Monday after) within bounds."""
    if jour.weekday() < 5:
        return jour
    vendredi = jour - timedelta(days=jour.weekday() - 4)
    lundi = jour + timedelta(days=7 - jour.weekday())
    if vendredi >= mini:
        return vendredi
    return lundi if lundi <= maxi else jour


class _Suivi:
    """Unsaved rows of the pathway of every demo participant, built from one random generator."""

    def __init__(self, rng, refs, referents, coordinatrice, entreprises, today):
        self.rng = rng
        self.refs = refs
        self.referents = referents
        self.coordinatrice = coordinatrice
        self.entreprises = entreprises
        self.today = today
        self.territoire = selectors.Territoire()
        self.parametres = rules.Parametres.depuis_settings()
        self.lignes = {
            modele: []
            for modele in (
                HistoriqueReferent,
                DecisionCommission,
                Entretien,
                Etape,
                DiagnosticEntree,
                Situation,
                Sortie,
                DetectionSortie,
            )
        }

    def generer(self, participants):
        """The pathway rows of the participants, by model, in ``lignes`` (unsaved; may adjust
        eligibility facts)."""
        self.historique(participants)
        self.decisions(participants)
        self.entretiens_et_diagnostics(participants)
        self.etapes(participants)
        self.sorties(participants)
        self.situations_en_cours(participants)

    # Référents over time -------------------------------------------------------------------

    def historique(self, participants):
        rng = self.rng
        suivis = [p for p in participants if p.statut == StatutParticipant.ENTRE]
        changements = {id(suivis[i]) for i in _echantillon(rng, suivis, PART_CHANGEMENT_REFERENT)}
        # Those entered less than a month ago changed référent between candidacy and entry.
        self.changements = {}
        for p in participants:
            if p.referent is None:
                continue
            au = p.date_sortie if p.statut == StatutParticipant.SORTI else None
            changement = None
            if id(p) in changements:
                anciennete = (self.today - p.date_entree).days
                if anciennete >= 30:
                    changement = p.date_entree + timedelta(days=rng.randint(15, anciennete - 7))
                else:
                    changement = p.date_candidature + timedelta(
                        days=rng.randint(1, (p.date_entree - p.date_candidature).days)
                    )
            if changement is None:
                self._historique(p, p.referent, p.date_candidature, au, p.referent, "")
                continue
            precedent = rng.choice([r for r in self.referents if r.pk != p.referent.pk])
            self.changements[id(p)] = (changement, precedent)
            self._historique(p, precedent, p.date_candidature, changement, precedent, "")
            motif = rng.choice(MOTIFS_CHANGEMENT_REFERENT)
            self._historique(p, p.referent, changement, None, self.coordinatrice, motif)

    def _historique(self, p, referent, du, au, par, motif):
        self.lignes[HistoriqueReferent].append(
            HistoriqueReferent(participant=p, referent=referent, du=du, au=au, attribue_par=par, motif=motif)
        )

    def referent_le(self, p, jour):
        changement = self.changements.get(id(p))
        if changement and jour < changement[0]:
            return changement[1]
        return p.referent

    # Commission ------------------------------------------------------------------------------

    def decisions(self, participants):
        """One entry decision per entered participant; the facts are adjusted so that ~5 % are
        derogations (not eligible on the rules) and the others are eligible."""
        rng = self.rng
        entres = [p for p in participants if p.date_entree is not None]
        verdicts = [self._verdict(p) for p in entres]
        non_eligibles = [i for i, v in enumerate(verdicts) if not v.eligible]
        eligibles = [i for i, v in enumerate(verdicts) if v.eligible]
        n = round(PART_DEROGATIONS * len(entres))
        if len(non_eligibles) >= n:
            derogations = set(rng.sample(non_eligibles, n))
        else:
            derogations = set(non_eligibles) | set(rng.sample(eligibles, n - len(non_eligibles)))
        for i, p in enumerate(entres):
            if i in derogations and verdicts[i].eligible:
                p.situation_familiale_complexe = p.mobilite_logement = p.sous_main_justice = False
                p.sante_handicap = p.suivi_cap_emploi = False
            elif i not in derogations and not verdicts[i].eligible:
                p.qualification_insuffisante = True
                long = p.sans_activite_depuis is not None and p.sans_activite_depuis < p.date_entree - _mois(13)
                if not (long or p.minima_sociaux):
                    p.sans_activite_depuis = p.date_entree - _mois(rng.uniform(13, 40))
                p.mobilite_logement = p.mobilite_logement or not (
                    p.situation_familiale_complexe
                    or (p.sante_handicap and not p.suivi_cap_emploi)
                    or p.sous_main_justice
                )
            verdict = self._verdict(p)
            if verdict.eligible == (i in derogations):
                raise RuntimeError(f"Éligibilité incohérente pour {p.identifiant}.")
            if verdict.eligible:
                decision, motif = DecisionCommissionType.ADMISSION, rng.choice(MOTIFS_ADMISSION)
            else:
                decision = DecisionCommissionType.DEROGATION
                motif = MOTIFS_DEROGATION.get(
                    verdict.criteres_manquants[0],
                    "La commission admet par dérogation au vu de la situation globale de la personne.",
                )
            self._decision(p, decision, p.date_entree, motif, verdict)
            p._verdict_demo = verdict

    def _verdict(self, p):
        return selectors.verdict_eligibilite(p, p.date_entree, self.territoire)

    def _decision(self, p, decision, jour, motif, verdict):
        self.lignes[DecisionCommission].append(
            DecisionCommission(
                participant=p,
                decision=decision,
                date_decision=jour,
                motif=motif,
                eligible_au_calcul=verdict.eligible,
                criteres_manquants="|".join(verdict.criteres_manquants),
                decide_par=self.coordinatrice,
            )
        )

    # Entretiens and entry diagnostics -----------------------------------------------------

    def entretiens_et_diagnostics(self, participants):
        rng = self.rng
        entres = [p for p in participants if p.date_entree is not None]
        avec_diagnostic = {id(entres[i]) for i in _echantillon(rng, entres, PART_DIAGNOSTICS)}
        suivis = [p for p in entres if p.statut == StatutParticipant.ENTRE]
        sans_entretien = {id(suivis[i]) for i in _echantillon(rng, suivis, PART_SANS_ENTRETIEN_DU_MOIS)}
        debut_mois = self.today.replace(day=1)
        diagnostics = []
        for p in entres:
            fin = p.date_sortie or self.today
            premier = _jour_ouvre(min(p.date_entree + timedelta(days=rng.randint(0, 10)), fin), p.date_entree, fin)
            dates = [premier]
            jour = premier + timedelta(days=rng.randint(20, 40))
            while jour <= fin:
                dates.append(_jour_ouvre(jour, p.date_entree, fin))
                jour += timedelta(days=rng.randint(20, 40))
            if p.statut == StatutParticipant.ENTRE:
                dates = [d for d in dates if d < debut_mois]
                if id(p) not in sans_entretien:
                    debut = max(debut_mois, p.date_entree)
                    jour = debut + timedelta(days=rng.randint(0, (self.today - debut).days))
                    dates.append(_jour_ouvre(jour, debut, self.today))
            diagnostic = id(p) in avec_diagnostic
            for jour in dates:
                if diagnostic and jour == premier:
                    type_, notes, suite = TypeEntretien.DIAGNOSTIC, NOTES_DIAGNOSTIC, rng.choice(PROCHAINES_ETAPES)
                else:
                    type_ = _tirage(rng, TYPES_ENTRETIEN)
                    notes, suite = rng.choice(NOTES_ENTRETIEN), rng.choice(PROCHAINES_ETAPES)
                self.lignes[Entretien].append(
                    Entretien(
                        participant=p,
                        date=jour,
                        type=type_,
                        notes=notes,
                        prochaines_etapes=suite,
                        realise_par=self.referent_le(p, jour),
                    )
                )
            if diagnostic:
                diagnostics.append(self._diagnostic(p, premier))
        # CléA orientation: among the diagnostics with at least two domains to work on.
        fragiles = [d for d in diagnostics if d._a_travailler >= 2]
        n = min(round(PART_ORIENTATION_CLEA * len(diagnostics)), len(fragiles))
        for d in rng.sample(fragiles, n):
            d.orientation_clea = True
        self.lignes[DiagnosticEntree].extend(diagnostics)

    def _diagnostic(self, p, jour):
        rng = self.rng
        poids = NIVEAUX_CLEA.get(p.niveau_formation.code, NIVEAUX_CLEA["autre"])
        niveaux = [
            NiveauCompetence.ACQUIS,
            NiveauCompetence.A_CONSOLIDER,
            NiveauCompetence.NON_ACQUIS,
            NiveauCompetence.NON_EVALUE,
        ]
        diagnostic = DiagnosticEntree(
            participant=p,
            date=jour,
            commentaire=rng.choice(COMMENTAIRES_DIAGNOSTIC),
            realise_par=self.referent_le(p, jour),
        )
        a_travailler = 0
        for champ, _ in DOMAINES_CLEA:
            niveau = rng.choices(niveaux, weights=poids)[0]
            a_travailler += niveau in (NiveauCompetence.A_CONSOLIDER, NiveauCompetence.NON_ACQUIS)
            setattr(diagnostic, champ, niveau)
        diagnostic._a_travailler = a_travailler
        return diagnostic

    # Étapes --------------------------------------------------------------------------------

    def etapes(self, participants):
        rng = self.rng
        suivis = [p for p in participants if p.statut == StatutParticipant.ENTRE]
        bientot = {id(suivis[i]) for i in _echantillon(rng, suivis, PART_ETAPE_FINIT_BIENTOT)}
        limite = self.today + timedelta(days=selectors.JOURS_ETAPE_FIN_PROCHE)
        for p in suivis:
            n = rng.choice([1, 1, 2, 2, 2, 3])
            if id(p) in bientot:
                n -= 1
            jour = min(p.date_entree + timedelta(days=rng.randint(0, 20)), self.today)
            for _ in range(n):
                if jour > self.today:
                    break
                etape = self._etape(p, jour)
                fin_prevue = etape.fin_prevue
                if fin_prevue < self.today:
                    etape.fin = fin_prevue
                    etape.resultat = _tirage(
                        rng,
                        {ResultatEtape.REALISEE: 0.8, ResultatEtape.ABANDONNEE: 0.15, ResultatEtape.NON_REALISEE: 0.05},
                    )
                elif fin_prevue <= limite:
                    etape.fin_prevue = limite + timedelta(days=rng.randint(1, 45))
                self.lignes[Etape].append(etape)
                jour = fin_prevue + timedelta(days=rng.randint(1, 30))
            if id(p) in bientot:
                etape = self._etape(p, p.date_entree)
                duree = etape.fin_prevue - etape.debut
                etape.fin_prevue = self.today + timedelta(days=rng.randint(0, selectors.JOURS_ETAPE_FIN_PROCHE))
                debut = min(etape.fin_prevue - duree, self.today - timedelta(days=rng.randint(1, 20)))
                etape.debut = max(p.date_entree, debut)
                self.lignes[Etape].append(etape)

    def _etape(self, p, debut):
        rng = self.rng
        type_, intitule, structure, (mini, maxi) = rng.choice(CATALOGUE_ETAPES)
        if "{entreprise}" in intitule:
            nom = rng.choice(self.entreprises).nom if self.entreprises else "une entreprise partenaire"
            intitule, structure = intitule.format(entreprise=nom), structure.format(entreprise=nom)
        return Etape(
            participant=p,
            type=type_,
            intitule=intitule,
            structure=structure,
            debut=debut,
            fin_prevue=debut + timedelta(days=rng.randint(mini, maxi)),
            resultat=ResultatEtape.EN_COURS,
            cree_par=self.referent_le(p, debut),
        )

    # Situations and exits ------------------------------------------------------------------

    def _situation(self, p, categorie, debut, *, fin=None, fin_prevue=None, heures=None, code=None):
        rng = self.rng
        situation = Situation(
            participant=p,
            type=categorie,
            type_contrat=self.refs.types_contrat.get(code or categorie),
            debut=debut,
            fin=fin,
            fin_prevue=fin_prevue if fin_prevue is not None else fin,
            heures_hebdo=Decimal(heures) if heures else None,
            cree_par=self.referent_le(p, debut),
        )
        if categorie in (CategorieContrat.CDI, CategorieContrat.CDD, CategorieContrat.INTERIM) and self.entreprises:
            entreprise = rng.choice(self.entreprises)
            codes = [c for c in entreprise.activite.romes if c in self.refs.metiers]
            metier = self.refs.metiers[rng.choice(codes)] if codes else None
            situation.intitule = intitule_pour(metier, rng).replace(" (H/F)", "")
            situation.employeur, situation.siret, situation.entreprise = entreprise.nom, entreprise.siret, entreprise
        elif categorie == CategorieContrat.FORMATION_QUALIFIANTE:
            situation.intitule, situation.employeur = rng.choice(FORMATIONS_QUALIFIANTES)
        elif categorie == CategorieContrat.CREATION:
            situation.intitule, situation.employeur = rng.choice(CREATIONS), f"{p.prenom} {p.nom}"
        elif categorie == CategorieContrat.CONTRAT_AIDE:
            situation.intitule = rng.choice(INTITULES_CONTRAT_AIDE)
            situation.employeur = rng.choice(EMPLOYEURS_CONTRAT_AIDE)
        elif categorie == CategorieContrat.ACI:
            situation.intitule, situation.employeur = rng.choice(INTITULES_ACI), rng.choice(EMPLOYEURS_ACI)
        elif categorie == CategorieContrat.FORMATION:
            situation.intitule, situation.employeur = "Remise à niveau en français et calcul", "GRETA 21"
        return situation

    def _contrats_cumules(self, p, categorie, fin, total, nombre, ecart_max, debut_min, en_cours=False):
        """``nombre`` contracts of ``total`` days without overlap, the last one ending on ``fin``."""
        rng = self.rng
        coupes = sorted(rng.sample(range(1, total), nombre - 1)) if nombre > 1 else []
        durees = [b - a for a, b in zip([0, *coupes], [*coupes, total], strict=True)]
        ecarts = [rng.randint(0, ecart_max) for _ in range(nombre - 1)] + [0]
        if fin - timedelta(days=total + sum(ecarts) - 1) < debut_min:
            ecarts = [0] * nombre
        heures = rng.choice(HEURES) if categorie == CategorieContrat.CDD else "35.0"
        situations, jour = [], fin
        for duree, ecart in zip(reversed(durees), reversed(ecarts), strict=True):
            jour -= timedelta(days=ecart)
            debut = jour - timedelta(days=duree - 1)
            situations.append(self._situation(p, categorie, debut, fin=jour, heures=heures))
            jour = debut - timedelta(days=1)
        if en_cours:
            dernier = situations[0]
            dernier.fin, dernier.fin_prevue = None, self.today + timedelta(days=rng.randint(15, 120))
        return situations

    def _pour_resultat(self, p, resultat, date_resultat):
        """Situations (and a senior validation) that reach ``resultat`` on or before ``date_resultat``.

        Returns None when the pathway is too short for it."""
        rng = self.rng
        entree = p.date_entree
        six_mois = relativedelta(months=self.parametres.mois_presence)
        validation = None
        if resultat in (MotifSortie.CDI, MotifSortie.CREATION, MotifSortie.CONTRAT_AIDE, MotifSortie.SENIOR_ACI):
            au_plus_tard = date_resultat - six_mois - timedelta(days=10 if resultat == MotifSortie.SENIOR_ACI else 0)
            marge = (au_plus_tard - entree).days - 5
            if marge < 0:
                return None
            debut = au_plus_tard - timedelta(days=rng.randint(0, min(40, marge)))
            if resultat == MotifSortie.CDI:
                situations = [self._situation(p, CategorieContrat.CDI, debut, heures=rng.choice(HEURES))]
            elif resultat == MotifSortie.CREATION:
                situations = [self._situation(p, CategorieContrat.CREATION, debut)]
            elif resultat == MotifSortie.CONTRAT_AIDE:
                fin_prevue = debut + relativedelta(months=rng.choice([9, 12, 12, 24]))
                situations = [
                    self._situation(
                        p,
                        CategorieContrat.CONTRAT_AIDE,
                        debut,
                        fin_prevue=fin_prevue,
                        heures=rng.choice(["20.0", "26.0", "35.0"]),
                        code="PEC_CUI_CAE",
                    )
                ]
            else:
                if rules.age_le(p.date_naissance, debut) < self.parametres.age_senior:
                    return None
                fin_prevue = debut + relativedelta(months=rng.choice([12, 24]))
                situations = [self._situation(p, CategorieContrat.ACI, debut, fin_prevue=fin_prevue, heures="26.0")]
                echeance = debut + six_mois
                validation = echeance + timedelta(days=rng.randint(0, (date_resultat - echeance).days))
        elif resultat in (MotifSortie.CDD, MotifSortie.INTERIM):
            marge = (date_resultat - entree).days - 5
            if marge < self.parametres.jours_cumules + 3:
                return None
            total = rng.randint(self.parametres.jours_cumules + 3, min(marge, 250))
            if resultat == MotifSortie.CDD:
                nombre, ecart_max, categorie = rng.choice([1, 2, 2, 3]), 20, CategorieContrat.CDD
            else:
                nombre, ecart_max, categorie = rng.randint(4, 9), 10, CategorieContrat.INTERIM
            fin = date_resultat - timedelta(days=rng.randint(0, 5))
            situations = self._contrats_cumules(p, categorie, fin, total, nombre, ecart_max, entree)
        elif resultat == MotifSortie.FORMATION_QUALIFIANTE:
            debut = date_resultat - timedelta(days=rng.randint(0, min(20, (date_resultat - entree).days)))
            fin_prevue = debut + timedelta(days=rng.randint(120, 330))
            situations = [self._situation(p, CategorieContrat.FORMATION_QUALIFIANTE, debut, fin_prevue=fin_prevue)]
        else:
            raise ValueError(resultat)
        return situations, validation

    def _detectees(self, p, situations, validation, as_of):
        faits = rules.FaitsParcours(
            date_naissance=p.date_naissance,
            situations=tuple(selectors.situation_pour_regles(s) for s in situations),
            date_reference=as_of,
            validation_senior_aci=validation,
        )
        return {d.resultat: d for d in rules.sorties_positives(faits, self.parametres)}

    def sorties(self, participants):
        """Exited participants: the situation behind a positive motive, and the confirmed exit."""
        for p in participants:
            if p.statut != StatutParticipant.SORTI:
                continue
            raisons = []
            if p.motif_sortie in MotifSortie.positives():
                construit = self._pour_resultat(p, p.motif_sortie, p.date_sortie)
                if construit is None:
                    raise RuntimeError(f"Parcours trop court pour la sortie {p.motif_sortie} de {p.identifiant}.")
                situations, validation = construit
                detection = self._detectees(p, situations, validation, p.date_sortie).get(p.motif_sortie)
                if detection is None:
                    raise RuntimeError(f"Sortie {p.motif_sortie} de {p.identifiant} non justifiée par les règles.")
                self.lignes[Situation].extend(situations)
                if validation is not None:
                    motif = MOTIF_VALIDATION_SENIOR
                    self._decision(p, DecisionCommissionType.VALIDATION_SENIOR_ACI, validation, motif, p._verdict_demo)
                raisons = list(detection.raisons)
                self.lignes[DetectionSortie].append(
                    DetectionSortie(
                        participant=p,
                        resultat=p.motif_sortie,
                        date=detection.date,
                        raisons=raisons,
                        statut=StatutDetection.CONFIRMEE,
                    )
                )
            self.lignes[Sortie].append(
                Sortie(
                    participant=p,
                    date=p.date_sortie,
                    motif=p.motif_sortie,
                    commentaire=COMMENTAIRES_SORTIE.get(p.motif_sortie, ""),
                    raisons=raisons,
                    confirmee_par=p.referent,
                )
            )

    def situations_en_cours(self, participants):
        """In accompaniment: ~8 % reached a positive exit (to confirm), ~15 % have a contract running."""
        rng = self.rng
        suivis = [
            p for p in participants if p.statut == StatutParticipant.ENTRE and (self.today - p.date_entree).days >= 7
        ]
        tirage = rng.sample(suivis, len(suivis))
        total = sum(1 for p in participants if p.statut == StatutParticipant.ENTRE)
        n_detectees = round(PART_SORTIE_DETECTEE * total)
        detectees, en_cours = (
            tirage[:n_detectees],
            tirage[n_detectees : n_detectees + round(PART_CONTRAT_EN_COURS * total)],
        )
        poids = {
            MotifSortie.CDI: 0.25,
            MotifSortie.CDD: 0.2,
            MotifSortie.INTERIM: 0.15,
            MotifSortie.FORMATION_QUALIFIANTE: 0.2,
            MotifSortie.CONTRAT_AIDE: 0.1,
            MotifSortie.CREATION: 0.05,
            MotifSortie.SENIOR_ACI: 0.05,
        }
        for p in detectees:
            resultat = _tirage(rng, poids)
            jour = self.today - timedelta(days=rng.randint(0, min(40, (self.today - p.date_entree).days)))
            construit = self._pour_resultat(p, resultat, jour)
            if construit is None:
                resultat = MotifSortie.FORMATION_QUALIFIANTE
                construit = self._pour_resultat(p, resultat, jour)
            situations, _ = construit
            if resultat in (MotifSortie.CDD, MotifSortie.INTERIM) and rng.random() < 0.5:
                dernier = max(situations, key=lambda s: s.debut)
                dernier.fin, dernier.fin_prevue = None, self.today + timedelta(days=rng.randint(15, 120))
            if not self._detectees(p, situations, None, self.today):
                raise RuntimeError(f"Aucune sortie positive détectée pour {p.identifiant}.")
            self.lignes[Situation].extend(situations)
        for p in en_cours:
            situations = self._en_cours(p)
            if self._detectees(p, situations, None, self.today):
                raise RuntimeError(f"Contrat en cours de {p.identifiant} déjà détecté comme sortie positive.")
            self.lignes[Situation].extend(situations)

    def _en_cours(self, p):
        """A contract or training running today that has not reached a positive exit."""
        rng = self.rng
        anciennete = (self.today - p.date_entree).days
        recent = self.today - timedelta(days=rng.randint(7, min(150, anciennete)))
        senior = rules.age_le(p.date_naissance, recent) >= self.parametres.age_senior
        genre = _tirage(
            rng, {"CDI": 0.25, "CDD": 0.3, "INTERIM": 0.15, "CONTRAT_AIDE": 0.1, "ACI": 0.15, "FORMATION": 0.05}
        )
        plus_tard = lambda: self.today + timedelta(days=rng.randint(15, 180))  # noqa: E731
        if genre == "CDI":
            return [self._situation(p, CategorieContrat.CDI, recent, heures=rng.choice(HEURES))]
        if genre == "CDD":
            return [self._situation(p, CategorieContrat.CDD, recent, fin_prevue=plus_tard(), heures=rng.choice(HEURES))]
        if genre == "INTERIM":
            total = (self.today - recent).days + 1
            if total < 20:
                return [self._situation(p, CategorieContrat.INTERIM, recent, fin_prevue=plus_tard(), heures="35.0")]
            return self._contrats_cumules(
                p, CategorieContrat.INTERIM, self.today, total, rng.randint(2, 5), 0, p.date_entree, en_cours=True
            )
        if genre == "CONTRAT_AIDE":
            fin_prevue = recent + relativedelta(months=12)
            return [
                self._situation(
                    p, CategorieContrat.CONTRAT_AIDE, recent, fin_prevue=fin_prevue, heures="26.0", code="PEC_CUI_CAE"
                )
            ]
        if genre == "ACI":
            debut = recent if senior else p.date_entree + timedelta(days=rng.randint(0, anciennete - 7))
            return [
                self._situation(
                    p,
                    CategorieContrat.ACI,
                    debut,
                    fin_prevue=max(plus_tard(), debut + relativedelta(months=12)),
                    heures="26.0",
                )
            ]
        return [self._situation(p, CategorieContrat.FORMATION, recent, fin_prevue=plus_tard())]


# --- The offers side: projects, qualification, sources, diffusions, positionnements ----------

PART_PERMIS = 0.40  # of those who entered
PART_VEHICULE = 0.30  # of those who entered, only among the licence holders
PART_HEURES_MAX = 0.20  # of those who entered: at most 20–26 h a week
PART_INDISPONIBLES = 0.05  # of those who entered
PART_PROJET_SUR_OFFRES = 0.75  # of the project codes: drawn among the demo offers' codes
TAILLES_PROJET = [1, 1, 2, 2, 2, 3]
POSITIONNEMENTS = 150
# What became of the positionnements: open with no step for more than the follow-up delay
# ("relance"), open and recent ("en_cours"), or closed.
ISSUES_POSITIONNEMENT = {
    "relance": 0.25,
    "en_cours": 0.20,
    StatutPositionnement.RETENU: 0.10,
    StatutPositionnement.NON_RETENU: 0.32,
    StatutPositionnement.ABANDONNE: 0.13,
}
JOURS_POSITIONNEMENTS = 60
JOURS_RELANCE = 10  # offres' PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS default
# Where each demo offer was seen: France Travail, a partner's phone call or e-mail, or both (merged).
LIENS_OFFRE = {"france-travail": 0.85, "saisie": 0.10, "les_deux": 0.05}
URL_FRANCE_TRAVAIL = "https://candidat.francetravail.fr/offres/recherche/detail/{}"
PART_DIFFUSIONS_NON_VUES = 0.20  # of the diffusions of the last 7 days
ORIGINES_SAISIE = {
    OriginePartenaire.IAE: 0.25,
    OriginePartenaire.INTERIM: 0.25,
    OriginePartenaire.ENTREPRISE: 0.30,
    OriginePartenaire.FRANCE_TRAVAIL: 0.15,
    OriginePartenaire.AUTRE: 0.05,
}
CONTACTS_PARTENAIRE = [
    "Mme Petit, chargée de recrutement",
    "M. Garnier, responsable d'agence",
    "Mme Roussel, conseillère entreprises",
    "M. Lemoine, encadrant technique",
    "Mme Faure, responsable des ressources humaines",
]
NOTES_QUALIFICATION = [
    "Employeur déjà partenaire du PLIE, ouvert aux profils en reprise d'emploi.",
    "Poste compatible avec un premier retour à l'emploi ; tutorat à l'arrivée.",
    "Horaires décalés (tôt le matin) : vérifier la garde d'enfants et le transport.",
    "Contrat pouvant déboucher sur un CDI selon l'employeur.",
    "",
    "",
]
COMMENTAIRES_ECART = {
    MotifEcart.DIPLOME_EXIGE: "Diplôme du métier exigé par l'employeur.",
    MotifEcart.EXPERIENCE_LONGUE: "Trois ans d'expérience exigés.",
    MotifEcart.CONDITIONS: "Horaires coupés et contrat de quelques heures par semaine.",
    MotifEcart.HORS_TERRITOIRE: "Lieu de travail hors de la métropole, sans transport en commun.",
}
NOTES_POSITIONNEMENT = {
    StatutPositionnement.PROPOSE: ["Projet cohérent avec l'offre, CV à jour.", "Intéressé(e) par le poste.", ""],
    StatutPositionnement.CANDIDATURE_ENVOYEE: [
        "CV transmis à l'employeur par mail.",
        "Candidature déposée en ligne.",
        "",
    ],
    StatutPositionnement.ENTRETIEN: [
        "Entretien préparé en rendez-vous (simulation).",
        "Entretien fixé avec l'employeur.",
        "",
    ],
    StatutPositionnement.RETENU: ["Embauche confirmée par l'employeur.", "Retenu(e) après l'entretien."],
    StatutPositionnement.NON_RETENU: [
        "Profil non retenu : poste pourvu en interne.",
        "Expérience jugée insuffisante.",
        "",
    ],
    StatutPositionnement.ABANDONNE: ["Ne souhaite plus donner suite (horaires).", "Sans nouvelles du participant.", ""],
}


def _moment(jour, rng, de=8, a=18):
    """An aware datetime on ``jour`` during office hours."""
    return timezone.make_aware(datetime.combine(jour, dtime(rng.randint(de, a - 1), rng.randrange(0, 60, 5))))


def _lundi_suivant(jour):
    return jour + timedelta(days=7 - jour.weekday())


def _generer_vie_offres(rng, refs, suivi, charge, participants, offres, today):
    """The offers side, as unsaved rows by model; also sets the participants' project fields, the
    offers' checklist and dates, and adds the hired participants' contracts to the pathway."""
    vie = _VieOffres(rng, refs, suivi, charge, today)
    vie.projets(participants, offres)
    vie.qualification(offres)
    vie.liens(offres)
    vie.diffusions(offres)
    vie.positionnements(participants, offres)
    return vie.lignes


class _VieOffres:
    def __init__(self, rng, refs, suivi, charge, today):
        self.rng = rng
        self.refs = refs
        self.suivi = suivi
        self.charge = charge
        self.today = today
        modeles = (ProjetParticipant, LienSource, Diffusion, Positionnement, EtapePositionnement)
        self.lignes = {modele: [] for modele in modeles}  # in the order they are saved

    # Professional projects and constraints -------------------------------------------------------

    def projets(self, participants, offres):
        rng = self.rng
        entres = [p for p in participants if p.date_entree is not None]
        n = len(entres)
        frequences = {}  # the offers référents see (qualified or diffused) weigh more
        for o in offres:
            poids = 3 if o.statut in (StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE) else 1
            frequences[o.metier_rome.code] = frequences.get(o.metier_rome.code, 0) + poids
        codes_offres = sorted(frequences)
        poids_offres = [frequences[c] for c in codes_offres]
        tous = sorted(self.refs.metiers)
        permis = _stratifie(rng, n, {True: PART_PERMIS, False: 1 - PART_PERMIS})
        heures = _stratifie(rng, n, {True: PART_HEURES_MAX, False: 1 - PART_HEURES_MAX})
        disponibles = _stratifie(rng, n, {False: PART_INDISPONIBLES, True: 1 - PART_INDISPONIBLES})
        part_vehicule = PART_VEHICULE / PART_PERMIS
        for i, p in enumerate(entres):
            p.permis_b = permis[i]
            p.vehicule = permis[i] and rng.random() < part_vehicule
            p.heures_hebdo_max = rng.randint(20, 26) if heures[i] else None
            p.disponible = disponibles[i]
            codes = []
            for _ in range(rng.choice(TAILLES_PROJET)):
                for _essai in range(10):
                    if codes_offres and rng.random() < PART_PROJET_SUR_OFFRES:
                        code = rng.choices(codes_offres, weights=poids_offres)[0]
                    else:
                        code = rng.choice(tous)
                    if code not in codes:
                        codes.append(code)
                        break
            p._metiers_demo = codes
            for code in codes:
                self.lignes[ProjetParticipant].append(
                    ProjetParticipant(participant=p, metierrome=self.refs.metiers[code])
                )

    # Qualification by the chargé de mission ------------------------------------------------------

    def qualification(self, offres):
        """The facts of each offer (told by its description), the checklist of the reviewed ones."""
        rng = self.rng
        for o in offres:
            sans_diplome = rng.random() < 0.85
            experience = rng.random() < 0.25
            permis = rng.random() < 0.15
            vehicule = permis and rng.random() < 0.05 / 0.15
            desserte = rng.random() < 0.85
            if o.statut == StatutOffre.ECARTEE and o.motif_ecart == MotifEcart.DIPLOME_EXIGE:
                sans_diplome = False
            if o.statut == StatutOffre.ECARTEE and o.motif_ecart == MotifEcart.EXPERIENCE_LONGUE:
                experience = True
            o.description = self._description(o, sans_diplome, experience, permis, vehicule, desserte)
            jour = min(o.date_publication + timedelta(days=rng.randint(0, 2)), self.today)
            if o.statut == StatutOffre.ECARTEE:
                o.ecartee_par, o.ecartee_le = self.charge, _moment(jour, rng)
                o.commentaire_ecart = COMMENTAIRES_ECART.get(o.motif_ecart, "")
            elif o.statut != StatutOffre.COLLECTEE:
                o.sans_diplome, o.experience_requise, o.desserte_transports = sans_diplome, experience, desserte
                o.permis_requis, o.vehicule_requis = permis, vehicule
                o.notes_qualification = rng.choice(NOTES_QUALIFICATION)
                o.qualifiee_par, o.qualifiee_le = self.charge, _moment(jour, rng)
                if o.statut != StatutOffre.QUALIFIEE:  # qualified and diffused at once, then maybe closed
                    o.diffusee_le = o.qualifiee_le + timedelta(minutes=rng.randint(1, 5))
                if o.statut == StatutOffre.CLOTUREE:
                    debut = o.diffusee_le.date()
                    if o.motif_cloture == MotifCloture.EXPIREE and o.date_expiration:
                        fin = max(debut, min(o.date_expiration, self.today))
                    else:
                        fin = min(debut + timedelta(days=rng.randint(5, 30)), self.today)
                    o.cloturee_le = max(_moment(fin, rng), o.diffusee_le + timedelta(minutes=5))

    @staticmethod
    def _description(o, sans_diplome, experience, permis, vehicule, desserte):
        phrases = [f"{o.employeur} recrute {o.nb_postes} {o.intitule} pour son site de {o.commune.nom}."]
        if experience:
            phrases.append("Expérience exigée de 1 an minimum sur un poste similaire.")
        else:
            phrases.append("Débutant accepté, formation au poste assurée.")
        phrases.append("Poste accessible sans diplôme." if sans_diplome else "CAP exigé dans le métier.")
        if permis:
            phrases.append("Permis B exigé.")
        if vehicule:
            phrases.append("Véhicule personnel indispensable (interventions sur plusieurs sites).")
        if desserte:
            phrases.append("Site desservi par le réseau Divia (tram et bus).")
        phrases.append("Horaires communiqués à l'entretien.")
        return " ".join(phrases)

    # Sources --------------------------------------------------------------------------------------

    def liens(self, offres):
        rng = self.rng
        france_travail, saisie = self.refs.sources["france-travail"], self.refs.sources["saisie"]
        origines = _stratifie(rng, len(offres), LIENS_OFFRE)
        deja = set()
        for numero, (o, origine) in enumerate(zip(offres, origines, strict=True), start=1):
            vue = _moment(o.date_publication, rng, 6, 8)
            fins = [self.today, o.date_expiration or self.today]
            if o.cloturee_le:
                fins.append(o.cloturee_le.date())
            derniere = max(vue, _moment(min(fins), rng, 6, 8))
            if origine in ("saisie", "les_deux"):
                o.origine_partenaire = _tirage(rng, ORIGINES_SAISIE)
                o.contact_partenaire = rng.choice(CONTACTS_PARTENAIRE)
                o.cree_par = self.charge
                saisie_le = _moment(o.date_publication, rng, 9, 12)
                self.lignes[LienSource].append(
                    LienSource(
                        offre=o,
                        source=saisie,
                        identifiant_externe=f"saisie-demo-{numero:05d}",
                        vue_le=saisie_le,
                        vue_derniere_fois_le=saisie_le,
                    )
                )
            if origine in ("france-travail", "les_deux"):
                while True:
                    identifiant = f"18{rng.randrange(10**6):06d}{rng.choice('ABCDEFGHJKLMNPQRSTVWXZ')}"
                    if identifiant not in deja:
                        break
                deja.add(identifiant)
                if origine == "les_deux":  # seen on France Travail the next day, merged with the entry
                    vue = _moment(o.date_publication + timedelta(days=1), rng, 6, 8)
                    derniere = max(vue, derniere)
                self.lignes[LienSource].append(
                    LienSource(
                        offre=o,
                        source=france_travail,
                        identifiant_externe=identifiant,
                        url=URL_FRANCE_TRAVAIL.format(identifiant),
                        vue_le=vue,
                        vue_derniere_fois_le=derniere,
                    )
                )

    # Diffusion to every référent ------------------------------------------------------------------

    def diffusions(self, offres):
        rng = self.rng
        recentes = {referent.pk: [] for referent in self.suivi.referents}
        for o in offres:
            if o.diffusee_le is None:
                continue
            envoi = _lundi_suivant(o.diffusee_le.date())
            for referent in self.suivi.referents:
                diffusion = Diffusion(
                    offre=o,
                    referent=referent,
                    diffusee_le=o.diffusee_le,
                    diffusee_par=self.charge,
                    vue_le=o.diffusee_le + timedelta(hours=rng.randint(1, 72)),
                    envoyee_par_mail_le=_moment(envoi, rng, 7, 8) if envoi <= self.today else None,
                )
                self.lignes[Diffusion].append(diffusion)
                if o.diffusee_le.date() >= self.today - timedelta(days=7):
                    recentes[referent.pk].append(diffusion)
        # Each référent has some of the last week's offers still to look at ("Nouveau").
        for diffusions in recentes.values():
            if diffusions:
                n = max(1, round(PART_DIFFUSIONS_NON_VUES * len(diffusions)))
                for diffusion in rng.sample(diffusions, n):
                    diffusion.vue_le = None

    # Positionnements ------------------------------------------------------------------------------

    def positionnements(self, participants, offres):
        rng, today = self.rng, self.today
        avec_situation = {id(s.participant) for s in self.suivi.lignes[Situation]}
        vivier = [
            p
            for p in participants
            if p.statut == StatutParticipant.ENTRE and p.disponible and id(p) not in avec_situation
        ]
        diffusees = [o for o in offres if o.statut == StatutOffre.DIFFUSEE]
        if not vivier or not diffusees:
            return
        n = round(POSITIONNEMENTS * len(offres) / OFFRES)
        # The hires first: an offer whose hires reach its positions is closed, and the other
        # positionnements on it then end before the closure.
        issues = _stratifie(rng, n, ISSUES_POSITIONNEMENT)
        issues.sort(key=lambda issue: issue != StatutPositionnement.RETENU)
        deja, embauches = set(), set()
        for issue in issues:
            for _essai in range(50):
                statuts = self._parcours(issue)
                ecarts = [rng.randint(2, 12) for _ in statuts[1:]]
                o = rng.choice(diffusees)
                fermee = o.statut == StatutOffre.CLOTUREE
                if fermee and issue in ("relance", "en_cours", StatutPositionnement.RETENU):
                    continue
                p = self._participant(o, vivier, deja)
                if p is None or (issue == StatutPositionnement.RETENU and id(p) in embauches):
                    continue
                debut_min = max(today - timedelta(days=JOURS_POSITIONNEMENTS), o.diffusee_le.date(), p.date_entree)
                fin_max = o.cloturee_le.date() if fermee else today
                if issue == "relance":
                    fin_max -= timedelta(days=JOURS_RELANCE + 1)
                elif issue == "en_cours":
                    debut_min = max(debut_min, today - timedelta(days=JOURS_RELANCE - 1 + sum(ecarts)))
                debut_max = fin_max - timedelta(days=sum(ecarts))
                if debut_min > debut_max:
                    continue
                jour = debut_min + timedelta(days=rng.randint(0, (debut_max - debut_min).days))
                self._positionnement(o, p, statuts, ecarts, jour)
                deja.add((id(o), id(p)))
                if issue == StatutPositionnement.RETENU:
                    embauches.add(id(p))
                break

    def _parcours(self, issue):
        rng = self.rng
        P = StatutPositionnement
        if issue in ("relance", "en_cours"):
            return [P.PROPOSE, P.CANDIDATURE_ENVOYEE, P.ENTRETIEN][: rng.choice([1, 2, 2, 3])]
        if issue == P.RETENU:
            return [P.PROPOSE, P.CANDIDATURE_ENVOYEE, *([P.ENTRETIEN] if rng.random() < 0.7 else []), P.RETENU]
        statuts = [P.PROPOSE]
        if rng.random() < (0.75 if issue == P.NON_RETENU else 0.5):
            statuts.append(P.CANDIDATURE_ENVOYEE)
            if issue == P.NON_RETENU and rng.random() < 0.5:
                statuts.append(P.ENTRETIEN)
        return [*statuts, issue]

    def _participant(self, o, vivier, deja):
        """A participant who fits the offer; most have its ROME code in their project."""
        rng = self.rng
        possibles = [
            p
            for p in vivier
            if (id(o), id(p)) not in deja
            and not (o.permis_requis and not p.permis_b)
            and not (o.vehicule_requis and not p.vehicule)
            and not (p.heures_hebdo_max and o.heures_hebdo > p.heures_hebdo_max)
        ]
        code = o.metier_rome.code
        proches = [p for p in possibles if code in p._metiers_demo]
        if proches and rng.random() < 0.8:
            return rng.choice(proches)
        famille = [p for p in possibles if any(c[:3] == code[:3] for c in p._metiers_demo)]
        if famille and rng.random() < 0.7:
            return rng.choice(famille)
        return rng.choice(possibles) if possibles else None

    def _positionnement(self, o, p, statuts, ecarts, jour):
        rng = self.rng
        positionnement = Positionnement(
            offre=o,
            participant=p,
            statut=statuts[-1],
            derniere_etape_le=jour + timedelta(days=sum(ecarts)),
            cree_par=self.suivi.referent_le(p, jour),
        )
        self.lignes[Positionnement].append(positionnement)
        for statut, ecart in zip(statuts, [0, *ecarts], strict=True):
            jour += timedelta(days=ecart)
            self.lignes[EtapePositionnement].append(
                EtapePositionnement(
                    positionnement=positionnement,
                    statut=statut,
                    date=jour,
                    par=self.suivi.referent_le(p, jour),
                    note=rng.choice(NOTES_POSITIONNEMENT[statut]),
                )
            )
        if statuts[-1] == StatutPositionnement.RETENU:
            positionnement.situation = self._contrat(positionnement, jour)
            self.suivi.lignes[Situation].append(positionnement.situation)
            o._retenus_demo = getattr(o, "_retenus_demo", 0) + 1
            if o._retenus_demo >= o.nb_postes:
                o.statut, o.motif_cloture = StatutOffre.CLOTUREE, MotifCloture.POURVUE
                o.cloturee_le = max(_moment(jour, rng), o.diffusee_le + timedelta(minutes=5))

    def _contrat(self, positionnement, debut):
        """The hired participant's contract, pre-filled from the offer (as ``positionnement_avancer``)."""
        o = positionnement.offre
        categorie = o.type_contrat.categorie
        if categorie not in (
            CategorieContrat.CDI,
            CategorieContrat.CDD,
            CategorieContrat.INTERIM,
            CategorieContrat.CONTRAT_AIDE,
            CategorieContrat.ACI,
        ):
            categorie = CategorieContrat.CDD
        fin_prevue = None
        if o.duree_mois and categorie != CategorieContrat.CDI:
            fin_prevue = debut + timedelta(days=round(o.duree_mois * 30.44)) - timedelta(days=1)
        return Situation(
            participant=positionnement.participant,
            type=categorie,
            type_contrat=o.type_contrat,
            intitule=o.intitule,
            debut=debut,
            fin_prevue=fin_prevue,
            heures_hebdo=o.heures_hebdo,
            employeur=o.nom_employeur[:200],
            entreprise=o.entreprise,
            siret=o.entreprise.siret,
            cree_par=self.suivi.referent_le(positionnement.participant, debut),
        )


# --- The company file, events and collective actions; training ---------------------------------

PART_ENTREPRISES_SUIVIES = 0.40  # of the demo companies: contacts and exchanges
JOURS_ECHANGES = 182  # exchanges over the last six months
BESOINS_RECRUTEMENT = 15  # hiring needs learned from the companies followed (at scale 1)
STATUTS_BESOIN_RECRUTEMENT = {
    StatutBesoinRecrutement.OUVERT: 0.7,
    StatutBesoinRecrutement.POURVU: 0.2,
    StatutBesoinRecrutement.ABANDONNE: 0.1,
}
PART_BESOINS_FORMATION = 0.25  # of those in accompaniment
PART_POSITIONNEMENTS_FORMATION = 0.15  # of the training needs, on the demo sessions
PART_SUR_SESSIONS_DEMARREES = 0.01  # of those in accompaniment: positioned on a session already started
DOMAINE_EMAIL_DEMO = "@demo.plie.fr"

FONCTIONS_CONTACT = [
    "Responsable des ressources humaines",
    "Gérant(e)",
    "Chef(fe) d'équipe",
    "Responsable d'agence",
    "Chargé(e) de recrutement",
    "Directeur(trice) de site",
]
RESUMES_ECHANGE = {
    TypeInteraction.RENDEZ_VOUS: [
        "Présentation du PLIE et de l'accompagnement des candidats ; intérêt pour les profils débutants.",
        "Point sur les besoins de l'année : recrutements prévus au printemps, prérequis précisés.",
        "Rendez-vous avec la RH : process de recrutement et période d'intégration expliqués.",
    ],
    TypeInteraction.APPEL: [
        "Appel de suivi des candidats positionnés ; retour attendu en fin de semaine.",
        "Point téléphonique sur les postes ouverts et les horaires de travail.",
        "Relance suite à l'envoi de CV : deux candidats convoqués en entretien.",
    ],
    TypeInteraction.VISITE: [
        "Visite du site avec le responsable : conditions de travail et postes observés.",
        "Visite de l'entrepôt ; possibilité de PMSMP pour découvrir le métier.",
    ],
    TypeInteraction.EVENEMENT: [
        "Échange sur le stand : l'entreprise souhaite recevoir des candidatures via le PLIE.",
        "Rencontre lors de l'événement ; rendez-vous à fixer pour présenter nos candidats.",
    ],
    TypeInteraction.COURRIEL: [
        "Envoi de la plaquette du PLIE et des profils disponibles.",
        "Échange de courriels sur la fiche de poste et les prérequis.",
    ],
}
TYPES_ECHANGE = {
    TypeInteraction.APPEL: 0.35,
    TypeInteraction.RENDEZ_VOUS: 0.25,
    TypeInteraction.COURRIEL: 0.2,
    TypeInteraction.VISITE: 0.1,
    TypeInteraction.EVENEMENT: 0.1,
}
PROCHAINES_ETAPES_ECHANGE = [
    "Envoyer des CV de candidats correspondant au poste.",
    "Rappeler pour fixer une date de visite.",
    "Proposer une PMSMP à un participant.",
    "Transmettre la fiche de poste au chargé de mission.",
    "Relancer sur le retour des entretiens.",
]
PREREQUIS_BESOIN = [
    "Débutant accepté ; travail en horaires décalés.",
    "Permis B souhaité ; port de charges.",
    "Expérience appréciée mais non exigée ; formation en interne.",
    "Disponible rapidement ; travail le samedi matin.",
]
# Events: type, title, place, commune (INSEE), organiser, start hour, length in hours, days from today.
EVENEMENTS = [
    (
        TypeEvenement.FORUM,
        "Forum de l'emploi de Dijon Métropole",
        "Palais des congrès, Dijon",
        "21231",
        "Dijon Métropole et France Travail",
        9,
        8,
        -52,
    ),
    (
        TypeEvenement.JOB_DATING,
        "Job dating logistique de la zone sud",
        "Salle des fêtes de Longvic",
        "21355",
        "France Travail Dijon Sud",
        9,
        3,
        -38,
    ),
    (
        TypeEvenement.CLUB,
        "Petit-déjeuner du club d'entreprises du PLIE",
        "Maison de l'emploi et de la formation, Dijon",
        "21231",
        "PLIE de Dijon Métropole",
        8,
        2,
        -24,
    ),
    (
        TypeEvenement.INFO_INTERIM,
        "Information d'une agence d'intérim : les métiers de l'industrie",
        "Espace emploi de Chenôve",
        "21166",
        "Agence d'intérim partenaire",
        14,
        2,
        -9,
    ),
    (
        TypeEvenement.SALON,
        "Journée des métiers du bâtiment",
        "Lycée des métiers du bâtiment, Dijon",
        "21231",
        "Fédération du BTP de Côte-d'Or",
        9,
        7,
        6,
    ),
    (
        TypeEvenement.JOB_DATING,
        "Job dating hôtellerie-restauration",
        "Salle Hugo-Pérou, Quetigny",
        "21515",
        "France Travail et l'UMIH 21",
        14,
        3,
        19,
    ),
    (
        TypeEvenement.FORUM,
        "Forum de l'emploi des seniors",
        "Mairie de Talant",
        "21617",
        "Ville de Talant",
        9,
        4,
        33,
    ),
    (
        TypeEvenement.CLUB,
        "Rencontre des entreprises inclusives de Saint-Apollinaire",
        "Espace Tabourot, Saint-Apollinaire",
        "21540",
        "PLIE de Dijon Métropole",
        17,
        2,
        51,
    ),
]
TACHES_EVENEMENT = [
    "Réserver le stand et le matériel",
    "Imprimer les plaquettes du PLIE",
    "Inviter les participants concernés",
    "Préparer les CV des participants",
    "Relancer les entreprises partenaires",
    "Préparer la liste d'émargement",
]
BILANS_EVENEMENT = [
    "Une quinzaine d'entreprises rencontrées, trois offres transmises au chargé de mission.",
    "Bonne affluence ; plusieurs participants ont obtenu un entretien.",
    "Contacts pris avec de nouvelles entreprises, à recontacter dans le mois.",
]
# Collective actions: type, title ("{entreprise}": the visited company), slot, hours, seats, days from today.
ACTIONS = [
    (TypeAction.VISITE, "Visite de {entreprise}", Creneau.MATIN, (9, 30), (11, 30), 10, -26),
    (TypeAction.VISITE, "Visite de {entreprise}", Creneau.MATIN, (9, 30), (11, 30), 10, 15),
    (TypeAction.ATELIER, "Atelier CV et lettre de motivation", Creneau.APRES_MIDI, (14, 0), (16, 30), 12, -12),
    (TypeAction.ATELIER, "Atelier préparation aux entretiens d'embauche", Creneau.JOURNEE, (9, 30), (16, 30), 10, 9),
    (
        TypeAction.ATELIER_SENIORS,
        "Atelier seniors : valoriser son expérience",
        Creneau.MATIN,
        (9, 30),
        (12, 0),
        8,
        -33,
    ),
    (
        TypeAction.ATELIER_SENIORS,
        "Atelier seniors : candidater en ligne",
        Creneau.APRES_MIDI,
        (14, 0),
        (16, 30),
        8,
        22,
    ),
]
ANIMATEURS_EXTERNES = ["Association Tremplin Emploi", "Maison de l'emploi et de la formation du bassin dijonnais"]
PRESENCES = {Presence.PRESENT: 0.8, Presence.ABSENT: 0.12, Presence.EXCUSE: 0.08}
# Training bodies: name, SIREN (demo prefix), commune, fields.
ORGANISMES = [
    ("AFPA Dijon", "00099001", "21231", ["transport-logistique", "batiment-tp", "proprete", "industrie"]),
    ("GRETA 21", "00099002", "21231", ["sante-social", "commerce-vente", "administratif-numerique"]),
    (
        "CFPPA de Quetigny-Plombières-lès-Dijon",
        "00099003",
        "21515",
        ["agriculture-espaces-verts", "hotellerie-restauration"],
    ),
    ("AFTRAL Dijon", "00099004", "21355", ["transport-logistique", "permis-conduite"]),
    ("Infrep Dijon", "00099005", "21231", ["savoirs-de-base", "langues"]),
]
# Sessions: body, title, scheme, field, ROME, qualifying, status, start and end (days from today), seats.
SESSIONS = [
    (
        0,
        "Titre professionnel Agent de propreté et d'hygiène",
        Dispositif.DAQ,
        "proprete",
        "K2204",
        True,
        StatutSession.OUVERTE,
        20,
        170,
        12,
    ),
    (
        0,
        "POEC Préparateur de commandes et CACES R489",
        Dispositif.POEC,
        "transport-logistique",
        "N1103",
        False,
        StatutSession.EN_COURS,
        -25,
        35,
        12,
    ),
    (
        1,
        "Titre professionnel Assistant de vie aux familles",
        Dispositif.DAQ,
        "sante-social",
        "K1302",
        True,
        StatutSession.OUVERTE,
        35,
        245,
        14,
    ),
    (
        4,
        "Compétences clés et certificat CléA",
        Dispositif.DAQ,
        "savoirs-de-base",
        None,
        False,
        StatutSession.EN_COURS,
        -40,
        50,
        12,
    ),
    (
        2,
        "POEC Agent de restauration collective",
        Dispositif.POEC,
        "hotellerie-restauration",
        "G1603",
        False,
        StatutSession.TERMINEE,
        -120,
        -40,
        10,
    ),
    (
        3,
        "Titre professionnel Conducteur du transport routier de marchandises",
        Dispositif.PROGRAMME_REGIONAL,
        "transport-logistique",
        "N4101",
        True,
        StatutSession.PREVUE,
        60,
        240,
        10,
    ),
    (
        2,
        "AFPR Ouvrier du paysage",
        Dispositif.AFPR,
        "agriculture-espaces-verts",
        "A1203",
        False,
        StatutSession.TERMINEE,
        -90,
        -30,
        8,
    ),
    (
        4,
        "Français langue étrangère à visée professionnelle",
        Dispositif.AUTRE,
        "langues",
        None,
        False,
        StatutSession.OUVERTE,
        10,
        100,
        12,
    ),
]
# What a training need asks for, by field: (nature, titles).
BESOINS_PAR_DOMAINE = {
    "transport-logistique": (
        TypeBesoin.CERTIFICATION,
        ["CACES R489 catégories 1, 3 et 5", "Préparateur de commandes en entrepôt"],
    ),
    "batiment-tp": (TypeBesoin.QUALIFIANT, ["Titre professionnel Maçon", "Titre professionnel Peintre en bâtiment"]),
    "hotellerie-restauration": (
        TypeBesoin.QUALIFIANT,
        ["Titre professionnel Agent de restauration", "CAP Cuisine"],
    ),
    "commerce-vente": (TypeBesoin.QUALIFIANT, ["Titre professionnel Employé commercial en magasin"]),
    "sante-social": (
        TypeBesoin.QUALIFIANT,
        ["Titre professionnel Assistant de vie aux familles", "Diplôme d'aide-soignant"],
    ),
    "proprete": (TypeBesoin.QUALIFIANT, ["Titre professionnel Agent de propreté et d'hygiène"]),
    "industrie": (TypeBesoin.PREQUALIFIANT, ["Préqualification aux métiers de l'industrie"]),
    "agriculture-espaces-verts": (TypeBesoin.QUALIFIANT, ["CAP Jardinier paysagiste"]),
    "securite": (
        TypeBesoin.CERTIFICATION,
        ["Certificat de qualification professionnelle Agent de prévention et de sécurité"],
    ),
    "administratif-numerique": (TypeBesoin.QUALIFIANT, ["Titre professionnel Secrétaire assistant"]),
    "savoirs-de-base": (TypeBesoin.SAVOIRS_DE_BASE, ["Remise à niveau en français et calcul", "Certificat CléA"]),
    "langues": (TypeBesoin.LANGUE, ["Français langue étrangère (niveau A2)"]),
    "permis-conduite": (TypeBesoin.PERMIS, ["Permis B"]),
}
STATUTS_BESOIN_SANS_POSITIONNEMENT = {StatutBesoinFormation.EXPRIME: 0.88, StatutBesoinFormation.ABANDONNE: 0.12}
PF = StatutPositionnementFormation
FERIES_FIXES = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def _jour_de_rencontre(jour):
    """A working day, not a fixed public holiday, on or after ``jour``'s week (events, actions)."""
    while jour.weekday() >= 5 or (jour.month, jour.day) in FERIES_FIXES:
        jour += timedelta(days=1)
    return jour


class _Fichier:
    """Unsaved rows of the company file (binômes, contacts, exchanges, hiring needs), the events,
    the collective actions and the training side, built from their own random generator.

    Also sets the followed companies' last contact and relation, and adds the training entries'
    ``Situation`` rows to the pathway (as ``formation.services`` does at entry)."""

    MODELES = (
        Binome,
        Contact,
        Evenement,
        EvenementParticipant,
        TacheEvenement,
        Interaction,
        BesoinRecrutement,
        ActionCollective,
        Inscription,
        OrganismeFormation,
        OrganismeDomaine,
        SessionFormation,
        BesoinFormation,
        PositionnementFormation,
        EtapePositionnementFormation,
    )

    def __init__(self, rng, refs, suivi, charge, coordinatrice, today, scale):
        self.rng = rng
        self.refs = refs
        self.suivi = suivi
        self.referents = suivi.referents
        self.charge = charge
        self.coordinatrice = coordinatrice
        self.today = today
        self.scale = scale
        self.lignes = {modele: [] for modele in self.MODELES}  # in the order they are saved
        self.secteurs_des_binomes = {}  # id(binôme): sector codes (set at the reload only)

    def generer(self, participants, entreprises):
        self.binomes()
        self.evenements()
        self.entreprises(entreprises)
        self.actions(participants, entreprises)
        self.formation(participants)
        return self.lignes

    def _date(self, jour, heure, minute=0):
        return timezone.make_aware(datetime.combine(jour, dtime(heure, minute)))

    # Binômes by sector --------------------------------------------------------------------------

    def binomes(self):
        rng = self.rng
        membres = list(self.referents)
        rng.shuffle(membres)
        codes = list(SecteurActivite.objects.order_by("code").values_list("code", flat=True))
        rng.shuffle(codes)
        n = len(membres) // 2
        self.binome_du_secteur = {}
        for i in range(n):
            binome = Binome(referent_1=membres[2 * i], referent_2=membres[2 * i + 1], actif=True)
            self.lignes[Binome].append(binome)
            couverts = codes[i::n]
            self.secteurs_des_binomes[id(binome)] = couverts
            for code in couverts:
                self.binome_du_secteur[code] = binome

    # Events -------------------------------------------------------------------------------------

    def evenements(self):
        rng, today = self.rng, self.today
        self.evenements_passes = []
        for type_, titre, lieu, insee, organisateur, heure, duree, jours in EVENEMENTS:
            jour = _jour_de_rencontre(today + timedelta(days=jours + rng.randint(-3, 3)))
            debut = self._date(jour, heure)
            presents = rng.sample(self.referents, rng.randint(2, 4))
            if rng.random() < 0.4:
                presents.append(self.charge)
            evenement = Evenement(
                titre=titre,
                type=type_,
                debut=debut,
                fin=debut + timedelta(hours=duree),
                lieu=lieu,
                commune=self.refs.communes.get(insee),
                organisateur=organisateur,
                description=f"{titre} : le PLIE y tient un stand et y accompagne des participants.",
                bilan=rng.choice(BILANS_EVENEMENT) if jour < today else "",
                cree_par=rng.choice([self.charge, self.coordinatrice]),
            )
            evenement._presents_demo = presents
            self.lignes[Evenement].append(evenement)
            for user in presents:
                self.lignes[EvenementParticipant].append(EvenementParticipant(evenement=evenement, user=user))
            for libelle in rng.sample(TACHES_EVENEMENT, rng.randint(2, 4)):
                echeance = jour - timedelta(days=rng.randint(1, 14))
                self.lignes[TacheEvenement].append(
                    TacheEvenement(
                        evenement=evenement,
                        libelle=libelle,
                        responsable=rng.choice(presents),
                        echeance=echeance,
                        faite=echeance < today and (jour < today or rng.random() < 0.8),
                    )
                )
            if jour < today:
                self.evenements_passes.append(evenement)

    # Contacts, exchanges and hiring needs ----------------------------------------------------------

    def entreprises(self, entreprises):
        rng, today = self.rng, self.today
        suivies = [entreprises[i] for i in sorted(_echantillon(rng, entreprises, PART_ENTREPRISES_SUIVIES))]
        for e in suivies:
            binome = self.binome_du_secteur.get(getattr(e.secteur_activite, "code", None))
            auteurs = binome.membres() if binome else self.referents
            contacts = []
            for _ in range(rng.choice([1, 1, 2])):
                consentement = rng.random() < 0.5
                contact = ContactFactory.build(
                    entreprise=e,
                    fonction=rng.choice(FONCTIONS_CONTACT),
                    consentement=consentement,
                    consentement_le=None,
                )
                contacts.append(contact)
            dates = sorted(
                today - timedelta(days=rng.randint(0, JOURS_ECHANGES)) for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 5]))
            )
            echanges = []
            for jour in dates:
                type_ = _tirage(rng, TYPES_ECHANGE)
                evenement = None
                if type_ == TypeInteraction.EVENEMENT:
                    possibles = [
                        ev for ev in self.evenements_passes if ev.debut.date() >= today - timedelta(days=JOURS_ECHANGES)
                    ]
                    if possibles:
                        evenement = rng.choice(possibles)
                        jour = evenement.debut.date()
                    else:
                        type_ = TypeInteraction.APPEL
                auteur = rng.choice(evenement._presents_demo if evenement else auteurs)
                if auteur not in self.referents:
                    auteur = rng.choice(auteurs)
                echanges.append(
                    Interaction(
                        entreprise=e,
                        contact=rng.choice(contacts) if rng.random() < 0.8 else None,
                        date=_jour_ouvre(jour, today - timedelta(days=JOURS_ECHANGES), today),
                        auteur=auteur,
                        type=type_,
                        resume=rng.choice(RESUMES_ECHANGE[type_]),
                        evenement=evenement,
                    )
                )
            echanges.sort(key=lambda i: i.date)
            for i, echange in enumerate(echanges):
                if rng.random() < 0.5 or i == len(echanges) - 1:
                    echange.prochaine_etape = rng.choice(PROCHAINES_ETAPES_ECHANGE)
                    echange.echeance = echange.date + timedelta(days=rng.randint(7, 30))
                    echange.prochaine_etape_faite = i < len(echanges) - 1 or echange.echeance < today - timedelta(
                        days=rng.randint(0, 30)
                    )
            premier = echanges[0].date
            for contact in contacts:
                if contact.consentement:
                    contact.consentement_le = premier
            # As ``services.interaction_enregistrer``: the last contact, "à contacter" becomes
            # "contact établi"; the référents then mark the regular partners and the dormant ones.
            e.dernier_contact_le = echanges[-1].date
            e.statut_relation = StatutRelation.CONTACT_ETABLI
            if len(echanges) >= 3 and rng.random() < 0.6:
                e.statut_relation = StatutRelation.PARTENAIRE
            elif e.dernier_contact_le < today - timedelta(days=120) and rng.random() < 0.5:
                e.statut_relation = StatutRelation.EN_SOMMEIL
            self.lignes[Contact].extend(contacts)
            self.lignes[Interaction].extend(echanges)
        self.entreprises_suivies = suivies
        actives = [e for e in suivies if e.statut_relation != StatutRelation.EN_SOMMEIL]
        n = min(len(actives), max(1, round(BESOINS_RECRUTEMENT * self.scale)))
        statuts = _stratifie(rng, n, STATUTS_BESOIN_RECRUTEMENT)
        for e, statut in zip(rng.sample(actives, n), statuts, strict=True):
            codes = [c for c in e.activite.romes if c in self.refs.metiers]
            metier = self.refs.metiers[rng.choice(codes)] if codes else None
            self.lignes[BesoinRecrutement].append(
                BesoinRecrutement(
                    entreprise=e,
                    intitule=intitule_pour(metier, rng) if metier else "Agent polyvalent (H/F)",
                    metier_rome=metier,
                    nb_postes=rng.choice([1, 1, 2, 3]),
                    prerequis=rng.choice(PREREQUIS_BESOIN),
                    echeance=today + timedelta(days=rng.randint(10, 90)),
                    statut=statut,
                    cree_par=rng.choice([i.auteur for i in self.lignes[Interaction] if i.entreprise is e]),
                )
            )

    # Collective actions ------------------------------------------------------------------------

    def actions(self, participants, entreprises):
        rng, today = self.rng, self.today
        suivis = [p for p in participants if p.statut == StatutParticipant.ENTRE]
        visitables = [e for e in self.entreprises_suivies if e.statut_relation == StatutRelation.PARTENAIRE]
        visitables = visitables or self.entreprises_suivies or entreprises
        visitees = rng.sample(visitables, min(2, len(visitables)))
        for numero, (type_, titre, creneau, debut, fin, capacite, jours) in enumerate(ACTIONS):
            jour = _jour_de_rencontre(today + timedelta(days=jours))
            entreprise = None
            if type_ == TypeAction.VISITE:
                if not visitees:
                    continue
                entreprise = visitees[numero % len(visitees)]
                titre = titre.format(entreprise=entreprise.nom)
            animateur = rng.choice(self.referents) if type_ != TypeAction.ATELIER_SENIORS else None
            passee = jour < today
            action = ActionCollective(
                type=type_,
                titre=titre[:200],
                date=jour,
                creneau=creneau,
                heure_debut=dtime(*debut),
                heure_fin=dtime(*fin),
                lieu=entreprise.adresse if entreprise else "Maison de l'emploi et de la formation, Dijon",
                commune=entreprise.commune if entreprise else self.refs.communes.get("21231"),
                entreprise=entreprise,
                animateur=animateur,
                animateur_externe="" if animateur else rng.choice(ANIMATEURS_EXTERNES),
                capacite=capacite,
                description=f"{titre} : action collective proposée aux participants du PLIE.",
                statut=StatutAction.REALISEE if passee else StatutAction.PREVUE,
                cree_par=animateur or self.charge,
            )
            self.lignes[ActionCollective].append(action)
            self._inscriptions(action, suivis, passee)

    def _inscriptions(self, action, suivis, passee):
        """Registrations by the référents of their own caseload, within the seats; attendance of
        the past actions, for the half-days of the slot."""
        rng, today = self.rng, self.today
        cible = rng.randint(math.ceil(action.capacite * (0.6 if passee else 0.4)), action.capacite)
        champs = presences_attendues(action.creneau)
        referents = list(self.referents)
        rng.shuffle(referents)
        inscrits = 0
        for referent in referents:
            if inscrits >= cible:
                break
            jour = max(action.date - timedelta(days=rng.randint(3, 20)), today - timedelta(days=JOURS_ECHANGES))
            jour = min(jour, today)
            eligibles = [
                p
                for p in suivis
                if p.referent.pk == referent.pk
                and p.date_entree <= jour
                and self.suivi.referent_le(p, jour).pk == referent.pk
                and (action.type != TypeAction.ATELIER_SENIORS or est_senior(p.date_naissance, action.date))
            ]
            for p in rng.sample(eligibles, min(len(eligibles), rng.randint(1, 3), cible - inscrits)):
                inscription = Inscription(action=action, participant=p, inscrit_par=referent)
                inscription._inscrit_le_demo = _moment(jour, rng)
                if passee:
                    presence = _tirage(rng, PRESENCES)
                    for champ in champs:
                        setattr(inscription, champ, presence if rng.random() < 0.9 else _tirage(rng, PRESENCES))
                self.lignes[Inscription].append(inscription)
                inscrits += 1

    # Training -----------------------------------------------------------------------------------

    def formation(self, participants):
        rng, today = self.rng, self.today
        domaines = {d.code: d for d in DomaineFormation.objects.all()}
        organismes = []
        for nom, siren, insee, codes in ORGANISMES:
            commune = self.refs.communes.get(insee)
            organisme = OrganismeFormation(
                nom=nom,
                siret=siret_valide(siren, "0001"),
                adresse=rng.choice(["12 rue de Mulhouse", "3 boulevard de l'Europe", "45 avenue Jean-Jaurès"]),
                commune=commune,
                contact_nom=rng.choice(CONTACTS_PARTENAIRE).split(",")[0],
                contact_telephone=f"03 80 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                actif=True,
            )
            organismes.append(organisme)
            self.lignes[OrganismeFormation].append(organisme)
            for code in codes:
                if code in domaines:
                    self.lignes[OrganismeDomaine].append(
                        OrganismeDomaine(organismeformation=organisme, domaineformation=domaines[code])
                    )
        sessions = []
        for indice, intitule, dispositif, code, rome, qualifiante, statut, debut, fin, capacite in SESSIONS:
            if code not in domaines:
                continue
            session = SessionFormation(
                organisme=organismes[indice],
                intitule=intitule,
                dispositif=dispositif,
                domaine=domaines[code],
                metier_rome=self.refs.metiers.get(rome) if rome else None,
                niveau_vise=self.refs.niveaux.get("3") if qualifiante else None,
                qualifiante=qualifiante,
                debut=today + timedelta(days=debut),
                fin=today + timedelta(days=fin),
                lieu=f"{organismes[indice].nom}, {organismes[indice].commune.nom if organismes[indice].commune else 'Dijon'}",
                commune=organismes[indice].commune,
                capacite=capacite,
                prerequis="Projet validé par le référent ; savoirs de base acquis." if qualifiante else "",
                statut=statut,
                cree_par=self.charge,
            )
            sessions.append(session)
            self.lignes[SessionFormation].append(session)
        self.nb_suivis = sum(1 for p in participants if p.statut == StatutParticipant.ENTRE)
        self._besoins(participants, domaines)
        self._positionnements(sessions)

    def _besoins(self, participants, domaines):
        rng, today = self.rng, self.today
        suivis = [p for p in participants if p.statut == StatutParticipant.ENTRE]
        entretiens = {}
        for e in self.suivi.lignes[Entretien]:
            entretiens.setdefault(id(e.participant), []).append(e)
        ordonnes = sorted(domaines.values(), key=lambda d: d.code)
        for i in sorted(_echantillon(rng, suivis, PART_BESOINS_FORMATION)):
            p = suivis[i]
            metier, code = None, None
            tirage = rng.random()
            if tirage < 0.15 and p.niveau_formation.niveau_v_ou_infra:
                code = "savoirs-de-base"
            elif tirage < 0.22 and not p.permis_b:
                code = "permis-conduite"
            elif tirage < 0.27:
                code = "langues"
            else:
                for rome in rng.sample(p._metiers_demo, len(p._metiers_demo)):
                    domaine = domaine_pour_metier(rome, ordonnes)
                    if domaine is not None and domaine.code in BESOINS_PAR_DOMAINE:
                        metier, code = self.refs.metiers[rome], domaine.code
                        break
                code = code or "savoirs-de-base"
            if code not in domaines:
                continue
            type_, intitules = BESOINS_PAR_DOMAINE[code]
            recents = [
                e for e in entretiens.get(id(p), []) if e.date >= max(p.date_entree, today - timedelta(days=240))
            ]
            entretien = rng.choice(recents) if recents else None
            exprime_le = (
                entretien.date if entretien else today - timedelta(days=rng.randint(0, (today - p.date_entree).days))
            )
            contraintes = [
                c
                for c, present in (
                    ("horaires", p.heures_hebdo_max is not None),
                    ("mobilite", p.mobilite_logement and not p.vehicule),
                    ("garde_enfants", p.situation_familiale_complexe),
                    ("sante", p.sante_handicap),
                    ("financiere", p.minima_sociaux == MinimaSociaux.AUCUN),
                )
                if present and rng.random() < 0.6
            ]
            financements = ["region"] if type_ in (TypeBesoin.QUALIFIANT, TypeBesoin.SAVOIRS_DE_BASE) else []
            financements += rng.sample(["france_travail", "cpf", "plie"], rng.randint(0, 2))
            besoin = BesoinFormation(
                participant=p,
                domaine=domaines[code],
                metier_rome=metier,
                intitule=rng.choice(intitules),
                type=type_,
                niveau_vise=self.refs.niveaux.get("3") if type_ == TypeBesoin.QUALIFIANT else None,
                urgence=rng.choice([Urgence.FAIBLE, Urgence.MOYENNE, Urgence.MOYENNE, Urgence.FORTE]),
                contraintes=",".join(contraintes),
                financements=",".join(financements),
                statut=_tirage(rng, STATUTS_BESOIN_SANS_POSITIONNEMENT),
                exprime_le=exprime_le,
                entretien=entretien,
                cree_par=self.suivi.referent_le(p, exprime_le),
            )
            self.lignes[BesoinFormation].append(besoin)

    def _positionnements(self, sessions):
        """A few positionnements on the demo sessions, with their steps; the need follows them
        (``rules.besoin_apres_positionnement``) and an entry opens the training situation."""
        rng, today = self.rng, self.today
        avec_situation = {id(s.participant) for s in self.suivi.lignes[Situation]}
        besoins = [b for b in self.lignes[BesoinFormation] if b.statut == StatutBesoinFormation.EXPRIME]
        total = round(PART_POSITIONNEMENTS_FORMATION * len(self.lignes[BesoinFormation]))
        # Those who entered a training (and those refused at entry) on a session already started.
        sur_sessions_demarrees = round(PART_SUR_SESSIONS_DEMARREES * self.nb_suivis)
        pris = set()
        for session in rng.sample(sessions, len(sessions)):
            if len(pris) >= total:
                break
            demarre = session.debut <= today
            # Proposed 10 to 40 days before the start (or in the last month for a later session).
            propose_max = min(today, session.debut - timedelta(days=10)) if demarre else today
            candidats = [
                b
                for b in besoins
                if id(b) not in pris
                and b.domaine is session.domaine
                and b.exprime_le <= propose_max
                and b.participant.date_entree <= propose_max
                and not (demarre and id(b.participant) in avec_situation)
            ]
            places = session.capacite
            n = min(len(candidats), rng.randint(2, 5), total - len(pris))
            if demarre:
                n = min(n, sur_sessions_demarrees)
                sur_sessions_demarrees -= n
            for besoin in rng.sample(candidats, n):
                p = besoin.participant
                propose_min = max(besoin.exprime_le, propose_max - timedelta(days=30))
                jour = propose_min + timedelta(days=rng.randint(0, (propose_max - propose_min).days))
                if demarre:
                    entree = session.debut + timedelta(days=rng.randint(0, 2))
                    parcours = [(PF.PROPOSE, jour), (PF.INSCRIT, min(jour + timedelta(days=rng.randint(2, 7)), entree))]
                    if places == 0 or rng.random() < 0.15:
                        parcours[1] = (PF.REFUSE, parcours[1][1])
                    else:
                        parcours.append((PF.ENTRE, entree))
                        if session.fin < today:
                            parcours.append(
                                (PF.TERMINE, session.fin)
                                if rng.random() < 0.85
                                else (PF.ABANDON, session.fin - timedelta(days=rng.randint(5, 30)))
                            )
                        elif rng.random() < 0.1:
                            parcours.append((PF.ABANDON, min(today, entree + timedelta(days=rng.randint(3, 20)))))
                else:
                    suite = min(today, jour + timedelta(days=rng.randint(2, 10)))
                    parcours = [(PF.PROPOSE, jour)]
                    tirage = rng.random()
                    if tirage < 0.4 and places:
                        parcours.append((PF.INSCRIT, suite))
                    elif tirage < 0.5:
                        parcours.append((PF.REFUSE, suite))
                if any(s == PF.INSCRIT for s, _ in parcours):
                    places -= 1
                self._positionnement(session, besoin, parcours)
                pris.add(id(besoin))
                avec_situation.add(id(p))

    def _positionnement(self, session, besoin, parcours):
        p = besoin.participant
        positionnement = PositionnementFormation(
            session=session,
            participant=p,
            besoin=besoin,
            statut=parcours[-1][0],
            propose_par=self.suivi.referent_le(p, parcours[0][1]),
        )
        positionnement._propose_le_demo = _moment(parcours[0][1], self.rng)
        self.lignes[PositionnementFormation].append(positionnement)
        entre_avant = False
        for statut, jour in parcours:
            par = self.charge if statut in (PF.INSCRIT, PF.ENTRE) else self.suivi.referent_le(p, jour)
            self.lignes[EtapePositionnementFormation].append(
                EtapePositionnementFormation(positionnement=positionnement, statut=statut, date=jour, par=par)
            )
            if statut == PF.ENTRE:
                # As ``formation.services._situation_ouvrir``.
                positionnement.situation = Situation(
                    participant=p,
                    type=CategorieContrat.FORMATION_QUALIFIANTE if session.qualifiante else CategorieContrat.FORMATION,
                    intitule=session.intitule[:250],
                    debut=jour,
                    fin_prevue=session.fin,
                    employeur=session.organisme.nom[:200],
                    siret=session.organisme.siret,
                    cree_par=par,
                )
                self.suivi.lignes[Situation].append(positionnement.situation)
            elif statut in (PF.TERMINE, PF.ABANDON) and entre_avant:
                positionnement.situation.fin = jour
            vers = besoin_apres_positionnement(statut, entre_avant=entre_avant)
            if vers is not None:
                besoin.statut = vers
            entre_avant = statut == PF.ENTRE


def _empreinte_participants(participants=None):
    champs = ("identifiant", "nom", "prenom", "date_naissance", "date_candidature")
    if participants is None:
        rows = Participant.objects.filter(identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO).values_list(*champs)
        return sorted(rows)
    return sorted(tuple(getattr(p, c) for c in champs) for p in participants)


def _empreinte_entreprises(entreprises=None):
    if entreprises is None:
        return sorted(Entreprise.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).values_list("siret", "nom"))
    return sorted((e.siret, e.nom) for e in entreprises)


def _empreinte_offres(offres=None):
    if offres is None:
        rows = Offre.objects.filter(entreprise__siret__startswith=PREFIXE_SIRET_DEMO).values_list(
            "entreprise__siret", "intitule", "date_publication"
        )
        return sorted(rows)
    return sorted((o.entreprise.siret, o.intitule, o.date_publication) for o in offres)


# The stable fields of the pathway rows, by model (the participant's identifiant comes first).
CLES_SUIVI = {
    HistoriqueReferent: ("referent_id", "du"),
    DecisionCommission: ("decision", "date_decision"),
    Entretien: ("date", "realise_par_id"),
    Etape: ("type", "intitule", "debut"),
    DiagnosticEntree: ("date",),
    Situation: ("type", "debut"),
    Sortie: ("motif", "date"),
    DetectionSortie: ("resultat",),
}


def _empreinte_suivi(modele, lignes=None):
    """The stable fields of a model's pathway rows, as a set.

    The generated rows must all be in the database; rows people added during the day (an
    entretien, a new référent, a confirmed exit) are kept. Detections of participants in
    accompaniment are recomputed by ``detections_rafraichir``: only the confirmed ones count."""
    champs = CLES_SUIVI[modele]
    if lignes is None:
        rows = modele.objects.filter(participant__identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO)
        if modele is DetectionSortie:
            rows = rows.filter(statut=StatutDetection.CONFIRMEE)
        return set(rows.values_list("participant__identifiant", *champs))
    return {(ligne.participant.identifiant, *(_valeur(ligne, c) for c in champs)) for ligne in lignes}


def _valeur(ligne, champ):
    if champ.endswith("_id"):
        return getattr(ligne, champ[:-3]).pk
    return getattr(ligne, champ)


# The stable fields of the offers side, by model: (lookup of the demo rows, fields, the same read
# from an unsaved row). An offer is known by its company's SIRET, its title and its publication date.
_OFFRE = ("entreprise__siret", "intitule", "date_publication")


def _cle_offre(o):
    return (o.entreprise.siret, o.intitule, o.date_publication)


CLES_VIE_OFFRES = {
    ProjetParticipant: (
        {"participant__identifiant__startswith": PREFIXE_IDENTIFIANT_DEMO},
        ("participant__identifiant", "metierrome__code"),
        lambda ligne: (ligne.participant.identifiant, ligne.metierrome.code),
    ),
    LienSource: (
        {"offre__entreprise__siret__startswith": PREFIXE_SIRET_DEMO},
        (*(f"offre__{c}" for c in _OFFRE), "source__nom", "identifiant_externe"),
        lambda ligne: (*_cle_offre(ligne.offre), ligne.source.nom, ligne.identifiant_externe),
    ),
    Diffusion: (
        {"offre__entreprise__siret__startswith": PREFIXE_SIRET_DEMO},
        (*(f"offre__{c}" for c in _OFFRE), "referent_id"),
        lambda ligne: (*_cle_offre(ligne.offre), ligne.referent.pk),
    ),
    Positionnement: (
        {"participant__identifiant__startswith": PREFIXE_IDENTIFIANT_DEMO},
        (*(f"offre__{c}" for c in _OFFRE), "participant__identifiant"),
        lambda ligne: (*_cle_offre(ligne.offre), ligne.participant.identifiant),
    ),
    EtapePositionnement: (
        {"positionnement__participant__identifiant__startswith": PREFIXE_IDENTIFIANT_DEMO},
        (
            *(f"positionnement__offre__{c}" for c in _OFFRE),
            "positionnement__participant__identifiant",
            "statut",
            "date",
        ),
        lambda ligne: (
            *_cle_offre(ligne.positionnement.offre),
            ligne.positionnement.participant.identifiant,
            ligne.statut,
            ligne.date,
        ),
    ),
}


def _empreinte_vie_offres(modele, lignes=None):
    """Like ``_empreinte_suivi``: the generated rows must all be in the database, and what people
    did since (an offer diffused, a step recorded, a diffusion seen) is kept."""
    filtre, champs, cle = CLES_VIE_OFFRES[modele]
    if lignes is None:
        return set(modele.objects.filter(**filtre).values_list(*champs))
    return {cle(ligne) for ligne in lignes}


# The company file, the events, the collective actions and the training side are recognised by
# their demo company, participant or training body (SIRET ``000…``), or, for the events and the
# workshops, by a demo account as author and a title of the demo catalogue.
_TITRES_EVENEMENTS = [titre for _, titre, *_ in EVENEMENTS]
_TITRES_ACTIONS = [titre for _, titre, *_ in ACTIONS if "{" not in titre]
_EVENEMENTS_DEMO = Q(cree_par__email__endswith=DOMAINE_EMAIL_DEMO, titre__in=_TITRES_EVENEMENTS)
_ACTIONS_DEMO = Q(cree_par__email__endswith=DOMAINE_EMAIL_DEMO) & (
    Q(titre__in=_TITRES_ACTIONS) | Q(entreprise__siret__startswith=PREFIXE_SIRET_DEMO)
)
_DE_PARTICIPANT_DEMO = {"participant__identifiant__startswith": PREFIXE_IDENTIFIANT_DEMO}
_D_ENTREPRISE_DEMO = {"entreprise__siret__startswith": PREFIXE_SIRET_DEMO}
_DE_L_EVENEMENT = ("evenement__titre", "evenement__debut")
_DE_LA_SESSION = ("session__organisme__siret", "session__intitule", "session__debut")

# The stable fields of each model of ``_Fichier``: (lookup of the demo rows, fields).
CLES_FICHIER = {
    Binome: (
        Q(referent_1__email__endswith=DOMAINE_EMAIL_DEMO, referent_2__email__endswith=DOMAINE_EMAIL_DEMO),
        ("referent_1_id", "referent_2_id"),
    ),
    Contact: (Q(**_D_ENTREPRISE_DEMO), ("entreprise__siret", "nom", "prenom")),
    Evenement: (_EVENEMENTS_DEMO, ("titre", "debut")),
    EvenementParticipant: (
        Q(evenement__cree_par__email__endswith=DOMAINE_EMAIL_DEMO, evenement__titre__in=_TITRES_EVENEMENTS),
        (*_DE_L_EVENEMENT, "user_id"),
    ),
    TacheEvenement: (
        Q(evenement__cree_par__email__endswith=DOMAINE_EMAIL_DEMO, evenement__titre__in=_TITRES_EVENEMENTS),
        (*_DE_L_EVENEMENT, "libelle"),
    ),
    Interaction: (Q(**_D_ENTREPRISE_DEMO), ("entreprise__siret", "date", "auteur_id", "type")),
    BesoinRecrutement: (Q(**_D_ENTREPRISE_DEMO), ("entreprise__siret", "intitule")),
    ActionCollective: (_ACTIONS_DEMO, ("titre", "date")),
    Inscription: (Q(**_DE_PARTICIPANT_DEMO), ("action__titre", "action__date", "participant__identifiant")),
    OrganismeFormation: (Q(siret__startswith=PREFIXE_SIRET_DEMO), ("siret", "nom")),
    OrganismeDomaine: (
        Q(organismeformation__siret__startswith=PREFIXE_SIRET_DEMO),
        ("organismeformation__siret", "domaineformation__code"),
    ),
    SessionFormation: (Q(organisme__siret__startswith=PREFIXE_SIRET_DEMO), ("organisme__siret", "intitule", "debut")),
    BesoinFormation: (Q(**_DE_PARTICIPANT_DEMO), ("participant__identifiant", "intitule", "exprime_le")),
    PositionnementFormation: (Q(**_DE_PARTICIPANT_DEMO), (*_DE_LA_SESSION, "participant__identifiant")),
    EtapePositionnementFormation: (
        Q(positionnement__participant__identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO),
        (
            *(f"positionnement__{c}" for c in _DE_LA_SESSION),
            "positionnement__participant__identifiant",
            "statut",
            "date",
        ),
    ),
}


def _chemin(ligne, champ):
    for attribut in champ.split("__"):
        ligne = getattr(ligne, attribut)
    return ligne


def _empreinte_fichier(modele, lignes=None):
    """Like ``_empreinte_suivi``: the generated rows must all be in the database; rows people
    added since (an exchange, a registration, an event) are kept."""
    filtre, champs = CLES_FICHIER[modele]
    if lignes is None:
        return set(modele.objects.filter(filtre).values_list(*champs))
    return {tuple(_chemin(ligne, c) for c in champs) for ligne in lignes}


def supprimer_donnees_demo():
    """Delete the demo participants, offers and companies (never the staff accounts); the
    positionnements on demo offers go with them, and so do the company file, events, collective
    actions and training side of the demo (the business sectors lose their demo binôme)."""
    PositionnementFormation.objects.filter(
        Q(**_DE_PARTICIPANT_DEMO) | Q(session__organisme__siret__startswith=PREFIXE_SIRET_DEMO)
    ).delete()
    Inscription.objects.filter(**_DE_PARTICIPANT_DEMO).delete()
    ActionCollective.objects.filter(_ACTIONS_DEMO | Q(**_D_ENTREPRISE_DEMO)).delete()
    Evenement.objects.filter(_EVENEMENTS_DEMO).delete()
    Binome.objects.filter(CLES_FICHIER[Binome][0]).delete()
    SessionFormation.objects.filter(organisme__siret__startswith=PREFIXE_SIRET_DEMO).delete()
    OrganismeFormation.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).delete()
    Positionnement.objects.filter(offre__entreprise__siret__startswith=PREFIXE_SIRET_DEMO).delete()
    Participant.objects.filter(identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO).delete()
    Offre.objects.filter(entreprise__siret__startswith=PREFIXE_SIRET_DEMO).delete()
    Entreprise.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).delete()


def _enregistrer_fichier(fichier):
    """Save the rows of ``_Fichier`` (after the companies, participants and pathway): the demo
    binômes cover the sectors no other binôme covers; the dates of registration and proposal,
    set by the database at insertion, are put back to the generated ones."""
    for modele, lignes in fichier.lignes.items():
        modele.objects.bulk_create(lignes, batch_size=1000)
    for binome in fichier.lignes[Binome]:
        codes = fichier.secteurs_des_binomes[id(binome)]
        SecteurActivite.objects.filter(code__in=codes, binome=None).update(binome=binome)
    for modele, champ in ((Inscription, "inscrit_le"), (PositionnementFormation, "propose_le")):
        lignes = fichier.lignes[modele]
        for ligne in lignes:
            setattr(ligne, champ, getattr(ligne, f"_{champ}_demo"))
        modele.objects.bulk_update(lignes, [champ], batch_size=500)


def charger_donnees_demo(*, scale=1.0, seed=0, today=None):
    """Load (or leave as is) the demo data; returns the counts per kind.

    Raises ``DemoInvalide`` (a ``ValueError``) on a bad ``scale``.
    """
    try:
        scale = float(scale)
    except (TypeError, ValueError) as exc:
        raise DemoInvalide(f"L'échelle doit être un nombre (reçu : {scale!r}).") from exc
    if not (scale > 0 and math.isfinite(scale)):
        raise DemoInvalide(f"L'échelle doit être strictement positive (reçu : {scale:g}).")
    if scale > 50:
        raise DemoInvalide(f"L'échelle est limitée à 50 (reçu : {scale:g}).")
    debut = time.monotonic()
    today = today or timezone.localdate()
    rng = random.Random(seed)
    factory.random.reseed_random(seed)

    volumes = _volumes(scale)
    with transaction.atomic():
        comptes_ecrits = _upsert_staff()
        refs = _Referentiels(today)
        referents = list(
            User.objects.filter(email__in=[e for r, e in DEMO_COMPTES if r == Role.REFERENT]).order_by("email")
        )
        coordinatrice = User.objects.get(email=_email_du_role(Role.COORDINATRICE))
        participants = _generer_participants(rng, refs, referents, volumes, today)
        entreprises = _generer_entreprises(rng, refs, volumes)
        offres = _generer_offres(rng, refs, entreprises, volumes, today) if entreprises else []
        # The pathway and the offers side have their own generators: the participants stay the
        # same whatever they draw.
        suivi = _Suivi(random.Random(f"{seed}:suivi"), refs, referents, coordinatrice, entreprises, today)
        suivi.generer(participants)
        charge = User.objects.get(email=_email_du_role(Role.CHARGE_MISSION))
        vie_offres = _generer_vie_offres(
            random.Random(f"{seed}:offres"), refs, suivi, charge, participants, offres, today
        )
        fichier = _Fichier(random.Random(f"{seed}:fichier"), refs, suivi, charge, coordinatrice, today, scale)
        fichier.generer(participants, entreprises)
        suivi = suivi.lignes

        a_jour = (
            _empreinte_participants() == _empreinte_participants(participants)
            and _empreinte_entreprises() == _empreinte_entreprises(entreprises)
            and _empreinte_offres() == _empreinte_offres(offres)
            and all(_empreinte_suivi(modele, lignes) <= _empreinte_suivi(modele) for modele, lignes in suivi.items())
            and all(
                _empreinte_vie_offres(modele, lignes) <= _empreinte_vie_offres(modele)
                for modele, lignes in vie_offres.items()
            )
            and all(
                _empreinte_fichier(modele, lignes) <= _empreinte_fichier(modele)
                for modele, lignes in fichier.lignes.items()
            )
        )
        if not a_jour:
            supprimer_donnees_demo()
            Participant.objects.bulk_create(participants, batch_size=500)
            if any(p.pk is None for p in participants):  # backends that return no ids
                ids = dict(
                    Participant.objects.filter(identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO).values_list(
                        "identifiant", "pk"
                    )
                )
                for p in participants:
                    p.pk = ids[p.identifiant]
            Entreprise.objects.bulk_create(entreprises, batch_size=500)
            if any(e.pk is None for e in entreprises):
                ids = dict(Entreprise.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).values_list("siret", "pk"))
                for e in entreprises:
                    e.pk = ids[e.siret]
            Offre.objects.bulk_create(offres, batch_size=500)
            for modele, lignes in suivi.items():
                modele.objects.bulk_create(lignes, batch_size=1000)
            # After the situations (a hire points to its contract) and the offers.
            for modele, lignes in vie_offres.items():
                modele.objects.bulk_create(lignes, batch_size=1000)
            _enregistrer_fichier(fichier)
            renseigner_sources_origine()  # the links were bulk-inserted
        detections = detections_rafraichir(today=today)
        # The FSE side (agendas of the FSE-funded posts, participants' FSE data): additive, keyed.
        fse = demo_fse.charger_agendas(
            seed=seed, today=today, charge=charge, coordinatrice=coordinatrice, referents=referents
        )
        fse["donnees_fse_creees"] = demo_fse.charger_donnees_participants(
            seed=seed, today=today, prefixe=PREFIXE_IDENTIFIANT_DEMO
        )

    return {
        "comptes": len(_COMPTES),
        "comptes_ecrits": comptes_ecrits,
        "referents": len(REFERENTS),
        "participants": len(participants),
        "en_accompagnement": volumes["en_accompagnement"],
        "sortis": volumes["sortis_annee"] + volumes["sortis_avant"],
        "sortis_dans_l_annee": volumes["sortis_annee"],
        "candidats": volumes["candidats"],
        "entreprises": len(entreprises),
        "offres": len(offres),
        "offres_a_qualifier": sum(1 for o in offres if o.statut == StatutOffre.COLLECTEE),
        **{modele._meta.model_name: len(lignes) for modele, lignes in suivi.items()},
        **{modele._meta.model_name: len(lignes) for modele, lignes in vie_offres.items()},
        **{modele._meta.model_name: len(lignes) for modele, lignes in fichier.lignes.items()},
        "detections_creees": detections[0],
        **fse,
        "recharge": not a_jour,
        "duree_s": round(time.monotonic() - debut, 1),
    }
