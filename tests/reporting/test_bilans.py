"""The mid-term and final bilans: the outline, the cleaned sections, the budget, the pages and
the PDF (one document with its table of contents, the figures of the period and the EU mention)."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from entreprises.factories import InteractionFactory
from participants.factories import ParticipantFactory
from plie.models import JournalAcces
from plie.roles import Role
from reporting import bilans, services_bilans
from reporting.models import Bilan, SectionBilan
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)

D = datetime.date


@pytest.fixture
def coordinatrice(make_user):
    return make_user(Role.COORDINATRICE, first_name="Claire", last_name="Coordination")


@pytest.fixture
def bilan(db, coordinatrice):
    return services_bilans.bilan_creer(
        type=Bilan.Type.FINAL, operation="PLIE Dijon 2026", debut=NOVEMBRE.debut, fin=NOVEMBRE.fin, par=coordinatrice
    )


def _texte_pdf(contenu):
    lecteur = PdfReader(io.BytesIO(contenu))
    pages = [" ".join(page.extract_text().split()) for page in lecteur.pages]
    return lecteur, pages


# --- The outline ---------------------------------------------------------------------------------


def test_creating_a_bilan_creates_the_sections_of_the_outline_in_order(bilan):
    sections = list(bilan.sections.order_by("ordre"))
    assert [s.code for s in sections] == [r.code for r in bilans.PLAN]
    assert [s.titre for s in sections] == [r.titre for r in bilans.PLAN]
    assert [s.ordre for s in sections] == list(range(1, 9))
    assert sections[0].titre == "1. Présentation de l'opération et du contexte"
    assert sections[6].titre == "7. Respect des principes horizontaux"
    assert all(s.contenu == "" for s in sections)


def test_a_second_bilan_of_the_same_type_and_period_is_refused_in_french(bilan, coordinatrice):
    with pytest.raises(ValidationError) as erreur:
        services_bilans.bilan_creer(
            type=Bilan.Type.FINAL,
            operation="Autre opération",
            debut=NOVEMBRE.debut,
            fin=NOVEMBRE.fin,
            par=coordinatrice,
        )
    assert "Un bilan final existe déjà pour la période du 01/11/2026 au 30/11/2026." in erreur.value.messages
    assert Bilan.objects.count() == 1


def test_a_reversed_period_is_refused(coordinatrice):
    with pytest.raises(ValidationError) as erreur:
        services_bilans.bilan_creer(
            type=Bilan.Type.MI_PARCOURS, operation="PLIE", debut=D(2026, 6, 30), fin=D(2026, 1, 1), par=coordinatrice
        )
    assert erreur.value.message_dict == {"fin": ["La fin de la période ne peut pas précéder son début."]}


def test_the_bilans_of_an_operation_start_where_it_starts_and_the_final_one_goes_further(coordinatrice):
    services_bilans.bilan_creer(
        type=Bilan.Type.MI_PARCOURS, operation="PLIE 2026", debut=D(2026, 1, 1), fin=D(2026, 6, 30), par=coordinatrice
    )
    with pytest.raises(ValidationError) as erreur:
        services_bilans.bilan_creer(
            type=Bilan.Type.FINAL, operation="plie 2026", debut=D(2026, 3, 1), fin=D(2026, 12, 31), par=coordinatrice
        )
    assert "commence le 01/01/2026" in erreur.value.message_dict["debut"][0]
    with pytest.raises(ValidationError) as erreur:
        services_bilans.bilan_creer(
            type=Bilan.Type.FINAL, operation="PLIE 2026", debut=D(2026, 1, 1), fin=D(2026, 5, 31), par=coordinatrice
        )
    assert "doit aller au-delà du bilan à mi-parcours" in erreur.value.message_dict["fin"][0]
    with pytest.raises(ValidationError) as erreur:
        services_bilans.bilan_creer(
            type=Bilan.Type.MI_PARCOURS,
            operation="PLIE 2026",
            debut=D(2026, 1, 1),
            fin=D(2026, 9, 30),
            par=coordinatrice,
        )
    assert "a déjà un bilan à mi-parcours" in erreur.value.message_dict["operation"][0]
    final = services_bilans.bilan_creer(
        type=Bilan.Type.FINAL, operation="PLIE 2026", debut=D(2026, 1, 1), fin=D(2026, 12, 31), par=coordinatrice
    )
    assert final.sections.count() == len(bilans.PLAN)


# --- The sections' HTML --------------------------------------------------------------------------


def test_a_section_keeps_the_allowed_tags_only(bilan, coordinatrice):
    section = bilan.sections.get(code="public")
    services_bilans.section_enregistrer(
        section=section,
        contenu=(
            '<h3>Profil</h3><p onclick="voler()">Public <strong>jeune</strong> et <em>peu qualifié</em>'
            "<script>alert('x')</script></p>"
            "<ul><li>QPV</li></ul><ol><li>un</li></ol><blockquote>Citation</blockquote><h4>Détail</h4>"
            '<p><a href="javascript:alert(1)">piège</a> <a href="https://www.dijon.fr/plie" target="_blank">site</a>'
            ' <a href="mailto:plie@dijon.fr">écrire</a></p>'
            '<img src="x" onerror="voler()"><div style="color:red">bloc</div><iframe src="https://x.fr"></iframe>'
        ),
        par=coordinatrice,
    )
    section.refresh_from_db()
    html = section.contenu
    assert "<script" not in html and "alert('x')" not in html
    assert "onclick" not in html and "onerror" not in html and "style=" not in html
    assert "javascript:" not in html and "<img" not in html and "<iframe" not in html and "target=" not in html
    assert "<h3>Profil</h3>" in html and "<h4>Détail</h4>" in html
    assert "<p>Public <strong>jeune</strong> et <em>peu qualifié</em></p>" in html
    assert "<ul><li>QPV</li></ul><ol><li>un</li></ol><blockquote>Citation</blockquote>" in html
    assert '<a href="https://www.dijon.fr/plie" rel="noopener">site</a>' in html
    assert '<a href="mailto:plie@dijon.fr" rel="noopener">écrire</a>' in html
    assert '<a rel="noopener">piège</a>' in html  # the link is gone, its text stays
    assert "bloc" in html
    assert section.modifie_par == coordinatrice


def test_plain_text_becomes_escaped_paragraphs(bilan, coordinatrice):
    section = bilan.sections.get(code="perspectives")
    services_bilans.section_enregistrer(
        section=section, contenu="Première idée.\nSuite.\n\nDeuxième paragraphe & fin.", par=coordinatrice
    )
    assert section.contenu == "<p>Première idée.<br>Suite.</p>\n\n<p>Deuxième paragraphe &amp; fin.</p>"


def test_the_text_is_cleaned_again_when_printed(bilan):
    SectionBilan.objects.filter(bilan=bilan, code="public").update(contenu="<p>ok</p><script>alert(1)</script>")
    affichees = bilans.sections_affichees(bilan.sections.order_by("ordre"))
    assert affichees[1].html == "<p>ok</p>"


# --- The budget ---------------------------------------------------------------------------------


def test_the_budget_gap_is_computed_in_euros_and_percent(bilan):
    services_bilans.budget_enregistrer(
        bilan=bilan, budget_prevu=Decimal("120000"), budget_realise=Decimal("102000.50"), commentaire_budget=" Écart. "
    )
    bilan.refresh_from_db()
    situation = bilans.situation_budget(bilan)
    assert situation.ecart == Decimal("-17999.50")
    assert situation.ecart_pourcentage == Decimal("-15.0")
    assert situation.taux_realisation == Decimal("85.0")
    assert bilan.commentaire_budget == "Écart."


def test_an_overspend_is_a_positive_gap_and_a_missing_amount_gives_no_gap(bilan):
    assert bilans.SituationBudget(Decimal(1000), Decimal(1100), "").ecart_pourcentage == Decimal("10.0")
    assert bilans.SituationBudget(None, Decimal(1100), "").ecart is None
    assert bilans.SituationBudget(Decimal(0), Decimal(10), "").ecart_pourcentage is None


def test_a_negative_amount_is_refused(bilan):
    with pytest.raises(ValidationError) as erreur:
        services_bilans.budget_enregistrer(bilan=bilan, budget_prevu=Decimal(-1), budget_realise=None)
    assert erreur.value.message_dict == {"budget_prevu": ["Le montant ne peut pas être négatif."]}


# --- Permissions -----------------------------------------------------------------------------------


def _urls(bilan):
    return [
        reverse("reporting:bilans"),
        reverse("reporting:bilan_nouveau"),
        reverse("reporting:bilan", args=[bilan.pk]),
        reverse("reporting:bilan_section", args=[bilan.pk, "public"]),
        reverse("reporting:bilan_budget", args=[bilan.pk]),
        reverse("reporting:bilan_pdf", args=[bilan.pk]),
    ]


@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_only_the_coordinatrice_opens_the_bilans(bilan, client_as, role):
    client = client_as(role)
    for url in _urls(bilan):
        assert client.get(url).status_code == 403, url
    reponse = client.post(reverse("reporting:bilan_section", args=[bilan.pk, "public"]), {"contenu": "<p>x</p>"})
    assert reponse.status_code == 403
    assert not bilan.sections.exclude(contenu="").exists()
    assert not JournalAcces.objects.exists()


def test_anonymous_visitors_go_to_the_login_page(bilan, client):
    for url in _urls(bilan):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reverse("connexion") in reponse["Location"], url


def test_the_coordinatrice_opens_every_page_and_finds_the_bilans_in_the_navigation(bilan, client, coordinatrice):
    client.force_login(coordinatrice)
    for url in _urls(bilan)[:-1]:
        assert client.get(url).status_code == 200, url
    assert f'href="{reverse("reporting:bilans")}"' in client.get(reverse("reporting:bilans")).content.decode()


# --- Pages ------------------------------------------------------------------------------------------


def test_the_list_shows_an_empty_state_then_the_bilans(db, client, coordinatrice):
    client.force_login(coordinatrice)
    html = client.get(reverse("reporting:bilans")).content.decode()
    assert "Aucun bilan pour l'instant" in html and "Nouveau bilan" in html
    services_bilans.bilan_creer(
        type=Bilan.Type.MI_PARCOURS, operation="PLIE 2026", debut=D(2026, 1, 1), fin=D(2026, 6, 30), par=coordinatrice
    )
    html = client.get(reverse("reporting:bilans")).content.decode()
    assert "Bilan à mi-parcours" in html and "du 01/01/2026 au 30/06/2026" in html


def test_creating_a_bilan_from_the_form(db, client, coordinatrice):
    client.force_login(coordinatrice)
    donnees = {"type": "mi_parcours", "operation": "PLIE 2026", "debut": "2026-01-01", "fin": "2026-06-30"}
    reponse = client.post(reverse("reporting:bilan_nouveau"), donnees)
    bilan = Bilan.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == reverse("reporting:bilan", args=[bilan.pk])
    assert bilan.cree_par == coordinatrice and bilan.sections.count() == 8
    reponse = client.post(reverse("reporting:bilan_nouveau"), donnees)
    assert reponse.status_code == 200
    assert "existe déjà pour la période du 01/01/2026 au 30/06/2026" in reponse.content.decode()
    reponse = client.post(reverse("reporting:bilan_nouveau"), {**donnees, "type": "final", "fin": "2025-12-31"})
    assert "La fin de la période ne peut pas précéder son début." in reponse.content.decode()
    assert Bilan.objects.count() == 1


def test_editing_a_section_and_the_budget_from_the_pages(bilan, client, coordinatrice):
    client.force_login(coordinatrice)
    url = reverse("reporting:bilan_section", args=[bilan.pk, "difficultes"])
    html = client.get(url).content.decode()
    assert "reporting/editeur.js" in html and 'data-editeur-barre="id_contenu"' in html
    assert "Mise en forme autorisée" in html  # the allowed tags, for those without JavaScript
    reponse = client.post(url, {"contenu": "<p>Recrutement <strong>difficile</strong><script>x()</script></p>"})
    assert reponse.status_code == 302 and reponse["Location"].endswith("#section-difficultes")
    assert bilan.sections.get(code="difficultes").contenu == "<p>Recrutement <strong>difficile</strong></p>"

    reponse = client.post(
        reverse("reporting:bilan_budget", args=[bilan.pk]),
        {"budget_prevu": "10000", "budget_realise": "8500.00", "commentaire_budget": "Recrutement tardif."},
    )
    assert reponse.status_code == 302
    html = client.get(reverse("reporting:bilan", args=[bilan.pk])).content.decode()
    assert "Recrutement <strong>difficile</strong>" in html and "x()" not in html
    assert "(-15,0 %)" in html and "85,0 %" in html and "Recrutement tardif." in html
    assert "style=" not in html.split("<body", 1)[1]  # the Content-Security-Policy forbids inline styles
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # and inline scripts


def test_an_unknown_section_is_a_404(bilan, client, coordinatrice):
    client.force_login(coordinatrice)
    assert client.get(reverse("reporting:bilan_section", args=[bilan.pk, "inconnue"])).status_code == 404


def test_the_bilan_page_shows_the_figures_of_the_period(jeu, bilan, client, coordinatrice):  # noqa: F811
    client.force_login(coordinatrice)
    html = client.get(reverse("reporting:bilan", args=[bilan.pk])).content.decode()
    assert 'id="bloc-chiffres-cles"' in html and 'id="bloc-sorties-motif"' in html
    assert "66,7 %" in html  # women among the three people accompanied
    assert "<svg" in html  # the charts, drawn server-side


def _requetes_de_la_page(client, bilan):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(reverse("reporting:bilan", args=[bilan.pk])).status_code == 200
    return len(requetes.captured_queries)


def test_the_bilan_page_keeps_the_same_number_of_queries_whatever_the_data(jeu, bilan, client, coordinatrice):  # noqa: F811
    client.force_login(coordinatrice)
    _requetes_de_la_page(client, bilan)  # the roles are read once per session
    avant = _requetes_de_la_page(client, bilan)
    ParticipantFactory.create_batch(20, entre=True, today=NOVEMBRE.fin, date_entree=D(2026, 11, 10))
    InteractionFactory.create_batch(5, today=D(2026, 11, 20))
    services_bilans.section_enregistrer(section=bilan.sections.first(), contenu="<p>Texte</p>", par=coordinatrice)
    assert _requetes_de_la_page(client, bilan) == avant


# --- The PDF ----------------------------------------------------------------------------------------


def test_the_pdf_is_one_document_with_a_table_of_contents_the_texts_the_figures_and_the_eu_mention(
    jeu,  # noqa: F811
    bilan,
    client,
    coordinatrice,
):
    services_bilans.section_enregistrer(
        section=bilan.sections.get(code="public"),
        contenu="<p>Le public est <strong>majoritairement féminin</strong>.</p>",
        par=coordinatrice,
    )
    services_bilans.section_enregistrer(
        section=bilan.sections.get(code="perspectives"), contenu="Poursuivre en 2027.", par=coordinatrice
    )
    services_bilans.budget_enregistrer(bilan=bilan, budget_prevu=Decimal("5000"), budget_realise=Decimal("4500"))
    client.force_login(coordinatrice)

    reponse = client.get(reverse("reporting:bilan_pdf", args=[bilan.pk]))

    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    assert reponse["Cache-Control"] == "private, no-store"
    assert reponse["Content-Disposition"].startswith("attachment")
    assert "bilan-final-20261101-20261130.pdf" in reponse["Content-Disposition"]
    lecteur, pages = _texte_pdf(reponse.content)
    texte = " ".join(pages)
    nb = len(pages)
    # The cover, then the table of contents with the page of each section.
    assert "PLIE du bassin dijonnais" in pages[0] and "Bilan final" in pages[0] and "PLIE Dijon 2026" in pages[0]
    assert "Période du 01/11/2026 au 30/11/2026" in pages[0] and "Claire Coordination" in pages[0]
    assert "Sommaire" in pages[1]
    for rubrique in bilans.PLAN:
        numero = re.search(re.escape(rubrique.titre) + r" \.*\s*(\d+)", pages[1])
        assert numero, rubrique.titre
        assert rubrique.titre in pages[int(numero.group(1)) - 1]  # the page it names
    assert re.search(r"Situation budgétaire \.*\s*\d+", pages[1])
    # The texts where they belong, the empty sections said so.
    assert "Le public est majoritairement féminin." in texte and "Poursuivre en 2027." in texte
    assert "Section non rédigée." in texte
    # The key figures of November 2026 (see the ``jeu`` fixture), against November 2025.
    assert "Personnes accompagnées sur la période (flux) 3 1" in texte
    assert "Part des femmes 66,7 % 0,0 %" in texte
    assert "Taux de sorties positives 100,0 % —" in texte
    assert "Coût moyen d'accompagnement 1500 € —" in texte  # 4 500 € spent / 3 people
    assert "Sortie positive : CDI 1" in texte
    assert "Indicateurs communs FSE+ à l'entrée" in texte
    # The budget, the EU mention and the page numbers on every page.
    assert "Écart (réalisé − prévu) -500,00 € (-10,0 %)" in texte
    assert "Cofinancé par l'Union européenne — Fonds social européen plus (FSE+)" in pages[0]
    for numero, page in enumerate(pages, start=1):
        assert f"page {numero} / {nb}" in page
        assert "Cofinancé par l'Union européenne" in page
    # The PDF outline: one bookmark per section.
    signets = [signet.title for signet in lecteur.outline if not isinstance(signet, list)]
    assert signets == ["Sommaire", *[r.titre for r in bilans.PLAN], "Situation budgétaire"]


def test_the_pdf_download_is_logged(bilan, client, coordinatrice):
    client.force_login(coordinatrice)
    assert client.get(reverse("reporting:bilan_pdf", args=[bilan.pk])).status_code == 200
    journal = JournalAcces.objects.get()
    assert journal.utilisateur == coordinatrice and journal.action == JournalAcces.Action.EXPORT
    assert (journal.objet_type, journal.objet_id) == ("bilan", str(bilan.pk))
    assert journal.detail == "PDF du bilan final « PLIE Dijon 2026 » du 01/11/2026 au 30/11/2026"
