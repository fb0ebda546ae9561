"""Reads of offers shared by pages, e-mails, exports and the matching."""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from participants.models import Participant
from participants.selectors import participants_visibles
from plie.models import Commune

from . import rules
from .enums import StatutOffre, StatutPositionnement
from .models import Diffusion, Offre, Positionnement


def offres_a_qualifier():
    """The review queue of the chargé(e) de mission: collected offers, oldest first."""
    return (
        Offre.objects.filter(statut=StatutOffre.COLLECTEE)
        .select_related("commune", "type_contrat", "metier_rome", "entreprise")
        .order_by("date_publication", "id")
    )


def offres_a_positionner(referent):
    """What was diffused to a référent and is still open, newest first, unseen ones flagged."""
    return (
        Diffusion.objects.filter(referent=referent, offre__statut=StatutOffre.DIFFUSEE)
        .select_related("offre__commune", "offre__type_contrat", "offre__metier_rome", "offre__entreprise")
        .order_by("-diffusee_le", "-id")
    )


def diffusions_a_envoyer(referent):
    return offres_a_positionner(referent).filter(envoyee_par_mail_le__isnull=True)


def metiers_du_portefeuille(referent):
    """ROME codes in the projects of a référent's participants in accompaniment (one query)."""
    return set(
        Participant.metiers_vises.through.objects.filter(
            participant__referent=referent, participant__statut="entre"
        ).values_list("metierrome__code", flat=True)
    )


def trier_par_pertinence(referent, offres):
    """Offers matching a project of the référent's caseload first, then the others."""
    metiers = metiers_du_portefeuille(referent)
    for offre in offres:
        offre.pertinente = bool(offre.metier_rome_id and offre.metier_rome.code in metiers)
    return sorted(offres, key=lambda o: not o.pertinente)


def positionnements_a_relancer(user, today, delai=None):
    """Open positionnements without progress for ``delai`` days ("suivi proactif").

    A référent sees those of their caseload; the chargé(e) de mission and the coordinatrice all.
    """
    delai = delai if delai is not None else settings.PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS
    queryset = Positionnement.objects.filter(
        statut__in=StatutPositionnement.en_cours(), derniere_etape_le__lte=today - timedelta(days=delai)
    )
    if user.has_perm("plie.espace_referent") and not user.has_perm("offres.change_offre"):
        queryset = queryset.filter(participant__referent=user)
    return queryset.select_related("offre", "participant", "participant__referent").order_by("derniere_etape_le", "id")


def positionnements_de_l_offre(offre):
    return offre.positionnements.select_related("participant", "participant__referent").order_by("statut", "id")


# --- Matching ---------------------------------------------------------------------------


def _coordonnees():
    return {c.pk: (c.latitude, c.longitude) for c in Commune.objects.all() if c.latitude is not None}


def profil_offre(offre, coordonnees=None):
    coordonnees = coordonnees if coordonnees is not None else _coordonnees()
    return rules.ProfilOffre(
        code_rome=offre.metier_rome.code if offre.metier_rome_id else "",
        commune=offre.commune.nom if offre.commune_id else "",
        coordonnees=coordonnees.get(offre.commune_id),
        permis_requis=offre.permis_requis,
        vehicule_requis=offre.vehicule_requis,
        desserte_transports=offre.desserte_transports,
        heures_hebdo=float(offre.heures_hebdo) if offre.heures_hebdo is not None else None,
        sans_diplome=offre.sans_diplome,
    )


def profil_candidat(participant, coordonnees, deja_positionne=False, cle=None):
    return rules.ProfilCandidat(
        cle=cle if cle is not None else participant.pk,
        metiers=frozenset(m.code for m in participant.metiers_vises.all()),
        commune=participant.commune.nom,
        coordonnees=coordonnees.get(participant.commune_id),
        permis_b=participant.permis_b,
        vehicule=participant.vehicule,
        heures_hebdo_max=participant.heures_hebdo_max,
        niveau_rang=participant.niveau_formation.rang,
        disponible=participant.disponible,
        deja_positionne=deja_positionne,
    )


def offres_pour_participant(participant, limite=20):
    """Open offers for one participant, best first, with the reasons (the same scoring)."""
    coordonnees = _coordonnees()
    deja = set(Positionnement.objects.filter(participant=participant).values_list("offre_id", flat=True))
    offres = {
        o.pk: o
        for o in Offre.objects.filter(statut__in=[StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE])
        .select_related("commune", "metier_rome", "type_contrat", "entreprise")
        .order_by("-date_publication")[:500]
    }
    candidat = profil_candidat(participant, coordonnees)
    resultats = [
        rules.correspondance(
            profil_offre(offre, coordonnees), replace(candidat, cle=offre.pk, deja_positionne=offre.pk in deja)
        )
        for offre in offres.values()
    ]
    suggeres = sorted((r for r in resultats if not r.exclue), key=lambda r: -r.score)[:limite]
    return [(offres[r.cle], r) for r in suggeres]


def compter_par_statut():
    return dict(Offre.objects.values_list("statut").annotate(n=Count("id")).values_list("statut", "n"))


def candidats_pour_offre(offre, user, limite=20):
    """Participants the user may position, best matches first, with reasons; and the excluded.

    Projects are read as (participant, ROME code) pairs and only the columns the matching and the
    offer page need are loaded (other fields are deferred): four queries whatever the caseload.
    """
    coordonnees = _coordonnees()
    visibles = participants_visibles(user).filter(statut="entre")
    participants = {
        p.pk: p
        for p in visibles.select_related("commune", "niveau_formation").only(
            "nom",
            "prenom",
            "statut",
            "referent_id",
            "commune__nom",
            "niveau_formation__rang",
            "permis_b",
            "vehicule",
            "heures_hebdo_max",
            "disponible",
        )
    }
    metiers = {}
    projets = Participant.metiers_vises.through.objects.filter(participant__in=visibles)
    for participant_id, code in projets.values_list("participant_id", "metierrome__code"):
        metiers.setdefault(participant_id, set()).add(code)
    deja = set(Positionnement.objects.filter(offre=offre).values_list("participant_id", flat=True))
    candidats = [
        rules.ProfilCandidat(
            cle=p.pk,
            metiers=frozenset(metiers.get(p.pk, ())),
            commune=p.commune.nom,
            coordonnees=coordonnees.get(p.commune_id),
            permis_b=p.permis_b,
            vehicule=p.vehicule,
            heures_hebdo_max=p.heures_hebdo_max,
            niveau_rang=p.niveau_formation.rang,
            disponible=p.disponible,
            deja_positionne=p.pk in deja,
        )
        for p in participants.values()
    ]
    suggeres, exclus = rules.classer(profil_offre(offre, coordonnees), candidats, limite)
    return [(participants[r.cle], r) for r in suggeres], [(participants[r.cle], r) for r in exclus]
