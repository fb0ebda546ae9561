"""What the salariés and the coordinatrice do with the weekly agenda (RULES §6).

The salarié fills in a week and submits it; the coordinatrice validates it or sends it back
with a comment. A validated week is locked; correcting it creates version n+1 in draft, with a
reason, attributed and dated, and the validated version stays as it was.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from participants.enums import MotifSortie
from plie import audit

from . import rules
from .models import CHAMPS_DONNEES_FSE, DonneesFseParticipant, LigneAgenda, SemaineAgenda
from .rules import StatutSemaine

PERMISSION_VALIDER = "fse.valider_agenda"

CHAMPS_LIGNE = ["date", "categorie", "heures", "commentaire", "offre", "entreprise", "evenement", "action"]


def semaine_obtenir(salarie, lundi):
    """The latest version of the salarié's week, created as a draft when there is none."""
    rules.verifier_lundi(lundi)
    semaine = SemaineAgenda.objects.filter(salarie=salarie, lundi=lundi).order_by("-version").first()
    if semaine is None:
        semaine = SemaineAgenda.objects.create(salarie=salarie, lundi=lundi)
    return semaine


def _verifier_modifiable(semaine):
    if not semaine.modifiable:
        raise ValidationError(
            f"Une semaine « {semaine.get_statut_display()} » ne peut pas être modifiée."
            if semaine.statut != StatutSemaine.VALIDEE
            else "Cette semaine est validée : elle ne peut plus être modifiée. Créez une version corrigée."
        )


def ligne_enregistrer(semaine, *, ligne=None, **champs):
    """Add a line to a draft week (or one sent back), or change ``ligne``; the fields are those
    of ``LigneAgenda`` (date, categorie, heures, commentaire, offre, entreprise, evenement, action)."""
    inconnus = set(champs) - set(CHAMPS_LIGNE)
    if inconnus:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(inconnus))}")
    _verifier_modifiable(semaine)
    if ligne is None:
        ligne = LigneAgenda(semaine=semaine)
    elif ligne.semaine_id != semaine.pk:
        raise ValidationError("Cette ligne n'appartient pas à cette semaine.")
    for champ, valeur in champs.items():
        setattr(ligne, champ, valeur)
    ligne.full_clean()
    ligne.save()
    return ligne


@transaction.atomic
def grille_enregistrer(semaine, heures_par_case):
    """Save the weekly grid: ``heures_par_case`` maps (category, date) to the hours of that cell
    (None or 0 empties it). Each cell becomes one simple line (hours only); commented or linked
    lines are left as they are. All or nothing: the first invalid cell stops everything."""
    _verifier_modifiable(semaine)
    simples = defaultdict(list)
    for ligne in semaine.lignes.select_for_update():
        if rules.ligne_simple(ligne):
            simples[(ligne.categorie_id, ligne.date)].append(ligne)
    modifiees = 0
    for (categorie, jour), heures in heures_par_case.items():
        existantes = simples.get((categorie.pk, jour), [])
        actuelles = sum((ligne.heures for ligne in existantes), Decimal("0"))
        heures = heures or Decimal("0")
        if heures == actuelles:
            continue
        modifiees += 1
        for ligne in existantes[1:] if heures else existantes:
            ligne.delete()
        if not heures:
            continue
        try:
            ligne_enregistrer(
                semaine, ligne=existantes[0] if existantes else None, date=jour, categorie=categorie, heures=heures
            )
        except ValidationError as erreur:
            raise ValidationError(
                f"{rules.JOURS[jour.weekday()].capitalize()} {jour:%d/%m/%Y}, {categorie} : {' '.join(erreur.messages)}"
            ) from None
    return modifiees


def ligne_supprimer(ligne):
    """Remove a line of a draft week (or one sent back)."""
    _verifier_modifiable(ligne.semaine)
    ligne.delete()


def copier_semaine_precedente(semaine):
    """Copy the lines of the previous week (its latest version) into an empty draft week,
    one week later. Returns the number of lines copied."""
    _verifier_modifiable(semaine)
    if semaine.lignes.exists():
        raise ValidationError("La semaine contient déjà des lignes : la copie est réservée à une semaine vide.")
    precedente = (
        SemaineAgenda.objects.filter(salarie=semaine.salarie, lundi=semaine.lundi - datetime.timedelta(days=7))
        .order_by("-version")
        .first()
    )
    if precedente is None or not precedente.lignes.exists():
        raise ValidationError("La semaine précédente n'a aucune ligne à copier.")
    _copier_lignes(precedente, semaine, decalage=datetime.timedelta(days=7))
    return semaine.lignes.count()


@transaction.atomic
def _copier_lignes(source, cible, decalage=datetime.timedelta(0)):
    audit.creer_en_lot(
        [
            LigneAgenda(
                semaine=cible,
                date=ligne.date + decalage,
                categorie_id=ligne.categorie_id,
                heures=ligne.heures,
                commentaire=ligne.commentaire,
                offre_id=ligne.offre_id,
                entreprise_id=ligne.entreprise_id,
                evenement_id=ligne.evenement_id,
                action_id=ligne.action_id,
            )
            for ligne in source.lignes.all()
        ]
    )


def _recharger_verrouillee(semaine):
    """Lock the row for the transition and work on its stored state."""
    return SemaineAgenda.objects.select_for_update().get(pk=semaine.pk)


def _verifier_validatrice(semaine, par):
    if not par.has_perm(PERMISSION_VALIDER):
        raise PermissionDenied("Seule la coordination peut valider ou renvoyer un agenda.")
    if par.pk == semaine.salarie_id:
        raise PermissionDenied("On ne valide pas son propre agenda.")


@transaction.atomic
def soumettre(semaine):
    stockee = _recharger_verrouillee(semaine)
    rules.verifier_transition(stockee.statut, StatutSemaine.SOUMISE)
    if not stockee.lignes.exists():
        raise ValidationError("Une semaine vide ne peut pas être soumise.")
    stockee.statut = StatutSemaine.SOUMISE
    stockee.soumise_le = timezone.now()
    stockee.save(update_fields=["statut", "soumise_le"])
    return stockee


@transaction.atomic
def valider(semaine, par):
    _verifier_validatrice(semaine, par)
    stockee = _recharger_verrouillee(semaine)
    rules.verifier_transition(stockee.statut, StatutSemaine.VALIDEE)
    stockee.statut = StatutSemaine.VALIDEE
    stockee.validee_le = timezone.now()
    stockee.validee_par = par
    stockee.save(update_fields=["statut", "validee_le", "validee_par"])
    return stockee


@transaction.atomic
def renvoyer(semaine, par, commentaire):
    _verifier_validatrice(semaine, par)
    commentaire = (commentaire or "").strip()
    if not commentaire:
        raise ValidationError("Indiquez au salarié ce qu'il faut corriger.")
    stockee = _recharger_verrouillee(semaine)
    rules.verifier_transition(stockee.statut, StatutSemaine.RENVOYEE)
    stockee.statut = StatutSemaine.RENVOYEE
    stockee.commentaire_retour = commentaire
    stockee.validee_par = par
    stockee.save(update_fields=["statut", "commentaire_retour", "validee_par"])
    return stockee


@transaction.atomic
def corriger(semaine_validee, par, motif):
    """Open version n+1 of a validated week, in draft, with a copy of its lines. The validated
    version is left untouched (and locked). The salarié or the coordination may correct."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError("Indiquez le motif de la correction.")
    if par.pk != semaine_validee.salarie_id and not par.has_perm(PERMISSION_VALIDER):
        raise PermissionDenied("Seul le salarié ou la coordination peut corriger cet agenda.")
    stockee = _recharger_verrouillee(semaine_validee)
    if stockee.statut != StatutSemaine.VALIDEE:
        raise ValidationError("Seule une semaine validée se corrige par une nouvelle version.")
    derniere = SemaineAgenda.objects.filter(salarie_id=stockee.salarie_id, lundi=stockee.lundi).aggregate(
        v=Max("version")
    )["v"]
    if derniere != stockee.version:
        raise ValidationError("Une version plus récente de cette semaine existe déjà : corrigez la dernière.")
    correction = SemaineAgenda.objects.create(
        salarie_id=stockee.salarie_id,
        lundi=stockee.lundi,
        version=stockee.version + 1,
        remplace=stockee,
        motif_correction=motif,
        corrigee_par=par,
        corrigee_le=timezone.now(),
    )
    _copier_lignes(stockee, correction)
    return correction


# --- Participant FSE data ----------------------------------------------------------------------


@transaction.atomic
def donnees_fse_enregistrer(participant, par, **champs):
    """Record the participant's FSE data (entry facts, result upon leaving, 6-month follow-up).

    The result is observed within 4 weeks of the exit and the follow-up from 6 months after it;
    neither can be recorded for a participant who has not left."""
    inconnus = set(champs) - set(CHAMPS_DONNEES_FSE)
    if inconnus:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(inconnus))}")
    donnees = DonneesFseParticipant.objects.select_for_update().filter(participant=participant).first()
    if donnees is None:
        donnees = DonneesFseParticipant(participant=participant)
    for champ, valeur in champs.items():
        setattr(donnees, champ, valeur)
    erreurs = {}
    resultats = [donnees.en_recherche_emploi, donnees.en_formation, donnees.qualification_obtenue, donnees.en_emploi]
    if donnees.resultat_constate_le or any(resultats):
        if participant.date_sortie is None:
            erreurs["resultat_constate_le"] = "Le résultat à la sortie se saisit une fois la sortie confirmée."
        elif donnees.resultat_constate_le is None:
            erreurs["resultat_constate_le"] = "Indiquez la date à laquelle le résultat a été constaté."
        else:
            try:
                rules.verifier_constat_sortie(participant.date_sortie, donnees.resultat_constate_le)
            except ValidationError as erreur:
                erreurs["resultat_constate_le"] = erreur.messages
    if donnees.suivi_le or donnees.suivi_situation:
        if participant.date_sortie is None:
            erreurs["suivi_le"] = "Le suivi à 6 mois se saisit après la sortie."
        elif donnees.suivi_le is None:
            erreurs["suivi_le"] = "Indiquez la date du suivi à 6 mois."
        elif not donnees.suivi_situation:
            erreurs["suivi_situation"] = "Indiquez la situation constatée à 6 mois."
        else:
            try:
                rules.verifier_suivi(participant.date_sortie, donnees.suivi_le)
            except ValidationError as erreur:
                erreurs["suivi_le"] = erreur.messages
    if erreurs:
        raise ValidationError(erreurs)
    donnees.modifie_par = par
    donnees.full_clean(exclude=["participant"])
    donnees.save()
    return donnees


def resultat_suggere(motif_sortie):
    """The result upon leaving that the exit reason suggests, to pre-fill the form."""
    if motif_sortie == MotifSortie.FORMATION_QUALIFIANTE:
        return {"en_formation": True}
    if motif_sortie in MotifSortie.positives():
        return {"en_emploi": True}
    return {}
