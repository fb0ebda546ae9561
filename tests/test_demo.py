"""The demo data: accounts that work, determinism, idempotence and the RULES §5 key figures."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from entreprises.models import Entreprise, valider_siret
from offres.enums import StatutOffre
from offres.models import Offre
from participants.enums import MotifSortie, StatutParticipant
from participants.models import Participant
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


def photo():
    return {
        "participants": sorted(Participant.objects.values_list("id", flat=True)),
        "entreprises": sorted(Entreprise.objects.values_list("id", flat=True)),
        "offres": sorted(Offre.objects.values_list("id", "entreprise_id")),
        "comptes": sorted(User.objects.values_list("id", "password")),
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
    premiere = lignes_participants()
    charger_donnees_demo(scale=PETIT, seed=1, today=TODAY)
    autre_graine = lignes_participants()
    charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert premiere
    assert autre_graine != premiere
    assert lignes_participants() == premiere


@pytest.mark.django_db
def test_deuxieme_chargement_ne_change_rien():
    premier = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)
    avant = photo()

    second = charger_donnees_demo(scale=PETIT, seed=0, today=TODAY)

    assert premier["recharge"] is True
    assert second["recharge"] is False
    assert second["comptes_ecrits"] == 0
    assert photo() == avant


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
