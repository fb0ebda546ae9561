"""Positionnements: the state machine, ``retenu`` → contract, caseload permissions, follow-up,
matching with reasons, and constant query counts on the offer page and the follow-up list."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from offres import rules, selectors, services
from offres.enums import MotifCloture, StatutOffre, StatutPositionnement
from offres.factories import OffreFactory
from offres.models import Diffusion, Positionnement
from participants.enums import StatutParticipant
from participants.models import Situation
from plie.models import CategorieContrat, Commune
from plie.roles import Role

from .fabriques_positionnement import LOGISTIQUE, NETTOYAGE, metier, offre_diffusee, participant

pytestmark = pytest.mark.django_db

S = StatutPositionnement


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def _positionner(offre, personne, referent):
    return services.positionnements_creer(offre=offre, participants=[personne], par=referent)[0]


# --- State machine ---------------------------------------------------------------------


def test_transitions_follow_the_workflow_map():
    assert S.CANDIDATURE_ENVOYEE in rules.TRANSITIONS_POSITIONNEMENT[S.PROPOSE]
    assert S.ENTRETIEN not in rules.TRANSITIONS_POSITIONNEMENT[S.PROPOSE]
    assert S.RETENU in rules.TRANSITIONS_POSITIONNEMENT[S.CANDIDATURE_ENVOYEE]
    for final in (S.RETENU, S.NON_RETENU, S.ABANDONNE):
        assert rules.TRANSITIONS_POSITIONNEMENT[final] == set()


def test_an_allowed_step_is_recorded_dated_and_attributed(referent, charge):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent), referent)
    services.positionnement_avancer(
        positionnement=positionnement, statut=S.CANDIDATURE_ENVOYEE, par=referent, note="CV envoyé"
    )
    positionnement.refresh_from_db()
    assert positionnement.statut == S.CANDIDATURE_ENVOYEE
    etapes = list(positionnement.etapes.values_list("statut", "par", "note"))
    assert etapes == [(S.PROPOSE, referent.pk, ""), (S.CANDIDATURE_ENVOYEE, referent.pk, "CV envoyé")]


def test_skipping_a_step_is_refused_with_a_clear_message(referent, charge):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent), referent)
    with pytest.raises(ValidationError) as error:
        services.positionnement_avancer(positionnement=positionnement, statut=S.ENTRETIEN, par=referent)
    message = " ".join(error.value.messages)
    assert "Impossible de passer le positionnement de « proposé » à « entretien d'embauche »" in message
    assert "candidature envoyée" in message
    assert Positionnement.objects.get(pk=positionnement.pk).statut == S.PROPOSE


@pytest.mark.parametrize("final", [S.NON_RETENU, S.ABANDONNE])
def test_final_states_refuse_everything(referent, charge, final):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent), referent)
    services.positionnement_avancer(positionnement=positionnement, statut=final, par=referent)
    for statut in S:
        with pytest.raises(ValidationError, match="aucune \\(état final\\)"):
            services.positionnement_avancer(positionnement=positionnement, statut=statut, par=referent)


def test_the_page_offers_only_the_allowed_transitions_and_shows_the_refusal(client, referent, charge):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent), referent)
    client.force_login(referent)
    url = reverse("offres:positionnement", args=[positionnement.pk])
    response = client.get(url)
    choix = [value for value, _ in response.context["form"].fields["statut"].choices]
    assert choix == [S.CANDIDATURE_ENVOYEE, S.NON_RETENU, S.ABANDONNE]
    assert response.context["form"]["date"].value() == timezone.localdate()
    response = client.post(url, {"statut": S.ENTRETIEN, "date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "statut" in response.context["form"].errors
    response = client.post(
        url, {"statut": S.CANDIDATURE_ENVOYEE, "date": timezone.localdate().isoformat(), "note": "Envoyée"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Candidature envoyée" in page and "Envoyée" in page


def test_a_step_cannot_be_dated_in_the_future(client, referent, charge):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent), referent)
    client.force_login(referent)
    demain = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("offres:positionnement", args=[positionnement.pk]), {"statut": S.CANDIDATURE_ENVOYEE, "date": demain}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["Une étape se date au plus tard aujourd'hui."]


# --- Retenu → contract situation, offer closed when filled --------------------------------


def test_retenu_creates_the_contract_from_the_offer_and_closes_a_filled_offer(client, referent, charge):
    offre = offre_diffusee(charge, [referent], nb_postes=1, horaires="6 h – 9 h")
    personne = participant(referent)
    positionnement = _positionner(offre, personne, referent)
    services.positionnement_avancer(positionnement=positionnement, statut=S.CANDIDATURE_ENVOYEE, par=referent)
    client.force_login(referent)
    response = client.post(
        reverse("offres:positionnement", args=[positionnement.pk]),
        {"statut": S.RETENU, "date": timezone.localdate().isoformat()},
        follow=True,
    )
    page = response.content.decode()
    assert "la situation « contrat » a été créée sur sa fiche" in page
    assert reverse("participants:detail", args=[personne.pk]) + "#situations" in page

    situation = Situation.objects.get(participant=personne)
    assert situation.type == CategorieContrat.CDD
    assert situation.type_contrat == offre.type_contrat
    assert situation.intitule == offre.intitule
    assert situation.employeur == offre.nom_employeur
    assert situation.heures_hebdo == offre.heures_hebdo
    assert situation.debut == timezone.localdate()
    assert situation.fin_prevue is not None and situation.fin_prevue > situation.debut
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.CLOTUREE and offre.motif_cloture == MotifCloture.POURVUE

    fiche = client.get(reverse("participants:detail", args=[personne.pk])).content.decode()
    assert escape(offre.intitule) in fiche and "Retenu" in fiche


def test_an_offer_with_two_positions_stays_open_after_one_hire(referent, charge):
    offre = offre_diffusee(charge, [referent], nb_postes=2)
    premier, second = participant(referent), participant(referent)
    p1, p2 = services.positionnements_creer(offre=offre, participants=[premier, second], par=referent)
    for p in (p1, p2):
        services.positionnement_avancer(positionnement=p, statut=S.CANDIDATURE_ENVOYEE, par=referent)
    services.positionnement_avancer(positionnement=p1, statut=S.RETENU, par=referent)
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.DIFFUSEE
    services.positionnement_avancer(positionnement=p2, statut=S.RETENU, par=referent)
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.CLOTUREE and offre.motif_cloture == MotifCloture.POURVUE


# --- Permissions ----------------------------------------------------------------------------


def test_a_referent_positions_several_participants_of_their_caseload_at_once(client, referent, charge):
    offre = offre_diffusee(charge, [referent])
    a, b = participant(referent), participant(referent)
    client.force_login(referent)
    response = client.post(reverse("offres:positionner", args=[offre.pk]), {"participants": [a.pk, b.pk]}, follow=True)
    assert "2 positionnements créés" in response.content.decode()
    assert set(offre.positionnements.values_list("participant", flat=True)) == {a.pk, b.pk}


def test_a_referent_cannot_position_a_participant_of_another_caseload(client, make_user, referent, charge):
    autre = participant(make_user(Role.REFERENT))
    mien = participant(referent)
    offre = offre_diffusee(charge, [referent])
    client.force_login(referent)
    response = client.post(reverse("offres:positionner", args=[offre.pk]), {"participants": [mien.pk, autre.pk]})
    assert response.status_code == 403
    assert not Positionnement.objects.exists()  # all or none
    with pytest.raises(PermissionDenied):
        services.positionnements_creer(offre=offre, participants=[autre], par=referent)


def test_positioning_twice_gives_a_message_not_an_error(client, referent, charge):
    offre = offre_diffusee(charge, [referent])
    personne = participant(referent)
    _positionner(offre, personne, referent)
    client.force_login(referent)
    response = client.post(reverse("offres:positionner", args=[offre.pk]), {"participants": [personne.pk]}, follow=True)
    assert "déjà positionné(e) sur cette offre" in response.content.decode()
    response = client.post(reverse("offres:positionner", args=[offre.pk]), {}, follow=True)
    assert "Cochez au moins un participant" in response.content.decode()


def test_a_referent_cannot_open_another_referents_positionnement(client, make_user, referent, charge):
    autre_referent = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [referent, autre_referent])
    sien = _positionner(offre, participant(autre_referent), autre_referent)
    client.force_login(referent)
    url = reverse("offres:positionnement", args=[sien.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"statut": S.ABANDONNE, "date": timezone.localdate().isoformat()}).status_code == 404


def test_the_charge_de_mission_and_coordinatrice_read_every_positionnement(client, make_user, referent, charge):
    offre = offre_diffusee(charge, [referent])
    positionnement = _positionner(offre, participant(referent, nom="Lambert"), referent)
    for role in (Role.CHARGE_MISSION, Role.COORDINATRICE):
        client.force_login(make_user(role))
        assert "LAMBERT" in client.get(reverse("offres:positionnement", args=[positionnement.pk])).content.decode()
        assert "LAMBERT" in client.get(reverse("offres:detail", args=[offre.pk])).content.decode()


def test_the_auditeur_sees_no_offers(client_as, charge):
    offre = offre_diffusee(charge, [])
    client = client_as(Role.AUDITEUR_FSE)
    for url in (
        reverse("offres:detail", args=[offre.pk]),
        reverse("offres:suivi"),
        reverse("offres:diffuser", args=[offre.pk]),
        reverse("offres:cloturer", args=[offre.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("offres:positionner", args=[offre.pk]), {}).status_code == 403


def test_a_referent_opens_only_kept_offers(client, referent):
    client.force_login(referent)
    for statut, attendu in [(StatutOffre.COLLECTEE, 404), (StatutOffre.ECARTEE, 404), (StatutOffre.QUALIFIEE, 200)]:
        champs = {"motif_ecart": "autre"} if statut == StatutOffre.ECARTEE else {}
        offre = OffreFactory(statut=statut, **champs)
        assert client.get(reverse("offres:detail", args=[offre.pk])).status_code == attendu, statut


def test_a_referent_cannot_diffuse_nor_close(client, referent, charge):
    offre = offre_diffusee(charge, [referent])
    client.force_login(referent)
    assert client.get(reverse("offres:diffuser", args=[offre.pk])).status_code == 403
    assert client.post(reverse("offres:cloturer", args=[offre.pk]), {"motif": "retiree"}).status_code == 403


def test_offer_page_names_only_the_referents_own_participants(client, make_user, referent, charge):
    autre_referent = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [referent, autre_referent])
    _positionner(offre, participant(referent, nom="Moreau"), referent)
    _positionner(offre, participant(autre_referent, nom="Secret"), autre_referent)
    client.force_login(referent)
    page = client.get(reverse("offres:detail", args=[offre.pk])).content.decode()
    assert "MOREAU" in page
    assert "SECRET" not in page and "un participant d'un autre référent" in page


def test_opening_the_offer_marks_the_diffusion_seen_but_listing_does_not(client, referent, charge):
    offre = offre_diffusee(charge, [referent], intitule="Agent de propreté (H/F)")
    client.force_login(referent)
    accueil = client.get(reverse("espace_referent")).content.decode()
    assert offre.intitule in accueil and "Nouveau" in accueil
    assert Diffusion.objects.get(offre=offre, referent=referent).vue_le is None
    client.get(reverse("offres:detail", args=[offre.pk]))
    assert Diffusion.objects.get(offre=offre, referent=referent).vue_le is not None
    assert "Nouveau" not in client.get(reverse("espace_referent")).content.decode()


def test_closing_needs_a_motive_and_confirmation(client, charge, referent):
    offre = offre_diffusee(charge, [referent])
    client.force_login(charge)
    url = reverse("offres:cloturer", args=[offre.pk])
    page = client.get(url).content.decode()
    assert "Confirmer la clôture" in page and "Retirée par l&#x27;employeur" in page
    assert client.post(url, {}).status_code == 200
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.DIFFUSEE
    response = client.post(url, {"motif": MotifCloture.RETIREE}, follow=True)
    assert "Offre clôturée (retirée par l&#x27;employeur)." in response.content.decode()
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.CLOTUREE and offre.motif_cloture == MotifCloture.RETIREE


# --- Follow-up ("suivi proactif") -------------------------------------------------------


def test_stale_positionnements_appear_in_both_follow_up_lists_on_the_day_of_the_delay(
    client, settings, make_user, referent, charge
):
    settings.PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS = 10
    autre_referent = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [referent, autre_referent])
    mien = _positionner(offre, participant(referent, nom="Ancien"), referent)
    sien = _positionner(offre, participant(autre_referent, nom="Autrui"), autre_referent)
    jour = timezone.localdate()
    Positionnement.objects.update(derniere_etape_le=jour)

    veille, jour_j = jour + timedelta(days=9), jour + timedelta(days=10)
    assert list(selectors.positionnements_a_relancer(referent, veille)) == []
    assert list(selectors.positionnements_a_relancer(charge, veille)) == []
    assert list(selectors.positionnements_a_relancer(referent, jour_j)) == [mien]
    assert set(selectors.positionnements_a_relancer(charge, jour_j)) == {mien, sien}

    # The pages use today: move the last step back instead of the clock.
    Positionnement.objects.update(derniere_etape_le=jour - timedelta(days=9))
    client.force_login(referent)
    assert "ANCIEN" not in client.get(reverse("offres:suivi")).content.decode()
    Positionnement.objects.update(derniere_etape_le=jour - timedelta(days=10))
    page = client.get(reverse("offres:suivi")).content.decode()
    assert "ANCIEN" in page and "AUTRUI" not in page and "10 jours" in page
    assert "ANCIEN" in client.get(reverse("espace_referent")).content.decode()
    client.force_login(charge)
    page = client.get(reverse("offres:suivi")).content.decode()
    assert "ANCIEN" in page and "AUTRUI" in page
    accueil = client.get(reverse("espace_charge_mission")).content.decode()
    assert "Positionnements à relancer" in accueil and "ANCIEN" in accueil and "AUTRUI" in accueil


def test_finished_positionnements_are_not_followed_up(referent, charge):
    offre = offre_diffusee(charge, [referent], nb_postes=5)
    positionnement = _positionner(offre, participant(referent), referent)
    services.positionnement_avancer(positionnement=positionnement, statut=S.ABANDONNE, par=referent)
    later = timezone.localdate() + timedelta(days=60)
    assert list(selectors.positionnements_a_relancer(referent, later)) == []


def test_follow_up_list_query_count_is_constant(client, charge, referent):
    offre = offre_diffusee(charge, [referent], nb_postes=50)
    client.force_login(charge)

    def stale(n):
        personnes = [participant(referent) for _ in range(n)]
        services.positionnements_creer(offre=offre, participants=personnes, par=referent)
        Positionnement.objects.update(derniere_etape_le=timezone.localdate() - timedelta(days=30))

    stale(3)
    small, _ = _count(client, reverse("offres:suivi"))
    stale(30)
    large, response = _count(client, reverse("offres:suivi"))
    assert small == large
    assert "Page 1 sur 2" in response.content.decode()


# --- Matching -------------------------------------------------------------------------------


def test_suggestions_are_ordered_by_score_with_reasons_and_exclusions_listed(client, referent, charge):
    offre = offre_diffusee(charge, [referent], permis_requis=True, heures_hebdo=35)
    ici = offre.commune
    meilleur = participant(referent, nom="Premier", commune=ici)
    proche = participant(referent, metiers=("K2201",), nom="Second", commune=ici)
    loin = participant(referent, metiers=(LOGISTIQUE,), nom="Troisieme")
    sans_permis = participant(referent, nom="Pieton", permis_b=False)
    trop_d_heures = participant(referent, nom="Mitemps", heures_hebdo_max=20)
    indisponible = participant(referent, nom="Occupe", disponible=False)
    deja = participant(referent, nom="Deja")
    _positionner(offre, deja, referent)

    suggeres, exclus = selectors.candidats_pour_offre(offre, referent)
    ordre = [p.pk for p, _ in suggeres]
    assert ordre[:2] == [meilleur.pk, proche.pk] and loin.pk in ordre
    scores = [r.score for _, r in suggeres]
    assert scores == sorted(scores, reverse=True)
    raisons = {p.pk: r.raisons for p, r in suggeres}
    assert f"Le métier {NETTOYAGE} fait partie de son projet professionnel." in raisons[meilleur.pk]
    assert "Métier proche de son projet (même famille K22)." in raisons[proche.pk]
    pourquoi = {p.pk: r.exclusions for p, r in exclus}
    assert pourquoi[sans_permis.pk] == ("Le permis B est exigé et le participant ne l'a pas.",)
    assert pourquoi[trop_d_heures.pk] == ("L'offre demande 35 h par semaine ; le participant peut au plus 20 h.",)
    assert pourquoi[indisponible.pk] == ("N'est pas disponible pour un emploi actuellement.",)
    assert pourquoi[deja.pk] == ("Déjà positionné sur cette offre.",)

    client.force_login(referent)
    page = client.get(reverse("offres:detail", args=[offre.pk])).content.decode()
    assert page.index("PREMIER") < page.index("SECOND") < page.index("TROISIEME")
    assert f'name="participants" value="{meilleur.pk}"' in page
    assert "exclus (voir pourquoi)" in page and "<details" in page
    assert "Le permis B est exigé et le participant ne l&#x27;a pas." in page


def test_matching_works_without_commune_coordinates(referent, charge):
    offre = offre_diffusee(charge, [referent])
    ailleurs = Commune.objects.exclude(pk=offre.commune_id).first()
    participant(referent, commune=ailleurs)
    Commune.objects.update(latitude=None, longitude=None)
    suggeres, _ = selectors.candidats_pour_offre(offre, referent)
    assert "Lieu de travail ou domicile sans coordonnées : distance inconnue." in suggeres[0][1].raisons


def test_offers_for_a_participant_best_first_with_a_button(client, make_user, referent, charge):
    personne = participant(referent, nom="Durand")
    bonne = offre_diffusee(charge, [referent], intitule="Agent de propreté (H/F)", commune=personne.commune)
    moyenne = offre_diffusee(charge, [referent], intitule="Magasinier (H/F)", metier_rome=metier(LOGISTIQUE))
    client.force_login(referent)
    url = reverse("offres:pour_participant", args=[personne.pk])
    page = client.get(url).content.decode()
    assert page.index("Agent de propreté (H/F)") < page.index("Magasinier (H/F)")
    assert "fait partie de son projet professionnel" in page
    response = client.post(
        reverse("offres:positionner", args=[bonne.pk]), {"participants": [personne.pk], "retour": url}
    )
    assert response.status_code == 302 and response.url == url
    assert Positionnement.objects.filter(offre=bonne, participant=personne).exists()
    assert not Positionnement.objects.filter(offre=moyenne).exists()

    client.force_login(make_user(Role.REFERENT))
    assert client.get(url).status_code == 404


def test_participant_page_links_to_offers_only_in_accompaniment(client, referent):
    personne = participant(referent)
    client.force_login(referent)
    page = client.get(reverse("participants:detail", args=[personne.pk])).content.decode()
    assert "Offres pour ce participant" in page and "Positionnements sur des offres" in page
    personne.statut = StatutParticipant.CANDIDAT
    personne.save(update_fields=["statut"])
    assert (
        "Offres pour ce participant"
        not in client.get(reverse("participants:detail", args=[personne.pk])).content.decode()
    )


def test_offer_page_query_count_is_constant_with_the_caseload(client, make_user, referent, charge):
    autre_referent = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [referent, autre_referent], nb_postes=20)
    client.force_login(referent)
    url = reverse("offres:detail", args=[offre.pk])

    def grow(n):
        personnes = [participant(referent, metiers=(NETTOYAGE, LOGISTIQUE)) for _ in range(n)]
        services.positionnements_creer(offre=offre, participants=personnes[:2], par=referent)
        autres = [participant(autre_referent) for _ in range(2)]
        services.positionnements_creer(offre=offre, participants=autres, par=autre_referent)

    grow(5)
    small, _ = _count(client, url)
    grow(45)
    large, response = _count(client, url)
    assert small == large
    assert len(response.context["suggeres"]) == 20


def test_large_ids_are_posted_back_intact(client, referent, charge):
    """Ids above 999 must not be rendered with a thousands separator ("1 234") in form values."""
    offre = offre_diffusee(charge, [referent])
    participant(referent, id=123456)
    client.force_login(referent)
    page = client.get(reverse("offres:detail", args=[offre.pk])).content.decode()
    assert 'name="participants" value="123456"' in page
    client.post(reverse("offres:positionner", args=[offre.pk]), {"participants": ["123456"]})
    assert Positionnement.objects.filter(participant_id=123456, offre=offre).exists()
