"""Each role reaches its own start page and only it; anonymous visitors are sent to login."""

import pytest
from django.urls import reverse

from plie.roles import Role

START_PAGES = {role: reverse(role.start_url_name) for role in Role}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("page_role", list(Role), ids=lambda r: f"page-{r.value}")
def test_each_role_reaches_only_its_own_start_page(client_as, role, page_role):
    client = client_as(role)
    response = client.get(START_PAGES[page_role])
    assert response.status_code == (200 if role == page_role else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_home_sends_each_role_to_its_start_page(client_as, role):
    response = client_as(role).get(reverse("accueil"))
    assert response.status_code == 302
    assert response.url == START_PAGES[role]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*START_PAGES.values(), "/mot-de-passe/changer/"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_an_account_without_role_is_told_to_ask_for_one(client, make_user):
    client.force_login(make_user(None))
    response = client.get(reverse("accueil"))
    assert response.status_code == 403
    assert "n&#x27;a pas encore de rôle : demandez-en un" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_the_administrateur_enters_the_django_admin(client_as, role):
    response = client_as(role).get(reverse("admin:index"))
    if role == Role.ADMINISTRATEUR:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response.url


@pytest.mark.django_db
def test_navigation_shows_the_roles_own_pages_only(client_as):
    page = client_as(Role.REFERENT).get(START_PAGES[Role.REFERENT]).content.decode()
    assert Role.REFERENT.label in page
    assert START_PAGES[Role.COORDINATRICE] not in page
    assert reverse("admin:index") not in page
