"""The chargé(e) de mission's monthly activity report as data: what the page and the PDF show.

``activite_mensuelle(salarie, mois)`` reads one calendar month (local dates, Europe/Paris) in a
fixed number of queries, whatever the volume. What is hers and what is the PLIE's:

- offers **collected** by source: every offer that entered the app that month (the sources are
  hers to run), and among them those she entered by hand;
- offers **qualified** / **discarded** by her that month (``qualifiee_par`` / ``ecartee_par``),
  **diffused** by her that month (a ``Diffusion`` she made), and the référents reached;
- **positionnements** on the offers she qualified that month, by their status at the time of
  the report (their outcome so far);
- **companies met**: the interactions she logged that month, by type, and each company with
  its dates;
- **events** she attended (``Evenement.participants_plie``), not cancelled, starting that month;
- **collective actions** she ran (``animateur``) that month: registrations and people present
  (at least one half-day marked present), and the cancelled ones counted apart;
- **training needs** expressed that month by the participants (the Région report capitalises
  them), by field and status;
- **time** by activity from her FSE agenda (the latest version of each week).

Counts only: no participant is named, since the PDF is sent by e-mail.
"""

import dataclasses
import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from entreprises.models import ActionCollective, Evenement, Interaction, Presence, StatutAction, TypeInteraction
from formation.models import BesoinFormation
from formation.models import StatutBesoin as StatutBesoinFormation
from offres.enums import StatutPositionnement
from offres.models import Diffusion, Offre, Positionnement
from participants.rules import MOIS_FR

from .selectors import Periode, offres_par_source, temps_par_activite

DOMAINE_NON_PRECISE = "Domaine non précisé"


def premier_du_mois(jour):
    return jour.replace(day=1)


def libelle_mois(mois):
    """« mars 2025 »."""
    return f"{MOIS_FR[mois.month - 1]} {mois.year}"


def de_mois(mois):
    """« d'octobre 2026 », « de mars 2026 »: the elision French wants."""
    libelle = libelle_mois(mois)
    return f"d'{libelle}" if libelle[0] in "aeiou" else f"de {libelle}"


def bornes_horodatees(periode):
    """The period as aware datetimes [start, end[ in the local time zone, for ``…_le`` fields
    (a range on the column itself, which its indexes serve)."""
    zone = timezone.get_current_timezone()
    debut = datetime.datetime.combine(periode.debut, datetime.time.min, tzinfo=zone)
    fin = datetime.datetime.combine(periode.fin + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return debut, fin


def _dans(champ, bornes):
    return Q(**{f"{champ}__gte": bornes[0], f"{champ}__lt": bornes[1]})


def _heures(valeur):
    """7.50 → 7.5, 5.00 → 5: hours as written by hand, quarter hours kept."""
    valeur = Decimal(valeur)
    return valeur.quantize(Decimal(1)) if valeur == valeur.to_integral_value() else valeur.normalize()


def _part(n, total):
    if not total:
        return None
    return (Decimal(n) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class LigneSource:
    source: str
    collectees: int
    qualifiees: int
    diffusees: int


@dataclasses.dataclass(frozen=True)
class EntrepriseRencontree:
    nom: str
    dates: list
    types: list

    @property
    def nb(self):
        return len(self.dates)


@dataclasses.dataclass(frozen=True)
class ActionTenue:
    date: datetime.date
    titre: str
    type: str
    statut: str
    statut_libelle: str
    inscrits: int
    presents: int


@dataclasses.dataclass(frozen=True)
class EvenementSuivi:
    date: datetime.date
    titre: str
    type: str
    lieu: str


@dataclasses.dataclass(frozen=True)
class ActiviteMensuelle:
    salarie: object
    mois: datetime.date
    periode: Periode
    # Offers
    offres_par_source: list  # [LigneSource]
    collectees: int
    saisies: int  # entered by her
    qualifiees: int  # by her
    qualifiees_par_d_autres: int
    ecartees: int  # by her
    diffusees: int  # offers she diffused
    referents_destinataires: int
    # Positionnements on the offers she qualified that month
    positionnements_par_statut: list  # [(code, label, count)]
    positionnements: int
    offres_positionnees: int
    # Companies
    interactions_par_type: list  # [(code, label, count)]
    interactions: int
    entreprises_rencontrees: list  # [EntrepriseRencontree]
    # Events and collective actions
    evenements: list  # [EvenementSuivi]
    actions: list  # [ActionTenue], not cancelled
    actions_annulees: int
    # Training needs
    besoins_par_domaine: list  # [(label, count)]
    besoins_par_statut: list  # [(code, label, count)]
    besoins: int
    besoins_personnes: int
    # FSE agenda
    temps_par_activite: list  # [(label, hours, share %)]
    heures: Decimal

    @property
    def libelle_mois(self):
        return libelle_mois(self.mois)

    @property
    def de_mois(self):
        return de_mois(self.mois)

    @property
    def taux_qualification(self):
        """Her qualified offers over her reviewed ones (qualified + discarded)."""
        return _part(self.qualifiees, self.qualifiees + self.ecartees)

    @property
    def retenus(self):
        return next((n for code, _l, n in self.positionnements_par_statut if code == StatutPositionnement.RETENU), 0)

    @property
    def positionnements_en_cours(self):
        en_cours = set(StatutPositionnement.en_cours())
        return sum(n for code, _l, n in self.positionnements_par_statut if code in en_cours)

    @property
    def nb_entreprises(self):
        return len(self.entreprises_rencontrees)

    @property
    def actions_tenues(self):
        return [action for action in self.actions if action.statut == StatutAction.REALISEE]

    @property
    def inscrits_actions_tenues(self):
        return sum(action.inscrits for action in self.actions_tenues)

    @property
    def presents_actions_tenues(self):
        return sum(action.presents for action in self.actions_tenues)

    @property
    def besoins_statuts_non_nuls(self):
        return [(libelle, n) for _code, libelle, n in self.besoins_par_statut if n]

    @property
    def synthese(self):
        """The key numbers, in the order of the sections."""
        return [
            ("Offres collectées (toutes sources)", self.collectees),
            ("Offres qualifiées", self.qualifiees),
            ("Offres écartées", self.ecartees),
            ("Offres diffusées", self.diffusees),
            ("Positionnements sur ses offres du mois", self.positionnements),
            ("dont retenus", self.retenus),
            ("Entreprises rencontrées", self.nb_entreprises),
            ("Échanges avec les entreprises", self.interactions),
            ("Événements", len(self.evenements)),
            ("Actions collectives tenues", len(self.actions_tenues)),
            ("Personnes présentes aux actions", self.presents_actions_tenues),
            ("Besoins de formation capitalisés", self.besoins),
            ("Heures déclarées (agenda FSE)", self.heures),
        ]


def activite_mensuelle(salarie, mois) -> ActiviteMensuelle:
    """The figures of ``salarie``'s report for the month of ``mois`` (any day of it); eleven
    queries whatever the volume."""
    mois = premier_du_mois(mois)
    periode = Periode.mois(mois.year, mois.month)
    bornes = bornes_horodatees(periode)

    # 1. Her offer work, on the Offre rows.
    offres = Offre.objects.filter(
        _dans("cree_le", bornes) | _dans("qualifiee_le", bornes) | _dans("ecartee_le", bornes)
    ).aggregate(
        collectees=Count("id", filter=_dans("cree_le", bornes)),
        saisies=Count("id", filter=_dans("cree_le", bornes) & Q(cree_par=salarie)),
        qualifiees=Count("id", filter=_dans("qualifiee_le", bornes) & Q(qualifiee_par=salarie)),
        qualifiees_autres=Count("id", filter=_dans("qualifiee_le", bornes) & ~Q(qualifiee_par=salarie)),
        ecartees=Count("id", filter=_dans("ecartee_le", bornes) & Q(ecartee_par=salarie)),
    )
    # 2. Diffusions she made.
    diffusions = Diffusion.objects.filter(_dans("diffusee_le", bornes), diffusee_par=salarie).aggregate(
        offres=Count("offre", distinct=True), referents=Count("referent", distinct=True)
    )
    # 3–4. Offers collected in the month, by source.
    par_source = [
        LigneSource(source.libelle, collectees, qualifiees, diffusees)
        for source, collectees, qualifiees, diffusees, _p, _e in offres_par_source(periode)
    ]
    # 5. Positionnements on the offers she qualified that month, by current status.
    positionnes = Positionnement.objects.filter(
        _dans("offre__qualifiee_le", bornes), offre__qualifiee_par=salarie
    ).aggregate(
        total=Count("id"),
        offres=Count("offre", distinct=True),
        **{s.value: Count("id", filter=Q(statut=s.value)) for s in StatutPositionnement},
    )
    # 6. Interactions she logged.
    interactions = list(
        Interaction.objects.filter(auteur=salarie, date__range=(periode.debut, periode.fin))
        .order_by("entreprise__nom", "entreprise_id", "date", "id")
        .values_list("entreprise_id", "entreprise__nom", "date", "type")
    )
    par_type = Counter(type_ for _e, _n, _d, type_ in interactions)
    entreprises = defaultdict(lambda: {"nom": "", "dates": [], "types": []})
    for entreprise_id, nom, date, type_ in interactions:
        ligne = entreprises[entreprise_id]
        ligne["nom"] = nom
        ligne["dates"].append(date)
        if TypeInteraction(type_).label not in ligne["types"]:
            ligne["types"].append(TypeInteraction(type_).label)
    # 7. Events she attended.
    evenements = [
        EvenementSuivi(timezone.localdate(e.debut), e.titre, e.get_type_display(), e.lieu)
        for e in Evenement.objects.filter(_dans("debut", bornes), participants_plie=salarie, annule=False).only(
            "titre", "type", "debut", "lieu"
        )
    ]
    # 8. Collective actions she ran.
    present = Q(inscriptions__presence_matin=Presence.PRESENT) | Q(inscriptions__presence_apres_midi=Presence.PRESENT)
    actions = list(
        ActionCollective.objects.filter(animateur=salarie, date__range=(periode.debut, periode.fin))
        .order_by("date", "heure_debut", "id")
        .annotate(nb_inscrits=Count("inscriptions"), nb_presents=Count("inscriptions", filter=present))
        .only("date", "titre", "type", "statut")
    )
    # 9–10. Training needs expressed that month.
    besoins = BesoinFormation.objects.filter(exprime_le__range=(periode.debut, periode.fin))
    besoins_lignes = list(besoins.order_by().values_list("domaine__libelle", "statut").annotate(n=Count("id")))
    besoins_total = besoins.aggregate(n=Count("id"), personnes=Count("participant", distinct=True))
    par_domaine = Counter()
    par_statut = Counter()
    for libelle, statut, n in besoins_lignes:
        par_domaine[libelle or DOMAINE_NON_PRECISE] += n
        par_statut[statut] += n
    # 11. Her FSE agenda.
    temps = temps_par_activite(periode, salarie)
    heures = sum((h for _l, h in temps), Decimal("0"))

    return ActiviteMensuelle(
        salarie=salarie,
        mois=mois,
        periode=periode,
        offres_par_source=par_source,
        collectees=offres["collectees"],
        saisies=offres["saisies"],
        qualifiees=offres["qualifiees"],
        qualifiees_par_d_autres=offres["qualifiees_autres"],
        ecartees=offres["ecartees"],
        diffusees=diffusions["offres"],
        referents_destinataires=diffusions["referents"],
        positionnements_par_statut=[(s.value, s.label, positionnes[s.value]) for s in StatutPositionnement],
        positionnements=positionnes["total"],
        offres_positionnees=positionnes["offres"],
        interactions_par_type=[(t.value, t.label, par_type.get(t.value, 0)) for t in TypeInteraction],
        interactions=len(interactions),
        entreprises_rencontrees=sorted(
            (EntrepriseRencontree(v["nom"], v["dates"], v["types"]) for v in entreprises.values()),
            key=lambda e: (e.nom.lower(), e.dates[0]),
        ),
        evenements=evenements,
        actions=[
            ActionTenue(
                a.date, a.titre, a.get_type_display(), a.statut, a.get_statut_display(), a.nb_inscrits, a.nb_presents
            )
            for a in actions
            if a.statut != StatutAction.ANNULEE
        ],
        actions_annulees=sum(1 for a in actions if a.statut == StatutAction.ANNULEE),
        besoins_par_domaine=sorted(par_domaine.items(), key=lambda item: (-item[1], item[0])),
        besoins_par_statut=[(s.value, s.label, par_statut.get(s.value, 0)) for s in StatutBesoinFormation],
        besoins=besoins_total["n"],
        besoins_personnes=besoins_total["personnes"],
        temps_par_activite=[(libelle, _heures(h), _part(h, heures)) for libelle, h in temps],
        heures=_heures(heures),
    )
