"""Template tags that show training data on other apps' pages without changing their views."""

from django import template

from participants.enums import StatutParticipant

from .. import selectors

register = template.Library()


@register.inclusion_tag("formation/besoin_bloc_participant.html", takes_context=True)
def besoins_formation(context, participant):
    """The participant's training needs for their record page (one query), with the link to add
    one for whoever may record it; nothing (and no query) for a role that does not read needs."""
    user = context["request"].user
    if not user.has_perm("formation.view_besoinformation"):
        return {"visible": False}
    return {
        "visible": True,
        "participant": participant,
        "besoins": list(selectors.besoins_du_participant(participant)),
        "peut_ajouter": user.has_perm("formation.add_besoinformation")
        and participant.statut != StatutParticipant.SORTI
        and selectors.peut_gerer_besoin(user, participant),
    }
