"""The demo data: accounts that work, determinism, idempotence and the RULES §5 key figures."""

import re
from datetime import date, timedelta
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from entreprises.models import (
    ActionCollective,
    BesoinRecrutement,
    Binome,
    Contact,
    Entreprise,
    Evenement,
    Inscription,
    Interaction,
    SecteurActivite,
    StatutAction,
    StatutRelation,
    TacheEvenement,
    TypeAction,
    valider_siret,
)
from entreprises.rules import presences_attendues
from formation import rules as formation_rules
from formation.models import (
    BesoinFormation,
    EtapePositionnementFormation,
    OrganismeFormation,
    PositionnementFormation,
    SessionFormation,
    StatutBesoin,
    StatutPositionnementFormation,
)
from offres import rules as offres_rules
from offres import selectors as offres_selectors
from offres.enums import MotifCloture, StatutOffre, StatutPositionnement
from offres.models import Diffusion, EtapePositionnement, LienSource, Offre, Positionnement
from participants import rules, selectors
from participants.enums import (
    DOMAINES_CLEA,
    DecisionCommissionType,
    MotifSortie,
    NiveauCompetence,
    StatutDetection,
    StatutParticipant,
    TypeEntretien,
)
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
from participants.services import referent_attribuer
from plie.demo import DEMO_COMPTES, DEMO_MOT_DE_PASSE, DemoInvalide, charger_donnees_demo
from plie.models import User
from plie.roles import Role

TODAY = date(2026, 3, 2)
PETIT = 0.05

CHAMPS = [
    f.attname
    for f in Participant._meta.concrete_fields
    if f.attname not in ("id", "cree_le", "modifie_le", "referent_id")
]


def lignes_participants():
    rows = Participant.objects.filter(identifiant__startswith="DEMO-").order_by("identifiant")
    return list(rows.values_list(*CHAMPS, "referent__email"))


MODELES_SUIVI = [
    HistoriqueReferent,
    DecisionCommission,
    Entretien,
    Etape,
    DiagnosticEntree,
    Situation,
    DetectionSortie,
    Sortie,
]


def lignes_suivi():
    """The pathway rows of the demo participants, by model, without ids nor timestamps."""
    lignes = {}
    for modele in MODELES_SUIVI:
        champs = [
            f.attname
            for f in modele._meta.concrete_fields
            if f.attname
            not in ("id", "participant_id", "entreprise_id", "cree_le", "modifie_le", "detectee_le", "confirmee_le")
        ]
        rows = modele.objects.filter(participant__identifiant__startswith="DEMO-")
        lignes[modele.__name__] = sorted(map(repr, rows.values_list("participant__identifiant", *champs)))
    return lignes


Projet = Participant.metiers_vises.through
MODELES_OFFRES = [Projet, LienSource, Diffusion, Positionnement, EtapePositionnement]


def lignes_offres():
    """The offers and the offers side of the demo, without ids nor timestamps set at insertion."""
    lignes = {}
    cles = {
        Offre: ("entreprise__siret", "intitule", "date_publication"),
        Projet: ("participant__identifiant", "metierrome__code"),
        LienSource: ("offre__intitule", "offre__date_publication"),
        Diffusion: ("offre__intitule", "offre__date_publication"),
        Positionnement: ("offre__intitule", "participant__identifiant"),
        EtapePositionnement: ("positionnement__offre__intitule", "positionnement__participant__identifiant"),
    }
    for modele, cle in cles.items():
        champs = [
            f.attname
            for f in modele._meta.concrete_fields
            if f.attname
            not in ("id", "offre_id", "participant_id", "entreprise_id", "positionnement_id", "situation_id", "cree_le")
        ]
        lignes[modele.__name__] = sorted(map(repr, modele.objects.values_list(*cle, *champs)))
    return lignes


MODELES_FICHIER = [
    Binome,
    Contact,
    Interaction,
    BesoinRecrutement,
    Evenement,
    Evenement.participants_plie.through,
    TacheEvenement,
    ActionCollective,
    Inscription,
    OrganismeFormation,
    OrganismeFormation.domaines.through,
    SessionFormation,
    BesoinFormation,
    PositionnementFormation,
    EtapePositionnementFormation,
]


def lignes_fichier():
    """The company file, events, collective actions and training side, without ids nor the
    timestamps set at insertion (foreign keys to demo rows are read through stable fields)."""
    cles = {
        Binome: ("referent_1__email", "referent_2__email", "secteurs__code"),
        Contact: ("entreprise__siret", "nom", "prenom", "fonction", "consentement", "consentement_le"),
        Interaction: ("entreprise__siret", "contact__nom", "date", "auteur__email", "type", "resume", "echeance"),
        BesoinRecrutement: ("entreprise__siret", "intitule", "statut", "echeance", "cree_par__email"),
        Evenement: ("titre", "debut", "fin", "bilan", "participants_plie__email"),
        TacheEvenement: ("evenement__titre", "libelle", "responsable__email", "echeance", "faite"),
        ActionCollective: ("titre", "date", "creneau", "capacite", "statut", "animateur__email"),
        Inscription: (
            "action__titre",
            "participant__identifiant",
            "inscrit_le",
            "presence_matin",
            "presence_apres_midi",
        ),
        OrganismeFormation: ("siret", "nom", "domaines__code"),
        SessionFormation: ("organisme__siret", "intitule", "debut", "fin", "statut", "capacite"),
        BesoinFormation: ("participant__identifiant", "intitule", "exprime_le", "statut", "entretien__date"),
        PositionnementFormation: ("session__intitule", "participant__identifiant", "statut", "propose_le"),
        EtapePositionnementFormation: ("positionnement__participant__identifiant", "statut", "date", "par__email"),
    }
    return {modele.__name__: sorted(map(repr, modele.objects.values_list(*cle))) for modele, cle in cles.items()}


def photo():
    return {
        "participants": sorted(Participant.objects.values_list("id", flat=True)),
        "entreprises": sorted(Entreprise.objects.values_list("id", flat=True)),
        "offres": sorted(Offre.objects.values_list("id", "entreprise_id", "statut")),
        "comptes": sorted(User.objects.values_list("id", "password")),
        **{m.__name__: sorted(m.objects.values_list("id", flat=True)) for m in MODELES_SUIVI},
        **{m.__name__: sorted(m.objects.values_list("id", flat=True)) for m in MODELES_OFFRES},
        "situations_des_embauches": sorted(Positionnement.objects.values_list("id", "situation_id")),
        **{m._meta.model_name: sorted(m.objects.values_list("id", flat=True)) for m in MODELES_FICHIER},
        "binomes_des_secteurs": sorted(SecteurActivite.objects.values_list("id", "binome_id")),
        "entreprises_suivies": sorted(Entreprise.objects.values_list("id", "statut_relation", "dernier_contact_le")),
        "situations_des_formations": sorted(PositionnementFormation.objects.values_list("id", "situation_id")),
    }


@pytest.mark.django_db
def test_comptes_de_demo_par_role_avec_le_mot_de_passe_de_demo():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert len(DEMO_COMPTES) == 18
    assert sum(1 for role, _ in DEMO_COMPTES if role == Role.REFERENT) == 14
    for role, email in DEMO_COMPTES:
        user = User.objects.get(email=email)
        assert user.is_active
        assert user.check_password(DEMO_MOT_DE_PASSE)
        assert user.roles == [role]
        assert user.is_staff == (role == Role.ADMINISTRATEUR)
    assert User.objects.get(email="referent01@demo.plie.fr").structure


@pytest.mark.django_db
def test_mot_de_passe_remis_a_zero_au_rechargement():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    user = User.objects.get(email="coordinatrice@demo.plie.fr")
    user.set_password("autre-chose")
    user.save()

    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    user.refresh_from_db()
    assert user.check_password(DEMO_MOT_DE_PASSE)


@pytest.mark.django_db
def test_meme_graine_memes_participants():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    premiere, premier_suivi, premieres_offres = lignes_participants(), lignes_suivi(), lignes_offres()
    premier_fichier = lignes_fichier()
    charger_donnees_demo(scale=PETIT, seed=1, today=TODAY)
    autre_graine, autres_offres, autre_fichier = lignes_participants(), lignes_offres(), lignes_fichier()
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert premiere
    assert all(premier_suivi.values())
    assert all(premieres_offres.values())
    assert autre_graine != premiere
    assert autres_offres != premieres_offres
    assert lignes_participants() == premiere
    assert lignes_suivi() == premier_suivi
    assert lignes_offres() == premieres_offres
    assert all(premier_fichier.values())
    assert autre_fichier != premier_fichier
    assert lignes_fichier() == premier_fichier


@pytest.mark.django_db
def test_deuxieme_chargement_ne_change_rien():
    premier = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    avant = photo()

    second = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert premier["recharge"] is True
    assert second["recharge"] is False
    assert second["comptes_ecrits"] == 0
    assert second["detections_creees"] == 0
    assert premier["positionnement"] and premier["diffusion"] and premier["liensource"]
    # The company file, events, collective actions and training side are counted and kept too.
    for modele in MODELES_FICHIER:
        assert premier[modele._meta.model_name] == second[modele._meta.model_name] == modele.objects.count() > 0
    assert photo() == avant


@pytest.mark.django_db
def test_une_base_sans_la_vie_des_offres_est_rechargee():
    """A database loaded before the offers side existed (same participants and offers) is reloaded."""
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    Diffusion.objects.all().delete()

    stats = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert stats["recharge"] is True
    assert Diffusion.objects.count() == stats["diffusion"]


@pytest.mark.django_db
def test_ce_qui_est_fait_dans_la_journee_est_garde():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    participant = Participant.objects.filter(statut=StatutParticipant.ENTRE).order_by("identifiant").first()
    entretien = Entretien.objects.create(participant=participant, date=TODAY, realise_par=participant.referent)
    autre = User.objects.with_role(Role.REFERENT).exclude(pk=participant.referent_id).first()
    coordinatrice = User.objects.get(email="coordinatrice@demo.plie.fr")
    referent_attribuer(participant=participant, referent=autre, du=TODAY, par=coordinatrice)
    historique = sorted(HistoriqueReferent.objects.filter(participant=participant).values_list("id", "au"))

    stats = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert stats["recharge"] is False
    assert Entretien.objects.filter(pk=entretien.pk).exists()
    assert sorted(HistoriqueReferent.objects.filter(participant=participant).values_list("id", "au")) == historique
    participant.refresh_from_db()
    assert participant.referent == autre


@pytest.mark.django_db
def test_les_donnees_reelles_ne_sont_pas_touchees():
    from participants.factories import ParticipantFactory

    reel = ParticipantFactory(identifiant="P-REEL-1", today=TODAY)
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    charger_donnees_demo(scale=PETIT, seed=1, today=TODAY)

    assert Participant.objects.filter(pk=reel.pk).exists()


@pytest.mark.django_db
def test_entreprises_et_offres_coherentes():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    for siret in Entreprise.objects.values_list("siret", flat=True):
        valider_siret(siret)
    offres = Offre.objects.all()
    assert offres.count() == 20
    assert all(o.entreprise_id and o.metier_rome_id for o in offres)
    assert all(TODAY - timedelta(days=60) <= o.date_publication <= TODAY for o in offres)
    a_qualifier = offres.filter(statut=StatutOffre.COLLECTEE, date_publication__gte=TODAY - timedelta(days=2))
    assert a_qualifier.count() >= 1


@pytest.mark.django_db
def test_chiffres_cles_a_l_echelle_1():
    stats = charger_donnees_demo(scale=1, seed=0, today=TODAY)

    stock = Participant.objects.filter(statut=StatutParticipant.ENTRE)
    n = stock.count()
    assert 850 <= n <= 950
    assert stats["offres"] == 400 and stats["entreprises"] == 300
    assert 0.45 <= stock.filter(sexe="F").count() / n <= 0.53
    assert 0.70 <= stock.filter(niveau_formation__niveau_v_ou_infra=True).count() / n <= 0.80
    assert 0.30 <= stock.exclude(quartier_prioritaire=None).count() / n <= 0.40
    assert 0.52 <= stock.filter(minima_sociaux="RSA").count() / n <= 0.62
    ages = [(TODAY - p.date_naissance).days / 365.25 for p in stock.only("date_naissance")]
    assert 38 <= sum(ages) / n <= 42
    assert min(ages) >= 18 and max(ages) < 66

    flux = Participant.objects.filter(date_entree__lte=TODAY).exclude(date_sortie__lt=TODAY - timedelta(days=365))
    assert 1400 <= flux.count() <= 1600
    sortis = Participant.objects.filter(statut=StatutParticipant.SORTI)
    positives = sortis.filter(motif_sortie__in=MotifSortie.positives()).count()
    assert 0.45 <= positives / sortis.count() <= 0.53
    duree = sum((p.date_sortie - p.date_entree).days for p in sortis) / sortis.count() / 30.44
    assert 14 <= duree <= 18
    # Each référent has a balanced caseload; every QPV is valid on the reference day and holds the commune.
    charges = [stock.filter(referent__email=email).count() for role, email in DEMO_COMPTES if role == Role.REFERENT]
    assert min(charges) >= 60 and max(charges) <= 68
    for p in stock.exclude(quartier_prioritaire=None).select_related("quartier_prioritaire")[:50]:
        assert p.quartier_prioritaire.est_valide_le(TODAY)
        assert p.quartier_prioritaire.communes.filter(pk=p.commune_id).exists()
    assert Participant.objects.filter(statut=StatutParticipant.CANDIDAT).count() == 60

    # The offers side: projects and constraints of those who entered, positionnements to follow up.
    entres = Participant.objects.exclude(date_entree=None)
    n = entres.count()
    assert 0.37 <= entres.filter(permis_b=True).count() / n <= 0.43
    assert 0.27 <= entres.filter(vehicule=True).count() / n <= 0.33
    assert 0.17 <= entres.exclude(heures_hebdo_max=None).count() / n <= 0.23
    assert 0.03 <= entres.filter(disponible=False).count() / n <= 0.07
    positionnements = Positionnement.objects.all()
    assert 140 <= positionnements.count() <= 160
    a_relancer = offres_selectors.positionnements_a_relancer(
        User.objects.get(email="coordinatrice@demo.plie.fr"), TODAY, delai=10
    )
    assert 0.2 <= a_relancer.count() / positionnements.count() <= 0.3
    assert positionnements.filter(statut=StatutPositionnement.RETENU).count() >= 5
    recentes = Diffusion.objects.filter(diffusee_le__date__gte=TODAY - timedelta(days=7))
    assert 0.15 <= recentes.filter(vue_le=None).count() / recentes.count() <= 0.25
    assert not Diffusion.objects.filter(vue_le=None, diffusee_le__date__lt=TODAY - timedelta(days=7)).exists()
    liens = Offre.objects.annotate(n=Count("liens"))
    assert 0.03 <= liens.filter(n=2).count() / stats["offres"] <= 0.07
    saisies = Offre.objects.filter(liens__source__nom="saisie").distinct().count()
    assert 0.12 <= saisies / stats["offres"] <= 0.18


@pytest.mark.django_db
def test_commande_refuse_une_echelle_nulle():
    with pytest.raises(CommandError, match="strictement positive"):
        call_command("seed_demo", "--scale", "0")
    with pytest.raises(DemoInvalide):
        charger_donnees_demo(scale=-1)
    assert not Participant.objects.exists()


@pytest.mark.django_db
def test_commande_demo_logins(capsys):
    call_command("demo_logins", "http://localhost:8000/")
    sortie = capsys.readouterr().out.splitlines()
    assert sortie[0] == "Application : http://localhost:8000/"
    assert "Administrateur : admin@demo.plie.fr / Plie-Demo-2026" in sortie
    assert len(sortie) == 19


@pytest.mark.django_db
def test_referents_et_commission():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    coordinatrice = User.objects.get(email="coordinatrice@demo.plie.fr")

    # One open row per participant still accompanied (or candidate), on their current référent.
    for p in Participant.objects.exclude(statut=StatutParticipant.SORTI):
        ouvertes = list(HistoriqueReferent.objects.filter(participant=p, au=None))
        assert [h.referent_id for h in ouvertes] == [p.referent_id]
    # Exited ones: every row closed, the last one at the exit date.
    for p in Participant.objects.filter(statut=StatutParticipant.SORTI):
        historique = list(HistoriqueReferent.objects.filter(participant=p).order_by("du"))
        assert historique and all(h.au is not None for h in historique)
        assert historique[-1].au == p.date_sortie
    # About 10 % of those in accompaniment changed référent once: the rows follow each other.
    suivis = Participant.objects.filter(statut=StatutParticipant.ENTRE)
    changements = [p for p in suivis if p.historique_referents.count() == 2]
    assert 1 <= len(changements) <= 0.2 * suivis.count()
    for p in changements:
        ancien, actuel = p.historique_referents.order_by("du")
        assert ancien.au == actuel.du and ancien.referent_id != actuel.referent_id
        assert actuel.motif and actuel.attribue_par == coordinatrice

    # One entry decision per entered participant, at the entry date, consistent with the rules.
    entres = Participant.objects.exclude(date_entree=None).select_related("commune")
    territoire = selectors.Territoire()
    derogations = 0
    for p in entres:
        (decision,) = p.decisions.filter(decision__in=DecisionCommissionType.entrees())
        assert decision.date_decision == p.date_entree
        assert decision.decide_par == coordinatrice and decision.motif.strip()
        verdict = selectors.verdict_eligibilite(p, p.date_entree, territoire)
        assert decision.eligible_au_calcul == verdict.eligible
        assert decision.criteres_manquants == "|".join(verdict.criteres_manquants)
        if decision.decision == DecisionCommissionType.DEROGATION:
            derogations += 1
            assert decision.criteres_manquants and not decision.eligible_au_calcul
        else:
            assert decision.eligible_au_calcul
    assert 1 <= derogations <= 0.1 * entres.count()
    assert not DecisionCommission.objects.filter(participant__date_entree=None).exists()


@pytest.mark.django_db
def test_entretiens_etapes_et_diagnostics():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    referents = set(User.objects.with_role(Role.REFERENT).values_list("pk", flat=True))
    suivis = selectors.avec_suivi(Participant.objects.filter(statut=StatutParticipant.ENTRE), TODAY)
    n = suivis.count()

    # About 30 % have no entretien this month: each référent's "à voir" list has work.
    dus = [p for p in suivis if rules.entretien_du_mois(p.dernier_entretien, TODAY, 31).a_voir]
    assert 0.2 <= len(dus) / n <= 0.4
    assert all(p.dernier_entretien >= TODAY.replace(day=1) for p in suivis if p not in dus)
    a_voir = [sum(p.a_voir_bd for p in selectors.caseload(User.objects.get(pk=pk), TODAY)) for pk in referents]
    assert sum(1 for nombre in a_voir if nombre) >= len(referents) // 2
    entretiens = Entretien.objects.select_related("participant")
    assert set(entretiens.values_list("realise_par", flat=True)) <= referents
    assert entretiens.filter(type=TypeEntretien.INDIVIDUEL).count() > entretiens.count() / 2
    for e in entretiens:
        p = e.participant
        assert p.date_entree <= e.date <= (p.date_sortie or TODAY)
    assert all(p.entretiens.exists() for p in Participant.objects.filter(statut=StatutParticipant.SORTI))

    # 1 to 3 étapes each, some ending in the next 14 days.
    for p in suivis:
        assert 1 <= p.etapes.count() <= 3
    assert Etape.objects.filter(debut__gt=TODAY).count() == 0
    assert any(p.etape_finit_bientot for p in suivis)

    # Entry diagnostic for ~70 % of those who entered, the seven CléA domains filled.
    entres = Participant.objects.exclude(date_entree=None).count()
    diagnostics = DiagnosticEntree.objects.select_related("participant")
    assert 0.6 <= diagnostics.count() / entres <= 0.8
    for d in diagnostics:
        niveaux = [getattr(d, champ) for champ, _ in DOMAINES_CLEA]
        assert sum(1 for niveau in niveaux if niveau != NiveauCompetence.NON_EVALUE) >= 3
        assert d.participant.date_entree <= d.date
    assert 0.1 <= diagnostics.filter(orientation_clea=True).count() / diagnostics.count() <= 0.3


@pytest.mark.django_db
def test_sorties_justifiees_par_les_regles():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    sortis = Participant.objects.filter(statut=StatutParticipant.SORTI).prefetch_related("situations", "decisions")

    positives = 0
    for p in sortis:
        sortie = Sortie.objects.get(participant=p)
        assert (sortie.date, sortie.motif, sortie.confirmee_par_id) == (p.date_sortie, p.motif_sortie, p.referent_id)
        if p.motif_sortie in MotifSortie.positives():
            positives += 1
            detectees = selectors.sorties_detectees(p, as_of=p.date_sortie)
            assert p.motif_sortie in [d.resultat for d in detectees], p.identifiant
            assert sortie.raisons
            assert all(p.date_entree <= s.debut for s in p.situations.all())
        else:
            assert sortie.commentaire and not p.situations.exists()
    assert positives

    # In accompaniment: detected positive exits to confirm, and contracts that have not reached one.
    suivis = Participant.objects.filter(statut=StatutParticipant.ENTRE)
    detections = DetectionSortie.objects.filter(participant__in=suivis, statut=StatutDetection.A_CONFIRMER)
    n = suivis.count()
    assert 0.04 <= detections.values("participant").distinct().count() / n <= 0.12
    en_cours = suivis.exclude(situations=None).exclude(detections__isnull=False).distinct().count()
    assert 0.1 <= en_cours / n <= 0.2


URL_FRANCE_TRAVAIL = re.compile(r"^https://candidat\.francetravail\.fr/offres/recherche/detail/(18\d{6}[A-Z])$")


@pytest.mark.django_db
def test_offres_qualifiees_diffusees_et_leurs_sources():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    referents = set(User.objects.with_role(Role.REFERENT).values_list("pk", flat=True))
    charge = User.objects.get(email="charge.mission@demo.plie.fr")

    offres = list(Offre.objects.prefetch_related("liens__source", "diffusions"))
    diffusees = [o for o in offres if o.statut == StatutOffre.DIFFUSEE]
    assert diffusees
    for o in offres:
        liens = list(o.liens.all())
        assert 1 <= len(liens) <= 2
        for lien in liens:
            if lien.source.nom == "france-travail":
                assert URL_FRANCE_TRAVAIL.match(lien.url).group(1) == lien.identifiant_externe
            else:
                assert lien.source.nom == "saisie" and o.origine_partenaire and o.cree_par == charge
            assert lien.vue_le <= lien.vue_derniere_fois_le
        if o.statut == StatutOffre.COLLECTEE:
            assert o.qualifiee_le is None and o.sans_diplome is None and not o.diffusions.all()
        elif o.statut == StatutOffre.ECARTEE:
            assert o.motif_ecart and o.ecartee_par == charge and o.ecartee_le and o.diffusee_le is None
        else:
            checklist = [o.sans_diplome, o.experience_requise, o.permis_requis, o.vehicule_requis]
            assert None not in checklist and o.desserte_transports is not None
            assert o.qualifiee_par == charge and o.qualifiee_le.date() >= o.date_publication
            assert not o.vehicule_requis or o.permis_requis
            # The description says what the checklist says: the suggestions agree with it.
            for champ, suggestion in offres_rules.suggestions(o.description).items():
                assert getattr(o, champ) == suggestion.valeur, (o.pk, champ)
        if o.statut == StatutOffre.DIFFUSEE:
            assert o.diffusee_le
        if o.diffusee_le:
            assert o.diffusee_le >= o.qualifiee_le
            diffusions = list(o.diffusions.all())
            assert {d.referent_id for d in diffusions} == referents and len(diffusions) == len(referents)
            assert all(d.diffusee_le == o.diffusee_le and d.diffusee_par == charge for d in diffusions)
            assert all(d.vue_le is None or d.vue_le >= d.diffusee_le for d in diffusions)
        else:
            assert not o.diffusions.all()
        if o.statut == StatutOffre.CLOTUREE:
            assert o.motif_cloture and o.cloturee_le >= o.diffusee_le
    assert any(o.origine_partenaire for o in offres)
    # Each référent has some of the last week's diffusions still unseen ("Nouveau").
    recentes = Diffusion.objects.filter(diffusee_le__date__gte=TODAY - timedelta(days=7))
    for referent in referents:
        if recentes.filter(referent=referent).exists():
            assert recentes.filter(referent=referent, vue_le=None).exists()
    assert not Diffusion.objects.filter(vue_le=None, diffusee_le__date__lt=TODAY - timedelta(days=7)).exists()
    assert LienSource.objects.values("identifiant_externe").distinct().count() == LienSource.objects.count()


@pytest.mark.django_db
def test_positionnements_suivent_la_machine_a_etats():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    referents = set(User.objects.with_role(Role.REFERENT).values_list("pk", flat=True))

    positionnements = list(
        Positionnement.objects.select_related("offre__entreprise", "participant", "situation").prefetch_related(
            "etapes"
        )
    )
    assert len(positionnements) >= 5
    for p in positionnements:
        etapes = sorted(p.etapes.all(), key=lambda e: (e.date, e.id))
        assert etapes[0].statut == StatutPositionnement.PROPOSE
        for avant, apres in pairwise(etapes):
            offres_rules.verifier_transition(offres_rules.TRANSITIONS_POSITIONNEMENT, avant.statut, apres.statut)
            assert avant.date <= apres.date
        assert (p.statut, p.derniere_etape_le) == (etapes[-1].statut, etapes[-1].date)
        assert TODAY - timedelta(days=60) <= etapes[0].date and etapes[-1].date <= TODAY
        # By a référent, on an offer diffused to them, for a participant of their caseload.
        assert p.cree_par_id in referents and {e.par_id for e in etapes} <= referents
        assert Diffusion.objects.filter(offre=p.offre, referent=p.cree_par).exists()
        assert p.offre.diffusee_le.date() <= etapes[0].date
        assert p.participant.statut == StatutParticipant.ENTRE and p.participant.date_entree <= etapes[0].date
        if p.offre.cloturee_le:
            assert etapes[-1].date <= p.offre.cloturee_le.date()
        if p.statut == StatutPositionnement.RETENU:
            s = p.situation
            assert (s.participant_id, s.debut, s.intitule) == (p.participant_id, etapes[-1].date, p.offre.intitule)
            assert (s.type_contrat_id, s.heures_hebdo, s.entreprise_id) == (
                p.offre.type_contrat_id,
                p.offre.heures_hebdo,
                p.offre.entreprise_id,
            )
            assert s.siret == p.offre.entreprise.siret
        else:
            assert p.situation is None
    assert any(p.statut == StatutPositionnement.RETENU for p in positionnements)

    # Offers whose retenus fill their positions are closed as pourvues.
    pourvues = Offre.objects.annotate(
        retenus=Count("positionnements", filter=Q(positionnements__statut=StatutPositionnement.RETENU))
    ).filter(retenus__gt=0)
    for o in pourvues:
        assert o.retenus <= o.nb_postes
        if o.retenus == o.nb_postes:
            assert (o.statut, o.motif_cloture) == (StatutOffre.CLOTUREE, MotifCloture.POURVUE)
        else:
            assert o.statut == StatutOffre.DIFFUSEE

    # Open positionnements with no step for more than 10 days: the follow-up lists have work.
    coordinatrice = User.objects.get(email="coordinatrice@demo.plie.fr")
    a_relancer = list(offres_selectors.positionnements_a_relancer(coordinatrice, TODAY, delai=10))
    assert a_relancer
    assert all(p.derniere_etape_le < TODAY - timedelta(days=10) for p in a_relancer)
    referent = a_relancer[0].participant.referent
    assert offres_selectors.positionnements_a_relancer(referent, TODAY, delai=10).exists()
    en_cours = [p for p in positionnements if p.statut in StatutPositionnement.en_cours()]
    assert len(en_cours) > len(a_relancer)


@pytest.mark.django_db
def test_projets_et_correspondances():
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    entres = Participant.objects.exclude(date_entree=None).annotate(n=Count("metiers_vises"))
    assert entres and all(1 <= p.n <= 3 for p in entres)
    assert not Participant.objects.filter(date_entree=None).exclude(metiers_vises=None).exists()
    assert not Participant.objects.filter(vehicule=True, permis_b=False).exists()
    assert all(20 <= h <= 26 for h in entres.exclude(heures_hebdo_max=None).values_list("heures_hebdo_max", flat=True))
    # Projects lean towards the offers' codes.
    codes_offres = set(Offre.objects.values_list("metier_rome__code", flat=True))
    codes = list(Projet.objects.values_list("metierrome__code", flat=True))
    assert sum(code in codes_offres for code in codes) / len(codes) >= 0.6

    # A diffused offer finds suggested candidates in a référent's caseload; most diffused offers
    # match the project of someone a référent may position.
    diffusees = list(Offre.objects.filter(statut=StatutOffre.DIFFUSEE).order_by("date_publication", "id"))
    referent = User.objects.get(email="referent01@demo.plie.fr")
    suggeres, _exclus = offres_selectors.candidats_pour_offre(diffusees[0], referent)
    assert suggeres
    assert all(p.referent_id == referent.pk for p, _ in suggeres)
    referents = list(User.objects.with_role(Role.REFERENT))
    sur_projet = [
        offre
        for offre in diffusees
        if any(
            f"Le métier {offre.metier_rome.code} fait partie de son projet" in " ".join(c.raisons)
            for r in referents
            for _, c in offres_selectors.candidats_pour_offre(offre, r)[0]
        )
    ]
    assert len(sur_projet) >= 0.7 * len(diffusees)


@pytest.mark.django_db
def test_fichier_entreprises_evenements_actions_et_formation_coherents():
    # A little larger than PETIT: a few participants enter a training (about 1 % of those in accompaniment).
    charger_donnees_demo(scale=0.2, seed=0, today=TODAY)
    referents = set(User.objects.with_role(Role.REFERENT).values_list("pk", flat=True))

    # Seven binômes of two distinct demo référents, each référent in one, covering every sector.
    binomes = list(Binome.objects.all())
    assert len(binomes) == 7
    membres = [pk for b in binomes for pk in (b.referent_1_id, b.referent_2_id)]
    assert all(b.referent_1_id != b.referent_2_id for b in binomes)
    assert set(membres) <= referents and len(set(membres)) == len(membres)
    assert not SecteurActivite.objects.filter(binome=None).exists()

    # Exchanges by référents over the last six months; the company's last contact and relation follow.
    interactions = list(Interaction.objects.select_related("entreprise", "contact", "evenement"))
    assert interactions
    for i in interactions:
        assert i.auteur_id in referents and TODAY - timedelta(days=182) <= i.date <= TODAY
        assert i.contact is None or i.contact.entreprise_id == i.entreprise_id
        assert not i.echeance or i.prochaine_etape
        assert i.evenement is None or i.evenement.debut.date() == i.date
    for e in Entreprise.objects.annotate(n=Count("interactions")):
        dernier = e.interactions.order_by("-date").values_list("date", flat=True).first()
        assert e.dernier_contact_le == dernier
        assert (e.statut_relation == StatutRelation.A_CONTACTER) == (e.n == 0)
    assert all(c.consentement_le for c in Contact.objects.filter(consentement=True))
    assert BesoinRecrutement.objects.filter(statut="ouvert").exists()

    # Events over two months either side, ending after they start, with PLIE attendees and tasks.
    evenements = list(Evenement.objects.prefetch_related("participants_plie", "taches"))
    assert len(evenements) == 8
    for ev in evenements:
        assert ev.fin > ev.debut
        assert TODAY - timedelta(days=61) <= ev.debut.date() <= TODAY + timedelta(days=61)
        presents = {u.pk for u in ev.participants_plie.all()}
        assert presents and ev.taches.all()
        assert all(t.responsable_id in presents and t.echeance < ev.debut.date() for t in ev.taches.all())

    # Collective actions: registrations within the seats and the registering référent's caseload,
    # attendance recorded for the past ones only.
    actions = list(ActionCollective.objects.prefetch_related("inscriptions__participant"))
    assert len(actions) == 6
    assert sorted(a.type for a in actions).count(TypeAction.VISITE) == 2
    assert any(a.date < TODAY for a in actions) and any(a.date > TODAY for a in actions)
    for a in actions:
        inscriptions = list(a.inscriptions.all())
        assert len(inscriptions) <= a.capacite
        assert a.heure_fin > a.heure_debut and (a.animateur_id or a.animateur_externe)
        assert (a.type == TypeAction.VISITE) == (a.entreprise_id is not None)
        champs = presences_attendues(a.creneau)
        for inscription in inscriptions:
            p = inscription.participant
            jour = inscription.inscrit_le.date()
            assert inscription.inscrit_par_id == p.referent_id and p.statut == StatutParticipant.ENTRE
            assert p.historique_referents.filter(referent=p.referent_id, du__lte=jour, au=None).exists()
            assert p.date_entree <= jour <= min(a.date, TODAY)
            if a.type == TypeAction.ATELIER_SENIORS:
                assert formation_rules.est_senior(p.date_naissance, a.date)
            remplis = {c for c in ("presence_matin", "presence_apres_midi") if getattr(inscription, c)}
            assert remplis == (set(champs) if a.date < TODAY else set())
        assert a.statut == (StatutAction.REALISEE if a.date < TODAY else StatutAction.PREVUE)
    assert Inscription.objects.exists()

    # Training: needs of those in accompaniment; positionnements follow the state machine, their need
    # follows them, an entry opens the training situation, the seats are never exceeded.
    suivis = Participant.objects.filter(statut=StatutParticipant.ENTRE).count()
    besoins = BesoinFormation.objects.select_related("participant")
    assert 0.2 <= besoins.count() / suivis <= 0.3
    assert all(b.participant.date_entree <= b.exprime_le <= TODAY and b.domaine_id for b in besoins)
    assert OrganismeFormation.objects.count() == 5 and SessionFormation.objects.count() == 8
    P = StatutPositionnementFormation
    for session in SessionFormation.objects.all():
        assert session.fin >= session.debut
        occupees = session.positionnements.filter(statut__in=formation_rules.POSITIONNEMENTS_OCCUPANT).count()
        assert occupees <= session.capacite
    for pf in PositionnementFormation.objects.select_related("session", "besoin", "situation", "participant"):
        etapes = list(pf.etapes.order_by("date", "id"))
        assert etapes[0].statut == P.PROPOSE and etapes[-1].statut == pf.statut
        for avant, apres in pairwise(etapes):
            assert formation_rules.transition_positionnement(avant.statut, apres.statut)
            assert avant.date <= apres.date
        assert pf.besoin.participant_id == pf.participant_id and pf.besoin.exprime_le <= etapes[0].date
        assert etapes[-1].date <= TODAY
        attendu = {P.PROPOSE: StatutBesoin.ORIENTE, P.INSCRIT: StatutBesoin.ORIENTE, P.REFUSE: StatutBesoin.EXPRIME}
        attendu |= {P.ENTRE: StatutBesoin.ENTRE, P.TERMINE: StatutBesoin.TERMINE, P.ABANDON: StatutBesoin.ABANDONNE}
        assert pf.besoin.statut == attendu[pf.statut]
        entree = next((e.date for e in etapes if e.statut == P.ENTRE), None)
        if entree is None:
            assert pf.situation is None
        else:
            assert pf.session.debut <= entree <= pf.session.fin
            assert (pf.situation.participant_id, pf.situation.debut) == (pf.participant_id, entree)
            assert pf.situation.type == ("FORMATION_QUALIFIANTE" if pf.session.qualifiante else "FORMATION")
            assert (pf.situation.fin is None) == (pf.statut == P.ENTRE)
    assert PositionnementFormation.objects.filter(situation__isnull=False).exists()
