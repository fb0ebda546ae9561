from django.conf import settings
from django.urls import reverse

# Pages beyond the start pages, shown to whoever holds the permission: (label, url name, permission).
PAGES = [
    ("Participants", "participants:liste", "participants.view_participant"),
    ("Commission", "participants:commission", "participants.decider_commission"),
    ("Offres", "offres:liste", "offres.view_offre"),
    ("Suivi des positionnements", "offres:suivi", "offres.view_positionnement"),
    ("Sources", "offres:sources", "offres.change_offre"),
    ("Entreprises", "entreprises:liste", "entreprises.view_entreprise"),
    ("Binômes", "entreprises:binomes", "entreprises.view_binome"),
    ("Événements", "entreprises:evenements", "entreprises.view_evenement"),
    ("Actions collectives", "entreprises:actions", "entreprises.view_actioncollective"),
    ("Besoins de formation", "formation:besoins", "formation.view_besoinformation"),
    ("Sessions de formation", "formation:sessions", "formation.view_sessionformation"),
    ("Rapport Région", "formation:rapport", "formation.voir_rapport_region"),
    ("Mon agenda FSE", "fse:semaine", "fse.add_ligneagenda"),
    ("Agendas à valider", "fse:a_valider", "fse.valider_agenda"),
]


def navigation(request):
    """The navigation of the signed-in person: their start pages, then the pages they may open."""
    context = {"PLIE_NOM": settings.PLIE_NOM}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    items = [(role.label, reverse(role.start_url_name)) for role in user.roles]
    items += [(label, reverse(name)) for label, name, perm in PAGES if user.has_perm(perm)]
    # The current page is the longest navigation URL that the path starts with.
    current = max((url for _, url in items if request.path.startswith(url)), key=len, default=None)
    context["navigation"] = [{"label": label, "url": url, "active": url == current} for label, url in items]
    return context
