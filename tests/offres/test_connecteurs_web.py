"""RSS/Atom feeds, career pages (schema.org JobPosting) and "Importer depuis une URL", against a
local HTTP server that serves the recorded files of ``donnees/web/`` (no internet)."""

import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from offres.enums import StatutExecution, StatutOffre, TypeSource
from offres.ingestion import web
from offres.ingestion.base import ErreurConfiguration
from offres.ingestion.flux import ConnecteurFlux, lire_flux
from offres.ingestion.run import ingerer
from offres.models import DonneeBrute, ExecutionIngestion, LienSource, Offre, Source
from plie.models import Commune, MetierRome, TypeContrat
from plie.roles import Role

DONNEES_WEB = Path(__file__).parent / "donnees" / "web"
MAINTENANT = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
HTML = "text/html; charset=utf-8"
ROUTES = {
    "/robots.txt": ("robots.txt", "text/plain; charset=utf-8"),
    "/flux/interim.rss": ("interim.rss", "application/rss+xml; charset=utf-8"),
    "/flux/structure.atom": ("structure.atom", "application/atom+xml"),
    "/flux/malforme.rss": ("malforme.rss", "application/rss+xml"),
    "/carrieres/offres.html": ("carrieres.html", HTML),
    "/carrieres/vendeur.html": ("offre-microdonnees.html", HTML),
    "/annonces/agent-proprete.html": ("sans-offre.html", HTML),
    "/prive/offre.html": ("carrieres.html", HTML),  # closed to robots by robots.txt
}


class FauxSite:
    """What the local server serves, and the log of what it was asked."""

    def __init__(self):
        self.adresse = ""
        self.journal = []  # (path, User-Agent) of every request, in order
        self.statuts = {"/refus": 403, "/trop-vite": 429, "/flux/trop-vite.rss": 429}
        self.redirections = {"/ancienne-offre": "/prive/offre.html"}

    def url(self, chemin):
        return self.adresse + chemin

    def chemins(self):
        return [chemin for chemin, _ in self.journal]


@pytest.fixture
def site():
    faux = FauxSite()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            chemin = urlsplit(self.path).path
            faux.journal.append((chemin, self.headers.get("User-Agent", "")))
            entetes = {}
            if chemin in faux.redirections:
                statut, corps, type_contenu = 301, b"", HTML
                entetes["Location"] = faux.redirections[chemin]
            elif chemin in faux.statuts:
                statut, corps, type_contenu = faux.statuts[chemin], b"<h1>Refus</h1>", HTML
            elif chemin in ROUTES:
                fichier, type_contenu = ROUTES[chemin]
                statut, corps = 200, (DONNEES_WEB / fichier).read_bytes()
            else:
                statut, corps, type_contenu = 404, b"<h1>Introuvable</h1>", HTML
            self.send_response(statut)
            for nom, valeur in entetes.items():
                self.send_header(nom, valeur)
            self.send_header("Content-Type", type_contenu)
            self.send_header("Content-Length", str(len(corps)))
            self.end_headers()
            self.wfile.write(corps)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serveur.daemon_threads = True
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    faux.adresse = f"http://127.0.0.1:{serveur.server_address[1]}"
    try:
        yield faux
    finally:
        serveur.shutdown()
        serveur.server_close()


def _source(site, type_source, *chemins, nom="source-web", **parametres):
    return Source.objects.create(
        nom=nom,
        libelle=f"Source de test {nom}",
        type=type_source,
        parametres={"urls": [site.url(chemin) for chemin in chemins], **parametres},
    )


def lancer(source, **kwargs):
    kwargs.setdefault("maintenant", MAINTENANT)
    kwargs.setdefault("dormir", lambda secondes: None)
    return ingerer(source, **kwargs)


def _offre(identifiant):
    return Offre.objects.select_related("commune", "type_contrat", "metier_rome").get(
        liens__identifiant_externe=identifiant
    )


def _insee(nom):
    return Commune.objects.get(nom=nom).insee


# --- Feeds ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_flux_rss_normalise(site):
    source = _source(site, TypeSource.FLUX, "/flux/interim.rss")
    connecteur = ConnecteurFlux(source, maintenant=MAINTENANT)
    items = lire_flux((DONNEES_WEB / "interim.rss").read_bytes(), site.url("/flux/interim.rss"))
    assert len(items) == 4
    assert items[0]["extensions"] == {"contrat": "CDI", "lieu": "Dijon", "codePostal": "21000"}
    cariste, preparateur, entretien, manutention = map(connecteur.normaliser, items)

    assert cariste.identifiant_externe == "IBE-2026-0412"
    assert cariste.intitule == "Cariste CACES 1-3-5 (H/F)"
    assert cariste.url == "https://www.interim-bourgogne-emploi.fr/offres/ibe-2026-0412"
    assert cariste.date_publication == date(2026, 11, 26)
    assert cariste.employeur == "Logistique Dijon Sud"  # "Entreprise : …" of the description
    assert (cariste.type_contrat_code, cariste.code_commune_insee) == ("CDI", _insee("Dijon"))
    assert "<" not in cariste.description
    assert "- Horaires en 2x8 (5 h – 13 h / 13 h – 21 h)" in cariste.description
    assert "12,50 € brut de l'heure" in cariste.description

    assert preparateur.identifiant_externe == "https://www.interim-bourgogne-emploi.fr/offres/ibe-2026-0419"
    assert preparateur.employeur == "Intérim Bourgogne Emploi"  # the name of the RSS author
    assert (preparateur.type_contrat_code, preparateur.code_commune_insee) == ("MIS", _insee("Longvic"))
    assert preparateur.description == (
        "Préparation de commandes en froid positif, port de charges.\n\nDébutants acceptés, formation assurée."
    )

    assert (entretien.type_contrat_code, entretien.nature_contrat_code) == ("", "E2")  # apprentissage
    assert entretien.code_commune_insee == _insee("Chenôve")  # "Lieu : Chenôve"
    assert entretien.employeur == "Agence de Dijon"  # dc:creator

    assert (manutention.type_contrat_code, manutention.code_commune_insee) == ("CDD", "")
    assert manutention.lieu_travail == "Beaune"  # outside the territory: kept as announced
    assert manutention.employeur == ""  # an e-mail address alone names no employer


@pytest.mark.django_db
def test_flux_atom_normalise(site):
    source = _source(site, TypeSource.FLUX, "/flux/structure.atom")
    connecteur = ConnecteurFlux(source, maintenant=MAINTENANT)
    items = lire_flux((DONNEES_WEB / "structure.atom").read_bytes(), site.url("/flux/structure.atom"))
    espaces_verts, restauration = map(connecteur.normaliser, items)

    assert espaces_verts.identifiant_externe == "urn:uuid:7d1c9a52-0f3e-4b8e-a1c2-espaces-verts-quetigny"
    assert espaces_verts.url == "https://www.bourgogne-insertion.fr/offres/espaces-verts-quetigny"  # rel alternate
    assert espaces_verts.date_publication == date(2026, 11, 25)  # published, not updated
    assert espaces_verts.employeur == "Bourgogne Insertion"
    assert espaces_verts.code_commune_insee == _insee("Quetigny")  # category
    assert espaces_verts.type_contrat_code == "CDD"  # "Contrat : CDD d'insertion…"
    assert espaces_verts.description.startswith("Contrat : CDD d'insertion de 6 mois")

    assert restauration.code_commune_insee == _insee("Saint-Apollinaire")  # "St Apollinaire"
    assert restauration.employeur == "Restaurant Le Gourmet"
    assert restauration.date_publication == date(2026, 11, 27)  # only updated
    assert restauration.description == "Service en salle et plonge.\n\nEntreprise : Restaurant Le Gourmet"


@pytest.mark.django_db
def test_ingestion_des_flux_cree_les_offres_une_seule_fois(site):
    source = _source(site, TypeSource.FLUX, "/flux/interim.rss", "/flux/structure.atom")
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE, execution.detail_erreurs
    assert (execution.recus, execution.nouvelles, execution.erreurs) == (6, 6, 0)
    assert execution.parametres["urls"] == [site.url("/flux/interim.rss"), site.url("/flux/structure.atom")]
    assert Offre.objects.filter(statut=StatutOffre.COLLECTEE).count() == 6
    assert DonneeBrute.objects.get(identifiant_externe="IBE-2026-0412").contenu["extensions"]["contrat"] == "CDI"

    cariste = _offre("IBE-2026-0412")
    assert (cariste.type_contrat.code, cariste.commune.nom, cariste.lieu_travail) == ("CDI", "Dijon", "")
    assert _offre("IBE-2026-0398").type_contrat.code == "APPRENTISSAGE"
    assert _offre("https://www.interim-bourgogne-emploi.fr/offres/ibe-2026-0419").type_contrat.code == "INTERIM"
    manutention = _offre("IBE-2026-0301")
    assert (manutention.commune, manutention.lieu_travail) == (None, "Beaune")
    assert LienSource.objects.get(identifiant_externe="IBE-2026-0412").url.endswith("/offres/ibe-2026-0412")

    # Read again in full: nothing new, nothing changed; incrementally: nothing newer to read.
    complet = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=1))
    assert (complet.statut, complet.recus, complet.nouvelles, complet.mises_a_jour) == (
        StatutExecution.REUSSIE,
        6,
        0,
        0,
    )
    suivante = lancer(source, maintenant=MAINTENANT + timedelta(hours=2))
    assert (suivante.statut, suivante.recus, suivante.nouvelles) == (StatutExecution.REUSSIE, 0, 0)
    assert Offre.objects.count() == 6


@pytest.mark.django_db
def test_les_elements_anterieurs_a_la_derniere_execution_sont_ignores(site):
    source = _source(site, TypeSource.FLUX, "/flux/interim.rss")
    ExecutionIngestion.objects.create(
        source=source, debut=datetime(2026, 11, 25, 0, 0, tzinfo=UTC), statut=StatutExecution.REUSSIE
    )
    execution = lancer(source)
    assert (execution.recus, execution.nouvelles) == (2, 2)
    assert set(Offre.objects.values_list("intitule", flat=True)) == {
        "Cariste CACES 1-3-5 (H/F)",
        "Préparateur de commandes - mission d'intérim 3 mois (H/F)",
    }


@pytest.mark.django_db
def test_un_flux_malforme_rend_l_execution_partielle(site):
    source = _source(site, TypeSource.FLUX, "/flux/malforme.rss", "/flux/interim.rss")
    execution = lancer(source)
    assert execution.statut == StatutExecution.PARTIELLE
    assert execution.nouvelles == 4
    assert execution.erreurs == 1
    assert execution.detail_erreurs[0].startswith(f"Flux {site.url('/flux/malforme.rss')} illisible (XML mal formé")


@pytest.mark.django_db
def test_aucun_flux_lisible_fait_echouer_l_execution(site):
    source = _source(site, TypeSource.FLUX, "/flux/malforme.rss", "/flux/absent.rss")
    execution = lancer(source)
    assert execution.statut == StatutExecution.ECHOUEE
    assert execution.erreur_reseau is False
    assert execution.detail_erreurs[1] == f"{site.url('/flux/absent.rss')} : page introuvable (404)."
    assert execution.detail_erreurs[-1] == "Aucun des 2 flux de la source « source-web » n'a pu être lu."
    assert not Offre.objects.exists()


@pytest.mark.django_db
def test_mots_cles_du_flux(site):
    source = _source(
        site, TypeSource.FLUX, "/flux/interim.rss", "/flux/structure.atom", mots_cles=["Cariste", "espaces verts"]
    )
    lancer(source)
    assert set(Offre.objects.values_list("intitule", flat=True)) == {
        "Cariste CACES 1-3-5 (H/F)",
        "Agent(e) d'espaces verts en chantier d'insertion",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("type_source", [TypeSource.FLUX, TypeSource.PAGE])
def test_source_sans_adresse_refusee_avant_toute_execution(type_source):
    source = Source.objects.create(nom="sans-adresse", libelle="Sans adresse", type=type_source, parametres={})
    with pytest.raises(ErreurConfiguration, match="n'a pas d'adresse à lire : renseignez « urls »"):
        lancer(source)
    source.parametres = {"urls": ["ftp://exemple.fr/flux.xml"]}
    with pytest.raises(ErreurConfiguration, match="adresses illisibles : ftp://exemple.fr/flux.xml"):
        lancer(source)
    assert not ExecutionIngestion.objects.exists()


# --- Career pages --------------------------------------------------------------------------------


def test_offres_jobposting_json_ld_graph_tableau_et_bloc_mal_forme():
    page = "https://www.transports-bourguignons.fr/carrieres/"
    offres = web.offres_jobposting((DONNEES_WEB / "carrieres.html").read_text(encoding="utf-8"), page)
    assert [offre["title"] for offre in offres] == [
        "Conducteur poids lourd (H/F) – CDI",
        "Agent de quai (H/F)",
        "Mécanicien poids lourd (H/F)",
    ]
    assert offres[0]["hiringOrganization"]["name"] == "Transports Bourguignons SAS"  # @id resolved in @graph
    assert offres[1]["url"] == "https://www.transports-bourguignons.fr/carrieres/agent-de-quai"


def test_offres_jobposting_microdonnees():
    (offre,) = web.offres_jobposting(
        (DONNEES_WEB / "offre-microdonnees.html").read_text(encoding="utf-8"), "https://www.boulangerie-martin.fr/"
    )
    assert offre["@type"] == "JobPosting"
    assert offre["title"] == "Vendeur / vendeuse en boulangerie (H/F)"
    assert offre["datePosted"] == "2026-11-25"
    assert offre["hiringOrganization"] == {
        "@type": "Organization",
        "name": "Boulangerie Martin & Fils",
        "sameAs": "https://www.boulangerie-martin.fr/",
    }
    assert offre["jobLocation"]["address"]["postalCode"] == "21240"
    assert offre["jobLocation"]["address"]["addressLocality"] == "Talant"
    assert offre["description"].startswith("Accueil et conseil de la clientèle")


def test_meta_page_sans_jobposting():
    texte = (DONNEES_WEB / "sans-offre.html").read_text(encoding="utf-8")
    assert web.offres_jobposting(texte, "https://annonces.exemple.fr/") == []
    assert web.meta_page(texte) == {
        "titre": "Agent de propreté H/F à Dijon",
        "description": "Société de nettoyage recherche un agent de propreté pour l'entretien de bureaux, "
        "6 h – 9 h du lundi au vendredi.",
    }


@pytest.mark.django_db
def test_ingestion_des_pages_json_ld_et_microdonnees(site):
    source = _source(site, TypeSource.PAGE, "/carrieres/offres.html", "/carrieres/vendeur.html")
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE, execution.detail_erreurs
    assert (execution.recus, execution.nouvelles) == (4, 4)
    hote = urlsplit(site.adresse).netloc

    conducteur = _offre(f"{hote}:TB-PL-07")
    assert conducteur.intitule == "Conducteur poids lourd (H/F) – CDI"
    assert (conducteur.type_contrat.code, conducteur.commune.nom) == ("CDI", "Longvic")
    assert conducteur.employeur == "Transports Bourguignons SAS"
    assert conducteur.metier_rome.code == "N4101"
    assert conducteur.nb_postes == 2
    assert conducteur.salaire == "2 100 à 2 400 € par mois"
    assert conducteur.horaires == "Du lundi au vendredi, départs à 5 h"
    assert conducteur.date_publication == date(2026, 11, 23)
    assert "- Permis C et FIMO à jour" in conducteur.description
    assert "Mutuelle & tickets restaurant." in conducteur.description
    assert conducteur.liens.get().url == site.url("/carrieres/offres.html")

    quai = _offre(f"{hote}:TB-QUAI-12")
    assert (quai.type_contrat.code, quai.commune.nom, quai.salaire) == ("CDD", "Dijon", "11,88 € de l'heure")
    assert quai.liens.get().url == site.url("/carrieres/agent-de-quai")
    assert quai.date_publication == date(2026, 11, 26)

    mecanicien = Offre.objects.get(intitule="Mécanicien poids lourd (H/F)")
    assert mecanicien.liens.get().identifiant_externe.startswith("sha1:")
    assert (mecanicien.type_contrat.code, mecanicien.commune.nom) == ("CDI", "Chenôve")

    vendeur = _offre(f"{hote}:BM-2026-03")
    assert (vendeur.type_contrat.code, vendeur.commune.nom) == ("CDD", "Talant")
    assert vendeur.employeur == "Boulangerie Martin & Fils"
    assert vendeur.metier_rome.code == "D1106"
    assert vendeur.horaires == "6 h 30 – 13 h 30, du mardi au samedi"
    assert vendeur.salaire == "SMIC horaire"

    assert site.chemins().count("/robots.txt") == 1  # read once for the site, for the whole run
    assert lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=1)).nouvelles == 0
    assert Offre.objects.count() == 4


@pytest.mark.django_db
def test_date_limite_de_l_offre_gardee_dans_les_extras():
    brouillon = web.brouillon_depuis_jobposting(
        {"title": "Serveur (H/F)", "validThrough": "2026-12-31T23:59:00+01:00", "employmentType": "PART_TIME"},
        "https://www.exemple.fr/offre",
        aujourd_hui=date(2026, 11, 28),
    )
    assert brouillon.extras["date_limite"] == "2026-12-31"
    assert brouillon.date_publication == date(2026, 11, 28)  # no datePosted: the day it was read
    assert brouillon.identifiant_externe == brouillon.url == "https://www.exemple.fr/offre"
    assert brouillon.type_contrat_code == ""  # a working time is not a contract


@pytest.mark.django_db
def test_page_sans_jobposting_n_est_pas_fatale(site):
    source = _source(site, TypeSource.PAGE, "/annonces/agent-proprete.html", "/carrieres/vendeur.html")
    execution = lancer(source)
    assert execution.statut == StatutExecution.PARTIELLE
    assert execution.nouvelles == 1
    assert execution.detail_erreurs == [
        f"Aucune offre au format schema.org JobPosting sur {site.url('/annonces/agent-proprete.html')}."
    ]


# --- Politeness: robots.txt, 403 and 429, user agent, limits -------------------------------------


@pytest.mark.django_db
def test_robots_txt_interdit_la_page(site):
    with pytest.raises(web.RefusRobots) as refus:
        web.telecharger(site.url("/prive/offre.html"))
    assert str(refus.value) == (
        f"{site.url('/prive/offre.html')} n'a pas été lue : le fichier robots.txt de {site.adresse} "
        "en interdit la lecture aux robots."
    )
    # A redirection towards a closed page is refused too.
    with pytest.raises(web.RefusRobots):
        web.telecharger(site.url("/ancienne-offre"))
    assert "/prive/offre.html" not in site.chemins()

    source = _source(site, TypeSource.PAGE, "/prive/offre.html", "/carrieres/vendeur.html")
    execution = lancer(source)
    assert execution.statut == StatutExecution.PARTIELLE
    assert "en interdit la lecture aux robots" in execution.detail_erreurs[0]
    assert execution.nouvelles == 1
    assert "/prive/offre.html" not in site.chemins()


@pytest.mark.django_db
def test_robots_txt_absent_autorise_tout_protege_interdit_tout(site):
    site.statuts["/robots.txt"] = 404
    assert web.offres_jobposting(web.telecharger(site.url("/prive/offre.html")).texte(), site.adresse)
    site.statuts["/robots.txt"] = 403
    with pytest.raises(web.RefusRobots):
        web.telecharger(site.url("/carrieres/offres.html"))
    assert "/carrieres/offres.html" not in site.chemins()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chemin", "message"),
    [
        ("/refus", "accès refusé par le site (403). La lecture s'arrête là, sans nouvel essai."),
        (
            "/trop-vite",
            "le site demande de ralentir (429 Trop de requêtes). La lecture s'arrête là, sans nouvel essai.",
        ),
    ],
)
def test_403_et_429_arretent_la_lecture_sans_nouvel_essai(site, chemin, message):
    with pytest.raises(web.AccesRefuse) as refus:
        web.telecharger(site.url(chemin))
    assert str(refus.value) == f"{site.url(chemin)} : {message}"
    assert site.chemins().count(chemin) == 1


@pytest.mark.django_db
def test_apres_un_429_les_autres_adresses_du_site_ne_sont_pas_demandees(site):
    source = _source(site, TypeSource.FLUX, "/flux/trop-vite.rss", "/flux/interim.rss")
    execution = lancer(source)
    assert execution.statut == StatutExecution.ECHOUEE
    assert "(429 Trop de requêtes)" in execution.detail_erreurs[0]
    assert execution.detail_erreurs[1].startswith(f"{site.url('/flux/interim.rss')} non lue")
    assert site.chemins() == ["/robots.txt", "/flux/trop-vite.rss"]
    assert not Offre.objects.exists()


@pytest.mark.django_db
def test_agent_utilisateur_honnete_avec_adresse_de_contact(site, settings):
    lancer(_source(site, TypeSource.PAGE, "/carrieres/offres.html"))
    assert site.journal
    for _chemin, agent in site.journal:
        assert agent == settings.PLIE_COLLECTE_USER_AGENT
        assert settings.PLIE_COLLECTE_CONTACT in agent
        assert agent.startswith("PLIE-backoffice/")


@pytest.mark.django_db
def test_taille_maximale_et_adresses_refusees(site, settings):
    settings.PLIE_COLLECTE_TAILLE_MAX = 500
    with pytest.raises(web.ErreurTelechargement, match="document trop volumineux"):
        web.telecharger(site.url("/carrieres/offres.html"))
    for url in ["file:///etc/passwd", "ftp://exemple.fr/offre", "javascript:alert(1)"]:
        with pytest.raises(web.ErreurTelechargement, match="seules les adresses http:// ou https:// sont lues"):
            web.telecharger(url)
    with pytest.raises(web.ErreurTelechargement, match="adresse réseau interne 169.254.169.254"):
        web.telecharger("http://169.254.169.254/latest/meta-data/")


# --- "Importer depuis une URL" -------------------------------------------------------------------


@pytest.fixture
def charge(client, make_user):
    user = make_user(Role.CHARGE_MISSION)
    client.force_login(user)
    return user


def _importer(client, url):
    return client.post(reverse("offres:importer_url"), {"url": url})


def _messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_import_reserve_a_la_charge_de_mission(client_as, site, role):
    client = client_as(role)
    assert client.get(reverse("offres:importer_url")).status_code == 403
    assert _importer(client, site.url("/carrieres/vendeur.html")).status_code == 403
    assert site.journal == []


@pytest.mark.django_db
def test_import_anonyme_renvoye_a_la_connexion(client):
    for response in (client.get(reverse("offres:importer_url")), _importer(client, "https://exemple.fr/offre")):
        assert response.status_code == 302
        assert response.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_import_formulaire_et_bouton_dans_la_liste(client, charge):
    page = client.get(reverse("offres:importer_url"))
    assert page.status_code == 200
    assert 'name="url"' in page.content.decode()
    assert reverse("offres:importer_url") in client.get(reverse("offres:liste")).content.decode()
    assert (
        "Seules les adresses http:// ou https:// sont acceptées."
        in _importer(client, "ftp://exemple.fr/o").content.decode()
    )
    assert "Saisissez une adresse web complète" in _importer(client, "pas une adresse").content.decode()


@pytest.mark.django_db
def test_import_d_une_page_jobposting_pre_remplit_la_saisie(client, charge, site):
    url = site.url("/carrieres/vendeur.html")
    response = _importer(client, url)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "offres/saisie.html"
    initial = response.context["form"].initial
    assert initial["url_origine"] == url
    assert initial["intitule"] == "Vendeur / vendeuse en boulangerie (H/F)"
    assert initial["employeur"] == "Boulangerie Martin & Fils"
    assert initial["commune"] == Commune.objects.get(nom="Talant").pk
    assert initial["type_contrat"] == TypeContrat.objects.get(code="CDD").pk
    assert initial["metier_rome"] == MetierRome.objects.get(code="D1106").pk
    assert initial["horaires"] == "6 h 30 – 13 h 30, du mardi au samedi"
    assert initial["date_publication"] == date(2026, 11, 25)
    assert initial["description"].startswith("Accueil et conseil de la clientèle")
    assert _messages(response) == [
        "Offre reconnue (schema.org JobPosting) : vérifiez le formulaire pré-rempli et complétez-le."
    ]
    html = response.content.decode()
    assert f'<input type="hidden" name="url_origine" value="{url}"' in html
    assert f'action="{reverse("offres:nouvelle")}"' in html
    assert "Pré-rempli depuis" in html
    assert not Offre.objects.exists()


@pytest.mark.django_db
def test_import_d_une_page_a_plusieurs_offres_reprend_la_premiere(client, charge, site):
    response = _importer(client, site.url("/carrieres/offres.html"))
    initial = response.context["form"].initial
    assert initial["intitule"] == "Conducteur poids lourd (H/F) – CDI"
    assert initial["commune"] == Commune.objects.get(nom="Longvic").pk
    assert initial["salaire"] == "2 100 à 2 400 € par mois"
    assert initial["date_expiration"] == date(2026, 12, 31)
    assert "La page décrit 3 offres : une seule a été reprise." in _messages(response)[0]


@pytest.mark.django_db
def test_import_d_une_page_sans_jobposting_pre_remplit_le_titre(client, charge, site):
    response = _importer(client, site.url("/annonces/agent-proprete.html"))
    initial = response.context["form"].initial
    assert initial["intitule"] == "Agent de propreté H/F à Dijon"
    assert initial["description"].startswith("Société de nettoyage recherche un agent de propreté")
    assert "commune" not in initial and "type_contrat" not in initial
    assert _messages(response) == [
        "Pas de données structurées : seuls le titre et la description ont été pré-remplis, complétez le reste."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("chemin", "erreur"),
    [
        ("/prive/offre.html", "en interdit la lecture aux robots"),
        ("/trop-vite", "le site demande de ralentir (429 Trop de requêtes)"),
        ("/refus", "accès refusé par le site (403)"),
    ],
)
def test_import_refuse_par_le_site_n_ecrit_rien(client, charge, site, chemin, erreur):
    response = _importer(client, site.url(chemin))
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "offres/importer_url.html"
    assert erreur in response.content.decode()
    assert not Offre.objects.exists() and not LienSource.objects.exists()
    assert "/prive/offre.html" not in site.chemins()


@pytest.mark.django_db
def test_import_complet_puis_deja_importee(client, charge, site):
    url = site.url("/carrieres/vendeur.html")
    initial = _importer(client, url).context["form"].initial
    donnees = {cle: valeur.isoformat() if isinstance(valeur, date) else valeur for cle, valeur in initial.items()}
    donnees["origine_partenaire"] = "entreprise"
    response = client.post(reverse("offres:nouvelle"), donnees)
    offre = Offre.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("offres:qualifier", args=[offre.pk])
    assert offre.statut == StatutOffre.COLLECTEE and offre.cree_par == charge
    assert (offre.commune.nom, offre.type_contrat.code, offre.employeur) == (
        "Talant",
        "CDD",
        "Boulangerie Martin & Fils",
    )
    lien = offre.liens.get()
    assert (lien.source.nom, lien.identifiant_externe, lien.url) == ("saisie", f"saisie-{offre.pk}", url)

    lus = len(site.journal)
    again = _importer(client, url + "#postuler")
    html = again.content.decode()
    assert "Cette offre a déjà été importée" in html
    assert reverse("offres:qualifier", args=[offre.pk]) in html
    assert len(site.journal) == lus  # the page is not read again
    # The pre-filled form submitted twice does not make a second offer.
    second = client.post(reverse("offres:nouvelle"), donnees)
    assert "Cette offre a déjà été importée depuis cette adresse." in second.content.decode()
    assert Offre.objects.count() == 1


@pytest.mark.django_db
def test_saisie_manuelle_sans_url_inchangee(client, charge):
    page = client.get(reverse("offres:nouvelle")).content.decode()
    assert "Saisir une offre transmise par un partenaire" in page
    assert "Pré-rempli depuis" not in page
