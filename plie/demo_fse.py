"""The FSE side of the demo data (``plie.demo``): weekly agendas and participants' FSE data.

- The chargé de mission and the référents hold an FSE-funded post (``agenda_fse``); their
  accounts are dated a year back so that the Monday reminder owes them the recent weeks.
- Agendas, filled in, submitted, validated or sent back through ``fse.services`` (so the lock
  applies): the chargé de mission over the last 8 weeks (the last one in draft, one awaiting
  validation, one sent back with a comment, the others validated by the coordinatrice); two
  référents over 2–3 weeks. Lines follow what the demo says they did that day (offers qualified,
  events attended, collective actions, exchanges with companies, entretiens), public holidays
  are left empty. Only the weeks open to changes (draft, sent back) carry links to offers,
  companies, events and actions, removed before the week is submitted again: the demo rows are
  replaced on reload, and a validated line cannot lose its link (PostgreSQL refuses it); the
  line's comment names them in every week.
- The FSE entry facts on the participants who entered, when empty: labour-market situation
  (from the eligibility facts: a year or more out of work makes a long-term job seeker when
  registered with France Travail, ~22 % are not and count as inactive), registration, RQTH.
- ``DonneesFseParticipant`` for ~92 % of those who entered (household, third-country and origin
  mostly not collected, homelessness rare, rural area for the small communes at the edge of the
  metropolis); results upon leaving observed within 4 weeks for ~88 % of the exits (the others,
  and part of the exits of the last 4 weeks, show in the completeness list); 6-month follow-ups
  for ~60 % of the exits whose follow-up is due.

Everything is additive and keyed: a week that exists is only moved forward to its planned status
(when ``today`` moved on), participants with FSE data are left as they are. A second run with the
same arguments writes nothing; each participant's data depends only on the seed and its row.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from functools import lru_cache, partial

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q
from django.utils import timezone

from entreprises.models import ActionCollective, Evenement, Interaction, TypeAction
from fse import rules as fse_rules
from fse import services as fse_services
from fse.models import CategorieActivite, DonneesFseParticipant, SemaineAgenda
from fse.rules import Collecte, Menage, SituationSuivi, StatutSemaine
from offres.models import Offre
from participants.enums import MinimaSociaux, MotifSortie, SituationMarcheTravail
from participants.models import Entretien, Participant

from .models import User

# --- Agendas -----------------------------------------------------------------------------------

B, S, R, V = StatutSemaine.BROUILLON, StatutSemaine.SOUMISE, StatutSemaine.RENVOYEE, StatutSemaine.VALIDEE
# Weeks back from the current one → planned status.
PLAN_CHARGE = {1: B, 2: S, 3: R, **dict.fromkeys(range(4, 9), V)}
PLAN_REFERENTS = {"referent01@demo.plie.fr": {1: S, 2: V, 3: V}, "referent02@demo.plie.fr": {1: B, 2: V}}
SEMAINE_CONGE = 6  # the chargé de mission took a day off that week
# From a stored status to the planned one: the services to call, in order.
PARCOURS = {
    (B, S): ["soumettre"],
    (B, R): ["soumettre", "renvoyer"],
    (B, V): ["soumettre", "valider"],
    (S, R): ["renvoyer"],
    (S, V): ["valider"],
    (R, S): ["soumettre"],
    (R, V): ["soumettre", "valider"],
}
HEURES_JOUR = Decimal("7")
DEMI = Decimal("0.5")

VEILLE_OFFRES = [
    "Veille des offres sur les sites d'emploi et les pages carrières",
    "Relance des partenaires pour leurs offres de la semaine",
    "Recherche d'offres pour les projets des participants",
]
ECHANGES_ENTREPRISES = [
    "Prospection téléphonique des entreprises du territoire",
    "Mise à jour du fichier entreprises",
    "Préparation des rendez-vous entreprises",
]
ADMINISTRATIF = [
    "Courriels, classement et tableaux de suivi",
    "Saisie de l'activité et mise à jour des tableaux de bord",
    "Préparation du bilan mensuel d'activité",
]
ADMINISTRATIF_REFERENT = [
    "Saisie des entretiens et des étapes de parcours",
    "Courriels et comptes rendus aux partenaires",
    "Préparation des dossiers pour la commission",
]


def _arrondi(heures):
    return max(DEMI, (Decimal(heures) / DEMI).quantize(Decimal("1")) * DEMI)


@lru_cache(maxsize=64)
def _jours_ouvres(lundi):
    feries = fse_rules.jours_feries(lundi)
    return tuple(j for j in fse_rules.jours_semaine(lundi)[:5] if j not in feries)


def _jour_ouvre(jour):
    """A day of work recorded on a weekend or a public holiday goes to the nearest working day
    of the same week (the next one first)."""
    ouvres = _jours_ouvres(fse_rules.lundi_de(jour))
    if jour in ouvres or not ouvres:
        return jour
    return min(ouvres, key=lambda j: (abs((j - jour).days), j < jour))


class _Journee:
    """The lines of one day, within 7 hours."""

    def __init__(self, jour):
        self.jour, self.lignes = jour, []

    @property
    def reste(self):
        return HEURES_JOUR - sum((ligne["heures"] for ligne in self.lignes), Decimal("0"))

    def ajouter(self, categorie, heures, commentaire, **liens):
        heures = min(_arrondi(heures), self.reste)
        if heures > 0:
            self.lignes.append(
                {"date": self.jour, "categorie": categorie, "heures": heures, "commentaire": commentaire, **liens}
            )


class _Agendas:
    def __init__(self, seed, today, coordinatrice):
        self.seed, self.today, self.coordinatrice = seed, today, coordinatrice
        self.categories = {c.code: c for c in CategorieActivite.objects.all()}
        self.ecrites = 0

    def charger(self, salarie, plan, charge):
        courant = fse_rules.lundi_de(self.today)
        for recul, statut in sorted(plan.items(), reverse=True):
            lundi = courant - timedelta(weeks=recul)
            semaine = SemaineAgenda.objects.filter(salarie=salarie, lundi=lundi).order_by("-version").first()
            if semaine is None:
                semaine = fse_services.semaine_obtenir(salarie, lundi)
                rng = random.Random(f"{self.seed}:fse:{salarie.email}:{lundi.isoformat()}")
                lignes = self._lignes(
                    rng, salarie, lundi, charge, liens=statut in (B, R), conge=charge and recul == SEMAINE_CONGE
                )
                if statut == R:  # what the coordinatrice will send back: an afternoon missing
                    lignes = self._journee_incomplete(lignes)
                for ligne in lignes:
                    fse_services.ligne_enregistrer(semaine, **ligne)
                self._avancer(semaine, statut)
                self.ecrites += 1
            elif (semaine.statut, statut) in PARCOURS and semaine.lignes.exists():
                # Links go before the week is submitted (a validated line cannot lose them).
                if statut in (S, V) and self._liees(semaine).exists():
                    if not semaine.modifiable:
                        continue  # submitted with links: left to the coordinatrice
                    self._retirer_liens(semaine)
                self._avancer(semaine, statut)
                self.ecrites += 1

    def _avancer(self, semaine, statut):
        for etape in PARCOURS.get((semaine.statut, statut), []):
            if etape == "soumettre":
                semaine = fse_services.soumettre(semaine)
            elif etape == "valider":
                semaine = fse_services.valider(semaine, self.coordinatrice)
            else:
                semaine = fse_services.renvoyer(semaine, self.coordinatrice, self._commentaire_retour(semaine))
        return semaine

    def _commentaire_retour(self, semaine):
        totaux = fse_rules.totaux_par_jour(list(semaine.lignes.all()), semaine.lundi)
        ouvres = [(j, totaux[j]) for j in _jours_ouvres(semaine.lundi)]
        jour, total = min(ouvres, key=lambda jt: (jt[1], jt[0]))
        if total < HEURES_JOUR:
            return (
                f"Le {fse_rules.JOURS[jour.weekday()]} {jour:%d/%m} ne totalise que {fse_rules.format_heures(total)} : "
                "complétez la journée ou indiquez l'absence."
            )
        return "Précisez dans les commentaires les entreprises rencontrées, pour le contrôle de service fait."

    @staticmethod
    def _liees(semaine):
        return semaine.lignes.exclude(offre=None, entreprise=None, evenement=None, action=None)

    def _retirer_liens(self, semaine):
        for ligne in self._liees(semaine):
            fse_services.ligne_enregistrer(
                semaine, ligne=ligne, offre=None, entreprise=None, evenement=None, action=None
            )

    @staticmethod
    def _journee_incomplete(lignes):
        jours = sorted({ligne["date"] for ligne in lignes})
        jour = jours[len(jours) // 2] if jours else None
        garde, heures = [], Decimal("0")
        for ligne in lignes:
            if ligne["date"] == jour:
                if heures >= Decimal("3.5"):
                    continue
                ligne = {**ligne, "heures": min(ligne["heures"], Decimal("3.5") - heures)}
                heures += ligne["heures"]
            garde.append(ligne)
        return garde

    def _activite(self, salarie, lundi):
        """What the demo says this person did during the week, by day."""
        dimanche = lundi + timedelta(days=6)
        par_jour = defaultdict(lambda: defaultdict(list))
        offres = Offre.objects.filter(qualifiee_par=salarie, qualifiee_le__date__range=(lundi, dimanche))
        for offre in offres.select_related("entreprise").order_by("qualifiee_le", "intitule", "entreprise__siret"):
            par_jour[_jour_ouvre(timezone.localdate(offre.qualifiee_le))]["offres"].append(offre)
        evenements = Evenement.objects.filter(participants_plie=salarie, debut__date__range=(lundi, dimanche))
        for evenement in evenements.order_by("debut", "titre"):
            par_jour[timezone.localdate(evenement.debut)]["evenements"].append(evenement)
        actions = ActionCollective.objects.filter(
            Q(animateur=salarie) | Q(cree_par=salarie, animateur=None), date__range=(lundi, dimanche)
        )
        for action in actions.select_related("entreprise").order_by("date", "titre"):
            par_jour[action.date]["actions"].append(action)
        echanges = Interaction.objects.filter(auteur=salarie, date__range=(lundi, dimanche))
        for echange in echanges.select_related("entreprise").order_by("date", "entreprise__siret", "type"):
            par_jour[echange.date]["echanges"].append(echange)
        entretiens = Entretien.objects.filter(realise_par=salarie, date__range=(lundi, dimanche))
        for ligne in entretiens.values("date").annotate(n=Count("id")):
            par_jour[ligne["date"]]["entretiens"] = ligne["n"]
        return par_jour

    def _lignes(self, rng, salarie, lundi, charge, liens, conge):
        c = self.categories
        activite = self._activite(salarie, lundi)
        ouvres = _jours_ouvres(lundi)
        libres = [
            j for j in ouvres if not activite.get(j, {}).get("evenements") and not activite.get(j, {}).get("actions")
        ]
        jour_conge = libres[-1] if conge and libres else None
        # The companies of the offers qualified this week, each met once at most.
        entreprises_semaine = list(
            {o.entreprise.pk: o.entreprise for j in sorted(activite) for o in activite[j]["offres"]}.values()
        )
        lignes = []
        for jour in ouvres:
            journee = _Journee(jour)
            if jour == jour_conge:
                journee.ajouter(c["conges-absence"], HEURES_JOUR, "Congé annuel")
                lignes += journee.lignes
                continue
            fait = activite.get(jour, {})
            for evenement in fait.get("evenements", []):
                duree = Decimal((evenement.fin - evenement.debut).total_seconds()) / 3600
                journee.ajouter(
                    c["evenements"], duree + 1, evenement.titre, **({"evenement": evenement} if liens else {})
                )
            for action in fait.get("actions", []):
                debut, fin = (datetime.combine(jour, h) for h in (action.heure_debut, action.heure_fin))
                duree = Decimal((fin - debut).total_seconds()) / 3600 + DEMI
                visite = action.type == TypeAction.VISITE
                lien = {"action": action, **({"entreprise": action.entreprise} if visite else {})} if liens else {}
                categorie = c["relation-entreprises" if visite else "accompagnement-participants"]
                journee.ajouter(categorie, duree, action.titre, **lien)
            if jour.weekday() == 0:
                journee.ajouter(
                    c["reunions-structure-animation"], "1.5", "Réunion d'équipe de la structure d'animation"
                )
            if charge:
                self._journee_charge(rng, journee, fait, entreprises_semaine, liens)
            else:
                self._journee_referent(rng, journee, fait, liens)
            lignes += journee.lignes
        return lignes

    def _journee_charge(self, rng, journee, fait, entreprises_semaine, liens):
        c = self.categories
        offres = fait.get("offres", [])
        if offres:
            premiere = offres[0]
            commentaire = (
                f"Qualification de {len(offres)} offre{'s' if len(offres) > 1 else ''}, dont « {premiere.intitule} »"
            )
            journee.ajouter(
                c["prospection-offres"],
                rng.choice(["2", "2.5", "3"]),
                commentaire,
                **({"offre": premiere} if liens else {}),
            )
        else:
            journee.ajouter(c["prospection-offres"], rng.choice(["1.5", "2"]), rng.choice(VEILLE_OFFRES))
        if journee.jour.weekday() == 2:
            journee.ajouter(c["animation-reseau-referents"], "1.5", "Diffusion des offres et point avec les référents")
        if journee.jour.weekday() == 4 and rng.random() < 0.6:
            journee.ajouter(c["formation"], "1.5", "Point avec les organismes de formation sur les sessions à venir")
        if entreprises_semaine and rng.random() < 0.7:
            entreprise = entreprises_semaine.pop(rng.randrange(len(entreprises_semaine)))
            journee.ajouter(
                c["relation-entreprises"],
                rng.choice(["1.5", "2", "2.5"]),
                f"Échange avec {entreprise.nom} sur ses besoins de recrutement",
                **({"entreprise": entreprise} if liens else {}),
            )
        else:
            journee.ajouter(c["relation-entreprises"], rng.choice(["1.5", "2"]), rng.choice(ECHANGES_ENTREPRISES))
        journee.ajouter(c["administratif"], journee.reste, rng.choice(ADMINISTRATIF))

    def _journee_referent(self, rng, journee, fait, liens):
        c = self.categories
        entretiens = fait.get("entretiens", 0)
        if entretiens:
            journee.ajouter(
                c["accompagnement-participants"],
                min(Decimal("4.5"), Decimal(entretiens)),
                f"Entretiens individuels ({entretiens})",
            )
        journee.ajouter(
            c["accompagnement-participants"],
            rng.choice(["1.5", "2"]),
            "Suivi des parcours et liens avec les partenaires",
        )
        for echange in fait.get("echanges", [])[:2]:
            journee.ajouter(
                c["relation-entreprises"],
                "1",
                f"Échange avec {echange.entreprise.nom}",
                **({"entreprise": echange.entreprise} if liens else {}),
            )
        journee.ajouter(c["administratif"], journee.reste, rng.choice(ADMINISTRATIF_REFERENT))


def charger_agendas(*, seed, today, charge, coordinatrice, referents):
    """The FSE-funded posts and their agendas; returns how many rows were written."""
    salaries = [charge, *referents]
    ecrits = User.objects.filter(pk__in=[s.pk for s in salaries], agenda_fse=False).update(agenda_fse=True)
    # A year before the first demo week: the reminder owes them every recent week.
    debut = fse_rules.lundi_de(today) - timedelta(weeks=max(PLAN_CHARGE))
    arrivee = timezone.make_aware(datetime.combine(debut - relativedelta(years=1), dtime(9)))
    ecrits += User.objects.filter(pk__in=[s.pk for s in salaries], date_joined__gt=arrivee).update(date_joined=arrivee)
    agendas = _Agendas(seed, today, coordinatrice)
    agendas.charger(charge, PLAN_CHARGE, charge=True)
    par_email = {r.email: r for r in referents}
    for email, plan in PLAN_REFERENTS.items():
        if email in par_email:
            agendas.charger(par_email[email], plan, charge=False)
    return {"comptes_fse_ecrits": ecrits, "semaines_agenda_ecrites": agendas.ecrites}


# --- Participants' FSE data --------------------------------------------------------------------

PART_DONNEES_FSE = 0.92  # of those who entered
PART_INSCRITS = 0.78  # of those out of work (ASS recipients always are)
PART_RQTH_AAH = 0.85  # of the AAH recipients
PART_RQTH_SANTE = 0.25  # of the others with a health issue
MENAGES = {
    Menage.SANS_EMPLOI: 0.36,
    Menage.ISOLE_ENFANTS: 0.22,
    Menage.SANS_EMPLOI_ENFANTS: 0.12,
    Menage.AUTRE: 0.25,
    Menage.NON_DECLARE: 0.05,
}
PAYS_TIERS = {Collecte.NON_COLLECTE: 0.85, Collecte.NON: 0.12, Collecte.OUI: 0.03}
ORIGINE_ETRANGERE = {Collecte.NON_COLLECTE: 0.90, Collecte.NON: 0.08, Collecte.OUI: 0.02}
PART_SANS_DOMICILE = 0.03
# The small communes at the edge of the metropolis (INSEE codes), rural in the density grid.
COMMUNES_RURALES = {"21003", "21223", "21315", "21452", "21473", "21481", "21485"}
PART_RESULTAT_CONSTATE = 0.88  # of the exits older than 4 weeks
PART_RESULTAT_RECENT = 0.5  # of the exits of the last 4 weeks: already observed
PART_QUALIFICATION = 0.15  # of the positive exits: a qualification obtained during the pathway
PART_SUIVI = 0.60  # of the exits whose 6-month follow-up is due
SUIVI_APRES_POSITIVE = {
    SituationSuivi.EMPLOI: 0.68,
    SituationSuivi.FORMATION: 0.07,
    SituationSuivi.RECHERCHE: 0.15,
    SituationSuivi.INJOIGNABLE: 0.10,
}
SUIVI_APRES_AUTRE = {
    SituationSuivi.EMPLOI: 0.22,
    SituationSuivi.FORMATION: 0.06,
    SituationSuivi.RECHERCHE: 0.40,
    SituationSuivi.INACTIF: 0.14,
    SituationSuivi.INJOIGNABLE: 0.18,
}


def _tirage(rng, poids):
    return rng.choices(list(poids), weights=list(poids.values()))[0]


def _resultat(rng, motif):
    """The result upon leaving, from the exit reason (what ``fse.services.resultat_suggere`` suggests)."""
    resultat = dict(fse_services.resultat_suggere(motif))
    if motif in MotifSortie.positives():
        resultat["qualification_obtenue"] = rng.random() < PART_QUALIFICATION
    elif motif == MotifSortie.SANTE:
        pass  # inactive: none of the four results
    elif rng.random() < (0.5 if motif == MotifSortie.DEMENAGEMENT else 0.85):
        resultat["en_recherche_emploi"] = True
    return resultat


def donnees_participant(seed, participant, today):
    """The FSE data of one demo participant who entered, or None (not recorded)."""
    pk, identifiant, date_sortie, motif, insee, referent_id = participant
    rng = random.Random(f"{seed}:fse:{identifiant}")
    if rng.random() >= PART_DONNEES_FSE:
        return None
    donnees = DonneesFseParticipant(
        participant_id=pk,
        menage=_tirage(rng, MENAGES),
        pays_tiers=_tirage(rng, PAYS_TIERS),
        origine_etrangere=_tirage(rng, ORIGINE_ETRANGERE),
        sans_domicile=rng.random() < PART_SANS_DOMICILE,
        zone_rurale=insee in COMMUNES_RURALES,
        modifie_par_id=referent_id,
    )
    if date_sortie is None or date_sortie > today:
        return donnees
    limite = min(fse_rules.limite_resultat_sortie(date_sortie), today)
    recente = fse_rules.limite_resultat_sortie(date_sortie) > today
    if rng.random() < (PART_RESULTAT_RECENT if recente else PART_RESULTAT_CONSTATE):
        donnees.resultat_constate_le = date_sortie + timedelta(days=rng.randint(0, (limite - date_sortie).days))
        for champ, valeur in _resultat(rng, motif).items():
            setattr(donnees, champ, valeur)
        fse_rules.verifier_constat_sortie(date_sortie, donnees.resultat_constate_le)
    echeance = fse_rules.echeance_suivi(date_sortie)
    if echeance <= today and rng.random() < PART_SUIVI:
        donnees.suivi_le = echeance + timedelta(days=rng.randint(0, min(30, (today - echeance).days)))
        poids = SUIVI_APRES_POSITIVE if motif in MotifSortie.positives() else SUIVI_APRES_AUTRE
        donnees.suivi_situation = _tirage(rng, poids)
        fse_rules.verifier_suivi(date_sortie, donnees.suivi_le)
    return donnees


def situation_a_l_entree(seed, participant):
    """The labour-market situation at entry (and what goes with it), from the eligibility facts:
    out of work for a year or more → long-term job seeker when registered, else inactive."""
    rng = random.Random(f"{seed}:fse:entree:{participant.identifiant}")
    if participant.sans_activite_depuis is None:
        situation = SituationMarcheTravail.EMPLOI
    else:
        longue = participant.date_entree - participant.sans_activite_depuis >= timedelta(days=365)
        inscrit = participant.minima_sociaux == MinimaSociaux.ASS or rng.random() < PART_INSCRITS
        if not inscrit:
            situation = SituationMarcheTravail.INACTIF
        elif longue:
            situation = SituationMarcheTravail.DEMANDEUR_EMPLOI_LONGUE_DUREE
        else:
            situation = SituationMarcheTravail.DEMANDEUR_EMPLOI
    participant.situation_marche_travail = situation
    participant.inscrit_france_travail = situation in (
        SituationMarcheTravail.DEMANDEUR_EMPLOI,
        SituationMarcheTravail.DEMANDEUR_EMPLOI_LONGUE_DUREE,
    )
    aah = participant.minima_sociaux == MinimaSociaux.AAH
    part_rqth = PART_RQTH_AAH if aah else PART_RQTH_SANTE
    participant.reconnaissance_handicap = (aah or participant.sante_handicap) and rng.random() < part_rqth
    return participant


def charger_donnees_participants(*, seed, today, prefixe):
    """The FSE entry facts of the demo participants who entered and have none yet (situation on
    the labour market, France Travail registration, RQTH) and their FSE data; returns how many
    participants were given FSE data."""
    a_completer = Participant.objects.filter(
        identifiant__startswith=prefixe, date_entree__isnull=False, situation_marche_travail=""
    ).only("identifiant", "date_entree", "sans_activite_depuis", "minima_sociaux", "sante_handicap")
    # One UPDATE per combination of values (a handful), much faster than ``bulk_update``.
    groupes = defaultdict(list)
    for p in map(partial(situation_a_l_entree, seed), a_completer.order_by("identifiant")):
        groupes[(p.situation_marche_travail, p.inscrit_france_travail, p.reconnaissance_handicap)].append(p.pk)
    for (situation, inscrit, rqth), pks in sorted(groupes.items()):
        for debut in range(0, len(pks), 500):
            Participant.objects.filter(pk__in=pks[debut : debut + 500]).update(
                situation_marche_travail=situation, inscrit_france_travail=inscrit, reconnaissance_handicap=rqth
            )
    sans = Participant.objects.filter(
        identifiant__startswith=prefixe, date_entree__isnull=False, donnees_fse__isnull=True
    ).order_by("identifiant")
    lignes = sans.values_list("pk", "identifiant", "date_sortie", "motif_sortie", "commune__insee", "referent_id")
    creees = [d for d in (donnees_participant(seed, p, today) for p in lignes) if d is not None]
    DonneesFseParticipant.objects.bulk_create(creees, batch_size=500)
    return len(creees)
