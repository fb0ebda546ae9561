"""Reference data loaded by migrations, with validity dates, and the ROME loader."""

from datetime import date

import pytest

from plie import referentiels
from plie.models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, TypeContrat


@pytest.mark.django_db
def test_dijon_metropole_has_23_communes_today_and_24_before_the_2019_merger():
    assert Commune.objects.valides_le(date(2026, 11, 29)).count() == 23
    assert Commune.objects.valides_le(date(2019, 2, 27)).count() == 24
    assert Commune.objects.valides_le(date(2019, 2, 28)).count() == 23
    names = set(Commune.objects.valides_le(date(2019, 2, 28)).values_list("nom", flat=True))
    assert "Neuilly-Crimolois" in names and "Crimolois" not in names


@pytest.mark.django_db
def test_qpv_lists_change_on_1_january_2024():
    before = set(QuartierPrioritaire.objects.valides_le(date(2023, 12, 31)).values_list("nom", flat=True))
    after = set(QuartierPrioritaire.objects.valides_le(date(2024, 1, 1)).values_list("nom", flat=True))
    assert "Grésilles" in before and "Grésilles" in after
    assert before != after


@pytest.mark.django_db
def test_levels_map_to_isced_and_flag_level_v_or_below():
    levels = {n.code: n for n in NiveauFormation.objects.all()}
    assert [n.code for n in NiveauFormation.objects.all()] == ["infra3", "3", "4", "5", "6", "7", "8"]
    assert {code for code, n in levels.items() if n.niveau_v_ou_infra} == {"infra3", "3"}
    assert levels["3"].isced == 3 and levels["6"].isced == 6


@pytest.mark.django_db
def test_contract_types_cover_every_rule_category():
    from plie.models import CategorieContrat

    assert set(TypeContrat.objects.values_list("categorie", flat=True)) == set(CategorieContrat.values)
    assert TypeContrat.objects.get(code="INTERIM").codes_france_travail == "MIS"


@pytest.mark.django_db
def test_rome_loader_upserts_and_reloading_changes_nothing():
    before = MetierRome.objects.count()
    text = "code_rome;libelle_rome\nK2204;Nettoyage de locaux\nZ9999;Métier de test\nZ9999;Métier de test\n"
    assert referentiels.charger_metiers_rome(MetierRome, text) == (1, 1)
    assert referentiels.charger_metiers_rome(MetierRome, text) == (0, 2)
    assert MetierRome.objects.count() == before + 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("code;libelle\nK2204;x\n", "ligne 1 : colonne « code_rome » absente"),
        ("code_rome;libelle_rome\nK2204;Nettoyage\n22X04;Oups\n", "ligne 3, colonne code_rome : « 22X04 »"),
        ("code_rome,libelle_rome\nK2204,\n", "ligne 2, colonne libelle_rome : libellé vide"),
    ],
)
def test_rome_loader_names_the_line_and_column_of_bad_input(text, message):
    with pytest.raises(referentiels.FichierRomeInvalide, match=message):
        referentiels.lire_rome_csv(text)


@pytest.mark.django_db
def test_load_rome_command_is_all_or_nothing(tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "rome.csv"
    bad.write_text("code_rome;libelle_rome\nZ9998;Bon\nXX;Mauvais\n", encoding="utf-8")
    with pytest.raises(CommandError, match="ligne 3, colonne code_rome"):
        call_command("load_rome", bad)
    assert not MetierRome.objects.filter(code="Z9998").exists()

    good = tmp_path / "rome-ok.csv"
    good.write_text("code_rome;libelle_rome\nZ9998;Bon\n", encoding="utf-8")
    call_command("load_rome", good)
    assert MetierRome.objects.get(code="Z9998").libelle == "Bon"


@pytest.mark.django_db
def test_every_commune_has_coordinates_near_dijon():
    from offres.rules import distance_km

    dijon = Commune.objects.get(nom="Dijon")
    for commune in Commune.objects.all():
        assert commune.latitude is not None, commune
        assert distance_km((dijon.latitude, dijon.longitude), (commune.latitude, commune.longitude)) < 15, commune
