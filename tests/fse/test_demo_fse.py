"""The FSE side of the demo data: agendas of the FSE-funded posts and participants' FSE data."""

import datetime
from decimal import Decimal

import pytest

from fse import rules, selectors, tasks
from fse.models import DonneesFseParticipant, LigneAgenda, SemaineAgenda
from fse.rules import StatutSemaine
from participants.enums import StatutParticipant
from participants.models import Participant
from plie import demo_fse
from plie.demo import charger_donnees_demo
from plie.models import User

pytestmark = pytest.mark.django_db

# A Monday whose last 8 weeks hold the 11 November (a Tuesday) and the 1 November (a Saturday).
TODAY = datetime.date(2025, 11, 24)
PETIT = 0.05
CHARGE = "charge.mission@demo.plie.fr"
COORDINATRICE = "coordinatrice@demo.plie.fr"


def lundi(recul, today=TODAY):
    return rules.lundi_de(today) - datetime.timedelta(weeks=recul)


def agendas():
    """The agendas, without ids nor timestamps: (e-mail, Monday, version, status, comment, lines)."""
    lignes = {}
    for ligne in LigneAgenda.objects.order_by("date", "categorie__ordre", "commentaire", "heures"):
        lignes.setdefault(ligne.semaine_id, []).append(
            (ligne.date, ligne.categorie.code, ligne.heures, ligne.commentaire)
        )
    return sorted(
        (s.salarie.email, s.lundi, s.version, s.statut, s.commentaire_retour, tuple(lignes.get(s.pk, ())))
        for s in SemaineAgenda.objects.select_related("salarie")
    )


def donnees_fse():
    champs = [f.attname for f in DonneesFseParticipant._meta.concrete_fields if f.attname not in ("id", "modifie_le")]
    champs.remove("participant_id")
    return sorted(DonneesFseParticipant.objects.values_list("participant__identifiant", *champs))


def test_fse_funded_posts_are_the_charge_de_mission_and_the_referents():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert set(User.objects.filter(agenda_fse=True).values_list("email", flat=True)) == {
        CHARGE,
        *(f"referent{n:02d}@demo.plie.fr" for n in range(1, 15)),
    }
    premiere_semaine = lundi(max(demo_fse.PLAN_CHARGE))
    assert all(u.date_joined.date() < premiere_semaine for u in User.objects.filter(agenda_fse=True))


def test_the_charge_de_mission_agenda_over_eight_weeks():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    charge = User.objects.get(email=CHARGE)

    semaines = {s.lundi: s for s in SemaineAgenda.objects.filter(salarie=charge)}
    assert {s.lundi: s.statut for s in semaines.values()} == {
        lundi(recul): statut for recul, statut in demo_fse.PLAN_CHARGE.items()
    }
    assert semaines[lundi(1)].statut == StatutSemaine.BROUILLON
    assert semaines[lundi(2)].statut == StatutSemaine.SOUMISE
    renvoyee = semaines[lundi(3)]
    assert renvoyee.statut == StatutSemaine.RENVOYEE and "complétez la journée" in renvoyee.commentaire_retour
    qualifications = 0
    for semaine in semaines.values():
        assert semaine.version == 1
        if semaine.statut in (StatutSemaine.VALIDEE, StatutSemaine.RENVOYEE):
            assert semaine.validee_par.email == COORDINATRICE
        lignes = list(semaine.lignes.select_related("categorie"))
        assert lignes
        feries = rules.jours_feries(semaine.lundi)
        assert not any(ligne.date in feries or ligne.date.weekday() >= 5 for ligne in lignes)
        assert all(t <= Decimal("7") for t in rules.totaux_par_jour(lignes, semaine.lundi).values())
        assert rules.alertes(lignes, semaine.lundi) == []
        liens = [
            ligne for ligne in lignes if ligne.offre_id or ligne.entreprise_id or ligne.evenement_id or ligne.action_id
        ]
        # Only weeks open to changes link to demo rows (replaced on reload); every week names them.
        if semaine.statut not in rules.STATUTS_MODIFIABLES:
            assert not liens
        for ligne in lignes:
            if ligne.commentaire.startswith("Qualification de"):
                qualifications += 1
                assert bool(ligne.offre_id) == (semaine.statut in rules.STATUTS_MODIFIABLES)
    # The 11 November is left empty; a full week is 35 hours, one with a day off work too.
    assert datetime.date(2025, 11, 11) in rules.jours_feries(lundi(2))
    assert rules.total_semaine(list(semaines[lundi(2)].lignes.all()), lundi(2)) == Decimal("28")
    assert rules.total_semaine(list(semaines[lundi(5)].lignes.all()), lundi(5)) == Decimal("35")
    assert qualifications
    conge = semaines[lundi(demo_fse.SEMAINE_CONGE)].lignes.filter(categorie__code="conges-absence")
    assert conge.count() == 1 and conge.get().heures == Decimal("7")
    categories = set(LigneAgenda.objects.filter(semaine__salarie=charge).values_list("categorie__code", flat=True))
    assert {"prospection-offres", "relation-entreprises", "reunions-structure-animation", "administratif"} <= categories


def test_two_referents_keep_an_agenda_too():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    for email, plan in demo_fse.PLAN_REFERENTS.items():
        semaines = SemaineAgenda.objects.filter(salarie__email=email)
        assert dict(semaines.values_list("lundi", "statut")) == {lundi(r): s for r, s in plan.items()}
        assert all(s.lignes.exists() for s in semaines)
    assert SemaineAgenda.objects.values("salarie").distinct().count() == 1 + len(demo_fse.PLAN_REFERENTS)


def test_the_monday_reminder_finds_the_demo_weeks_to_submit(mailoutbox, django_capture_on_commit_callbacks):
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    charge = User.objects.get(email=CHARGE)

    semaines = tasks.semaines_non_soumises([charge], TODAY)[charge.pk]
    assert [(s.lundi, s.etat.split(" :")[0]) for s in semaines] == [(lundi(3), "renvoyée"), (lundi(1), "brouillon")]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.rappels_agenda_envoyer(aujourd_hui=TODAY) == 15  # the chargé de mission and 14 référents


def test_fse_data_of_the_participants():
    charger_donnees_demo(scale=0.2, seed=0, today=TODAY)
    entres = Participant.objects.filter(identifiant__startswith="DEMO-", date_entree__isnull=False)

    assert not entres.filter(situation_marche_travail="").exists()
    assert entres.filter(inscrit_france_travail=True).exists() and entres.filter(reconnaissance_handicap=True).exists()
    avec = entres.filter(donnees_fse__isnull=False)
    assert 0.85 <= avec.count() / entres.count() <= 0.97
    donnees = list(DonneesFseParticipant.objects.select_related("participant"))
    assert sum(d.pays_tiers == rules.Collecte.NON_COLLECTE for d in donnees) / len(donnees) >= 0.75
    assert sum(d.sans_domicile for d in donnees) / len(donnees) <= 0.08
    assert any(d.zone_rurale for d in donnees) and any(d.menage for d in donnees)

    sortis = [d for d in donnees if d.participant.statut == StatutParticipant.SORTI]
    observes = [d for d in sortis if d.resultat_constate_le]
    anciens = [d for d in sortis if rules.limite_resultat_sortie(d.participant.date_sortie) < TODAY]
    assert 0.8 <= sum(1 for d in anciens if d.resultat_constate_le) / len(anciens) < 1  # a few missing
    for d in observes:
        assert (
            d.participant.date_sortie
            <= d.resultat_constate_le
            <= min(TODAY, rules.limite_resultat_sortie(d.participant.date_sortie))
        )
    suivis = [d for d in sortis if d.suivi_le]
    dus = [d for d in sortis if rules.echeance_suivi(d.participant.date_sortie) <= TODAY]
    assert suivis and len(suivis) < len(dus)
    assert all(
        rules.echeance_suivi(d.participant.date_sortie) <= d.suivi_le <= TODAY and d.suivi_situation for d in suivis
    )
    assert not any(d.en_emploi or d.resultat_constate_le for d in donnees if d.participant.date_sortie is None)

    # The completeness list shows the few participants with something missing, not everyone.
    incomplets = selectors.incomplets(TODAY - datetime.timedelta(days=365), TODAY, TODAY)
    assert (
        incomplets
        and len(incomplets)
        < 0.5 * selectors.participants_operation(TODAY - datetime.timedelta(days=365), TODAY).count()
    )


def test_a_second_run_writes_nothing_and_the_same_seed_gives_the_same_fse_data():
    premier = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    avant, donnees = agendas(), donnees_fse()

    second = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert premier["semaines_agenda_ecrites"] == 8 + sum(len(p) for p in demo_fse.PLAN_REFERENTS.values())
    assert premier["donnees_fse_creees"] > 0 and premier["comptes_fse_ecrits"] > 0
    assert (second["semaines_agenda_ecrites"], second["donnees_fse_creees"], second["comptes_fse_ecrits"]) == (0, 0, 0)
    assert agendas() == avant and donnees_fse() == donnees

    # Another seed replaces the demo participants (and their FSE data); the agendas stay, and
    # their validated lines lose nothing (on PostgreSQL the database would refuse it).
    charger_donnees_demo(scale=PETIT, seed=1, today=TODAY)
    assert donnees_fse() != donnees
    validees = [a for a in agendas() if a[3] == StatutSemaine.VALIDEE]
    assert validees == [a for a in avant if a[3] == StatutSemaine.VALIDEE]
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    assert donnees_fse() == donnees


def test_a_week_later_the_weeks_move_on_through_the_services():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    plus_tard = TODAY + datetime.timedelta(weeks=1)

    stats = charger_donnees_demo(scale=PETIT, seed=0, today=plus_tard)

    charge = User.objects.get(email=CHARGE)
    statuts = dict(SemaineAgenda.objects.filter(salarie=charge).values_list("lundi", "statut"))
    for recul, statut in demo_fse.PLAN_CHARGE.items():
        assert statuts[lundi(recul, plus_tard)] == statut
    assert statuts[lundi(8)] == StatutSemaine.VALIDEE  # out of the window now, kept
    # The week sent back last time, now validated, lost its links on the way.
    ancienne = SemaineAgenda.objects.get(salarie=charge, lundi=lundi(4, plus_tard))
    assert ancienne.statut == StatutSemaine.VALIDEE
    assert not ancienne.lignes.exclude(offre=None, entreprise=None, evenement=None, action=None).exists()
    assert stats["semaines_agenda_ecrites"] > 0
    assert charger_donnees_demo(scale=PETIT, seed=0, today=plus_tard)["semaines_agenda_ecrites"] == 0
    # Only weeks open to changes keep links, whoever keeps them.
    liees = LigneAgenda.objects.exclude(offre=None, entreprise=None, evenement=None, action=None)
    assert set(liees.values_list("semaine__statut", flat=True)) <= {StatutSemaine.BROUILLON, StatutSemaine.RENVOYEE}
    # Two more weeks on, on PostgreSQL too: a reload (other day, other participants) goes through.
    encore = charger_donnees_demo(scale=PETIT, seed=0, today=plus_tard + datetime.timedelta(weeks=2))
    assert encore["recharge"] and encore["semaines_agenda_ecrites"] > 0
