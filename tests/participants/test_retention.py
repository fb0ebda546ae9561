"""The retention policy (participants.retention): what is due on which day, the restricted FSE+
archive, an anonymisation that is irreversible, idempotent, all-or-nothing and leaves the
dashboards' figures as they were, the journals' purge, the command and the monthly task."""

import dataclasses
import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from formation.factories import BesoinFormationFactory, SessionFormationFactory
from formation.models import EtapePositionnementFormation, PositionnementFormation
from fse.models import DonneesFseParticipant
from offres.factories import OffreFactory
from offres.models import EtapePositionnement, Positionnement
from participants import retention
from participants.enums import (
    DecisionCommissionType,
    MinimaSociaux,
    MotifSortie,
    StatutParticipant,
    TypeEtape,
)
from participants.factories import ParticipantFactory
from participants.models import (
    DecisionCommission,
    DetectionSortie,
    DiagnosticEntree,
    Entretien,
    Etape,
    HistoriqueReferent,
    Participant,
    Situation,
    Sortie,
)
from participants.selectors import participants_visibles
from participants.tasks import appliquer_retention
from plie.models import CategorieContrat, JournalAcces, JournalModification
from plie.roles import Role
from reporting.selectors import Periode
from reporting.tableau import calculer_tableau_de_bord

# No FSE+ archiving unless a test sets it: the active base alone decides.
SANS_ARCHIVE = retention.Politique(base_active_mois=24, archivage_fse_ans_apres_sortie=0, journaux_mois=12)
CINQ_ANS = dataclasses.replace(SANS_ARCHIVE, archivage_fse_ans_apres_sortie=5)
JOUR = datetime.timedelta(days=1)


def sorti(referent, *, entree, sortie, **champs):
    return ParticipantFactory(
        sorti=True,
        referent=referent,
        date_candidature=entree - datetime.timedelta(days=30),
        date_entree=entree,
        date_sortie=sortie,
        **champs,
    )


def non_admis(*, candidature, **champs):
    return ParticipantFactory(
        statut=StatutParticipant.NON_ADMIS, date_candidature=candidature, date_entree=None, **champs
    )


def appliquer(aujourd_hui, politique=SANS_ARCHIVE, **kwargs):
    maintenant = timezone.make_aware(datetime.datetime.combine(aujourd_hui, datetime.time(3, 30)))
    return retention.appliquer(aujourd_hui=aujourd_hui, maintenant=maintenant, politique=politique, **kwargs)


def recharge(participant):
    return Participant.objects.get(pk=participant.pk)


# --- The rule: which day -----------------------------------------------------------------------


def test_the_active_base_ends_on_the_same_day_24_months_after_the_last_contact():
    # Last contact on 15/03/2024: kept through 14/03/2026, due on 15/03/2026.
    faits = retention.FaitsRetention(
        statut=StatutParticipant.SORTI,
        dernier_contact=datetime.date(2024, 3, 15),
        date_entree=datetime.date(2023, 1, 2),
        date_sortie=datetime.date(2024, 3, 15),
    )
    veille = retention.verdict(faits, datetime.date(2026, 3, 14), SANS_ARCHIVE)
    assert veille.etat == retention.Etat.BASE_ACTIVE
    assert veille.raisons == ("Base active jusqu'au 14/03/2026 (dernier contact + durée).",)
    assert retention.verdict(faits, datetime.date(2026, 3, 15), SANS_ARCHIVE).etat == retention.Etat.A_ANONYMISER


def test_a_last_contact_on_29_february_is_due_on_28_february():
    assert retention.echeance_base_active(datetime.date(2024, 2, 29), SANS_ARCHIVE) == datetime.date(2026, 2, 28)


def test_the_database_limit_is_the_same_day_as_the_rule_every_day_of_three_years():
    """« no contact after limite(today) » ⇔ « echeance(last contact) ≤ today », whatever the month."""
    aujourd_hui = datetime.date(2026, 1, 1)
    while aujourd_hui < datetime.date(2029, 1, 1):
        limite = retention.limite_dernier_contact(aujourd_hui, SANS_ARCHIVE)
        assert retention.echeance_base_active(limite, SANS_ARCHIVE) <= aujourd_hui
        assert retention.echeance_base_active(limite + JOUR, SANS_ARCHIVE) > aujourd_hui
        aujourd_hui += JOUR


def test_the_fse_archive_ends_on_31_december_of_the_fifth_year_after_the_exit_or_on_the_convention_date():
    faits = retention.FaitsRetention(
        statut=StatutParticipant.SORTI,
        dernier_contact=datetime.date(2023, 6, 30),
        date_entree=datetime.date(2022, 5, 2),
        date_sortie=datetime.date(2023, 6, 30),
    )
    assert retention.fin_archivage_fse(faits, CINQ_ANS) == datetime.date(2028, 12, 31)
    convention = dataclasses.replace(CINQ_ANS, archivage_fse_jusqu_au=datetime.date(2034, 12, 31))
    assert retention.fin_archivage_fse(faits, convention) == datetime.date(2034, 12, 31)
    assert retention.fin_archivage_fse(faits, SANS_ARCHIVE) is None
    # Never in the operation: a candidate, or a refused one (whatever dates the record holds).
    candidat = dataclasses.replace(faits, statut=StatutParticipant.CANDIDAT, date_entree=None, date_sortie=None)
    assert retention.fin_archivage_fse(candidat, CINQ_ANS) is None
    assert retention.fin_archivage_fse(dataclasses.replace(faits, statut=StatutParticipant.NON_ADMIS), CINQ_ANS) is None


def test_the_policy_is_read_from_the_settings(settings):
    settings.PLIE_RETENTION = {
        "BASE_ACTIVE_MOIS": 36,
        "ARCHIVAGE_FSE_JUSQU_AU": "2034-12-31",
        "ARCHIVAGE_FSE_ANS_APRES_SORTIE": 5,
        "JOURNAUX_MOIS": 6,
    }
    assert retention.Politique.depuis_settings() == retention.Politique(36, datetime.date(2034, 12, 31), 5, 6)
    settings.PLIE_RETENTION = {**settings.PLIE_RETENTION, "ARCHIVAGE_FSE_JUSQU_AU": "fin 2034"}
    with pytest.raises(ImproperlyConfigured, match="AAAA-MM-JJ"):
        retention.Politique.depuis_settings()
    with pytest.raises(ImproperlyConfigured):
        retention.Politique(base_active_mois=0)


def test_the_monthly_task_is_scheduled_on_the_first_at_half_past_three(settings):
    beat = settings.CELERY_BEAT_SCHEDULE["appliquer-retention"]
    assert beat["task"] == "participants.tasks.appliquer_retention"
    assert beat["schedule"].day_of_month == {1} and beat["schedule"].hour == {3} and beat["schedule"].minute == {30}


# --- The rule in the database: boundaries, every source of contact -------------------------------


@pytest.mark.django_db
def test_anonymised_on_the_day_due_not_the_day_before(referent):
    # Exit on 10/01/2023, a follow-up entretien on 15/03/2024: the entretien is the last contact.
    participant = sorti(referent, entree=datetime.date(2022, 1, 10), sortie=datetime.date(2023, 1, 10))
    Entretien.objects.create(participant=participant, date=datetime.date(2024, 3, 15), realise_par=referent)

    assert appliquer(datetime.date(2026, 3, 14)).anonymises == 0
    assert recharge(participant).anonymise_le is None
    bilan = appliquer(datetime.date(2026, 3, 15))
    assert bilan.anonymises == 1
    assert recharge(participant).anonymise_le is not None


def _contact(source, participant, jour, referent):
    if source == "entretien":
        Entretien.objects.create(participant=participant, date=jour, realise_par=referent)
    elif source == "etape_fin":
        Etape.objects.create(
            participant=participant,
            type=TypeEtape.FORMATION,
            intitule="x",
            debut=jour - 40 * JOUR,
            fin=jour,
            cree_par=referent,
        )
    elif source == "situation_debut":
        Situation.objects.create(participant=participant, type=CategorieContrat.CDD, debut=jour)
    elif source == "decision":
        DecisionCommission.objects.create(
            participant=participant,
            decision=DecisionCommissionType.REFUS,
            date_decision=jour,
            motif="Refus.",
            eligible_au_calcul=False,
            decide_par=referent,
        )
    elif source == "suivi_fse":
        DonneesFseParticipant.objects.create(participant=participant, suivi_le=jour, suivi_situation="emploi")
    elif source == "candidature":
        participant.date_candidature = jour
        participant.save()


@pytest.mark.parametrize(
    "source", ["entretien", "etape_fin", "situation_debut", "decision", "suivi_fse", "candidature"]
)
@pytest.mark.django_db
def test_each_kind_of_contact_keeps_the_record_in_the_active_base(source, referent):
    participant = non_admis(candidature=datetime.date(2021, 9, 1), referent=referent)
    _contact(source, participant, datetime.date(2024, 3, 15), referent)
    assert appliquer(datetime.date(2026, 3, 14)).anonymises == 0
    assert participants_visibles(referent).filter(pk=participant.pk).exists()
    assert appliquer(datetime.date(2026, 3, 15)).anonymises == 1
    assert not participants_visibles(referent).filter(pk=participant.pk).exists()


@pytest.mark.django_db
def test_someone_in_accompaniment_is_never_anonymised_however_old_the_last_contact(referent):
    participant = ParticipantFactory(
        entre=True, referent=referent, date_candidature=datetime.date(2018, 1, 2), date_entree=datetime.date(2018, 2, 1)
    )
    bilan = appliquer(datetime.date(2026, 3, 15))
    assert bilan.anonymises == 0 and bilan.en_accompagnement_sans_contact == 1
    assert recharge(participant).nom == participant.nom
    assert "1 participant(s) en accompagnement sans contact" in "\n".join(bilan.lignes())


# --- The FSE+ archive: kept, restricted to the administrateur --------------------------------------


@pytest.mark.django_db
def test_an_fse_participant_is_archived_restricted_then_anonymised_after_the_archive(referent, make_user):
    participant = sorti(referent, entree=datetime.date(2022, 5, 2), sortie=datetime.date(2023, 6, 30))
    candidat_refuse = non_admis(candidature=datetime.date(2023, 6, 30))  # never in the FSE+ operation
    coordinatrice, administrateur = make_user(Role.COORDINATRICE), make_user(Role.ADMINISTRATEUR)
    jour = datetime.date(2026, 3, 15)

    bilan = appliquer(jour, CINQ_ANS)
    assert (bilan.anonymises, bilan.archivage) == (1, 1)
    assert recharge(participant).anonymise_le is None and recharge(participant).nom == participant.nom
    assert recharge(candidat_refuse).anonymise_le is not None
    assert recharge(participant).archive_le is not None
    assert not participants_visibles(referent).filter(pk=participant.pk).exists()
    assert not participants_visibles(coordinatrice).filter(pk=participant.pk).exists()
    assert participants_visibles(administrateur).filter(pk=participant.pk).exists()

    assert appliquer(datetime.date(2028, 12, 31), CINQ_ANS).archivage == 1  # last day of the archive
    assert recharge(participant).anonymise_le is None
    bilan = appliquer(datetime.date(2029, 1, 1), CINQ_ANS)
    assert (bilan.anonymises, bilan.archivage) == (1, 0)
    assert recharge(participant).anonymise_le is not None


@pytest.mark.django_db
def test_the_archived_record_is_a_404_for_its_referent_and_the_coordinatrice(client, referent, make_user):
    participant = sorti(referent, entree=datetime.date(2019, 5, 2), sortie=datetime.date(2020, 6, 30))
    actif = ParticipantFactory(entre=True, referent=referent)
    dix_ans = dataclasses.replace(SANS_ARCHIVE, archivage_fse_ans_apres_sortie=10)
    assert appliquer(timezone.localdate(), dix_ans).archivage == 1
    for personne in (referent, make_user(Role.COORDINATRICE)):
        client.force_login(personne)
        assert client.get(f"/participants/{actif.pk}/").status_code == 200
        assert client.get(f"/participants/{participant.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_contact_recorded_in_the_archive_brings_the_record_back_to_the_active_base(referent):
    participant = sorti(referent, entree=datetime.date(2022, 5, 2), sortie=datetime.date(2023, 6, 30))
    assert appliquer(datetime.date(2026, 3, 15), CINQ_ANS).archivage == 1
    Entretien.objects.create(participant=participant, date=datetime.date(2026, 3, 20), realise_par=referent)
    bilan = appliquer(datetime.date(2026, 4, 1), CINQ_ANS)
    assert (bilan.archivage, bilan.retour_base_active) == (0, 1)
    assert recharge(participant).archive_le is None
    assert participants_visibles(referent).filter(pk=participant.pk).exists()


# --- Anonymisation: irreversible, complete, all-or-nothing, idempotent -------------------------------

SECRETS = [
    "Zorglubine",
    "Quixotte",
    "zorglubine.quixotte",
    "06 98 76 54 32",
    "12 impasse des Secrets",
    "ZQX-4242",
    "1987-08-23",
    "confidence-entretien",
    "suite-entretien",
    "cure-csapa",
    "Centre Lumiere",
    "note-etape",
    "poste-secret",
    "Boulangerie Zorg",
    "81234567800017",
    "motif-commission",
    "motif-historique",
    "diag-commentaire",
    "commentaire-sortie",
    "raison-detection",
    "note-positionnement",
    "precision-formation",
    "commentaire-formation",
]


def _dossier_complet(referent):
    """A participant with every kind of row about them, each free text holding a secret."""
    participant = sorti(
        referent,
        entree=datetime.date(2019, 5, 2),
        sortie=datetime.date(2020, 6, 30),
        identifiant="ZQX-4242",
        nom="Quixotte",
        prenom="Zorglubine",
        email="zorglubine.quixotte@exemple.fr",
        telephone="06 98 76 54 32",
        adresse="12 impasse des Secrets",
        date_naissance=datetime.date(1987, 8, 23),
        minima_sociaux=MinimaSociaux.AAH,
        sante_handicap=True,
        reconnaissance_handicap=True,
        sous_main_justice=True,
        suivi_cap_emploi=True,
        situation_familiale_complexe=True,
    )
    Entretien.objects.create(
        participant=participant,
        date=datetime.date(2020, 6, 1),
        notes="confidence-entretien",
        prochaines_etapes="suite-entretien",
        realise_par=referent,
    )
    Etape.objects.create(
        participant=participant,
        type=TypeEtape.SANTE,
        intitule="cure-csapa",
        structure="Centre Lumiere",
        commentaire="note-etape",
        debut=datetime.date(2019, 9, 1),
        cree_par=referent,
    )
    Situation.objects.create(
        participant=participant,
        type=CategorieContrat.CREATION,
        intitule="poste-secret",
        employeur="Boulangerie Zorg",
        siret="81234567800017",
        debut=datetime.date(2020, 6, 30),
    )
    DecisionCommission.objects.create(
        participant=participant,
        decision=DecisionCommissionType.ADMISSION,
        date_decision=datetime.date(2019, 5, 2),
        motif="motif-commission",
        eligible_au_calcul=True,
        decide_par=referent,
    )
    HistoriqueReferent.objects.filter(participant=participant).update(motif="motif-historique")
    HistoriqueReferent.objects.get_or_create(
        participant=participant,
        au=None,
        defaults={"referent": referent, "du": participant.date_entree, "motif": "motif-historique"},
    )
    DiagnosticEntree.objects.create(
        participant=participant, date=datetime.date(2019, 5, 2), commentaire="diag-commentaire", realise_par=referent
    )
    Sortie.objects.create(
        participant=participant,
        date=participant.date_sortie,
        motif=MotifSortie.CREATION,
        commentaire="commentaire-sortie",
        raisons=["raison-detection"],
        confirmee_par=referent,
    )
    DetectionSortie.objects.create(
        participant=participant,
        resultat=MotifSortie.CREATION,
        date=participant.date_sortie,
        raisons=["raison-detection"],
    )
    offre = OffreFactory()
    positionnement = Positionnement.objects.create(
        offre=offre, participant=participant, derniere_etape_le=datetime.date(2020, 1, 6), cree_par=referent
    )
    EtapePositionnement.objects.create(
        positionnement=positionnement,
        statut=positionnement.statut,
        date=datetime.date(2020, 1, 6),
        par=referent,
        note="note-positionnement",
    )
    besoin = BesoinFormationFactory(
        participant=participant, precisions_contraintes="precision-formation", exprime_le=datetime.date(2019, 10, 1)
    )
    formation = PositionnementFormation.objects.create(
        session=SessionFormationFactory(), participant=participant, besoin=besoin, propose_par=referent
    )
    EtapePositionnementFormation.objects.create(
        positionnement=formation,
        statut=formation.statut,
        date=datetime.date(2019, 11, 1),
        par=referent,
        commentaire="commentaire-formation",
    )
    DonneesFseParticipant.objects.create(
        participant=participant, pays_tiers="oui", origine_etrangere="oui", sans_domicile=True
    )
    return participant


def _vidage():
    sortie = io.StringIO()
    call_command("dumpdata", stdout=sortie)
    return sortie.getvalue()


@pytest.mark.django_db
def test_no_trace_of_the_person_is_left_anywhere_in_the_database(referent):
    participant = _dossier_complet(referent)
    avant = _vidage()
    assert all(secret in avant for secret in SECRETS)

    # Over a year later: the journals' rows written now about the person are past their term too.
    plus_tard = timezone.localdate() + datetime.timedelta(days=400)
    bilan = appliquer(plus_tard)

    assert bilan.anonymises == 1 and bilan.journaux["modifications"] > 0
    apres = _vidage()
    restes = [secret for secret in SECRETS if secret in apres]
    assert restes == []
    anonyme = recharge(participant)
    assert (anonyme.nom, anonyme.prenom, anonyme.email, anonyme.telephone, anonyme.adresse) == (
        retention.NOM_ANONYME,
        retention.PRENOM_ANONYME,
        "",
        "",
        "",
    )
    assert anonyme.identifiant.startswith(retention.PREFIXE_IDENTIFIANT)
    assert anonyme.date_naissance == datetime.date(1987, 1, 1)
    assert anonyme.minima_sociaux == MinimaSociaux.AUCUN  # AAH tells a disability
    assert not any(
        getattr(anonyme, champ) for champ in ("sante_handicap", "reconnaissance_handicap", "sous_main_justice")
    )
    assert Etape.objects.get(participant=participant).intitule == TypeEtape.SANTE.label
    assert DonneesFseParticipant.objects.get(participant=participant).origine_etrangere == "non_collecte"
    # What the figures count is still there.
    assert (anonyme.statut, anonyme.date_entree, anonyme.date_sortie, anonyme.motif_sortie) == (
        participant.statut,
        participant.date_entree,
        participant.date_sortie,
        participant.motif_sortie,
    )
    assert (anonyme.sexe, anonyme.commune_id, anonyme.niveau_formation_id) == (
        participant.sexe,
        participant.commune_id,
        participant.niveau_formation_id,
    )


@pytest.mark.django_db
def test_the_rsa_is_kept_for_the_key_figures(referent):
    participant = sorti(
        referent, entree=datetime.date(2019, 5, 2), sortie=datetime.date(2020, 6, 30), minima_sociaux=MinimaSociaux.RSA
    )
    appliquer(datetime.date(2026, 3, 15))
    assert recharge(participant).minima_sociaux == MinimaSociaux.RSA


@pytest.mark.django_db
def test_a_second_run_changes_nothing(referent):
    participant = _dossier_complet(referent)
    assert appliquer(datetime.date(2026, 3, 15)).anonymises == 1
    premier = Participant.objects.filter(pk=participant.pk).values().get()
    with CaptureQueriesContext(connection) as requetes:
        bilan = appliquer(datetime.date(2026, 4, 1))
    assert bilan.anonymises == 0
    assert Participant.objects.filter(pk=participant.pk).values().get() == premier
    ecritures = [q["sql"] for q in requetes.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ecritures == []


@pytest.mark.django_db
def test_a_crash_in_the_middle_leaves_the_record_whole(referent):
    participant = _dossier_complet(referent)
    situations = mock.Mock()
    situations.objects.filter.return_value.update.side_effect = RuntimeError("coupure")
    with mock.patch.object(retention, "Situation", situations), pytest.raises(RuntimeError):
        appliquer(datetime.date(2026, 3, 15))
    relu = recharge(participant)
    assert (relu.nom, relu.identifiant, relu.anonymise_le) == ("Quixotte", "ZQX-4242", None)
    assert Entretien.objects.get(participant=participant).notes == "confidence-entretien"
    assert appliquer(datetime.date(2026, 3, 15)).anonymises == 1  # the next run does it whole


@pytest.mark.django_db
def test_a_contact_recorded_after_the_selection_keeps_the_record(referent):
    participant = sorti(referent, entree=datetime.date(2019, 5, 2), sortie=datetime.date(2020, 6, 30))
    Entretien.objects.create(participant=participant, date=datetime.date(2026, 3, 1), realise_par=referent)
    maintenant = timezone.now()
    assert not retention.anonymiser_si_echu(
        participant.pk, aujourd_hui=datetime.date(2026, 3, 15), maintenant=maintenant, politique=SANS_ARCHIVE
    )
    assert recharge(participant).anonymise_le is None


@pytest.mark.django_db
def test_a_dry_run_writes_nothing_and_counts_what_a_run_does(referent):
    _dossier_complet(referent)
    sorti(referent, entree=datetime.date(2022, 5, 2), sortie=datetime.date(2023, 6, 30))  # archived
    JournalAcces.objects.create(
        utilisateur=referent,
        action=JournalAcces.Action.EXPORT,
        objet_type="x",
        horodatage=timezone.now() - datetime.timedelta(days=800),
    )
    with CaptureQueriesContext(connection) as requetes:
        simulation = appliquer(datetime.date(2026, 3, 15), CINQ_ANS, simulation=True)
    ecritures = [
        q["sql"]
        for q in requetes.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert ecritures == []
    assert not Participant.objects.filter(anonymise_le__isnull=False).exists()
    assert (simulation.anonymises, simulation.archivage, simulation.journaux["acces"]) == (1, 1, 1)
    reel = appliquer(datetime.date(2026, 3, 15), CINQ_ANS)
    assert (reel.anonymises, reel.archivage, reel.journaux["acces"]) == (1, 1, 1)


# --- Journals ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_journal_rows_older_than_twelve_months_are_purged_the_others_kept(referent):
    maintenant = timezone.now()
    ancienne = JournalAcces.objects.create(
        utilisateur=referent,
        action=JournalAcces.Action.EXPORT,
        objet_type="x",
        horodatage=maintenant - datetime.timedelta(days=370),
    )
    recente = JournalAcces.objects.create(
        utilisateur=referent,
        action=JournalAcces.Action.EXPORT,
        objet_type="x",
        horodatage=maintenant - datetime.timedelta(days=330),
    )
    bilan = retention.appliquer(maintenant=maintenant, politique=SANS_ARCHIVE)
    assert bilan.journaux["acces"] == 1
    assert list(JournalAcces.objects.values_list("pk", flat=True)) == [recente.pk]
    assert not JournalAcces.objects.filter(pk=ancienne.pk).exists()
    # The run itself is traced by one system row, with counts only.
    trace = JournalModification.objects.filter(objet_libelle__startswith="Politique de conservation").get()
    assert trace.utilisateur is None and trace.champs["journaux_purges"] == [None, 1]


# --- The dashboards' figures ---------------------------------------------------------------------


def _chiffres_sans_age(chiffres):
    return dataclasses.replace(chiffres, age_moyen=None)


@pytest.mark.django_db
def test_the_dashboard_figures_are_unchanged_by_anonymisation(make_user):
    referent = make_user(Role.REFERENT)
    for n, (entree, sortie, motif) in enumerate(
        [
            (datetime.date(2020, 1, 6), datetime.date(2021, 5, 3), MotifSortie.CDI),
            (datetime.date(2020, 3, 2), datetime.date(2021, 9, 30), MotifSortie.ABANDON),
            (datetime.date(2020, 9, 14), datetime.date(2022, 1, 17), MotifSortie.FORMATION_QUALIFIANTE),
            (datetime.date(2021, 2, 1), datetime.date(2022, 6, 30), MotifSortie.CDD),
        ]
    ):
        participant = sorti(
            referent,
            entree=entree,
            sortie=sortie,
            motif_sortie=motif,
            minima_sociaux=[MinimaSociaux.RSA, MinimaSociaux.AAH, MinimaSociaux.ASS, MinimaSociaux.RSA][n],
            date_naissance=datetime.date(1970 + 5 * n, 3 + n, 10 + n),
        )
        Situation.objects.create(participant=participant, type=CategorieContrat.CDI, debut=sortie, employeur="X")
        BesoinFormationFactory(participant=participant, exprime_le=entree + datetime.timedelta(days=40))
    periode = Periode(datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    avant = calculer_tableau_de_bord(periode)

    assert appliquer(datetime.date(2026, 3, 15)).anonymises == 4
    apres = calculer_tableau_de_bord(periode)

    assert avant.chiffres.flux == 4 and avant.chiffres.rsa == 2 and avant.chiffres.sorties == 2
    for nom in ("chiffres", "precedents", "annee_precedente"):
        assert _chiffres_sans_age(getattr(apres, nom)) == _chiffres_sans_age(getattr(avant, nom))
    for nom in ("entrees_sorties_par_mois", "sorties_par_motif", "offres_par_mois", "besoins_formation"):
        assert getattr(apres, nom) == getattr(avant, nom)
    # The birth date kept to its year moves the average age by less than a year.
    assert abs(apres.chiffres.age_moyen - avant.chiffres.age_moyen) < Decimal(1)


# --- The command and the task --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_reports_counts_without_names(referent, settings):
    settings.PLIE_RETENTION = {**settings.PLIE_RETENTION, "ARCHIVAGE_FSE_ANS_APRES_SORTIE": 0}
    participant = sorti(
        referent,
        entree=datetime.date(2019, 5, 2),
        sortie=datetime.date(2020, 6, 30),
        nom="Quixotte",
        prenom="Zorglubine",
    )
    simulation = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=simulation)
    texte = simulation.getvalue()
    assert "simulation, rien n'est écrit" in texte and "Participants à anonymiser : 1." in texte
    assert recharge(participant).anonymise_le is None

    sortie = io.StringIO()
    call_command("apply_retention", stdout=sortie)
    texte = sortie.getvalue()
    assert "Participants anonymisés : 1." in texte
    assert "… 1 / 1 dossier(s) hors de la base active examiné(s)" in texte
    assert "Quixotte" not in texte and "Zorglubine" not in texte and participant.identifiant not in texte
    assert recharge(participant).anonymise_le is not None


@pytest.mark.django_db
def test_the_monthly_task_applies_the_policy(referent, settings):
    settings.PLIE_RETENTION = {**settings.PLIE_RETENTION, "ARCHIVAGE_FSE_ANS_APRES_SORTIE": 0}
    participant = sorti(referent, entree=datetime.date(2019, 5, 2), sortie=datetime.date(2020, 6, 30))
    comptes = appliquer_retention.apply().get()
    assert comptes["anonymises"] == 1 and comptes["archivage_intermediaire"] == 0
    assert recharge(participant).nom == retention.NOM_ANONYME
    assert appliquer_retention.apply().get()["anonymises"] == 0
