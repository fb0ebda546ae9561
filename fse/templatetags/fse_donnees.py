"""The FSE data badge on the participant's record page, without changing that page's view."""

from django import template
from django.utils import timezone

from .. import rules, selectors

register = template.Library()


@register.inclusion_tag("fse/donnees_badge.html", takes_context=True)
def donnees_fse_badge(context, participant):
    """« Données FSE : complètes » or « à compléter (n) », linking to the FSE data page (one query);
    nothing, and no query, for a candidate or a role that does not read FSE data."""
    user = context["request"].user
    if participant.date_entree is None or not user.has_perm("fse.view_donneesfseparticipant"):
        return {"visible": False}
    manques = rules.donnees_manquantes(selectors.faits(participant), timezone.localdate())
    return {"visible": True, "participant": participant, "manques": manques}
