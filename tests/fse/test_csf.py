"""The contrôle de service fait pack: the ZIP's contents and manifest, the agenda PDF and XLSX,
the attendance sheets, the query count, the Celery task, the ``export_csf`` command and the pages
(permissions, progress, logged downloads)."""

import datetime
import hashlib
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from entreprises import services as services_actions
from entreprises.models import ActionCollective, Creneau, Inscription, Presence, StatutAction, TypeAction
from fse import csf, services
from fse.models import CategorieActivite, PackCsf, SemaineAgenda
from fse.rules import StatutSemaine
from fse.tasks import construire_pack_csf
from participants.factories import ParticipantFactory
from plie.models import JournalAcces
from plie.roles import Role

pytestmark = pytest.mark.django_db

DEBUT, FIN = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)
LUNDIS = [datetime.date(2025, 3, 3), datetime.date(2025, 3, 10), datetime.date(2025, 3, 17)]
PDF_SCAN = b"%PDF-1.4\n% scan de la feuille signee\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def categories():
    return list(CategorieActivite.objects.filter(actif=True).order_by("ordre", "libelle")[:2])


@pytest.fixture
def coordinatrice(make_user):
    return make_user(Role.COORDINATRICE, first_name="Claire", last_name="Coordo")


@pytest.fixture
def alice(make_user):
    return make_user(
        Role.CHARGE_MISSION,
        email="alice@test.plie.fr",
        first_name="Alice",
        last_name="Dupont",
        structure="PLIE de Dijon",
        agenda_fse=True,
    )


@pytest.fixture
def bruno(make_user):
    return make_user(Role.REFERENT, first_name="Bruno", last_name="Garnier")


def semaine_saisie(salarie, lundi, categories, *, heures=("7", "3,5"), jours=5):
    semaine = services.semaine_obtenir(salarie, lundi)
    for n in range(jours):
        jour = lundi + datetime.timedelta(days=n)
        for categorie, h in zip(categories, heures, strict=False):
            services.ligne_enregistrer(
                semaine, date=jour, categorie=categorie, heures=Decimal(h.replace(",", ".")), commentaire=f"Jour {n}"
            )
    return semaine


def semaine_validee(salarie, lundi, categories, coordinatrice, **kwargs):
    semaine = semaine_saisie(salarie, lundi, categories, **kwargs)
    services.soumettre(semaine)
    return services.valider(semaine, coordinatrice)


def creer_action(animateur, jour, titre, **champs):
    return ActionCollective.objects.create(
        type=TypeAction.ATELIER,
        titre=titre,
        date=jour,
        creneau=champs.pop("creneau", Creneau.MATIN),
        heure_debut=datetime.time(9),
        heure_fin=datetime.time(12),
        lieu="Maison de l'emploi",
        animateur=animateur,
        capacite=12,
        cree_par=animateur,
        **champs,
    )


def action_tenue(animateur, jour, titre, participants, *, feuille=False):
    action = creer_action(animateur, jour, titre)
    inscriptions = [
        Inscription.objects.create(action=action, participant=p, inscrit_par=animateur) for p in participants
    ]
    presences = {
        i.pk: {"presence_matin": Presence.PRESENT if n % 3 else Presence.ABSENT} for n, i in enumerate(inscriptions)
    }
    services_actions.presences_enregistrer(action=action, presences=presences, par=animateur)
    if feuille:
        fichier = SimpleUploadedFile("scan.pdf", PDF_SCAN, content_type="application/pdf")
        services_actions.feuille_deposer(action=action, fichier=fichier, par=animateur)
    action.refresh_from_db()
    return action


@pytest.fixture
def donnees(alice, bruno, coordinatrice, categories):
    """Alice: 3 weeks (the first validated then corrected into a validated version 2, the second
    validated, the third sent back); Bruno: one validated week; 2 actions held (one with a signed
    sheet), one cancelled; a participant."""
    premiere = semaine_validee(alice, LUNDIS[0], categories, coordinatrice)
    correction = services.corriger(premiere, alice, "Oubli de la réunion partenaires du vendredi")
    services.ligne_enregistrer(
        correction, date=LUNDIS[0] + datetime.timedelta(days=4), categorie=categories[0], heures=Decimal("1.5")
    )
    services.soumettre(correction)
    services.valider(correction, coordinatrice)
    semaine_validee(alice, LUNDIS[1], categories, coordinatrice)
    troisieme = semaine_saisie(alice, LUNDIS[2], categories, jours=2)
    services.soumettre(troisieme)
    services.renvoyer(troisieme, coordinatrice, "Il manque le mercredi")
    semaine_validee(bruno, LUNDIS[1], categories, coordinatrice, heures=("6",))

    # Participants of the operation in March 2025.
    participants = [
        ParticipantFactory(entre=True, today=datetime.date(2025, 3, 15), nom="Zidane", prenom="Yasmina"),
        ParticipantFactory(entre=True, today=datetime.date(2025, 3, 15)),
    ]
    signee = action_tenue(alice, datetime.date(2025, 3, 12), "Atelier CV", participants, feuille=True)
    autre = action_tenue(bruno, datetime.date(2025, 3, 20), "Visite de la plateforme logistique", participants[:1])
    annulee = creer_action(alice, datetime.date(2025, 3, 25), "Atelier annulé", statut=StatutAction.ANNULEE)
    creer_action(alice, datetime.date(2025, 4, 2), "Atelier d'avril")  # outside the period
    return {"actions": [signee, autre], "annulee": annulee, "participants": participants}


def construire(salarie=None, debut=DEBUT, fin=FIN, **kwargs):
    flux = io.BytesIO()
    resume = csf.ecrire_pack(flux, debut, fin, salarie, **kwargs)
    flux.seek(0)
    return zipfile.ZipFile(flux), resume


def texte_pdf(contenu):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages)


def plat(texte):
    """PDF text with its line breaks and repeated spaces folded."""
    return " ".join(texte.split())


# --- The archive ----------------------------------------------------------------------------------


@pytest.mark.parametrize("processus", [1, 2])
def test_the_zip_holds_every_piece_under_french_names(donnees, alice, processus):
    archive, resume = construire(genere_par=alice, processus=processus)
    signee = donnees["actions"][0]
    autre = donnees["actions"][1]
    assert sorted(archive.namelist()) == sorted(
        [
            "agendas/dupont-alice/agenda-dupont-alice-2025-03-01-2025-03-31.pdf",
            "agendas/garnier-bruno/agenda-garnier-bruno-2025-03-01-2025-03-31.pdf",
            "agendas/agendas-2025-03-01-2025-03-31.xlsx",
            f"emargements/2025-03-12-atelier-cv-action-{signee.pk}-feuille-de-presence.pdf",
            f"emargements/2025-03-12-atelier-cv-action-{signee.pk}-feuille-signee.pdf",
            f"emargements/2025-03-20-visite-de-la-plateforme-logistique-action-{autre.pk}-feuille-de-presence.pdf",
            "participants/donnees-fse-participants.xlsx",
            "LISEZMOI.txt",
            "MANIFESTE.sha256",
        ]
    )
    assert archive.namelist()[-1] == "MANIFESTE.sha256"
    assert resume.nb_fichiers == 9 and resume.nb_agendas == 2 and resume.nb_actions == 2
    assert resume.nb_feuilles_signees == 1
    # No participant's name in a file name.
    assert not any("zidane" in nom.lower() for nom in archive.namelist())
    assert archive.read(f"emargements/2025-03-12-atelier-cv-action-{signee.pk}-feuille-signee.pdf") == PDF_SCAN
    assert archive.testzip() is None


def test_every_manifest_checksum_matches_and_covers_every_other_file(donnees):
    archive, resume = construire()
    manifeste = archive.read("MANIFESTE.sha256").decode()
    couverts = {}
    for ligne in manifeste.splitlines():
        empreinte, nom = ligne.split("  ", 1)
        couverts[nom] = empreinte
    assert set(couverts) == set(archive.namelist()) - {"MANIFESTE.sha256"}
    for nom, empreinte in couverts.items():
        assert hashlib.sha256(archive.read(nom)).hexdigest() == empreinte, nom
    assert [(p.nom, p.sha256) for p in resume.fichiers[:-1]] == list(couverts.items())
    assert resume.fichiers[-1].sha256 == hashlib.sha256(manifeste.encode()).hexdigest()


def test_the_readme_states_the_period_scope_author_counts_and_how_to_verify(donnees, alice):
    archive, _ = construire(genere_par=alice)
    texte = archive.read("LISEZMOI.txt").decode()
    assert "Période : du 01/03/2025 au 31/03/2025" in texte
    assert "Périmètre : toute l'opération" in texte
    assert "par Alice Dupont" in texte
    assert "2 agenda(s)" in texte and "2 action(s) collective(s)" in texte
    assert "sha256sum -c MANIFESTE.sha256" in texte
    # The cancelled action is listed, not packed; the action without a signed sheet is named.
    assert "25/03/2025 « Atelier annulé »" in texte
    assert "20/03/2025 « Visite de la plateforme logistique »" in texte
    assert "Atelier d'avril" not in texte


def test_the_agenda_pdf_shows_weeks_totals_mention_signatures_and_trail(donnees, alice, coordinatrice):
    archive, _ = construire(genere_par=coordinatrice)
    texte = plat(texte_pdf(archive.read("agendas/dupont-alice/agenda-dupont-alice-2025-03-01-2025-03-31.pdf")))
    assert "Agenda hebdomadaire FSE — Alice Dupont" in texte
    assert "Semaine du 03/03/2025 au 09/03/2025 — version 2 — Validée — 54 h" in texte
    assert "Semaine du 10/03/2025 au 16/03/2025 — Validée — 52,5 h" in texte
    assert "Semaine du 17/03/2025 au 23/03/2025 — Renvoyée pour correction — 21 h" in texte
    # Friday after the correction: its lines, then the day's total (10,5 h + 1,5 h).
    assert (
        "vendredi 07/03/2025 Prospection des offres — 7 h — Jour 4 Prospection des offres — 1,5 h "
        "Animation du réseau des référents — 3,5 h — Jour 4 12 h"
    ) in texte
    assert "Cofinancé par l'Union européenne" in texte
    assert "Fonds social européen plus (FSE+)" in texte
    assert "page 1 / " in texte
    assert "Le/la salarié(e)" in texte and "L'employeur" in texte and "PLIE de Dijon" in texte
    # The trail: validated by whom, the correction and its reason, the sent-back comment.
    assert "Validée le" in texte and "par Claire Coordo" in texte
    assert "Version 2 ouverte le" in texte and "Oubli de la réunion partenaires du vendredi" in texte
    assert "Renvoyée pour correction par Claire Coordo ; commentaire : « Il manque le mercredi »" in texte
    # The earlier validated version stays readable.
    assert "Version 1 (validée, remplacée par une version ultérieure) — 52,5 h" in texte
    # The summary of the period: 2 weeks validated out of 3, hours by activity.
    assert "3 semaines : 2 validées, 1 non validée, dont 1 corrigée" in texte
    assert "Total 127,5 h" in texte


def test_public_holidays_and_days_outside_the_period_are_shown(alice, coordinatrice, categories):
    lundi_de_paques = datetime.date(2025, 4, 21)
    semaine = services.semaine_obtenir(alice, lundi_de_paques)
    services.ligne_enregistrer(
        semaine, date=lundi_de_paques + datetime.timedelta(days=1), categorie=categories[0], heures=Decimal("7")
    )
    services.soumettre(semaine)
    archive, _ = construire(alice, debut=datetime.date(2025, 4, 23), fin=datetime.date(2025, 4, 30))
    texte = plat(texte_pdf(archive.read("agendas/dupont-alice/agenda-dupont-alice-2025-04-23-2025-04-30.pdf")))
    assert "lundi 21/04/2025 Férié : Lundi de Pâques Aucune activité saisie 0 h" in texte
    assert "mardi 22/04/2025 Prospection des offres — 7 h 7 h" in texte
    # Tuesday is outside the period: the week is shown whole, the summary counts nothing.
    assert "Aucune heure saisie sur la période." in texte and "1 non validée" in texte
    assert "du 21/04/2025 (soumise)" in texte


def test_without_fork_the_pdfs_are_laid_out_in_this_process(donnees, monkeypatch):
    class SansFork:
        """An executor that refuses to start processes, as in a daemonic Celery worker."""

        def __init__(self, *args, **kwargs):
            """Nothing to start until a PDF is submitted."""

        def submit(self, *args, **kwargs):
            raise AssertionError("daemonic processes are not allowed to have children")

        def shutdown(self, **kwargs):
            """No process was started: nothing to stop."""

    monkeypatch.setattr(csf, "ProcessPoolExecutor", SansFork)
    archive, resume = construire(processus=2)
    assert resume.nb_agendas == 2 and resume.nb_actions == 2 and archive.testzip() is None


def test_the_attendance_sheet_pdf_shows_the_recorded_presences(donnees):
    archive, _ = construire()
    signee = donnees["actions"][0]
    texte = plat(
        texte_pdf(archive.read(f"emargements/2025-03-12-atelier-cv-action-{signee.pk}-feuille-de-presence.pdf"))
    )
    assert "Feuille de présence" in texte and "Atelier CV" in texte
    assert "ZIDANE Yasmina Absent(e)" in texte
    assert "Présent(e)" in texte
    assert "Présents 1 sur 2" in texte
    assert "Présences saisies le" in texte and "par Alice Dupont" in texte
    assert "Feuille d'émargement signée déposée" in texte
    assert "Cofinancé par l'Union européenne" in texte


def test_the_agenda_workbook_has_a_row_per_line_per_week_version_and_per_activity(donnees, categories):
    archive, resume = construire()
    classeur = load_workbook(io.BytesIO(archive.read("agendas/agendas-2025-03-01-2025-03-31.xlsx")), read_only=True)
    assert classeur.sheetnames == ["Lignes", "Semaines", "Activités"]
    lignes = list(classeur["Lignes"].iter_rows(values_only=True))
    assert lignes[0][:10] == (
        "Salarié(e)",
        "Semaine du",
        "Version",
        "Dernière version",
        "Statut",
        "Date",
        "Jour",
        "Dans la période",
        "Activité",
        "Heures",
    )
    # Alice: v1 10 + v2 11 + 10 + 4 lines; Bruno: 5.
    assert len(lignes) - 1 == 40 == resume.nb_lignes
    corrigee = [ligne for ligne in lignes[1:] if ligne[2] == 2]
    assert len(corrigee) == 11 and {ligne[3] for ligne in corrigee} == {"Oui"}
    assert corrigee[0][5] == datetime.datetime(2025, 3, 3) and corrigee[0][6] == "lundi"
    assert corrigee[0][8] == categories[0].libelle and corrigee[0][9] == 7
    assert corrigee[0][17] == "Claire Coordo"
    semaines = list(classeur["Semaines"].iter_rows(values_only=True))
    assert len(semaines) - 1 == 5  # 4 weeks for Alice (the first in 2 versions) and Bruno's
    version2 = next(s for s in semaines[1:] if s[3] == 2)
    assert version2[7] == 54 and version2[13] == 1 and "Oubli" in version2[14]
    activites = list(classeur["Activités"].iter_rows(values_only=True))
    alice = {ligne[1]: ligne[2] for ligne in activites[1:] if ligne[0] == "Alice Dupont"}
    assert alice == {categories[0].libelle: 85.5, categories[1].libelle: 42}


def test_the_participants_workbook_comes_from_the_fse_export(donnees):
    archive, resume = construire()
    classeur = load_workbook(io.BytesIO(archive.read("participants/donnees-fse-participants.xlsx")), read_only=True)
    lignes = list(classeur["Participants"].iter_rows(values_only=True))
    assert resume.nb_participants == len(lignes) - 1 == 2
    assert "Zidane" in {ligne[1] for ligne in lignes[1:]}
    assert "données FSE de 2 participant(s)" in archive.read("LISEZMOI.txt").decode()


def test_choosing_a_person_keeps_their_agenda_and_the_actions_they_facilitated(donnees, alice):
    archive, resume = construire(alice)
    noms = archive.namelist()
    assert any(nom.startswith("agendas/dupont-alice/") for nom in noms)
    assert not any("garnier" in nom for nom in noms)
    assert not any("visite-de-la-plateforme" in nom for nom in noms)
    assert resume.nb_agendas == 1 and resume.nb_actions == 1
    lignes = list(
        load_workbook(io.BytesIO(archive.read("agendas/agendas-2025-03-01-2025-03-31.xlsx")), read_only=True)[
            "Lignes"
        ].iter_rows(values_only=True)
    )
    assert {ligne[0] for ligne in lignes[1:]} == {"Alice Dupont"}
    assert "Périmètre : Alice Dupont" in archive.read("LISEZMOI.txt").decode()


def test_a_period_without_anything_still_gives_a_verifiable_pack():
    archive, resume = construire(debut=datetime.date(2020, 1, 1), fin=datetime.date(2020, 1, 31))
    assert sorted(archive.namelist()) == [
        "LISEZMOI.txt",
        "MANIFESTE.sha256",
        "agendas/agendas-2020-01-01-2020-01-31.xlsx",
        "participants/donnees-fse-participants.xlsx",
    ]
    assert "Aucune semaine d'agenda" in archive.read("LISEZMOI.txt").decode()


def test_progress_is_reported_in_french_and_grows(donnees):
    etapes = []
    construire(progression=lambda pourcentage, etape: etapes.append((pourcentage, etape)))
    pourcentages = [p for p, _ in etapes]
    assert pourcentages == sorted(pourcentages) and max(pourcentages) < 100
    assert any(etape == "Agenda : Alice Dupont" for _, etape in etapes)
    assert any(etape.startswith("Feuille de présence") for _, etape in etapes)


def _requetes(salarie=None):
    with CaptureQueriesContext(connection) as requetes:
        construire(salarie)
    return len(requetes)


def test_the_query_count_does_not_grow_with_weeks_lines_or_actions(alice, bruno, coordinatrice, categories):
    participant = ParticipantFactory(entre=True)
    semaine_validee(alice, LUNDIS[0], categories, coordinatrice, jours=1)
    semaine_validee(bruno, LUNDIS[0], categories, coordinatrice, jours=1)
    action_tenue(alice, datetime.date(2025, 3, 4), "Atelier 0", [participant], feuille=True)
    petit, petit_alice = _requetes(), _requetes(alice)

    for n in range(8):
        lundi = datetime.date(2025, 1, 6) + datetime.timedelta(weeks=n)
        if lundi not in LUNDIS:
            semaine_validee(alice, lundi, categories, coordinatrice)
    corrigee = services.corriger(SemaineAgenda.objects.get(salarie=alice, lundi=LUNDIS[0]), alice, "Correction")
    services.soumettre(corrigee)
    autres = ParticipantFactory.create_batch(3, entre=True)
    for n in range(4):
        action_tenue(
            alice, datetime.date(2025, 3, 5 + n), f"Atelier {n + 1}", [participant, *autres], feuille=n % 2 == 0
        )
    grand, grand_alice = _requetes(), _requetes(alice)
    debut = datetime.date(2025, 1, 1)
    with CaptureQueriesContext(connection) as requetes:
        construire(debut=debut)
    assert petit == grand == len(requetes)
    assert petit_alice == grand_alice


# --- The period -----------------------------------------------------------------------------------


def test_period_rules():
    aujourd_hui = datetime.date(2026, 5, 15)
    assert csf.problemes_periode(DEBUT, FIN, aujourd_hui) == []
    assert csf.problemes_periode(FIN, DEBUT, aujourd_hui)[0][0] == "au"
    assert csf.problemes_periode(datetime.date(2018, 1, 1), datetime.date(2024, 12, 31), aujourd_hui) == []
    assert "7 ans" in csf.problemes_periode(datetime.date(2018, 1, 1), datetime.date(2025, 1, 1), aujourd_hui)[0][1]
    assert "d'un an" in csf.problemes_periode(DEBUT, datetime.date(2027, 5, 16), aujourd_hui)[0][1]
    assert csf.periode_par_defaut(aujourd_hui) == (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
    assert csf.periode_par_defaut(datetime.date(2026, 1, 3)) == (
        datetime.date(2025, 12, 1),
        datetime.date(2025, 12, 31),
    )


# --- The task -------------------------------------------------------------------------------------


def test_the_task_builds_the_pack_into_the_storage(donnees, make_user, media):
    auditeur = make_user(Role.AUDITEUR_FSE)
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN)
    resultat = construire_pack_csf.apply(args=[pack.pk])
    assert resultat.get() == PackCsf.Statut.PRET
    pack.refresh_from_db()
    assert pack.statut == PackCsf.Statut.PRET and pack.progression == 100 and pack.erreur == ""
    assert pack.fichier.name.startswith("packs-csf/") and pack.fichier.name.endswith(
        "pack-csf-2025-03-01-2025-03-31.zip"
    )
    contenu = pack.fichier.read()
    assert pack.taille == len(contenu) and pack.sha256 == hashlib.sha256(contenu).hexdigest()
    assert pack.nb_fichiers == len(zipfile.ZipFile(io.BytesIO(contenu)).namelist()) == 9
    assert pack.tache_id == resultat.id and pack.termine_le is not None

    # Idempotent: a pack ready is left alone.
    avant = pack.fichier.name
    construire_pack_csf.apply(args=[pack.pk])
    pack.refresh_from_db()
    assert pack.fichier.name == avant and pack.sha256 == hashlib.sha256(contenu).hexdigest()


def test_a_redelivered_task_rebuilds_from_scratch(donnees, make_user, media):
    auditeur = make_user(Role.AUDITEUR_FSE)
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN, salarie=donnees["actions"][0].animateur)
    # A first delivery died mid-way, leaving a partial file.
    partiel = media / "packs-csf" / "partiel.zip"
    partiel.parent.mkdir(parents=True)
    partiel.write_bytes(b"PK moitie")
    PackCsf.objects.filter(pk=pack.pk).update(
        statut=PackCsf.Statut.EN_COURS, progression=40, fichier="packs-csf/partiel.zip"
    )
    csf.pack_construire(pack.pk)
    pack.refresh_from_db()
    assert pack.statut == PackCsf.Statut.PRET and not partiel.exists()
    assert pack.fichier.name.endswith("pack-csf-2025-03-01-2025-03-31-dupont-alice.zip")
    assert [f.name for f in (media / "packs-csf").rglob("*.zip")] == [pack.fichier.name.rsplit("/", 1)[-1]]


def test_a_failed_build_leaves_no_file_and_a_french_error(donnees, make_user, media, monkeypatch):
    auditeur = make_user(Role.AUDITEUR_FSE)
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN)

    def en_panne(*args, **kwargs):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(csf.exports, "ecrire_donnees_participants", en_panne)
    csf.pack_construire(pack.pk)
    pack.refresh_from_db()
    assert pack.statut == PackCsf.Statut.ECHEC and pack.fichier.name == ""
    assert pack.erreur.startswith("La préparation du pack a échoué")
    assert not list(media.rglob("*.zip"))


# --- The command ----------------------------------------------------------------------------------


def test_the_command_writes_the_pack(donnees, tmp_path):
    sortie = io.StringIO()
    dossier = tmp_path / "sortie" / "csf"
    call_command(
        "export_csf", "--from", "2025-03-01", "--to", "2025-03-31", "--salarie", "ALICE@test.plie.fr", str(dossier),
        stdout=sortie,
    )  # fmt: skip
    chemin = dossier / "pack-csf-2025-03-01-2025-03-31-dupont-alice.zip"
    assert chemin.exists() and [p.name for p in dossier.iterdir()] == [chemin.name]
    texte = sortie.getvalue()
    assert str(chemin) in texte and "fichiers dans l'archive" in texte
    assert hashlib.sha256(chemin.read_bytes()).hexdigest() in texte
    with zipfile.ZipFile(chemin) as archive:
        noms = archive.namelist()
    assert "agendas/dupont-alice/agenda-dupont-alice-2025-03-01-2025-03-31.pdf" in noms


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "2025-03-31"], "--from est obligatoire"),
        (["--from", "2025-03-01"], "--to est obligatoire"),
        (["--from", "01/03/2025", "--to", "2025-03-31"], "--from : date illisible « 01/03/2025 »"),
        (["--from", "2025-03-01", "--to", "2025-02-30"], "--to : date illisible"),
        (["--from", "2025-03-31", "--to", "2025-03-01"], "--to : La date de fin (au) doit suivre"),
        (["--from", "2015-01-01", "--to", "2025-03-01"], "--to : La période ne peut pas dépasser 7 ans"),
        (["--from", "2025-03-01", "--to", "2025-03-31", "--salarie", "personne@nulle.part"], "--salarie : aucun"),
    ],
)
def test_the_command_refuses_bad_arguments_clearly(arguments, message, tmp_path):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_csf", *arguments, str(tmp_path / "sortie"))
    assert not (tmp_path / "sortie").exists() or not list((tmp_path / "sortie").iterdir())


# --- The pages ------------------------------------------------------------------------------------

URL = reverse("fse:csf")


@pytest.mark.parametrize("role", [Role.AUDITEUR_FSE, Role.COORDINATRICE])
def test_the_auditor_and_the_coordinatrice_open_the_page(client_as, role):
    reponse = client_as(role).get(URL)
    assert reponse.status_code == 200
    page = reponse.content.decode()
    assert "Aucun pack demandé pour l'instant" in page and "Toute l&#x27;opération" in page
    assert 'href="/fse/controle-service-fait/"' in page  # the navigation entry


@pytest.mark.parametrize("role", [Role.REFERENT, Role.CHARGE_MISSION, Role.ADMINISTRATEUR])
def test_other_roles_get_403(client_as, role):
    client = client_as(role)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"du": "2025-03-01", "au": "2025-03-31"}).status_code == 403
    assert client.get(reverse("fse:csf_accueil")).status_code == 403
    assert not PackCsf.objects.exists()


def test_the_navigation_entry_is_for_those_who_export(client_as):
    for role, present in [(Role.REFERENT, False), (Role.CHARGE_MISSION, False), (Role.AUDITEUR_FSE, True)]:
        page = client_as(role).get(reverse(role.start_url_name)).content.decode()
        assert (f'href="{URL}"' in page) is present, role


def _requetes_page(client):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(URL).status_code == 200
    return len(requetes)


def test_the_page_query_count_does_not_grow_with_the_packs(client, make_user, alice):
    coordinatrice = make_user(Role.COORDINATRICE)
    auditeurs = [make_user(Role.AUDITEUR_FSE) for _ in range(3)]
    client.force_login(coordinatrice)
    PackCsf.objects.create(demande_par=auditeurs[0], debut=DEBUT, fin=FIN, salarie=alice)
    petit = _requetes_page(client)
    for n in range(12):
        PackCsf.objects.create(
            demande_par=auditeurs[n % 3], debut=DEBUT, fin=FIN, salarie=alice if n % 2 else None, statut="pret"
        )
    assert _requetes_page(client) == petit


def test_anonymous_visitors_go_to_the_login_page(client):
    for url in [
        URL,
        reverse("fse:csf_accueil"),
        reverse("fse:csf_etat", args=[1]),
        reverse("fse:csf_telecharger", args=[1]),
    ]:
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse.url.startswith(reverse("connexion"))


def test_the_form_defaults_to_the_previous_month_and_lists_the_salaries(
    client, make_user, alice, bruno, coordinatrice, categories
):
    sans_agenda = make_user(Role.REFERENT, first_name="Sans", last_name="Agenda")
    financee = make_user(Role.REFERENT, first_name="Fanny", last_name="Financée", agenda_fse=True)
    semaine_saisie(alice, LUNDIS[0], categories, jours=1)
    client.force_login(make_user(Role.AUDITEUR_FSE))
    formulaire = client.get(URL).context["form"]
    du, au = csf.periode_par_defaut(datetime.date.today())
    assert formulaire.initial == {"du": du, "au": au}
    choix = list(formulaire.fields["salarie"].queryset)
    assert alice in choix and financee in choix and sans_agenda not in choix and bruno not in choix


def test_asking_for_a_pack_queues_the_task_after_the_commit(
    client, make_user, alice, monkeypatch, django_capture_on_commit_callbacks
):
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    files = []
    monkeypatch.setattr(construire_pack_csf, "delay", lambda pk: files.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(URL, {"du": "2025-03-01", "au": "2025-03-31", "salarie": alice.pk}, follow=True)
    pack = PackCsf.objects.get()
    assert files == [pack.pk]
    assert (pack.demande_par, pack.debut, pack.fin, pack.salarie) == (auditeur, DEBUT, FIN, alice)
    page = reponse.content.decode()
    assert "Pack du 01/03/2025 au 31/03/2025 (Alice Dupont) demandé" in page
    # While it waits, its row polls its state every 2 s.
    assert f'hx-get="{reverse("fse:csf_etat", args=[pack.pk])}"' in page and 'hx-trigger="every 2s"' in page


@pytest.mark.parametrize(
    ("du", "au", "message"),
    [
        ("2025-03-31", "2025-03-01", "La date de fin (au) doit suivre la date de début"),
        ("2015-01-01", "2025-03-01", "La période ne peut pas dépasser 7 ans"),
        ("2025-03-01", "2099-01-01", "La date de fin ne peut pas dépasser d&#x27;un an la date du jour"),
        ("", "2025-03-01", "Indiquez la date de début"),
        ("mars", "2025-03-01", "Date de début invalide"),
    ],
)
def test_a_bad_period_is_refused_in_french(client_as, du, au, message):
    reponse = client_as(Role.AUDITEUR_FSE).post(URL, {"du": du, "au": au})
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    assert not PackCsf.objects.exists()


def test_progress_fragment_polls_until_the_pack_is_ready(client, make_user, donnees):
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    pack = PackCsf.objects.create(
        demande_par=auditeur,
        debut=DEBUT,
        fin=FIN,
        statut=PackCsf.Statut.EN_COURS,
        progression=40,
        etape="Feuilles d'émargement",
    )
    fragment = client.get(reverse("fse:csf_etat", args=[pack.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'value="40"' in fragment and "Feuilles d&#x27;émargement" in fragment
    csf.pack_construire(pack.pk)
    fragment = client.get(reverse("fse:csf_etat", args=[pack.pk])).content.decode()
    assert "hx-trigger" not in fragment and "Prêt" in fragment and "Télécharger" in fragment
    pack.refresh_from_db()
    assert pack.sha256 in fragment


def test_download_is_logged_and_reserved_to_the_requester_and_the_coordinatrice(client, make_user, donnees):
    auditeur, autre_auditeur = make_user(Role.AUDITEUR_FSE), make_user(Role.AUDITEUR_FSE)
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN)
    csf.pack_construire(pack.pk)
    pack.refresh_from_db()
    url = reverse("fse:csf_telecharger", args=[pack.pk])

    client.force_login(auditeur)
    reponse = client.get(url)
    assert reponse.status_code == 200
    assert reponse["Cache-Control"] == "private, no-store"
    assert reponse["Content-Disposition"] == 'attachment; filename="pack-csf-2025-03-01-2025-03-31.zip"'
    contenu = b"".join(reponse.streaming_content)
    assert hashlib.sha256(contenu).hexdigest() == pack.sha256
    journal = JournalAcces.objects.get()
    assert (journal.utilisateur, journal.action, journal.objet_type, journal.objet_id) == (
        auditeur,
        JournalAcces.Action.EXPORT,
        "pack_csf",
        str(pack.pk),
    )
    assert "Pack CSF du 01/03/2025 au 31/03/2025 — toute l'opération" in journal.detail

    client.force_login(autre_auditeur)
    assert client.get(url).status_code == 404
    assert client.get(reverse("fse:csf_etat", args=[pack.pk])).status_code == 404
    assert str(pack.pk) not in client.get(URL).content.decode().split("Mes packs")[1][:50]

    coordinatrice = make_user(Role.COORDINATRICE)
    client.force_login(coordinatrice)
    page = client.get(URL).content.decode()
    assert "Packs demandés" in page and f'id="pack-csf-{pack.pk}"' in page
    assert client.get(url).status_code == 200
    assert JournalAcces.objects.filter(objet_type="pack_csf").count() == 2


def test_a_pack_not_ready_is_not_downloaded(client, make_user):
    auditeur = make_user(Role.AUDITEUR_FSE)
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN)
    client.force_login(auditeur)
    assert client.get(reverse("fse:csf_telecharger", args=[pack.pk])).status_code == 404
    assert not JournalAcces.objects.exists()


def test_the_auditor_never_writes_an_agenda(client, make_user, alice, categories, coordinatrice):
    semaine = semaine_saisie(alice, LUNDIS[0], categories, jours=1)
    services.soumettre(semaine)
    client.force_login(make_user(Role.AUDITEUR_FSE))
    url_semaine = reverse("fse:semaine", kwargs={"jour": LUNDIS[0].isoformat()})
    for action in ["ajouter", "soumettre", "copier", "corriger"]:
        assert client.post(url_semaine, {"action": action, "motif": "x"}).status_code == 403
    a_valider = reverse("fse:a_valider")
    assert client.post(a_valider, {"semaine": semaine.pk, "action": "valider"}).status_code == 403
    semaine.refresh_from_db()
    assert semaine.statut == StatutSemaine.SOUMISE


def test_the_auditor_start_page_loads_the_pack_block(client, make_user, donnees):
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    page = client.get(reverse("espace_auditeur_fse")).content.decode()
    assert f'hx-get="{reverse("fse:csf_accueil")}"' in page
    assert reverse("fse:indicateurs") in page and reverse("entreprises:actions") in page
    bloc = client.get(reverse("fse:csf_accueil")).content.decode()
    assert "Préparer le pack" in bloc and "Aucun pack demandé pour l'instant" in bloc
    pack = PackCsf.objects.create(demande_par=auditeur, debut=DEBUT, fin=FIN)
    csf.pack_construire(pack.pk)
    bloc = client.get(reverse("fse:csf_accueil")).content.decode()
    assert reverse("fse:csf_telecharger", args=[pack.pk]) in bloc
    reponse = client.post(URL, {"du": "2025-03-01", "au": "2025-03-31", "retour": "accueil"})
    assert reponse.url == reverse("espace_auditeur_fse")
