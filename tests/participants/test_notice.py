"""The RGPD information notice (art. 13): its page and PDF, and its handover date on the record."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.factories import ParticipantFactory
from participants.forms import ParticipantForm
from participants.models import Participant
from plie.models import Commune, NiveauFormation
from plie.roles import Role
from tests.participants.test_classeur import ligne, lire, xlsx

TODAY = timezone.localdate()


# --- The notice itself ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_staff_role_opens_the_notice(client_as, role, settings):
    settings.PLIE_DPO_CONTACT = "dpo@plie-test.fr"
    page = client_as(role).get(reverse("participants:notice_information")).content.decode()
    assert "Notice d'information des participants" in page
    assert settings.PLIE_NOM in page and "dpo@plie-test.fr" in page
    for rubrique in ("Pourquoi", "Sur quelle base", "Qui peut recevoir", "Combien de temps", "Quels sont vos droits"):
        assert rubrique in page
    assert "France Travail" in page and "FSE+" in page and "https://www.cnil.fr/" in page
    assert reverse("participants:notice_information_pdf") in page


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["notice_information", "notice_information_pdf"])
def test_anonymous_visitors_are_sent_to_login(client, url_name):
    response = client.get(reverse(f"participants:{url_name}"))
    assert response.status_code == 302 and "/connexion/" in response.url


@pytest.mark.django_db
def test_the_notice_states_the_retention_periods_from_the_settings(client_as, settings):
    settings.PLIE_RETENTION = {
        "BASE_ACTIVE_MOIS": 24,
        "ARCHIVAGE_FSE_JUSQU_AU": None,
        "ARCHIVAGE_FSE_ANS_APRES_SORTIE": 10,
        "JOURNAUX_MOIS": 12,
    }
    page = client_as(Role.REFERENT).get(reverse("participants:notice_information")).content.decode()
    assert "pendant 24 mois après le dernier contact" in page
    assert "jusqu&#x27;au 31 décembre de la 10e année suivant celle de la sortie du PLIE" in page
    assert "conservés 12 mois" in page


@pytest.mark.parametrize(
    ("jusqu_au", "ans", "attendu"),
    [
        ("2034-12-31", 5, "archivées, avec un accès restreint, jusqu'au 31/12/2034"),
        (None, 1, "jusqu'au 31 décembre de la 1re année suivant"),
        (None, 0, None),
    ],
)
def test_the_fse_archiving_sentence_follows_the_retention_setting(settings, jusqu_au, ans, attendu):
    from participants.acces import durees_conservation

    settings.PLIE_RETENTION = {"ARCHIVAGE_FSE_JUSQU_AU": jusqu_au, "ARCHIVAGE_FSE_ANS_APRES_SORTIE": ans}
    texte = " ".join(durees_conservation())
    if attendu is None:
        assert "archivées" not in texte
    else:
        assert attendu in texte


@pytest.mark.django_db
def test_the_notice_pdf_names_the_controller_and_the_dpo(client_as, settings):
    from pypdf import PdfReader

    settings.PLIE_DPO_CONTACT = "dpo@plie-test.fr"
    response = client_as(Role.CHARGE_MISSION).get(reverse("participants:notice_information_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    texte = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "dpo@plie-test.fr" in texte and "CNIL" in texte and "Fonds social européen" in texte


# --- Its handover date on the participant's record -----------------------------------------------


def _donnees_candidature(**champs):
    commune = Commune.objects.valides_le(TODAY).get(nom="Chenôve")
    return {
        "identifiant": "CAND-N",
        "nom": "Durand",
        "prenom": "Léa",
        "sexe": "F",
        "date_naissance": "1985-04-02",
        "commune": commune.pk,
        "niveau_formation": NiveauFormation.objects.get(code="3").pk,
        "date_candidature": TODAY.isoformat(),
        "minima_sociaux": "RSA",
        **champs,
    }


@pytest.mark.django_db
def test_a_new_candidacy_requires_the_notice_date_which_defaults_to_today():
    form = ParticipantForm()
    assert form.fields["notice_information_remise_le"].required
    assert form.fields["notice_information_remise_le"].initial == TODAY
    assert "RGPD" in form.fields["notice_information_remise_le"].help_text

    sans = ParticipantForm(_donnees_candidature())
    assert not sans.is_valid() and "notice_information_remise_le" in sans.errors
    futur = ParticipantForm(_donnees_candidature(notice_information_remise_le=(TODAY + timedelta(days=1)).isoformat()))
    assert futur.errors["notice_information_remise_le"] == ["La notice ne peut pas avoir été remise dans le futur."]
    assert ParticipantForm(_donnees_candidature(notice_information_remise_le=TODAY.isoformat())).is_valid()


@pytest.mark.django_db
def test_the_candidacy_page_records_the_notice_date(client_as):
    client = client_as(Role.REFERENT)
    page = client.get(reverse("participants:nouveau")).content.decode()
    assert 'name="notice_information_remise_le"' in page and f'value="{TODAY.isoformat()}"' in page
    response = client.post(
        reverse("participants:nouveau"), _donnees_candidature(notice_information_remise_le=TODAY.isoformat())
    )
    assert response.status_code == 302
    assert Participant.objects.get(identifiant="CAND-N").notice_information_remise_le == TODAY


@pytest.mark.django_db
def test_editing_an_imported_record_does_not_force_a_date_never_recorded(referent):
    participant = ParticipantFactory(referent=referent, notice_information_remise_le=None)
    assert not ParticipantForm(instance=participant).fields["notice_information_remise_le"].required


@pytest.mark.django_db
def test_the_page_warns_when_the_notice_was_not_handed_over(client, referent):
    participant = ParticipantFactory(entre=True, referent=referent, notice_information_remise_le=None)
    client.force_login(referent)
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert "Notice d&#x27;information non remise" in page or "Notice d'information non remise" in page
    assert reverse("participants:notice_information") in page
    assert reverse("participants:modifier", args=[participant.pk]) in page


@pytest.mark.django_db
def test_the_page_shows_the_handover_date_and_no_warning(client, referent):
    remise = TODAY - timedelta(days=3)
    participant = ParticipantFactory(entre=True, referent=referent, notice_information_remise_le=remise)
    client.force_login(referent)
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert f"remise le {remise:%d/%m/%Y}" in page
    assert "non remise" not in page


@pytest.mark.django_db
def test_imported_participants_have_no_notice_date(make_user):
    from participants import classeur

    make_user(Role.REFERENT, email="referente@test.plie.fr")
    classeur.importer(lire(xlsx([ligne(identifiant="IMP-1")])))
    assert Participant.objects.get(identifiant="IMP-1").notice_information_remise_le is None
