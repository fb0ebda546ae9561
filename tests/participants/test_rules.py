"""Boundary tests of the pure domain rules (RULES.md §1–§3): no database, fixed parameters."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from participants.rules import (
    CRITERES,
    FaitsEligibilite,
    FaitsParcours,
    Parametres,
    ResultatSortie,
    Situation,
    TypeSituation,
    age_le,
    eligibilite,
    entretien_du_mois,
    fusionner_periodes,
    jour_du_cumul,
    jours_couverts,
    sorties_positives,
)

P = Parametres()
D = date.fromisoformat


# --- Builders --------------------------------------------------------------------------------


def faits_eligibles(**changements) -> FaitsEligibilite:
    faits = FaitsEligibilite(
        date_reference=D("2026-03-16"),
        commune="Chenôve",
        commune_dans_territoire=True,
        autorisation_travail=True,
        consentement=True,
        consentement_date=D("2026-03-01"),
        qualification_insuffisante=True,
        sans_activite_depuis=D("2025-03-15"),
        minima_sociaux="",
        situation_familiale_complexe=True,
        mobilite_logement=False,
        sante_handicap=False,
        suivi_cap_emploi=False,
        sous_main_justice=False,
    )
    return replace(faits, **changements)


def critere(verdict, code):
    return next(c for c in verdict.criteres if c.code == code)


def sit(type_, debut, fin=None, **champs) -> Situation:
    return Situation(type=type_, debut=D(debut), fin=D(fin) if fin else None, **champs)


def parcours(*situations, ref, naissance="1980-01-01", validation=None) -> FaitsParcours:
    return FaitsParcours(
        date_naissance=D(naissance),
        situations=tuple(situations),
        date_reference=D(ref),
        validation_senior_aci=D(validation) if validation else None,
    )


def sortie(faits, resultat, parametres=P):
    """The detection of one outcome, or None."""
    trouvees = [s for s in sorties_positives(faits, parametres) if s.resultat == resultat]
    assert len(trouvees) <= 1
    return trouvees[0] if trouvees else None


def texte(detection_ou_critere) -> str:
    return " ".join(detection_ou_critere.raisons)


# --- Parameters ------------------------------------------------------------------------------


def test_parametres_depuis_settings_default_to_the_readings_of_rules():
    assert Parametres.depuis_settings() == Parametres()


def test_parametres_depuis_settings_reads_plie_regles(settings):
    settings.PLIE_REGLES = {**settings.PLIE_REGLES, "SEUIL_HEURES_HEBDO": "20", "AGE_SENIOR": "50"}
    parametres = Parametres.depuis_settings()
    assert parametres.seuil_heures_hebdo == Decimal("20")
    assert parametres.age_senior == 50
    assert parametres.jours_cumules == 182


# --- §1 Eligibility --------------------------------------------------------------------------


def test_all_five_criteria_met_gives_eligible_with_reasons_in_order():
    verdict = eligibilite(faits_eligibles(), P)
    assert verdict.eligible
    assert tuple(c.code for c in verdict.criteres) == CRITERES
    assert verdict.criteres_manquants == ()
    assert verdict.resume == "Éligible : les cinq critères sont remplis."
    assert "Réside à Chenôve, commune du territoire du PLIE." in critere(verdict, "territoire").raisons
    assert "recueilli le 01/03/2026" in texte(critere(verdict, "consentement"))


@pytest.mark.parametrize(
    ("changement", "code", "libelle", "extrait"),
    [
        ({"commune": "Beaune", "commune_dans_territoire": False}, "territoire", "Territoire", "Beaune, commune hors"),
        ({"commune": "", "commune_dans_territoire": False}, "territoire", "Territoire", "non renseignée"),
        ({"autorisation_travail": False}, "autorisation_travail", "Autorisation de travail", "Pas d'autorisation"),
        ({"consentement": False, "consentement_date": None}, "consentement", "Consentement", "non recueilli"),
    ],
)
def test_a_single_failing_basic_criterion_is_named_in_the_verdict(changement, code, libelle, extrait):
    verdict = eligibilite(faits_eligibles(**changement), P)
    assert not verdict.eligible
    assert verdict.criteres_manquants == (code,)
    assert verdict.resume == f"Non éligible : critère(s) manquant(s) : {libelle}."
    assert extrait in texte(critere(verdict, code))


def test_resume_lists_every_missing_criterion_in_order():
    verdict = eligibilite(
        faits_eligibles(consentement=False, consentement_date=None, situation_familiale_complexe=False), P
    )
    assert verdict.criteres_manquants == ("consentement", "critere_personnel")
    assert verdict.resume == "Non éligible : critère(s) manquant(s) : Consentement, Critère personnel (B)."


def test_consent_without_date_holds_and_says_the_date_is_missing():
    verdict = eligibilite(faits_eligibles(consentement_date=None), P)
    assert critere(verdict, "consentement").rempli
    assert "date non renseignée" in texte(critere(verdict, "consentement"))


@pytest.mark.parametrize(
    ("sans_activite_depuis", "date_reference", "rempli", "extrait"),
    [
        ("2025-03-15", "2026-03-14", False, "soit 12 mois au plus avant le 14/03/2026"),
        (
            "2025-03-15",
            "2026-03-15",
            False,
            "soit 12 mois au plus avant le 15/03/2026 (plus de 12 mois à partir du 16/03/2026)",
        ),
        (
            "2025-03-15",
            "2026-03-16",
            True,
            "Sans activité depuis le 15/03/2025, soit plus de 12 mois avant le 16/03/2026.",
        ),
        # Calendar months: 29/02/2024 + 12 months = 28/02/2025.
        ("2024-02-29", "2025-02-28", False, "12 mois au plus"),
        ("2024-02-29", "2025-03-01", True, "plus de 12 mois"),
    ],
)
def test_criterion_a_twelve_month_boundary(sans_activite_depuis, date_reference, rempli, extrait):
    faits = faits_eligibles(sans_activite_depuis=D(sans_activite_depuis), date_reference=D(date_reference))
    critere_a = critere(eligibilite(faits, P), "critere_marche_travail")
    assert critere_a.rempli is rempli
    assert extrait in texte(critere_a)


def test_criterion_a_holds_with_a_social_minimum_even_in_activity():
    critere_a = critere(
        eligibilite(faits_eligibles(sans_activite_depuis=None, minima_sociaux="RSA"), P), "critere_marche_travail"
    )
    assert critere_a.rempli
    assert "En activité professionnelle" in texte(critere_a)
    assert "Bénéficiaire du RSA." in critere_a.raisons


def test_criterion_a_fails_in_activity_without_social_minimum():
    critere_a = critere(eligibilite(faits_eligibles(sans_activite_depuis=None), P), "critere_marche_travail")
    assert not critere_a.rempli
    assert "Aucun minimum social." in critere_a.raisons
    assert "Ni sans activité depuis plus de 12 mois, ni bénéficiaire d'un minimum social." in critere_a.raisons


def test_criterion_a_needs_insufficient_qualification_even_if_long_without_activity_and_on_rsa():
    faits = faits_eligibles(qualification_insuffisante=False, minima_sociaux="RSA")
    critere_a = critere(eligibilite(faits, P), "critere_marche_travail")
    assert not critere_a.rempli
    assert "Qualification suffisante" in texte(critere_a)
    assert "soit plus de 12 mois" in texte(critere_a)


def test_a_different_sans_activite_reading_changes_criterion_a():
    faits = faits_eligibles(sans_activite_depuis=D("2025-09-01"))
    assert not critere(eligibilite(faits, P), "critere_marche_travail").rempli
    six_mois = critere(eligibilite(faits, Parametres(sans_activite_mois=6)), "critere_marche_travail")
    assert six_mois.rempli
    assert "soit plus de 6 mois avant le 16/03/2026" in texte(six_mois)


AUCUNE_DIFFICULTE = {
    "situation_familiale_complexe": False,
    "mobilite_logement": False,
    "sante_handicap": False,
    "suivi_cap_emploi": False,
    "sous_main_justice": False,
}


@pytest.mark.parametrize(
    ("difficultes", "rempli", "extrait"),
    [
        ({"situation_familiale_complexe": True}, True, "Situation familiale complexe."),
        ({"mobilite_logement": True}, True, "Problèmes de mobilité ou de logement."),
        ({"sante_handicap": True}, True, "sans accompagnement par Cap emploi"),
        ({"sante_handicap": True, "suivi_cap_emploi": True}, False, "mais accompagné par Cap emploi : ne compte pas"),
        ({"sante_handicap": True, "suivi_cap_emploi": True, "mobilite_logement": True}, True, "ne compte pas"),
        ({"sous_main_justice": True}, True, "Sous main de justice."),
        ({}, False, "Aucune difficulté personnelle retenue"),
    ],
)
def test_criterion_b_needs_one_personal_difficulty_health_outside_cap_emploi(difficultes, rempli, extrait):
    faits = faits_eligibles(**{**AUCUNE_DIFFICULTE, **difficultes})
    critere_b = critere(eligibilite(faits, P), "critere_personnel")
    assert critere_b.rempli is rempli
    assert extrait in texte(critere_b)


# --- §2 Enumerations --------------------------------------------------------------------------


def test_situation_and_outcome_values_are_their_names_and_outcomes_follow_the_rules_rows():
    assert all(t.value == t.name for t in TypeSituation)
    assert list(ResultatSortie) == [
        "CDI",
        "INTERIM",
        "CDD",
        "FORMATION_QUALIFIANTE",
        "CREATION",
        "CONTRAT_AIDE",
        "SENIOR_ACI",
    ]


# --- §2 Helpers: merged inclusive periods and the sliding window ------------------------------


def test_periods_are_inclusive_and_merged_before_counting():
    assert jours_couverts([(D("2025-01-01"), D("2025-01-01"))]) == 1
    assert jours_couverts([(D("2025-01-01"), D("2025-01-10")), (D("2025-01-05"), D("2025-01-15"))]) == 15
    assert fusionner_periodes([(D("2025-02-01"), D("2025-02-03")), (D("2025-01-01"), D("2025-01-31"))]) == (
        (D("2025-01-01"), D("2025-02-03")),
    )


def test_jour_du_cumul_is_the_earliest_day_the_window_holds_enough_days():
    periodes = [(D("2025-01-01"), D("2025-01-05")), (D("2025-01-20"), D("2025-01-30"))]
    assert jour_du_cumul(periodes, jours=7, fenetre=30) == D("2025-01-21")
    # With 19 days, 01/01-05 leaves the window as 20/01-30/01 enters: the second period alone counts.
    assert jour_du_cumul(periodes, jours=7, fenetre=19) == D("2025-01-26")
    assert jour_du_cumul(periodes, jours=12, fenetre=365) == D("2025-01-26")
    assert jour_du_cumul(periodes, jours=17, fenetre=365) is None


# --- §2 Row 1: CDI ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heures", "accord", "detecte", "extrait"),
    [
        (Decimal("17.4"), False, False, None),
        (Decimal("17.4"), True, True, "17,4 h par semaine, moins de 17,5 h avec l'accord du participant"),
        (Decimal("17.5"), False, True, "17,5 h par semaine, au moins 17,5 h"),
        (None, False, True, "non renseignée, comptée comme un temps plein"),
    ],
)
def test_cdi_hours_threshold_with_and_without_agreement(heures, accord, detecte, extrait):
    cdi = sit("CDI", "2025-01-01", heures_hebdo=heures, accord_temps_partiel=accord, employeur="Boulangerie Paul")
    detection = sortie(parcours(cdi, ref="2025-12-31"), ResultatSortie.CDI)
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-01")
        assert extrait in texte(detection)
        assert "CDI (Boulangerie Paul) depuis le 01/01/2025" in texte(detection)
        assert "Toujours dans l'entreprise le 01/07/2025, 6 mois après l'embauche." in detection.raisons


@pytest.mark.parametrize(("fin", "detecte"), [("2025-06-30", False), ("2025-07-01", True), ("2025-09-30", True)])
def test_cdi_left_the_day_before_or_the_day_of_start_plus_six_months(fin, detecte):
    cdi = sit("CDI", "2025-01-01", fin, heures_hebdo=Decimal("35"))
    assert (sortie(parcours(cdi, ref="2025-12-31"), ResultatSortie.CDI) is not None) is detecte


@pytest.mark.parametrize(("ref", "detecte"), [("2025-06-30", False), ("2025-07-01", True)])
def test_cdi_six_months_must_be_reached_by_the_reference_date(ref, detecte):
    cdi = sit("CDI", "2025-01-01", heures_hebdo=Decimal("35"))
    assert (sortie(parcours(cdi, ref=ref), ResultatSortie.CDI) is not None) is detecte


def test_cdi_six_calendar_months_from_a_month_end():
    cdi = sit("CDI", "2025-08-31", heures_hebdo=Decimal("35"))
    assert sortie(parcours(cdi, ref="2026-03-31"), ResultatSortie.CDI).date == D("2026-02-28")


def test_another_hours_threshold_changes_the_cdi_verdict():
    cdi = sit("CDI", "2025-01-01", heures_hebdo=Decimal("17.5"))
    faits = parcours(cdi, ref="2025-12-31")
    assert sortie(faits, ResultatSortie.CDI) is not None
    assert sortie(faits, ResultatSortie.CDI, Parametres(seuil_heures_hebdo=Decimal("20"))) is None


def test_the_earliest_of_several_cdi_is_kept():
    premier = sit("CDI", "2024-01-01", "2024-12-31", reference=1)
    second = sit("CDI", "2025-03-01", reference=2)
    detection = sortie(parcours(second, premier, ref="2025-12-31"), ResultatSortie.CDI)
    assert (detection.date, detection.references) == (D("2024-07-01"), (1,))


# --- §2 Rows 2 and 3: intérim and CDD, 182 days within 365 -----------------------------------


@pytest.mark.parametrize("type_", ["CDD", "INTERIM"])
@pytest.mark.parametrize(("fin", "detecte"), [("2025-06-30", False), ("2025-07-01", True)])
def test_single_contract_181_vs_182_days(type_, fin, detecte):
    # 01/01/2025 → 30/06/2025 is 181 days inclusive; → 01/07/2025 is 182.
    detection = sortie(parcours(sit(type_, "2025-01-01", fin), ref="2025-12-31"), ResultatSortie(type_))
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-01")


def test_the_exit_date_is_the_182nd_day_not_the_end_of_the_contract():
    cdd = sit("CDD", "2025-01-01", "2025-12-31", employeur="Mairie", reference="a")
    detection = sortie(parcours(cdd, ref="2026-01-31"), ResultatSortie.CDD)
    assert detection.date == D("2025-07-01")
    assert detection.references == ("a",)
    assert "182 jours couverts dans la fenêtre de 365 jours du 02/07/2024 au 01/07/2025" in texte(detection)
    assert "le 182e jour est atteint le 01/07/2025" in texte(detection)
    assert "CDD (Mairie) du 01/01/2025 au 31/12/2025." in detection.raisons


@pytest.mark.parametrize(("fin_second", "detecte"), [("2025-07-30", False), ("2025-07-31", True)])
def test_successive_non_overlapping_cdd_add_up(fin_second, detecte):
    # 01/01-31/03 = 90 days; 01/05-31/07 = 92 days.
    faits = parcours(
        sit("CDD", "2025-01-01", "2025-03-31", reference="a"),
        sit("CDD", "2025-05-01", fin_second, reference="b"),
        ref="2025-12-31",
    )
    detection = sortie(faits, ResultatSortie.CDD)
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-31")
        assert detection.references == ("a", "b")


@pytest.mark.parametrize(("fin_second", "detecte"), [("2025-06-30", False), ("2025-07-01", True)])
def test_overlapping_cdd_days_count_once(fin_second, detecte):
    # Merged 01/01 → 30/06 is 181 days although the contracts sum to 90 + 122.
    faits = parcours(sit("CDD", "2025-01-01", "2025-03-31"), sit("CDD", "2025-03-01", fin_second), ref="2025-12-31")
    detection = sortie(faits, ResultatSortie.CDD)
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-01")
        assert "comptés qu'une fois" in texte(detection)


def test_sliding_window_early_days_fall_out_of_the_window():
    # 121 days in early 2024 + 90 days in early 2025 = 211 days, but never 182 within 365 days.
    faits = parcours(
        sit("INTERIM", "2024-01-01", "2024-04-30"), sit("INTERIM", "2025-01-01", "2025-03-31"), ref="2025-12-31"
    )
    assert sortie(faits, ResultatSortie.INTERIM) is None


@pytest.mark.parametrize(
    ("debut_second", "date_attendue", "references"),
    [
        # Window 01/02/2024 → 30/01/2025 holds all 151 days of the first contract + 31: reached.
        ("2024-12-31", "2025-01-30", ("a", "b")),
        # One day later the first contract's first day leaves the window as each new day enters:
        # the count stays at 181 until the second contract alone reaches 182 days.
        ("2025-01-01", "2025-07-01", ("b",)),
    ],
)
def test_sliding_window_gives_the_earliest_day_of_182_within_365(debut_second, date_attendue, references):
    faits = parcours(
        sit("CDD", "2024-02-01", "2024-06-30", reference="a"),  # 151 days
        sit("CDD", debut_second, reference="b"),
        ref="2025-12-31",
    )
    detection = sortie(faits, ResultatSortie.CDD)
    assert detection.date == D(date_attendue)
    assert detection.references == references


@pytest.mark.parametrize(("ref", "detecte"), [("2025-06-30", False), ("2025-07-01", True)])
def test_running_contract_counts_up_to_the_reference_date_only(ref, detecte):
    for cdd in (sit("CDD", "2025-01-01"), sit("CDD", "2025-01-01", "2025-12-31")):
        assert (sortie(parcours(cdd, ref=ref), ResultatSortie.CDD) is not None) is detecte


def test_running_contract_reasons_say_up_to_which_day_it_was_counted():
    detection = sortie(parcours(sit("INTERIM", "2025-01-01"), ref="2025-08-01"), ResultatSortie.INTERIM)
    assert "Mission d'intérim depuis le 01/01/2025 (compté jusqu'au 01/08/2025)." in detection.raisons


def test_interim_and_cdd_days_are_not_mixed():
    faits = parcours(
        sit("INTERIM", "2025-01-01", "2025-03-31"), sit("CDD", "2025-04-01", "2025-06-30"), ref="2025-12-31"
    )
    assert sorties_positives(faits, P) == ()


def test_interim_has_no_hours_condition():
    interim = sit("INTERIM", "2025-01-01", "2025-07-01", heures_hebdo=Decimal("10"))
    assert sortie(parcours(interim, ref="2025-12-31"), ResultatSortie.INTERIM) is not None


@pytest.mark.parametrize(
    ("heures", "accord", "detecte"),
    [
        (Decimal("17.4"), False, False),
        (Decimal("17.4"), True, True),
        (Decimal("17.5"), False, True),
        (None, False, True),
    ],
)
def test_cdd_under_17_5_hours_counts_only_with_agreement(heures, accord, detecte):
    cdd = sit("CDD", "2025-01-01", "2025-07-01", heures_hebdo=heures, accord_temps_partiel=accord)
    assert (sortie(parcours(cdd, ref="2025-12-31"), ResultatSortie.CDD) is not None) is detecte


def test_a_part_time_cdd_without_agreement_is_left_out_of_the_count_and_said_so():
    faits = parcours(
        sit("CDD", "2025-01-01", "2025-07-01", employeur="A"),
        sit("CDD", "2025-02-01", "2025-12-31", heures_hebdo=Decimal("10"), employeur="B"),
        ref="2025-12-31",
    )
    detection = sortie(faits, ResultatSortie.CDD)
    assert detection.date == D("2025-07-01")
    assert (
        "CDD (B) du 01/02/2025 au 31/12/2025 : 10 h par semaine, moins de 17,5 h sans l'accord du participant, non compté."
        in detection.raisons
    )


# --- §2 Row 4: training -----------------------------------------------------------------------


def test_qualifying_training_is_positive_on_its_start_date():
    formation = sit("FORMATION_QUALIFIANTE", "2025-09-01", employeur="AFPA", reference=7)
    detection = sortie(parcours(formation, ref="2025-09-01"), ResultatSortie.FORMATION_QUALIFIANTE)
    assert (detection.date, detection.references) == (D("2025-09-01"), (7,))
    assert "Entrée en formation qualifiante le 01/09/2025" in texte(detection)


def test_qualifying_training_starting_after_the_reference_date_is_not_counted():
    assert sorties_positives(parcours(sit("FORMATION_QUALIFIANTE", "2025-09-02"), ref="2025-09-01"), P) == ()


def test_non_qualifying_training_never_counts():
    assert sorties_positives(parcours(sit("FORMATION", "2025-01-01", "2025-12-31"), ref="2026-06-30"), P) == ()


# --- §2 Row 5: business creation -------------------------------------------------------------


@pytest.mark.parametrize(("fin", "detecte"), [("2025-06-30", False), ("2025-07-01", True), (None, True)])
def test_creation_must_still_run_six_months_after(fin, detecte):
    creation = sit("CREATION", "2025-01-01", fin, employeur="Atelier vélo")
    detection = sortie(parcours(creation, ref="2025-12-31"), ResultatSortie.CREATION)
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-01")
        assert "6 mois de suivi après la création accomplis le 01/07/2025" in texte(detection)


# --- §2 Row 6: contrat aidé ------------------------------------------------------------------


@pytest.mark.parametrize(("fin_prevue", "detecte"), [("2025-07-01", False), ("2025-07-02", True), (None, False)])
def test_contrat_aide_planned_for_more_than_six_months(fin_prevue, detecte):
    contrat = sit("CONTRAT_AIDE", "2025-01-01", fin_prevue=D(fin_prevue) if fin_prevue else None)
    detection = sortie(parcours(contrat, ref="2025-12-31"), ResultatSortie.CONTRAT_AIDE)
    assert (detection is not None) is detecte
    if detecte:
        assert detection.date == D("2025-07-01")
        assert "Fin prévue le 02/07/2025 : durée prévue de plus de 6 mois (au-delà du 01/07/2025)." in detection.raisons
        assert "hors ACI" in texte(detection)


@pytest.mark.parametrize(("fin", "detecte"), [("2025-06-30", False), ("2025-07-01", True)])
def test_contrat_aide_six_months_must_be_completed(fin, detecte):
    contrat = sit("CONTRAT_AIDE", "2025-01-01", fin, fin_prevue=D("2025-12-31"))
    assert (sortie(parcours(contrat, ref="2025-12-31"), ResultatSortie.CONTRAT_AIDE) is not None) is detecte


def test_aci_contract_is_never_a_contrat_aide():
    aci = sit("ACI", "2025-01-01", fin_prevue=D("2025-12-31"))
    assert sorties_positives(parcours(aci, ref="2025-12-31", naissance="1990-01-01"), P) == ()


# --- §2 Row 7: senior in ACI -----------------------------------------------------------------


def test_age_is_computed_on_birthdays():
    assert age_le(D("1971-05-10"), D("2026-05-09")) == 54
    assert age_le(D("1971-05-10"), D("2026-05-10")) == 55
    assert age_le(D("1972-02-29"), D("2027-02-28")) == 54
    assert age_le(D("1972-02-29"), D("2027-03-01")) == 55


@pytest.mark.parametrize(("debut", "detecte"), [("2026-05-09", False), ("2026-05-10", True)])
def test_senior_aci_aged_54_or_55_at_contract_start(debut, detecte):
    faits = parcours(sit("ACI", debut), ref="2026-12-31", naissance="1971-05-10")
    detection = sortie(faits, ResultatSortie.SENIOR_ACI)
    assert (detection is not None) is detecte
    if detecte:
        assert "55 ans au début du contrat, le 10/05/2026 (au moins 55 ans)." in detection.raisons


def test_senior_aci_without_validation_is_proposed_awaiting_the_commission():
    faits = parcours(sit("ACI", "2026-05-10", reference=3), ref="2026-12-31", naissance="1971-05-10")
    detection = sortie(faits, ResultatSortie.SENIOR_ACI)
    assert detection.attend_commission
    assert (detection.date, detection.references) == (D("2026-11-10"), (3,))
    assert (
        "En attente de la validation au cas par cas de la commission (date proposée : 10/11/2026)." in detection.raisons
    )


@pytest.mark.parametrize(
    ("validation", "date_attendue", "attend"),
    [
        ("2026-12-15", "2026-12-15", False),
        ("2026-10-01", "2026-11-10", False),  # validated before the 6 months: dated at start + 6 months
        ("2027-01-15", "2026-11-10", True),  # after the reference date: not taken into account yet
    ],
)
def test_senior_aci_dated_by_the_commission_validation(validation, date_attendue, attend):
    faits = parcours(sit("ACI", "2026-05-10"), ref="2026-12-31", naissance="1971-05-10", validation=validation)
    detection = sortie(faits, ResultatSortie.SENIOR_ACI)
    assert (detection.date, detection.attend_commission) == (D(date_attendue), attend)
    if not attend:
        assert f"Validée au cas par cas par la commission le {D(validation):%d/%m/%Y}." in detection.raisons


@pytest.mark.parametrize(
    ("fin", "ref", "detecte"),
    [("2026-11-09", "2026-12-31", False), (None, "2026-11-09", False), (None, "2026-11-10", True)],
)
def test_senior_aci_needs_six_months_completed(fin, ref, detecte):
    faits = parcours(sit("ACI", "2026-05-10", fin), ref=ref, naissance="1971-05-10")
    assert (sortie(faits, ResultatSortie.SENIOR_ACI) is not None) is detecte


def test_another_senior_age_changes_the_verdict():
    faits = parcours(sit("ACI", "2026-05-10"), ref="2026-12-31", naissance="1976-05-10")
    assert sortie(faits, ResultatSortie.SENIOR_ACI) is None
    assert sortie(faits, ResultatSortie.SENIOR_ACI, Parametres(age_senior=50)) is not None


# --- §2 Several outcomes ---------------------------------------------------------------------


def test_outcomes_are_sorted_by_date_then_by_row_order():
    faits = parcours(
        sit("FORMATION_QUALIFIANTE", "2025-07-01"),
        sit("CDD", "2024-06-01", "2024-12-31"),
        sit("CDI", "2025-01-01", heures_hebdo=Decimal("35")),
        ref="2025-12-31",
    )
    resultats = [(s.resultat, s.date) for s in sorties_positives(faits, P)]
    assert resultats == [
        (ResultatSortie.CDD, D("2024-11-29")),
        (ResultatSortie.CDI, D("2025-07-01")),
        (ResultatSortie.FORMATION_QUALIFIANTE, D("2025-07-01")),
    ]


def test_no_situation_gives_no_outcome():
    assert sorties_positives(parcours(ref="2025-12-31"), P) == ()


# --- §3 Monthly entretien --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dernier", "aujourd_hui", "a_voir", "extraits"),
    [
        (None, "2026-03-15", True, ["Aucun entretien enregistré."]),
        (
            "2026-03-01",
            "2026-03-31",
            False,
            ["Entretien ce mois-ci (mars 2026), le 01/03/2026.", "il y a 30 jours, 31 jours au plus"],
        ),
        ("2026-03-15", "2026-03-15", False, ["Dernier entretien aujourd'hui, 31 jours au plus."]),
        # Last month, within 31 days: still "à voir", because nothing this month.
        (
            "2026-02-20",
            "2026-03-05",
            True,
            ["Aucun entretien en mars 2026 : le dernier date du 20/02/2026.", "il y a 13 jours, 31 jours au plus"],
        ),
        ("2026-02-28", "2026-03-31", True, ["il y a 31 jours, 31 jours au plus"]),
        ("2026-02-27", "2026-03-31", True, ["il y a 32 jours, plus de 31 jours"]),
        ("2026-03-20", "2026-03-15", True, ["après le 15/03/2026 : il ne compte pas encore"]),
    ],
)
def test_entretien_du_mois(dernier, aujourd_hui, a_voir, extraits):
    verdict = entretien_du_mois(D(dernier) if dernier else None, D(aujourd_hui), jours_max=31)
    assert verdict.a_voir is a_voir
    assert verdict.dernier_entretien == (D(dernier) if dernier else None)
    for extrait in extraits:
        assert extrait in " ".join(verdict.raisons)


@pytest.mark.parametrize(("jours_max", "a_voir"), [(31, False), (20, True)])
def test_entretien_max_days_apart_applies_within_the_month(jours_max, a_voir):
    assert entretien_du_mois(D("2026-03-01"), D("2026-03-25"), jours_max=jours_max).a_voir is a_voir


def test_entretien_default_max_days_comes_from_settings(settings):
    settings.PLIE_REGLES = {**settings.PLIE_REGLES, "JOURS_MAX_SANS_ENTRETIEN": 20}
    assert entretien_du_mois(D("2026-03-01"), D("2026-03-25")).a_voir
