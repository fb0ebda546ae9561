"""Boundary tests of the pure training rules: transitions with their reasons, the field of a
target job, the coverage of a need by open sessions, seats, dates and seniors. No database."""

from datetime import date, timedelta
from types import SimpleNamespace as Objet

import pytest

from formation import rules
from formation.models import StatutBesoin, StatutPositionnementFormation, StatutSession

B = StatutBesoin
P = StatutPositionnementFormation
S = StatutSession
D = date.fromisoformat
TODAY = D("2026-03-16")


# --- Needs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "de,vers",
    [
        (B.EXPRIME, B.ORIENTE),
        (B.EXPRIME, B.ABANDONNE),
        (B.ORIENTE, B.ENTRE),
        (B.ORIENTE, B.ABANDONNE),
        (B.ENTRE, B.TERMINE),
        (B.ENTRE, B.ABANDONNE),
    ],
)
def test_need_transitions_of_the_workflow_are_allowed(de, vers):
    assert rules.transition_besoin(de, vers)


@pytest.mark.parametrize(
    "de,vers",
    [
        (B.EXPRIME, B.ENTRE),  # entry goes through orientation
        (B.EXPRIME, B.TERMINE),
        (B.ENTRE, B.EXPRIME),
        (B.TERMINE, B.ABANDONNE),
        (B.ABANDONNE, B.EXPRIME),
    ],
)
def test_need_transitions_outside_the_workflow_are_refused_with_a_reason(de, vers):
    verdict = rules.transition_besoin(de, vers)
    assert not verdict
    assert f"« {de.label.lower()} »" in verdict.raison and "Possible" in verdict.raison


def test_a_closed_need_says_nothing_is_possible():
    assert "aucun (état final)" in rules.transition_besoin(B.TERMINE, B.ENTRE).raison


def test_an_oriented_need_goes_back_to_expressed_only_after_a_refused_positionnement():
    refus = rules.transition_besoin(B.ORIENTE, B.EXPRIME)
    assert not refus and "n'a pas abouti" in refus.raison
    assert rules.transition_besoin(B.ORIENTE, B.EXPRIME, positionnement_refuse=True)


def test_a_need_followed_by_a_positionnement_is_not_changed_by_hand():
    assert rules.besoin_modifiable_a_la_main(positionnement_en_cours="")
    verdict = rules.besoin_modifiable_a_la_main(positionnement_en_cours="CACES R489")
    assert not verdict and "« CACES R489 »" in verdict.raison


@pytest.mark.parametrize("statut,ok", [(B.EXPRIME, True), (B.ORIENTE, True), (B.ENTRE, False), (B.ABANDONNE, False)])
def test_only_an_open_need_is_positioned(statut, ok):
    verdict = rules.besoin_positionnable(statut)
    assert bool(verdict) is ok
    if not ok:
        assert statut.label.lower() in verdict.raison


def test_a_need_is_expressed_today_at_the_latest():
    assert rules.date_expression(TODAY, TODAY)
    verdict = rules.date_expression(TODAY + timedelta(days=1), TODAY)
    assert not verdict and "futur" in verdict.raison


# --- Field of a target job -----------------------------------------------------------------

LOGISTIQUE = Objet(pk=1, libelle="Logistique", prefixes_rome="N1,N4")
INDUSTRIE = Objet(pk=2, libelle="Industrie", prefixes_rome="H, I1 ,I16")
MAINTENANCE = Objet(pk=3, libelle="Maintenance", prefixes_rome="I160")
SANS_PREFIXE = Objet(pk=4, libelle="Langues", prefixes_rome="")
DOMAINES = [LOGISTIQUE, INDUSTRIE, MAINTENANCE, SANS_PREFIXE]


@pytest.mark.parametrize(
    "code,attendu",
    [
        ("N1103", LOGISTIQUE),
        ("n4101", LOGISTIQUE),  # case does not matter
        ("H2102", INDUSTRIE),
        ("I1201", INDUSTRIE),
        ("I1604", MAINTENANCE),  # "I160" is longer than "I16" and "I1"
        ("I1704", INDUSTRIE),
        ("K2204", None),
        ("", None),
        (None, None),
    ],
)
def test_the_field_of_a_job_is_the_longest_rome_prefix(code, attendu):
    assert rules.domaine_pour_metier(code, DOMAINES) is attendu


def test_on_equal_prefixes_the_first_field_given_wins():
    autre = Objet(pk=9, prefixes_rome="N1")
    assert rules.domaine_pour_metier("N1103", [LOGISTIQUE, autre]) is LOGISTIQUE
    assert rules.domaine_pour_metier("N1103", [autre, LOGISTIQUE]) is autre


# --- Coverage of a need --------------------------------------------------------------------


def _session(domaine=LOGISTIQUE, statut=S.OUVERTE, fin=TODAY, intitule="Cariste"):
    return Objet(domaine_id=domaine.pk, statut=statut, fin=fin, intitule=intitule)


def _besoin(domaine=LOGISTIQUE, metier=None):
    return Objet(domaine_id=domaine.pk if domaine else None, domaine=domaine, metier_rome=metier)


@pytest.mark.parametrize("statut", [S.PREVUE, S.OUVERTE, S.EN_COURS])
def test_a_need_is_covered_by_an_open_session_of_its_field_ending_today(statut):
    couverture = rules.besoin_couvert(_besoin(), [_session(statut=statut, fin=TODAY)], TODAY)
    assert couverture and len(couverture.sessions) == 1
    assert "Logistique" in couverture.raison and "« Cariste »" in couverture.raison


@pytest.mark.parametrize(
    "session",
    [
        _session(fin=TODAY - timedelta(days=1)),  # ended yesterday
        _session(statut=S.ANNULEE, fin=TODAY + timedelta(days=30)),
        _session(statut=S.TERMINEE, fin=TODAY + timedelta(days=30)),
        _session(domaine=INDUSTRIE, fin=TODAY + timedelta(days=30)),
    ],
)
def test_a_need_is_not_covered_by_a_past_cancelled_ended_or_other_field_session(session):
    couverture = rules.besoin_couvert(_besoin(), [session], TODAY)
    assert not couverture and "Aucune session ouverte" in couverture.raison


def test_a_need_expressed_as_a_job_takes_the_field_of_its_rome_code():
    besoin = _besoin(domaine=None, metier=Objet(code="N1103"))
    assert rules.besoin_couvert(besoin, [_session()], TODAY, domaines=DOMAINES)
    assert not rules.besoin_couvert(besoin, [_session(domaine=INDUSTRIE)], TODAY, domaines=DOMAINES)


def test_a_need_without_known_field_is_never_covered():
    besoin = _besoin(domaine=None, metier=Objet(code="K2204"))
    couverture = rules.besoin_couvert(besoin, [_session()], TODAY, domaines=DOMAINES)
    assert not couverture and "sans domaine" in couverture.raison


# --- Sessions ------------------------------------------------------------------------------


def test_session_status_moves():
    assert rules.transition_session(S.PREVUE, S.OUVERTE)
    assert rules.transition_session(S.OUVERTE, S.OUVERTE)  # unchanged
    assert rules.transition_session(S.EN_COURS, S.TERMINEE)
    verdict = rules.transition_session(S.TERMINEE, S.OUVERTE)
    assert not verdict and "aucun (état final)" in verdict.raison
    assert not rules.transition_session(S.PREVUE, S.TERMINEE)


def test_a_session_with_entered_participants_cannot_be_cancelled():
    assert rules.session_annulable(S.OUVERTE, 0)
    verdict = rules.session_annulable(S.EN_COURS, 1)
    assert not verdict and "1 participant(s)" in verdict.raison
    assert not rules.session_annulable(S.ANNULEE, 0)
    assert not rules.session_annulable(S.TERMINEE, 0)


def test_the_last_seat_then_full():
    assert rules.capacite_suffisante(capacite=3, occupees=2)
    verdict = rules.capacite_suffisante(capacite=3, occupees=3)
    assert not verdict and "complète : 3 place(s) occupée(s) sur 3" in verdict.raison


def test_seats_never_fall_below_those_taken():
    assert rules.capacite_modifiable(capacite=4, occupees=4)
    assert not rules.capacite_modifiable(capacite=3, occupees=4)


@pytest.mark.parametrize(
    "statut,fin,occupees,morceau",
    [
        (S.ANNULEE, TODAY + timedelta(days=9), 0, "annulée"),
        (S.TERMINEE, TODAY + timedelta(days=9), 0, "terminée"),
        (S.OUVERTE, TODAY - timedelta(days=1), 0, "terminée (fin le 15/03/2026)"),
        (S.OUVERTE, TODAY, 5, "complète"),
    ],
)
def test_where_nobody_can_be_positioned(statut, fin, occupees, morceau):
    verdict = rules.session_positionnable(statut, fin, TODAY, capacite=5, occupees=occupees)
    assert not verdict and morceau in verdict.raison


def test_an_open_session_ending_today_with_a_seat_left_is_positionable():
    assert rules.session_positionnable(S.OUVERTE, TODAY, TODAY, capacite=5, occupees=4)
    assert rules.session_ouverte(S.PREVUE, TODAY, TODAY)
    assert not rules.session_ouverte(S.PREVUE, TODAY - timedelta(days=1), TODAY)


# --- Positionnements -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "de,vers",
    [
        (P.PROPOSE, P.INSCRIT),
        (P.PROPOSE, P.REFUSE),
        (P.PROPOSE, P.ABANDON),
        (P.INSCRIT, P.ENTRE),
        (P.INSCRIT, P.REFUSE),
        (P.INSCRIT, P.ABANDON),
        (P.ENTRE, P.TERMINE),
        (P.ENTRE, P.ABANDON),
    ],
)
def test_positionnement_transitions_of_the_workflow(de, vers):
    assert rules.transition_positionnement(de, vers)


@pytest.mark.parametrize(
    "de,vers",
    [
        (P.PROPOSE, P.ENTRE),  # registration first
        (P.PROPOSE, P.TERMINE),
        (P.ENTRE, P.REFUSE),  # once entered, it ends or is abandoned
        (P.TERMINE, P.ABANDON),
        (P.REFUSE, P.INSCRIT),
        (P.ABANDON, P.ENTRE),
    ],
)
def test_positionnement_transitions_outside_the_workflow_are_refused_with_a_reason(de, vers):
    verdict = rules.transition_positionnement(de, vers)
    assert not verdict and "Impossible de passer le positionnement" in verdict.raison


def test_next_statuses_come_in_the_order_of_the_workflow():
    assert rules.statuts_suivants(P.PROPOSE) == [P.INSCRIT, P.ABANDON, P.REFUSE]
    assert rules.statuts_suivants(P.ENTRE) == [P.ABANDON, P.TERMINE]
    assert rules.statuts_suivants(P.REFUSE) == []


def test_a_step_is_dated_today_at_the_latest_and_not_before_the_previous_one():
    assert rules.date_etape(TODAY, TODAY, TODAY)
    assert not rules.date_etape(TODAY + timedelta(days=1), None, TODAY)
    verdict = rules.date_etape(TODAY - timedelta(days=1), TODAY, TODAY)
    assert not verdict and "16/03/2026" in verdict.raison


def test_entry_lies_within_the_session():
    debut, fin = D("2026-03-02"), D("2026-06-30")
    assert rules.date_entree(debut, debut, fin)
    assert rules.date_entree(fin, debut, fin)
    assert "début de la session (02/03/2026)" in rules.date_entree(debut - timedelta(days=1), debut, fin).raison
    assert not rules.date_entree(fin + timedelta(days=1), debut, fin)


@pytest.mark.parametrize(
    "statut,entre_avant,attendu",
    [
        (P.PROPOSE, False, B.ORIENTE),
        (P.INSCRIT, False, None),
        (P.ENTRE, False, B.ENTRE),
        (P.TERMINE, True, B.TERMINE),
        (P.ABANDON, True, B.ABANDONNE),
        (P.ABANDON, False, B.EXPRIME),
        (P.REFUSE, False, B.EXPRIME),
    ],
)
def test_the_need_follows_its_positionnement(statut, entre_avant, attendu):
    assert rules.besoin_apres_positionnement(statut, entre_avant=entre_avant) == attendu


# --- Seniors -------------------------------------------------------------------------------


def test_a_senior_is_55_on_the_day(settings):
    settings.PLIE_REGLES = {**settings.PLIE_REGLES, "AGE_SENIOR": 55}
    assert rules.est_senior(D("1971-03-16"), TODAY)
    assert not rules.est_senior(D("1971-03-17"), TODAY)
    assert rules.naissance_senior_au_plus_tard(TODAY) == D("1971-03-16")


def test_the_senior_age_comes_from_the_settings(settings):
    settings.PLIE_REGLES = {**settings.PLIE_REGLES, "AGE_SENIOR": 50}
    assert rules.est_senior(D("1976-03-16"), TODAY)
    assert rules.naissance_senior_au_plus_tard(TODAY) == D("1976-03-16")


def test_born_on_29_february_a_senior_on_1_march_in_common_years():
    jour = D("2027-02-28")
    limite = rules.naissance_senior_au_plus_tard(jour, 55)
    naissance = D("1972-02-29")
    assert naissance > limite and not rules.est_senior(naissance, jour, 55)
    assert rules.est_senior(naissance, D("2027-03-01"), 55)
    assert naissance <= rules.naissance_senior_au_plus_tard(D("2027-03-01"), 55)
