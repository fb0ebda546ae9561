"""Reads of the company file, events and collective actions shared by pages, exports and reports."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DateField, Exists, F, IntegerField, OuterRef, Prefetch, Q, Value, When

from plie.roles import ROLE_PERMISSIONS, Role

from .models import (
    ActionCollective,
    BesoinRecrutement,
    Binome,
    Entreprise,
    Evenement,
    Interaction,
    SecteurActivite,
    StatutBesoin,
    TacheEvenement,
)
from .rules import normaliser_nom

# The offers statuses that are still open (offres.services.OUVERTES, by value: entreprises must
# not import offres).
STATUTS_OFFRES_OUVERTES = ["collectee", "qualifiee", "diffusee"]


def doublons_probables(*, nom, commune, exclure=None):
    """Companies of the same normalised name in the same commune (or both without commune)."""
    cle = normaliser_nom(nom)
    if not cle:
        return []
    proches = Entreprise.objects.filter(nom_normalise=cle)
    proches = proches.filter(commune=commune) if commune else proches.filter(commune__isnull=True)
    if exclure:
        proches = proches.exclude(pk=exclure)
    return list(proches.order_by("nom")[:5])


def entreprises_liste():
    """The companies with what the list shows and filters on, in a constant number of queries."""
    from offres.models import Offre  # noqa: PLC0415  (read-only, by the reverse relation's model)

    offres_ouvertes = Offre.objects.filter(entreprise=OuterRef("pk"), statut__in=STATUTS_OFFRES_OUVERTES)
    besoins_ouverts = BesoinRecrutement.objects.filter(entreprise=OuterRef("pk"), statut=StatutBesoin.OUVERT)
    return (
        Entreprise.objects.select_related(
            "commune", "secteur_activite__binome__referent_1", "secteur_activite__binome__referent_2"
        )
        .annotate(a_offres_ouvertes=Exists(offres_ouvertes), a_besoins_ouverts=Exists(besoins_ouverts))
        .order_by("nom", "pk")
    )


def entreprises_du_binome(binome):
    return entreprises_liste().filter(secteur_activite__binome=binome)


def evenements_entre(debut, fin):
    return (
        Evenement.objects.filter(debut__lt=fin, fin__gt=debut)
        .prefetch_related("participants_plie")
        .select_related("commune")
        .order_by("debut", "id")
    )


def evenements_du_calendrier(utilisateur, maintenant, jours_passes=90):
    """What a user's iCalendar feed carries: the events they attend and the collective actions
    they facilitate, from ``jours_passes`` days ago on."""
    depuis = maintenant - timedelta(days=jours_passes)
    evenements = Evenement.objects.filter(participants_plie=utilisateur, fin__gte=depuis).order_by("debut", "id")
    actions = (
        ActionCollective.objects.filter(animateur=utilisateur, date__gte=depuis.date())
        .select_related("entreprise", "commune")
        .order_by("date", "heure_debut", "id")
    )
    return evenements, actions


def actions_liste():
    return (
        ActionCollective.objects.select_related("entreprise", "animateur", "commune")
        .annotate(nb_inscrits=Count("inscriptions", distinct=True))
        .annotate(
            nb_presents=Count(
                "inscriptions",
                filter=Q(inscriptions__presence_matin="present") | Q(inscriptions__presence_apres_midi="present"),
                distinct=True,
            )
        )
        .order_by("-date", "heure_debut", "id")
    )


# Periods of the collective actions list (``?periode=``).
PERIODE_A_VENIR, PERIODE_PASSEES, PERIODE_TOUTES = "a_venir", "passees", "toutes"


def actions_filtrees(*, today, periode=PERIODE_A_VENIR, type_action="", mois=None):
    """The collective actions list: upcoming ones first, the soonest on top, then past ones, the
    latest on top; ``mois`` is any date of the month to keep."""
    actions = actions_liste()
    if periode == PERIODE_A_VENIR:
        actions = actions.filter(date__gte=today)
    elif periode == PERIODE_PASSEES:
        actions = actions.filter(date__lt=today)
    if type_action:
        actions = actions.filter(type=type_action)
    if mois is not None:
        actions = actions.filter(date__year=mois.year, date__month=mois.month)
    a_venir = Q(date__gte=today)
    return actions.annotate(
        rang_periode=Case(When(a_venir, then=Value(0)), default=Value(1), output_field=IntegerField()),
        date_a_venir=Case(When(a_venir, then=F("date")), default=Value(None), output_field=DateField()),
    ).order_by("rang_periode", F("date_a_venir").asc(nulls_last=True), "-date", "heure_debut", "id")


def voit_toutes_les_inscriptions(user):
    """Who reads every registered participant of an action (and so the attendance sheets): those
    who run, oversee or audit the actions. A référent sees their own participants only."""
    return bool(set(user.roles) & {Role.CHARGE_MISSION, Role.COORDINATRICE, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR})


def inscriptions_visibles(user, action):
    """The registrations of ``action`` whose participant ``user`` may see named, with their référent."""
    inscriptions = action.inscriptions.select_related("participant__referent").order_by(
        "participant__nom", "participant__prenom", "id"
    )
    if voit_toutes_les_inscriptions(user):
        return inscriptions
    return inscriptions.filter(participant__referent=user)


# --- Events ------------------------------------------------------------------------------------


def equipe_evenements(inclure=()):
    """The PLIE staff an event can count on (present on the day, responsible for a task): active
    accounts of a role that reads events. ``inclure`` keeps those already chosen, so that editing
    an old event does not silently drop a colleague who has since left."""
    groupes = [role.group_name for role, perms in ROLE_PERMISSIONS.items() if "entreprises.view_evenement" in perms]
    critere = Q(is_active=True, groups__name__in=groupes)
    if inclure:
        critere |= Q(pk__in=list(inclure))
    return get_user_model().objects.filter(critere).distinct().order_by("last_name", "first_name", "pk")


def evenements_a_venir(maintenant):
    """Events not over yet (those under way included), soonest first; cancelled ones are kept."""
    return (
        Evenement.objects.filter(fin__gt=maintenant)
        .select_related("commune")
        .prefetch_related("participants_plie")
        .order_by("debut", "id")
    )


def taches_de_l_evenement(evenement):
    return evenement.taches.select_related("responsable").order_by("faite", "echeance", "id")


def evenement_detail(pk):
    """One event with everything its page shows, in a constant number of queries."""
    return (
        Evenement.objects.select_related("commune", "cree_par")
        .prefetch_related(
            "participants_plie",
            Prefetch(
                "taches",
                queryset=TacheEvenement.objects.select_related("responsable").order_by("faite", "echeance", "id"),
            ),
            Prefetch("interactions", queryset=Interaction.objects.select_related("entreprise", "contact", "auteur")),
        )
        .get(pk=pk)
    )


# --- Company file and sector binômes ------------------------------------------------------------

# The offers a référent may open (offres.views: STATUTS_VISIBLES_REFERENT), by value: the
# collected queue and the discarded offers are the chargé(e) de mission's work in progress.
STATUTS_OFFRES_PUBLIEES = ["qualifiee", "diffusee", "cloturee"]


def entreprise_detail(pk):
    """One company with its sector, binôme and commune, and the flags of the list."""
    return entreprises_liste().get(pk=pk)


def offres_de_l_entreprise(entreprise, user):
    """The offers ``entreprise`` published that ``user`` may open, latest first."""
    offres = entreprise.offres.select_related("type_contrat", "commune").order_by("-date_publication", "-id")
    if not (user.has_perm("offres.change_offre") or Role.COORDINATRICE in user.roles):
        offres = offres.filter(statut__in=STATUTS_OFFRES_PUBLIEES)
    return offres


def interactions_de_l_entreprise(entreprise):
    return entreprise.interactions.select_related("auteur", "contact", "evenement").order_by("-date", "-id")


def entreprises_pour_saisie():
    """(pk, nom, commune) of every company, for the quick exchange form's select: nothing else is read."""
    return Entreprise.objects.order_by("nom", "pk").values_list("pk", "nom", "commune__nom")


def prochaines_etapes(utilisateur):
    """The next steps ``utilisateur`` promised after an exchange and has not done yet, soonest
    due first (those without a due date last)."""
    return (
        Interaction.objects.filter(auteur=utilisateur, prochaine_etape_faite=False)
        .exclude(prochaine_etape="")
        .select_related("entreprise", "contact")
        .order_by(F("echeance").asc(nulls_last=True), "date", "id")
    )


def binomes_liste():
    """Every binôme with its two référents, its sectors and how many companies those hold."""
    return (
        Binome.objects.select_related("referent_1", "referent_2")
        .prefetch_related(Prefetch("secteurs", queryset=SecteurActivite.objects.order_by("libelle")))
        .annotate(nb_entreprises=Count("secteurs__entreprises"))
        .order_by("-actif", "referent_1__last_name", "referent_1__first_name", "pk")
    )


def secteurs_sans_binome():
    return SecteurActivite.objects.filter(binome__isnull=True).order_by("libelle")


def interactions_du_binome(binome, depuis):
    """Exchanges since ``depuis`` with the companies of the binôme's sectors, latest first."""
    return (
        Interaction.objects.filter(entreprise__secteur_activite__binome=binome, date__gte=depuis)
        .select_related("entreprise", "auteur", "contact")
        .order_by("-date", "-id")
    )


def besoins_ouverts_du_binome(binome):
    return (
        BesoinRecrutement.objects.filter(entreprise__secteur_activite__binome=binome, statut=StatutBesoin.OUVERT)
        .select_related("entreprise", "metier_rome")
        .order_by(F("echeance").asc(nulls_last=True), "-id")
    )
