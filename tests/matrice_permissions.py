"""The declared permission matrix: for each URL name of the project, who may use it (not a test module).

``tests/test_matrice_permissions.py`` walks every URL pattern of the resolver and fails when one is
missing here; then, for every URL × every role + anonymous, it checks the outcome declared here.

The table states what the application *should* do (least privilege), read from ``plie.roles`` and
the views: a référent reaches their caseload only; the auditeur FSE reads FSE material and asks for
the contrôle de service fait pack, nothing else; the administrateur manages accounts and reference
data; on the participants' files he reads, exports and imports the workbook, never edits a file,
as ``ROLE_PERMISSIONS``, ``participants.selectors`` and ``participants.views_classeur`` deliberately allow.

Anonymous visitors are sent to the login page everywhere but on the public pages, the htmx
fragments included (``source_etat``, ``csf_etat``, ``rapport_etat``…): the app answers them with the
same redirect, which htmx follows, rather than a 403.

Each entry is one or more ``Acces``: the roles allowed, the HTTP method (GET by default), how to build
its kwargs (and query string, POST body) from the objects of ``monde`` (see the test module:
one object of each kind, owned by the role users so that object-level rules are exercised).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plie.roles import Role

R, C, K, A, AD = Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR

TOUS_LES_ROLES = frozenset(Role)
# Any signed-in person, whatever their role; anonymous visitors go to the login page.
PERSONNE_CONNECTEE = TOUS_LES_ROLES
# Everyone, anonymous visitors included (login, password reset, the iCalendar feed by its token).
PUBLIC = "public"

# Outcomes.
AUTORISE = "autorisé"  # 2xx, a 3xx not to a login page, a 400 form re-render for a POST
INTERDIT = "interdit"  # 403, or 404 where the app hides that the object exists
CONNEXION = "connexion"  # 3xx to the login page (``connexion`` or the admin's)


@dataclass(frozen=True)
class Acces:
    roles: frozenset | str
    methode: str = "GET"
    kwargs: Callable[[Any], dict] | None = None
    query: Callable[[Any], str] | None = None
    donnees: Callable[[Any], dict] | None = None
    htmx: bool = False  # a fragment polled or swapped by htmx: sent with ``HX-Request``
    # What an allowed role gets (``CONNEXION`` for the logout, which sends everyone to login).
    issue_autorisee: str = AUTORISE
    # What an anonymous visitor gets (ignored for PUBLIC pages).
    issue_anonyme: str = CONNEXION
    note: str = ""

    def attendu(self, role):
        """The declared outcome for ``role`` (``None``: anonymous)."""
        if self.roles == PUBLIC:
            return self.issue_autorisee
        if role is None:
            return self.issue_anonyme
        return self.issue_autorisee if role in self.roles else INTERDIT


def get(roles, **options):
    return Acces(frozenset(roles) if roles != PUBLIC else PUBLIC, "GET", **options)


def post(roles, **options):
    return Acces(frozenset(roles) if roles != PUBLIC else PUBLIC, "POST", **options)


def pk(attribut, nom="pk"):
    """kwargs ``{nom: monde.<attribut>.pk}``."""
    return lambda m: {nom: getattr(m, attribut).pk}


def aujourdhui_iso():
    from django.utils import timezone

    return timezone.localdate().isoformat()


PARTICIPANT = pk("participant")

# --- The table -----------------------------------------------------------------------------------

MATRICE: dict[str, tuple[Acces, ...]] = {
    # Start pages.
    "accueil": (get(PERSONNE_CONNECTEE, note="sends each role to its start page; anonymous to login"),),
    "espace_referent": (get({R}),),
    "espace_charge_mission": (get({C}),),
    "espace_coordinatrice": (get({K}),),
    "espace_auditeur_fse": (get({A}),),
    "espace_administrateur": (get({AD}),),
    "journal": (get({AD}, note="journals of changes and of sensitive reads: administrateur only"),),
    # Authentication.
    "connexion": (get(PUBLIC, note="a signed-in person is sent on to their start page"),),
    "deconnexion": (post(PUBLIC, issue_autorisee=CONNEXION, note="logging out sends everyone to the login page"),),
    "changer_mot_de_passe": (get(PERSONNE_CONNECTEE),),
    "mot_de_passe_change": (get(PERSONNE_CONNECTEE),),
    "mot_de_passe_oubli": (get(PUBLIC),),
    "mot_de_passe_oubli_envoye": (get(PUBLIC),),
    "mot_de_passe_nouveau": (get(PUBLIC, kwargs=lambda m: {"uidb64": m.reset_uid, "token": m.reset_token}),),
    "mot_de_passe_reinitialise": (get(PUBLIC),),
    # Two-factor login and « Sécurité du compte » (plie.securite_web).
    "securite_verification": (
        get(PUBLIC, issue_autorisee=CONNEXION, note="without a password step pending: back to the login page"),
    ),
    "securite_compte": (get(PERSONNE_CONNECTEE),),
    "securite_confirmer": (post(PERSONNE_CONNECTEE, note="no code: the page comes back with the error"),),
    "securite_codes": (post(PERSONNE_CONNECTEE, note="no password: back to the page, codes unchanged"),),
    "securite_retirer": (
        post(
            {AD},
            kwargs=lambda m: {"pk": m.utilisateurs[AD].totpdevice_set.get().pk},
            note="the administrateur's own authenticator (no password: kept); anyone else's: 404",
        ),
    ),
    # Participants: the référent their caseload, the coordinatrice all; the administrateur reads.
    "participants:liste": (get({R, K, AD}),),
    "participants:nouveau": (get({R, K}),),
    "participants:commission": (get({K}),),
    "participants:import": (get({K, AD}, note="import: coordinatrice and administrateur (views_classeur)"),),
    "participants:export": (get({R, K, AD}, note="a référent exports their caseload only"),),
    "participants:detail": (get({R, K, AD}, kwargs=PARTICIPANT),),
    "participants:modifier": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:entretien": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:etape": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:situation": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:diagnostic": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:sortie": (get({R, K}, kwargs=PARTICIPANT),),
    "participants:referent": (get({K}, kwargs=PARTICIPANT),),
    "participants:decision": (get({K}, kwargs=PARTICIPANT),),
    "participants:validation_senior": (get({K}, kwargs=PARTICIPANT),),
    "participants:droit_acces": (
        get({R, K, AD}, kwargs=PARTICIPANT, note="RGPD art. 15: whoever may open the file; another référent: 404"),
    ),
    "participants:notice_information": (get(PERSONNE_CONNECTEE, note="RGPD art. 13 notice: no personal data"),),
    "participants:notice_information_pdf": (get(PERSONNE_CONNECTEE),),
    # Offers: the chargé(e) de mission runs the queue; référents and coordination read.
    "offres:liste": (get({R, C, K}),),
    "offres:export": (get({R, C, K}),),
    "offres:nouvelle": (get({C}),),
    "offres:importer_url": (get({C}),),
    "offres:file": (get({C}),),
    "offres:ecarter_lot": (post({C}),),
    "offres:qualifier": (get({C}, kwargs=pk("offre")),),
    "offres:rouvrir": (post({C}, kwargs=pk("offre")),),
    "offres:detail": (get({R, C, K}, kwargs=pk("offre")),),
    "offres:diffuser": (get({C}, kwargs=pk("offre")),),
    "offres:cloturer": (get({C}, kwargs=pk("offre")),),
    "offres:positionner": (post({R}, kwargs=pk("offre")),),
    "offres:positionnement": (
        get({R, C, K}, kwargs=pk("positionnement")),
        post(
            {R, K},
            kwargs=pk("positionnement"),
            donnees=lambda m: {"statut": "candidature_envoyee", "date": aujourdhui_iso()},
            note="moving a positionnement on: the participant's référent or the coordinatrice",
        ),
    ),
    "offres:sources": (get({C}),),
    "offres:relancer_source": (post({C}, kwargs=pk("source")),),
    "offres:classeur_depot": (get({C}),),
    "offres:classeur_colonnes": (get({C}),),
    "offres:classeur_resultat": (get({C}, kwargs=pk("execution")),),
    "offres:source_etat": (get({C}, kwargs=pk("source"), htmx=True),),
    "offres:suivi": (get({R, C, K}),),
    "offres:pour_participant": (get({R, K}, kwargs=pk("participant", "participant_pk")),),
    # The company file: who meets companies (référent, chargé de mission) writes, the coordination reads.
    "entreprises:liste": (get({R, C, K}),),
    "entreprises:export": (get({R, C, K}),),
    "entreprises:creer": (get({R, C}),),
    "entreprises:detail": (get({R, C, K}, kwargs=pk("entreprise")),),
    "entreprises:modifier": (get({R, C}, kwargs=pk("entreprise")),),
    "entreprises:echanges": (get({R, C, K}, kwargs=pk("entreprise")),),
    "entreprises:interaction_ajouter": (post({R, C}, kwargs=pk("entreprise")),),
    "entreprises:contact_ajouter": (get({R, C}, kwargs=pk("entreprise")),),
    "entreprises:contact_modifier": (get({R, C}, kwargs=pk("contact")),),
    "entreprises:besoin_ajouter": (get({R, C}, kwargs=pk("entreprise")),),
    "entreprises:besoin_modifier": (get({R, C}, kwargs=pk("besoin_recrutement")),),
    "entreprises:besoin_clore": (post({R, C}, kwargs=pk("besoin_recrutement")),),
    "entreprises:interaction_rapide": (get({R, C}),),
    "entreprises:interaction_contacts": (get({R, C}, htmx=True),),
    "entreprises:prochaines_etapes": (get({R, C}),),
    "entreprises:prochaine_etape_faite": (post({R, C}, kwargs=pk("interaction"), note="the author, or the chargé"),),
    "entreprises:binomes": (get({R, C, K}),),
    "entreprises:binome_creer": (get({K}),),
    "entreprises:binome": (get({R, C, K}, kwargs=pk("binome")),),
    "entreprises:binome_modifier": (get({K}, kwargs=pk("binome")),),
    # Events: read by every role but the auditeur and the administrateur, run by the chargé(e).
    "entreprises:evenements": (get({R, C, K}),),
    "entreprises:evenement_nouveau": (get({C}),),
    "entreprises:evenement": (get({R, C, K}, kwargs=pk("evenement")),),
    "entreprises:evenement_modifier": (get({C}, kwargs=pk("evenement")),),
    "entreprises:evenement_annuler": (get({C}, kwargs=pk("evenement")),),
    "entreprises:evenement_participation": (post({R, C, K}, kwargs=pk("evenement")),),
    "entreprises:evenement_tache_ajouter": (post({C}, kwargs=pk("evenement")),),
    "entreprises:evenement_tache_faite": (post({C}, kwargs=lambda m: {"pk": m.evenement.pk, "tache_pk": m.tache.pk}),),
    "entreprises:evenement_tache_supprimer": (
        post({C}, kwargs=lambda m: {"pk": m.evenement.pk, "tache_pk": m.tache.pk}),
    ),
    "entreprises:mon_calendrier": (get({R, C, K, A}, note="events or collective actions: one's own feed"),),
    "entreprises:calendrier_regenerer": (post({R, C, K, A}),),
    "entreprises:calendrier_ics": (
        get(PUBLIC, kwargs=lambda m: {"jeton": m.jeton}, note="no login: the secret token stands for the user"),
    ),
    # Collective actions: the chargé(e) runs them, référents register their caseload, the
    # coordination and the auditeur FSE read everything (the attendance sheets included).
    "entreprises:actions": (get({R, C, K, A}),),
    "entreprises:action_creer": (get({C}),),
    "entreprises:action": (get({R, C, K, A}, kwargs=pk("action")),),
    "entreprises:action_modifier": (get({C}, kwargs=pk("action")),),
    "entreprises:action_annuler": (get({C}, kwargs=pk("action")),),
    "entreprises:action_inscrire": (post({R, C}, kwargs=pk("action")),),
    "entreprises:action_desinscrire": (
        get({R, C}, kwargs=lambda m: {"pk": m.action.pk, "inscription": m.inscription.pk}),
    ),
    "entreprises:emargement_pdf": (get({C, K, A}, kwargs=pk("action")),),
    "entreprises:presences": (get({C}, kwargs=pk("action")),),
    "entreprises:feuille_deposer": (post({C}, kwargs=pk("action")),),
    "entreprises:feuille_signee": (get({C, K, A}, kwargs=pk("action")),),
    # Training.
    "formation:besoins": (get({R, C, K}),),
    "formation:besoin_nouveau": (get({R}, query=lambda m: f"participant={m.participant.pk}"),),
    "formation:besoin": (get({R, C, K}, kwargs=pk("besoin_formation")),),
    "formation:besoin_modifier": (get({R}, kwargs=pk("besoin_formation")),),
    "formation:besoin_statut": (post({R}, kwargs=pk("besoin_formation")),),
    "formation:positionner": (get({R, C}, kwargs=pk("besoin_formation")),),
    "formation:organismes": (get({R, C, K}),),
    "formation:organisme_nouveau": (get({C}),),
    "formation:organisme": (get({R, C, K}, kwargs=pk("organisme")),),
    "formation:organisme_modifier": (get({C}, kwargs=pk("organisme")),),
    "formation:sessions": (get({R, C, K}),),
    "formation:session_nouvelle": (get({C}),),
    "formation:session": (get({R, C, K}, kwargs=pk("session")),),
    "formation:session_modifier": (get({C}, kwargs=pk("session")),),
    "formation:session_annuler": (get({C}, kwargs=pk("session")),),
    "formation:session_positionner": (post({R, C}, kwargs=pk("session")),),
    "formation:positionnement": (
        get({R, C, K}, kwargs=pk("positionnement_formation")),
        post(
            {R, C},
            kwargs=pk("positionnement_formation"),
            donnees=lambda m: {"statut": "abandon", "date": aujourdhui_iso()},
            note="the participant's référent or the chargé(e); the coordinatrice reads only",
        ),
    ),
    "formation:rapport": (get({C, K}),),
    "formation:rapport_pdf": (get({C, K}),),
    "formation:rapport_xlsx": (get({C, K}),),
    # FSE: each salarié fills in their own agenda week (the URL names a date, never a person);
    # the coordinatrice validates; the auditeur FSE reads and asks for the CSF pack, never writes.
    "fse:semaine()": (
        get({R, C}),
        post({R, C}, note="empty body: « action inconnue », back to the week"),
    ),
    "fse:semaine(jour)": (
        get({R, C}, kwargs=lambda m: {"jour": m.lundi.isoformat()}),
        post({R, C}, kwargs=lambda m: {"jour": m.lundi.isoformat()}),
    ),
    "fse:a_valider": (
        get({K}),
        post({K}, donnees=lambda m: {"semaine": m.semaine_soumise.pk, "action": "inconnue"}),
    ),
    "fse:donnees_participant": (
        get({R, K, A}, kwargs=PARTICIPANT),
        post({R, K}, kwargs=PARTICIPANT, note="the auditeur FSE reads the form, never posts it"),
    ),
    "fse:indicateurs": (get({K, A}),),
    "fse:donnees_incompletes": (get({R, K, A}, note="a référent: their caseload"),),
    "fse:donnees_export": (get({K, A}),),
    "fse:csf": (
        get({K, A}),
        post({K, A}, note="asking for a pack is the auditeur's job (an export, not a change of FSE data)"),
    ),
    "fse:csf_accueil": (get({K, A}, htmx=True),),
    "fse:csf_etat": (get({K, A}, kwargs=pk("pack"), htmx=True, note="the pack's author or the coordinatrice"),),
    "fse:csf_telecharger": (get({K, A}, kwargs=pk("pack")),),
    # Steering: the dashboard (a référent: their caseload), the budget and the bilans (coordination),
    # the monthly activity reports (the chargé(e) writes hers, the coordinatrice reads them all).
    "reporting:tableau": (get({R, K}),),
    "reporting:tableau_xlsx": (get({R, K}),),
    "reporting:tableau_pdf": (get({R, K}),),
    "reporting:budgets": (get({K}),),
    "reporting:budget_nouveau": (get({K}),),
    "reporting:budget_modifier": (get({K}, kwargs=pk("budget")),),
    "reporting:budget_supprimer": (get({K}, kwargs=pk("budget")),),
    "reporting:rapports": (
        get({C, K}),
        post({C}, note="preparing a report: the chargé(e) only"),
    ),
    "reporting:rapport_dernier": (get({C, K}),),
    "reporting:rapport": (get({C, K}, kwargs=pk("rapport")),),
    "reporting:rapport_commentaire": (post({C}, kwargs=pk("rapport")),),
    "reporting:rapport_generer": (post({C}, kwargs=pk("rapport")),),
    "reporting:rapport_etat": (get({C, K}, kwargs=pk("rapport"), htmx=True),),
    "reporting:rapport_envoyer": (post({C}, kwargs=pk("rapport")),),
    "reporting:rapport_pdf": (get({C, K}, kwargs=pk("rapport")),),
    "reporting:bilans": (get({K}),),
    "reporting:bilan_nouveau": (get({K}),),
    "reporting:bilan": (get({K}, kwargs=pk("bilan")),),
    "reporting:bilan_section": (get({K}, kwargs=lambda m: {"pk": m.bilan.pk, "code": m.section_bilan}),),
    "reporting:bilan_budget": (get({K}, kwargs=pk("bilan")),),
    "reporting:bilan_pdf": (get({K}, kwargs=pk("bilan")),),
}

# Patterns left out of the table, each with its reason (none of them serves a page of its own).
EXCLUSIONS: dict[str, str] = {}

# The Django admin (namespace ``admin``) is covered by one rule: staff only, i.e. the administrateur;
# everyone else, anonymous included, is sent to the admin's login page. Its login and logout pages
# are public. For the administrateur, each model page follows the model permissions of its role.
NAMESPACE_ADMIN = "admin"
ADMIN_PUBLIC = {"admin:login", "admin:logout"}
ADMIN_METHODES = {"admin:logout": "POST"}
# The administrateur logging out of the admin goes to the login page (LOGOUT_REDIRECT_URL); the others,
# who are not signed in to the admin, are sent to its index.
ADMIN_ISSUES_PARTICULIERES = {
    ("admin:logout", Role.ADMINISTRATEUR): CONNEXION,
    # The admin's login page sends anonymous visitors to the app's, which has the code step.
    ("admin:login", None): CONNEXION,
}
# Admin pages that refuse the administrateur too, for a reason that is not a permission.
ADMIN_SANS_OBJET = {
    "admin:autocomplete": "no ModelAdmin declares autocomplete_fields: every request is refused (403)",
    "admin:view_on_site": "no model defines get_absolute_url: the shortcut answers 404",
}


@dataclass
class Cas:
    """One request of the matrix: a URL name, how to call it, the role (None: anonymous), the outcome."""

    cle: str
    nom: str
    acces: Acces
    role: Role | None
    attendu: str
    admin: bool = False  # covered by the Django admin rule

    @property
    def ident(self):
        qui = self.role.value if self.role else "anonyme"
        return f"{self.cle}-{self.acces.methode}-{qui}"
