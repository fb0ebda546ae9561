"""Every write of the company file, the events and the collective actions, in a transaction."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from plie.roles import Role

from . import rules
from .models import (
    ActionCollective,
    Entreprise,
    Evenement,
    Inscription,
    JetonCalendrier,
    Presence,
    SecteurActivite,
    StatutAction,
    StatutBesoin,
    StatutRelation,
    TacheEvenement,
)
from .selectors import doublons_probables


class DoublonProbable(ValidationError):
    """A company of a close name already exists in the same commune: create only if confirmed."""

    def __init__(self, existantes):
        self.existantes = list(existantes)
        noms = ", ".join(f"« {e.nom} »" for e in self.existantes)
        super().__init__(
            f"Une entreprise au nom proche existe déjà dans cette commune : {noms}. "
            "Vérifiez qu'il ne s'agit pas de la même avant de confirmer la création."
        )


@transaction.atomic
def entreprise_enregistrer(*, entreprise, par, confirmer_doublon=False):
    """Create or update a company. The SIRET is unique (checked with a French message); a close
    name in the same commune is a probable duplicate that only a confirmation lets through."""
    if entreprise.siret:
        autre = Entreprise.objects.filter(siret=entreprise.siret).exclude(pk=entreprise.pk).first()
        if autre is not None:
            raise ValidationError({"siret": f"Ce SIRET est déjà celui de l'entreprise « {autre.nom} »."})
    if not confirmer_doublon:
        proches = doublons_probables(nom=entreprise.nom, commune=entreprise.commune, exclure=entreprise.pk)
        if proches:
            raise DoublonProbable(proches)
    if entreprise.secteur_activite_id is None and entreprise.code_naf:
        entreprise.secteur_activite = rules.secteur_pour_naf(entreprise.code_naf, SecteurActivite.objects.all())
    entreprise.full_clean(validate_unique=False)
    entreprise.save()
    return entreprise


@transaction.atomic
def interaction_enregistrer(*, interaction, par):
    """Log a meeting, call, visit… with a company; the company's last contact follows, and a first
    exchange turns "à contacter" into "contact établi"."""
    if interaction.pk is None:
        interaction.auteur = par
    if interaction.date and interaction.date > timezone.localdate():
        raise ValidationError({"date": "Un échange se consigne une fois qu'il a eu lieu : la date est dans le futur."})
    interaction.full_clean()
    interaction.save()
    entreprise = Entreprise.objects.select_for_update().get(pk=interaction.entreprise_id)
    entreprise.dernier_contact_le = entreprise.interactions.aggregate(dernier=Max("date"))["dernier"]
    if entreprise.statut_relation == StatutRelation.A_CONTACTER:
        entreprise.statut_relation = StatutRelation.CONTACT_ETABLI
    entreprise.save(update_fields=["dernier_contact_le", "statut_relation"])
    return interaction


def prochaine_etape_faite(*, interaction, par):
    """The author closes their next step; the chargé de mission, who keeps the file, may too."""
    if interaction.auteur_id != par.pk and Role.CHARGE_MISSION not in set(par.roles):
        raise ValidationError("Seul l'auteur de l'échange peut marquer sa prochaine étape comme faite.")
    interaction.prochaine_etape_faite = True
    interaction.save(update_fields=["prochaine_etape_faite"])
    return interaction


def _peut_inscrire(user, participant):
    roles = set(user.roles)
    if roles & {Role.COORDINATRICE, Role.CHARGE_MISSION, Role.ADMINISTRATEUR}:
        return True
    return Role.REFERENT in roles and participant.referent_id == user.pk


@transaction.atomic
def inscrire(*, action, participant, par):
    """Register a participant to a collective action: a référent registers their own caseload;
    the action must be planned, not past, and have a seat left (checked under a row lock so two
    référents cannot take the last seat together)."""
    action = ActionCollective.objects.select_for_update().get(pk=action.pk)
    if not _peut_inscrire(par, participant):
        # No name: the person belongs to another référent's caseload.
        raise ValidationError("Ce participant ne fait pas partie de vos participants : vous ne pouvez pas l'inscrire.")
    if action.statut != StatutAction.PREVUE:
        raise ValidationError(
            f"L'action « {action.titre} » est {action.get_statut_display().lower()} : plus d'inscription."
        )
    if action.date < timezone.localdate():
        raise ValidationError(f"L'action « {action.titre} » a eu lieu le {action.date:%d/%m/%Y} : plus d'inscription.")
    if action.inscriptions.filter(participant=participant).exists():
        raise ValidationError(f"{participant} est déjà inscrit(e) à « {action.titre} ».")
    places = rules.Places(action.capacite, action.inscriptions.count())
    if places.complet:
        raise ValidationError(f"L'action « {action.titre} » est complète ({action.capacite} places).")
    return Inscription.objects.create(action=action, participant=participant, inscrit_par=par)


@transaction.atomic
def desinscrire(*, inscription, par):
    if not _peut_inscrire(par, inscription.participant):
        raise ValidationError("Vous ne pouvez désinscrire que vos propres participants.")
    if inscription.action.date < timezone.localdate() or any(
        getattr(inscription, champ) for champ in rules.presences_attendues(inscription.action.creneau)
    ):
        raise ValidationError("L'action a eu lieu ou la présence est saisie : l'inscription est conservée.")
    inscription.delete()


@transaction.atomic
def presences_enregistrer(*, action, presences, par):
    """Record attendance from the signed sheet: ``presences`` maps an inscription id to
    {champ: Presence}. Not before the day of the action; the action becomes "réalisée"."""
    action = ActionCollective.objects.select_for_update().get(pk=action.pk)
    if action.statut == StatutAction.ANNULEE:
        raise ValidationError("L'action est annulée : aucune présence à saisir.")
    if action.date > timezone.localdate():
        raise ValidationError(f"Les présences se saisissent à partir du {action.date:%d/%m/%Y}, jour de l'action.")
    champs = rules.presences_attendues(action.creneau)
    inscriptions = {i.pk: i for i in action.inscriptions.all()}
    for inscription_id, valeurs in presences.items():
        inscription = inscriptions.get(int(inscription_id))
        if inscription is None:
            raise ValidationError(f"L'inscription {inscription_id} n'appartient pas à cette action.")
        for champ in champs:
            valeur = valeurs.get(champ, "")
            if valeur not in Presence.values:
                raise ValidationError(f"Présence inconnue « {valeur} » pour {inscription.participant}.")
            setattr(inscription, champ, valeur)
        inscription.save(update_fields=champs)
    action.statut = StatutAction.REALISEE
    action.presences_saisies_par, action.presences_saisies_le = par, timezone.now()
    action.save(update_fields=["statut", "presences_saisies_par", "presences_saisies_le", "modifie_le"])
    return action


@transaction.atomic
def feuille_deposer(*, action, fichier, par):
    """Attach the scanned signed attendance sheet (PDF, PNG or JPEG, recognised by content; size
    capped); a new scan replaces the previous one."""
    taille_max = settings.PLIE_EMARGEMENT_TAILLE_MAX
    if fichier.size == 0:
        raise ValidationError("Le fichier déposé est vide.")
    if fichier.size > taille_max:
        raise ValidationError(f"Le fichier dépasse la taille maximale ({taille_max // (1024 * 1024)} Mo).")
    debut = fichier.read(16)
    fichier.seek(0)
    if rules.type_fichier(debut) is None:
        raise ValidationError("Déposez la feuille scannée en PDF, PNG ou JPEG.")
    action = ActionCollective.objects.select_for_update().get(pk=action.pk)
    ancien = action.feuille_signee.name if action.feuille_signee else ""
    action.feuille_signee.save(fichier.name, fichier, save=False)
    action.feuille_deposee_le, action.feuille_deposee_par = timezone.now(), par
    action.save(update_fields=["feuille_signee", "feuille_deposee_le", "feuille_deposee_par"])
    if ancien and ancien != action.feuille_signee.name:
        storage = action.feuille_signee.storage
        transaction.on_commit(lambda: storage.delete(ancien))
    return action


def jeton_calendrier(utilisateur):
    return JetonCalendrier.objects.get_or_create(utilisateur=utilisateur)[0]


@transaction.atomic
def jeton_calendrier_regenerer(utilisateur):
    """A new secret address; the old one stops working at once."""
    JetonCalendrier.objects.filter(utilisateur=utilisateur).delete()
    return JetonCalendrier.objects.create(utilisateur=utilisateur)


@transaction.atomic
def action_enregistrer(*, action, par):
    """Create or update a collective action. Seats cannot drop below the registrations; once the
    attendance is recorded the half-days signed stay as they were; a cancelled action is frozen."""
    if action.pk is None:
        action.cree_par = par
    else:
        avant = ActionCollective.objects.select_for_update().get(pk=action.pk)
        if avant.statut == StatutAction.ANNULEE:
            raise ValidationError("L'action est annulée : elle ne se modifie plus.")
        if avant.statut == StatutAction.REALISEE and action.creneau != avant.creneau:
            raise ValidationError(
                {"creneau": "Les présences sont saisies par demi-journée : le créneau ne se change plus."}
            )
        inscrits = avant.inscriptions.count()
        if action.capacite is not None and action.capacite < inscrits:
            raise ValidationError(
                {"capacite": f"{inscrits} participants sont inscrits : le nombre de places ne peut pas être inférieur."}
            )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_annuler(*, action, par):
    """Cancel a planned action; its registrations are kept (who was expected, for the record)."""
    action = ActionCollective.objects.select_for_update().get(pk=action.pk)
    if action.statut == StatutAction.ANNULEE:
        raise ValidationError(f"L'action « {action.titre} » est déjà annulée.")
    if action.statut == StatutAction.REALISEE:
        raise ValidationError(
            f"L'action « {action.titre} » a eu lieu et ses présences sont saisies : elle ne s'annule plus."
        )
    action.statut = StatutAction.ANNULEE
    action.annulee_par, action.annulee_le = par, timezone.now()
    action.save(update_fields=["statut", "annulee_par", "annulee_le", "modifie_le"])
    return action


# --- Events ------------------------------------------------------------------------------------


@transaction.atomic
def evenement_enregistrer(*, evenement, par, participants_plie=None):
    """Create or update an event (its author is whoever created it) and, when given, who from the
    PLIE attends it."""
    if evenement.pk is None:
        evenement.cree_par = par
    evenement.full_clean()
    evenement.save()
    if participants_plie is not None:
        evenement.participants_plie.set(participants_plie)
    return evenement


@transaction.atomic
def evenement_annuler(*, evenement, par):
    """Mark an event cancelled: it stays in the calendar and in the feeds (as cancelled) for history."""
    evenement = Evenement.objects.select_for_update().get(pk=evenement.pk)
    if evenement.annule:
        raise ValidationError(f"L'événement « {evenement.titre} » est déjà annulé.")
    evenement.annule = True
    evenement.save(update_fields=["annule"])
    return evenement


def evenement_participer(*, evenement, utilisateur, participe=True):
    """Add or remove ``utilisateur`` among those present for the PLIE. Leaving a cancelled event
    stays possible; joining it does not."""
    if not utilisateur.has_perm("entreprises.view_evenement"):
        raise ValidationError("Votre rôle ne permet pas de participer aux événements.")
    if not participe:
        evenement.participants_plie.remove(utilisateur)
        return evenement
    if evenement.annule:
        raise ValidationError(f"L'événement « {evenement.titre} » est annulé : on ne peut plus s'y inscrire.")
    evenement.participants_plie.add(utilisateur)
    return evenement


def tache_ajouter(*, evenement, libelle, responsable=None, echeance=None):
    if evenement.annule:
        raise ValidationError(f"L'événement « {evenement.titre} » est annulé : plus de tâche à préparer.")
    tache = TacheEvenement(evenement=evenement, libelle=libelle, responsable=responsable, echeance=echeance)
    tache.full_clean()
    tache.save()
    return tache


def tache_marquer(*, tache, faite):
    tache.faite = faite
    tache.save(update_fields=["faite"])
    return tache


def tache_supprimer(*, tache):
    tache.delete()


# --- Company file: hiring needs and sector binômes ----------------------------------------------


def besoin_clore(*, besoin, statut, par):
    """A hiring need ends filled ("pourvu") or dropped ("abandonné"); only an open need closes."""
    if statut not in (StatutBesoin.POURVU, StatutBesoin.ABANDONNE):
        raise ValidationError("Un besoin se clôt comme « pourvu » ou « abandonné ».")
    if besoin.statut != StatutBesoin.OUVERT:
        raise ValidationError(f"Le besoin « {besoin.intitule} » est déjà {besoin.get_statut_display().lower()}.")
    besoin.statut = statut
    besoin.save(update_fields=["statut"])
    return besoin


MESSAGE_DEUX_REFERENTS = "Un binôme réunit deux référent(e)s différent(e)s : choisissez une autre personne."


@transaction.atomic
def binome_enregistrer(*, binome, secteurs, par):
    """Create or update a sector binôme: two different active référents; it then covers exactly
    ``secteurs`` (a sector covered by another binôme moves to this one: one binôme per sector)."""
    referents_actifs = get_user_model().objects.with_role(Role.REFERENT)
    erreurs = {}
    for champ in ("referent_1", "referent_2"):
        membre_id = getattr(binome, f"{champ}_id")
        if membre_id is None:
            erreurs[champ] = "Choisissez les deux référent(e)s du binôme."
        elif not referents_actifs.filter(pk=membre_id).exists():
            erreurs[champ] = (
                f"{getattr(binome, champ)} n'est pas un(e) référent(e) actif(ve) : choisissez un(e) référent(e)."
            )
    if not erreurs and binome.referent_1_id == binome.referent_2_id:
        erreurs["referent_2"] = MESSAGE_DEUX_REFERENTS
    if erreurs:
        raise ValidationError(erreurs)
    binome.full_clean()
    binome.save()
    cles = [secteur.pk for secteur in secteurs]
    SecteurActivite.objects.filter(binome=binome).exclude(pk__in=cles).update(binome=None)
    SecteurActivite.objects.filter(pk__in=cles).update(binome=binome)
    return binome
