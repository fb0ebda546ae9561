"""The chargé(e) de mission's qualification work: manual entry, the queue screen, bulk discard, undo."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from offres.enums import MotifEcart, OriginePartenaire, StatutOffre
from offres.factories import OffreFactory
from offres.models import Diffusion, LienSource, Offre, Source
from plie.models import Commune, TypeContrat
from plie.roles import Role

TODAY = timezone.localdate()


def _offre(age_jours, **kwargs):
    return OffreFactory(age_jours=age_jours, **kwargs)


@pytest.fixture
def charge(client, make_user):
    user = make_user(Role.CHARGE_MISSION)
    client.force_login(user)
    return user


def _qualifier(client, offre, **data):
    payload = {"action": "qualifier", "diffuser": "on", "heures_hebdo": "35", "notes_qualification": ""}
    payload.update(data)
    return client.post(reverse("offres:qualifier", args=[offre.pk]), payload)


def _ecarter(client, offre, motif=MotifEcart.CONDITIONS, commentaire=""):
    return client.post(
        reverse("offres:qualifier", args=[offre.pk]),
        {"action": "ecarter", "motif_ecart": motif, "commentaire_ecart": commentaire},
    )


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- State machine refusals -------------------------------------------------------------


@pytest.mark.django_db
def test_qualifying_a_discarded_offer_is_refused_with_a_clear_message(client, charge):
    offre = _offre(3, statut=StatutOffre.ECARTEE, motif_ecart=MotifEcart.DOUBLON)
    response = _qualifier(client, offre)
    assert response.status_code == 302
    assert response.url == reverse("offres:qualifier", args=[offre.pk])
    page = client.get(response.url)
    text = page.content.decode()
    assert "Impossible de passer l&#x27;offre de « écartée » à « qualifiée »" in text
    assert "Cette offre n'est pas dans la file" in text
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.ECARTEE


@pytest.mark.django_db
def test_discarding_a_diffused_offer_is_refused_with_a_clear_message(client, charge):
    offre = _offre(3, statut=StatutOffre.DIFFUSEE)
    response = _ecarter(client, offre)
    assert response.status_code == 302
    messages = _messages(client.get(response.url))
    assert any("Impossible de passer l'offre de « diffusée » à « écartée »" in m for m in messages)
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.DIFFUSEE and offre.motif_ecart == ""


# --- Qualify, discard, undo -----------------------------------------------------------------


@pytest.mark.django_db
def test_qualify_diffuses_to_every_referent_and_opens_the_next_offer(client, charge, make_user):
    referents = [make_user(Role.REFERENT), make_user(Role.REFERENT)]
    first, second = _offre(10), _offre(5)
    commune = Commune.objects.valides_le(TODAY).first()
    response = _qualifier(
        client,
        first,
        sans_diplome="True",
        experience_requise="False",
        permis_requis="",
        commune=commune.pk,
        horaires="du lundi au vendredi, 6 h – 9 h",
    )
    assert response.status_code == 302
    assert response.url == reverse("offres:qualifier", args=[second.pk])
    first.refresh_from_db()
    assert first.statut == StatutOffre.DIFFUSEE
    assert first.qualifiee_par == charge and first.diffusee_le is not None
    assert (first.sans_diplome, first.experience_requise, first.permis_requis) == (True, False, None)
    assert first.commune == commune and first.horaires == "du lundi au vendredi, 6 h – 9 h"
    assert set(Diffusion.objects.filter(offre=first).values_list("referent", flat=True)) == {r.pk for r in referents}
    page = client.get(response.url)
    assert page.context["offre"] == second
    assert any("qualifiée et diffusée à 2 référents" in m for m in _messages(page))
    assert "Offre 1 sur 1" in page.content.decode()


@pytest.mark.django_db
def test_qualify_without_diffusing_keeps_the_offer_qualified(client, charge, make_user):
    make_user(Role.REFERENT)
    offre = _offre(4)
    data = {"action": "qualifier", "heures_hebdo": "20"}  # the checkbox left unticked
    response = client.post(reverse("offres:qualifier", args=[offre.pk]), data)
    assert response.url == reverse("offres:file")
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.QUALIFIEE and not offre.diffusions.exists()
    page = client.get(response.url, follow=True)
    assert "File vide : toutes les offres collectées sont traitées." in page.content.decode()


@pytest.mark.django_db
def test_qualify_refuses_impossible_hours(client, charge):
    offre = _offre(4)
    response = _qualifier(client, offre, heures_hebdo="60")
    assert response.status_code == 400
    assert "Les heures hebdomadaires vont de 1 à 48." in response.content.decode()
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.COLLECTEE


@pytest.mark.django_db
def test_discard_requires_a_motif(client, charge):
    offre = _offre(4)
    response = _ecarter(client, offre, motif="")
    assert response.status_code == 400
    assert "Choisissez le motif pour lequel l&#x27;offre est écartée." in response.content.decode()
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.COLLECTEE


@pytest.mark.django_db
def test_discard_opens_the_next_offer_and_can_be_undone(client, charge):
    first, second = _offre(10), _offre(5)
    response = _ecarter(client, first, MotifEcart.HORS_TERRITOIRE, "Quetigny, sans bus le matin")
    assert response.url == reverse("offres:qualifier", args=[second.pk])
    first.refresh_from_db()
    assert first.statut == StatutOffre.ECARTEE and first.motif_ecart == MotifEcart.HORS_TERRITOIRE
    assert first.ecartee_par == charge and first.commentaire_ecart == "Quetigny, sans bus le matin"

    page = client.get(response.url).content.decode()
    rouvrir = reverse("offres:rouvrir", args=[first.pk])
    assert f'action="{rouvrir}"' in page and "Annuler l'écart" in page

    response = client.post(rouvrir)
    assert response.url == reverse("offres:qualifier", args=[first.pk])
    first.refresh_from_db()
    assert first.statut == StatutOffre.COLLECTEE and first.motif_ecart == "" and first.ecartee_par is None
    page = client.get(response.url)
    assert any("remise dans la file de qualification" in m for m in _messages(page))
    assert "Offre 1 sur 2" in page.content.decode()


@pytest.mark.django_db
def test_reopening_an_offer_that_is_not_discarded_is_refused(client, charge):
    offre = _offre(4)
    response = client.post(reverse("offres:rouvrir", args=[offre.pk]))
    messages = _messages(client.get(response.url))
    assert any("Impossible de passer l'offre de « collectée » à « collectée »" in m for m in messages)


@pytest.mark.django_db
def test_rouvrir_answers_post_only(client, charge):
    offre = _offre(4, statut=StatutOffre.ECARTEE, motif_ecart=MotifEcart.AUTRE)
    assert client.get(reverse("offres:rouvrir", args=[offre.pk])).status_code == 405


# --- The queue ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_opens_the_oldest_collected_offer(client, charge):
    _offre(2)
    oldest = _offre(9)
    _offre(12, statut=StatutOffre.DIFFUSEE)
    response = client.get(reverse("offres:file"))
    assert response.url == reverse("offres:qualifier", args=[oldest.pk])


@pytest.mark.django_db
def test_empty_queue_shows_counts_by_status(client, charge):
    _offre(2, statut=StatutOffre.DIFFUSEE)
    _offre(2, statut=StatutOffre.ECARTEE, motif_ecart=MotifEcart.DOUBLON)
    response = client.get(reverse("offres:file"))
    assert response.status_code == 200
    assert {s.value: n for s, n in response.context["compteurs"]} == {
        "collectee": 0,
        "qualifiee": 0,
        "ecartee": 1,
        "diffusee": 1,
        "cloturee": 0,
    }
    assert "File vide : toutes les offres collectées sont traitées." in response.content.decode()


@pytest.mark.django_db
def test_queue_screen_shows_position_and_neighbours(client, charge):
    a, b, c = _offre(30), _offre(20), _offre(10)
    response = client.get(reverse("offres:qualifier", args=[b.pk]))
    page = response.content.decode()
    assert "Offre 2 sur 3" in page
    assert response.context["precedente"] == a.pk and response.context["suivante"] == c.pk
    assert 'data-raccourci="suivante"' in page and 'data-raccourci="precedente"' in page
    # A real form and real buttons (the page works without JavaScript), and the shortcut legend.
    assert 'name="action" value="qualifier"' in page and 'name="action" value="ecarter"' in page
    assert "Raccourcis clavier" in page and "js/qualification.js" in page
    assert "<script>" not in page


@pytest.mark.django_db
def test_same_day_offers_keep_a_stable_order(client, charge):
    today = [OffreFactory(age_jours=1) for _ in range(3)]
    ids = sorted(o.pk for o in today)
    response = client.get(reverse("offres:qualifier", args=[ids[1]]))
    assert response.context["position"] == 2
    assert (response.context["precedente"], response.context["suivante"]) == (ids[0], ids[2])


@pytest.mark.django_db
def test_suggestions_prefill_the_checklist_with_their_excerpt(client, charge):
    offre = _offre(
        3,
        intitule="Chauffeur livreur VL (H/F)",
        description="Tournées sur la métropole. Permis B exigé. Débutants acceptés, formation en interne.",
    )
    response = client.get(reverse("offres:qualifier", args=[offre.pk]))
    form = response.context["form"]
    assert form.initial["permis_requis"] is True
    assert form.initial["experience_requise"] is False
    assert form.initial["vehicule_requis"] is None
    page = response.content.decode()
    assert "suggéré : « " in page and "Permis B exigé" in page and "Débutants acceptés" in page
    assert (
        'type="radio" name="permis_requis" value="True" class="form-check-input" id="id_permis_requis_0" checked'
        in page
    )
    assert (
        'name="experience_requise" value="False" class="form-check-input" id="id_experience_requise_1" checked' in page
    )


@pytest.mark.django_db
def test_recorded_answers_win_over_suggestions(client, charge):
    offre = _offre(3, description="Permis B exigé.", permis_requis=False)
    response = client.get(reverse("offres:qualifier", args=[offre.pk]))
    assert response.context["form"].initial["permis_requis"] is False


def _queue_queries(client, offre):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("offres:qualifier", args=[offre.pk]))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_queue_screen_query_count_is_constant(client, charge):
    offres = [_offre(40 + i) for i in range(5)]
    target = offres[2]
    LienSource.objects.create(
        offre=target,
        source=Source.objects.get(nom="france-travail"),
        identifiant_externe="FT-1",
        vue_le=timezone.now(),
        vue_derniere_fois_le=timezone.now(),
    )
    small = _queue_queries(client, target)
    for i in range(55):
        _offre(i % 50)
    large = _queue_queries(client, target)
    assert small == large


# --- Bulk discard ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_overview_lists_collected_offers_with_checkboxes(client, charge):
    mine = _offre(5)
    _offre(5, statut=StatutOffre.DIFFUSEE, intitule="Déjà diffusée (H/F)")
    page = client.get(reverse("offres:file") + "?vue=liste").content.decode()
    assert f'name="offres" value="{mine.pk}"' in page
    assert "Déjà diffusée" not in page
    assert "1 offre collectée à qualifier" in page


@pytest.mark.django_db
def test_bulk_discard_confirms_then_discards_all(client, charge):
    offres = [_offre(5 + i) for i in range(3)]
    keep = _offre(1)
    data = {"offres": [o.pk for o in offres], "motif_ecart": MotifEcart.DIPLOME_EXIGE, "commentaire_ecart": "CAP exigé"}
    response = client.post(reverse("offres:ecarter_lot"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Écarter 3 offres ?" in page
    assert Offre.objects.filter(statut=StatutOffre.ECARTEE).count() == 0  # nothing before confirming

    response = client.post(reverse("offres:ecarter_lot"), {**data, "confirmer": "1"})
    assert response.url == reverse("offres:file") + "?vue=liste"
    for offre in offres:
        offre.refresh_from_db()
        assert offre.statut == StatutOffre.ECARTEE and offre.motif_ecart == MotifEcart.DIPLOME_EXIGE
        assert offre.commentaire_ecart == "CAP exigé" and offre.ecartee_par == charge
    keep.refresh_from_db()
    assert keep.statut == StatutOffre.COLLECTEE
    assert any("3 offres écartées" in m for m in _messages(client.get(response.url)))


@pytest.mark.django_db
def test_bulk_discard_is_all_or_none(client, charge):
    collectees = [_offre(5), _offre(6)]
    diffusee = _offre(7, statut=StatutOffre.DIFFUSEE, intitule="Cariste diffusé (H/F)")
    data = {
        "offres": [o.pk for o in [*collectees, diffusee]],
        "motif_ecart": MotifEcart.DOUBLON,
        "confirmer": "1",
    }
    response = client.post(reverse("offres:ecarter_lot"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "1 offre(s) cochée(s) ne sont plus à qualifier" in page and "Cariste diffusé" in page
    assert "Aucune offre n&#x27;a été écartée" in page
    assert not Offre.objects.filter(statut=StatutOffre.ECARTEE).exists()
    # The selection is kept, to correct and try again.
    assert f'value="{collectees[0].pk}" id="offre-{collectees[0].pk}" checked' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"motif_ecart": MotifEcart.DOUBLON}, "Cochez au moins une offre à écarter."),
        ({"motif_ecart": ""}, "Choisissez le motif pour lequel l&#x27;offre est écartée."),
        ({"motif_ecart": "inconnu"}, "Ce motif d&#x27;écart n&#x27;existe pas."),
    ],
)
def test_bulk_discard_explains_what_is_missing(client, charge, data, message):
    offre = _offre(5)
    data = {"offres": [offre.pk], **data} if "Cochez" not in message else data
    response = client.post(reverse("offres:ecarter_lot"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.COLLECTEE


@pytest.mark.django_db
def test_bulk_discard_answers_post_only(client, charge):
    assert client.get(reverse("offres:ecarter_lot")).status_code == 405


# --- Manual entry -------------------------------------------------------------------------------


def _saisie(**changes):
    data = {
        "intitule": "Agent de propreté (H/F)",
        "description": "Entretien de bureaux, 6 h – 9 h. Débutants acceptés.",
        "employeur": "Net Services Dijon",
        "commune": Commune.objects.valides_le(TODAY).first().pk,
        "type_contrat": TypeContrat.objects.get(code="CDD").pk,
        "duree_mois": "6",
        "heures_hebdo": "15",
        "horaires": "du lundi au vendredi, 6 h – 9 h",
        "salaire": "SMIC horaire",
        "nb_postes": "2",
        "date_publication": TODAY.isoformat(),
        "date_expiration": (TODAY + timedelta(days=30)).isoformat(),
        "origine_partenaire": OriginePartenaire.INTERIM,
        "contact_partenaire": "Julie, agence Temporis",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_manual_entry_enters_the_queue_and_opens_its_qualification(client, charge):
    form = client.get(reverse("offres:nouvelle"))
    assert form.context["form"].initial["date_publication"] == TODAY
    response = client.post(reverse("offres:nouvelle"), _saisie())
    offre = Offre.objects.get(intitule="Agent de propreté (H/F)")
    assert response.url == reverse("offres:qualifier", args=[offre.pk])
    assert offre.statut == StatutOffre.COLLECTEE and offre.cree_par == charge and offre.nb_postes == 2
    assert list(offre.liens.values_list("source__nom", "identifiant_externe")) == [("saisie", f"saisie-{offre.pk}")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"date_expiration": (TODAY - timedelta(days=1)).isoformat()},
            "La date d&#x27;expiration ne peut pas précéder la date de publication.",
        ),
        ({"heures_hebdo": "0.5"}, "Les heures hebdomadaires vont de 1 à 48."),
        ({"heures_hebdo": "49"}, "Les heures hebdomadaires vont de 1 à 48."),
        ({"nb_postes": "0"}, "Une offre compte au moins un poste."),
        ({"origine_partenaire": ""}, "Indiquez quel partenaire a transmis l&#x27;offre."),
        ({"employeur": ""}, "Indiquez l&#x27;employeur"),
        ({"commune": "", "lieu_travail": ""}, "Indiquez le lieu de travail"),
    ],
)
def test_manual_entry_validation_messages(client, charge, changes, message):
    response = client.post(reverse("offres:nouvelle"), _saisie(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offre.objects.exists()


@pytest.mark.django_db
def test_manual_entry_offers_only_communes_valid_today(client, charge):
    ancienne = Commune.objects.create(insee="21999", nom="Commune fusionnée", valide_au=TODAY - timedelta(days=1))
    form = client.get(reverse("offres:nouvelle")).context["form"]
    assert ancienne not in form.fields["commune"].queryset
    assert form.fields["commune"].queryset.exists()


# --- Permissions ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE, Role.ADMINISTRATEUR])
def test_only_the_charge_de_mission_works_the_queue(client_as, role):
    client = client_as(role)
    offre = _offre(3)
    assert client.get(reverse("offres:file")).status_code == 403
    assert client.get(reverse("offres:file") + "?vue=liste").status_code == 403
    assert client.get(reverse("offres:qualifier", args=[offre.pk])).status_code == 403
    assert _qualifier(client, offre).status_code == 403
    assert _ecarter(client, offre).status_code == 403
    assert client.post(reverse("offres:ecarter_lot"), {"offres": [offre.pk], "motif_ecart": "autre"}).status_code == 403
    assert client.post(reverse("offres:rouvrir", args=[offre.pk])).status_code == 403
    assert client.get(reverse("offres:nouvelle")).status_code == 403
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.COLLECTEE


@pytest.mark.django_db
def test_charge_de_mission_opens_every_qualification_page(client_as):
    client = client_as(Role.CHARGE_MISSION)
    offre = _offre(3)
    assert client.get(reverse("offres:file")).status_code == 302
    assert client.get(reverse("offres:file") + "?vue=liste").status_code == 200
    assert client.get(reverse("offres:qualifier", args=[offre.pk])).status_code == 200
    assert client.get(reverse("offres:nouvelle")).status_code == 200


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    offre = _offre(3)
    for url in [
        reverse("offres:file"),
        reverse("offres:nouvelle"),
        reverse("offres:qualifier", args=[offre.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    response = client.post(reverse("offres:rouvrir", args=[offre.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_unknown_offer_is_a_404(client, charge):
    assert client.get(reverse("offres:qualifier", args=[999999])).status_code == 404
