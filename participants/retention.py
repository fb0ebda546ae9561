"""Retention policy of the participants' data (docs/aipd.md §2, CNIL guidance for the social
accompaniment): the active base lasts ``BASE_ACTIVE_MOIS`` after the last contact; then a
participant who entered the FSE+ operation stays in restricted intermediate archiving (read by the
administrateur only) until the end of the FSE+ archiving period, and every other one — or the
archived one afterwards — is anonymised for good. The journals are purged after ``JOURNAUX_MOIS``.

Three layers, as elsewhere: the pure rules (facts in, verdict with reasons out), the same rule as
a database condition (``base_active``, to select what a run handles), and the run (``appliquer``)
that the monthly task and ``apply_retention`` share.

The run writes its outcome on the record: ``archive_le`` (intermediate archiving) and
``anonymise_le``. The selectors read those two columns (``BASE_ACTIVE_MARQUEE``) to hide the
archive, rather than the rule itself, which reads five tables per participant: on a region's list
of 150 000 people it cost over a second a page.
"""

import dataclasses
import datetime
import logging
import secrets

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Case, Exists, Max, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from .enums import MinimaSociaux, StatutParticipant, TypeEtape
from .models import (
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

logger = logging.getLogger(__name__)

NOM_ANONYME = "Anonyme"
PRENOM_ANONYME = "Participant"
PREFIXE_IDENTIFIANT = "ANONYME-"
# DecisionCommission.motif may not be empty (database constraint).
MOTIF_EFFACE = "Motif effacé (anonymisation)."
TAILLE_LOT = 100

# --- The policy ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Politique:
    base_active_mois: int = 24
    archivage_fse_jusqu_au: datetime.date | None = None
    archivage_fse_ans_apres_sortie: int = 5
    journaux_mois: int = 12

    def __post_init__(self):
        if self.base_active_mois < 1 or self.journaux_mois < 1 or self.archivage_fse_ans_apres_sortie < 0:
            raise ImproperlyConfigured(
                "PLIE_RETENTION : les durées de la base active et des journaux doivent être d'au moins un mois, "
                "le nombre d'années d'archivage FSE+ positif ou nul."
            )

    @classmethod
    def depuis_settings(cls):
        conf = settings.PLIE_RETENTION
        fin = conf.get("ARCHIVAGE_FSE_JUSQU_AU")
        if isinstance(fin, str):
            try:
                fin = datetime.date.fromisoformat(fin)
            except ValueError as exc:
                raise ImproperlyConfigured(
                    f"PLIE_RETENTION_ARCHIVAGE_FSE_JUSQU_AU illisible « {fin} » (attendu AAAA-MM-JJ)."
                ) from exc
        return cls(
            base_active_mois=conf.get("BASE_ACTIVE_MOIS", 24),
            archivage_fse_jusqu_au=fin,
            archivage_fse_ans_apres_sortie=conf.get("ARCHIVAGE_FSE_ANS_APRES_SORTIE") or 0,
            journaux_mois=conf.get("JOURNAUX_MOIS", 12),
        )


# --- The rules (pure) ----------------------------------------------------------------------------


class Etat(models.TextChoices):
    BASE_ACTIVE = "base_active", "Base active"
    ARCHIVAGE = "archivage", "Archivage intermédiaire (accès restreint)"
    A_ANONYMISER = "a_anonymiser", "À anonymiser"
    ANONYMISE = "anonymise", "Anonymisé"


@dataclasses.dataclass(frozen=True)
class FaitsRetention:
    statut: str
    dernier_contact: datetime.date
    date_entree: datetime.date | None
    date_sortie: datetime.date | None
    anonymise: bool = False


@dataclasses.dataclass(frozen=True)
class Verdict:
    etat: Etat
    raisons: tuple = ()


def dernier_contact(dates):
    """The latest of the dates of contact (see ``SOURCES_DE_CONTACT``), None ignored."""
    return max(d for d in dates if d is not None)


def echeance_base_active(dernier, politique):
    """The first day out of the active base: the same day ``base_active_mois`` months after the last
    contact (the month's last day when it has none: 29/02/2024 + 24 months → 28/02/2026)."""
    return dernier + relativedelta(months=politique.base_active_mois)


# What the référents and the coordinatrice still read: neither archived nor anonymised by a run.
BASE_ACTIVE_MARQUEE = Q(archive_le__isnull=True, anonymise_le__isnull=True)


def limite_dernier_contact(aujourd_hui, politique):
    """The latest last-contact date whose active base has ended on ``aujourd_hui``: the database
    condition reads « no contact after this date », the same day as ``echeance_base_active``."""
    limite = aujourd_hui - relativedelta(months=politique.base_active_mois)
    # Months of unequal lengths: subtracting then adding may land before today (31/03 − 1 month).
    while echeance_base_active(limite + datetime.timedelta(days=1), politique) <= aujourd_hui:
        limite += datetime.timedelta(days=1)
    return limite


def fin_archivage_fse(faits, politique):
    """The last day of FSE+ archiving, or None when the record is not an FSE+ supporting document.

    Only who entered the operation is an FSE+ participant, as ``fse.selectors`` counts them: an
    entry date, and not a candidate or a refused one. The convention's date wins when set;
    otherwise 31 December of the Nth year after the exit year.
    """
    date_entree, date_sortie = faits.date_entree, faits.date_sortie
    if date_entree is None or faits.statut in (StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS):
        return None
    if politique.archivage_fse_jusqu_au is not None:
        return politique.archivage_fse_jusqu_au
    if not politique.archivage_fse_ans_apres_sortie:
        return None
    # No exit date on a record that entered: an inconsistent one; its entry is the fact left.
    annee = (date_sortie or date_entree).year + politique.archivage_fse_ans_apres_sortie
    return datetime.date(annee, 12, 31)


def verdict(faits, aujourd_hui, politique):
    if faits.anonymise:
        return Verdict(Etat.ANONYMISE, ("Données déjà anonymisées.",))
    if faits.statut == StatutParticipant.ENTRE:
        return Verdict(Etat.BASE_ACTIVE, ("En accompagnement : conservé tant que le parcours est ouvert.",))
    echeance = echeance_base_active(faits.dernier_contact, politique)
    if aujourd_hui < echeance:
        fin = echeance - datetime.timedelta(days=1)
        return Verdict(Etat.BASE_ACTIVE, (f"Base active jusqu'au {fin:%d/%m/%Y} (dernier contact + durée).",))
    fin_archive = fin_archivage_fse(faits, politique)
    if fin_archive is not None and aujourd_hui <= fin_archive:
        return Verdict(Etat.ARCHIVAGE, (f"Pièce justificative FSE+ : archivage jusqu'au {fin_archive:%d/%m/%Y}.",))
    return Verdict(Etat.A_ANONYMISER, (f"Base active échue le {echeance:%d/%m/%Y}, aucune obligation d'archivage.",))


# --- The rule as database conditions -------------------------------------------------------------

# What counts as a contact with the person: the candidacy, entry and exit; an entretien; an étape
# or a situation (contract, training) starting or really ending; a commission decision (a refused
# candidate: 2 years after the decision); the FSE+ result and 6-month follow-up. Not the record's
# ``modifie_le``: an edit is not a contact, and corrections or reassignments would push the
# deadline back forever. Positionnements, training needs and collective actions happen within the
# accompaniment, whose entry and exit already count.
# Labels, not classes, for the other apps: participants sits below them (ARCHITECTURE.md).
SOURCES_DE_CONTACT = [
    (Entretien, ("date",)),
    (Etape, ("debut", "fin")),
    (Situation, ("debut", "fin")),
    (DecisionCommission, ("date_decision",)),
    ("fse.DonneesFseParticipant", ("resultat_constate_le", "suivi_le")),
]
CHAMPS_CONTACT_PARTICIPANT = ("date_candidature", "date_entree", "date_sortie")


def _sources():
    for modele, champs in SOURCES_DE_CONTACT:
        yield (apps.get_model(modele) if isinstance(modele, str) else modele), champs


def contact_apres(limite):
    """Q: the participant had a contact after ``limite``."""
    condition = Q()
    for champ in CHAMPS_CONTACT_PARTICIPANT:
        condition |= Q(**{f"{champ}__gt": limite})
    for modele, champs in _sources():
        recent = Q()
        for champ in champs:
            recent |= Q(**{f"{champ}__gt": limite})
        condition |= Exists(modele.objects.filter(recent, participant=OuterRef("pk")))
    return condition


def base_active(aujourd_hui, politique=None):
    """Q: the participants still in the active base on ``aujourd_hui`` — everyone in accompaniment,
    and the others whose last contact is recent. The rest is archive or anonymised: the selectors
    show it to the administrateur only."""
    politique = politique or Politique.depuis_settings()
    # The status first: PostgreSQL stops there for everyone in accompaniment.
    return Q(statut=StatutParticipant.ENTRE) | contact_apres(limite_dernier_contact(aujourd_hui, politique))


def _annotations_de_contact():
    """{``contact_<model>_<field>``: the latest date of that source for the participant}."""
    annotations = {}
    for modele, champs in _sources():
        for champ in champs:
            plus_recente = (
                modele.objects.filter(participant=OuterRef("pk"))
                .order_by()
                .values("participant")
                .annotate(m=Max(champ))
                .values("m")
            )
            annotations[f"contact_{modele._meta.model_name}_{champ}"] = Subquery(plus_recente)
    return annotations


def avec_dates_de_contact(queryset):
    return queryset.annotate(**_annotations_de_contact())


def faits_de(participant):
    """The facts of a participant loaded through ``avec_dates_de_contact``."""
    dates = [getattr(participant, champ) for champ in CHAMPS_CONTACT_PARTICIPANT]
    dates += [getattr(participant, nom) for nom in _annotations_de_contact()]
    return FaitsRetention(
        statut=participant.statut,
        dernier_contact=dernier_contact(dates),
        date_entree=participant.date_entree,
        date_sortie=participant.date_sortie,
        anonymise=participant.anonymise_le is not None,
    )


# --- Anonymisation -------------------------------------------------------------------------------


def _effacer(participant, maintenant):
    """Erase what identifies the person or tells about their life, keep what the dashboards and
    the FSE+ figures count (status, dates, exit motive, sex, birth year, commune, QPV, level,
    labour-market situation, RSA, contract types, CléA levels, référent).

    Plain ``update()``s: the audit trail's signals would copy the old free texts into a journal
    kept after the record forgot them (the run records one summary row instead).
    """
    pk = participant.pk
    Participant.objects.filter(pk=pk).update(
        # A random identifiant: the old one links to the previous tool and to partners' files;
        # the statistics count rows, never identifiants.
        identifiant=f"{PREFIXE_IDENTIFIANT}{secrets.token_hex(8)}",
        nom=NOM_ANONYME,
        prenom=PRENOM_ANONYME,
        date_naissance=participant.date_naissance.replace(month=1, day=1),  # keeps ages in years
        email="",
        telephone="",
        adresse="",
        # The RSA share is a key figure (RULES §5); any other benefit (AAH tells a disability) goes.
        minima_sociaux=MinimaSociaux.RSA if participant.minima_sociaux == MinimaSociaux.RSA else MinimaSociaux.AUCUN,
        sante_handicap=False,
        suivi_cap_emploi=False,
        reconnaissance_handicap=False,
        sous_main_justice=False,
        situation_familiale_complexe=False,
        mobilite_logement=False,
        anonymise_le=maintenant,
        modifie_le=maintenant,
    )
    Entretien.objects.filter(participant_id=pk).update(notes="", prochaines_etapes="")
    # An étape's title and partner may say it all (a health step at a named care centre): the
    # title becomes its type's label.
    Etape.objects.filter(participant_id=pk).update(
        intitule=Case(*[When(type=valeur, then=Value(libelle)) for valeur, libelle in TypeEtape.choices]),
        structure="",
        commentaire="",
    )
    DiagnosticEntree.objects.filter(participant_id=pk).update(commentaire="")
    # The employer and SIRET of a business creation are the person's own.
    Situation.objects.filter(participant_id=pk).update(intitule="", employeur="", siret="")
    DecisionCommission.objects.filter(participant_id=pk).update(motif=MOTIF_EFFACE)
    HistoriqueReferent.objects.filter(participant_id=pk).update(motif="")
    Sortie.objects.filter(participant_id=pk).update(commentaire="", raisons=[])
    DetectionSortie.objects.filter(participant_id=pk).update(raisons=[])
    apps.get_model("offres.EtapePositionnement").objects.filter(positionnement__participant_id=pk).update(note="")
    apps.get_model("formation.BesoinFormation").objects.filter(participant_id=pk).update(precisions_contraintes="")
    apps.get_model("formation.EtapePositionnementFormation").objects.filter(positionnement__participant_id=pk).update(
        commentaire=""
    )
    # Origin, nationality, household and housing exclusion: needed for the FSE+ indicators only,
    # whose archiving has ended by now.
    donnees_fse = apps.get_model("fse.DonneesFseParticipant")
    donnees_fse.objects.filter(participant_id=pk).update(
        menage="",
        pays_tiers=donnees_fse._meta.get_field("pays_tiers").default,
        origine_etrangere=donnees_fse._meta.get_field("origine_etrangere").default,
        sans_domicile=False,
    )


def anonymiser_si_echu(participant_id, *, aujourd_hui, maintenant, politique):
    """Anonymise one participant if the rule says so, in one transaction: a crash leaves the record
    whole, never half-erased. Checked again under the row lock, so that a contact recorded since
    the selection, or a run in parallel, leaves it alone. True when it was anonymised."""
    with transaction.atomic():
        # The lock also holds back a related row being added meanwhile (its foreign key's check).
        if not list(Participant.objects.select_for_update().filter(pk=participant_id).values_list("pk", flat=True)):
            return False
        participant = avec_dates_de_contact(Participant.objects.filter(pk=participant_id)).get()
        if verdict(faits_de(participant), aujourd_hui, politique).etat != Etat.A_ANONYMISER:
            return False
        _effacer(participant, maintenant)
    return True


# --- The run -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Bilan:
    """What a run did (or, in a dry run, would do): counts only, never a name."""

    aujourd_hui: datetime.date
    simulation: bool
    anonymises: int = 0
    archivage: int = 0
    retour_base_active: int = 0
    en_accompagnement_sans_contact: int = 0
    journaux: dict = dataclasses.field(default_factory=dict)

    @property
    def journaux_purges(self):
        return sum(self.journaux.values())

    def lignes(self):
        verbe = "seraient" if self.simulation else "ont été"
        lignes = [
            f"Politique de conservation au {self.aujourd_hui:%d/%m/%Y}"
            + (" — simulation, rien n'est écrit." if self.simulation else "."),
            f"Participants {'à anonymiser' if self.simulation else 'anonymisés'} : {self.anonymises}.",
            f"Participants en archivage intermédiaire (accès restreint à l'administrateur) : {self.archivage}.",
            f"Participants revenus en base active (contact enregistré depuis l'archivage) : {self.retour_base_active}.",
            f"Entrées de journaux qui {verbe} purgées : {self.journaux_purges} "
            f"(accès : {self.journaux.get('acces', 0)}, modifications : {self.journaux.get('modifications', 0)}).",
        ]
        if self.en_accompagnement_sans_contact:
            lignes.append(
                f"Attention : {self.en_accompagnement_sans_contact} participant(s) en accompagnement sans contact "
                "depuis la durée de la base active, jamais anonymisés tant que leur parcours reste ouvert : "
                "à clôturer ou à recontacter."
            )
        return lignes

    def comptes(self):
        return {
            "anonymises": self.anonymises,
            "archivage_intermediaire": self.archivage,
            "retour_base_active": self.retour_base_active,
            "en_accompagnement_sans_contact": self.en_accompagnement_sans_contact,
            "journaux_purges": self.journaux_purges,
        }


def echus(aujourd_hui, politique):
    """Those out of the active base and not yet anonymised: the archive and what is due."""
    return (
        Participant.objects.filter(anonymise_le__isnull=True)
        .exclude(base_active(aujourd_hui, politique))
        .order_by("pk")
    )


def _journaux(maintenant, politique, simulation):
    from plie import audit
    from plie.models import JournalAcces, JournalModification

    avant = maintenant - relativedelta(months=politique.journaux_mois)
    if simulation:
        return {
            "acces": JournalAcces.objects.filter(horodatage__lt=avant).count(),
            "modifications": JournalModification.objects.filter(horodatage__lt=avant).count(),
        }
    # The only deletion the journals' trigger lets through (plie.audit).
    return audit.purger_journaux(avant)


def appliquer(*, aujourd_hui=None, maintenant=None, simulation=False, politique=None, progression=None):
    """Apply the policy: anonymise what is due, count the archive, purge the old journal rows.

    ``progression(fait, total)`` is called after each batch. Running it again does nothing more:
    an anonymised record is never selected again.
    """
    maintenant = maintenant or timezone.now()
    aujourd_hui = aujourd_hui or timezone.localdate(maintenant)
    politique = politique or Politique.depuis_settings()
    bilan = Bilan(aujourd_hui=aujourd_hui, simulation=simulation)

    identifiants = list(echus(aujourd_hui, politique).values_list("pk", flat=True))
    total = len(identifiants)
    for debut in range(0, total, TAILLE_LOT):
        lot = identifiants[debut : debut + TAILLE_LOT]
        for participant in avec_dates_de_contact(Participant.objects.filter(pk__in=lot)).order_by("pk"):
            etat = verdict(faits_de(participant), aujourd_hui, politique).etat
            if etat == Etat.ARCHIVAGE:
                bilan.archivage += 1
                if not simulation and participant.archive_le is None:
                    Participant.objects.filter(pk=participant.pk, archive_le__isnull=True).update(archive_le=maintenant)
            elif etat == Etat.A_ANONYMISER:
                fait = simulation or anonymiser_si_echu(
                    participant.pk, aujourd_hui=aujourd_hui, maintenant=maintenant, politique=politique
                )
                bilan.anonymises += int(fait)
        if progression is not None:
            progression(min(debut + TAILLE_LOT, total), total)

    # A contact recorded since (by the administrateur, who still reads the archive) or a policy
    # lengthened: the record is back in the active base.
    revenus = Participant.objects.filter(archive_le__isnull=False, anonymise_le__isnull=True).filter(
        base_active(aujourd_hui, politique)
    )
    revenus = list(revenus.values_list("pk", flat=True))
    if revenus and not simulation:
        Participant.objects.filter(pk__in=revenus).update(archive_le=None)
    bilan.retour_base_active = len(revenus)
    limite = limite_dernier_contact(aujourd_hui, politique)
    bilan.en_accompagnement_sans_contact = (
        Participant.objects.filter(statut=StatutParticipant.ENTRE).exclude(contact_apres(limite)).count()
    )
    bilan.journaux = _journaux(maintenant, politique, simulation)
    if not simulation:
        _tracer(bilan)
    logger.info("Politique de conservation%s : %s", " (simulation)" if simulation else "", bilan.comptes())
    return bilan


def _tracer(bilan):
    """One system row in the change journal: the run and its counts (which records: anonymise_le)."""
    from plie.models import JournalModification

    JournalModification.objects.create(
        utilisateur=None,
        action=JournalModification.Action.MODIFICATION,
        objet_type="participants.participant",
        objet_libelle=f"Politique de conservation appliquée le {bilan.aujourd_hui:%d/%m/%Y}",
        champs={nom: [None, nombre] for nom, nombre in bilan.comptes().items()},
    )
