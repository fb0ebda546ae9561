"""The sector binômes: who opens the pages, the binôme's page (companies, recent exchanges, open
needs), and the coordinatrice's form (two different active référents, one binôme per sector)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entreprises import services
from entreprises.factories import BesoinRecrutementFactory, BinomeFactory, EntrepriseFactory, InteractionFactory
from entreprises.models import Binome, SecteurActivite, StatutBesoin
from offres.enums import StatutOffre
from offres.factories import OffreFactory
from plie.roles import Role

TODAY = timezone.localdate()


def _secteur(code):
    return SecteurActivite.objects.get(code=code)


@pytest.fixture
def binome(db):
    binome = BinomeFactory()
    SecteurActivite.objects.filter(code__in=["proprete", "btp"]).update(binome=binome)
    return binome


# --- Who opens which page --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_opens_the_pages_of_its_permissions(client_as, binome, role):
    lecture = {Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE}
    pages = [
        (reverse("entreprises:binomes"), lecture),
        (reverse("entreprises:binome", args=[binome.pk]), lecture),
        (reverse("entreprises:binome_creer"), {Role.COORDINATRICE}),
        (reverse("entreprises:binome_modifier", args=[binome.pk]), {Role.COORDINATRICE}),
    ]
    client = client_as(role)
    for url, roles in pages:
        assert client.get(url).status_code == (200 if role in roles else 403), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION, Role.AUDITEUR_FSE], ids=lambda r: r.value)
def test_only_the_coordinatrice_writes_binomes(client_as, make_user, binome, role):
    donnees = {"referent_1": make_user(Role.REFERENT).pk, "referent_2": make_user(Role.REFERENT).pk, "actif": "on"}
    client = client_as(role)
    assert client.post(reverse("entreprises:binome_creer"), donnees).status_code == 403
    assert client.post(reverse("entreprises:binome_modifier", args=[binome.pk]), donnees).status_code == 403
    assert Binome.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, binome):
    for url in (
        reverse("entreprises:binomes"),
        reverse("entreprises:binome", args=[binome.pk]),
        reverse("entreprises:binome_creer"),
        reverse("entreprises:binome_modifier", args=[binome.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url


# --- The list and the binôme's page ---------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_each_binome_its_referents_sectors_and_the_sectors_left(client_as, make_user):
    nadia = make_user(Role.REFERENT, first_name="Nadia", last_name="Benali")
    paul = make_user(Role.REFERENT, first_name="Paul", last_name="Girard")
    binome = BinomeFactory(referent_1=nadia, referent_2=paul)
    SecteurActivite.objects.filter(code__in=["proprete", "securite"]).update(binome=binome)
    EntrepriseFactory.create_batch(3, code_naf="81.21Z")
    response = client_as(Role.REFERENT).get(reverse("entreprises:binomes"))
    page = response.content.decode()
    assert "Nadia Benali et Paul Girard" in page and "Propreté, Sécurité" in page
    [ligne] = response.context["binomes"]
    assert ligne.nb_entreprises == 3
    sans = [s.code for s in response.context["secteurs_sans_binome"]]
    assert "btp" in sans and "proprete" not in sans
    assert reverse("entreprises:binome_creer") not in page  # a référent does not create binômes


@pytest.mark.django_db
def test_binome_page_shows_its_companies_recent_exchanges_and_open_needs(client_as, binome):
    propre = EntrepriseFactory(nom="Propreté Bourgogne", code_naf="81.21Z")
    macon = EntrepriseFactory(nom="Maçonnerie Durand", code_naf="43.99C")
    ailleurs = EntrepriseFactory(nom="Logidis", code_naf="52.10B")  # transport: another sector
    OffreFactory(entreprise=propre, statut=StatutOffre.DIFFUSEE)
    InteractionFactory(entreprise=propre, il_y_a_jours=10, resume="Visite du chantier de Quetigny")
    InteractionFactory(entreprise=macon, il_y_a_jours=40, resume="Appel de l'an passé")
    InteractionFactory(entreprise=ailleurs, il_y_a_jours=1, resume="Pas de ce binôme")
    BesoinRecrutementFactory(entreprise=macon, intitule="Aide maçon (H/F)", prerequis="Port de charges")
    BesoinRecrutementFactory(entreprise=propre, intitule="Poste pourvu (H/F)", statut=StatutBesoin.POURVU)
    BesoinRecrutementFactory(entreprise=ailleurs, intitule="Cariste (H/F)")
    response = client_as(Role.CHARGE_MISSION).get(reverse("entreprises:binome", args=[binome.pk]))
    page = response.content.decode()
    assert sorted(e.nom for e in response.context["entreprises"]) == ["Maçonnerie Durand", "Propreté Bourgogne"]
    assert f"{reverse('entreprises:liste')}?binome={binome.pk}" in page
    assert "Visite du chantier de Quetigny" in page
    assert "Appel de l&#x27;an passé" not in page and "Pas de ce binôme" not in page
    assert "Aide maçon (H/F)" in page and "Port de charges" in page
    assert "Poste pourvu (H/F)" not in page and "Cariste (H/F)" not in page


@pytest.mark.django_db
def test_the_list_link_of_a_binome_filters_its_companies(client_as, binome):
    EntrepriseFactory(nom="Propreté Bourgogne", code_naf="81.21Z")
    EntrepriseFactory(nom="Logidis", code_naf="52.10B")
    response = client_as(Role.REFERENT).get(reverse("entreprises:liste") + f"?binome={binome.pk}")
    assert [e.nom for e in response.context["entreprises"]] == ["Propreté Bourgogne"]


def _compter(client, url):
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url)
    assert response.status_code == 200
    return len(requetes), response


@pytest.mark.django_db
def test_binome_pages_query_count_is_constant(client_as, binome):
    client = client_as(Role.REFERENT)

    def peupler(nombre):
        for entreprise in EntrepriseFactory.create_batch(nombre, code_naf="81.21Z"):
            InteractionFactory(entreprise=entreprise, il_y_a_jours=3)
            BesoinRecrutementFactory(entreprise=entreprise)
            OffreFactory(entreprise=entreprise, statut=StatutOffre.DIFFUSEE)
        # More binômes, each with a sector, for the list.
        for secteur in SecteurActivite.objects.filter(binome__isnull=True).order_by("code")[:nombre]:
            secteur.binome = BinomeFactory()
            secteur.save()

    url = reverse("entreprises:binome", args=[binome.pk])
    peupler(2)
    petit, _ = _compter(client, url)
    petite_liste, _ = _compter(client, reverse("entreprises:binomes"))
    peupler(6)
    grand, response = _compter(client, url)
    grande_liste, _ = _compter(client, reverse("entreprises:binomes"))
    assert len(response.context["entreprises"]) == 8 and len(response.context["interactions"]) == 8
    assert petit == grand
    assert petite_liste == grande_liste


# --- Creating and editing a binôme ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_coordinatrice_creates_a_binome_and_gives_it_sectors(client_as, make_user, binome):
    nadia = make_user(Role.REFERENT, first_name="Nadia", last_name="Benali")
    paul = make_user(Role.REFERENT, first_name="Paul", last_name="Girard")
    client = client_as(Role.COORDINATRICE)
    page = client.get(reverse("entreprises:binome_creer")).content.decode()
    assert f"Propreté (aujourd&#x27;hui suivi par {binome})" in page
    response = client.post(
        reverse("entreprises:binome_creer"),
        {
            "referent_1": nadia.pk,
            "referent_2": paul.pk,
            "actif": "on",
            "secteurs": [_secteur("proprete").pk, _secteur("securite").pk],
        },
        follow=True,
    )
    nouveau = Binome.objects.get(referent_1=nadia)
    assert response.redirect_chain[-1][0] == reverse("entreprises:binome", args=[nouveau.pk])
    assert "Secteur(s) repris à un autre binôme : Propreté." in response.content.decode()
    assert {s.code for s in nouveau.secteurs.all()} == {"proprete", "securite"}
    assert {s.code for s in binome.secteurs.all()} == {"btp"}  # one binôme per sector


@pytest.mark.django_db
def test_editing_a_binome_releases_the_sectors_left_out(client_as, make_user, binome):
    client = client_as(Role.COORDINATRICE)
    url = reverse("entreprises:binome_modifier", args=[binome.pk])
    formulaire = client.get(url).context["form"]
    assert sorted(formulaire.initial["secteurs"]) == sorted([_secteur("btp").pk, _secteur("proprete").pk])
    response = client.post(
        url,
        {"referent_1": binome.referent_1_id, "referent_2": binome.referent_2_id, "secteurs": [_secteur("btp").pk]},
    )
    assert response.status_code == 302
    binome.refresh_from_db()
    assert not binome.actif
    assert [s.code for s in binome.secteurs.all()] == ["btp"]
    assert _secteur("proprete").binome is None


@pytest.mark.django_db
def test_a_binome_needs_two_different_active_referents(client_as, make_user):
    nadia = make_user(Role.REFERENT)
    charge = make_user(Role.CHARGE_MISSION)
    parti = make_user(Role.REFERENT, is_active=False)
    client = client_as(Role.COORDINATRICE)
    url = reverse("entreprises:binome_creer")

    def erreurs(**donnees):
        response = client.post(url, {"actif": "on", **donnees})
        assert response.status_code == 200
        return response.context["form"].errors

    assert erreurs(referent_1=nadia.pk, referent_2=nadia.pk)["referent_2"] == [
        "Un binôme réunit deux référent(e)s différent(e)s : choisissez une autre personne."
    ]
    assert erreurs(referent_1=nadia.pk, referent_2=charge.pk)["referent_2"] == [
        "Choisissez un(e) référent(e) actif(ve) du PLIE."
    ]
    assert erreurs(referent_1=parti.pk, referent_2=nadia.pk)["referent_1"] == [
        "Choisissez un(e) référent(e) actif(ve) du PLIE."
    ]
    assert erreurs(referent_1=nadia.pk)["referent_2"] == ["Choisissez les deux référent(e)s du binôme."]
    assert not Binome.objects.exists()


@pytest.mark.django_db
def test_the_service_checks_the_referents_whoever_calls_it(make_user):
    nadia = make_user(Role.REFERENT)
    coordinatrice = make_user(Role.COORDINATRICE)
    with pytest.raises(ValidationError) as erreur:
        services.binome_enregistrer(
            binome=Binome(referent_1=nadia, referent_2=coordinatrice), secteurs=[], par=coordinatrice
        )
    assert "n'est pas un(e) référent(e) actif(ve)" in erreur.value.message_dict["referent_2"][0]
    with pytest.raises(ValidationError) as erreur:
        services.binome_enregistrer(binome=Binome(referent_1=nadia, referent_2=nadia), secteurs=[], par=coordinatrice)
    assert erreur.value.message_dict["referent_2"] == [services.MESSAGE_DEUX_REFERENTS]
    assert not Binome.objects.exists()
