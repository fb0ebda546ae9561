"""The permission matrix: every URL of the project × every role + anonymous.

1. Every URL pattern of the resolver (includes and namespaces walked recursively) must be declared
   in ``tests/matrice_permissions.MATRICE`` (or covered by the Django admin rule, or excluded with a
   reason): a new page cannot escape the matrix.
2. For every URL × role (and anonymous) the outcome is the declared one: allowed (2xx, a 3xx not to
   a login page, a 400 form re-render for a POST), forbidden (403, or 404 where the app hides that
   the object exists) or sent to the login page.
3. Object-level checks: a second référent, chargé(e) de mission or auditeur FSE guessing the ids of
   the first one's participant, agenda week, report or pack gets 403/404, never the data.

The objects are built once for the module (one of each kind, owned by the role users), inside a
transaction rolled back at the end; each request runs in its own savepoint. ``-s`` prints the count.
"""

import datetime
import io
import shutil
import tempfile
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from plie.roles import ROLE_PERMISSIONS, Role
from tests.conftest import connecter
from tests.matrice_permissions import (
    ADMIN_ISSUES_PARTICULIERES,
    ADMIN_METHODES,
    ADMIN_PUBLIC,
    ADMIN_SANS_OBJET,
    AUTORISE,
    CONNEXION,
    EXCLUSIONS,
    INTERDIT,
    MATRICE,
    NAMESPACE_ADMIN,
    PUBLIC,
    Acces,
    Cas,
)

ROLES_ET_ANONYME = [*Role, None]

# --- Walking the resolver ------------------------------------------------------------------------


def _parametres(pattern):
    return list(pattern.pattern.regex.groupindex)  # route and regex patterns alike


def parcourir(resolver=None, namespace=None, parametres=()):
    """(name or None, namespace, route, parameter names) of every pattern, includes walked."""
    resolver = resolver or get_resolver()
    for motif in resolver.url_patterns:
        if isinstance(motif, URLResolver):
            ns = namespace
            if motif.namespace:
                ns = f"{namespace}:{motif.namespace}" if namespace else motif.namespace
            yield from parcourir(motif, ns, (*parametres, *_parametres(motif)))
        elif isinstance(motif, URLPattern):
            nom = f"{namespace}:{motif.name}" if namespace and motif.name else motif.name
            yield nom, namespace, str(motif.pattern), (*parametres, *_parametres(motif))


def motifs_du_projet():
    """{key: (name, namespace, route, parameters)} of the named patterns; a name used by several
    patterns (``fse:semaine``) gets one key per pattern: ``name(param,…)``. And the unnamed ones."""
    motifs = list(parcourir())
    nommes = [m for m in motifs if m[0]]
    compte = {}
    for nom, *_ in nommes:
        compte[nom] = compte.get(nom, 0) + 1
    cles = {}
    for nom, namespace, route, params in nommes:
        cle = nom if compte[nom] == 1 else f"{nom}({','.join(sorted(params))})"
        cles[cle] = (nom, namespace, route, params)
    sans_nom = [(namespace, route) for nom, namespace, route, _ in motifs if not nom]
    return cles, sans_nom


MOTIFS, SANS_NOM = motifs_du_projet()


def _est_admin(namespace):
    return namespace == NAMESPACE_ADMIN or (namespace or "").startswith(NAMESPACE_ADMIN + ":")


# --- The Django admin rule -----------------------------------------------------------------------

_MODELES_ADMIN = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
_PERMISSIONS_ACTION = {
    "changelist": ("view", "change"),
    "change": ("view", "change"),
    "history": ("view", "change"),
    "add": ("add",),
    "delete": ("delete",),
    "password_change": ("change",),
}


def _modele_et_action(nom):
    """(model, action) of an admin model page (``admin:plie_commune_change``), else (None, None)."""
    court = nom.split(":", 1)[1]
    if court == "auth_user_password_change":  # UserAdmin names it after auth.User
        return get_user_model(), "password_change"
    for prefixe, modele in _MODELES_ADMIN.items():
        if court.startswith(prefixe + "_") and court[len(prefixe) + 1 :] in _PERMISSIONS_ACTION:
            return modele, court[len(prefixe) + 1 :]
    return None, None


def _attendu_admin_pour_l_administrateur(nom):
    if nom in ADMIN_SANS_OBJET:
        return INTERDIT
    modele, action = _modele_et_action(nom)
    if modele is None:
        return AUTORISE  # index, app list, password change, jsi18n
    meta = modele._meta
    permissions = set(ROLE_PERMISSIONS[Role.ADMINISTRATEUR])
    voulues = {f"{meta.app_label}.{verbe}_{meta.model_name}" for verbe in _PERMISSIONS_ACTION[action]}
    return AUTORISE if permissions & voulues else INTERDIT


def _kwargs_admin(params, nom):
    def construire(m):
        modele, _action = _modele_et_action(nom)
        kwargs = {}
        for param in params:
            if param == "app_label":
                kwargs[param] = "plie"
            elif param == "content_type_id":
                kwargs[param] = str(ContentType.objects.get_for_model(m.participant).pk)
            elif param == "object_id" and nom == "admin:view_on_site":
                kwargs[param] = str(m.participant.pk)
            elif param in ("object_id", "id"):
                premier = modele.objects.order_by("pk").first()
                assert premier is not None, f"{nom} : créez une ligne de {modele.__name__} dans construire_monde()"
                kwargs[param] = str(premier.pk)
            else:
                raise AssertionError(f"{nom} : paramètre d'URL inconnu de la règle de l'admin : {param}")
        return kwargs

    return construire


def _acces_admin(nom, params):
    methode = ADMIN_METHODES.get(nom, "GET")
    return Acces(
        PUBLIC if nom in ADMIN_PUBLIC else frozenset({Role.ADMINISTRATEUR}),
        methode,
        kwargs=_kwargs_admin(params, nom) if params else None,
        note=ADMIN_SANS_OBJET.get(nom, "Django admin: staff only"),
    )


# --- The cases -----------------------------------------------------------------------------------


def construire_cas():
    cas = []
    for cle, (nom, namespace, _route, params) in sorted(MOTIFS.items()):
        if cle in EXCLUSIONS:
            continue
        if _est_admin(namespace):
            acces = _acces_admin(nom, params)
            for role in ROLES_ET_ANONYME:
                if (nom, role) in ADMIN_ISSUES_PARTICULIERES:
                    attendu = ADMIN_ISSUES_PARTICULIERES[nom, role]
                elif nom in ADMIN_PUBLIC:
                    attendu = acces.attendu(role)
                elif role == Role.ADMINISTRATEUR:
                    attendu = _attendu_admin_pour_l_administrateur(nom)
                else:
                    attendu = CONNEXION  # not staff: the admin's login page
                cas.append(Cas(cle, nom, acces, role, attendu, admin=True))
            continue
        for acces in MATRICE.get(cle, ()):
            for role in ROLES_ET_ANONYME:
                cas.append(Cas(cle, nom, acces, role, acces.attendu(role)))
    return cas


CAS = construire_cas()
NB_URLS = len(MOTIFS) - len([c for c in MOTIFS if c in EXCLUSIONS])
NB_CAS = len(CAS)


# --- The objects, once for the module ------------------------------------------------------------

NOM_PARTICIPANT = "Zorglubescu"  # the first référent's participant: must never reach another référent
NOM_AUTRE_PARTICIPANT = "Brezinskaia"  # the second référent's own participant
MARQUEUR_AGENDA = "Marqueur-agenda-du-premier-referent"
MARQUEUR_RAPPORT = "Commentaire-du-rapport-de-la-premiere-chargee"


def _session(user):
    client = connecter(Client(), user)  # the administrateur's session verified by a second factor
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def construire_monde():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from entreprises import services as services_entreprises
    from entreprises.factories import (
        BesoinRecrutementFactory,
        BinomeFactory,
        ContactFactory,
        EntrepriseFactory,
        InteractionFactory,
    )
    from entreprises.models import (
        ActionCollective,
        Creneau,
        Evenement,
        Inscription,
        TacheEvenement,
        TypeAction,
        TypeEvenement,
    )
    from formation import services as services_formation
    from formation.factories import BesoinFormationFactory, OrganismeFormationFactory, SessionFormationFactory
    from fse import rules as rules_fse
    from fse import services as services_fse
    from fse.models import CategorieActivite, PackCsf
    from offres import services as services_offres
    from offres.enums import OriginePartenaire, TypeSource
    from offres.models import DonneeBrute, ExecutionIngestion, Positionnement, Source
    from participants.factories import ParticipantFactory
    from plie.factories import UserFactory, reinitialiser_iterateurs
    from reporting import services as services_reporting
    from reporting import services_bilans
    from reporting.models import Bilan, Budget
    from tests.offres.fabriques_positionnement import offre_diffusee, participant

    reinitialiser_iterateurs()
    m = SimpleNamespace()
    today = timezone.localdate()
    now = timezone.now()

    def personne(role, prenom, nom, **champs):
        return UserFactory(role=role, first_name=prenom, last_name=nom, **champs)

    m.utilisateurs = {
        Role.REFERENT: personne(Role.REFERENT, "Rémi", "Premier"),
        Role.CHARGE_MISSION: personne(Role.CHARGE_MISSION, "Chloé", "Premiere", agenda_fse=True),
        Role.COORDINATRICE: personne(Role.COORDINATRICE, "Claire", "Coordination"),
        Role.AUDITEUR_FSE: personne(Role.AUDITEUR_FSE, "Aude", "Premiere"),
        Role.ADMINISTRATEUR: personne(Role.ADMINISTRATEUR, "Adam", "Administrateur"),
    }
    referent, charge = m.utilisateurs[Role.REFERENT], m.utilisateurs[Role.CHARGE_MISSION]
    coordinatrice, auditeur = m.utilisateurs[Role.COORDINATRICE], m.utilisateurs[Role.AUDITEUR_FSE]
    # The second of each kind, for the object-level checks.
    m.autre_referent = personne(Role.REFERENT, "Roland", "Second")
    m.autre_charge = personne(Role.CHARGE_MISSION, "Charles", "Second")
    m.autre_auditeur = personne(Role.AUDITEUR_FSE, "Albert", "Second")

    # Participants: one in each référent's caseload.
    m.participant = participant(referent, nom=NOM_PARTICIPANT, prenom="Anatole")
    m.participant_bis = ParticipantFactory(entre=True, referent=referent, nom="Quatremare", prenom="Ines")
    m.autre_participant = ParticipantFactory(entre=True, referent=m.autre_referent, nom=NOM_AUTRE_PARTICIPANT)

    # Offers: one diffused to the first référent, their participant put forward on it.
    m.offre = offre_diffusee(charge, referents=[referent])
    m.positionnement = services_offres.positionnements_creer(offre=m.offre, participants=[m.participant], par=referent)[
        0
    ]
    # Without progress for a month: it shows in the follow-up lists ("suivi proactif").
    Positionnement.objects.filter(pk=m.positionnement.pk).update(derniere_etape_le=today - datetime.timedelta(days=30))
    m.source = Source.objects.get(nom="france-travail")
    partenaire = Source.objects.create(
        nom="partenaire-matrice",
        libelle="Partenaire de la matrice",
        type=TypeSource.CLASSEUR_PARTENAIRE,
        parametres={"origine": OriginePartenaire.INTERIM},
    )
    m.execution = ExecutionIngestion.objects.create(source=partenaire, debut=now)
    DonneeBrute.objects.create(source=m.source, identifiant_externe="matrice-1", recue_le=now, contenu={})

    # Companies.
    m.entreprise = EntrepriseFactory()
    m.contact = ContactFactory(entreprise=m.entreprise)
    m.besoin_recrutement = BesoinRecrutementFactory(entreprise=m.entreprise, cree_par=referent)
    m.interaction = InteractionFactory(
        entreprise=m.entreprise,
        auteur=referent,
        prochaine_etape="Rappeler la responsable RH",
        echeance=today + datetime.timedelta(days=7),
    )
    m.binome = BinomeFactory(referent_1=referent, referent_2=m.autre_referent)

    # An event with a preparation task; the first référent's calendar feed.
    debut = now + datetime.timedelta(days=7)
    m.evenement = Evenement.objects.create(
        titre="Forum de la matrice",
        type=TypeEvenement.FORUM,
        debut=debut,
        fin=debut + datetime.timedelta(hours=3),
        lieu="Salle des fêtes",
        cree_par=charge,
    )
    m.tache = TacheEvenement.objects.create(evenement=m.evenement, libelle="Réserver le stand", responsable=charge)
    m.jeton = services_entreprises.jeton_calendrier(referent).jeton

    # A collective action with the first référent's participant registered and a signed sheet.
    m.action = ActionCollective.objects.create(
        type=TypeAction.ATELIER,
        titre="Atelier de la matrice",
        date=today + datetime.timedelta(days=7),
        creneau=Creneau.MATIN,
        heure_debut=datetime.time(9),
        heure_fin=datetime.time(12),
        lieu="Maison de l'emploi",
        animateur=charge,
        capacite=10,
        cree_par=charge,
    )
    m.inscription = Inscription.objects.create(action=m.action, participant=m.participant, inscrit_par=referent)
    m.action.feuille_signee.save("scan-matrice.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    m.action.feuille_deposee_par = charge
    m.action.feuille_deposee_le = now
    m.action.save()

    # Training: a body, an open session, the participant's need, positioned on the session.
    m.organisme = OrganismeFormationFactory()
    m.session = SessionFormationFactory(organisme=m.organisme, cree_par=charge)
    m.besoin_formation = BesoinFormationFactory(participant=m.participant, cree_par=referent)
    m.positionnement_formation = services_formation.positionner(
        session=m.session, participant=m.participant, besoin=m.besoin_formation, par=referent
    )

    # FSE: last week's agenda of the first référent; a week of the chargée submitted to validation.
    m.lundi = rules_fse.lundi_de(today) - datetime.timedelta(days=7)
    feries = rules_fse.jours_feries(m.lundi)
    jour = next(j for j in rules_fse.jours_semaine(m.lundi) if j.weekday() < 5 and j not in feries)
    categorie = CategorieActivite.objects.filter(actif=True).order_by("ordre", "pk").first()
    m.ligne_agenda = services_fse.ligne_enregistrer(
        services_fse.semaine_obtenir(referent, m.lundi),
        date=jour,
        categorie=categorie,
        heures=Decimal("3.5"),
        commentaire=MARQUEUR_AGENDA,
    )
    m.semaine_soumise = services_fse.semaine_obtenir(charge, m.lundi)
    services_fse.ligne_enregistrer(m.semaine_soumise, date=jour, categorie=categorie, heures=Decimal("7"))
    services_fse.soumettre(m.semaine_soumise)
    # The first auditor's pack, ready.
    m.pack = PackCsf(
        demande_par=auditeur,
        debut=today - datetime.timedelta(days=60),
        fin=today - datetime.timedelta(days=30),
        statut=PackCsf.Statut.PRET,
        progression=100,
        nb_fichiers=1,
        sha256="0" * 64,
    )
    m.pack.fichier.save("pack-matrice.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
    m.pack.save()

    # Steering: the chargée's report of last month (its PDF ready), a budget, a bilan.
    m.rapport = services_reporting.rapport_obtenir(salarie=charge, mois=services_reporting.mois_precedent(today))
    m.rapport.commentaire = MARQUEUR_RAPPORT
    m.rapport.statut = m.rapport.Statut.PRET
    m.rapport.genere_le = now
    m.rapport.fichier.save("rapport-matrice.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    m.rapport.save()
    m.budget = Budget.objects.create(
        libelle="Budget de la matrice",
        debut=datetime.date(today.year, 1, 1),
        fin=datetime.date(today.year, 12, 31),
        montant=Decimal("1000"),
        saisi_par=coordinatrice,
    )
    m.bilan = services_bilans.bilan_creer(
        type=Bilan.Type.MI_PARCOURS,
        operation="PLIE de la matrice",
        debut=datetime.date(today.year, 1, 1),
        fin=today,
        par=coordinatrice,
    )
    m.section_bilan = m.bilan.sections.order_by("ordre", "pk").first().code

    # A row of each admin model that has none yet (its object pages need one).
    champs_axes = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "x", "http_accept": "*/*"}
    AccessAttempt.objects.create(**champs_axes, path_info="/", get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**champs_axes, path_info="/")
    AccessFailureLog.objects.create(**champs_axes, path_info="/")

    # Sessions (kept by the module's transaction: each test's savepoint rolls back what a request
    # changes, a logout included), then the password-reset link (it depends on the last login).
    m.sessions = {role: _session(user) for role, user in m.utilisateurs.items()}
    for cle in ("autre_referent", "autre_charge", "autre_auditeur"):
        m.sessions[cle] = _session(getattr(m, cle))
    referent.refresh_from_db()
    m.reset_uid = urlsafe_base64_encode(force_bytes(referent.pk))
    m.reset_token = default_token_generator.make_token(referent)
    return m


@pytest.fixture(scope="module")
def monde(django_db_setup, django_db_blocker):
    media = tempfile.mkdtemp(prefix="matrice-media-")
    reglages = override_settings(
        MEDIA_ROOT=media,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        TABLEAU_CACHE_SECONDES=0,
    )
    reglages.enable()
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield construire_monde()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            reglages.disable()
            shutil.rmtree(media, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _pdf_sans_mise_en_page():
    """The PDFs' templates are rendered, but not laid out by WeasyPrint (seconds each): the matrix
    is about who gets them, their content has tests of its own."""
    from weasyprint import HTML

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.4\n%%EOF\n")
        yield


# --- Requests and outcomes -----------------------------------------------------------------------


def client_de(monde, qui):
    """A test client signed in as ``qui`` (a role, a key of ``monde.sessions``, or None)."""
    client = Client()
    if qui is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = monde.sessions[qui]
    return client


def url_de(monde, acces, nom):
    url = reverse(nom, kwargs=acces.kwargs(monde) if acces.kwargs else None)
    if acces.query:
        url += "?" + acces.query(monde)
    return url


def requete(client, methode, url, donnees=None, htmx=False):
    entetes = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    if methode == "POST":
        return client.post(url, donnees or {}, **entetes)
    return client.get(url, **entetes)


def _pages_de_connexion():
    return {reverse("connexion"), reverse("admin:login")}


def issue(response, methode):
    statut = response.status_code
    if 300 <= statut < 400:
        cible = urlsplit(response["Location"]).path
        return CONNEXION if cible in _pages_de_connexion() else AUTORISE
    if 200 <= statut < 300:
        return AUTORISE
    if statut == 400 and methode == "POST":
        return AUTORISE  # the form comes back with its errors
    if statut in (403, 404):
        return INTERDIT
    return f"HTTP {statut}"


def _decrire(response):
    texte = f"{response.status_code}"
    if 300 <= response.status_code < 400:
        texte += f" → {response['Location']}"
    return texte


@pytest.mark.parametrize("cas", CAS, ids=[c.ident for c in CAS])
def test_matrice(cas, monde, db):
    acces = cas.acces
    url = url_de(monde, acces, cas.nom)
    client = client_de(monde, cas.role)
    response = requete(client, acces.methode, url, acces.donnees(monde) if acces.donnees else None, acces.htmx)
    obtenu = issue(response, acces.methode)
    qui = cas.role.label if cas.role else "anonyme"
    assert obtenu == cas.attendu, (
        f"{cas.cle} {acces.methode} {url} pour {qui} : attendu {cas.attendu}, "
        f"obtenu {obtenu} ({_decrire(response)})" + (f" — {acces.note}" if acces.note else "")
    )


# --- Completeness of the table -------------------------------------------------------------------


def test_chaque_url_du_projet_est_declaree():
    hors_admin = {cle for cle, (_n, namespace, _r, _p) in MOTIFS.items() if not _est_admin(namespace)}
    manquantes = sorted(hors_admin - set(MATRICE) - set(EXCLUSIONS))
    perimees = sorted((set(MATRICE) | set(EXCLUSIONS)) - hors_admin)
    sans_nom = sorted(route for namespace, route in SANS_NOM if not _est_admin(namespace))
    assert not manquantes, "URL absentes de la matrice des permissions (tests/matrice_permissions.py) :\n" + "\n".join(
        f"  {cle} ({MOTIFS[cle][2]})" for cle in manquantes
    )
    assert not perimees, "Entrées de la matrice sans motif d'URL correspondant :\n" + "\n".join(perimees)
    assert not sans_nom, "Motifs d'URL sans nom (ils échappent à la matrice) :\n" + "\n".join(sans_nom)
    vides = sorted(cle for cle, acces in MATRICE.items() if not acces)
    assert not vides, "Entrées de la matrice sans méthode déclarée : " + ", ".join(vides)


def test_le_decompte_des_cas(capsys):
    """The number of URL × role pairs checked (printed with ``-s``)."""
    nb_admin = sum(1 for c in CAS if c.admin)
    nb_roles = len(ROLES_ET_ANONYME)
    nb_methodes = sum(len(acces) for cle, acces in MATRICE.items() if cle in MOTIFS)
    nb_motifs_admin = sum(1 for _n, namespace, _r, _p in MOTIFS.values() if _est_admin(namespace))
    assert (nb_methodes + nb_motifs_admin) * nb_roles == NB_CAS
    with capsys.disabled():
        print(
            f"\nMatrice des permissions : {NB_URLS} motifs d'URL nommés ({NB_URLS - nb_motifs_admin} de l'application, "
            f"{nb_motifs_admin} de l'admin Django), {len(Role)} rôles + anonyme, "
            f"{NB_CAS} paires URL × rôle vérifiées ({NB_CAS - nb_admin} hors admin, {nb_admin} admin)."
        )


# --- Object-level checks -------------------------------------------------------------------------


def nomme(response, nom):
    """Whether the page names ``nom`` (templates write family names in capitals)."""
    contenu = b"".join(response.streaming_content) if response.streaming else response.content
    return nom.lower() in contenu.decode(errors="replace").lower()


def _pages_du_participant(m):
    """Pages about the first référent's participant (its file, its pathway, its FSE data, its offers)."""
    p = m.participant.pk
    return [
        reverse("participants:detail", args=[p]),
        reverse("participants:modifier", args=[p]),
        reverse("participants:entretien", args=[p]),
        reverse("participants:etape", args=[p]),
        reverse("participants:situation", args=[p]),
        reverse("participants:diagnostic", args=[p]),
        reverse("participants:sortie", args=[p]),
        reverse("offres:pour_participant", args=[p]),
        reverse("offres:positionnement", args=[m.positionnement.pk]),
        reverse("fse:donnees_participant", args=[p]),
        reverse("formation:besoin_nouveau") + f"?participant={p}",
        reverse("formation:besoin", args=[m.besoin_formation.pk]),
        reverse("formation:besoin_modifier", args=[m.besoin_formation.pk]),
        reverse("formation:positionner", args=[m.besoin_formation.pk]),
        reverse("formation:positionnement", args=[m.positionnement_formation.pk]),
        reverse("entreprises:action_desinscrire", args=[m.action.pk, m.inscription.pk]),
    ]


def test_un_referent_n_atteint_pas_le_participant_d_un_autre(monde, db):
    autre = client_de(monde, "autre_referent")
    proprietaire = client_de(monde, Role.REFERENT)
    fuites = []
    for url in _pages_du_participant(monde):
        assert proprietaire.get(url).status_code == 200, f"{url} : le référent du participant doit l'ouvrir"
        for methode in ("GET", "POST"):
            response = requete(autre, methode, url)
            if response.status_code not in (403, 404) or nomme(response, NOM_PARTICIPANT):
                fuites.append(f"{methode} {url} : {_decrire(response)}")
    assert not fuites, "Un autre référent atteint le participant :\n" + "\n".join(fuites)


def test_les_listes_et_pages_partagees_taisent_le_participant_d_un_autre(monde, db):
    """Lists, the offer page and the action page: the other référent never reads the name."""
    autre = client_de(monde, "autre_referent")
    proprietaire = client_de(monde, Role.REFERENT)
    un_an_avant = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    urls = [
        reverse("participants:liste"),
        reverse("espace_referent"),
        reverse("offres:detail", args=[monde.offre.pk]),
        reverse("offres:suivi"),
        reverse("entreprises:action", args=[monde.action.pk]),
        reverse("formation:besoins"),
        reverse("fse:donnees_incompletes") + f"?du={un_an_avant}&au={timezone.localdate().isoformat()}",
    ]
    for url in urls:
        vu = proprietaire.get(url)
        assert vu.status_code == 200 and nomme(vu, NOM_PARTICIPANT), f"{url} : témoin absent"
        response = autre.get(url)
        assert response.status_code == 200, url
        assert not nomme(response, NOM_PARTICIPANT), f"{url} nomme le participant d'un autre référent"


def _textes_du_classeur(response):
    from openpyxl import load_workbook

    contenu = b"".join(response.streaming_content)
    classeur = load_workbook(io.BytesIO(contenu), read_only=True)
    return " ".join(
        str(v) for feuille in classeur.worksheets for ligne in feuille.iter_rows(values_only=True) for v in ligne if v
    )


def test_l_export_d_un_referent_ne_contient_que_son_portefeuille(monde, db):
    response = client_de(monde, "autre_referent").get(reverse("participants:export"))
    assert response.status_code == 200
    textes = _textes_du_classeur(response)
    assert NOM_AUTRE_PARTICIPANT.lower() in textes.lower()
    assert NOM_PARTICIPANT.lower() not in textes.lower()


def test_un_referent_ne_peut_inscrire_ni_positionner_le_participant_d_un_autre(monde, db):
    from entreprises.models import Inscription
    from offres.models import Positionnement

    autre = client_de(monde, "autre_referent")
    bis = monde.participant_bis.pk
    autre.post(reverse("entreprises:action_inscrire", args=[monde.action.pk]), {"participant": bis})
    assert not Inscription.objects.filter(action=monde.action, participant_id=bis).exists()
    response = autre.post(reverse("offres:positionner", args=[monde.offre.pk]), {"participants": [bis]})
    assert response.status_code in (302, 403, 404)
    assert not Positionnement.objects.filter(offre=monde.offre, participant_id=bis).exists()


def test_la_semaine_d_agenda_d_un_autre_salarie_reste_la_sienne(monde, db):
    from fse.models import LigneAgenda

    url = reverse("fse:semaine", kwargs={"jour": monde.lundi.isoformat()})
    assert MARQUEUR_AGENDA in client_de(monde, Role.REFERENT).get(url).content.decode()
    autre = client_de(monde, "autre_referent")
    response = autre.get(url)
    assert response.status_code == 200  # their own week of that date, empty
    assert MARQUEUR_AGENDA not in response.content.decode()
    # Deleting the other's line by guessing its id.
    response = autre.post(url, {"action": "supprimer", "ligne": monde.ligne_agenda.pk})
    assert response.status_code == 404
    assert LigneAgenda.objects.filter(pk=monde.ligne_agenda.pk).exists()
    # The other chargée de mission neither reads nor validates it.
    response = client_de(monde, "autre_charge").post(
        reverse("fse:a_valider"), {"semaine": monde.semaine_soumise.pk, "action": "valider"}
    )
    assert response.status_code == 403


def test_le_rapport_d_une_chargee_est_introuvable_pour_une_autre(monde, db):
    from reporting.models import RapportMensuel

    autre = client_de(monde, "autre_charge")
    pk = monde.rapport.pk
    for nom in ("reporting:rapport", "reporting:rapport_etat", "reporting:rapport_pdf"):
        response = autre.get(reverse(nom, args=[pk]))
        assert response.status_code == 404, nom
        assert MARQUEUR_RAPPORT not in response.content.decode()
    for nom in ("reporting:rapport_commentaire", "reporting:rapport_generer", "reporting:rapport_envoyer"):
        response = autre.post(reverse(nom, args=[pk]), {"commentaire": "Écrasé"})
        assert response.status_code == 404, nom
    assert RapportMensuel.objects.get(pk=pk).commentaire == MARQUEUR_RAPPORT
    liste = autre.get(reverse("reporting:rapports")).content.decode()
    assert reverse("reporting:rapport", args=[pk]) not in liste


def test_le_pack_csf_d_un_auditeur_est_introuvable_pour_un_autre(monde, db):
    autre = client_de(monde, "autre_auditeur")
    pk = monde.pack.pk
    assert client_de(monde, Role.AUDITEUR_FSE).get(reverse("fse:csf_telecharger", args=[pk])).status_code == 200
    for nom in ("fse:csf_etat", "fse:csf_telecharger"):
        assert autre.get(reverse(nom, args=[pk])).status_code == 404, nom
    for nom in ("fse:csf", "fse:csf_accueil"):
        page = autre.get(reverse(nom)).content.decode()
        assert reverse("fse:csf_telecharger", args=[pk]) not in page, nom


def test_l_auditeur_fse_ne_poste_rien_sur_le_materiel_fse(monde, db):
    """Read-only on FSE material: the only POSTs the matrix grants him are asking for a pack, his
    calendar token, his own account's second factor and logging out."""
    permis = sorted(
        {c.cle for c in CAS if c.role == Role.AUDITEUR_FSE and c.acces.methode == "POST" and c.attendu != INTERDIT}
    )
    assert permis == [
        "admin:logout",
        "deconnexion",
        "entreprises:calendrier_regenerer",
        "fse:csf",
        "securite_codes",
        "securite_confirmer",
    ]
