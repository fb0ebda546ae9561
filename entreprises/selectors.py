"""Reads of the company file, events and collective actions shared by pages, exports and reports."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q

from .models import ActionCollective, BesoinRecrutement, Entreprise, Evenement, StatutBesoin
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
