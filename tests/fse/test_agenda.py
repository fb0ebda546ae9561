"""The weekly FSE agenda: rules, workflow, versions and the lock of validated weeks (RULES §6)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from fse import rules, services
from fse.models import CategorieActivite, LigneAgenda, SemaineAgenda
from fse.rules import StatutSemaine
from plie.roles import Role
from tests.conftest import needs

LUNDI = datetime.date(2025, 6, 2)  # a week with no public holiday


def ligne(jour, heures):
    return SimpleNamespace(date=jour, heures=Decimal(heures))


# --- rules -------------------------------------------------------------------------------------


def test_a_week_starts_on_a_monday():
    assert rules.verifier_lundi(LUNDI) == LUNDI
    with pytest.raises(ValidationError, match="commence un lundi"):
        rules.verifier_lundi(datetime.date(2025, 6, 1))  # a Sunday
    assert rules.bornes_semaine(LUNDI) == (LUNDI, datetime.date(2025, 6, 8))
    assert rules.lundi_de(datetime.date(2025, 6, 8)) == LUNDI
    assert rules.dans_la_semaine(datetime.date(2025, 6, 8), LUNDI)
    assert not rules.dans_la_semaine(datetime.date(2025, 6, 9), LUNDI)


def test_ten_hours_a_day_pass_and_ten_and_a_quarter_are_flagged():
    assert rules.alertes([ligne(LUNDI, "6"), ligne(LUNDI, "4")], LUNDI) == []
    messages = rules.alertes([ligne(LUNDI, "6"), ligne(LUNDI, "4.25")], LUNDI)
    assert messages == ["Le lundi 02/06/2025 totalise 10,25 h, au-delà de 10 h par jour."]


def test_totals_per_day_and_week_and_the_48_hour_warning():
    mardi = LUNDI + datetime.timedelta(days=1)
    lignes = [ligne(LUNDI, "7.5"), ligne(LUNDI, "0.5"), ligne(mardi, "3")]
    totaux = rules.totaux_par_jour(lignes, LUNDI)
    assert len(totaux) == 7
    assert totaux[LUNDI] == Decimal("8") and totaux[mardi] == Decimal("3")
    assert rules.total_semaine(lignes, LUNDI) == Decimal("11")

    quarante_huit = [ligne(LUNDI + datetime.timedelta(days=n), "9.6") for n in range(5)]
    assert rules.alertes(quarante_huit, LUNDI) == []
    trop = [*quarante_huit, ligne(LUNDI + datetime.timedelta(days=5), "0.25")]
    assert rules.alertes(trop, LUNDI) == ["La semaine totalise 48,25 h, au-delà de 48 h."]


def test_hours_of_a_line_are_positive_and_at_most_twelve():
    assert rules.verifier_heures(Decimal("12")) == Decimal("12")
    for mauvais in (Decimal("0"), Decimal("-1"), Decimal("12.25")):
        with pytest.raises(ValidationError):
            rules.verifier_heures(mauvais)


@pytest.mark.parametrize(
    "lundi, jour, nom",
    [
        (datetime.date(2025, 7, 14), datetime.date(2025, 7, 14), "Fête nationale"),
        (datetime.date(2025, 11, 10), datetime.date(2025, 11, 11), "Armistice"),
    ],
)
def test_public_holidays_of_the_week_are_shown(lundi, jour, nom):
    assert rules.jours_feries(lundi) == {jour: nom}


def test_a_week_astride_two_years_finds_new_years_day():
    assert rules.jours_feries(datetime.date(2025, 12, 29)) == {datetime.date(2026, 1, 1): "Jour de l'an"}
    assert rules.jours_feries(LUNDI) == {}


def test_transitions():
    assert rules.transition_permise(StatutSemaine.BROUILLON, StatutSemaine.SOUMISE)
    assert rules.transition_permise(StatutSemaine.RENVOYEE, StatutSemaine.SOUMISE)
    assert rules.transition_permise(StatutSemaine.SOUMISE, StatutSemaine.VALIDEE)
    assert rules.transition_permise(StatutSemaine.SOUMISE, StatutSemaine.RENVOYEE)
    assert not rules.transition_permise(StatutSemaine.BROUILLON, StatutSemaine.VALIDEE)
    for vers in StatutSemaine:
        assert not rules.transition_permise(StatutSemaine.VALIDEE, vers)
    with pytest.raises(ValidationError, match="« Brouillon » ne peut pas passer à « Validée »"):
        rules.verifier_transition(StatutSemaine.BROUILLON, StatutSemaine.VALIDEE)


# --- data and services -------------------------------------------------------------------------


@pytest.fixture
def salarie(make_user):
    return make_user(Role.CHARGE_MISSION)


@pytest.fixture
def coordinatrice(make_user):
    return make_user(Role.COORDINATRICE)


@pytest.fixture
def prospection(db):
    return CategorieActivite.objects.get(code="prospection-offres")


@pytest.fixture
def semaine(salarie, prospection):
    semaine = services.semaine_obtenir(salarie, LUNDI)
    services.ligne_enregistrer(semaine, date=LUNDI, categorie=prospection, heures=Decimal("7"))
    services.ligne_enregistrer(
        semaine, date=LUNDI + datetime.timedelta(days=1), categorie=prospection, heures=Decimal("3.5")
    )
    return semaine


@pytest.fixture
def validee(semaine, coordinatrice):
    services.soumettre(semaine)
    return services.valider(semaine, par=coordinatrice)


@pytest.mark.django_db
def test_the_activity_categories_are_seeded_in_order():
    codes = list(CategorieActivite.objects.filter(actif=True).values_list("code", flat=True))
    assert codes == [
        "prospection-offres",
        "animation-reseau-referents",
        "relation-entreprises",
        "formation",
        "evenements",
        "reunions-structure-animation",
        "administratif",
        "accompagnement-participants",
        "conges-absence",
    ]


def test_semaine_obtenir_creates_a_draft_then_returns_the_latest_version(salarie):
    semaine = services.semaine_obtenir(salarie, LUNDI)
    assert (semaine.statut, semaine.version) == (StatutSemaine.BROUILLON, 1)
    assert services.semaine_obtenir(salarie, LUNDI) == semaine
    with pytest.raises(ValidationError, match="lundi"):
        services.semaine_obtenir(salarie, datetime.date(2025, 6, 8))  # a Sunday
    with pytest.raises(ValidationError):
        SemaineAgenda.objects.create(salarie=salarie, lundi=datetime.date(2025, 6, 3))


def test_a_line_must_fall_within_the_week_and_respect_the_hours(semaine, prospection):
    with pytest.raises(ValidationError, match="dans la semaine"):
        services.ligne_enregistrer(semaine, date=LUNDI - datetime.timedelta(days=1), categorie=prospection, heures=1)
    with pytest.raises(ValidationError):
        services.ligne_enregistrer(semaine, date=LUNDI, categorie=prospection, heures=Decimal("12.5"))
    with pytest.raises(ValidationError):
        services.ligne_enregistrer(semaine, date=LUNDI, categorie=prospection, heures=Decimal("0"))
    premiere = semaine.lignes.first()
    services.ligne_enregistrer(semaine, ligne=premiere, heures=Decimal("12"), commentaire="salon")
    premiere.refresh_from_db()
    assert (premiere.heures, premiere.commentaire) == (Decimal("12"), "salon")


def test_submit_then_validate(semaine, coordinatrice):
    soumise = services.soumettre(semaine)
    assert soumise.statut == StatutSemaine.SOUMISE and soumise.soumise_le
    validee = services.valider(soumise, par=coordinatrice)
    validee.refresh_from_db()
    assert validee.statut == StatutSemaine.VALIDEE
    assert validee.validee_par == coordinatrice and validee.validee_le


def test_refusals(semaine, salarie, coordinatrice, make_user, prospection):
    vide = services.semaine_obtenir(salarie, LUNDI + datetime.timedelta(days=7))
    with pytest.raises(ValidationError, match="vide"):
        services.soumettre(vide)
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.valider(semaine, par=coordinatrice)  # still a draft
    services.soumettre(semaine)
    semaine.refresh_from_db()
    with pytest.raises(ValidationError, match="Soumise"):
        services.ligne_enregistrer(semaine, date=LUNDI, categorie=prospection, heures=1)
    with pytest.raises(PermissionDenied):
        services.valider(semaine, par=make_user(Role.REFERENT))
    with pytest.raises(PermissionDenied):
        services.valider(semaine, par=salarie)
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.soumettre(semaine)


def test_sending_back_requires_a_comment_and_allows_resubmission(semaine, coordinatrice, prospection):
    services.soumettre(semaine)
    with pytest.raises(ValidationError, match="corriger"):
        services.renvoyer(semaine, par=coordinatrice, commentaire="  ")
    renvoyee = services.renvoyer(semaine, par=coordinatrice, commentaire="Il manque le vendredi.")
    assert renvoyee.statut == StatutSemaine.RENVOYEE
    assert renvoyee.commentaire_retour == "Il manque le vendredi."
    services.ligne_enregistrer(
        renvoyee, date=LUNDI + datetime.timedelta(days=4), categorie=prospection, heures=Decimal("7")
    )
    assert services.soumettre(renvoyee).statut == StatutSemaine.SOUMISE


def test_copy_of_last_week_shifts_the_lines_by_seven_days(semaine, salarie, prospection):
    suivante = services.semaine_obtenir(salarie, LUNDI + datetime.timedelta(days=7))
    assert services.copier_semaine_precedente(suivante) == 2
    copiees = list(suivante.lignes.values_list("date", "categorie_id", "heures"))
    assert copiees == [
        (datetime.date(2025, 6, 9), prospection.pk, Decimal("7")),
        (datetime.date(2025, 6, 10), prospection.pk, Decimal("3.5")),
    ]
    with pytest.raises(ValidationError, match="déjà des lignes"):
        services.copier_semaine_precedente(suivante)
    sans_precedente = services.semaine_obtenir(salarie, LUNDI - datetime.timedelta(days=7))
    with pytest.raises(ValidationError, match="aucune ligne"):
        services.copier_semaine_precedente(sans_precedente)


def test_correction_creates_version_2_and_keeps_version_1_validated(validee, salarie, coordinatrice, prospection):
    with pytest.raises(ValidationError, match="motif"):
        services.corriger(validee, par=salarie, motif="")
    v2 = services.corriger(validee, par=salarie, motif="Oubli du jeudi")
    assert (v2.version, v2.statut, v2.remplace, v2.corrigee_par) == (2, StatutSemaine.BROUILLON, validee, salarie)
    assert v2.motif_correction == "Oubli du jeudi" and v2.corrigee_le
    assert v2.lignes.count() == 2
    services.ligne_enregistrer(v2, date=LUNDI + datetime.timedelta(days=3), categorie=prospection, heures=2)

    validee.refresh_from_db()
    assert validee.statut == StatutSemaine.VALIDEE and validee.lignes.count() == 2
    assert services.semaine_obtenir(salarie, LUNDI) == v2
    with pytest.raises(ValidationError, match="Seule une semaine validée"):
        services.corriger(v2, par=salarie, motif="encore")

    services.soumettre(v2)
    v2 = services.valider(v2, par=coordinatrice)
    with pytest.raises(ValidationError, match="plus récente"):
        services.corriger(validee, par=coordinatrice, motif="sur la v1")
    assert services.corriger(v2, par=coordinatrice, motif="sur la v2").version == 3


# --- the lock ----------------------------------------------------------------------------------


def test_the_models_refuse_to_change_or_delete_a_validated_week(validee, prospection):
    validee.commentaire_retour = "retouche"
    with pytest.raises(ValidationError, match="validée"):
        validee.save()
    with pytest.raises(ValidationError, match="supprimée"):
        validee.delete()
    premiere = validee.lignes.first()
    premiere.heures = Decimal("1")
    with pytest.raises(ValidationError, match="validée"):
        premiere.save()
    with pytest.raises(ValidationError, match="validée"):
        premiere.delete()
    with pytest.raises(ValidationError, match="validée"):
        LigneAgenda.objects.create(semaine=validee, date=LUNDI, categorie=prospection, heures=1)
    with pytest.raises(ValidationError, match="Créez une version corrigée"):
        services.ligne_enregistrer(validee, date=LUNDI, categorie=prospection, heures=1)
    assert list(validee.lignes.values_list("heures", flat=True)) == [Decimal("7"), Decimal("3.5")]


def test_the_models_refuse_a_skipped_transition(semaine):
    semaine.statut = StatutSemaine.VALIDEE
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        semaine.save()


def _needs_postgresql():
    needs("PostgreSQL", connection.vendor == "postgresql", "le verrou des semaines validées est un trigger PostgreSQL")


def test_the_database_refuses_bulk_changes_to_the_lines_of_a_validated_week(validee, prospection):
    _needs_postgresql()
    lignes = LigneAgenda.objects.filter(semaine=validee)
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        lignes.update(heures=1)
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        lignes.delete()
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        LigneAgenda.objects.bulk_create([LigneAgenda(semaine=validee, date=LUNDI, categorie=prospection, heures=1)])
    assert list(lignes.values_list("heures", flat=True)) == [Decimal("7"), Decimal("3.5")]


def test_the_database_refuses_bulk_changes_to_a_validated_week_but_not_to_a_draft(validee, salarie):
    _needs_postgresql()
    semaines = SemaineAgenda.objects.filter(pk=validee.pk)
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        semaines.update(commentaire_retour="retouche")
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        semaines.update(statut=StatutSemaine.BROUILLON)
    with pytest.raises(DatabaseError, match="validée"), transaction.atomic():
        semaines.delete()
    assert semaines.get().statut == StatutSemaine.VALIDEE

    brouillon = services.semaine_obtenir(salarie, LUNDI + datetime.timedelta(days=7))
    assert SemaineAgenda.objects.filter(pk=brouillon.pk).update(commentaire_retour="libre") == 1
    SemaineAgenda.objects.filter(pk=brouillon.pk).delete()
    assert not SemaineAgenda.objects.filter(pk=brouillon.pk).exists()
