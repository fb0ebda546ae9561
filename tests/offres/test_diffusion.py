"""Diffusion of offers: the push to chosen référents (after commit), the weekly digest (HTML + text,
relevant offers first, never resent) and its Celery task and beat entry."""

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.urls import reverse

from offres import services, tasks
from offres.models import Diffusion
from plie.roles import Role

from .fabriques_positionnement import LOGISTIQUE, NETTOYAGE, metier, offre_diffusee, participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION)


def _html(message):
    [(contenu, type_mime)] = message.alternatives
    assert type_mime == "text/html"
    return contenu


# --- Push of one offer to chosen référents -------------------------------------------------


def test_the_diffusion_page_shows_caseload_sizes_and_rome_matches(client, make_user, charge):
    premier, second = make_user(Role.REFERENT, last_name="Alpha"), make_user(Role.REFERENT, last_name="Beta")
    participant(premier, metiers=(NETTOYAGE,))
    participant(premier, metiers=(NETTOYAGE, LOGISTIQUE))
    participant(premier, metiers=(LOGISTIQUE,))
    participant(second, metiers=(LOGISTIQUE,))
    offre = offre_diffusee(charge, [], metier_rome=metier(NETTOYAGE))
    client.force_login(charge)
    response = client.get(reverse("offres:diffuser", args=[offre.pk]))
    lignes = {r.pk: (r.nb_participants, r.nb_metier) for r in response.context["referents"]}
    assert lignes[premier.pk] == (3, 2) and lignes[second.pk] == (1, 0)
    page = response.content.decode()
    assert "3 participants" in page and "Diffuser et envoyer par e-mail" in page


def test_push_mails_the_chosen_referents_only_after_commit(
    client, make_user, charge, mailoutbox, django_capture_on_commit_callbacks
):
    choisi, oublie = make_user(Role.REFERENT), make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [], intitule="Agent de propreté (H/F)")
    client.force_login(charge)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("offres:diffuser", args=[offre.pk]), {"referents": [choisi.pk]})
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert mailoutbox == []
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[choisi.email]]
    message = mailoutbox[0]
    assert message.subject == "Offre à positionner : Agent de propreté (H/F)"
    lien = f"{django_settings.PLIE_URL}{reverse('offres:detail', args=[offre.pk])}"
    assert lien in message.body and lien in _html(message)
    assert "Fonds social européen" in message.body and "Fonds social européen" in _html(message)
    assert Diffusion.objects.get(offre=offre, referent=choisi).envoyee_par_mail_le is not None
    assert not Diffusion.objects.filter(offre=offre, referent=oublie).exists()


def test_push_without_any_referent_is_refused(client, make_user, charge, mailoutbox):
    make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [])
    client.force_login(charge)
    response = client.post(reverse("offres:diffuser", args=[offre.pk]), {})
    assert response.status_code == 200
    assert "Cochez au moins un référent." in response.content.decode()
    assert mailoutbox == []


def test_push_runs_in_the_request_on_commit(client, make_user, charge, mailoutbox, django_capture_on_commit_callbacks):
    choisi = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [])
    client.force_login(charge)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("offres:diffuser", args=[offre.pk]), {"referents": [choisi.pk]}, follow=True)
    assert "un e-mail leur est envoyé maintenant" in response.content.decode()
    assert len(mailoutbox) == 1


# --- Weekly digest ----------------------------------------------------------------------------


def test_digest_one_mail_per_referent_html_and_text_relevant_first_not_resent(make_user, charge, mailoutbox):
    premier, second, sans_offre = (make_user(Role.REFERENT) for _ in range(3))
    participant(premier, metiers=(LOGISTIQUE,))
    # The relevant offer is the older one: only relevance can bring it first.
    pertinente = offre_diffusee(charge, [premier, second], metier_rome=metier(LOGISTIQUE), intitule="Magasinier (H/F)")
    autre = offre_diffusee(charge, [premier], metier_rome=metier(NETTOYAGE), intitule="Agent de propreté (H/F)")
    Diffusion.objects.filter(offre=pertinente).update(diffusee_le=pertinente.diffusee_le.replace(year=2020))

    assert services.recapitulatif_hebdomadaire() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([premier.email, second.email])
    assert sans_offre.email not in [m.to[0] for m in mailoutbox]
    message = next(m for m in mailoutbox if m.to == [premier.email])
    assert message.subject == "2 offre(s) à positionner cette semaine"
    texte, html = message.body, _html(message)
    for contenu in (texte, html):
        assert contenu.index("Magasinier (H/F)") < contenu.index("Agent de propreté (H/F)")
        assert contenu.count("Pertinente pour votre portefeuille") == 1
        assert f"{django_settings.PLIE_URL}{reverse('offres:detail', args=[autre.pk])}" in contenu
        assert "Union européenne (Fonds social européen)" in contenu
    assert "<table" in html and "<link" not in html and "style=" not in html
    assert "<" not in texte

    mailoutbox.clear()
    assert services.recapitulatif_hebdomadaire() == 0
    assert mailoutbox == []


def test_an_offer_pushed_by_mail_is_not_repeated_in_the_digest(
    make_user, charge, mailoutbox, django_capture_on_commit_callbacks
):
    referent = make_user(Role.REFERENT)
    offre = offre_diffusee(charge, [])
    with django_capture_on_commit_callbacks(execute=True):
        services.offre_diffuser(offre=offre, par=charge, referents=[referent], par_mail=True)
    assert len(mailoutbox) == 1
    assert services.recapitulatif_hebdomadaire() == 0
    assert len(mailoutbox) == 1


def test_the_digest_task_calls_the_service_and_is_scheduled_on_monday_morning(make_user, charge, mailoutbox):
    referent = make_user(Role.REFERENT)
    offre_diffusee(charge, [referent])
    assert tasks.recapitulatif_hebdomadaire() == {"referents": 1}
    assert tasks.recapitulatif_hebdomadaire() == {"referents": 0}
    assert len(mailoutbox) == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["recapitulatif-hebdomadaire-offres"]
    assert entry["task"] == "offres.tasks.recapitulatif_hebdomadaire"
    assert entry["schedule"] == crontab(hour=7, minute=30, day_of_week="mon")
