"""The dashboard as data: its scope per role and its constant number of queries."""

from participants.factories import ParticipantFactory
from plie.roles import Role
from reporting.tableau import tableau_de_bord
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)


def _requetes(django_assert_max_num_queries, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as contexte:
        tableau_de_bord(NOVEMBRE, user)
    return len(contexte.captured_queries)


def test_the_coordinatrice_sees_the_whole_plie_and_a_referent_their_caseload(jeu, make_user):  # noqa: F811
    coordinatrice = make_user(Role.COORDINATRICE)
    autre = make_user(Role.REFERENT)
    ParticipantFactory(entre=True, referent=autre, today=NOVEMBRE.fin)
    tout = tableau_de_bord(NOVEMBRE, coordinatrice)
    portefeuille = tableau_de_bord(NOVEMBRE, autre)
    assert tout.complet and tout.chiffres.flux == 4
    assert not portefeuille.complet and portefeuille.chiffres.flux == 1
    assert portefeuille.portefeuilles == [] and portefeuille.offres_par_source == []
    assert portefeuille.chiffres.budget is None and tout.chiffres.budget is not None


def test_the_number_of_queries_does_not_grow_with_the_data(jeu, make_user, django_assert_max_num_queries):  # noqa: F811
    coordinatrice = make_user(Role.COORDINATRICE)
    _requetes(django_assert_max_num_queries, coordinatrice)  # the roles are read once per account
    avant = _requetes(django_assert_max_num_queries, coordinatrice)
    referent = make_user(Role.REFERENT)
    ParticipantFactory.create_batch(30, entre=True, referent=referent, today=NOVEMBRE.fin)
    assert _requetes(django_assert_max_num_queries, coordinatrice) == avant


def test_the_dashboard_stays_within_its_query_budget(jeu, make_user, django_assert_max_num_queries):  # noqa: F811
    coordinatrice = make_user(Role.COORDINATRICE)
    coordinatrice.roles  # noqa: B018 (read once per account)
    with django_assert_max_num_queries(14):
        tableau_de_bord(NOVEMBRE, coordinatrice)
