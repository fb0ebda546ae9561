"""The company file: who opens which page, the list's filters and export, the company page, the
company form (SIRET, duplicates), contacts and their consent, hiring needs, and logging exchanges
(htmx and plain) with the next steps they leave."""

import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from entreprises import services
from entreprises.export import COLONNE_CONTACTS, COLONNES
from entreprises.factories import (
    BesoinRecrutementFactory,
    BinomeFactory,
    ContactFactory,
    EntrepriseFactory,
    InteractionFactory,
)
from entreprises.filters import description_filtres, entreprises_filtrees, mois_avant
from entreprises.models import (
    BesoinRecrutement,
    Contact,
    Entreprise,
    Interaction,
    SecteurActivite,
    StatutBesoin,
    StatutRelation,
    TypeInteraction,
)
from offres.enums import StatutOffre
from offres.factories import OffreFactory
from plie.models import Commune, JournalAcces
from plie.roles import Role

TODAY = timezone.localdate()
SIRET_VALIDE = "73282932000074"
SIRET_LA_POSTE = "35600000049837"  # fails the Luhn check, but its digits add up to a multiple of 5
HTMX = {"HTTP_HX_REQUEST": "true"}


def _communes():
    return list(Commune.objects.valides_le(TODAY).order_by("insee")[:2])


def _noms(response):
    return sorted(e.nom for e in response.context["entreprises"])


def _formulaire_entreprise(**valeurs):
    donnees = {"nom": "Propreté Bourgogne", "statut_relation": StatutRelation.A_CONTACTER}
    donnees.update(valeurs)
    return donnees


# --- Who opens which page --------------------------------------------------------------------------


@pytest.fixture
def objets(db):
    entreprise = EntrepriseFactory()
    contact = ContactFactory(entreprise=entreprise)
    besoin = BesoinRecrutementFactory(entreprise=entreprise)
    return {"entreprise": entreprise, "contact": contact, "besoin": besoin}


def _pages(objets):
    """(url, roles that may open it) for every GET page of the company file."""
    e, c, b = objets["entreprise"].pk, objets["contact"].pk, objets["besoin"].pk
    lecture = {Role.REFERENT, Role.CHARGE_MISSION, Role.COORDINATRICE}
    ecriture = {Role.REFERENT, Role.CHARGE_MISSION}
    return [
        (reverse("entreprises:liste"), lecture),
        (reverse("entreprises:export"), lecture),
        (reverse("entreprises:detail", args=[e]), lecture),
        (reverse("entreprises:echanges", args=[e]), lecture),
        (reverse("entreprises:creer"), ecriture),
        (reverse("entreprises:modifier", args=[e]), ecriture),
        (reverse("entreprises:contact_ajouter", args=[e]), ecriture),
        (reverse("entreprises:contact_modifier", args=[c]), ecriture),
        (reverse("entreprises:besoin_ajouter", args=[e]), ecriture),
        (reverse("entreprises:besoin_modifier", args=[b]), ecriture),
        (reverse("entreprises:interaction_rapide"), ecriture),
        (reverse("entreprises:interaction_contacts") + f"?entreprise={e}", ecriture),
        (reverse("entreprises:prochaines_etapes"), ecriture),
    ]


def _posts(objets):
    """The POST-only endpoints (the coordinatrice reads the file but does not write it)."""
    interaction = InteractionFactory(entreprise=objets["entreprise"], prochaine_etape="Rappeler")
    return [
        reverse("entreprises:interaction_ajouter", args=[objets["entreprise"].pk]),
        reverse("entreprises:besoin_clore", args=[objets["besoin"].pk]),
        reverse("entreprises:prochaine_etape_faite", args=[interaction.pk]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_opens_the_pages_of_its_permissions(client_as, objets, role):
    client = client_as(role)
    for url, roles in _pages(objets):
        assert client.get(url).status_code == (200 if role in roles else 403), url


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATRICE, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR], ids=lambda r: r.value)
def test_roles_that_do_not_write_the_file_get_403_on_posts(client_as, objets, role):
    client = client_as(role)
    for url in _posts(objets):
        assert client.post(url, {"statut": "pourvu"}).status_code == 403, url
    assert Interaction.objects.filter(prochaine_etape_faite=True).count() == 0
    assert BesoinRecrutement.objects.get().statut == StatutBesoin.OUVERT


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, objets):
    urls = [url for url, _ in _pages(objets)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url
    for url in _posts(objets):
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion")), url


@pytest.mark.django_db
def test_unknown_company_is_a_404_for_readers_and_a_403_first_for_others(client_as):
    assert client_as(Role.REFERENT).get(reverse("entreprises:detail", args=[999999])).status_code == 404
    assert client_as(Role.AUDITEUR_FSE).get(reverse("entreprises:detail", args=[999999])).status_code == 403


# --- The list: filters, columns, pagination ------------------------------------------------------------


@pytest.mark.django_db
def test_filters(client_as):
    client = client_as(Role.CHARGE_MISSION)
    dijon, autre = _communes()
    binome = BinomeFactory()
    proprete = SecteurActivite.objects.get(code="proprete")
    proprete.binome = binome
    proprete.save()
    propre = EntrepriseFactory(
        nom="Propreté Bourgogne",
        siret=SIRET_VALIDE,
        code_naf="81.21Z",
        commune=dijon,
        statut_relation=StatutRelation.PARTENAIRE,
    )
    Entreprise.objects.filter(pk=propre.pk).update(dernier_contact_le=TODAY - timedelta(days=10))
    logistique = EntrepriseFactory(nom="Logidis", code_naf="52.10B", commune=autre)
    Entreprise.objects.filter(pk=logistique.pk).update(dernier_contact_le=mois_avant(TODAY, 4))
    ancienne = EntrepriseFactory(nom="Garage Lenoir", code_naf="45.20A", commune=autre)
    Entreprise.objects.filter(pk=ancienne.pk).update(dernier_contact_le=mois_avant(TODAY, 7))
    EntrepriseFactory(nom="Association Sans Code", code_naf="", commune=dijon)
    OffreFactory(entreprise=logistique, statut=StatutOffre.DIFFUSEE)
    OffreFactory(entreprise=ancienne, statut=StatutOffre.CLOTUREE, motif_cloture="pourvue")
    BesoinRecrutementFactory(entreprise=ancienne)
    BesoinRecrutementFactory(entreprise=propre, statut=StatutBesoin.POURVU)

    def filtre(query):
        return _noms(client.get(reverse("entreprises:liste") + "?" + query))

    tous = sorted(["Propreté Bourgogne", "Logidis", "Garage Lenoir", "Association Sans Code"])
    assert filtre("") == tous
    assert filtre("q=proprete+bourgogne") == ["Propreté Bourgogne"]  # accents and case aside
    assert filtre("q=LOGI") == ["Logidis"]
    assert filtre("q=732+829") == ["Propreté Bourgogne"]  # the start of the SIRET, spaces aside
    assert filtre(f"secteur={proprete.pk}") == ["Propreté Bourgogne"]
    assert filtre("secteur=null") == ["Association Sans Code"]
    assert filtre(f"commune={autre.pk}") == ["Garage Lenoir", "Logidis"]
    assert filtre(f"binome={binome.pk}") == ["Propreté Bourgogne"]
    assert filtre("relation=partenaire") == ["Propreté Bourgogne"]
    assert filtre("dernier_contact=jamais") == ["Association Sans Code"]
    assert filtre("dernier_contact=moins_3_mois") == ["Propreté Bourgogne"]
    assert filtre("dernier_contact=plus_3_mois") == ["Garage Lenoir", "Logidis"]
    assert filtre("dernier_contact=plus_6_mois") == ["Garage Lenoir"]
    assert filtre(f"contact_depuis={mois_avant(TODAY, 5).isoformat()}") == ["Logidis", "Propreté Bourgogne"]
    assert filtre("offres_ouvertes=true") == ["Logidis"]  # a closed offer is not an open one
    assert filtre("offres_ouvertes=false") == ["Association Sans Code", "Garage Lenoir", "Propreté Bourgogne"]
    assert filtre("besoins_ouverts=true") == ["Garage Lenoir"]  # a filled need is not an open one
    assert filtre("besoins_ouverts=false") == ["Association Sans Code", "Logidis", "Propreté Bourgogne"]
    assert filtre("contact_depuis=pas-une-date") == tous  # bad input: no filter, no error


@pytest.mark.django_db
def test_the_filters_applied_are_described_in_words():
    binome = BinomeFactory()
    secteur = SecteurActivite.objects.get(code="proprete")
    params = QueryDict(
        f"q=net&secteur=null&binome={binome.pk}&relation=partenaire&dernier_contact=plus_6_mois"
        "&contact_depuis=2026-01-05&offres_ouvertes=false&besoins_ouverts=true&commune="
    )
    _, filterset = entreprises_filtrees(params)
    assert description_filtres(filterset) == (
        f"Nom ou SIRET : net ; Secteur : Sans secteur ; Binôme : {binome} ; Relation : Partenaire actif ; "
        "Dernier contact : Il y a plus de 6 mois ; Contactée depuis le : 05/01/2026 ; Offres ouvertes : non ; "
        "Besoins de recrutement ouverts : oui"
    )
    _, filterset = entreprises_filtrees(QueryDict(f"secteur={secteur.pk}"))
    assert description_filtres(filterset) == "Secteur : Propreté"
    assert description_filtres(entreprises_filtrees(QueryDict(""))[1]) == ""


def test_months_before_keeps_to_the_end_of_shorter_months():
    assert mois_avant(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert mois_avant(date(2026, 1, 15), 3) == date(2025, 10, 15)
    assert mois_avant(date(2024, 8, 31), 6) == date(2024, 2, 29)


@pytest.mark.django_db
def test_columns_badges_and_counts(client_as):
    binome = BinomeFactory()
    SecteurActivite.objects.filter(code="transport-logistique").update(binome=binome)
    entreprise = EntrepriseFactory(nom="Logidis", code_naf="52.10B", statut_relation=StatutRelation.CONTACT_ETABLI)
    OffreFactory(entreprise=entreprise, statut=StatutOffre.DIFFUSEE)
    BesoinRecrutementFactory(entreprise=entreprise)
    EntrepriseFactory(nom="Brasserie du Port", code_naf="56.10A")
    response = client_as(Role.REFERENT).get(reverse("entreprises:liste"))
    page = response.content.decode()
    assert "2 entreprises." in page
    assert f'href="{reverse("entreprises:detail", args=[entreprise.pk])}"' in page
    assert "Transport et logistique" in page and f"Binôme {binome}" in page
    assert "Contact établi" in page and "Offres ouvertes" in page and "Besoins ouverts" in page
    assert "Jamais" in page and entreprise.commune.nom in page
    empty = client_as(Role.REFERENT).get(reverse("entreprises:liste") + "?q=introuvable").content.decode()
    assert "0 entreprise correspondant aux filtres." in empty
    assert "Aucune entreprise ne correspond à ces critères." in empty


@pytest.mark.django_db
def test_htmx_gets_the_results_fragment_and_pagination_keeps_filters(client_as):
    client = client_as(Role.CHARGE_MISSION)
    EntrepriseFactory.create_batch(55, code_naf="81.21Z", statut_relation=StatutRelation.PARTENAIRE)
    url = reverse("entreprises:liste") + "?relation=partenaire"
    response = client.get(url, **HTMX)
    fragment = response.content.decode()
    assert "<html" not in fragment and "55 entreprises correspondant aux filtres." in fragment
    assert len(response.context["entreprises"]) == 50 and "Page 1 sur 2" in fragment
    assert 'hx-get="?relation=partenaire&amp;page=2" hx-target="#resultats"' in fragment
    assert "HX-Request" in response["Vary"]
    assert "<html" in client.get(url).content.decode()


def _compter(client, url, **extra):
    with CaptureQueriesContext(connection) as requetes:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(requetes), response


@pytest.mark.django_db
def test_list_query_count_is_constant(client_as):
    client = client_as(Role.REFERENT)
    binome = BinomeFactory()
    SecteurActivite.objects.update(binome=binome)

    def peupler(nombre):
        for entreprise in EntrepriseFactory.create_batch(nombre):
            OffreFactory(entreprise=entreprise, statut=StatutOffre.DIFFUSEE)
            BesoinRecrutementFactory(entreprise=entreprise)
            ContactFactory(entreprise=entreprise)

    peupler(5)
    petit, response = _compter(client, reverse("entreprises:liste"))
    assert len(response.context["entreprises"]) == 5
    peupler(55)
    grand, response = _compter(client, reverse("entreprises:liste"))
    assert len(response.context["entreprises"]) == 50
    assert petit == grand


# --- The XLSX export -------------------------------------------------------------------------------------


def _lire(response):
    classeur = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [[list(row) for row in feuille.iter_rows(values_only=True)] for feuille in classeur.worksheets]


@pytest.mark.django_db
def test_export_headers_row_consent_and_journal(client, make_user):
    user = make_user(Role.CHARGE_MISSION)
    client.force_login(user)
    binome = BinomeFactory()
    SecteurActivite.objects.filter(code="proprete").update(binome=binome)
    entreprise = EntrepriseFactory(
        nom="Propreté Bourgogne", siret=SIRET_VALIDE, code_naf="81.21Z", statut_relation=StatutRelation.PARTENAIRE
    )
    Entreprise.objects.filter(pk=entreprise.pk).update(dernier_contact_le=date(2026, 1, 15))
    ContactFactory(
        entreprise=entreprise, prenom="Anne", nom="Durand", fonction="Responsable RH", telephone="03 80 11 22 33"
    )
    ContactFactory(entreprise=entreprise, prenom="Secret", nom="Refus", telephone="06 99 99 99 99", consentement=False)
    OffreFactory(entreprise=entreprise, statut=StatutOffre.DIFFUSEE)
    response = client.get(reverse("entreprises:export") + "?relation=partenaire")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    entreprises, informations = _lire(response)
    assert entreprises[0] == [*COLONNES, COLONNE_CONTACTS]
    assert entreprises[0][:5] == ["Nom", "SIRET", "Code NAF", "Activité", "Secteur"]
    ligne = dict(zip(entreprises[0], entreprises[1], strict=True))
    assert ligne["Nom"] == "Propreté Bourgogne" and ligne["SIRET"] == SIRET_VALIDE
    assert ligne["Secteur"] == "Propreté" and ligne["Binôme"] == str(binome)
    assert ligne["Commune"] == entreprise.commune.nom and ligne["Code INSEE"] == entreprise.commune.insee
    assert ligne["Relation"] == "Partenaire actif" and ligne["Dernier contact"].date() == date(2026, 1, 15)
    assert ligne["Offres ouvertes"] == "oui" and ligne["Besoins ouverts"] == "non"
    # The contact who did not consent is nowhere: neither name nor phone.
    contacts = ligne[COLONNE_CONTACTS]
    assert contacts.startswith("Anne Durand – Responsable RH – 03 80 11 22 33")
    assert "Refus" not in contacts and "06 99" not in contacts
    infos = {row[0]: row[1] if len(row) > 1 else None for row in informations}
    assert "Opération cofinancée par l'Union européenne (Fonds social européen)." in infos
    assert infos["Par"] == user.get_full_name() and infos["Filtres"] == "Relation : Partenaire actif"
    journal = JournalAcces.objects.get()
    assert journal.utilisateur == user and journal.action == JournalAcces.Action.EXPORT
    assert journal.objet_type == "entreprises" and "1 ligne(s)" in journal.detail


@pytest.mark.django_db
def test_export_neutralises_formulas_and_applies_filters(client_as):
    client = client_as(Role.REFERENT)
    dangereux = EntrepriseFactory(nom='=HYPERLINK("http://x")', prerequis="+33 6 12", code_naf="81.21Z")
    ContactFactory(entreprise=dangereux, prenom="", nom="@SUM(A1)", fonction="", telephone="", email="")
    EntrepriseFactory(nom="Logidis", code_naf="52.10B")
    [feuille, _] = _lire(client.get(reverse("entreprises:export") + "?q=hyperlink"))
    assert len(feuille) == 2
    ligne = dict(zip(feuille[0], feuille[1], strict=True))
    assert ligne["Nom"] == '\'=HYPERLINK("http://x")'
    assert ligne["Prérequis et attentes"] == "'+33 6 12"
    assert ligne[COLONNE_CONTACTS] == "'@SUM(A1)"


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_the_companies(client_as):
    client = client_as(Role.CHARGE_MISSION)
    for entreprise in EntrepriseFactory.create_batch(5):
        ContactFactory(entreprise=entreprise)
    with CaptureQueriesContext(connection) as petit:
        b"".join(client.get(reverse("entreprises:export")).streaming_content)
    for entreprise in EntrepriseFactory.create_batch(55):
        ContactFactory.create_batch(2, entreprise=entreprise)
    with CaptureQueriesContext(connection) as grand:
        b"".join(client.get(reverse("entreprises:export")).streaming_content)
    assert len(petit) == len(grand)


# --- The company page --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_company_page_shows_identity_binome_needs_offers_and_timeline(client_as, make_user):
    membre_1 = make_user(Role.REFERENT, first_name="Nadia", last_name="Benali")
    membre_2 = make_user(Role.REFERENT, first_name="Paul", last_name="Girard")
    binome = BinomeFactory(referent_1=membre_1, referent_2=membre_2)
    SecteurActivite.objects.filter(code="proprete").update(binome=binome)
    entreprise = EntrepriseFactory(
        nom="Propreté Bourgogne", code_naf="81.21Z", statut_relation=StatutRelation.PARTENAIRE
    )
    BesoinRecrutementFactory(entreprise=entreprise, intitule="Laveur de vitres (H/F)", prerequis="Travail en hauteur")
    BesoinRecrutementFactory(entreprise=entreprise, intitule="Poste pourvu (H/F)", statut=StatutBesoin.POURVU)
    diffusee = OffreFactory(entreprise=entreprise, intitule="Agent de propreté (H/F)", statut=StatutOffre.DIFFUSEE)
    OffreFactory(entreprise=entreprise, intitule="Offre en attente (H/F)", statut=StatutOffre.COLLECTEE)
    InteractionFactory(entreprise=entreprise, il_y_a_jours=20, resume="Premier rendez-vous")
    InteractionFactory(entreprise=entreprise, il_y_a_jours=2, resume="Point sur les besoins")
    response = client_as(Role.REFERENT).get(reverse("entreprises:detail", args=[entreprise.pk]))
    page = response.content.decode()
    assert "Nadia Benali et Paul Girard" in page and "Propreté" in page and "Partenaire actif" in page
    assert "Laveur de vitres (H/F)" in page and "Travail en hauteur" in page
    assert f'href="{reverse("offres:detail", args=[diffusee.pk])}"' in page
    # A référent does not see the offers still in the chargé(e) de mission's queue.
    assert "Offre en attente (H/F)" not in page
    assert page.index("Point sur les besoins") < page.index("Premier rendez-vous")  # latest first
    assert 'hx-post="{}"'.format(reverse("entreprises:interaction_ajouter", args=[entreprise.pk])) in page
    page_cm = client_as(Role.CHARGE_MISSION).get(reverse("entreprises:detail", args=[entreprise.pk])).content.decode()
    assert "Offre en attente (H/F)" in page_cm


@pytest.mark.django_db
def test_the_timeline_is_limited_with_a_link_to_every_exchange(client_as):
    entreprise = EntrepriseFactory()
    for jours in range(12):
        InteractionFactory(entreprise=entreprise, il_y_a_jours=jours, resume=f"Échange numéro {jours}")
    client = client_as(Role.REFERENT)
    page = client.get(reverse("entreprises:detail", args=[entreprise.pk])).content.decode()
    assert "Échange numéro 9<" in page and "Échange numéro 10<" not in page
    assert reverse("entreprises:echanges", args=[entreprise.pk]) in page
    tout = client.get(reverse("entreprises:echanges", args=[entreprise.pk])).content.decode()
    assert "12 échanges" in tout and "Échange numéro 11<" in tout


@pytest.mark.django_db
def test_consent_hides_a_contacts_details(client_as):
    entreprise = EntrepriseFactory()
    ContactFactory(entreprise=entreprise, prenom="Anne", nom="Durand", telephone="03 80 11 22 33", email="anne@ex.fr")
    ContactFactory(
        entreprise=entreprise,
        prenom="Marc",
        nom="Refus",
        telephone="06 99 88 77 66",
        email="marc@ex.fr",
        consentement=False,
    )
    page = client_as(Role.REFERENT).get(reverse("entreprises:detail", args=[entreprise.pk])).content.decode()
    assert "03 80 11 22 33" in page and "anne@ex.fr" in page
    assert "Marc Refus" in page
    assert "06 99 88 77 66" not in page and "marc@ex.fr" not in page
    assert "consenti à être contacté(e)" in page


@pytest.mark.django_db
def test_company_page_query_count_is_constant(client_as):
    client = client_as(Role.REFERENT)
    binome = BinomeFactory()
    SecteurActivite.objects.update(binome=binome)
    entreprise = EntrepriseFactory()

    def peupler(nombre):
        ContactFactory.create_batch(nombre, entreprise=entreprise)
        InteractionFactory.create_batch(nombre, entreprise=entreprise, contact=Contact.objects.first())
        BesoinRecrutementFactory.create_batch(nombre, entreprise=entreprise)
        BesoinRecrutementFactory.create_batch(nombre, entreprise=entreprise, statut=StatutBesoin.ABANDONNE)
        OffreFactory.create_batch(nombre, entreprise=entreprise, statut=StatutOffre.DIFFUSEE)

    url = reverse("entreprises:detail", args=[entreprise.pk])
    peupler(2)
    petit, _ = _compter(client, url)
    peupler(30)
    grand, response = _compter(client, url)
    assert len(response.context["interactions"]) == 10 and len(response.context["offres"]) == 20
    assert petit == grand


# --- Creating and editing a company: SIRET and duplicates --------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("siret", "erreur"),
    [
        (SIRET_VALIDE, None),
        ("732 829 320 00074", None),  # as people copy it
        (SIRET_LA_POSTE, None),
        ("", None),  # not known yet
        ("73282932000075", "Ce SIRET n'est pas valide (clé de contrôle)."),
        ("35600000012345", "Ce SIRET n'est pas valide (clé de contrôle)."),  # La Poste: sum not a multiple of 5
        ("7328293200007", "Le SIRET doit comporter 14 chiffres."),
        ("7328293200007A", "Le SIRET doit comporter 14 chiffres."),
    ],
)
def test_siret_validation_through_the_form(client_as, siret, erreur):
    response = client_as(Role.CHARGE_MISSION).post(reverse("entreprises:creer"), _formulaire_entreprise(siret=siret))
    if erreur is None:
        entreprise = Entreprise.objects.get()
        assert response.status_code == 302 and response.url == reverse("entreprises:detail", args=[entreprise.pk])
        assert entreprise.siret == siret.replace(" ", "")
    else:
        assert response.status_code == 200
        assert response.context["form"].errors["siret"] == [erreur]
        assert not Entreprise.objects.exists()


@pytest.mark.django_db
def test_a_siret_already_used_names_the_other_company(client_as):
    EntrepriseFactory(nom="Net'Bourgogne", siret=SIRET_VALIDE)
    response = client_as(Role.CHARGE_MISSION).post(
        reverse("entreprises:creer"), _formulaire_entreprise(nom="Autre nom", siret=SIRET_VALIDE)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["siret"] == ["Ce SIRET est déjà celui de l'entreprise « Net'Bourgogne »."]
    assert Entreprise.objects.count() == 1


@pytest.mark.django_db
def test_a_probable_duplicate_asks_for_confirmation_then_creates(client_as):
    commune = _communes()[0]
    existante = EntrepriseFactory(nom="PROPRETE-BOURGOGNE SAS", commune=commune)
    client = client_as(Role.REFERENT)
    donnees = _formulaire_entreprise(nom="Propreté Bourgogne", commune=commune.pk)
    response = client.post(reverse("entreprises:creer"), donnees)
    assert response.status_code == 200 and Entreprise.objects.count() == 1
    assert response.context["form"].doublons == [existante]
    page = response.content.decode()
    assert f'href="{reverse("entreprises:detail", args=[existante.pk])}"' in page
    assert "Je confirme qu&#x27;il s&#x27;agit d&#x27;une autre entreprise" in page
    assert "Une entreprise au nom proche existe déjà dans cette commune" in page
    # In another commune it is not a duplicate.
    autre = client.post(reverse("entreprises:creer"), {**donnees, "commune": _communes()[1].pk})
    assert autre.status_code == 302
    response = client.post(reverse("entreprises:creer"), {**donnees, "confirmer_doublon": "on"})
    assert response.status_code == 302 and Entreprise.objects.filter(nom="Propreté Bourgogne").count() == 2


@pytest.mark.django_db
def test_editing_a_confirmed_duplicate_does_not_ask_again_unless_the_name_changes(client_as):
    commune = _communes()[0]
    EntrepriseFactory(nom="Propreté Bourgogne", commune=commune)
    seconde = EntrepriseFactory(nom="Proprete Bourgogne", commune=commune, code_naf="81.21Z")
    client = client_as(Role.CHARGE_MISSION)
    url = reverse("entreprises:modifier", args=[seconde.pk])
    donnees = _formulaire_entreprise(nom=seconde.nom, commune=commune.pk, code_naf="81.21Z", adresse="2 rue Neuve")
    assert client.post(url, donnees).status_code == 302
    seconde.refresh_from_db()
    assert seconde.adresse == "2 rue Neuve"
    response = client.post(url, {**donnees, "nom": "PROPRETÉ BOURGOGNE"})
    assert response.status_code == 200 and response.context["form"].doublons


@pytest.mark.django_db
def test_naf_code_is_normalised_and_gives_the_sector(client_as):
    client = client_as(Role.CHARGE_MISSION)
    response = client.post(reverse("entreprises:creer"), _formulaire_entreprise(code_naf=" 5210b "))
    assert response.status_code == 302
    entreprise = Entreprise.objects.get()
    assert entreprise.code_naf == "52.10B"
    assert entreprise.secteur_activite == SecteurActivite.objects.get(code="transport-logistique")
    response = client.post(reverse("entreprises:creer"), _formulaire_entreprise(nom="Autre", code_naf="52-10"))
    assert response.context["form"].errors["code_naf"] == [
        "Le code NAF s'écrit avec quatre chiffres et une lettre, ex. « 52.10B »."
    ]


# --- Contacts and hiring needs ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_contact_consent_needs_its_date(client_as):
    entreprise = EntrepriseFactory()
    client = client_as(Role.REFERENT)
    url = reverse("entreprises:contact_ajouter", args=[entreprise.pk])
    donnees = {"nom": "Durand", "prenom": "Anne", "telephone": "03 80 11 22 33", "consentement": "on"}
    response = client.post(url, donnees)
    assert response.status_code == 200
    assert response.context["form"].errors["consentement_le"] == [
        "Indiquez la date à laquelle le consentement a été recueilli."
    ]
    demain = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(url, {**donnees, "consentement_le": demain})
    assert "ne peut pas avoir été recueilli dans le futur" in response.context["form"].errors["consentement_le"][0]
    response = client.post(url, {**donnees, "consentement_le": TODAY.isoformat()})
    assert response.status_code == 302 and response.url.endswith("#contacts")
    contact = Contact.objects.get()
    assert contact.entreprise == entreprise and contact.consentement and contact.actif


@pytest.mark.django_db
def test_contact_edit_withdraws_consent_and_marks_departure(client_as):
    contact = ContactFactory()
    client = client_as(Role.CHARGE_MISSION)
    response = client.post(
        reverse("entreprises:contact_modifier", args=[contact.pk]),
        {"nom": contact.nom, "prenom": contact.prenom, "consentement_le": TODAY.isoformat()},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert not contact.consentement and contact.consentement_le is None and not contact.actif


@pytest.mark.django_db
def test_hiring_need_add_edit_and_close(client, make_user):
    user = make_user(Role.REFERENT)
    client.force_login(user)
    entreprise = EntrepriseFactory()
    response = client.post(
        reverse("entreprises:besoin_ajouter", args=[entreprise.pk]),
        {"intitule": "Cariste (H/F)", "nb_postes": "0", "prerequis": "CACES 3"},
    )
    assert response.context["form"].errors["nb_postes"] == ["Un besoin compte au moins un poste."]
    client.post(
        reverse("entreprises:besoin_ajouter", args=[entreprise.pk]),
        {"intitule": "Cariste (H/F)", "nb_postes": "2", "prerequis": "CACES 3"},
    )
    besoin = BesoinRecrutement.objects.get()
    assert besoin.cree_par == user and besoin.entreprise == entreprise and besoin.statut == StatutBesoin.OUVERT
    client.post(
        reverse("entreprises:besoin_modifier", args=[besoin.pk]),
        {"intitule": "Cariste (H/F)", "nb_postes": "3", "prerequis": "CACES 3 et 5"},
    )
    besoin.refresh_from_db()
    assert besoin.nb_postes == 3 and besoin.prerequis == "CACES 3 et 5"
    page = client.get(reverse("entreprises:detail", args=[entreprise.pk])).content.decode()
    assert "CACES 3 et 5" in page and "Clore : pourvu" in page
    url = reverse("entreprises:besoin_clore", args=[besoin.pk])
    response = client.post(url, {"statut": "ouvert"}, follow=True)
    assert "Un besoin se clôt comme « pourvu » ou « abandonné »." in response.content.decode()
    response = client.post(url, {"statut": "pourvu"})
    assert response.status_code == 302 and response.url.endswith("#besoins")
    besoin.refresh_from_db()
    assert besoin.statut == StatutBesoin.POURVU
    response = client.post(url, {"statut": "abandonne"}, follow=True)
    assert "Le besoin « Cariste (H/F) » est déjà pourvu." in response.content.decode()


# --- Logging an exchange --------------------------------------------------------------------------------------------


def _echange(**valeurs):
    donnees = {"date": TODAY.isoformat(), "type": TypeInteraction.APPEL, "resume": "Deux postes de cariste en mars."}
    donnees.update(valeurs)
    return donnees


@pytest.mark.django_db
def test_logging_an_exchange_with_htmx_swaps_the_timeline(client, make_user):
    user = make_user(Role.REFERENT)
    client.force_login(user)
    entreprise = EntrepriseFactory()
    contact = ContactFactory(entreprise=entreprise)
    assert entreprise.statut_relation == StatutRelation.A_CONTACTER
    url = reverse("entreprises:interaction_ajouter", args=[entreprise.pk])
    response = client.post(
        url,
        _echange(
            contact=contact.pk, prochaine_etape="Envoyer deux CV", echeance=(TODAY + timedelta(days=7)).isoformat()
        ),
        **HTMX,
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert f"Échange du {TODAY:%d/%m/%Y} consigné." in fragment
    assert "Deux postes de cariste en mars." in fragment and "Envoyer deux CV" in fragment
    assert 'id="fiche-suivi" class="mb-3" hx-swap-oob="true"' in fragment and "Contact établi" in fragment
    interaction = Interaction.objects.get()
    assert interaction.auteur == user and interaction.contact == contact and interaction.entreprise == entreprise
    entreprise.refresh_from_db()
    assert entreprise.dernier_contact_le == TODAY
    assert entreprise.statut_relation == StatutRelation.CONTACT_ETABLI


@pytest.mark.django_db
def test_logging_an_exchange_without_javascript_redirects(client_as):
    client = client_as(Role.CHARGE_MISSION)
    entreprise = EntrepriseFactory(statut_relation=StatutRelation.PARTENAIRE)
    InteractionFactory(entreprise=entreprise, il_y_a_jours=3)
    Entreprise.objects.filter(pk=entreprise.pk).update(dernier_contact_le=TODAY - timedelta(days=3))
    url = reverse("entreprises:interaction_ajouter", args=[entreprise.pk])
    response = client.post(url, _echange(date=(TODAY - timedelta(days=10)).isoformat()))
    assert response.status_code == 302
    assert response.url == reverse("entreprises:detail", args=[entreprise.pk]) + "#echanges"
    entreprise.refresh_from_db()
    # An older exchange logged late does not move the last contact back; a partner stays a partner.
    assert entreprise.dernier_contact_le == TODAY - timedelta(days=3)
    assert entreprise.statut_relation == StatutRelation.PARTENAIRE
    page = client.get(response.url).content.decode()
    assert "consigné" in page and Interaction.objects.count() == 2


@pytest.mark.django_db
def test_an_exchange_in_the_future_is_refused_in_french(client_as):
    client = client_as(Role.REFERENT)
    entreprise = EntrepriseFactory()
    url = reverse("entreprises:interaction_ajouter", args=[entreprise.pk])
    futur = _echange(date=(TODAY + timedelta(days=1)).isoformat())
    message = "Un échange se consigne une fois qu&#x27;il a eu lieu : la date est dans le futur."
    response = client.post(url, futur, **HTMX)
    assert response.status_code == 200 and message in response.content.decode()
    assert "<html" not in response.content.decode()
    response = client.post(url, futur)
    assert response.status_code == 200 and message in response.content.decode()
    assert "<html" in response.content.decode()  # the whole company page, with the form's errors
    assert not Interaction.objects.exists()
    entreprise.refresh_from_db()
    assert entreprise.dernier_contact_le is None


@pytest.mark.django_db
def test_an_exchange_cannot_name_another_companys_contact_nor_end_before_it_starts(client_as):
    client = client_as(Role.REFERENT)
    entreprise = EntrepriseFactory()
    ailleurs = ContactFactory()
    url = reverse("entreprises:interaction_ajouter", args=[entreprise.pk])
    response = client.post(url, _echange(contact=ailleurs.pk), **HTMX)
    assert "contact" in response.context["form_echange"].errors
    response = client.post(
        url, _echange(prochaine_etape="Rappeler", echeance=(TODAY - timedelta(days=1)).isoformat()), **HTMX
    )
    assert response.context["form_echange"].errors["echeance"] == [
        "L'échéance de la prochaine étape ne peut pas précéder l'échange."
    ]
    response = client.post(url, _echange(echeance=TODAY.isoformat()), **HTMX)
    assert response.context["form_echange"].errors["prochaine_etape"] == [
        "Décrivez la prochaine étape à laquelle l'échéance se rapporte."
    ]
    assert not Interaction.objects.exists()


@pytest.mark.django_db
def test_quick_exchange_from_anywhere(client, make_user):
    user = make_user(Role.REFERENT)
    client.force_login(user)
    entreprise = EntrepriseFactory(nom="Logidis")
    contact = ContactFactory(entreprise=entreprise, prenom="Anne", nom="Durand")
    ContactFactory(entreprise=entreprise, prenom="Ancien", nom="Parti", actif=False)
    autre = ContactFactory(prenom="Autre", nom="Maison")
    url = reverse("entreprises:interaction_rapide")
    page = client.get(url).content.decode()
    assert f'<option value="{entreprise.pk}">Logidis — {entreprise.commune.nom}</option>' in page
    # The contact select follows the company chosen (htmx), with its current contacts only.
    fragment = client.get(reverse("entreprises:interaction_contacts") + f"?entreprise={entreprise.pk}").content.decode()
    assert "Anne Durand" in fragment and "Ancien Parti" not in fragment and "Autre Maison" not in fragment
    preselection = client.get(url + f"?entreprise={entreprise.pk}").content.decode()
    assert f'<option value="{entreprise.pk}" selected>' in preselection and "Anne Durand" in preselection
    response = client.post(url, _echange(entreprise=autre.entreprise_id, contact=contact.pk))
    assert response.status_code == 200 and "contact" in response.context["form"].errors
    response = client.post(url, _echange())
    assert response.context["form"].errors["entreprise"] == ["Choisissez l'entreprise avec qui vous avez échangé."]
    response = client.post(url, _echange(entreprise=entreprise.pk, contact=contact.pk))
    assert response.status_code == 302
    assert response.url == reverse("entreprises:detail", args=[entreprise.pk]) + "#echanges"
    interaction = Interaction.objects.get()
    assert interaction.entreprise == entreprise and interaction.auteur == user and interaction.contact == contact


@pytest.mark.django_db
def test_next_steps_due_and_done(client, make_user):
    user = make_user(Role.REFERENT)
    collegue = make_user(Role.REFERENT)
    client.force_login(user)
    tard = InteractionFactory(auteur=user, prochaine_etape="Envoyer les CV", echeance=TODAY + timedelta(days=5))
    retard = InteractionFactory(auteur=user, prochaine_etape="Rappeler la DRH", echeance=TODAY - timedelta(days=2))
    InteractionFactory(auteur=user, prochaine_etape="Sans date")
    InteractionFactory(auteur=user, prochaine_etape="Déjà faite", prochaine_etape_faite=True)
    InteractionFactory(auteur=user)  # no next step
    autre = InteractionFactory(auteur=collegue, prochaine_etape="Pas la mienne", echeance=TODAY)
    url = reverse("entreprises:prochaines_etapes")
    response = client.get(url)
    assert [i.prochaine_etape for i in response.context["interactions"]] == [
        "Rappeler la DRH",
        "Envoyer les CV",
        "Sans date",
    ]
    assert "en retard" in response.content.decode()
    response = client.post(reverse("entreprises:prochaine_etape_faite", args=[retard.pk]), **HTMX)
    assert response.status_code == 200 and "« Rappeler la DRH »" in response.content.decode()
    assert response.content.decode().strip().startswith("<tr>")
    response = client.post(reverse("entreprises:prochaine_etape_faite", args=[tard.pk]))
    assert response.status_code == 302 and response.url == url
    retard.refresh_from_db()
    tard.refresh_from_db()
    autre.refresh_from_db()
    assert retard.prochaine_etape_faite and tard.prochaine_etape_faite and not autre.prochaine_etape_faite
    assert [i.prochaine_etape for i in client.get(url).context["interactions"]] == ["Sans date"]


@pytest.mark.django_db
def test_services_refuse_a_probable_duplicate_without_confirmation():
    commune = _communes()[0]
    EntrepriseFactory(nom="Logidis", commune=commune)
    with pytest.raises(services.DoublonProbable):
        services.entreprise_enregistrer(entreprise=Entreprise(nom="LOGIDIS SARL", commune=commune), par=None)


@pytest.mark.django_db
def test_only_the_author_or_the_charge_de_mission_closes_a_next_step(make_user):
    auteur, collegue, charge = make_user(Role.REFERENT), make_user(Role.REFERENT), make_user(Role.CHARGE_MISSION)
    interaction = InteractionFactory(auteur=auteur, prochaine_etape="Rappeler la DRH")
    with pytest.raises(ValidationError, match="Seul l'auteur"):
        services.prochaine_etape_faite(interaction=interaction, par=collegue)
    interaction.refresh_from_db()
    assert not interaction.prochaine_etape_faite
    services.prochaine_etape_faite(interaction=interaction, par=charge)
    interaction.refresh_from_db()
    assert interaction.prochaine_etape_faite
