"""The weekly grid: one cell per activity and day, typed with the keyboard, saved all or nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fse import services
from fse.models import CategorieActivite, LigneAgenda
from plie.roles import Role

LUNDI = datetime.date(2025, 6, 2)
MARDI = LUNDI + datetime.timedelta(days=1)
URL = reverse("fse:semaine", kwargs={"jour": LUNDI.isoformat()})


@pytest.fixture
def categories(db):
    return list(CategorieActivite.objects.filter(actif=True).order_by("ordre")[:2])


def case(categorie, jour):
    return f"h_{categorie.pk}_{jour.isoformat()}"


def test_the_grid_creates_changes_and_empties_cells_and_keeps_detailed_lines(make_user, categories):
    salarie = make_user(Role.CHARGE_MISSION)
    prospection, reunions = categories
    semaine = services.semaine_obtenir(salarie, LUNDI)
    detaillee = services.ligne_enregistrer(
        semaine, date=LUNDI, categorie=prospection, heures=Decimal("1"), commentaire="Salon de l'emploi"
    )
    assert (
        services.grille_enregistrer(semaine, {(prospection, LUNDI): Decimal("3.5"), (reunions, MARDI): Decimal("2")})
        == 2
    )
    assert services.grille_enregistrer(semaine, {(prospection, LUNDI): Decimal("4"), (reunions, MARDI): None}) == 2
    lignes = {(ligne.categorie_id, ligne.date, ligne.commentaire): ligne.heures for ligne in semaine.lignes.all()}
    assert lignes == {
        (prospection.pk, LUNDI, "Salon de l'emploi"): Decimal("1"),  # the detailed line is left alone
        (prospection.pk, LUNDI, ""): Decimal("4"),
    }
    assert LigneAgenda.objects.filter(pk=detaillee.pk).exists()
    assert services.grille_enregistrer(semaine, {(prospection, LUNDI): Decimal("4")}) == 0  # nothing changed


def test_a_bad_cell_stops_everything_and_says_where(make_user, categories):
    salarie = make_user(Role.CHARGE_MISSION)
    prospection, reunions = categories
    semaine = services.semaine_obtenir(salarie, LUNDI)
    with pytest.raises(ValidationError) as erreur:
        services.grille_enregistrer(semaine, {(prospection, LUNDI): Decimal("3"), (reunions, MARDI): Decimal("13")})
    assert "Mardi 03/06/2025" in erreur.value.messages[0] and str(reunions) in erreur.value.messages[0]
    assert not semaine.lignes.exists()  # nothing half-written


def test_a_submitted_week_refuses_the_grid(make_user, categories):
    salarie = make_user(Role.CHARGE_MISSION)
    semaine = services.semaine_obtenir(salarie, LUNDI)
    services.grille_enregistrer(semaine, {(categories[0], LUNDI): Decimal("7")})
    services.soumettre(semaine)
    semaine.refresh_from_db()
    with pytest.raises(ValidationError):
        services.grille_enregistrer(semaine, {(categories[0], LUNDI): Decimal("6")})


def test_the_grid_from_the_page(client, make_user, categories):
    salarie = make_user(Role.REFERENT)
    client.force_login(salarie)
    prospection, reunions = categories
    reponse = client.post(URL, {"action": "grille", case(prospection, LUNDI): "3,5", case(reunions, MARDI): "2"})
    assert reponse.status_code == 302
    page = client.get(URL).content.decode()
    assert 'value="3,5"' in page and 'value="2"' in page
    assert "Total de la semaine" in page and "5,5 h" in page
    # A typing error is shown on its cell, in French, and nothing is saved.
    reponse = client.post(URL, {"action": "grille", case(prospection, LUNDI): "abc", case(reunions, MARDI): "4"})
    page = reponse.content.decode()
    assert reponse.status_code == 200 and "Saisissez un nombre d&#x27;heures" in page and "is-invalid" in page
    assert LigneAgenda.objects.get(categorie=reunions).heures == Decimal("2")


def test_the_grid_page_query_count_does_not_grow_with_the_lines(
    client, make_user, categories, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    salarie = make_user(Role.CHARGE_MISSION)
    client.force_login(salarie)
    semaine = services.semaine_obtenir(salarie, LUNDI)
    services.grille_enregistrer(semaine, {(categories[0], LUNDI): Decimal("1")})
    with CaptureQueriesContext(connection) as peu:
        client.get(URL)
    services.grille_enregistrer(
        semaine, {(c, LUNDI + datetime.timedelta(days=n)): Decimal("1") for c in categories for n in range(5)}
    )
    with CaptureQueriesContext(connection) as beaucoup:
        client.get(URL)
    assert len(peu.captured_queries) == len(beaucoup.captured_queries)
