"""The key figures of RULES §5 against a hand-built data set whose answers are known."""

import datetime
from decimal import Decimal

import pytest

from participants.enums import MinimaSociaux, MotifSortie, Sexe, StatutParticipant
from participants.factories import ParticipantFactory
from plie.models import NiveauFormation, QuartierPrioritaire
from reporting.models import Budget
from reporting.selectors import Periode, chiffres_cles

D = datetime.date
NOVEMBRE = Periode.mois(2026, 11)


@pytest.fixture
def jeu(db, make_user):
    """Five people around November 2026:

    A  F, entered 01/10/2026 (born 01/10/1986: 40 at entry), still in, level ISCED 3, QPV, RSA
    B  M, entered 15/11/2026 (born 15/11/1996: 30), still in, ISCED 5
    C  F, entered 01/01/2026 (born 01/01/1976: 50), left 30/11/2026 (last day) with a CDI, RSA
    D  M, entered 01/06/2025 (born 01/06/1985: 40), left 31/10/2026 (the day before): not in November
    E  F, entered 01/12/2026 (the day after): not in November
    F  candidate never entered: never counted
    """
    bas = NiveauFormation.objects.filter(isced__lte=3).first()
    haut = NiveauFormation.objects.filter(isced__gte=5).first()
    qpv = QuartierPrioritaire.objects.first()
    referent = make_user()

    def creer(sexe, naissance, entree, sortie=None, motif="", niveau=bas, **champs):
        statut = StatutParticipant.SORTI if sortie else StatutParticipant.ENTRE
        return ParticipantFactory(
            sexe=sexe,
            date_naissance=naissance,
            date_candidature=entree - datetime.timedelta(days=30),
            date_entree=entree,
            date_sortie=sortie,
            motif_sortie=motif,
            statut=statut,
            referent=referent,
            niveau_formation=niveau,
            minima_sociaux=champs.pop("minima_sociaux", MinimaSociaux.AUCUN),
            **champs,
        )

    creer(Sexe.FEMME, D(1986, 10, 1), D(2026, 10, 1), quartier_prioritaire=qpv, minima_sociaux=MinimaSociaux.RSA)
    creer(Sexe.HOMME, D(1996, 11, 15), D(2026, 11, 15), niveau=haut)
    creer(Sexe.FEMME, D(1976, 1, 1), D(2026, 1, 1), D(2026, 11, 30), MotifSortie.CDI, minima_sociaux=MinimaSociaux.RSA)
    creer(Sexe.HOMME, D(1985, 6, 1), D(2025, 6, 1), D(2026, 10, 31), MotifSortie.ABANDON)
    creer(Sexe.FEMME, D(1990, 1, 1), D(2026, 12, 1))
    ParticipantFactory(statut=StatutParticipant.CANDIDAT)
    Budget.objects.create(libelle="Novembre", debut=NOVEMBRE.debut, fin=NOVEMBRE.fin, montant=3000, saisi_par=referent)


def test_flow_counts_whoever_was_accompanied_during_the_period(jeu):
    chiffres = chiffres_cles(NOVEMBRE)
    assert chiffres.flux == 3  # A, B, C; D left the day before, E entered the day after
    assert chiffres.entrees == 1  # B
    assert chiffres.sorties == 1  # C, on the last day of the month


def test_an_exit_on_the_last_day_belongs_to_that_month_and_not_the_next(jeu):
    assert chiffres_cles(NOVEMBRE).sorties == 1
    assert chiffres_cles(Periode.mois(2026, 12)).sorties == 0
    assert chiffres_cles(Periode.mois(2026, 10)).sorties == 1  # D, 31/10


def test_shares_are_taken_over_the_flow(jeu):
    chiffres = chiffres_cles(NOVEMBRE)
    assert (chiffres.femmes, chiffres.hommes) == (2, 1)
    assert chiffres.part_femmes == Decimal("66.7")
    assert chiffres.part_niveau_v == Decimal("66.7")  # A and C
    assert chiffres.part_qpv == Decimal("33.3")
    assert chiffres.part_rsa == Decimal("66.7")


def test_average_age_at_entry(jeu):
    # 40, 30 and 50 years at entry (to the day): 40.0
    assert chiffres_cles(NOVEMBRE).age_moyen == Decimal("40.0")


def test_average_stock_counts_days_of_presence(jeu):
    # A 30 days, B 16 days (15 → 30/11), C 30 days: 76 / 30 = 2.53
    assert chiffres_cles(NOVEMBRE).stock_moyen == Decimal("2.5")


def test_pathway_duration_and_positive_exit_rate_over_the_exits(jeu):
    chiffres = chiffres_cles(NOVEMBRE)
    assert chiffres.duree_moyenne_mois == Decimal("10.9")  # 333 days / 30.4375
    assert chiffres.taux_sorties_positives == Decimal("100.0")
    octobre = chiffres_cles(Periode.mois(2026, 10))
    assert octobre.taux_sorties_positives == Decimal("0.0")


def test_cost_per_person_divides_the_budget_entered_by_the_flow(jeu):
    assert chiffres_cles(NOVEMBRE).cout_moyen == Decimal("1000")
    assert chiffres_cles(Periode.mois(2026, 10)).cout_moyen is None  # no budget entered


def test_comparison_periods():
    assert NOVEMBRE.precedente() == Periode(D(2026, 10, 1), D(2026, 10, 31))
    assert NOVEMBRE.annee_precedente() == Periode(D(2025, 11, 1), D(2025, 11, 30))
    fevrier = Periode.mois(2028, 2)
    assert fevrier.fin == D(2028, 2, 29)
    assert fevrier.annee_precedente() == Periode(D(2027, 2, 1), D(2027, 2, 28))
    libre = Periode(D(2026, 11, 10), D(2026, 11, 19))
    assert libre.precedente() == Periode(D(2026, 10, 31), D(2026, 11, 9))
    annee = Periode(D(2025, 1, 1), D(2025, 12, 31))
    assert annee.precedente() == annee.annee_precedente() == Periode(D(2024, 1, 1), D(2024, 12, 31))
    debut_de_mois = Periode(D(2026, 11, 1), D(2026, 11, 29))
    assert debut_de_mois.precedente() == Periode(D(2026, 10, 1), D(2026, 10, 29))
    trimestre = Periode(D(2026, 9, 1), D(2026, 11, 30))
    assert trimestre.precedente() == Periode(D(2026, 6, 1), D(2026, 8, 31))
    mars = Periode.mois(2027, 3)
    assert Periode.mois(2028, 2).precedente() == Periode.mois(2028, 1) and mars.precedente() == Periode.mois(2027, 2)


def test_an_empty_period_gives_no_shares_rather_than_a_division_by_zero(db):
    chiffres = chiffres_cles(NOVEMBRE)
    assert chiffres.flux == 0
    assert chiffres.part_femmes is None and chiffres.age_moyen is None and chiffres.cout_moyen is None


def test_query_count_does_not_depend_on_the_data(jeu, django_assert_num_queries):
    with django_assert_num_queries(3):
        chiffres_cles(NOVEMBRE)
