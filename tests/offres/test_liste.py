"""The offers list (filters, sort, pagination, who sees what), its XLSX export and ``export_offers``."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from offres.enums import MotifEcart, StatutOffre
from offres.export import COLONNES
from offres.factories import OffreFactory
from offres.models import LienSource, Source
from plie.models import Commune, JournalAcces, MetierRome, TypeContrat
from plie.roles import Role

TODAY = timezone.localdate()


def _lien(offre, source_nom, identifiant):
    now = timezone.now()
    return LienSource.objects.create(
        offre=offre,
        source=Source.objects.get(nom=source_nom),
        identifiant_externe=identifiant,
        vue_le=now,
        vue_derniere_fois_le=now,
    )


def _intitules(response):
    return [o.intitule for o in response.context["offres"]]


@pytest.fixture
def offres_de_chaque_statut(db):
    return {
        statut: OffreFactory(
            intitule=f"Offre {statut.label}",
            statut=statut,
            motif_ecart=MotifEcart.DOUBLON if statut == StatutOffre.ECARTEE else "",
            motif_cloture="pourvue" if statut == StatutOffre.CLOTUREE else "",
        )
        for statut in StatutOffre
    }


# --- Who sees what ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.COORDINATRICE])
def test_charge_de_mission_and_coordinatrice_see_every_status(client_as, offres_de_chaque_statut, role):
    response = client_as(role).get(reverse("offres:liste"))
    assert response.status_code == 200
    assert sorted(_intitules(response)) == sorted(o.intitule for o in offres_de_chaque_statut.values())


@pytest.mark.django_db
def test_referents_do_not_see_the_charge_de_missions_work_in_progress(client_as, offres_de_chaque_statut):
    client = client_as(Role.REFERENT)
    response = client.get(reverse("offres:liste"))
    assert sorted(_intitules(response)) == ["Offre Clôturée", "Offre Diffusée", "Offre Qualifiée"]
    # Asking for a hidden status does not reveal it either.
    response = client.get(reverse("offres:liste") + "?statut=collectee")
    assert "Offre Collectée" not in response.content.decode()
    choices = [value for value, _ in response.context["filter"].form.fields["statut"].choices]
    assert "collectee" not in choices and "ecartee" not in choices


@pytest.mark.django_db
def test_auditeur_and_administrateur_get_403(client_as):
    for role in (Role.AUDITEUR_FSE, Role.ADMINISTRATEUR):
        client = client_as(role)
        assert client.get(reverse("offres:liste")).status_code == 403
        assert client.get(reverse("offres:export")).status_code == 403
        client.logout()


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    for url in (reverse("offres:liste"), reverse("offres:export")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


# --- Filters, sort, pagination ------------------------------------------------------------------


@pytest.mark.django_db
def test_filters(client_as):
    client = client_as(Role.CHARGE_MISSION)
    communes = list(Commune.objects.valides_le(TODAY).order_by("insee")[:2])
    cdi, cdd = TypeContrat.objects.get(code="CDI"), TypeContrat.objects.get(code="CDD")
    propre, cariste = MetierRome.objects.get(code="K2204"), MetierRome.objects.get(code="N1101")
    a = OffreFactory(
        intitule="Agent de propreté (H/F)",
        employeur="Net Services",
        entreprise=None,
        commune=communes[0],
        type_contrat=cdi,
        metier_rome=propre,
        age_jours=2,
    )
    b = OffreFactory(
        intitule="Cariste (H/F)",
        employeur="Logidis",
        entreprise=None,
        commune=communes[1],
        type_contrat=cdd,
        metier_rome=cariste,
        age_jours=20,
        statut=StatutOffre.DIFFUSEE,
    )
    _lien(a, "france-travail", "FT-1")
    _lien(b, "saisie", "saisie-b")
    _lien(b, "france-travail", "FT-2")

    def filtre(query):
        return sorted(_intitules(client.get(reverse("offres:liste") + "?" + query)))

    assert filtre("statut=diffusee") == [b.intitule]
    assert filtre(f"type_contrat={cdi.pk}") == [a.intitule]
    assert filtre(f"commune={communes[1].pk}") == [b.intitule]
    assert filtre("rome=K22") == [a.intitule]
    assert filtre("rome=n1101") == [b.intitule]
    assert filtre(f"source={Source.objects.get(nom='saisie').pk}") == [b.intitule]
    # An offer with two links from the filtered sources appears once.
    assert filtre(f"source={Source.objects.get(nom='france-travail').pk}") == sorted([a.intitule, b.intitule])
    assert filtre(f"publiee_du={(TODAY - timedelta(days=5)).isoformat()}") == [a.intitule]
    assert filtre(f"publiee_au={(TODAY - timedelta(days=5)).isoformat()}") == [b.intitule]
    assert filtre("q=logidis") == [b.intitule]
    assert filtre("q=agent+propret") == [a.intitule]
    assert filtre("publiee_du=pas-une-date") == sorted([a.intitule, b.intitule])  # bad input: no filter, no error


@pytest.mark.django_db
def test_columns_and_number_of_sources(client_as):
    offre = OffreFactory(intitule="Plongeur (H/F)", statut=StatutOffre.DIFFUSEE)
    _lien(offre, "france-travail", "FT-9")
    _lien(offre, "saisie", "saisie-9")
    response = client_as(Role.REFERENT).get(reverse("offres:liste"))
    [row] = response.context["offres"]
    assert row.nb_sources == 2
    page = response.content.decode()
    assert f'href="{reverse("offres:detail", args=[offre.pk])}"' in page
    assert "Diffusée" in page and escape(offre.type_contrat.libelle) in page


@pytest.mark.django_db
def test_sort(client_as):
    client = client_as(Role.CHARGE_MISSION)
    OffreFactory(intitule="Boulanger (H/F)", age_jours=1)
    OffreFactory(intitule="Aide maçon (H/F)", age_jours=10, statut=StatutOffre.DIFFUSEE)
    OffreFactory(intitule="Cariste (H/F)", age_jours=5, statut=StatutOffre.QUALIFIEE)
    url = reverse("offres:liste")
    assert _intitules(client.get(url)) == ["Boulanger (H/F)", "Cariste (H/F)", "Aide maçon (H/F)"]
    assert _intitules(client.get(url + "?tri=publication")) == ["Aide maçon (H/F)", "Cariste (H/F)", "Boulanger (H/F)"]
    assert _intitules(client.get(url + "?tri=intitule")) == ["Aide maçon (H/F)", "Boulanger (H/F)", "Cariste (H/F)"]
    assert _intitules(client.get(url + "?tri=-intitule")) == ["Cariste (H/F)", "Boulanger (H/F)", "Aide maçon (H/F)"]
    # Statuses in the order of their lifecycle: collectée, qualifiée, …, diffusée.
    assert _intitules(client.get(url + "?tri=statut")) == ["Boulanger (H/F)", "Cariste (H/F)", "Aide maçon (H/F)"]
    assert _intitules(client.get(url + "?tri=-statut")) == ["Aide maçon (H/F)", "Cariste (H/F)", "Boulanger (H/F)"]
    assert _intitules(client.get(url + "?tri=n-importe-quoi"))[0] == "Boulanger (H/F)"


def _list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.REFERENT])
def test_list_query_count_is_constant(client_as, role):
    client = client_as(role)
    url = reverse("offres:liste") + "?tri=intitule"
    for offre in OffreFactory.create_batch(5, statut=StatutOffre.DIFFUSEE):
        _lien(offre, "france-travail", f"FT-{offre.pk}")
    small, response = _list_queries(client, url)
    assert len(response.context["offres"]) == 5
    for offre in OffreFactory.create_batch(55, statut=StatutOffre.DIFFUSEE):
        _lien(offre, "france-travail", f"FT-{offre.pk}")
        _lien(offre, "saisie", f"saisie-{offre.pk}")
    large, response = _list_queries(client, url)
    assert len(response.context["offres"]) == 25
    assert "Page 1 sur 3" in response.content.decode()
    assert small == large


@pytest.mark.django_db
def test_a_large_list_is_counted_up_to_a_ceiling(client_as, monkeypatch):
    from offres.views.liste import PaginateurOffres

    monkeypatch.setattr(PaginateurOffres, "plafond", 30)
    OffreFactory.create_batch(31, statut=StatutOffre.DIFFUSEE)
    OffreFactory.create_batch(2, statut=StatutOffre.QUALIFIEE)
    client = client_as(Role.CHARGE_MISSION)
    page = client.get(reverse("offres:liste")).content.decode()
    assert "Plus de 30 offres : la liste montre les 30 premières" in page and "Page 1 sur 2" in page
    assert "2 offres." in client.get(reverse("offres:liste") + "?statut=qualifiee").content.decode()


@pytest.mark.django_db
def test_the_text_search_finds_the_offers_of_a_company_by_its_name(client_as):
    from entreprises.factories import EntrepriseFactory

    logidis = EntrepriseFactory(nom="Logidis Bourgogne")
    OffreFactory(intitule="Cariste", employeur="", entreprise=logidis, statut=StatutOffre.DIFFUSEE)
    OffreFactory(intitule="Cariste", employeur="Autre", entreprise=None, statut=StatutOffre.DIFFUSEE)
    OffreFactory(intitule="Agent logistique", employeur="Net", entreprise=None, statut=StatutOffre.DIFFUSEE)
    response = client_as(Role.CHARGE_MISSION).get(reverse("offres:liste") + "?q=logidis")
    assert [o.entreprise for o in response.context["offres"]] == [logidis]
    response = client_as(Role.CHARGE_MISSION).get(reverse("offres:liste") + "?q=zzz")
    assert list(response.context["offres"]) == []


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client_as):
    client = client_as(Role.CHARGE_MISSION)
    OffreFactory.create_batch(30, statut=StatutOffre.DIFFUSEE)
    page = client.get(reverse("offres:liste") + "?statut=diffusee&tri=intitule").content.decode()
    assert "?statut=diffusee&amp;tri=intitule&amp;page=2" in page


# --- XLSX export ----------------------------------------------------------------------------------


def _lire(contenu):
    feuille = load_workbook(io.BytesIO(contenu), read_only=True).worksheets[0]
    return [list(row) for row in feuille.iter_rows(values_only=True)]


@pytest.mark.django_db
def test_export_columns_sources_and_journal(client, make_user):
    user = make_user(Role.CHARGE_MISSION)
    client.force_login(user)
    offre = OffreFactory(
        intitule="Agent de tri (H/F)",
        statut=StatutOffre.DIFFUSEE,
        permis_requis=True,
        sans_diplome=None,
        horaires="6 h – 13 h",
    )
    _lien(offre, "france-travail", "178XYZ")
    _lien(offre, "saisie", "saisie-1")
    response = client.get(reverse("offres:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    lignes = _lire(b"".join(response.streaming_content))
    assert lignes[0] == COLONNES
    assert lignes[0][:10] == [
        "identifiant",
        "intitule",
        "employeur",
        "commune_insee",
        "type_contrat",
        "code_rome",
        "statut",
        "date_publication",
        "nb_sources",
        "sources",
    ]
    row = dict(zip(lignes[0], lignes[1], strict=True))
    assert row["identifiant"] == offre.pk
    assert row["intitule"] == "Agent de tri (H/F)"
    assert row["employeur"] == offre.entreprise.nom
    assert row["commune_insee"] == offre.commune.insee
    assert row["type_contrat"] == offre.type_contrat.code
    assert row["code_rome"] == offre.metier_rome.code
    assert row["statut"] == "diffusee"
    assert row["date_publication"].date() == offre.date_publication
    assert row["nb_sources"] == 2
    assert row["sources"] == "france-travail:178XYZ|saisie:saisie-1"
    assert row["permis_requis"] == "oui" and row["sans_diplome"] is None and row["horaires"] == "6 h – 13 h"
    journal = JournalAcces.objects.get()
    assert journal.utilisateur == user and journal.action == JournalAcces.Action.EXPORT
    assert journal.objet_type == "offres" and "1 ligne(s)" in journal.detail


@pytest.mark.django_db
def test_export_neutralises_formulas(client_as):
    client = client_as(Role.CHARGE_MISSION)
    dangereux = ['=HYPERLINK("http://x")', "+33 6 12", "-2+3", "@SUM(A1)", "\tcache", "\rretour"]
    for i, texte in enumerate(dangereux):
        OffreFactory(intitule=texte, employeur="Sûr", entreprise=None, age_jours=i, horaires=texte)
    lignes = _lire(b"".join(client.get(reverse("offres:export") + "?tri=publication").streaming_content))
    colonne = lignes[0].index("intitule")
    # (XML turns a carriage return into a line feed when read back.)
    attendu = sorted("'" + texte.replace("\r", "\n") for texte in dangereux)
    assert sorted(row[colonne] for row in lignes[1:]) == attendu
    assert all(row[lignes[0].index("horaires")].startswith("'") for row in lignes[1:])
    assert {row[lignes[0].index("employeur")] for row in lignes[1:]} == {"Sûr"}


@pytest.mark.django_db
def test_export_applies_the_filters_and_the_referents_view(client_as):
    OffreFactory(intitule="Collectée (H/F)")
    OffreFactory(
        intitule="Diffusée CDI (H/F)", statut=StatutOffre.DIFFUSEE, type_contrat=TypeContrat.objects.get(code="CDI")
    )
    OffreFactory(
        intitule="Diffusée CDD (H/F)", statut=StatutOffre.DIFFUSEE, type_contrat=TypeContrat.objects.get(code="CDD")
    )
    client = client_as(Role.REFERENT)

    def intitules(query=""):
        lignes = _lire(b"".join(client.get(reverse("offres:export") + query).streaming_content))
        return sorted(row[1] for row in lignes[1:])

    assert intitules() == ["Diffusée CDD (H/F)", "Diffusée CDI (H/F)"]
    assert intitules(f"?type_contrat={TypeContrat.objects.get(code='CDI').pk}") == ["Diffusée CDI (H/F)"]
    assert intitules("?statut=collectee") == ["Diffusée CDD (H/F)", "Diffusée CDI (H/F)"]  # not a status they see


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_the_offers(client_as):
    client = client_as(Role.CHARGE_MISSION)
    for offre in OffreFactory.create_batch(3):
        _lien(offre, "france-travail", f"FT-{offre.pk}")
    with CaptureQueriesContext(connection) as small:
        b"".join(client.get(reverse("offres:export")).streaming_content)
    for offre in OffreFactory.create_batch(40):
        _lien(offre, "france-travail", f"FT-{offre.pk}")
    with CaptureQueriesContext(connection) as large:
        b"".join(client.get(reverse("offres:export")).streaming_content)
    assert len(small) == len(large)


# --- The export_offers command ----------------------------------------------------------------------


@pytest.mark.django_db
def test_export_offers_command(tmp_path):
    diffusee = OffreFactory(intitule="Diffusée (H/F)", statut=StatutOffre.DIFFUSEE)
    _lien(diffusee, "france-travail", "FT-77")
    OffreFactory(intitule="Collectée (H/F)")
    out = tmp_path / "offres.xlsx"
    stdout = io.StringIO()
    call_command("export_offers", str(out), stdout=stdout)
    assert stdout.getvalue().strip() == f"Export terminé : 2 offre(s) écrite(s) dans {out} (tous statuts)."
    lignes = _lire(out.read_bytes())
    assert lignes[0] == COLONNES and len(lignes) == 3

    stdout = io.StringIO()
    call_command("export_offers", str(out), "--status", "diffusee", stdout=stdout)
    assert "1 offre(s)" in stdout.getvalue() and "statut « diffusée »" in stdout.getvalue()
    lignes = _lire(out.read_bytes())
    assert [row[1] for row in lignes[1:]] == ["Diffusée (H/F)"]
    assert lignes[1][lignes[0].index("sources")] == "france-travail:FT-77"


@pytest.mark.django_db
def test_export_offers_command_refuses_a_bad_status(tmp_path):
    with pytest.raises(CommandError, match="Statut inconnu « publiee » : choisissez parmi collectee, qualifiee"):
        call_command("export_offers", str(tmp_path / "offres.xlsx"), "--status", "publiee")
    assert not (tmp_path / "offres.xlsx").exists()


@pytest.mark.django_db
def test_export_offers_command_refuses_a_bad_extension(tmp_path):
    with pytest.raises(CommandError, match="extension .xlsx"):
        call_command("export_offers", str(tmp_path / "offres.csv"))


@pytest.mark.django_db
def test_the_text_search_reads_title_and_employer_whatever_the_case_and_takes_wildcards_literally(client_as):
    from entreprises.factories import EntrepriseFactory

    hotel = EntrepriseFactory(nom="Hôtel du Lac")
    cariste = OffreFactory(intitule="Cariste (H/F)", employeur="Logidis", entreprise=None, statut=StatutOffre.DIFFUSEE)
    serveur = OffreFactory(intitule="Serveur", employeur="", entreprise=hotel, statut=StatutOffre.DIFFUSEE)
    remise = OffreFactory(intitule="Remise 100% en rayon_2", employeur="É.Leclerc", entreprise=None)
    client = client_as(Role.CHARGE_MISSION)

    def filtre(q):
        return sorted(_intitules(client.get(reverse("offres:liste"), {"q": q})))

    assert filtre("CARISTE") == filtre("cariste") == [cariste.intitule]
    assert filtre("logi") == [cariste.intitule]  # the employer as announced
    assert filtre("lac") == [serveur.intitule]  # the company's name
    assert filtre("leclerc") == [remise.intitule]
    if connection.vendor == "postgresql":  # SQLite's UPPER() knows ASCII letters only
        assert filtre("é.leclerc") == [remise.intitule]  # upper-cased by the database, accents included
    assert filtre("100%") == [remise.intitule]
    assert filtre("%") == [remise.intitule]  # a wildcard is searched as a character
    assert filtre("_2") == [remise.intitule]
    assert filtre("rayon 100%") == [remise.intitule]  # every word, in any order
    assert filtre("cariste serveur") == []
    # The stored column follows an edit.
    cariste.intitule = "Préparateur de commandes"
    cariste.save()
    assert filtre("cariste") == []
    assert filtre("préparateur") == [cariste.intitule]
