"""The Monday reminder of the weekly FSE agendas not submitted (RULES §6)."""

import datetime
import zoneinfo

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.urls import reverse

from fse import tasks
from fse.models import RappelAgenda, SemaineAgenda
from fse.rules import StatutSemaine
from plie.roles import Role

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
LUNDI = datetime.date(2026, 3, 9)  # the Monday of the run: the current week is not reminded
DIMANCHE_AVANT = datetime.date(2026, 3, 8)
S1, S2, S3, S4, S5 = (LUNDI - datetime.timedelta(weeks=n) for n in range(1, 6))  # 1 to 5 weeks back
ARRIVEE_ANCIENNE = datetime.datetime(2025, 1, 6, 9, 0, tzinfo=PARIS)


@pytest.fixture
def salarie(make_user):
    """An account on an FSE-funded post, there for long (unless told otherwise)."""

    def make(role=Role.CHARGE_MISSION, **fields):
        fields.setdefault("agenda_fse", True)
        fields.setdefault("date_joined", ARRIVEE_ANCIENNE)
        return make_user(role, **fields)

    return make


@pytest.fixture
def rappeler(django_capture_on_commit_callbacks):
    """Run the task as a worker does: the e-mails leave once the reminders are committed."""

    def run(jour):
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.rappeler_agendas_non_soumis(jour)

    return run


def semaine(salarie, lundi, statut, **champs):
    return SemaineAgenda.objects.create(salarie=salarie, lundi=lundi, statut=statut, **champs)


def html(message):
    return message.alternatives[0][0]


def lien(lundi):
    return f"{django_settings.PLIE_URL}{reverse('fse:semaine', kwargs={'jour': lundi.isoformat()})}"


# --- who ---------------------------------------------------------------------------------------


def test_only_active_fse_funded_accounts_who_keep_an_agenda_are_reminded(salarie, rappeler, mailoutbox):
    charge = salarie(Role.CHARGE_MISSION)
    referent = salarie(Role.REFERENT)
    salarie(Role.REFERENT, agenda_fse=False)
    salarie(Role.REFERENT, is_active=False)
    salarie(Role.COORDINATRICE)  # validates agendas, keeps none
    salarie(None)  # no role, no permission

    assert rappeler(LUNDI) == 2

    assert sorted(m.to[0] for m in mailoutbox) == sorted([charge.email, referent.email])
    assert RappelAgenda.objects.count() == 2


def test_one_mail_per_person_listing_every_week_to_submit(salarie, rappeler, mailoutbox):
    charge = salarie()

    assert rappeler(LUNDI) == 1

    (message,) = mailoutbox
    assert message.to == [charge.email]
    assert message.subject == "Agenda FSE : 4 semaines à soumettre"
    for lundi in (S1, S2, S3, S4):
        assert lien(lundi) in message.body
    rappel = RappelAgenda.objects.get()
    assert (rappel.salarie, rappel.lundi_rappel) == (charge, LUNDI)
    assert rappel.semaines == ", ".join(d.isoformat() for d in (S4, S3, S2, S1))


def test_nobody_up_to_date_gets_a_mail(salarie, rappeler, mailoutbox):
    charge = salarie()
    for lundi in (S1, S2):
        semaine(charge, lundi, StatutSemaine.SOUMISE)
    for lundi in (S3, S4):
        semaine(charge, lundi, StatutSemaine.VALIDEE)

    assert rappeler(LUNDI) == 0
    assert mailoutbox == []
    assert not RappelAgenda.objects.exists()


# --- which weeks -------------------------------------------------------------------------------


def test_drafts_weeks_sent_back_and_missing_weeks_are_listed_with_their_state(salarie, make_user):
    charge = salarie()
    coordinatrice = make_user(Role.COORDINATRICE)
    semaine(charge, S1, StatutSemaine.SOUMISE)
    semaine(charge, S2, StatutSemaine.RENVOYEE, commentaire_retour="Il manque le vendredi.", validee_par=coordinatrice)
    semaine(charge, S3, StatutSemaine.BROUILLON)
    # S4: nothing yet. S5, five weeks back, is beyond the reminder.

    semaines = tasks.semaines_non_soumises([charge], LUNDI)[charge.pk]

    assert [(s.lundi, s.etat) for s in semaines] == [
        (S4, "non commencée"),
        (S3, "brouillon"),
        (S2, "renvoyée : Il manque le vendredi."),
    ]
    assert all(s.lien == lien(s.lundi) for s in semaines)


def test_the_latest_version_of_a_week_counts(salarie):
    charge = salarie()
    for lundi in (S1, S2, S3, S4):
        semaine(charge, lundi, StatutSemaine.VALIDEE)
    # A validated week under correction: version 2 is a draft again.
    semaine(charge, S2, StatutSemaine.BROUILLON, version=2)

    assert [(s.lundi, s.etat) for s in tasks.semaines_non_soumises([charge], LUNDI)[charge.pk]] == [(S2, "brouillon")]


def test_four_weeks_back_is_reminded_five_weeks_back_is_not(salarie):
    charge = salarie()
    for lundi in (S1, S2, S3):
        semaine(charge, lundi, StatutSemaine.VALIDEE)

    assert [s.lundi for s in tasks.semaines_non_soumises([charge], LUNDI)[charge.pk]] == [S4]

    semaine(charge, S4, StatutSemaine.SOUMISE)
    assert tasks.semaines_non_soumises([charge], LUNDI) == {}  # S5 is missing too, but too old


def test_weeks_ended_before_the_account_was_created_are_not_reminded(salarie):
    # Created on Wednesday of S3: S3 is owed, S4 (ended the Sunday before) is not.
    recrute = salarie(date_joined=datetime.datetime.combine(S3 + datetime.timedelta(days=2), datetime.time(9), PARIS))
    # Created at 00:30 on Monday S3 in Paris, still Sunday in UTC: the local day counts.
    minuit = salarie(date_joined=datetime.datetime.combine(S3, datetime.time(0, 30), PARIS))
    # Created on Sunday of S4: S4 is owed.
    dimanche = salarie(date_joined=datetime.datetime.combine(S4 + datetime.timedelta(days=6), datetime.time(18), PARIS))

    semaines = tasks.semaines_non_soumises([recrute, minuit, dimanche], LUNDI)

    assert [s.lundi for s in semaines[recrute.pk]] == [S3, S2, S1]
    assert [s.lundi for s in semaines[minuit.pk]] == [S3, S2, S1]
    assert [s.lundi for s in semaines[dimanche.pk]] == [S4, S3, S2, S1]


def test_run_on_monday_or_on_the_sunday_before_the_current_week_moves(salarie, rappeler, mailoutbox):
    assert tasks.lundis_rappeles(LUNDI) == [S4, S3, S2, S1]
    assert tasks.lundis_rappeles(DIMANCHE_AVANT) == [S5, S4, S3, S2]
    charge = salarie()

    assert rappeler(DIMANCHE_AVANT) == 1
    assert rappeler(LUNDI) == 1

    dimanche, lundi = mailoutbox
    assert lien(S5) in dimanche.body and lien(S1) not in dimanche.body
    assert lien(S1) in lundi.body and lien(S5) not in lundi.body
    assert sorted(RappelAgenda.objects.filter(salarie=charge).values_list("lundi_rappel", flat=True)) == [S1, LUNDI]


def test_one_query_reads_the_weeks_of_every_salarie(salarie, django_assert_num_queries):
    salaries = [salarie() for _ in range(3)]
    with django_assert_num_queries(1):
        assert len(tasks.semaines_non_soumises(salaries, LUNDI)) == 3


# --- idempotence -------------------------------------------------------------------------------


def test_a_second_run_the_same_week_sends_nothing(salarie, rappeler, mailoutbox):
    salarie()
    salarie(Role.REFERENT)

    assert rappeler(LUNDI) == 2
    assert rappeler(LUNDI) == 0  # the task delivered again
    assert rappeler(LUNDI + datetime.timedelta(days=1)) == 0

    assert len(mailoutbox) == 2
    assert RappelAgenda.objects.count() == 2


def test_the_mail_leaves_only_once_the_reminder_is_committed(salarie, mailoutbox, django_capture_on_commit_callbacks):
    salarie()
    with django_capture_on_commit_callbacks() as callbacks:
        assert tasks.rappels_agenda_envoyer(aujourd_hui=LUNDI) == 1
        assert mailoutbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1


def test_a_reminder_already_recorded_is_not_sent_again(salarie, rappeler, mailoutbox):
    charge = salarie()
    RappelAgenda.objects.create(salarie=charge, lundi_rappel=LUNDI, semaines=S1.isoformat())

    assert rappeler(LUNDI) == 0
    assert mailoutbox == []


# --- the mail ----------------------------------------------------------------------------------


def test_the_mail_in_text_and_html_with_absolute_links_and_the_eu_mention(salarie, make_user, rappeler, mailoutbox):
    charge = salarie(first_name="Antoine")
    coordinatrice = make_user(Role.COORDINATRICE)
    semaine(charge, S1, StatutSemaine.VALIDEE)
    semaine(
        charge,
        S2,
        StatutSemaine.RENVOYEE,
        commentaire_retour="Précisez l'entreprise visitée.",
        validee_par=coordinatrice,
    )
    semaine(charge, S3, StatutSemaine.BROUILLON)
    semaine(charge, S4, StatutSemaine.SOUMISE)

    rappeler(LUNDI)

    (message,) = mailoutbox
    assert message.subject == "Agenda FSE : 2 semaines à soumettre"
    texte = message.body
    assert texte.startswith("Bonjour Antoine,")
    assert "2 semaines de votre agenda FSE ne sont pas encore soumises" in texte
    assert f"Semaine du 16/02/2026 au 22/02/2026 : brouillon\n  {lien(S3)}" in texte
    assert f"Semaine du 23/02/2026 au 01/03/2026 : renvoyée : Précisez l'entreprise visitée.\n  {lien(S2)}" in texte
    assert "02/03/2026" not in texte and "09/02/2026" not in texte
    assert "<" not in texte and "&#x27;" not in texte
    page = html(message)
    assert f'<a href="{lien(S3)}">Semaine du 16/02/2026 au 22/02/2026</a>' in page
    assert "renvoyée : Précisez l&#x27;entreprise visitée." in page
    assert f"{django_settings.PLIE_URL}{reverse('fse:semaine')}" in page
    for contenu in (texte, page):
        assert "Union européenne (Fonds social européen)" in contenu
        assert contenu.index("16/02/2026") < contenu.index("23/02/2026")  # oldest first
    assert "<link" not in page and "style=" not in page


def test_a_single_week_is_in_the_singular(salarie, rappeler, mailoutbox):
    charge = salarie()
    for lundi in (S1, S2, S3):
        semaine(charge, lundi, StatutSemaine.VALIDEE)

    rappeler(LUNDI)

    assert mailoutbox[0].subject == "Agenda FSE : 1 semaine à soumettre"
    assert "Une semaine de votre agenda FSE n'est pas encore soumise" in mailoutbox[0].body


def test_links_follow_the_address_setting(salarie, rappeler, mailoutbox, settings):
    settings.PLIE_URL = "https://plie.example.org/"
    salarie()

    rappeler(LUNDI)

    assert f"https://plie.example.org{reverse('fse:semaine', kwargs={'jour': S1.isoformat()})}" in mailoutbox[0].body


# --- the task and its schedule -----------------------------------------------------------------


def test_the_task_reads_the_day_from_the_broker_and_defaults_to_today(salarie, rappeler, mailoutbox, monkeypatch):
    salarie()
    assert rappeler(LUNDI.isoformat()) == 1
    localdate = tasks.timezone.localdate
    mercredi = LUNDI + datetime.timedelta(days=2)
    monkeypatch.setattr(tasks.timezone, "localdate", lambda value=None: localdate(value) if value else mercredi)
    assert rappeler(None) == 0  # same week: already reminded
    monkeypatch.setattr(
        tasks.timezone,
        "localdate",
        lambda value=None: localdate(value) if value else mercredi + datetime.timedelta(weeks=1),
    )
    assert rappeler(None) == 1
    assert sorted(RappelAgenda.objects.values_list("lundi_rappel", flat=True)) == [
        LUNDI,
        LUNDI + datetime.timedelta(weeks=1),
    ]


def test_the_reminder_is_scheduled_on_monday_at_eight():
    entry = django_settings.CELERY_BEAT_SCHEDULE["rappel-agendas-fse"]
    assert entry["task"] == "fse.tasks.rappeler_agendas_non_soumis"
    assert entry["schedule"] == crontab(hour=8, minute=0, day_of_week="mon")
    assert entry["schedule"].day_of_week == {1} and entry["schedule"].hour == {8}
    assert django_settings.CELERY_TIMEZONE == "Europe/Paris"
    assert tasks.rappeler_agendas_non_soumis.name == entry["task"]
