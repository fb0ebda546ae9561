"""Journeys: the chargé de mission feeds the qualification queue from sources without API — a
partner's workbook (new partner, columns guessed, three offers imported) and the page of one offer
read from its address (schema.org JobPosting, served here by a local HTTP server)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openpyxl import Workbook

from offres.enums import StatutOffre, TypeSource
from offres.models import LienSource, Offre, Source
from plie.roles import Role
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import naviguer

TITRES = ["Préparateur de commandes (H/F)", "Agent d'entretien (H/F)", "Manutentionnaire (H/F)"]


def _connexion(page, live_server, user):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Bonjour").wait_for()


@pytest.fixture
def classeur(tmp_path):
    classeur = Workbook()
    feuille = classeur.active
    feuille.append(["Poste", "Entreprise", "Ville", "Contrat", "Heures"])
    feuille.append([TITRES[0], "Logistique Dijonnaise", "Dijon", "Intérim", 35])
    feuille.append([TITRES[1], "Propreté Bourguignonne", "Chenôve", "CDD", 24])
    feuille.append([TITRES[2], "Transports Martin", "Longvic", "CDI", 35])
    chemin = tmp_path / "offres-interim-plus.xlsx"
    classeur.save(chemin)
    return chemin


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_charge_de_mission_imports_a_partner_workbook(live_server, page, make_user, classeur):
    charge = make_user(Role.CHARGE_MISSION)
    _connexion(page, live_server, charge)

    naviguer(page, "Offres", "Sources")
    page.get_by_role("heading", name="Sources d'offres").wait_for()
    page.get_by_role("link", name="Déposer un classeur partenaire").click()

    # Step 1: a partner who never sent a workbook, and the file.
    page.get_by_role("heading", name="Déposer un classeur partenaire").wait_for()
    page.get_by_label("Nom du nouveau partenaire").fill("Intérim Plus")
    page.get_by_label("Type du nouveau partenaire").select_option(label="Agence d'intérim")
    page.get_by_label("Classeur d'offres").set_input_files(classeur)
    page.get_by_role("button", name="Lire le fichier").click()

    # Step 2: the columns are guessed from the headers, with a preview of the rows.
    page.get_by_role("heading", name="Colonnes du classeur : offres-interim-plus.xlsx").wait_for()
    assert "Intérim Plus (nouveau partenaire, créé à l'import)" in page.inner_text("main")
    assert "3 lignes d'offres lues" in page.inner_text("main")
    attendues = {
        "Intitulé du poste": "Poste",
        "Employeur": "Entreprise",
        "Commune": "Ville",
        "Type de contrat": "Contrat",
        "Heures hebdomadaires": "Heures",
    }
    for champ, colonne in attendues.items():
        assert page.get_by_label(champ, exact=True).input_value() == colonne, champ
    assert page.get_by_label("Salaire", exact=True).input_value() == ""
    apercu = page.get_by_role("table", name="Premières lignes du classeur, telles qu'elles seront lues")
    assert apercu.get_by_role("row").count() == 4  # headers + 3 rows
    assert TITRES[1] in apercu.inner_text()
    assert page.get_by_text("Toutes les lignes sont lisibles.").is_visible()
    assert Source.objects.filter(libelle="Intérim Plus").count() == 0  # nothing written yet

    # Step 3: confirmed, the run's counts.
    page.get_by_role("button", name="Importer les offres").click()
    page.get_by_role("heading", name="Classeur importé : offres-interim-plus.xlsx").wait_for()
    compteurs = dict(
        zip(
            [t.strip() for t in page.locator("dl dt").all_inner_texts()],
            [d.strip() for d in page.locator("dl dd").all_inner_texts()],
            strict=True,
        )
    )
    assert compteurs["Lignes reçues"] == "3"
    assert compteurs["Nouvelles offres"] == "3"
    assert compteurs["Erreurs"] == "0"
    assert "Partenaire : Intérim Plus" in page.inner_text("main")

    # The offers wait in the qualification queue.
    page.get_by_role("link", name="Qualifier les offres collectées").click()
    page.get_by_text("Offre 1 sur 3").wait_for()
    assert sum(page.get_by_role("heading", name=t).count() for t in TITRES) == 1

    source = Source.objects.get(type=TypeSource.CLASSEUR_PARTENAIRE, libelle="Intérim Plus")
    assert source.parametres["origine"] == "interim"
    assert source.parametres["colonnes"]["intitule"] == "Poste"
    offres = Offre.objects.filter(statut=StatutOffre.COLLECTEE)
    assert sorted(offres.values_list("intitule", flat=True)) == sorted(TITRES)
    assert offres.get(intitule=TITRES[0]).commune.nom == "Dijon"


# --- "Importer depuis une URL" -------------------------------------------------------------------

TITRE_URL = "Vendeur en boulangerie (H/F)"
JOB_POSTING = {
    "@context": "https://schema.org",
    "@type": "JobPosting",
    "title": TITRE_URL,
    "datePosted": "2026-11-25",
    "employmentType": "FULL_TIME",
    "hiringOrganization": {"@type": "Organization", "name": "Boulangerie Martin & Fils"},
    "jobLocation": {
        "@type": "Place",
        "address": {"@type": "PostalAddress", "postalCode": "21000", "addressLocality": "Dijon"},
    },
    "description": "<p>Accueil et conseil de la clientèle, mise en rayon.</p>",
}
PAGE_OFFRE = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>{TITRE_URL} – Boulangerie Martin</title>
<script type="application/ld+json">{json.dumps(JOB_POSTING, ensure_ascii=False)}</script>
</head><body><h1>{TITRE_URL}</h1></body></html>"""


@pytest.fixture
def site():
    """A job board on 127.0.0.1: robots.txt allows everything, /offres/vendeur describes one offer."""
    routes = {
        "/robots.txt": ("User-agent: *\nAllow: /\n", "text/plain; charset=utf-8"),
        "/offres/vendeur": (PAGE_OFFRE, "text/html; charset=utf-8"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path not in routes:
                self.send_error(404)
                return
            corps, type_contenu = routes[self.path]
            donnees = corps.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", type_contenu)
            self.send_header("Content-Length", str(len(donnees)))
            self.end_headers()
            self.wfile.write(donnees)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    yield f"http://127.0.0.1:{serveur.server_address[1]}"
    serveur.shutdown()
    serveur.server_close()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_charge_de_mission_imports_an_offer_from_its_address(live_server, page, make_user, site):
    charge = make_user(Role.CHARGE_MISSION)
    _connexion(page, live_server, charge)
    url = f"{site}/offres/vendeur"

    naviguer(page, "Offres", "Sources")
    page.get_by_role("link", name="Importer depuis une URL").click()
    page.get_by_label("Adresse de l'offre").fill(url)
    page.get_by_role("button", name="Lire la page").click()

    page.get_by_text("Offre reconnue (schema.org JobPosting)").wait_for()
    assert page.get_by_role("heading", name="Importer une offre depuis une URL").is_visible()
    assert f"Pré-rempli depuis {url}" in page.inner_text("main")
    assert page.get_by_label("Intitulé").input_value() == TITRE_URL
    assert page.get_by_label("Employeur (tel qu'annoncé)").input_value() == "Boulangerie Martin & Fils"
    assert "Accueil et conseil de la clientèle" in page.get_by_label("Description").input_value()
    assert page.locator("#id_commune option:checked").inner_text() == "Dijon (21231)"

    # What the page did not say, she completes.
    page.get_by_label("Type de contrat").select_option(label="Contrat à durée indéterminée")
    page.get_by_label("Transmise par").select_option(label="Entreprise directement")
    page.get_by_role("button", name="Enregistrer l'offre").click()
    page.get_by_text(f"Offre « {TITRE_URL} » enregistrée : elle entre dans la file de qualification.").wait_for()

    page.goto(f"{live_server.url}/offres/qualification/?vue=liste")
    assert "1 offre collectée à qualifier" in page.inner_text("main")
    assert page.get_by_role("link", name=TITRE_URL).is_visible()

    offre = Offre.objects.get(intitule=TITRE_URL)
    assert offre.statut == StatutOffre.COLLECTEE
    assert LienSource.objects.filter(offre=offre, url=url).exists()
