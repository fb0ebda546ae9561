"""The audit trail of changes: who created, changed or deleted which record, with before/after values.

``AUDITES`` is the one declared list of audited models. Signal receivers (connected in
``PlieConfig.ready``) write a ``JournalModification`` row on the same database connection as the
change, hence in its transaction: a request that fails (ATOMIC_REQUESTS) or a service that rolls
back leaves no row either. The person comes from ``UtilisateurCourantMiddleware``; tasks and
commands write with no person (« Système ») unless they run under ``au_nom_de(user)``.

Bulk writes (``bulk_create``/``bulk_update``/``QuerySet.update``) send no signal: a service that
changes audited records in bulk calls ``mettre_a_jour_en_lot`` instead of ``bulk_update`` (offers
discarded in a batch, the référent history closed at an exit) and ``creer_en_lot`` instead of
``bulk_create`` (agenda lines copied from a week); the participants' workbook import records one summary row
(``journaliser_import``); the nightly offer ingestion is a system job, traced by its own runs.
"""

import contextlib
import datetime
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from participants.models import CHAMPS_SENSIBLES

from .models import JournalAcces, JournalModification

MASQUE = "•••"

# Special-category facts (health, disability, RQTH, justice, social benefits).
CHAMPS_SENSIBLES_PARTICIPANT = frozenset(CHAMPS_SENSIBLES)
# Who the participant is: the retention policy erases it, while the trail is append-only and kept
# longer; it must not hold what anonymisation erases. The record is named by its identifiant.
IDENTITE_PARTICIPANT = frozenset({"nom", "prenom", "date_naissance", "email", "telephone", "adresse"})
# The FSE entry facts that reveal origin or housing exclusion (special-category or close to it).
CHAMPS_SENSIBLES_FSE = frozenset({"pays_tiers", "origine_etrangere", "sans_domicile", "menage"})

# What an offer's audit follows: its status and its qualification, not the announcement's text
# that ingestion rewrites every night.
CHAMPS_STATUT_OFFRE = (
    "statut",
    "sans_diplome",
    "experience_requise",
    "permis_requis",
    "vehicule_requis",
    "desserte_transports",
    "notes_qualification",
    "qualifiee_par",
    "motif_ecart",
    "commentaire_ecart",
    "ecartee_par",
    "motif_cloture",
)


def _identifiant_participant(objet):
    return objet.participant.identifiant


def _semaine(objet):
    lundi = objet.date - datetime.timedelta(days=objet.date.weekday())
    return f"agenda, semaine du {lundi:%d/%m/%Y}"


@dataclass(frozen=True)
class Audite:
    """How one model is audited."""

    libelle: object  # instance -> short label that names the record without sensitive facts
    champs: tuple | None = None  # the fields followed; None: every concrete field
    masques: frozenset = field(default_factory=frozenset)  # changed, but stored as MASQUE
    creation_suppression: bool = True  # False: only changes of ``champs`` are recorded
    plusieurs: tuple = ()  # many-to-many fields followed: the labels linked, before and after


# The free texts about a person (reasons, notes, comments) are masked: health or justice facts end
# up there too.
AUDITES = {
    "participants.Participant": Audite(
        libelle=lambda p: p.identifiant,
        masques=CHAMPS_SENSIBLES_PARTICIPANT | IDENTITE_PARTICIPANT,
        plusieurs=("metiers_vises",),
    ),
    "participants.HistoriqueReferent": Audite(libelle=_identifiant_participant, masques=frozenset({"motif"})),
    "participants.DecisionCommission": Audite(libelle=_identifiant_participant, masques=frozenset({"motif"})),
    "participants.Entretien": Audite(
        libelle=_identifiant_participant, masques=frozenset({"notes", "prochaines_etapes"})
    ),
    "participants.Etape": Audite(libelle=_identifiant_participant, masques=frozenset({"commentaire"})),
    "participants.DiagnosticEntree": Audite(libelle=_identifiant_participant, masques=frozenset({"commentaire"})),
    "participants.Situation": Audite(libelle=_identifiant_participant),
    "participants.Sortie": Audite(libelle=_identifiant_participant, masques=frozenset({"commentaire"})),
    "fse.SemaineAgenda": Audite(libelle=lambda s: f"agenda de {s.salarie}, semaine du {s.lundi:%d/%m/%Y}"),
    "fse.LigneAgenda": Audite(libelle=_semaine),
    "fse.DonneesFseParticipant": Audite(libelle=_identifiant_participant, masques=CHAMPS_SENSIBLES_FSE),
    "offres.Offre": Audite(
        libelle=lambda o: f"offre n° {o.pk} : {o.intitule}",
        champs=CHAMPS_STATUT_OFFRE,
        masques=frozenset(),
        creation_suppression=False,
    ),
    "offres.Positionnement": Audite(
        libelle=lambda p: f"{p.participant.identifiant} sur l'offre n° {p.offre_id}",
        champs=("offre", "participant", "statut", "derniere_etape_le", "situation"),
    ),
}


def types_audites():
    """(objet_type, label) of the audited models, as the journal stores and shows them."""
    return [
        (modele._meta.label_lower, modele._meta.verbose_name.capitalize())
        for modele in (apps.get_model(label) for label in AUDITES)
    ]


# --- The person behind the change -----------------------------------------------------------------

# A callable returning the person (or None): the request's user is read when a row is written, so
# that a login during the request is seen.
_utilisateur_courant = ContextVar("plie_audit_utilisateur", default=None)


class UtilisateurCourantMiddleware:
    """Make the signed-in person of the request known to the audit receivers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        jeton = _utilisateur_courant.set(lambda: getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            _utilisateur_courant.reset(jeton)


@contextlib.contextmanager
def au_nom_de(utilisateur):
    """Attribute the changes made inside the block to ``utilisateur`` (a task run for a person)."""
    jeton = _utilisateur_courant.set(lambda: utilisateur)
    try:
        yield
    finally:
        _utilisateur_courant.reset(jeton)


def utilisateur_courant():
    lire = _utilisateur_courant.get()
    utilisateur = lire() if lire is not None else None
    if utilisateur is None or not utilisateur.is_authenticated:
        return None
    return utilisateur


# --- Values --------------------------------------------------------------------------------------


def _champs_suivis(modele, audite):
    """The concrete fields followed, without the primary key and the automatic timestamps."""
    suivis = []
    for champ in modele._meta.concrete_fields:
        if (
            champ.primary_key
            or champ.generated
            or getattr(champ, "auto_now", False)
            or getattr(champ, "auto_now_add", False)
        ):
            continue
        if audite.champs is not None and champ.name not in audite.champs:
            continue
        suivis.append(champ)
    return suivis


def _normaliser(champ, valeur):
    """A value comparable with the stored one (a form may set a date as text, a decimal as float)."""
    if valeur is None or champ.is_relation:
        return valeur
    try:
        return champ.to_python(valeur)
    except ValidationError:
        return valeur


def _json(valeur):
    if isinstance(valeur, datetime.datetime | datetime.date | datetime.time):
        return valeur.isoformat()
    if isinstance(valeur, Decimal):
        return str(valeur)
    if valeur is None or isinstance(valeur, bool | int | float | str | list | dict):
        return valeur
    return str(valeur)


def _json_champ(champ, valeur):
    if isinstance(valeur, Decimal) and getattr(champ, "decimal_places", None) is not None:
        # As the database gives it back: 35 entered in a form reads "35.0" once stored.
        valeur = valeur.quantize(Decimal(1).scaleb(-champ.decimal_places))
    return _json(valeur)


def _paire(champ, audite, avant, apres):
    if champ.name in audite.masques:
        return [None if avant is None else MASQUE, None if apres is None else MASQUE]
    return [_json_champ(champ, avant), _json_champ(champ, apres)]


def _entree(instance, action, champs):
    """The journal row of one change (unsaved)."""
    audite = AUDITES[instance._meta.label]
    return JournalModification(
        utilisateur=utilisateur_courant(),
        action=action,
        objet_type=instance._meta.label_lower,
        objet_id=str(instance.pk),
        objet_libelle=str(audite.libelle(instance))[:200],
        champs=champs,
    )


def _differences(instance, audite, suivis, stockees):
    """{field: [before, after]} of the followed fields whose value changed."""
    champs = {}
    for champ in suivis:
        ancienne, nouvelle = stockees[champ.attname], _normaliser(champ, getattr(instance, champ.attname))
        if _normaliser(champ, ancienne) != nouvelle:
            champs[champ.name] = _paire(champ, audite, ancienne, nouvelle)
    return champs


def _valeurs(instance, audite, creation):
    """The non-empty followed values of a created (or deleted) record, as [None, value] (or reversed)."""
    champs = {}
    for champ in _champs_suivis(type(instance), audite):
        valeur = getattr(instance, champ.attname)
        if valeur not in (None, ""):
            champs[champ.name] = _paire(champ, audite, *((None, valeur) if creation else (valeur, None)))
    return champs


# --- Receivers ------------------------------------------------------------------------------------


def _avant_enregistrement(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    """Read the stored values of the followed fields (one SELECT) before an update."""
    instance.__dict__.pop("_audit_avant", None)
    if raw or instance._state.adding or instance.pk is None:
        return
    suivis = _champs_suivis(sender, AUDITES[sender._meta.label])
    if update_fields is not None:
        suivis = [champ for champ in suivis if champ.name in update_fields or champ.attname in update_fields]
    if not suivis:
        return
    stockees = sender._base_manager.using(using).filter(pk=instance.pk).values(*[c.attname for c in suivis]).first()
    if stockees is not None:
        instance.__dict__["_audit_avant"] = (suivis, stockees)


def _apres_enregistrement(sender, instance, created, raw=False, using=None, **kwargs):
    audite = AUDITES[sender._meta.label]
    avant = instance.__dict__.pop("_audit_avant", None)
    if raw:
        return
    if avant is None:
        if created and audite.creation_suppression:
            entree = _entree(instance, JournalModification.Action.CREATION, _valeurs(instance, audite, creation=True))
            entree.save(using=using)
        return
    champs = _differences(instance, audite, *avant)
    if champs:
        _entree(instance, JournalModification.Action.MODIFICATION, champs).save(using=using)


def _apres_suppression(sender, instance, using=None, **kwargs):
    audite = AUDITES[sender._meta.label]
    if audite.creation_suppression:
        entree = _entree(instance, JournalModification.Action.SUPPRESSION, _valeurs(instance, audite, creation=False))
        entree.save(using=using)


# {intermediate model: name of the many-to-many field}, filled by ``connecter``.
_CHAMPS_PLUSIEURS = {}


def _liens(instance, nom):
    return sorted(str(objet) for objet in getattr(instance, nom).all())


def _changement_plusieurs(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    """One row per add, remove or clear of a followed many-to-many field: the linked labels before
    and after (the form's ``set()`` makes one remove and one add)."""
    nom = _CHAMPS_PLUSIEURS.get(sender)
    if reverse or nom is None:
        return
    cle = f"_audit_plusieurs_{nom}"
    if action == "pre_clear":
        instance.__dict__[cle] = _liens(instance, nom)
        return
    if action == "post_clear":
        avant, apres = instance.__dict__.pop(cle, []), []
    elif action in ("post_add", "post_remove") and pk_set:
        apres = _liens(instance, nom)
        changes = [str(objet) for objet in model._base_manager.filter(pk__in=pk_set)]
        avant = sorted(set(apres) - set(changes)) if action == "post_add" else sorted(apres + changes)
    else:
        return
    if avant != apres:
        _entree(instance, JournalModification.Action.MODIFICATION, {nom: [avant, apres]}).save(using=using)


def connecter():
    """Connect the receivers to every audited model (called once, from ``PlieConfig.ready``)."""
    for label, audite in AUDITES.items():
        modele = apps.get_model(label)
        uid = f"plie_audit_{modele._meta.label_lower}"
        pre_save.connect(_avant_enregistrement, sender=modele, dispatch_uid=uid)
        post_save.connect(_apres_enregistrement, sender=modele, dispatch_uid=uid)
        post_delete.connect(_apres_suppression, sender=modele, dispatch_uid=uid)
        for nom in audite.plusieurs:
            intermediaire = getattr(modele, nom).through
            _CHAMPS_PLUSIEURS[intermediaire] = nom
            m2m_changed.connect(_changement_plusieurs, sender=intermediaire, dispatch_uid=f"{uid}_{nom}")


# --- Bulk writes and purge ------------------------------------------------------------------------


def mettre_a_jour_en_lot(objets, champs, *, batch_size=None):
    """``bulk_update`` that also writes the journal rows a bulk write does not trigger: one SELECT
    of the stored values, the UPDATEs, one INSERT of the rows (same transaction as the caller's)."""
    objets = list(objets)
    if not objets:
        return 0
    modele = type(objets[0])
    audite = AUDITES.get(modele._meta.label)
    entrees = []
    suivis = [] if audite is None else [c for c in _champs_suivis(modele, audite) if c.name in champs]
    if suivis:
        stockees = {
            ligne["pk"]: ligne
            for ligne in modele._base_manager.filter(pk__in=[o.pk for o in objets]).values(
                "pk", *[c.attname for c in suivis]
            )
        }
        for objet in objets:
            differences = _differences(objet, audite, suivis, stockees[objet.pk]) if objet.pk in stockees else {}
            if differences:
                entrees.append(_entree(objet, JournalModification.Action.MODIFICATION, differences))
    nombre = modele._base_manager.bulk_update(objets, champs, batch_size=batch_size)
    JournalModification.objects.bulk_create(entrees)
    return nombre


def creer_en_lot(objets, *, batch_size=None):
    """``bulk_create`` that also writes the creation rows a bulk write does not trigger: the
    INSERTs, then one INSERT of the rows (same transaction as the caller's). Returns the objects,
    with their primary keys."""
    objets = list(objets)
    if not objets:
        return []
    modele = type(objets[0])
    crees = modele._base_manager.bulk_create(objets, batch_size=batch_size)
    audite = AUDITES.get(modele._meta.label)
    if audite is not None and audite.creation_suppression:
        action = JournalModification.Action.CREATION
        JournalModification.objects.bulk_create(
            [_entree(objet, action, _valeurs(objet, audite, creation=True)) for objet in crees]
        )
    return crees


def journaliser_import(*, par, objet_type, resume, comptes=None):
    """One summary row for a bulk import, whose rows send no signal (``comptes``: what it changed).
    An import that changed nothing writes nothing, like a form saved unchanged."""
    if comptes is not None and not any(comptes.values()):
        return None
    return JournalModification.objects.create(
        utilisateur=par if par is not None and par.is_authenticated else utilisateur_courant(),
        action=JournalModification.Action.IMPORT,
        objet_type=objet_type,
        objet_libelle=resume[:200],
        champs={nom: [None, nombre] for nom, nombre in (comptes or {}).items()},
    )


def purger_journaux(avant):
    """Delete the rows of both journals older than ``avant`` (the retention policy's only way).

    On PostgreSQL the append-only trigger lets the DELETE through because of the transaction-local
    setting, switched off again before leaving so that the rest of a caller's transaction stays
    guarded (on failure, rolling back the savepoint undoes the SET as well). Returns how many rows
    of each journal went.
    """
    alias = router.db_for_write(JournalModification)
    postgresql = connections[alias].vendor == "postgresql"
    with transaction.atomic(using=alias):
        if postgresql:
            with connections[alias].cursor() as curseur:
                curseur.execute("SET LOCAL plie.purge_journaux = 'on'")
        # Plain queryset deletes: one DELETE each (no signal, nothing refers to a journal row).
        modifications, _ = JournalModification.objects.using(alias).filter(horodatage__lt=avant).delete()
        acces, _ = JournalAcces.objects.using(alias).filter(horodatage__lt=avant).delete()
        if postgresql:
            with connections[alias].cursor() as curseur:
                curseur.execute("SET LOCAL plie.purge_journaux = 'off'")
    return {"modifications": modifications, "acces": acces}
