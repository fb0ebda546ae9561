"""One ingestion run of a source: fetch, keep the raw payloads, normalise, pre-filter, dedup, count.

Dedup, in order: the same (source, external id) updates the offer it already made; otherwise the
same job seen elsewhere or re-posted (``IndexDoublons``: place, contract type, employer, then an
exact or fuzzy title) becomes a second LienSource on that offer; otherwise a new ``collectée``
offer. Each item is written in its own savepoint, so one bad item
is an error of the run, not its end. Running twice on the same data creates nothing new.
"""

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from rapidfuzz import fuzz, process

from entreprises.models import Entreprise
from plie.models import Commune, MetierRome, TypeContrat

from ..enums import StatutExecution, StatutOffre
from ..models import DonneeBrute, ExecutionIngestion, LienSource, Offre, Source
from .base import (
    ErreurConnecteur,
    ErreurReseau,
    ExecutionDejaEnCours,
    connecteur_pour,
    normaliser_employeur,
    normaliser_texte,
)

logger = logging.getLogger(__name__)

FENETRE_DOUBLON_JOURS = 30
# A run "en cours" records its progress at every page; silent this long, it is taken for dead
# (worker killed) and no longer blocks the next one.
SILENCE_MAX = timedelta(minutes=30)
MAX_DETAIL_ERREURS = 200
CODE_CONTRAT_PAR_DEFAUT = "CDD"

# Fields a new run may refresh on an offer nobody has reviewed yet (statut collectée).
CHAMPS_MIS_A_JOUR = [
    "intitule",
    "description",
    "employeur",
    "commune",
    "lieu_travail",
    "type_contrat",
    "duree_mois",
    "heures_hebdo",
    "horaires",
    "salaire",
    "metier_rome",
    "nb_postes",
]


class Referentiels:
    """The PLIE's reference data, read once per run."""

    def __init__(self):
        self.communes = {}
        for commune in Commune.objects.filter(valide_au__isnull=True).order_by("nom"):
            self.communes.setdefault(commune.insee, commune)
        self.metiers = {m.code: m for m in MetierRome.objects.all()}
        self.par_nature, self.par_type = {}, {}
        for type_contrat in TypeContrat.objects.order_by("code"):
            for code in filter(None, type_contrat.natures_contrat_france_travail.split(",")):
                self.par_nature.setdefault(code.strip(), type_contrat)
            for code in filter(None, type_contrat.codes_france_travail.split(",")):
                self.par_type.setdefault(code.strip(), type_contrat)
        self.defaut = TypeContrat.objects.filter(code=CODE_CONTRAT_PAR_DEFAUT).first()

    def type_contrat(self, brouillon):
        """The nature (apprentissage, IAE, aidé…) is more precise than the type (CDD, CDI…)."""
        found = self.par_nature.get(brouillon.nature_contrat_code) or self.par_type.get(brouillon.type_contrat_code)
        if found is None and self.defaut is None:
            raise ValueError(f"type de contrat inconnu « {brouillon.type_contrat_code} »")
        return found or self.defaut


def ecartee_par_prefiltre(brouillon, parametres):
    """The reason an offer is discarded before storage by the source's pre-filters, or ""."""
    code = (brouillon.code_rome or "").upper()
    for prefixe in parametres.get("rome_exclus") or []:
        if prefixe and code.startswith(str(prefixe).upper()):
            return f"code ROME exclu {prefixe}"
    mots = f" {normaliser_texte(brouillon.intitule)} "
    for mot in parametres.get("mots_exclus") or []:
        cle = normaliser_texte(str(mot))
        if cle and f" {cle} " in mots:
            return f"mot exclu « {mot} »"
    return ""


def _valeurs(brouillon, ref):
    commune = ref.communes.get(brouillon.code_commune_insee or "")
    return {
        "intitule": brouillon.intitule[:250],
        "description": brouillon.description,
        "employeur": brouillon.employeur[:200],
        "commune": commune,
        "lieu_travail": "" if commune else brouillon.lieu_travail[:200],
        "type_contrat": ref.type_contrat(brouillon),
        "duree_mois": brouillon.duree_mois,
        "heures_hebdo": brouillon.heures_hebdo,
        "horaires": brouillon.horaires[:250],
        "salaire": brouillon.salaire[:150],
        "metier_rome": ref.metiers.get((brouillon.code_rome or "").upper()),
        "nb_postes": max(1, min(brouillon.nb_postes or 1, 32767)),
    }


MOTS_VIDES = frozenset(["a", "au", "aux", "d", "de", "des", "du", "en", "et", "h", "f", "l", "la", "le", "les", "pour"])
# Cross-source duplicates (tests/offres/test_doublons.py holds the realistic pairs these were tuned on).
SEUIL_TITRE = 88  # titles alike enough on their own (same employer, place, contract type)
SEUIL_TITRE_REFORMULE = 60  # a title reworded by adding words: the descriptions must then agree
SEUIL_DESCRIPTION = 85
SEUIL_EMPLOYEUR = 90


# Abbreviations job boards and agencies write for the same trades.
ABREVIATIONS = {
    "pl": "poids lourd",
    "spl": "super poids lourd",
    "vl": "vehicule leger",
    "ash": "agent service hospitalier",
    "avs": "auxiliaire vie sociale",
    "adv": "administration des ventes",
}


def mots_titre(titre):
    mots = []
    for mot in normaliser_texte(titre).split():
        mots.extend(ABREVIATIONS.get(mot, mot).split())
    return [mot for mot in mots if mot not in MOTS_VIDES]


def _nombres(texte):
    """Numbers tell jobs and employers apart ("Agence 12" / "Agence 21", "PL 19 t" / "PL 44 t"):
    fuzzy matches require the same ones."""
    return sorted(re.findall(r"\d+", texte))


def _description(texte):
    return normaliser_texte(texte)[:2000]


@dataclass
class Connue:
    """What the index keeps of one stored offer."""

    pk: int
    titre: str  # normalised
    mots: frozenset
    publication: date
    siret: str
    employeur: str  # normalised
    type_contrat_id: int


class Lieu:
    """The offers stored at one place, by SIRET and by normalised employer."""

    def __init__(self):
        self.par_siret = defaultdict(list)
        self.par_employeur = defaultdict(list)

    def ajouter(self, connue):
        if connue.siret:
            self.par_siret[connue.siret].append(connue)
        if connue.employeur:
            self.par_employeur[connue.employeur].append(connue)

    def candidates(self, siret, employeur):
        """The offers of the same employer: same SIRET, or a name alike by ``SEUIL_EMPLOYEUR``
        (not when both SIRETs are known and differ)."""
        trouvees = {}
        for connue in self.par_siret.get(siret, []) if siret else []:
            trouvees[connue.pk] = connue
        if employeur:
            proches = process.extract(
                employeur, list(self.par_employeur), scorer=fuzz.ratio, score_cutoff=SEUIL_EMPLOYEUR, limit=None
            )
            nombres = _nombres(employeur)
            for nom, _score, _rang in proches:
                if _nombres(nom) != nombres:
                    continue
                for connue in self.par_employeur[nom]:
                    if not (siret and connue.siret and siret != connue.siret):
                        trouvees[connue.pk] = connue
        return trouvees.values()


class IndexDoublons:
    """The offers already stored, by place, loaded once per place and run (one query per commune
    instead of one per item).

    The same job seen twice has the same place, contract type and employer (SIRET, or normalised
    names alike by ``SEUIL_EMPLOYEUR``), was published within ``FENETRE_DOUBLON_JOURS`` and has:
    the same normalised title; or a title alike by ``SEUIL_TITRE`` (spelling, word order); or a title reworded by adding words (one's words contain the other's) whose
    descriptions agree by ``SEUIL_DESCRIPTION``. Titles that differ by a word on both sides
    ("de jour" / "de nuit", "production" / "maintenance") are different jobs unless alike by
    ``SEUIL_TITRE``.
    """

    def __init__(self):
        self.par_lieu = {}
        self.descriptions = {}

    @staticmethod
    def _lieu(valeurs):
        if valeurs["commune"]:
            return ("commune", valeurs["commune"].pk)
        return ("lieu", valeurs["lieu_travail"].lower())

    def _index(self, lieu):
        if lieu not in self.par_lieu:
            offres = Offre.objects.all()
            if lieu[0] == "commune":
                offres = offres.filter(commune_id=lieu[1])
            else:
                offres = offres.filter(commune__isnull=True, lieu_travail__iexact=lieu[1])
            lignes = offres.values_list(
                "pk",
                "intitule",
                "employeur",
                "entreprise__nom",
                "entreprise__siret",
                "date_publication",
                "type_contrat_id",
            ).order_by("date_publication", "pk")
            index = Lieu()
            for pk, intitule, employeur, nom, siret, publication, type_contrat in lignes:
                index.ajouter(self._connue(pk, intitule, publication, siret or "", nom or employeur, type_contrat))
            self.par_lieu[lieu] = index
        return self.par_lieu[lieu]

    @staticmethod
    def _connue(pk, intitule, publication, siret, employeur, type_contrat_id):
        mots = mots_titre(intitule)
        return Connue(
            pk, " ".join(mots), frozenset(mots), publication, siret, normaliser_employeur(employeur), type_contrat_id
        )

    def _description_de(self, pk):
        if pk not in self.descriptions:
            texte = Offre.objects.filter(pk=pk).values_list("description", flat=True).first() or ""
            self.descriptions[pk] = _description(texte)
        return self.descriptions[pk]

    def trouver(self, brouillon, valeurs):
        """The id of an offer for the same job within the window, or None."""
        fenetre = timedelta(days=FENETRE_DOUBLON_JOURS)
        mots = mots_titre(brouillon.intitule)
        titre, ensemble = " ".join(mots), frozenset(mots)
        type_contrat_id = valeurs["type_contrat"].pk
        candidates = [
            connue
            for connue in self._index(self._lieu(valeurs)).candidates(
                brouillon.siret, normaliser_employeur(brouillon.employeur)
            )
            if abs(connue.publication - brouillon.date_publication) <= fenetre
            and connue.type_contrat_id == type_contrat_id
        ]
        for connue in candidates:
            if titre == connue.titre:
                return connue.pk
        description = None
        for connue in candidates:
            if _nombres(titre) != _nombres(connue.titre):
                continue
            score = fuzz.token_sort_ratio(titre, connue.titre)
            if score >= SEUIL_TITRE:
                return connue.pk
            reformule = ensemble <= connue.mots or connue.mots <= ensemble
            if reformule and score >= SEUIL_TITRE_REFORMULE:
                if description is None:
                    description = _description(brouillon.description)
                autre = self._description_de(connue.pk)
                if description and autre and fuzz.token_set_ratio(description, autre) >= SEUIL_DESCRIPTION:
                    return connue.pk
        return None

    def ajouter(self, offre, brouillon, valeurs):
        connue = self._connue(
            offre.pk,
            offre.intitule,
            offre.date_publication,
            brouillon.siret,
            brouillon.employeur,
            valeurs["type_contrat"].pk,
        )
        self._index(self._lieu(valeurs)).ajouter(connue)
        self.descriptions[offre.pk] = _description(brouillon.description)


CLES_ETRANGERES = {"commune", "type_contrat", "metier_rome"}


def _cle(value):
    return value.pk if hasattr(value, "pk") else value


def _valeur_actuelle(offre, name):
    """The stored value, without a query for foreign keys."""
    return getattr(offre, f"{name}_id") if name in CLES_ETRANGERES else getattr(offre, name)


class Page:
    """What one page of items needs from the database, read in a few queries for the whole page:
    the links the source already made for these ids, and which of them created its offer."""

    def __init__(self, source, identifiants):
        self.liens = {
            lien.identifiant_externe: lien
            for lien in LienSource.objects.select_related("offre").filter(
                source=source, identifiant_externe__in=identifiants
            )
        }
        offres = {lien.offre_id for lien in self.liens.values()}
        self.liens_createurs = set(
            LienSource.objects.filter(offre_id__in=offres)
            .values("offre_id")
            .annotate(premier=Min("pk"))
            .values_list("premier", flat=True)
        )
        self.vus = []


class EntreprisesParSiret:
    """The companies of the file by SIRET, read once per SIRET and run."""

    def __init__(self):
        self.connues = {}

    def charger(self, sirets):
        manquants = {siret for siret in sirets if siret and siret not in self.connues}
        if manquants:
            self.connues.update(dict.fromkeys(manquants))
            self.connues.update({e.siret: e for e in Entreprise.objects.filter(siret__in=manquants)})

    def get(self, siret):
        return self.connues.get(siret) if siret else None


def _traiter(brouillon, valeurs, source, index, maintenant, page, entreprises):
    """Store one draft; return the counter it adds to and the offer it created, if any."""
    lien = page.liens.get(brouillon.identifiant_externe)
    if lien is not None:
        page.vus.append(lien.pk)  # "vue la dernière fois le" is set for the whole page at once
        if brouillon.url and lien.url != brouillon.url[:500]:
            lien.url = brouillon.url[:500]
            lien.save(update_fields=["url"])
        offre = lien.offre
        if offre.statut != StatutOffre.COLLECTEE:
            return None, None  # reviewed by the chargé(e) de mission: her version stays
        if lien.pk not in page.liens_createurs:
            return None, None  # a re-post or another source's copy: only the first announcement rewrites the offer
        changes = [name for name, value in valeurs.items() if _valeur_actuelle(offre, name) != _cle(value)]
        if not changes:
            return None, None
        for name in changes:
            setattr(offre, name, valeurs[name])
        offre.save(update_fields=changes)
        return "mises_a_jour", None
    existante = index.trouver(brouillon, valeurs)
    if existante is not None:
        LienSource.objects.create(
            offre_id=existante,
            source=source,
            identifiant_externe=brouillon.identifiant_externe,
            url=brouillon.url[:500],
            vue_le=maintenant,
            vue_derniere_fois_le=maintenant,
        )
        return "doublons_fusionnes", None
    offre = Offre.objects.create(
        **valeurs,
        entreprise=entreprises.get(brouillon.siret),
        date_publication=brouillon.date_publication,
        statut=StatutOffre.COLLECTEE,
        permis_requis=brouillon.permis_requis,
        experience_requise=brouillon.experience_requise,
        sans_diplome=brouillon.sans_diplome,
        source_origine=source,  # its first link, created next
    )
    LienSource.objects.create(
        offre=offre,
        source=source,
        identifiant_externe=brouillon.identifiant_externe,
        url=brouillon.url[:500],
        vue_le=maintenant,
        vue_derniere_fois_le=maintenant,
    )
    return "nouvelles", offre


def _montre_encore(lien, balayages):
    """Whether another source still shows the offer: yes unless that source has read its whole
    window successfully (a complete run) since it last saw the offer. A source that never made a
    complete run (manual entry, partner workbook…) is taken to show it still."""
    dernier = balayages.get(lien.source_id)
    return dernier is None or lien.vue_derniere_fois_le >= dernier


def balayer(source, execution, fenetre):
    """After a successful complete run: the open offers of ``source`` published inside the window
    it read in full and not seen in this run have vanished from the source; they are taken out
    of the queues (``services.offres_expirer``) unless another source still shows them. The
    first day of the window is left alone (offers of that day before the window's start hour
    were not read). Return how many."""
    from .. import services

    debut, fin = (timezone.localdate(moment) for moment in fenetre)
    candidates = (
        Offre.objects.filter(
            statut__in=services.OUVERTES,
            date_publication__gt=debut,
            date_publication__lte=fin,
            liens__source=source,
            liens__vue_derniere_fois_le__lt=execution.debut,
        )
        .distinct()
        .prefetch_related("liens")
        .order_by("pk")
    )
    balayages = dict(
        ExecutionIngestion.objects.filter(statut=StatutExecution.REUSSIE, parametres__complet=True)
        .exclude(source=source)
        .values("source")
        .annotate(dernier=Max("debut"))
        .values_list("source", "dernier")
    )
    disparues = []
    for offre in candidates:
        liens = list(offre.liens.all())
        if any(lien.source_id == source.pk and lien.vue_derniere_fois_le >= execution.debut for lien in liens):
            continue  # re-posted in the same source: the newer link was seen
        if any(lien.source_id != source.pk and _montre_encore(lien, balayages) for lien in liens):
            continue
        disparues.append(offre)
    return services.offres_expirer(offres=disparues, commentaire=f"Disparue de la source « {source.libelle} »."[:250])


def execution_vivante(execution, maintenant) -> bool:
    """Whether a run is still going: "en cours" and its progress recorded recently."""
    if execution is None or execution.statut != StatutExecution.EN_COURS:
        return False
    return max(execution.debut, execution.maj_le or execution.debut) > maintenant - SILENCE_MAX


def _interrompre(execution, message):
    execution.statut = StatutExecution.ECHOUEE
    execution.fin = timezone.now()
    execution.detail_erreurs = [*execution.detail_erreurs, message][:MAX_DETAIL_ERREURS]
    execution.erreurs = len(execution.detail_erreurs)
    execution.save(update_fields=["statut", "fin", "detail_erreurs", "erreurs"])


def _enregistrer_progression(execution, compteurs):
    ExecutionIngestion.objects.filter(pk=execution.pk).update(**compteurs, maj_le=timezone.now())


def derniere_execution_reussie(source):
    return source.executions.filter(statut=StatutExecution.REUSSIE).order_by("-debut").first()


def ingerer(source, *, maintenant=None, complet=False, connecteur=None, tache="", **options) -> ExecutionIngestion:
    """Run one ingestion of ``source``; return the recorded run.

    Incremental: offers created since the start of the last successful run; ``complet`` reads
    the source's whole default window again (offers updated at the source are refreshed).

    Raises ``ErreurConfiguration`` before any run is recorded when the source cannot be read at
    all (no connector, missing credentials), ``ExecutionDejaEnCours`` while another run of the
    source is alive. ``tache`` is the Celery task id: a run left "en cours" by the same task is a
    delivery whose worker died, taken over at once. ``options`` go to the connector (``dormir``…).
    The returned run has ``erreur_reseau`` set when it failed because the source did not answer.
    """
    maintenant = maintenant or timezone.now()
    if connecteur is None:
        connecteur = connecteur_pour(source, maintenant=maintenant, **options)
    precedente = derniere_execution_reussie(source)
    depuis = precedente.debut if precedente and not complet else None
    with transaction.atomic():  # two runs of one source never overlap
        Source.objects.select_for_update().filter(pk=source.pk).first()
        for en_cours in source.executions.filter(statut=StatutExecution.EN_COURS):
            if tache and en_cours.tache == tache:
                _interrompre(
                    en_cours, "Interrompue (arrêt du worker) : reprise par une nouvelle livraison de la tâche."
                )
            elif not execution_vivante(en_cours, maintenant):
                _interrompre(en_cours, "Interrompue : aucune progression enregistrée depuis plus de 30 minutes.")
            else:
                raise ExecutionDejaEnCours(
                    f"Une exécution de la source « {source.nom} » est déjà en cours depuis le "
                    f"{timezone.localtime(en_cours.debut):%d/%m/%Y à %H:%M}."
                )
        execution = ExecutionIngestion.objects.create(
            source=source,
            debut=maintenant,
            maj_le=timezone.now(),
            tache=tache or "",
            parametres={
                **connecteur.parametres_execution(),
                "depuis": depuis.isoformat() if depuis else None,
                "complet": complet,
            },
        )
    execution.erreur_reseau = False
    ref = Referentiels()
    index = IndexDoublons()
    entreprises = EntreprisesParSiret()
    deja_lus = set()
    compteurs = dict.fromkeys(["recus", "nouvelles", "mises_a_jour", "doublons_fusionnes", "ecartees_prefiltre"], 0)
    erreurs = []
    fatale = False

    def erreur(message):
        erreurs.append(message)
        logger.warning("Ingestion %s : %s", source.nom, message)

    try:
        for lot in connecteur.pages(depuis):
            # The same item may come back in one run (overlapping searches): read it once.
            uniques = {}
            for brut in lot:
                uniques.setdefault(connecteur.identifiant(brut) or f"?{len(uniques)}", brut)
            uniques = {ident: brut for ident, brut in uniques.items() if ident not in deja_lus}
            deja_lus.update(uniques)
            compteurs["recus"] += len(uniques)
            with transaction.atomic():  # one commit per page; each item is its own savepoint
                DonneeBrute.objects.bulk_create(
                    [
                        DonneeBrute(
                            source=source,
                            identifiant_externe=ident[:100],
                            execution=execution,
                            recue_le=maintenant,
                            contenu=brut,
                        )
                        for ident, brut in uniques.items()
                    ]
                )
                brouillons = []
                for ident, brut in uniques.items():
                    try:
                        brouillon = connecteur.normaliser(brut)
                    except Exception as exc:  # one bad item is an error of the run, not its end
                        erreur(f"Offre {ident} : {exc}")
                        continue
                    if ecartee_par_prefiltre(brouillon, source.parametres):
                        compteurs["ecartees_prefiltre"] += 1
                        continue
                    brouillons.append((ident, brouillon))
                page = Page(source, [brouillon.identifiant_externe for _, brouillon in brouillons])
                entreprises.charger(brouillon.siret for _, brouillon in brouillons)
                for ident, brouillon in brouillons:
                    try:
                        valeurs = _valeurs(brouillon, ref)
                        with transaction.atomic():
                            compteur, creee = _traiter(brouillon, valeurs, source, index, maintenant, page, entreprises)
                    except Exception as exc:
                        erreur(f"Offre {ident} : {exc}")
                        continue
                    if creee is not None:
                        index.ajouter(creee, brouillon, valeurs)
                    if compteur:
                        compteurs[compteur] += 1
                LienSource.objects.filter(pk__in=page.vus).update(vue_derniere_fois_le=maintenant)
            _enregistrer_progression(execution, {**compteurs, "erreurs": len(erreurs) + len(connecteur.erreurs)})
    except ErreurConnecteur as exc:
        fatale = True
        execution.erreur_reseau = isinstance(exc, ErreurReseau)
        erreur(str(exc))
    except Exception as exc:
        fatale = True
        logger.exception("Ingestion %s interrompue", source.nom)
        erreur(f"Erreur inattendue : {exc}")
    erreurs = connecteur.erreurs + erreurs
    if fatale:
        statut = StatutExecution.ECHOUEE
    elif erreurs:
        statut = StatutExecution.PARTIELLE
    else:
        statut = StatutExecution.REUSSIE
    fenetre = connecteur.fenetre_complete() if complet else None
    if statut == StatutExecution.REUSSIE and fenetre is not None:
        try:
            execution.expirees = balayer(source, execution, fenetre)
        except Exception as exc:  # the offers read are stored; only the sweep failed
            logger.exception("Balayage %s interrompu", source.nom)
            erreurs.append(f"Balayage des offres disparues interrompu : {exc}")
            statut = StatutExecution.PARTIELLE
    for name, value in compteurs.items():
        setattr(execution, name, value)
    execution.erreurs = len(erreurs)
    execution.detail_erreurs = erreurs[:MAX_DETAIL_ERREURS]
    execution.statut = statut
    execution.fin = execution.maj_le = timezone.now()
    execution.save()
    return execution


def resume(execution) -> str:
    """One French line for the operator."""
    return (
        f"{execution.source.nom} : {execution.get_statut_display().lower()} — {execution.recus} reçue(s), "
        f"{execution.nouvelles} nouvelle(s), {execution.mises_a_jour} mise(s) à jour, "
        f"{execution.doublons_fusionnes} doublon(s) fusionné(s), {execution.ecartees_prefiltre} écartée(s) "
        f"par les préfiltres, {execution.expirees} expirée(s), {execution.erreurs} erreur(s)."
    )
