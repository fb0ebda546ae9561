"""Realistic demo data for the PLIE of Dijon Métropole (``manage.py seed_demo``).

What is loaded at scale 1 (RULES §5 key figures): 18 staff accounts (14 référents, one chargé
de mission, one coordinatrice, one auditeur FSE, one administrateur), about 900 participants in
accompaniment on ``today``, 600 who exited during the last 365 days (so ~1 500 accompanied in the
year), 60 candidates awaiting the commission, older exits (pathways of 16 months on average),
300 companies and 400 offers published over the last 60 days. ``scale`` multiplies participants,
companies and offers; the staff stays the same.

How demo rows are recognised, so that reloading never touches real data:

- participants: ``identifiant`` starts with ``DEMO-``;
- companies: the SIRET starts with ``000`` (``PREFIXE_SIRET_DEMO``). No French company has a
  SIREN starting with 0, yet the numbers pass the Luhn checks, so they validate like real ones;
- offers: linked to a demo company.

Determinism and idempotence: the rows depend only on ``scale``, ``seed`` and ``today``. The loader
builds them in memory, compares a fingerprint of the stable fields (identity, names, dates) with
the demo rows in the database, and replaces the demo rows in one transaction only when they differ.
A second run with the same arguments therefore writes nothing but the staff accounts' upsert
(which changes nothing either), and keeps what people did with the demo during the day (an
offer qualified, a participant's référent changed).
"""

import math
import random
import time
from datetime import timedelta
from decimal import Decimal

import factory.random
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from entreprises.factories import ACTIVITES, EntrepriseFactory, siret_valide
from entreprises.models import Entreprise
from offres.enums import StatutOffre
from offres.factories import OffreFactory, intitule_pour
from offres.models import Offre
from participants.enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Participant

from .factories import DEMO_MOT_DE_PASSE
from .models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, TypeContrat, User
from .roles import Role

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
                entree = sortie - _mois(rng.triangular(3, 36, 9))  # mean 16 months
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
        offres.append(
            OffreFactory.build(
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
        )
    return offres


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


def supprimer_donnees_demo():
    """Delete the demo participants, offers and companies (never the staff accounts)."""
    Offre.objects.filter(entreprise__siret__startswith=PREFIXE_SIRET_DEMO).delete()
    Entreprise.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).delete()
    Participant.objects.filter(identifiant__startswith=PREFIXE_IDENTIFIANT_DEMO).delete()


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
        participants = _generer_participants(rng, refs, referents, volumes, today)
        entreprises = _generer_entreprises(rng, refs, volumes)
        offres = _generer_offres(rng, refs, entreprises, volumes, today) if entreprises else []

        a_jour = (
            _empreinte_participants() == _empreinte_participants(participants)
            and _empreinte_entreprises() == _empreinte_entreprises(entreprises)
            and _empreinte_offres() == _empreinte_offres(offres)
        )
        if not a_jour:
            supprimer_donnees_demo()
            Participant.objects.bulk_create(participants, batch_size=500)
            Entreprise.objects.bulk_create(entreprises, batch_size=500)
            if any(e.pk is None for e in entreprises):  # backends that return no ids
                ids = dict(Entreprise.objects.filter(siret__startswith=PREFIXE_SIRET_DEMO).values_list("siret", "pk"))
                for e in entreprises:
                    e.pk = ids[e.siret]
            Offre.objects.bulk_create(offres, batch_size=500)

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
        "recharge": not a_jour,
        "duree_s": round(time.monotonic() - debut, 1),
    }
