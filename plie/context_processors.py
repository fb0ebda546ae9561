from django.conf import settings
from django.urls import reverse

# Pages beyond the start pages, by menu, shown to whoever holds the permission:
# (menu, [(label, url name, permission), …]).
MENUS = [
    (
        "Parcours",
        [
            ("Participants", "participants:liste", "participants.view_participant"),
            ("Commission", "participants:commission", "participants.decider_commission"),
            ("Données FSE à compléter", "fse:donnees_incompletes", "fse.change_donneesfseparticipant"),
        ],
    ),
    (
        "Offres",
        [
            ("Offres", "offres:liste", "offres.view_offre"),
            ("Suivi des positionnements", "offres:suivi", "offres.view_positionnement"),
            ("Sources", "offres:sources", "offres.change_offre"),
        ],
    ),
    (
        "Entreprises",
        [
            ("Entreprises", "entreprises:liste", "entreprises.view_entreprise"),
            ("Binômes", "entreprises:binomes", "entreprises.view_binome"),
            ("Événements", "entreprises:evenements", "entreprises.view_evenement"),
            ("Actions collectives", "entreprises:actions", "entreprises.view_actioncollective"),
        ],
    ),
    (
        "Formation",
        [
            ("Besoins de formation", "formation:besoins", "formation.view_besoinformation"),
            ("Sessions de formation", "formation:sessions", "formation.view_sessionformation"),
            ("Rapport Région", "formation:rapport", "formation.voir_rapport_region"),
        ],
    ),
    (
        "FSE",
        [
            ("Mon agenda FSE", "fse:semaine", "fse.add_ligneagenda"),
            ("Agendas à valider", "fse:a_valider", "fse.valider_agenda"),
            ("Indicateurs FSE", "fse:indicateurs", "fse.exporter_donnees_fse"),
            ("Contrôle de service fait", "fse:csf", "fse.exporter_csf"),
        ],
    ),
    (
        "Pilotage",
        [
            ("Tableau de bord", "reporting:tableau", "reporting.voir_tableau_de_bord"),
            ("Rapport mensuel", "reporting:rapports", "reporting.view_rapportmensuel"),
            ("Bilans", "reporting:bilans", "reporting.view_bilan"),
        ],
    ),
    # The journals of changes and of sensitive reads: the administrateur's only.
    ("Journal", [("Journal", "journal", "plie.espace_administration")]),
]


def navigation(request):
    """The navigation of the signed-in person: their start pages, then the pages they may open."""
    context = {"PLIE_NOM": settings.PLIE_NOM}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    menus = [("", [(role.label, reverse(role.start_url_name)) for role in user.roles])]
    menus += [
        (menu, [(label, reverse(name)) for label, name, perm in pages if user.has_perm(perm)]) for menu, pages in MENUS
    ]
    # The current page is the longest navigation URL that the path starts with.
    urls = [url for _menu, liens in menus for _label, url in liens]
    courante = max((url for url in urls if request.path.startswith(url)), key=len, default=None)
    navigation = []
    for menu, liens in menus:
        liens = [{"label": label, "url": url, "active": url == courante} for label, url in liens]
        # A menu of one page is a plain link; the start pages are plain links.
        if not menu or len(liens) == 1:
            navigation.extend(liens)
        elif liens:
            navigation.append({"label": menu, "liens": liens, "active": any(lien["active"] for lien in liens)})
    context["navigation"] = navigation
    return context
