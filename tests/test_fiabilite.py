"""Reliability: the invariants the database holds whatever path writes, tasks queued only once the
request's transaction has committed, and one Celery beat only."""

import ast
import datetime
import re
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from entreprises.factories import EntrepriseFactory
from fse import csf
from fse import services as fse_services
from fse.models import CategorieActivite, LigneAgenda, PackCsf, SemaineAgenda
from fse.rules import StatutSemaine
from offres.factories import OffreFactory
from offres.models import LienSource, Source
from participants.factories import ParticipantFactory
from participants.models import HistoriqueReferent
from plie.roles import Role
from reporting import services as rapports

from .conftest import needs

RACINE = Path(__file__).resolve().parents[1]
LUNDI = datetime.date(2025, 6, 2)
MARDI = LUNDI + datetime.timedelta(days=1)


def _needs_postgresql():
    needs("PostgreSQL", connection.vendor == "postgresql", "le verrou des agendas est un trigger PostgreSQL")


# --- one active référent per participant ---------------------------------------------------------


def test_a_raw_second_active_referent_row_is_refused_by_the_database(db, make_user):
    participant = ParticipantFactory(referent=None)
    premier, second = make_user(Role.REFERENT), make_user(Role.REFERENT)
    table = HistoriqueReferent._meta.db_table
    inserer = (
        f"INSERT INTO {table} (participant_id, referent_id, du, au, motif, cree_le) VALUES (%s, %s, %s, %s, '', %s)"
    )
    with connection.cursor() as curseur:
        curseur.execute(inserer, [participant.pk, premier.pk, LUNDI, None, timezone.now()])
        # A closed row next to the open one is history, not a second référent.
        curseur.execute(
            inserer, [participant.pk, second.pk, LUNDI - datetime.timedelta(days=90), LUNDI, timezone.now()]
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            curseur.execute(inserer, [participant.pk, second.pk, MARDI, None, timezone.now()])
    assert HistoriqueReferent.objects.filter(participant=participant, au__isnull=True).get().referent == premier


# --- one offer per link of a source ---------------------------------------------------------------


def test_an_external_id_is_linked_once_per_source(db):
    source = Source.objects.get(nom="france-travail")
    autre = Source.objects.exclude(pk=source.pk).first()
    offre = OffreFactory()
    maintenant = timezone.now()
    champs = {"identifiant_externe": "FT-123", "vue_le": maintenant, "vue_derniere_fois_le": maintenant}
    LienSource.objects.create(offre=offre, source=source, **champs)
    LienSource.objects.create(offre=offre, source=autre, **champs)  # same id, another source: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        LienSource.objects.bulk_create([LienSource(offre=offre, source=source, **champs)])
    assert LienSource.objects.filter(source=source, identifiant_externe="FT-123").count() == 1


# --- the weekly agenda ----------------------------------------------------------------------------


@pytest.fixture
def categorie(db):
    return CategorieActivite.objects.filter(actif=True).order_by("ordre").first()


@pytest.fixture
def salarie(make_user):
    return make_user(Role.CHARGE_MISSION)


@pytest.fixture
def coordinatrice(make_user):
    return make_user(Role.COORDINATRICE)


@pytest.fixture
def soumise(salarie, categorie):
    semaine = fse_services.semaine_obtenir(salarie, LUNDI)
    fse_services.ligne_enregistrer(semaine, date=LUNDI, categorie=categorie, heures=Decimal("7"))
    fse_services.ligne_enregistrer(
        semaine, date=MARDI, categorie=categorie, heures=Decimal("3"), entreprise=EntrepriseFactory()
    )
    return fse_services.soumettre(semaine)


def test_check_constraints_of_the_agenda_hold_against_bulk_writes(salarie):
    semaine = fse_services.semaine_obtenir(salarie, LUNDI)
    cas = [
        (SemaineAgenda(salarie=salarie, lundi=MARDI), "fse_semaine_commence_un_lundi"),
        (SemaineAgenda(salarie=salarie, lundi=LUNDI, version=2, statut="archivee"), "fse_semaine_statut_connu"),
        (SemaineAgenda(salarie=salarie, lundi=LUNDI, version=1, remplace=semaine), "fse_semaine_correction"),
    ]
    for ligne, contrainte in cas:
        with pytest.raises(IntegrityError, match=contrainte), transaction.atomic():
            SemaineAgenda.objects.bulk_create([ligne])
    with pytest.raises(IntegrityError), transaction.atomic():
        SemaineAgenda.objects.filter(pk=semaine.pk).update(remplace=semaine, version=2)  # replaces itself
    # The boundary: a correction replacing an earlier version is accepted.
    SemaineAgenda.objects.bulk_create([SemaineAgenda(salarie=salarie, lundi=LUNDI, version=2, remplace=semaine)])
    pack = PackCsf.objects.create(demande_par=salarie, debut=LUNDI, fin=MARDI)
    assert PackCsf.objects.filter(pk=pack.pk).update(progression=100) == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        PackCsf.objects.filter(pk=pack.pk).update(progression=101)


def test_the_database_freezes_the_lines_of_a_submitted_week(soumise, categorie):
    _needs_postgresql()
    lignes = LigneAgenda.objects.filter(semaine=soumise)
    avant = sorted(lignes.values_list("date", "heures"))
    with pytest.raises(DatabaseError, match="soumise"), transaction.atomic():
        lignes.update(heures=1)
    with pytest.raises(DatabaseError, match="soumise"), transaction.atomic():
        lignes.filter(entreprise__isnull=True).delete()
    with pytest.raises(DatabaseError, match="soumise"), transaction.atomic():
        LigneAgenda.objects.bulk_create([LigneAgenda(semaine=soumise, date=LUNDI, categorie=categorie, heures=1)])
    with pytest.raises(DatabaseError, match="soumise"), transaction.atomic():
        lignes.filter(entreprise__isnull=True).update(entreprise=EntrepriseFactory())  # a link added
    assert sorted(lignes.values_list("date", "heures")) == avant


def test_deleting_a_company_unlinks_the_lines_of_a_submitted_week(soumise):
    # ON DELETE SET NULL is the one change let through: the hours and dates stay.
    ligne = LigneAgenda.objects.get(semaine=soumise, entreprise__isnull=False)
    ligne.entreprise.delete()
    ligne.refresh_from_db()
    assert (ligne.entreprise, ligne.heures, ligne.date) == (None, Decimal("3"), MARDI)


def test_the_database_keeps_a_line_within_its_week_and_the_status_on_its_transitions(salarie, categorie):
    _needs_postgresql()
    semaine = fse_services.semaine_obtenir(salarie, LUNDI)
    dimanche = LUNDI + datetime.timedelta(days=6)
    LigneAgenda.objects.bulk_create([LigneAgenda(semaine=semaine, date=dimanche, categorie=categorie, heures=1)])
    with pytest.raises(DatabaseError, match="dans la semaine"), transaction.atomic():
        LigneAgenda.objects.bulk_create(
            [LigneAgenda(semaine=semaine, date=dimanche + datetime.timedelta(days=1), categorie=categorie, heures=1)]
        )
    semaines = SemaineAgenda.objects.filter(pk=semaine.pk)
    with pytest.raises(DatabaseError, match="refusé"), transaction.atomic():
        semaines.update(statut=StatutSemaine.VALIDEE)  # brouillon → validée skips the submission
    semaines.update(statut=StatutSemaine.SOUMISE)
    with pytest.raises(DatabaseError, match="refusé"), transaction.atomic():
        semaines.update(statut=StatutSemaine.BROUILLON)
    assert semaines.get().statut == StatutSemaine.SOUMISE


def test_the_legitimate_path_of_an_agenda_goes_through_the_lock(soumise, salarie, coordinatrice, categorie):
    # Sent back, changed, submitted again, validated, corrected by a new version, changed.
    renvoyee = fse_services.renvoyer(soumise, coordinatrice, "Il manque le mercredi.")
    fse_services.ligne_enregistrer(
        renvoyee, date=LUNDI + datetime.timedelta(days=2), categorie=categorie, heures=Decimal("7")
    )
    validee = fse_services.valider(fse_services.soumettre(renvoyee), coordinatrice)
    correction = fse_services.corriger(validee, salarie, "Heures du mardi erronées")
    ligne = correction.lignes.get(date=MARDI)
    fse_services.ligne_enregistrer(correction, ligne=ligne, heures=Decimal("4"))
    assert fse_services.grille_enregistrer(correction, {(categorie, LUNDI): Decimal("6")}) == 1
    assert sorted(validee.lignes.values_list("heures", flat=True)) == [Decimal("3"), Decimal("7"), Decimal("7")]
    assert sorted(correction.lignes.values_list("heures", flat=True)) == [Decimal("4"), Decimal("6"), Decimal("7")]
    with pytest.raises(ValidationError):
        fse_services.ligne_enregistrer(validee, date=LUNDI, categorie=categorie, heures=1)


# --- tasks are queued once the transaction has committed -------------------------------------------


def _appels_de_taches(chemin):
    """(line, is deferred to on_commit) of each ``.delay(``/``.apply_async(`` call of a module."""
    arbre = ast.parse(chemin.read_text())
    parents = {enfant: parent for parent in ast.walk(arbre) for enfant in ast.iter_child_nodes(parent)}
    differees = set()  # names of functions and lambdas passed to transaction.on_commit
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Call) and getattr(noeud.func, "attr", getattr(noeud.func, "id", "")) == "on_commit":
            for argument in noeud.args:
                differees.add(argument.id if isinstance(argument, ast.Name) else id(argument))
    appels = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Call) and getattr(noeud.func, "attr", "") in ("delay", "apply_async"):
            parent, differe = parents.get(noeud), False
            while parent is not None and not differe:
                differe = id(parent) in differees or getattr(parent, "name", None) in differees
                parent = parents.get(parent)
            appels.append((noeud.lineno, differe))
    return appels


def test_every_task_queued_outside_a_task_waits_for_the_commit():
    # A task queued inside a transaction that is then rolled back would work on rows that never
    # existed; one queued before the commit may run before its rows are visible.
    modules = [
        chemin
        for application in ("plie", "participants", "offres", "entreprises", "formation", "fse", "reporting")
        for chemin in (RACINE / application).rglob("*.py")
        if "migrations" not in chemin.parts and chemin.name != "tasks.py"
    ]
    appels = {
        f"{chemin.relative_to(RACINE)}:{ligne}": differe
        for chemin in modules
        for ligne, differe in _appels_de_taches(chemin)
    }
    assert appels, "aucun appel de tâche trouvé : le test ne vérifie plus rien"
    assert [appel for appel, differe in appels.items() if not differe] == []


def test_a_rolled_back_report_request_queues_nothing(salarie, django_capture_on_commit_callbacks):
    rapport = rapports.rapport_obtenir(salarie=salarie, mois=datetime.date(2025, 5, 1))
    with mock.patch("reporting.tasks.generer_rapport_mensuel.delay") as delay:
        with (
            django_capture_on_commit_callbacks(execute=True) as rappels,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            rapports.generation_demander(rapport=rapport, par=salarie)
            raise RuntimeError("la suite de la requête échoue")
        assert rappels == [] and not delay.called
        with django_capture_on_commit_callbacks(execute=True):
            rapports.generation_demander(rapport=rapport, par=salarie)
        delay.assert_called_once_with(rapport.pk)


def test_a_rolled_back_csf_pack_request_queues_nothing(salarie, django_capture_on_commit_callbacks):
    with mock.patch("fse.tasks.construire_pack_csf.delay") as delay:
        with (
            django_capture_on_commit_callbacks(execute=True) as rappels,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            csf.pack_demander(par=salarie, debut=LUNDI, fin=MARDI)
            raise RuntimeError("la suite de la requête échoue")
        assert rappels == [] and not delay.called and not PackCsf.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            pack = csf.pack_demander(par=salarie, debut=LUNDI, fin=MARDI)
        delay.assert_called_once_with(pack.pk)


def test_a_failed_relaunch_request_queues_no_ingestion(client_as, django_capture_on_commit_callbacks):
    client = client_as(Role.CHARGE_MISSION)
    client.raise_request_exception = False
    source = Source.objects.get(nom="france-travail")
    url = reverse("offres:relancer_source", args=[source.pk])
    with mock.patch("offres.tasks.ingerer_source.delay") as delay:
        # The request fails after the relaunch was asked (here, saving its messages): rolled back.
        with (
            mock.patch("django.contrib.messages.success", side_effect=RuntimeError("panne")),
            django_capture_on_commit_callbacks(execute=True) as rappels,
        ):
            assert client.post(url).status_code == 500
        assert rappels == [] and not delay.called
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url).status_code == 302
        delay.assert_called_once_with(source.pk)


# --- one beat only --------------------------------------------------------------------------------


def test_docker_compose_runs_exactly_one_beat_and_no_embedded_beat():
    texte = (RACINE / "docker-compose.yml").read_text()
    commandes = re.findall(r"^\s+command: \[(.*)\]$", texte, flags=re.MULTILINE)
    celery = [commande for commande in commandes if '"celery"' in commande]
    beats = [commande for commande in celery if '"beat"' in commande]
    assert len(beats) == 1 and len(celery) >= 2
    # `worker -B` would start one beat per worker container: each periodic task run N times.
    assert not [commande for commande in celery if re.search(r'"(-B|--beat)"', commande)]
    service_beat = texte.split("\n  beat:\n", 1)[1].split("\n\n", 1)[0]
    assert "replicas: 1" in service_beat
