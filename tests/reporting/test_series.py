"""The monthly series and breakdowns of the dashboard on hand-built data."""

import datetime
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from entreprises.factories import InteractionFactory
from fse import services as agenda
from fse.models import CategorieActivite
from offres.enums import StatutPositionnement
from offres.factories import OffreFactory
from offres.models import EtapePositionnement, LienSource, Offre, Positionnement, Source
from participants.factories import ParticipantFactory
from plie.roles import Role
from reporting.selectors import (
    Periode,
    entrees_sorties_par_mois,
    interactions_par_type,
    mois_couverts,
    offres_par_mois,
    offres_par_source,
    sorties_par_motif,
    temps_par_activite,
)
from tests.reporting.test_chiffres_cles import NOVEMBRE, jeu  # noqa: F401 (fixture)

D = datetime.date


def test_a_single_month_is_charted_with_the_eleven_months_before_it():
    mois = mois_couverts(NOVEMBRE)
    assert (mois[0], mois[-1], len(mois)) == (D(2025, 12, 1), D(2026, 11, 1), 12)
    assert len(mois_couverts(Periode(D(2024, 1, 1), D(2026, 11, 30)))) == 35


def test_entries_and_exits_by_month(jeu):  # noqa: F811
    series = {mois: (e, s) for mois, e, s in entrees_sorties_par_mois(NOVEMBRE)}
    assert series[D(2026, 11, 1)] == (1, 1)  # B entered, C left on the 30th
    assert series[D(2026, 10, 1)] == (1, 1)  # A entered, D left on the 31st
    assert series[D(2026, 1, 1)] == (1, 0)  # C
    assert D(2026, 12, 1) not in series


def test_exits_by_reason_list_every_reason(jeu):  # noqa: F811
    lignes = {code: (n, positive) for code, _label, n, positive in sorties_par_motif(NOVEMBRE)}
    assert lignes["CDI"] == (1, True)
    assert lignes["ABANDON"] == (0, False)


def _le(jour):
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(10)))


def test_offers_by_month_and_by_source(db, make_user):
    chargee = make_user(Role.CHARGE_MISSION)
    referent = make_user(Role.REFERENT)
    ft, partenaire = Source.objects.order_by("id")[:2]
    offres = OffreFactory.create_batch(3)
    for offre, source in zip(offres, [ft, ft, partenaire], strict=True):
        LienSource.objects.create(
            offre=offre,
            source=source,
            identifiant_externe=f"X{offre.pk}",
            vue_le=timezone.now(),
            vue_derniere_fois_le=timezone.now(),
        )
    # Collected on 31/10 (not November), 01/11 and 30/11; the second qualified and diffused.
    Offre.objects.filter(pk=offres[0].pk).update(cree_le=_le(D(2026, 10, 31)))
    Offre.objects.filter(pk=offres[1].pk).update(
        cree_le=_le(D(2026, 11, 1)), qualifiee_le=_le(D(2026, 11, 2)), diffusee_le=_le(D(2026, 11, 3))
    )
    Offre.objects.filter(pk=offres[2].pk).update(cree_le=_le(D(2026, 11, 30)))
    # The partner's offer turns up on France Travail later: it still counts once, for the partner.
    LienSource.objects.create(
        offre=offres[2],
        source=ft,
        identifiant_externe="Y",
        vue_le=timezone.now(),
        vue_derniere_fois_le=timezone.now(),
    )
    participant = ParticipantFactory(entre=True, referent=referent)
    positionnement = Positionnement.objects.create(
        offre=offres[1],
        participant=participant,
        statut=StatutPositionnement.RETENU,
        derniere_etape_le=D(2026, 11, 20),
        cree_par=referent,
    )
    Positionnement.objects.filter(pk=positionnement.pk).update(cree_le=_le(D(2026, 11, 10)))
    EtapePositionnement.objects.create(
        positionnement=positionnement, statut=StatutPositionnement.RETENU, date=D(2026, 11, 20), par=referent
    )
    par_mois = {ligne[0]: ligne[1:] for ligne in offres_par_mois(NOVEMBRE)}
    assert par_mois[D(2026, 11, 1)] == (2, 1, 1, 1, 1)
    assert par_mois[D(2026, 10, 1)] == (1, 0, 0, 0, 0)
    par_source = {ligne[0]: ligne[1:] for ligne in offres_par_source(NOVEMBRE)}
    assert par_source[ft] == (1, 1, 1, 1, 1)
    assert par_source[partenaire] == (1, 0, 0, 0, 0)
    assert chargee  # the qualifying person is not part of the figures


def test_offers_count_on_their_local_day_up_to_midnight(db):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    ft = Source.objects.order_by("id").first()
    moments = [
        datetime.datetime(2026, 11, 1, 0, 0, tzinfo=paris),  # first instant of November
        datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=paris),  # last second of November (22:59:59 UTC)
        datetime.datetime(2026, 12, 1, 0, 0, tzinfo=paris),  # December (still 30/11 in UTC)
        datetime.datetime(2026, 10, 31, 23, 59, 59, tzinfo=paris),  # October
    ]
    for n, moment in enumerate(moments):
        offre = OffreFactory()
        LienSource.objects.create(
            offre=offre, source=ft, identifiant_externe=f"M{n}", vue_le=moment, vue_derniere_fois_le=moment
        )
        Offre.objects.filter(pk=offre.pk).update(cree_le=moment)
    par_mois = {ligne[0]: ligne[1] for ligne in offres_par_mois(NOVEMBRE)}
    assert (par_mois[D(2026, 10, 1)], par_mois[D(2026, 11, 1)]) == (1, 2)
    assert {ligne[0]: ligne[1] for ligne in offres_par_source(NOVEMBRE)} == {ft: 2}


def test_interactions_count_each_company_once(db, make_user):
    auteur = make_user(Role.CHARGE_MISSION)
    premiere = InteractionFactory(auteur=auteur, date=D(2026, 11, 3), type="visite")
    InteractionFactory(auteur=auteur, entreprise=premiere.entreprise, date=D(2026, 11, 30), type="appel")
    InteractionFactory(auteur=auteur, date=D(2026, 12, 1), type="appel")
    types, entreprises = interactions_par_type(NOVEMBRE)
    assert {code: n for code, _label, n in types}["appel"] == 1
    assert entreprises == 1


def test_time_by_activity_reads_the_latest_version_of_each_week(db, make_user):
    salarie = make_user(Role.CHARGE_MISSION)
    coordinatrice = make_user(Role.COORDINATRICE)
    prospection, reunions = CategorieActivite.objects.order_by("ordre")[:2]
    semaine = agenda.semaine_obtenir(salarie, D(2026, 11, 23))
    agenda.ligne_enregistrer(semaine, date=D(2026, 11, 23), categorie=prospection, heures=Decimal("7"))
    agenda.ligne_enregistrer(semaine, date=D(2026, 11, 29), categorie=reunions, heures=Decimal("2"))
    agenda.valider(agenda.soumettre(semaine), coordinatrice)
    correction = agenda.corriger(semaine, salarie, "Erreur de catégorie")
    ligne = correction.lignes.get(categorie=prospection)
    agenda.ligne_enregistrer(correction, ligne=ligne, heures=Decimal("5"))
    assert temps_par_activite(NOVEMBRE, salarie) == [
        (prospection.libelle, Decimal("5")),
        (reunions.libelle, Decimal("2")),
    ]
    assert temps_par_activite(Periode.mois(2026, 12), salarie) == []
