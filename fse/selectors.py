"""Reads of the FSE data shared by the pages, the exports, the CSF pack and the dashboards."""

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from participants.enums import StatutParticipant
from participants.models import Participant
from participants.selectors import participants_visibles

from . import rules
from .models import CHAMPS_DONNEES_FSE


def participants_operation(debut, fin):
    """The participants of the operation over a period: entered on or before its last day and
    not left before its first day."""
    return (
        Participant.objects.filter(date_entree__isnull=False, date_entree__lte=fin)
        .filter(Q(date_sortie__isnull=True) | Q(date_sortie__gte=debut))
        .exclude(statut__in=[StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS])
    )


def avec_faits(queryset):
    """Rows with what ``rules.FaitsFse`` needs, in one query (no per-row query)."""
    return queryset.select_related("niveau_formation", "donnees_fse", "commune", "referent")


def faits(participant):
    """The FSE facts of a participant loaded through ``avec_faits`` (or any participant)."""
    donnees = getattr(participant, "donnees_fse", None)
    valeurs = {champ: getattr(donnees, champ) for champ in CHAMPS_DONNEES_FSE} if donnees else {}
    return rules.FaitsFse(
        sexe=participant.sexe,
        date_naissance=participant.date_naissance,
        date_entree=participant.date_entree,
        date_sortie=participant.date_sortie,
        situation_marche_travail=participant.situation_marche_travail,
        isced=participant.niveau_formation.isced if participant.niveau_formation_id else None,
        handicap=participant.reconnaissance_handicap,
        qpv=participant.quartier_prioritaire_id is not None,
        donnees_saisies=donnees is not None,
        **valeurs,
    )


def indicateurs(debut, fin, queryset=None):
    """The common indicators over a period, as three lists of (code, label, count): at entry
    (entered in the period), upon leaving (left in it) and 6 months after (follow-up due in it).
    ``queryset`` narrows the participants (a caseload); by default, everyone."""
    base = queryset if queryset is not None else Participant.objects.all()
    entres = [faits(p) for p in avec_faits(base.filter(date_entree__range=(debut, fin)))]
    sortis = [faits(p) for p in avec_faits(base.filter(date_sortie__range=(debut, fin), date_entree__isnull=False))]
    # The follow-up falls due 6 months after the exit: exits from 7 months before are enough to read.
    candidats_suivi = base.filter(
        date_entree__isnull=False,
        date_sortie__range=(debut - relativedelta(months=rules.MOIS_SUIVI + 1), fin),
    )
    suivis = [
        f
        for f in (faits(p) for p in avec_faits(candidats_suivi))
        if debut <= rules.echeance_suivi(f.date_sortie) <= fin
    ]
    return [
        _tableau(rules.INDICATEURS_ENTREE, entres),
        _tableau(rules.INDICATEURS_SORTIE, sortis),
        _tableau(rules.INDICATEURS_SUIVI, suivis),
    ]


def _tableau(definitions, liste):
    comptes = rules.compter(definitions, liste)
    return [(code, libelle, comptes[code]) for code, libelle, _test in definitions]


def participants_lisibles(user):
    """Whose FSE data ``user`` reads: everyone for whoever exports it for the funder (the
    coordination, the auditor), otherwise the participants they see (a référent's caseload)."""
    if user.has_perm("fse.exporter_donnees_fse"):
        return Participant.objects.all()
    return participants_visibles(user)


def incomplets(debut, fin, aujourd_hui, queryset=None):
    """The participants of the operation over the period — or whose 6-month follow-up fell due
    in it — whose FSE data is missing something: [(participant, [missing, …])]."""
    base = queryset if queryset is not None else Participant.objects.all()
    suivi_du = Q(
        date_entree__isnull=False,
        date_sortie__range=(
            debut - relativedelta(months=rules.MOIS_SUIVI),
            fin - relativedelta(months=rules.MOIS_SUIVI),
        ),
    )
    concernes = Participant.objects.filter(Q(pk__in=participants_operation(debut, fin).values("pk")) | suivi_du)
    participants = avec_faits(concernes.filter(pk__in=base.values("pk"))).order_by("nom", "prenom", "pk")
    resultat = []
    for participant in participants:
        manques = rules.donnees_manquantes(faits(participant), aujourd_hui)
        if manques:
            resultat.append((participant, manques))
    return resultat
