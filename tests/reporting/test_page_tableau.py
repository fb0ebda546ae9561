"""The dashboard page: who sees it, its period, its figures, the lists its figures link to, its
query budget; and the budgets the cost per person divides."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises.factories import InteractionFactory
from formation.factories import BesoinFormationFactory
from offres.factories import OffreFactory
from offres.models import LienSource, Offre, Source
from participants import filters as filtres_participants
from participants.enums import MotifSortie, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Participant
from plie.roles import Role
from reporting import selectors
from reporting.models import Budget
from reporting.selectors import Periode
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)

D = datetime.date
URL = reverse("reporting:tableau")
NOVEMBRE_QS = "?du=2026-11-01&au=2026-11-30"
LIEN = re.compile(r'<a href="(/(?:participants|offres)/\?[^"]+)">([^<]+)</a>')
MAX_REQUETES = 20


@pytest.fixture
def referent_du_jeu(jeu):  # noqa: F811
    """The jeu's référent, given the référent role (the jeu makes an account without role)."""
    referent = Participant.objects.filter(referent__isnull=False).first().referent
    referent.groups.add(Group.objects.get(name=Role.REFERENT.group_name))
    return referent


def _page(client, query=NOVEMBRE_QS):
    response = client.get(URL + query)
    assert response.status_code == 200
    return response, response.content.decode()


def _ligne(contenu, code):
    """The text of one row of the key figures, tags removed."""
    debut = contenu.index(f'<tr id="chiffre-{code}">')
    ligne = contenu[debut : contenu.index("</tr>", debut)]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", ligne)).split())


def _compte_de_la_liste(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["paginator"].count


def _liens(contenu):
    return [(html.unescape(url), int(re.sub(r"\D", "", texte))) for url, texte in LIEN.findall(contenu)]


# --- Permissions -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "statut"),
    [
        (Role.COORDINATRICE, 200),
        (Role.REFERENT, 200),
        (Role.AUDITEUR_FSE, 403),
        (Role.CHARGE_MISSION, 403),
        (Role.ADMINISTRATEUR, 403),
    ],
    ids=lambda v: getattr(v, "value", v),
)
def test_who_sees_the_dashboard(client_as, role, statut):
    assert client_as(role).get(URL).status_code == statut


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [URL, reverse("reporting:budgets"), reverse("reporting:budget_nouveau")],
    ids=["tableau", "budgets", "nouveau"],
)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_the_dashboard_is_in_the_navigation_and_on_the_coordination_page(client_as):
    client = client_as(Role.COORDINATRICE)
    contenu = client.get(reverse(Role.COORDINATRICE.start_url_name)).content.decode()
    assert f'href="{URL}"' in contenu and "Ouvrir le tableau de bord" in contenu
    assert f'href="{URL}"' in client_as(Role.REFERENT).get(reverse(Role.REFERENT.start_url_name)).content.decode()


# --- The period ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_period_is_the_current_month_up_to_today(client_as):
    response, contenu = _page(client_as(Role.COORDINATRICE), "")
    today = timezone.localdate()
    assert response.context["periode"] == Periode(today.replace(day=1), today)
    assert f'value="{today.replace(day=1):%Y-%m-%d}"' in contenu
    for raccourci in ["Ce mois-ci", "Le mois dernier", "Cette année", "L'année dernière", "Les 12 derniers mois"]:
        assert html.escape(raccourci) in contenu


@pytest.mark.django_db
def test_a_calendar_month_is_named_and_compared_with_the_month_before_and_the_year_before(client_as):
    response, contenu = _page(client_as(Role.COORDINATRICE))
    assert response.context["periode"] == NOVEMBRE
    assert "Novembre 2026" in contenu
    assert "octobre 2026" in contenu and "novembre 2025" in contenu
    _, contenu = _page(client_as(Role.COORDINATRICE), "?du=01/10/2026&au=30/11/2026")  # French dates too
    assert "Du 01/10/2026 au 30/11/2026" in contenu


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?du=2026-12-01&au=2026-11-30", "La date de début (« du ») doit précéder la date de fin"),
        ("?du=2010-01-01&au=2026-11-30", "La période ne peut pas dépasser 10 ans"),
        ("?du=2026-13-45&au=2026-11-30", "Du : Date invalide : saisissez-la au format JJ/MM/AAAA."),
        ("?du=hier", "Du : Date invalide"),
        ("?au=1900-01-01", "Au : Date hors des années possibles (2000 à 2099)."),
    ],
    ids=["ordre", "trop-longue", "date-impossible", "texte", "annee"],
)
def test_a_wrong_period_says_why_and_the_page_stays_usable(client_as, query, message):
    response, contenu = _page(client_as(Role.COORDINATRICE), query)
    assert html.escape(message) in contenu
    assert "la période par défaut est affichée" in contenu
    today = timezone.localdate()
    assert response.context["periode"] == Periode(today.replace(day=1), today)
    assert 'id="chiffres-cles"' in contenu and 'aria-invalid="true"' in contenu


@pytest.mark.django_db
def test_a_missing_start_is_the_first_day_of_the_end_month(client_as):
    response, _ = _page(client_as(Role.COORDINATRICE), "?au=2026-11-30")
    assert response.context["periode"] == NOVEMBRE


# --- The figures -----------------------------------------------------------------------------


def test_the_key_figures_of_the_hand_built_set(jeu, client_as):  # noqa: F811
    _, contenu = _page(client_as(Role.COORDINATRICE))
    assert "Tout le PLIE" in contenu
    # November, October, November 2025, then the two differences.
    assert _ligne(contenu, "flux").endswith("3 3 1 = +2")
    assert _ligne(contenu, "entrees").endswith("1 1 0 = +1")
    assert _ligne(contenu, "sorties").endswith("1 1 0 = +1")
    assert "2,5" in _ligne(contenu, "stock")
    assert _ligne(contenu, "age").split(". ")[-1].startswith("40")
    assert "66,7 % 2 personnes" in _ligne(contenu, "femmes")
    assert "33,3 % 1 personne" in _ligne(contenu, "hommes")
    assert "66,7 % 2 personnes" in _ligne(contenu, "niveau_v")
    assert "10,9" in _ligne(contenu, "duree")
    assert "33,3 % 1 personne" in _ligne(contenu, "qpv")
    assert "66,7 % 2 personnes" in _ligne(contenu, "rsa")
    assert "100 % 1 personne 0 % 0 personne" in _ligne(contenu, "positives")
    assert "+100 pt" in _ligne(contenu, "positives")
    assert "1 000 € budget non saisi" in _ligne(contenu, "cout").replace("\u00a0", " ")
    assert "23" in _ligne(contenu, "communes")


def test_a_missing_budget_links_to_its_entry_for_that_period(jeu, client_as):  # noqa: F811
    _, contenu = _page(client_as(Role.COORDINATRICE))
    assert f'href="{reverse("reporting:budget_nouveau")}?du=2026-10-01&amp;au=2026-10-31">budget non saisi' in contenu
    response = client_as(Role.COORDINATRICE).get(reverse("reporting:budget_nouveau") + "?du=2026-10-01&au=2026-10-31")
    form = response.context["form"]
    assert (form.initial["debut"], form.initial["fin"], form.initial["libelle"]) == (
        D(2026, 10, 1),
        D(2026, 10, 31),
        "Octobre 2026",
    )


def test_charts_and_tables_are_on_the_page(jeu, client_as):  # noqa: F811
    _, contenu = _page(client_as(Role.COORDINATRICE))
    assert contenu.count('role="img"') == 4  # entries and exits, reasons, offers, training needs
    assert "style=" not in contenu.split("<main", 1)[1]  # the CSP forbids inline styles
    for tableau in ["tableau-entrees-sorties", "tableau-motifs", "tableau-offres-mois", "tableau-interactions"]:
        assert f'id="{tableau}"' in contenu
    assert "Aucune donnée sur la période" in contenu  # no training need in November


def test_export_links_appear_once_the_exports_exist(jeu, client_as):  # noqa: F811
    response, contenu = _page(client_as(Role.COORDINATRICE))
    for nom, identifiant in [("pdf", "lien-pdf"), ("xlsx", "lien-xlsx")]:
        try:
            attendu = reverse(f"reporting:tableau_{nom}") + "?du=2026-11-01&amp;au=2026-11-30"
        except Exception:  # noqa: BLE001 (NoReverseMatch: not added yet)
            assert identifiant not in contenu
        else:
            assert f'href="{attendu}" id="{identifiant}"' in contenu


# --- Click-through: each figure lists exactly its people --------------------------------------


def test_every_participant_figure_lists_exactly_the_people_behind_it(jeu, referent_du_jeu, client_as):  # noqa: F811
    client = client_as(Role.COORDINATRICE)
    _, contenu = _page(client)
    liens = [(url, n) for url, n in _liens(contenu) if url.startswith("/participants/")]
    filtres = {cle for url, _ in liens for cle in re.findall(r"[?&]([a-z_]+)=", url)}
    assert {
        "present_du",
        "entree_du",
        "sortie_du",
        "sexe",
        "niveau_v",
        "qpv",
        "rsa",
        "positive",
        "motif_sortie",
        "referent",
        "sans_entretien_depuis",
    } <= filtres
    for url, affiche in liens:
        assert _compte_de_la_liste(client, url) == affiche, url


def test_the_flow_link_matches_the_selector_over_other_periods(jeu, client_as):  # noqa: F811
    client = client_as(Role.COORDINATRICE)
    for periode in [Periode.mois(2026, 10), Periode(D(2025, 6, 1), D(2026, 12, 31)), Periode.mois(2026, 12)]:
        query = f"?present_du={periode.debut}&present_au={periode.fin}"
        assert _compte_de_la_liste(client, "/participants/" + query) == selectors.flux(periode).count()
        query = f"?entree_du={periode.debut}&entree_au={periode.fin}"
        assert _compte_de_la_liste(client, "/participants/" + query) == selectors.entrees(periode).count()
        query = f"?sortie_du={periode.debut}&sortie_au={periode.fin}"
        assert _compte_de_la_liste(client, "/participants/" + query) == selectors.sorties(periode).count()


def test_the_level_v_filter_uses_the_dashboard_definition():
    assert filtres_participants.ISCED_NIVEAU_V == selectors.ISCED_NIVEAU_V
    assert set(filtres_participants.JAMAIS_ENTRES) == {StatutParticipant.CANDIDAT, StatutParticipant.NON_ADMIS}


def _le(jour):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(10)))


@pytest.fixture
def offres_de_novembre(db):
    ft, partenaire = Source.objects.order_by("id")[:2]
    offres = OffreFactory.create_batch(4)
    for n, (offre, source) in enumerate(zip(offres, [ft, ft, partenaire, ft], strict=True)):
        LienSource.objects.create(
            offre=offre,
            source=source,
            identifiant_externe=f"X{offre.pk}",
            vue_le=timezone.now(),
            vue_derniere_fois_le=timezone.now(),
        )
        Offre.objects.filter(pk=offre.pk).update(cree_le=_le(D(2026, 11, 1 + n)))
    Offre.objects.filter(pk=offres[0].pk).update(qualifiee_le=_le(D(2026, 11, 2)), diffusee_le=_le(D(2026, 11, 3)))
    Offre.objects.filter(pk=offres[1].pk).update(cree_le=_le(D(2026, 10, 31)), qualifiee_le=_le(D(2026, 11, 30)))
    return offres


def test_offer_figures_list_exactly_their_offers(offres_de_novembre, client_as):
    client = client_as(Role.COORDINATRICE)
    _, contenu = _page(client)
    liens = [(url, n) for url, n in _liens(contenu) if url.startswith("/offres/")]
    filtres = {cle for url, _ in liens for cle in re.findall(r"[?&]([a-z_]+)=", url)}
    assert {"collectee_du", "qualifiee_du", "diffusee_du", "source_origine"} <= filtres
    for url, affiche in liens:
        assert _compte_de_la_liste(client, url) == affiche, url


# --- A référent: their caseload only ---------------------------------------------------------


def test_a_referent_sees_their_caseload_and_never_another_ones(jeu, referent_du_jeu, client, make_user):  # noqa: F811
    autre = make_user(Role.REFERENT)
    ParticipantFactory.create_batch(4, entre=True, referent=autre, today=NOVEMBRE.fin)
    ParticipantFactory(sorti=True, referent=autre, date_candidature=D(2025, 1, 1), motif_sortie=MotifSortie.CDD)
    Participant.objects.filter(referent=autre, statut=StatutParticipant.SORTI).update(date_sortie=D(2026, 11, 10))
    InteractionFactory(auteur=autre, date=D(2026, 11, 5))
    BesoinFormationFactory(participant=Participant.objects.filter(referent=autre).first(), exprime_le=D(2026, 11, 6))

    client.force_login(autre)
    response, contenu = _page(client)
    assert response.context["tableau"].chiffres.flux == 5
    assert "Portefeuille de" in contenu and "Tout le PLIE" not in contenu
    assert 'id="tableau-portefeuilles"' not in contenu and 'id="chiffre-cout"' not in contenu
    assert 'id="tableau-offres-source"' not in contenu and "reporting/budgets" not in contenu
    for url, affiche in _liens(contenu):
        assert _compte_de_la_liste(client, url) == affiche, url

    client.force_login(referent_du_jeu)
    response, contenu = _page(client)
    chiffres = response.context["tableau"].chiffres
    assert (chiffres.flux, chiffres.sorties) == (3, 1)  # the jeu's, none of the other's
    assert response.context["tableau"].entreprises_rencontrees == 0
    assert response.context["tableau"].besoins_formation == []
    liens = _liens(contenu)
    assert liens
    for url, affiche in liens:
        assert _compte_de_la_liste(client, url) == affiche, url
    # The list behind the figure never shows the other référent's people, even asked for them.
    assert (
        _compte_de_la_liste(client, f"/participants/?present_du=2026-11-01&present_au=2026-11-30&referent={autre.pk}")
        == 3
    )


# --- Queries ---------------------------------------------------------------------------------


def _donnees(n, referents):
    for i in range(n):
        referent = referents[i % len(referents)]
        if i % 3 == 2:
            participant = ParticipantFactory(sorti=True, referent=referent, today=NOVEMBRE.fin)
            Participant.objects.filter(pk=participant.pk).update(date_sortie=D(2026, 11, 1 + i % 28))
        else:
            ParticipantFactory(entre=True, referent=referent, today=NOVEMBRE.fin)


def _requetes(client):
    """The page's SQL statements: session, account, its permissions (two) and roles, the dashboard
    (fourteen at most), the session saved again (SESSION_SAVE_EVERY_REQUEST).

    The savepoints are left out: inside the test's transaction, ATOMIC_REQUESTS and the session
    save open savepoints where a real request has its own transaction."""
    with CaptureQueriesContext(connection) as contexte:
        response = client.get(URL + NOVEMBRE_QS)
    assert response.status_code == 200
    return len([q for q in contexte.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))])


def test_the_page_queries_do_not_depend_on_the_data(client, make_user, offres_de_novembre):
    coordinatrice = make_user(Role.COORDINATRICE)
    referents = [make_user(Role.REFERENT) for _ in range(3)]
    Budget.objects.create(
        libelle="Novembre", debut=NOVEMBRE.debut, fin=NOVEMBRE.fin, montant=1, saisi_par=coordinatrice
    )
    client.force_login(coordinatrice)
    _donnees(5, referents)
    petit = _requetes(client)
    _donnees(55, referents)
    InteractionFactory.create_batch(3, date=D(2026, 11, 4))
    BesoinFormationFactory.create_batch(3, exprime_le=D(2026, 11, 4))
    assert Participant.objects.count() > 60
    grand = _requetes(client)
    assert petit == grand <= MAX_REQUETES


def test_a_referent_page_stays_within_the_query_budget(client, jeu, referent_du_jeu):  # noqa: F811
    client.force_login(referent_du_jeu)
    assert _requetes(client) <= MAX_REQUETES


def test_the_caseloads_are_paged_and_keep_the_period(client, make_user):
    """A region has 1 400 référents: the table shows 25 at a time, its links keep the period and
    lead to each référent's list; the last page holds the rest."""
    client.force_login(make_user(Role.COORDINATRICE))
    referents = [make_user(Role.REFERENT, last_name=f"Référent{n:02d}") for n in range(27)]
    ParticipantFactory(referent=referents[26], statut=StatutParticipant.ENTRE, date_entree=D(2026, 10, 1))

    premiere = client.get(URL + NOVEMBRE_QS).content.decode()
    tableau = premiere[
        premiere.index('id="tableau-portefeuilles"') : premiere.index(
            "</table>", premiere.index('id="tableau-portefeuilles"')
        )
    ]
    assert tableau.count("<tr>") == 1 + 25
    assert "Référents 1 à 25 sur 27." in premiere
    assert f'href="?{NOVEMBRE_QS[1:].replace("&", "&amp;")}&amp;page=2#titre-portefeuilles"' in premiere

    derniere = client.get(URL + NOVEMBRE_QS + "&page=2").content.decode()
    tableau = derniere[
        derniere.index('id="tableau-portefeuilles"') : derniere.index(
            "</table>", derniere.index('id="tableau-portefeuilles"')
        )
    ]
    assert tableau.count("<tr>") == 1 + 2
    assert f'href="/participants/?statut=entre&amp;referent={referents[26].pk}">1</a>' in tableau
    assert client.get(URL + NOVEMBRE_QS + "&page=99").status_code == 200  # past the end: the last page


# --- Budgets ---------------------------------------------------------------------------------


def _saisir(client, url=None, **champs):
    donnees = {"libelle": "Année 2026", "debut": "2026-01-01", "fin": "2026-12-31", "montant": "120000", **champs}
    return client.post(url or reverse("reporting:budget_nouveau"), donnees)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_only_the_coordinatrice_keeps_the_budgets(client_as, role):
    client = client_as(role)
    assert client.get(reverse("reporting:budgets")).status_code == 403
    assert _saisir(client).status_code == 403
    assert not Budget.objects.exists()


@pytest.mark.django_db
def test_the_coordinatrice_enters_a_budget_and_the_cost_follows(client, make_user):
    coordinatrice = make_user(Role.COORDINATRICE)
    client.force_login(coordinatrice)
    response = _saisir(client)
    assert response.status_code == 302 and response.url == reverse("reporting:budgets")
    budget = Budget.objects.get()
    assert (budget.montant, budget.saisi_par) == (Decimal("120000"), coordinatrice)
    contenu = client.get(reverse("reporting:budgets")).content.decode()
    assert "Année 2026" in contenu and "120" in contenu
    ParticipantFactory.create_batch(2, entre=True, today=D(2026, 6, 1))
    _, contenu = _page(client, "?du=2026-01-01&au=2026-12-31")
    assert "60 000 €" in _ligne(contenu, "cout").replace("\u00a0", " ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("champs", "champ", "message"),
    [
        ({"debut": "2026-12-31", "fin": "2026-01-01"}, "fin", "La date de fin doit être postérieure ou égale"),
        ({"montant": "-1"}, "montant", "Le montant ne peut pas être négatif."),
        ({"montant_prevu": "-5"}, "montant_prevu", "Le montant ne peut pas être négatif."),
        ({"debut": "pas une date"}, "debut", "Date invalide : saisissez-la au format JJ/MM/AAAA."),
        ({"montant": ""}, "montant", "Ce champ est obligatoire."),
    ],
    ids=["ordre", "negatif", "prevu-negatif", "date", "vide"],
)
def test_a_wrong_budget_is_refused_with_a_french_message(client_as, champs, champ, message):
    response = _saisir(client_as(Role.COORDINATRICE), **champs)
    assert response.status_code == 200
    erreurs = response.context["form"].errors
    assert any(e.startswith(message) for e in erreurs[champ]), erreurs
    assert list(erreurs) == [champ]  # one clear message, not the constraint's as well
    assert not Budget.objects.exists()


@pytest.mark.django_db
def test_a_period_already_budgeted_or_overlapping_is_refused(client_as):
    client = client_as(Role.COORDINATRICE)
    _saisir(client)
    for debut, fin, debut_message in [
        (
            "2026-01-01",
            "2026-12-31",
            "Un budget est déjà saisi pour cette période : « Année 2026 », du 01/01/2026 au 31/12/2026.",
        ),
        ("2026-11-01", "2026-11-30", "Un budget est déjà saisi pour une période qui chevauche celle-ci"),
    ]:
        response = _saisir(client, libelle="Autre", debut=debut, fin=fin)
        assert response.status_code == 200
        assert response.context["form"].errors["debut"][0].startswith(debut_message)
    assert Budget.objects.count() == 1
    assert _saisir(client, libelle="2027", debut="2027-01-01", fin="2027-12-31").status_code == 302


@pytest.mark.django_db
def test_a_budget_is_edited_then_deleted_after_confirmation(client_as):
    client = client_as(Role.COORDINATRICE)
    _saisir(client)
    budget = Budget.objects.get()
    url = reverse("reporting:budget_modifier", args=[budget.pk])
    assert client.get(url).context["form"].initial["montant"] == Decimal("120000")
    assert _saisir(client, url, montant="130000").status_code == 302  # its own period is no conflict
    budget.refresh_from_db()
    assert budget.montant == Decimal("130000")

    url = reverse("reporting:budget_supprimer", args=[budget.pk])
    contenu = client.get(url).content.decode()
    assert "Supprimer le budget « Année 2026 »" in contenu and Budget.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and not Budget.objects.exists()
    assert client.get(url).status_code == 404
