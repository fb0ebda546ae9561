"""Reads of participants shared by pages, reports, exports and the nightly detection."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Subquery, Value, When

from plie.models import Commune, User
from plie.roles import Role

from . import retention, rules
from .enums import DecisionCommissionType, StatutDetection, StatutParticipant
from .models import DecisionCommission, DetectionSortie, Entretien, Etape, Participant

JOURS_ETAPE_FIN_PROCHE = 14


def participants_visibles(user):
    """Least privilege: a référent sees their caseload; the coordinatrice all; the administrateur
    also the intermediate archive and the anonymised records (participants.retention)."""
    roles = set(user.roles)
    if Role.ADMINISTRATEUR in roles:
        return Participant.objects.all()
    base_active = retention.BASE_ACTIVE_MARQUEE
    if Role.COORDINATRICE in roles:
        return Participant.objects.filter(base_active)
    if Role.REFERENT in roles:
        return Participant.objects.filter(base_active, referent=user)
    return Participant.objects.none()


def peut_voir_sensible(user, participant):
    """Health, disability, justice, social minima: the participant's référent, coordinatrice, admin."""
    roles = set(user.roles)
    return bool(roles & {Role.COORDINATRICE, Role.ADMINISTRATEUR}) or (
        Role.REFERENT in roles and participant.referent_id == user.pk
    )


def peut_modifier(user, participant):
    roles = set(user.roles)
    return Role.COORDINATRICE in roles or (Role.REFERENT in roles and participant.referent_id == user.pk)


def avec_suivi(queryset, today):
    """Annotate what the caseload shows: last entretien, exits to confirm, étapes ending soon.

    Each is a correlated subquery read through an index for the rows of the page only: an aggregate
    over a join with the entretiens would group the whole table before sorting and paging it.
    """
    dernier = Entretien.objects.filter(participant=OuterRef("pk")).order_by("-date").values("date")[:1]
    return queryset.annotate(
        dernier_entretien=Subquery(dernier),
        sortie_a_confirmer=Exists(
            DetectionSortie.objects.filter(participant=OuterRef("pk"), statut=StatutDetection.A_CONFIRMER)
        ),
        etape_finit_bientot=Exists(
            Etape.objects.filter(
                participant=OuterRef("pk"),
                fin__isnull=True,
                fin_prevue__gte=today,
                fin_prevue__lte=today + timedelta(days=JOURS_ETAPE_FIN_PROCHE),
            )
        ),
    )


def caseload(referent, today, parametres=None):
    """The participants a référent accompanies, those with something due first (``a_voir_bd``).

    The database-side condition mirrors ``rules.entretien_du_mois`` and the other dues of
    ``a_voir``, so that the list can be sorted and counted without loading every row.
    """
    parametres = parametres or rules.Parametres.depuis_settings()
    entretien_du = Q(dernier_entretien__isnull=True) | Q(dernier_entretien__lt=today.replace(day=1))
    entretien_du |= Q(dernier_entretien__lt=today - timedelta(days=parametres.jours_max_sans_entretien))
    return (
        avec_suivi(
            Participant.objects.en_accompagnement()
            .du_referent(referent)
            .select_related("commune", "quartier_prioritaire", "niveau_formation"),
            today,
        )
        .annotate(
            a_voir_bd=Case(
                When(entretien_du | Q(sortie_a_confirmer=True) | Q(etape_finit_bientot=True), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-a_voir_bd", "nom", "prenom", "id")
    )


def a_voir(participant, today, parametres=None):
    """What is due for one annotated caseload row, as French sentences (empty: nothing due)."""
    parametres = parametres or rules.Parametres.depuis_settings()
    due = []
    entretien = rules.entretien_du_mois(participant.dernier_entretien, today, parametres.jours_max_sans_entretien)
    if entretien.a_voir:
        due.extend(entretien.raisons)
    if participant.sortie_a_confirmer:
        due.append("Sortie positive détectée : à confirmer.")
    if participant.etape_finit_bientot:
        due.append(f"Une étape se termine dans les {JOURS_ETAPE_FIN_PROCHE} jours.")
    return due


@dataclass(frozen=True, slots=True)
class ChargeReferent:
    """One référent's caseload: plain values, cheap to cache and to lay out for a region's 1 400."""

    pk: int
    nom: str
    structure: str
    nb_participants: int
    nb_sans_entretien: int

    def __str__(self):
        return self.nom


def charge_des_referents(today):
    """Each active référent with their caseload and how many have no entretien this month (two
    queries; the counts read only the people in accompaniment, never the whole table)."""
    sans_entretien = ~Exists(Entretien.objects.filter(participant=OuterRef("pk"), date__gte=today.replace(day=1)))
    comptes = {
        referent: (n, sans)
        for referent, n, sans in Participant.objects.en_accompagnement()
        .order_by()
        .values_list("referent")
        .annotate(n=Count("id"), sans=Count("id", filter=sans_entretien))
    }
    referents = (
        User.objects.with_role(Role.REFERENT)
        .order_by("last_name", "first_name")
        .values_list("pk", "first_name", "last_name", "email", "structure")
    )
    return [
        ChargeReferent(pk, f"{prenom} {nom}".strip() or email, structure, *comptes.get(pk, (0, 0)))
        for pk, prenom, nom, email, structure in referents
    ]


def chiffres_du_mois(day):
    """Stock on ``day`` and the flow of entries and exits in its calendar month (one query)."""
    debut = day.replace(day=1)
    return Participant.objects.aggregate(
        en_accompagnement=Count("id", filter=Q(statut=StatutParticipant.ENTRE)),
        candidats=Count("id", filter=Q(statut=StatutParticipant.CANDIDAT)),
        entrees_du_mois=Count("id", filter=Q(date_entree__gte=debut, date_entree__lte=day)),
        sorties_du_mois=Count("id", filter=Q(date_sortie__gte=debut, date_sortie__lte=day)),
    )


class Territoire:
    """The territory's communes with their validity dates, read once (they are a few dozen rows)."""

    def __init__(self, communes=None):
        self._communes = list(Commune.objects.all()) if communes is None else list(communes)

    @classmethod
    def de(cls, participant):
        """What one participant's verdict reads: their own commune (loaded with them on a page)."""
        return cls([participant.commune] if participant.commune_id else [])

    def contient(self, commune_id, day):
        return any(c.pk == commune_id and c.est_valide_le(day) for c in self._communes)


def faits_eligibilite(participant, date_reference, territoire=None):
    territoire = territoire or Territoire.de(participant)
    return rules.FaitsEligibilite(
        date_reference=date_reference,
        commune=participant.commune.nom if participant.commune_id else "",
        commune_dans_territoire=territoire.contient(participant.commune_id, date_reference),
        autorisation_travail=participant.autorisation_travail,
        consentement=participant.consentement,
        consentement_date=participant.consentement_date,
        qualification_insuffisante=participant.qualification_insuffisante,
        sans_activite_depuis=participant.sans_activite_depuis,
        minima_sociaux=participant.minima_sociaux,
        situation_familiale_complexe=participant.situation_familiale_complexe,
        mobilite_logement=participant.mobilite_logement,
        sante_handicap=participant.sante_handicap,
        suivi_cap_emploi=participant.suivi_cap_emploi,
        sous_main_justice=participant.sous_main_justice,
    )


def verdict_eligibilite(participant, as_of, territoire=None):
    """The verdict as of the entry date (or ``as_of`` for a candidate who has not entered)."""
    date_reference = participant.date_entree or as_of
    return rules.eligibilite(faits_eligibilite(participant, date_reference, territoire))


def situation_pour_regles(situation):
    """A recorded situation (saved or not) as the facts the positive-exit rules read."""
    return rules.Situation(
        type=situation.type,
        debut=situation.debut,
        fin_prevue=situation.fin_prevue,
        fin=situation.fin,
        heures_hebdo=situation.heures_hebdo,
        accord_temps_partiel=situation.accord_temps_partiel,
        employeur=situation.employeur,
        reference=situation.pk,
    )


def faits_parcours(participant, as_of):
    """Facts of the positive-exit rules; uses ``situations`` and ``decisions`` (prefetch them)."""
    validations = [
        d.date_decision
        for d in participant.decisions.all()
        if d.decision == DecisionCommissionType.VALIDATION_SENIOR_ACI
    ]
    return rules.FaitsParcours(
        date_naissance=participant.date_naissance,
        situations=tuple(situation_pour_regles(s) for s in participant.situations.all()),
        date_reference=as_of,
        validation_senior_aci=max(validations) if validations else None,
    )


def sorties_detectees(participant, as_of):
    return rules.sorties_positives(faits_parcours(participant, as_of))


def candidats_en_attente():
    """Candidates awaiting the commission (no entry decision yet), oldest first."""
    return (
        Participant.objects.filter(statut=StatutParticipant.CANDIDAT)
        .select_related("commune", "referent", "niveau_formation")
        .order_by("date_candidature", "id")
    )


def decisions_du_participant(participant):
    return DecisionCommission.objects.filter(participant=participant).select_related("decide_par")
