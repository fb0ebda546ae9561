"""The participants workbook (FORMATS.md): located problems, all-or-nothing, idempotent re-import,
round trip, computed verdicts, formula neutralisation, commands, pages and their query count."""

import io
import zipfile
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants import classeur
from participants.enums import StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import HistoriqueReferent, Participant, Situation
from plie.models import JournalAcces
from plie.roles import Role

TODAY = timezone.localdate()


# --- Building workbooks ----------------------------------------------------------------------


def ligne(**valeurs):
    """A valid, eligible participant row of the workbook; keyword arguments override columns."""
    base = {
        "identifiant": "P-1",
        "nom": "Durand",
        "prenom": "Alice",
        "sexe": "F",
        "date_naissance": "15/03/1985",
        "commune_insee": "21231",
        "qpv": "non",
        "niveau_formation": "infra 3",
        "date_entree": "",
        "referent": "referente@test.plie.fr",
        "autorisation_travail": "oui",
        "consentement": "oui",
        "qualification_insuffisante": "oui",
        "sans_activite_depuis": "01/01/2020",
        "minima_sociaux": "RSA",
        "situation_familiale_complexe": "non",
        "mobilite_logement": "oui",
        "sante_handicap": "non",
        "suivi_cap_emploi": "non",
        "sous_main_justice": "non",
    }
    base.update(valeurs)
    return base


def situation(**valeurs):
    base = {
        "identifiant": "P-1",
        "type": "CDD",
        "debut": "01/02/2024",
        "fin_prevue": "31/07/2024",
        "fin": "",
        "heures_hebdo": "35",
        "accord_temps_partiel": "non",
        "employeur": "Boulangerie Martin",
        "siret": "",
    }
    base.update(valeurs)
    return base


def xlsx(participants, situations=None, entetes=None):
    """The bytes of a workbook; ``participants`` are dicts (or lists when ``entetes`` is given)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "participants"
    if entetes is None:
        entetes = list(participants[0]) if participants else list(classeur.COLONNES_PARTICIPANTS)
    ws.append(entetes)
    for row in participants:
        ws.append([row.get(c, "") for c in entetes] if isinstance(row, dict) else row)
    if situations is not None:
        ws2 = wb.create_sheet("situations")
        ws2.append(list(classeur.COLONNES_SITUATIONS))
        for row in situations:
            ws2.append([row.get(c, "") for c in classeur.COLONNES_SITUATIONS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def lire(donnees, nom="participants.xlsx"):
    return classeur.lire_classeur(donnees, nom)


def problemes(donnees, nom="participants.xlsx"):
    return [str(p) for p in classeur.valider(lire(donnees, nom)).problemes]


def feuille(donnees, nom):
    wb = openpyxl.load_workbook(io.BytesIO(donnees))
    return [[cell.value for cell in row] for row in wb[nom].iter_rows()]


def exporter(queryset=None, as_of=TODAY):
    out = io.BytesIO()
    classeur.exporter(queryset if queryset is not None else Participant.objects.all(), out, as_of=as_of)
    return out.getvalue()


@pytest.fixture
def referente(make_user):
    return make_user(Role.REFERENT, email="referente@test.plie.fr")


# --- Every bad input, located ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("colonne", "valeur", "message"),
    [
        ("date_naissance", "31/02/1990", "date illisible « 31/02/1990 » (attendu JJ/MM/AAAA ou AAAA-MM-JJ)"),
        ("commune_insee", "75056", "commune « 75056 » inconnue : ce n'est pas une commune du territoire"),
        ("referent", "inconnu@ailleurs.fr", "référent « inconnu@ailleurs.fr » inconnu"),
        ("sexe", "X", "sexe « X » non reconnu (attendu F ou M)"),
        ("niveau_formation", "IX", "niveau de formation inconnu « IX »"),
        ("consentement", "peut-être", "valeur « peut-être » non reconnue (attendu oui ou non"),
        ("date_entree", "2024-13-01", "date illisible « 2024-13-01 »"),
        ("nom", "", "valeur obligatoire"),
    ],
)
def test_a_bad_cell_is_reported_with_its_sheet_line_and_column(referente, colonne, valeur, message):
    donnees = xlsx([ligne(identifiant="P-1"), ligne(identifiant="P-2", **{colonne: valeur})])
    found = problemes(donnees)
    assert len(found) == 1, found
    assert found[0].startswith(f"participants, ligne 3, colonne {colonne} : {message}")


@pytest.mark.django_db
def test_the_message_reads_as_the_format_says(referente):
    donnees = xlsx(
        [ligne(identifiant=f"P-{i}") for i in range(1, 6)] + [ligne(identifiant="P-6", date_naissance="31/02/1990")]
    )
    assert problemes(donnees) == [
        "participants, ligne 7, colonne date_naissance : date illisible « 31/02/1990 » "
        "(attendu JJ/MM/AAAA ou AAAA-MM-JJ)"
    ]


@pytest.mark.django_db
def test_every_problem_is_collected_not_only_the_first(referente):
    donnees = xlsx([ligne(date_naissance="hier", sexe="?", commune_insee="99999"), ligne(identifiant="P-2", qpv="bof")])
    found = problemes(donnees)
    assert [p.split(" : ")[0] for p in found] == [
        "participants, ligne 2, colonne sexe",
        "participants, ligne 2, colonne date_naissance",
        "participants, ligne 2, colonne commune_insee",
        "participants, ligne 3, colonne qpv",
    ]


@pytest.mark.django_db
def test_duplicated_identifiant_is_an_error_on_the_second_row(referente):
    found = problemes(xlsx([ligne(), ligne(nom="Autre")]))
    assert found == ["participants, ligne 3, colonne identifiant : identifiant « P-1 » en double (déjà ligne 2)"]


@pytest.mark.django_db
def test_a_formula_where_a_value_is_expected_is_refused_with_its_place(referente):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Participants"
    ws.append(list(ligne()))
    ws.append(list(ligne().values()))
    ws["B2"] = '=CONCATENATE("Du","rand")'
    out = io.BytesIO()
    wb.save(out)
    found = problemes(out.getvalue())
    assert found == [
        "participants, ligne 2, colonne nom : formule à la place d'une valeur (collez les valeurs, sans formule)"
    ]


@pytest.mark.django_db
def test_unknown_column_is_a_warning_and_missing_required_column_an_error(referente):
    rows = [{**ligne(), "Couleur préférée": "bleu"}]
    rapport = classeur.valider(lire(xlsx(rows)))
    assert rapport.valide
    assert [str(a) for a in rapport.avertissements] == [
        "participants, ligne 1, colonne Couleur préférée : colonne inconnue, ignorée"
    ]
    sans_nom = [{k: v for k, v in ligne().items() if k != "nom"}]
    assert problemes(xlsx(sans_nom)) == ["participants, colonne nom : colonne obligatoire absente"]


@pytest.mark.django_db
def test_headers_match_whatever_the_case_and_accents(referente):
    entetes = ["Identifiant", "NOM", "Prénom", "Sexe", "Date_Naissance", "Commune INSEE", "Niveau formation"]
    donnees = xlsx([["P-9", "Lévêque", "Zoé", "f", "1990-05-04", 21231, "Vbis"]], entetes=entetes)
    resultat = classeur.importer(lire(donnees))
    assert resultat.crees == 1
    p = Participant.objects.get(identifiant="P-9")
    assert (p.prenom, p.sexe, p.date_naissance.isoformat(), p.niveau_formation.code) == (
        "Zoé",
        "F",
        "1990-05-04",
        "infra3",
    )
    assert p.statut == StatutParticipant.CANDIDAT


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [("oui", True), ("O", True), ("1", True), ("Vrai", True), ("x", True), ("TRUE", True), (1, True), (True, True)]
    + [("non", False), ("n", False), ("0", False), ("faux", False), ("", False), (False, False)],
)
def test_booleans_accepted(valeur, attendu):
    assert classeur.lire_booleen(valeur) is attendu


@pytest.mark.parametrize(
    ("valeur", "attendu"),
    [("infra 3", "infra3"), ("3", "3"), (4, "4"), ("Niveau 8", "8"), ("VI", "infra3"), ("Vbis", "infra3")]
    + [("V", "3"), ("IV", "4"), ("III", "5"), ("II", "6"), ("I", "7")],
)
def test_levels_new_and_old(valeur, attendu):
    assert classeur.lire_niveau(valeur) == attendu


def test_dates_french_iso_and_excel():
    from datetime import date, datetime

    assert classeur.lire_date("04/05/1990") == date(1990, 5, 4)
    assert classeur.lire_date("1990-05-04") == date(1990, 5, 4)
    assert classeur.lire_date(datetime(1990, 5, 4)) == date(1990, 5, 4)
    assert classeur.lire_date(32997) == date(1990, 5, 4)  # Excel serial number
    assert classeur.lire_date("") is None


@pytest.mark.django_db
def test_situation_rows_are_checked_and_located(referente):
    donnees = xlsx(
        [ligne()],
        [
            situation(),
            situation(identifiant="INCONNU"),
            situation(type="STAGE"),
            situation(debut="01/03/2024", fin="01/02/2024"),
            situation(heures_hebdo="beaucoup"),
        ],
    )
    assert problemes(donnees) == [
        "situations, ligne 3, colonne identifiant : identifiant « INCONNU » inconnu (ni dans la feuille "
        "participants, ni dans la base)",
        "situations, ligne 4, colonne type : type « STAGE » inconnu (attendu CDI, CDD, INTERIM, CONTRAT_AIDE, ACI, "
        "FORMATION_QUALIFIANTE, FORMATION, CREATION)",
        "situations, ligne 5, colonne fin : fin « 01/02/2024 » avant le début « 01/03/2024 »",
        "situations, ligne 6, colonne heures_hebdo : nombre illisible « beaucoup » (attendu par exemple 17,5)",
    ]


@pytest.mark.django_db
def test_weekly_hours_accept_comma_and_dot(referente):
    donnees = xlsx(
        [ligne()], [situation(heures_hebdo="17,5"), situation(debut="01/09/2024", fin_prevue="", heures_hebdo="20.0")]
    )
    classeur.importer(lire(donnees))
    assert sorted(str(h) for h in Situation.objects.values_list("heures_hebdo", flat=True)) == ["17.5", "20.0"]


# --- The file itself ---------------------------------------------------------------------------


def test_an_unsupported_extension_is_refused():
    with pytest.raises(classeur.ClasseurRefuse, match="Format non pris en charge « .xls »"):
        lire(b"whatever", "participants.xls")


def test_an_xlsx_that_is_not_a_zip_is_refused_by_its_content():
    with pytest.raises(classeur.ClasseurRefuse, match="n'est pas un classeur Excel .xlsx, malgré son extension"):
        lire(b"identifiant;nom\nP-1;Durand\n", "participants.xlsx")


def test_a_csv_that_is_really_a_workbook_is_refused():
    wb = openpyxl.Workbook()
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(classeur.ClasseurRefuse, match="n'est pas un fichier texte .csv"):
        lire(out.getvalue(), "participants.csv")


def test_a_csv_not_in_utf8_is_refused():
    with pytest.raises(classeur.ClasseurRefuse, match="UTF-8"):
        lire("identifiant;nom\nP-1;Lévêque\n".encode("latin-1"), "participants.csv")


def test_an_oversized_file_is_refused_before_it_is_read(settings, tmp_path):
    settings.PLIE_IMPORT_TAILLE_MAX = 1000
    chemin = tmp_path / "participants.csv"
    chemin.write_bytes(b"x" * 1001)
    with pytest.raises(classeur.ClasseurRefuse, match="dépasse la taille maximale"):
        lire(str(chemin), "participants.csv")
    with pytest.raises(classeur.ClasseurRefuse, match="dépasse la taille maximale"):
        lire(b"x" * 1001, "participants.csv")


def test_zip_bomb_guard_refuses_a_huge_uncompressed_member_before_parsing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as membre:
            bloc = b"\0" * (1024 * 1024)
            for _ in range(201):
                membre.write(bloc)
    donnees = out.getvalue()
    assert len(donnees) < 2 * 1024 * 1024  # small on disk…
    with pytest.raises(classeur.ClasseurRefuse, match="occuperait 201 Mo une fois décompressé"):
        lire(donnees)


def test_zip_bomb_guard_refuses_too_many_members():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(1001):
            archive.writestr(f"x/{i}.xml", "")
    with pytest.raises(classeur.ClasseurRefuse, match="1001 éléments"):
        lire(out.getvalue())


@pytest.mark.django_db
def test_a_csv_with_bom_and_semicolons_is_the_participants_sheet(referente):
    entetes = ";".join(ligne())
    valeurs = ";".join(ligne().values())
    donnees = ("\ufeff" + entetes + "\n" + valeurs + "\n").encode()
    assert classeur.importer(lire(donnees, "export.csv")).crees == 1


@pytest.mark.django_db
def test_a_csv_named_situations_is_the_situations_sheet(referente):
    classeur.importer(lire(xlsx([ligne()])))
    texte = ",".join(classeur.COLONNES_SITUATIONS) + "\n" + ",".join(situation().values()) + "\n"
    resultat = classeur.importer(lire(texte.encode(), "situations-2024.csv"))
    assert resultat.situations_creees == 1
    assert Situation.objects.get().participant.identifiant == "P-1"


# --- All or nothing, or skip the bad rows ------------------------------------------------------


@pytest.mark.django_db
def test_one_bad_row_and_nothing_is_written(referente):
    donnees = xlsx([ligne(), ligne(identifiant="P-2", date_naissance="31/02/1990")], [situation()])
    with pytest.raises(classeur.ClasseurInvalide) as exc:
        classeur.importer(lire(donnees))
    assert [str(p) for p in exc.value.problemes] == [
        "participants, ligne 3, colonne date_naissance : date illisible « 31/02/1990 » "
        "(attendu JJ/MM/AAAA ou AAAA-MM-JJ)"
    ]
    assert not Participant.objects.exists() and not Situation.objects.exists()


@pytest.mark.django_db
def test_skipping_the_invalid_rows_writes_the_valid_ones_and_reports_the_others(referente):
    donnees = xlsx(
        [ligne(), ligne(identifiant="P-2", date_naissance="31/02/1990")],
        [situation(), situation(identifiant="P-2")],
    )
    resultat = classeur.importer(lire(donnees), ignorer_lignes_invalides=True)
    assert (resultat.crees, resultat.lignes_ignorees, resultat.situations_creees) == (1, 1, 1)
    assert [str(p) for p in resultat.problemes] == [
        "participants, ligne 3, colonne date_naissance : date illisible « 31/02/1990 » "
        "(attendu JJ/MM/AAAA ou AAAA-MM-JJ)"
    ]
    assert list(Participant.objects.values_list("identifiant", flat=True)) == ["P-1"]


# --- Create, update, re-import -----------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_participants_with_status_referent_and_history(referente):
    donnees = xlsx(
        [ligne(), ligne(identifiant="P-2", date_entree="02/01/2024", qpv="oui")], [situation(identifiant="P-2")]
    )
    resultat = classeur.importer(lire(donnees))
    assert (resultat.crees, resultat.modifies, resultat.situations_creees) == (2, 0, 1)
    p1, p2 = Participant.objects.order_by("identifiant")
    assert (p1.statut, p2.statut) == (StatutParticipant.CANDIDAT, StatutParticipant.ENTRE)
    assert p2.date_entree.isoformat() == "2024-01-02" and p2.date_candidature == p2.date_entree
    assert p2.quartier_prioritaire is not None and p2.quartier_prioritaire.communes.filter(insee="21231").exists()
    assert p1.referent == referente and p1.minima_sociaux == "RSA"
    assert HistoriqueReferent.objects.filter(au__isnull=True).count() == 2


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(referente):
    donnees = xlsx(
        [ligne(), ligne(identifiant="P-2", date_entree="02/01/2024", minima_sociaux="prime")],
        [situation(), situation(identifiant="P-2", type="CDI", heures_hebdo="17,5"), situation(identifiant="P-2")],
    )
    classeur.importer(lire(donnees))
    avant = list(Participant.objects.order_by("pk").values_list("pk", "modifie_le"))
    situations = list(Situation.objects.order_by("pk").values_list("pk", flat=True))
    historique = list(HistoriqueReferent.objects.values_list("pk", "au"))
    with CaptureQueriesContext(connection) as requetes:
        resultat = classeur.importer(lire(donnees))
    assert (resultat.crees, resultat.modifies, resultat.inchanges) == (0, 0, 2)
    assert (resultat.situations_creees, resultat.situations_supprimees) == (0, 0)
    ecritures = [q["sql"] for q in requetes if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert ecritures == []
    assert list(Participant.objects.order_by("pk").values_list("pk", "modifie_le")) == avant
    assert list(Situation.objects.order_by("pk").values_list("pk", flat=True)) == situations
    assert list(HistoriqueReferent.objects.values_list("pk", "au")) == historique


@pytest.mark.django_db
def test_a_changed_row_updates_only_it_and_the_situations_that_differ(referente):
    classeur.importer(lire(xlsx([ligne(), ligne(identifiant="P-2")], [situation(), situation(type="CDI")])))
    cdi = Situation.objects.get(type="CDI")
    avant = Participant.objects.get(identifiant="P-2").modifie_le
    resultat = classeur.importer(
        lire(
            xlsx(
                [ligne(nom="Durand-Petit"), ligne(identifiant="P-2")],
                [situation(fin="30/06/2024"), situation(type="CDI")],
            )
        )
    )
    assert (resultat.modifies, resultat.inchanges) == (1, 1)
    assert (resultat.situations_creees, resultat.situations_supprimees) == (1, 1)
    assert Participant.objects.get(identifiant="P-1").nom == "Durand-Petit"
    assert Participant.objects.get(identifiant="P-2").modifie_le == avant
    assert Situation.objects.filter(pk=cdi.pk).exists()  # identical situation kept as is


@pytest.mark.django_db
def test_a_new_referent_closes_the_open_history_row_and_opens_one(referente, make_user):
    classeur.importer(lire(xlsx([ligne(date_entree="02/01/2024")])))
    autre = make_user(Role.REFERENT, email="autre.referent@test.plie.fr")
    classeur.importer(lire(xlsx([ligne(date_entree="02/01/2024", referent="Autre.Referent@test.plie.fr")])))
    participant = Participant.objects.get()
    assert participant.referent == autre
    ouverte = HistoriqueReferent.objects.get(participant=participant, au__isnull=True)
    fermee = HistoriqueReferent.objects.get(participant=participant, au__isnull=False)
    assert (ouverte.referent, ouverte.du) == (autre, TODAY)
    assert (fermee.referent, fermee.au) == (referente, TODAY)


@pytest.mark.django_db
def test_an_exited_participant_keeps_its_status(referente):
    participant = ParticipantFactory(sorti=True, identifiant="P-1", referent=referente)
    donnees = exporter()
    resultat = classeur.importer(lire(donnees))
    assert resultat.inchanges == 1
    participant.refresh_from_db()
    assert participant.statut == StatutParticipant.SORTI


# --- Export: verdicts, neutralisation, round trip ---------------------------------------------


def _par_identifiant(donnees):
    rows = feuille(donnees, "participants")
    entetes = rows[0]
    return {row[0]: dict(zip(entetes, row, strict=True)) for row in rows[1:]}


@pytest.mark.django_db
def test_export_writes_the_columns_in_order_then_the_verdicts():
    ParticipantFactory(identifiant="ELIGIBLE")
    ParticipantFactory(identifiant="NON", autorisation_travail=False, consentement=False)
    donnees = exporter()
    assert feuille(donnees, "participants")[0] == [*classeur.COLONNES_PARTICIPANTS, *classeur.COLONNES_VERDICT]
    assert feuille(donnees, "situations")[0] == list(classeur.COLONNES_SITUATIONS)
    lignes = _par_identifiant(donnees)
    assert (lignes["ELIGIBLE"]["eligible"], lignes["ELIGIBLE"]["criteres_manquants"]) == ("oui", None)
    assert (lignes["NON"]["eligible"], lignes["NON"]["criteres_manquants"]) == (
        "non",
        "autorisation_travail|consentement",
    )
    assert lignes["NON"]["autorisation_travail"] == "non" and lignes["NON"]["consentement"] == "non"
    assert lignes["ELIGIBLE"]["date_naissance"].count("/") == 2


@pytest.mark.django_db
def test_export_gives_the_positive_exit_of_a_cdd_covering_182_days():
    participant = ParticipantFactory(entre=True, identifiant="CDD-182")
    debut = TODAY - timedelta(days=300)
    Situation.objects.create(participant=participant, type="CDD", debut=debut, fin=debut + timedelta(days=181))
    ParticipantFactory(entre=True, identifiant="CDD-100")
    Situation.objects.create(
        participant=Participant.objects.get(identifiant="CDD-100"),
        type="CDD",
        debut=debut,
        fin=debut + timedelta(days=99),
    )
    lignes = _par_identifiant(exporter())
    assert lignes["CDD-182"]["sortie_positive"] == "CDD"
    assert lignes["CDD-182"]["date_sortie_positive"] == (debut + timedelta(days=181)).strftime("%d/%m/%Y")
    assert lignes["CDD-100"]["sortie_positive"] is None
    situations = feuille(exporter(), "situations")
    assert situations[1][:5] == [
        "CDD-100",
        "CDD",
        debut.strftime("%d/%m/%Y"),
        None,
        (debut + timedelta(days=99)).strftime("%d/%m/%Y"),
    ]


@pytest.mark.django_db
def test_export_verdicts_are_computed_as_of_the_date_given():
    participant = ParticipantFactory(entre=True, identifiant="CDD")
    debut = TODAY - timedelta(days=300)
    Situation.objects.create(participant=participant, type="CDD", debut=debut, fin=debut + timedelta(days=181))
    avant = _par_identifiant(exporter(as_of=debut + timedelta(days=100)))
    assert avant["CDD"]["sortie_positive"] is None


@pytest.mark.django_db
def test_export_neutralises_formula_like_cells_and_reimport_restores_them(referente):
    ParticipantFactory(
        identifiant="=1+1", nom='=HYPERLINK("http://evil","clic")', prenom="@SUM(A1)", referent=referente
    )
    donnees = exporter()
    wb = openpyxl.load_workbook(io.BytesIO(donnees))
    ws = wb["participants"]
    cellules = {c.column_letter: c for c in ws[2]}
    assert cellules["A"].value == "'=1+1" and cellules["A"].data_type == "s"
    assert cellules["B"].value == '\'=HYPERLINK("http://evil","clic")' and cellules["B"].data_type == "s"
    assert cellules["C"].value == "'@SUM(A1)"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    resultat = classeur.importer(lire(donnees))
    assert (resultat.crees, resultat.modifies, resultat.inchanges) == (0, 0, 1)


@pytest.mark.django_db
def test_round_trip_import_export_import_is_a_no_op_with_the_same_facts(referente):
    donnees = xlsx(
        [
            ligne(),
            ligne(identifiant="P-2", date_entree="02/01/2024", qpv="oui", niveau_formation="IV", minima_sociaux=""),
            ligne(identifiant="P-3", nom="-Tiret", commune_insee="21452", consentement="non", sante_handicap="x"),
        ],
        [
            situation(identifiant="P-2", debut="02/01/2024", fin="15/08/2024", heures_hebdo="24,5"),
            situation(
                identifiant="P-2",
                type="CDI",
                debut="01/09/2024",
                fin_prevue="",
                heures_hebdo="",
                siret="12345678901234",
            ),
        ],
    )
    classeur.importer(lire(donnees))
    premier = exporter()
    avant = list(Participant.objects.order_by("pk").values())
    situations = list(Situation.objects.order_by("pk").values())
    resultat = classeur.importer(lire(premier, "export.xlsx"))
    assert (resultat.crees, resultat.modifies, resultat.inchanges) == (0, 0, 3)
    assert (resultat.situations_creees, resultat.situations_supprimees, resultat.avertissements) == (0, 0, [])
    assert list(Participant.objects.order_by("pk").values()) == avant
    assert list(Situation.objects.order_by("pk").values()) == situations
    second = exporter()
    assert feuille(second, "participants") == feuille(premier, "participants")
    assert feuille(second, "situations") == feuille(premier, "situations")
    lignes = _par_identifiant(premier)
    assert lignes["P-2"]["sortie_positive"] == "CDD"
    assert lignes["P-3"]["nom"] == "'-Tiret" and lignes["P-3"]["criteres_manquants"] == "consentement"


@pytest.mark.django_db
def test_round_trip_from_the_database(referente):
    for _ in range(3):
        participant = ParticipantFactory(entre=True)
        Situation.objects.create(participant=participant, type="INTERIM", debut=TODAY - timedelta(days=40))
    ParticipantFactory(sorti=True)
    ParticipantFactory()
    premier = exporter()
    resultat = classeur.importer(lire(premier))
    assert (resultat.crees, resultat.modifies, resultat.inchanges, resultat.situations_creees) == (0, 0, 5, 0)
    assert feuille(exporter(), "participants") == feuille(premier, "participants")


@pytest.mark.django_db
def test_export_query_count_does_not_grow_with_the_number_of_participants():
    def compter(n):
        Participant.objects.all().delete()
        for _ in range(n):
            participant = ParticipantFactory(entre=True)
            Situation.objects.create(participant=participant, type="CDD", debut=TODAY - timedelta(days=30))
        with CaptureQueriesContext(connection) as requetes:
            assert classeur.exporter(Participant.objects.all(), io.BytesIO(), as_of=TODAY) == n
        return len(requetes)

    assert compter(5) == compter(50)


# --- Commands --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_command_prints_a_one_line_summary(referente, tmp_path, capsys):
    chemin = tmp_path / "participants.xlsx"
    chemin.write_bytes(xlsx([ligne(), ligne(identifiant="P-2")], [situation()]))
    call_command("import_participants", str(chemin))
    sortie = capsys.readouterr().out.strip()
    assert sortie == (
        "Import terminé : 2 participants créés, 0 modifié, 0 inchangé ; 1 situation créée, 0 supprimée ; "
        "0 ligne ignorée."
    )


@pytest.mark.django_db
def test_import_command_lists_each_problem_and_exits_non_zero_with_nothing_written(
    referente, tmp_path, capsys, monkeypatch
):
    from django.db import connections

    # run_from_argv closes the connections when it ends: keep the test's transaction open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    chemin = tmp_path / "participants.xlsx"
    chemin.write_bytes(xlsx([ligne(commune_insee="75056"), ligne(identifiant="P-2", referent="personne@x.fr")]))
    with pytest.raises(SystemExit) as sortie:
        execute_from_command_line(["manage.py", "import_participants", str(chemin)])
    assert sortie.value.code == 1
    erreurs = capsys.readouterr().err
    assert "participants, ligne 2, colonne commune_insee : commune « 75056 » inconnue" in erreurs
    assert "participants, ligne 3, colonne referent : référent « personne@x.fr » inconnu" in erreurs
    assert "Import refusé : 2 problèmes ; rien n'a été écrit." in erreurs
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_import_command_skip_invalid(referente, tmp_path, capsys):
    chemin = tmp_path / "participants.xlsx"
    chemin.write_bytes(xlsx([ligne(), ligne(identifiant="P-2", sexe="?")]))
    call_command("import_participants", str(chemin), "--skip-invalid")
    captured = capsys.readouterr()
    assert "1 participant créé" in captured.out and "1 ligne ignorée" in captured.out
    assert "participants, ligne 3, colonne sexe" in captured.err


@pytest.mark.django_db
def test_import_command_refuses_a_bad_file(tmp_path):
    chemin = tmp_path / "participants.xlsx"
    chemin.write_text("pas un classeur")
    with pytest.raises(CommandError, match="Fichier refusé : Le fichier n'est pas un classeur Excel"):
        call_command("import_participants", str(chemin))


@pytest.mark.django_db
def test_export_command(tmp_path, capsys):
    ParticipantFactory(entre=True)
    chemin = tmp_path / "sortie.xlsx"
    call_command("export_participants", str(chemin), "--as-of", "2025-06-30")
    assert capsys.readouterr().out.strip() == (
        f"Export terminé : 1 participant(s) écrit(s) dans {chemin}, verdicts au 30/06/2025."
    )
    assert len(feuille(chemin.read_bytes(), "participants")) == 2
    with pytest.raises(CommandError, match="Date illisible"):
        call_command("export_participants", str(chemin), "--as-of", "30/06/2025")


# --- Pages -----------------------------------------------------------------------------------


@pytest.fixture
def stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fichier(donnees, nom="participants.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(nom, donnees)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATRICE, Role.ADMINISTRATEUR])
def test_coordinatrice_and_admin_preview_then_confirm_an_import(client_as, role, referente, stockage):
    client = client_as(role)
    assert client.get(reverse("participants:import")).status_code == 200
    donnees = xlsx([ligne(), ligne(identifiant="P-2")], [situation()])
    apercu = client.post(reverse("participants:import"), {"fichier": _fichier(donnees)})
    page = apercu.content.decode()
    assert apercu.status_code == 200 and "Confirmer l'import" in page
    assert 'Participants créés</dt><dd class="col-sm-7">2</dd>' in page
    assert not Participant.objects.exists()
    jeton = client.session["import_participants"]["jeton"]
    assert len(list((stockage / "imports").iterdir())) == 1
    resultat = client.post(reverse("participants:import"), {"jeton": jeton})
    assert resultat.status_code == 200
    assert "Import terminé : 2 participants créés" in resultat.content.decode()
    assert Participant.objects.count() == 2 and Situation.objects.count() == 1
    assert list((stockage / "imports").iterdir()) == []
    assert "import_participants" not in client.session
    # The same token cannot be used twice.
    assert "expiré" in client.post(reverse("participants:import"), {"jeton": jeton}).content.decode()


@pytest.mark.django_db
def test_preview_lists_every_problem_and_offers_no_confirmation(client_as, referente, stockage):
    client = client_as(Role.COORDINATRICE)
    donnees = xlsx([ligne(date_naissance="31/02/1990"), ligne(identifiant="P-2", commune_insee="75056")])
    page = client.post(reverse("participants:import"), {"fichier": _fichier(donnees)}).content.decode()
    assert "<td>participants</td><td>2</td><td>date_naissance</td><td>date illisible « 31/02/1990 »" in page
    assert "<td>participants</td><td>3</td><td>commune_insee</td>" in page
    assert "Confirmer" not in page and not (stockage / "imports").exists()


@pytest.mark.django_db
def test_preview_with_skip_invalid_then_confirm(client_as, referente, stockage):
    client = client_as(Role.COORDINATRICE)
    donnees = xlsx([ligne(), ligne(identifiant="P-2", commune_insee="75056")])
    client.post(reverse("participants:import"), {"fichier": _fichier(donnees), "ignorer_lignes_invalides": "on"})
    page = client.post(reverse("participants:import"), {"jeton": client.session["import_participants"]["jeton"]})
    assert "1 ligne ignorée" in page.content.decode()
    assert list(Participant.objects.values_list("identifiant", flat=True)) == ["P-1"]


@pytest.mark.django_db
def test_a_refused_file_is_shown_on_the_form(client_as, stockage):
    page = client_as(Role.COORDINATRICE).post(
        reverse("participants:import"), {"fichier": _fichier(b"pas un zip", "participants.xlsx")}
    )
    assert "n&#x27;est pas un classeur Excel .xlsx" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.AUDITEUR_FSE, Role.CHARGE_MISSION])
def test_other_roles_may_not_import(client_as, role):
    client = client_as(role)
    assert client.get(reverse("participants:import")).status_code == 403
    assert client.post(reverse("participants:import"), {}).status_code == 403


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client):
    for url in (reverse("participants:import"), reverse("participants:export")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("connexion"))


def _telecharger(client):
    response = client.get(reverse("participants:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="participants-{TODAY:%Y-%m-%d}.xlsx"'
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.COORDINATRICE, Role.ADMINISTRATEUR])
def test_coordinatrice_and_admin_export_everyone_and_it_is_logged(client, make_user, role):
    ParticipantFactory.create_batch(3, entre=True)
    user = make_user(role)
    client.force_login(user)
    assert len(_par_identifiant(_telecharger(client))) == 3
    journal = JournalAcces.objects.get()
    assert (journal.utilisateur, journal.action, journal.objet_type) == (user, "export", "participants")
    assert "3 ligne(s)" in journal.detail


@pytest.mark.django_db
def test_a_referent_exports_their_caseload_only(client, referente):
    mien = ParticipantFactory(entre=True, referent=referente)
    ParticipantFactory(entre=True)
    client.force_login(referente)
    assert list(_par_identifiant(_telecharger(client))) == [mien.identifiant]
    assert JournalAcces.objects.get().utilisateur == referente


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AUDITEUR_FSE, Role.CHARGE_MISSION])
def test_other_roles_may_not_export(client_as, role):
    assert client_as(role).get(reverse("participants:export")).status_code == 403
    assert not JournalAcces.objects.exists()
