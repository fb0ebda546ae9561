"""Every write about offers: qualification, diffusion, closure, positionnements. Each one checks
its state machine (rules.py), records who and when, and runs in a transaction."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from participants import selectors as participants_selectors
from participants import services as participants_services
from participants.enums import StatutParticipant
from participants.models import Situation
from plie import audit
from plie.models import CategorieContrat, User
from plie.roles import Role

from . import rules, selectors
from .enums import MotifCloture, MotifEcart, StatutOffre, StatutPositionnement
from .models import Diffusion, EtapePositionnement, LienSource, Offre, Positionnement, Source

CHAMPS_QUALIFICATION = [
    "sans_diplome",
    "experience_requise",
    "permis_requis",
    "vehicule_requis",
    "desserte_transports",
    "notes_qualification",
]


def _transition(offre, vers):
    try:
        rules.verifier_transition(rules.TRANSITIONS_OFFRE, offre.statut, vers)
    except rules.TransitionInterdite as error:
        raise ValidationError(str(error)) from error
    offre.statut = vers


@transaction.atomic
def offre_saisir(*, offre, par, url=""):
    """An offer received by phone or e-mail from a partner, entered by hand (status collectée).
    ``url``: the page it was imported from ("Importer depuis une URL"), kept on its link."""
    offre.statut = StatutOffre.COLLECTEE
    offre.cree_par = par
    offre.full_clean()
    offre.save()
    now = timezone.now()
    LienSource.objects.create(
        offre=offre,
        source=Source.objects.get(nom="saisie"),
        identifiant_externe=f"saisie-{offre.pk}",
        url=url[:500],
        vue_le=now,
        vue_derniere_fois_le=now,
    )
    return offre


@transaction.atomic
def offre_qualifier(*, offre, par, diffuser=True, **checklist):
    """Keep an offer for the PLIE's public with its checklist; by default diffuse it at once."""
    offre = Offre.objects.select_for_update().get(pk=offre.pk)
    _transition(offre, StatutOffre.QUALIFIEE)
    for name in CHAMPS_QUALIFICATION:
        if name in checklist:
            setattr(offre, name, checklist[name])
    for name in ("heures_hebdo", "horaires", "metier_rome", "commune", "type_contrat", "duree_mois", "salaire"):
        if name in checklist:
            setattr(offre, name, checklist[name])
    offre.qualifiee_par, offre.qualifiee_le = par, timezone.now()
    offre.full_clean()
    offre.save()
    if diffuser:
        offre_diffuser(offre=offre, par=par)
    return offre


@transaction.atomic
def offres_ecarter(*, offres, motif, par, commentaire=""):
    """Discard one or several collected offers with a reason; all or none."""
    if not motif:
        raise ValidationError({"motif_ecart": "Choisissez le motif pour lequel l'offre est écartée."})
    now = timezone.now()
    ecartees = list(Offre.objects.select_for_update().filter(pk__in=[o.pk for o in offres]).order_by("pk"))
    for offre in ecartees:
        _transition(offre, StatutOffre.ECARTEE)
        offre.motif_ecart, offre.commentaire_ecart = motif, commentaire
        offre.ecartee_par, offre.ecartee_le = par, now
    # bulk_update with the audit rows it would skip (status changes of offers are audited).
    audit.mettre_a_jour_en_lot(ecartees, ["statut", "motif_ecart", "commentaire_ecart", "ecartee_par", "ecartee_le"])
    return ecartees


@transaction.atomic
def offre_rouvrir(*, offre, par):
    """Undo a discard: the offer goes back to the queue."""
    offre = Offre.objects.select_for_update().get(pk=offre.pk)
    _transition(offre, StatutOffre.COLLECTEE)
    offre.motif_ecart = offre.commentaire_ecart = ""
    offre.ecartee_par = offre.ecartee_le = None
    offre.save()
    return offre


@transaction.atomic
def offre_diffuser(*, offre, par, referents=None, par_mail=False):
    """Diffuse a qualified offer to référents (all active ones by default).

    In the app the offer appears in each référent's "offres à positionner"; with ``par_mail``
    the chosen référents also get an e-mail now, after the transaction commits.
    """
    offre = Offre.objects.select_for_update().get(pk=offre.pk)
    if offre.statut == StatutOffre.QUALIFIEE:
        _transition(offre, StatutOffre.DIFFUSEE)
        offre.diffusee_le = timezone.now()
        offre.save(update_fields=["statut", "diffusee_le"])
    elif offre.statut != StatutOffre.DIFFUSEE:
        raise ValidationError(
            f"Seule une offre qualifiée peut être diffusée (statut actuel : {offre.get_statut_display().lower()})."
        )
    referents = list(referents) if referents is not None else list(User.objects.with_role(Role.REFERENT))
    now = timezone.now()
    Diffusion.objects.bulk_create(
        [Diffusion(offre=offre, referent=r, diffusee_le=now, diffusee_par=par) for r in referents],
        ignore_conflicts=True,
    )
    if par_mail:
        ids = [r.pk for r in referents]
        transaction.on_commit(lambda: envoyer_offre_par_mail(offre_id=offre.pk, referent_ids=ids))
    return offre


def envoyer_offre_par_mail(*, offre_id, referent_ids):
    offre = Offre.objects.select_related("commune", "type_contrat", "entreprise").get(pk=offre_id)
    for referent in User.objects.filter(pk__in=referent_ids, is_active=True):
        context = {"referent": referent, "offres": [offre], "immediat": True, "site": settings.PLIE_URL}
        _envoyer(referent, f"Offre à positionner : {offre.intitule}", "offres/mail/offres", context)
    Diffusion.objects.filter(offre_id=offre_id, referent_id__in=referent_ids).update(envoyee_par_mail_le=timezone.now())


def _envoyer(referent, sujet, gabarit, context):
    message = EmailMultiAlternatives(
        subject=sujet, body=render_to_string(f"{gabarit}.txt", context), to=[referent.email]
    )
    message.attach_alternative(render_to_string(f"{gabarit}.html", context), "text/html")
    message.send()


def recapitulatif_hebdomadaire(*, today=None):
    """The weekly digest: one e-mail per référent with the offers diffused to them and not yet
    mailed, those relevant to their caseload first. Idempotent: a sent diffusion is not resent."""
    today = today or timezone.localdate()
    envoyes = 0
    for referent in User.objects.with_role(Role.REFERENT):
        diffusions = list(selectors.diffusions_a_envoyer(referent))
        if not diffusions:
            continue
        offres = selectors.trier_par_pertinence(referent, [d.offre for d in diffusions])
        context = {"referent": referent, "offres": offres, "immediat": False, "site": settings.PLIE_URL, "today": today}
        _envoyer(referent, f"{len(offres)} offre(s) à positionner cette semaine", "offres/mail/offres", context)
        Diffusion.objects.filter(pk__in=[d.pk for d in diffusions]).update(envoyee_par_mail_le=timezone.now())
        envoyes += 1
    return envoyes


@transaction.atomic
def offre_cloturer(*, offre, motif, par):
    offre = Offre.objects.select_for_update().get(pk=offre.pk)
    if motif not in MotifCloture.values:
        raise ValidationError({"motif_cloture": "Motif de clôture inconnu."})
    _transition(offre, StatutOffre.CLOTUREE)
    offre.motif_cloture, offre.cloturee_le = motif, timezone.now()
    offre.save()
    return offre


OUVERTES = [StatutOffre.COLLECTEE, StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE]


def offres_expirer(*, offres, commentaire=""):
    """Take offers that are no longer open out of the queues, by nobody (``par=None``): a
    qualified or diffused offer is closed as expirée; a collected one, never reviewed, cannot be
    closed (RULES §4) and is discarded as périmée. An offer whose status moved meanwhile is
    skipped. Return how many were taken out."""
    nombre = 0
    for offre in offres:
        try:
            if offre.statut == StatutOffre.COLLECTEE:
                offres_ecarter(offres=[offre], motif=MotifEcart.PERIMEE, par=None, commentaire=commentaire)
            else:
                offre_cloturer(offre=offre, motif=MotifCloture.EXPIREE, par=None)
        except ValidationError:
            continue
        nombre += 1
    return nombre


def offres_expirees_cloturer(today=None):
    """Nightly: the open offers whose expiry date is past are closed (or discarded when still
    collected); return how many."""
    today = today or timezone.localdate()
    offres = Offre.objects.filter(statut__in=OUVERTES, date_expiration__lt=today).order_by("pk")
    return offres_expirer(offres=list(offres), commentaire="Date d'expiration dépassée.")


def _peut_positionner(user, participant):
    return participants_selectors.peut_modifier(user, participant)


@transaction.atomic
def positionnements_creer(*, offre, participants, par, note=""):
    """Put one or several participants forward on an offer (status proposé)."""
    offre = Offre.objects.select_for_update().get(pk=offre.pk)
    if offre.statut not in (StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE):
        raise ValidationError(
            f"On ne positionne que sur une offre qualifiée ou diffusée (statut : {offre.get_statut_display().lower()})."
        )
    today = timezone.localdate()
    crees = []
    for participant in participants:
        if not _peut_positionner(par, participant):
            # No name: a 403 is logged with its message, and the person is not in this user's caseload.
            raise PermissionDenied("Ce participant n'est pas dans votre portefeuille.")
        if participant.statut != StatutParticipant.ENTRE:
            raise ValidationError(f"{participant} n'est pas en accompagnement.")
        if Positionnement.objects.filter(offre=offre, participant=participant).exists():
            raise ValidationError(f"{participant} est déjà positionné(e) sur cette offre.")
        positionnement = Positionnement.objects.create(
            offre=offre, participant=participant, derniere_etape_le=today, cree_par=par
        )
        EtapePositionnement.objects.create(
            positionnement=positionnement, statut=StatutPositionnement.PROPOSE, date=today, par=par, note=note
        )
        crees.append(positionnement)
    return crees


@transaction.atomic
def positionnement_avancer(*, positionnement, statut, par, date=None, note=""):
    """Move a positionnement one step; ``retenu`` creates the contract on the participant and
    closes the offer as pourvue once all its positions are filled."""
    positionnement = (
        Positionnement.objects.select_for_update().select_related("offre", "participant").get(pk=positionnement.pk)
    )
    if not _peut_positionner(par, positionnement.participant):
        raise PermissionDenied("Seuls le référent du participant et la coordinatrice suivent ce positionnement.")
    try:
        rules.verifier_transition(
            rules.TRANSITIONS_POSITIONNEMENT, positionnement.statut, statut, objet="le positionnement"
        )
    except rules.TransitionInterdite as error:
        raise ValidationError(str(error)) from error
    date = date or timezone.localdate()
    if date < positionnement.derniere_etape_le:
        raise ValidationError(
            {"date": f"Cette étape ne peut pas précéder la précédente ({positionnement.derniere_etape_le:%d/%m/%Y})."}
        )
    if date > timezone.localdate():
        raise ValidationError({"date": "Une étape se date au plus tard aujourd'hui."})
    positionnement.statut, positionnement.derniere_etape_le = statut, date
    EtapePositionnement.objects.create(positionnement=positionnement, statut=statut, date=date, par=par, note=note)
    if statut == StatutPositionnement.RETENU:
        positionnement.situation = _contrat_depuis_offre(positionnement, date, par)
    positionnement.save()
    if statut == StatutPositionnement.RETENU:
        offre = positionnement.offre
        retenus = offre.positionnements.filter(statut=StatutPositionnement.RETENU).count()
        if retenus >= offre.nb_postes and offre.statut != StatutOffre.CLOTUREE:
            offre_cloturer(offre=offre, motif=MotifCloture.POURVUE, par=par)
    return positionnement


def _contrat_depuis_offre(positionnement, debut, par):
    """The contract situation of a hired participant, pre-filled from the offer."""
    offre = positionnement.offre
    categorie = offre.type_contrat.categorie
    if categorie not in (
        CategorieContrat.CDI,
        CategorieContrat.CDD,
        CategorieContrat.INTERIM,
        CategorieContrat.CONTRAT_AIDE,
        CategorieContrat.ACI,
    ):
        categorie = CategorieContrat.CDD
    fin_prevue = None
    if offre.duree_mois and categorie != CategorieContrat.CDI:
        fin_prevue = debut + timedelta(days=round(offre.duree_mois * 30.44)) - timedelta(days=1)
    situation = Situation(
        participant=positionnement.participant,
        type=categorie,
        type_contrat=offre.type_contrat,
        intitule=offre.intitule,
        debut=debut,
        fin_prevue=fin_prevue,
        heures_hebdo=offre.heures_hebdo,
        employeur=offre.nom_employeur[:200],
        entreprise=offre.entreprise,
        siret=offre.entreprise.siret if offre.entreprise_id else "",
    )
    return participants_services.situation_enregistrer(situation=situation, par=par)


def donnees_brutes_purger(*, maintenant=None):
    """Delete the raw payloads older than the retention (``PLIE_RETENTION_DONNEES_BRUTES_JOURS``);
    return how many were deleted."""
    from .models import DonneeBrute

    maintenant = maintenant or timezone.now()
    limite = maintenant - timedelta(days=settings.PLIE_RETENTION_DONNEES_BRUTES_JOURS)
    supprimees, _ = DonneeBrute.objects.filter(recue_le__lt=limite).delete()
    return supprimees
