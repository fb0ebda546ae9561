"""Every write about participants that spans rows, inside a transaction, attributed and dated."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from plie import audit
from plie.models import JournalAcces

from . import selectors
from .enums import DecisionCommissionType, MotifSortie, StatutDetection, StatutParticipant
from .models import DecisionCommission, DetectionSortie, HistoriqueReferent, Participant, Sortie


def journaliser_lecture_sensible(*, utilisateur, participant):
    """Record that ``utilisateur`` read the sensitive facts of ``participant``."""
    JournalAcces.objects.create(
        utilisateur=utilisateur,
        action=JournalAcces.Action.LECTURE_SENSIBLE,
        objet_type="participant",
        objet_id=str(participant.pk),
    )


@transaction.atomic
def referent_attribuer(*, participant, referent, du, par, motif=""):
    """Make ``referent`` the participant's référent unique from ``du``, closing the previous one."""
    if participant.referent_id == referent.pk:
        return participant
    ouverte = HistoriqueReferent.objects.select_for_update().filter(participant=participant, au__isnull=True).first()
    if ouverte is not None:
        if du < ouverte.du:
            raise ValidationError(
                f"Le changement ne peut pas précéder l'attribution en cours (du {ouverte.du:%d/%m/%Y})."
            )
        ouverte.au = du
        ouverte.save(update_fields=["au"])
    HistoriqueReferent.objects.create(participant=participant, referent=referent, du=du, motif=motif, attribue_par=par)
    participant.referent = referent
    participant.save(update_fields=["referent", "modifie_le"])
    return participant


@transaction.atomic
def candidat_creer(*, participant, referent, par):
    """Save a new candidate; the person who records the candidacy is usually its référent."""
    participant.statut = StatutParticipant.CANDIDAT
    participant.full_clean()
    participant.save()
    referent_attribuer(participant=participant, referent=referent, du=participant.date_candidature, par=par)
    return participant


@transaction.atomic
def commission_decider(*, participant, decision, date_decision, motif, par):
    """Record a commission decision; admission and derogation make the entry effective.

    The computed verdict is kept as it stood, beside the decision, never rewritten.
    """
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Le motif de la décision est obligatoire."})
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if decision == DecisionCommissionType.VALIDATION_SENIOR_ACI:
        if participant.statut != StatutParticipant.ENTRE:
            raise ValidationError("Seule la sortie d'un participant en accompagnement peut être validée.")
    elif participant.statut not in (StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS):
        raise ValidationError(
            f"{participant} n'est pas candidat (statut : {participant.get_statut_display().lower()}) : "
            "la commission ne peut plus statuer sur son entrée."
        )
    verdict = selectors.verdict_eligibilite(participant, date_decision)
    DecisionCommission.objects.create(
        participant=participant,
        decision=decision,
        date_decision=date_decision,
        motif=motif,
        eligible_au_calcul=verdict.eligible,
        criteres_manquants="|".join(verdict.criteres_manquants),
        decide_par=par,
    )
    if decision in DecisionCommissionType.entrees():
        participant.statut = StatutParticipant.ENTRE
        participant.date_entree = date_decision
    elif decision == DecisionCommissionType.REFUS:
        participant.statut = StatutParticipant.NON_ADMIS
    participant.save()
    if decision == DecisionCommissionType.VALIDATION_SENIOR_ACI:
        detections_rafraichir(participants=[participant], today=timezone.localdate())
    return participant


def detections_rafraichir(*, participants=None, today=None):
    """Recompute the detected positive exits of participants in accompaniment (idempotent).

    Unconfirmed detections that no longer hold are removed; confirmed ones are kept.
    Returns (created, updated, removed).
    """
    today = today or timezone.localdate()
    if participants is None:
        participants = Participant.objects.en_accompagnement()
    else:
        participants = Participant.objects.filter(pk__in=[p.pk for p in participants])
    participants = participants.prefetch_related("situations", "decisions", "detections").order_by("pk")
    created = updated = removed = 0
    for participant in participants.iterator(chunk_size=500):
        detected = {d.resultat: d for d in selectors.sorties_detectees(participant, today)}
        existing = {d.resultat: d for d in participant.detections.all()}
        with transaction.atomic():
            for resultat, old in existing.items():
                if resultat not in detected and old.statut == StatutDetection.A_CONFIRMER:
                    old.delete()
                    removed += 1
            for resultat, found in detected.items():
                values = {
                    "date": found.date,
                    "raisons": list(found.raisons),
                    "attend_commission": found.attend_commission,
                }
                old = existing.get(resultat)
                if old is None:
                    DetectionSortie.objects.create(participant=participant, resultat=resultat, **values)
                    created += 1
                elif old.statut == StatutDetection.A_CONFIRMER and any(getattr(old, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(old, key, value)
                    old.save()
                    updated += 1
    return created, updated, removed


@transaction.atomic
def sortie_confirmer(*, participant, motif, date, par, commentaire=""):
    """Confirm a participant's exit (positive or not), which ends the accompaniment."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    if participant.statut != StatutParticipant.ENTRE:
        raise ValidationError(f"{participant} n'est pas en accompagnement : sa sortie ne peut pas être enregistrée.")
    if participant.date_entree and date < participant.date_entree:
        raise ValidationError(
            {"date": f"La sortie ne peut pas précéder l'entrée (le {participant.date_entree:%d/%m/%Y})."}
        )
    detection = participant.detections.filter(resultat=motif).first()
    if motif in MotifSortie.positives() and detection is None:
        raise ValidationError(
            {"motif": "Aucune sortie positive de ce type n'est détectée à partir des situations enregistrées."}
        )
    if detection is not None and detection.attend_commission:
        raise ValidationError({"motif": "Cette sortie doit d'abord être validée par la commission."})
    if motif not in MotifSortie.positives() and not commentaire.strip():
        raise ValidationError({"commentaire": "Précisez le motif de cette sortie."})
    sortie = Sortie.objects.create(
        participant=participant,
        date=date,
        motif=motif,
        commentaire=commentaire,
        raisons=detection.raisons if detection else [],
        confirmee_par=par,
    )
    if detection is not None:
        detection.statut = StatutDetection.CONFIRMEE
        detection.save(update_fields=["statut"])
    participant.statut = StatutParticipant.SORTI
    participant.date_sortie = date
    participant.motif_sortie = motif
    participant.save()
    ouverts = list(HistoriqueReferent.objects.filter(participant=participant, au__isnull=True))
    for historique in ouverts:
        historique.au = date
    audit.mettre_a_jour_en_lot(ouverts, ["au"])
    return sortie


@transaction.atomic
def situation_enregistrer(*, situation, par):
    """Save a contract, training or creation, then re-run the detection for its participant."""
    if situation.pk is None:
        situation.cree_par = par
    situation.full_clean()
    situation.save()
    if situation.participant.statut == StatutParticipant.ENTRE:
        detections_rafraichir(participants=[situation.participant])
    return situation
