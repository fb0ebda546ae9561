"""Ingestion of job offers against a local fake France Travail server (no internet)."""

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from offres import services
from offres.enums import StatutExecution, StatutOffre
from offres.ingestion.base import ErreurConfiguration, ExecutionDejaEnCours
from offres.ingestion.run import ingerer
from offres.models import DonneeBrute, ExecutionIngestion, LienSource, Offre, Source
from plie.models import Commune, TypeContrat

from .faux_france_travail import MAINTENANT, FauxFranceTravail, offres_en_masse, offres_enregistrees, serveur_local


@pytest.fixture
def faux_serveur(settings):
    faux = FauxFranceTravail()
    with serveur_local(faux) as reglages:
        for nom, valeur in reglages.items():
            setattr(settings, nom, valeur)
        yield faux


@pytest.fixture
def source(db):
    source = Source.objects.get(nom="france-travail")
    source.parametres = {"departement": "21"}
    source.save()
    return source


class Sommeil:
    def __init__(self):
        self.attentes = []

    def __call__(self, secondes):
        self.attentes.append(secondes)


def lancer(source, **kwargs):
    kwargs.setdefault("maintenant", MAINTENANT)
    kwargs.setdefault("dormir", Sommeil())
    return ingerer(source, **kwargs)


@pytest.mark.django_db
def test_premiere_execution_cree_les_offres_et_compte(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE
    assert (execution.recus, execution.nouvelles, execution.mises_a_jour, execution.doublons_fusionnes) == (8, 8, 0, 0)
    assert (execution.ecartees_prefiltre, execution.erreurs, execution.detail_erreurs) == (0, 0, [])
    assert execution.fin is not None
    assert Offre.objects.filter(statut=StatutOffre.COLLECTEE).count() == 8
    assert DonneeBrute.objects.filter(execution=execution).count() == 8
    recherche = faux_serveur.recherches[0]
    assert recherche["minCreationDate"] == "2026-10-29T04:00:00Z"  # first run: the last 30 days
    assert recherche["maxCreationDate"] == "2026-11-28T04:00:00Z"
    assert recherche["range"] == "0-149"


@pytest.mark.django_db
def test_correspondances_contrat_commune_rome_et_checklist(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    espaces_verts = LienSource.objects.get(identifiant_externe="201KXPL").offre
    assert espaces_verts.commune.insee == "21231"
    assert espaces_verts.lieu_travail == ""
    assert espaces_verts.type_contrat.code == "CDD"
    assert espaces_verts.duree_mois == 6
    assert espaces_verts.heures_hebdo == Decimal("35.0")
    assert espaces_verts.metier_rome.code == "A1203"
    assert espaces_verts.nb_postes == 2
    assert espaces_verts.date_publication == date(2026, 11, 20)
    assert espaces_verts.salaire == "Mensuel de 1801.80 Euros sur 12 mois"
    assert (espaces_verts.permis_requis, espaces_verts.experience_requise) == (True, False)
    assert espaces_verts.liens.get().url.endswith("/201KXPL")

    interim = LienSource.objects.get(identifiant_externe="201KZQA").offre
    assert interim.type_contrat == TypeContrat.objects.get(code="INTERIM")
    assert interim.heures_hebdo == Decimal("24.5")
    assert interim.experience_requise is True
    assert interim.permis_requis is None
    apprenti = LienSource.objects.get(identifiant_externe="201LAAB").offre
    assert apprenti.type_contrat.code == "APPRENTISSAGE"  # the nature wins over the type
    assert apprenti.sans_diplome is False
    assert apprenti.liens.get().url == "https://candidat.francetravail.fr/offres/recherche/detail/201LAAB"
    hors_territoire = LienSource.objects.get(identifiant_externe="201LBCD").offre
    assert hors_territoire.commune is None
    assert hors_territoire.lieu_travail == "21 - BEAUNE"
    assert hors_territoire.experience_requise is None  # "S": souhaitée, not required
    rome_inconnu = LienSource.objects.get(identifiant_externe="201LCEF").offre
    assert rome_inconnu.metier_rome is None
    poids_lourd = LienSource.objects.get(identifiant_externe="201LEIJ").offre
    assert poids_lourd.permis_requis is None  # a C licence is not the B of the checklist


@pytest.mark.django_db
def test_jeton_mis_en_cache_et_renouvele_une_fois_sur_401(faux_serveur, source):
    faux_serveur.offres = offres_en_masse(400)
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE
    assert len(faux_serveur.recherches) == 3
    assert faux_serveur.jetons_emis == 1

    faux_serveur.recherches.clear()
    faux_serveur.revoquer_a = 2  # the token expires during the run
    execution = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(minutes=5))
    assert execution.statut == StatutExecution.REUSSIE
    assert faux_serveur.jetons_emis == 3  # one for the new run, one renewed once after the 401
    assert [r["range"] for r in faux_serveur.recherches] == ["0-149", "150-299", "150-299", "300-449"]


@pytest.mark.django_db
def test_pagination_206_et_content_range(faux_serveur, source):
    faux_serveur.offres = offres_en_masse(320)
    execution = lancer(source)
    assert [r["range"] for r in faux_serveur.recherches] == ["0-149", "150-299", "300-449"]
    assert execution.recus == execution.nouvelles == 320
    assert Offre.objects.count() == 320


@pytest.mark.django_db
def test_total_au_dela_du_plafond_decoupe_la_fenetre(faux_serveur, source, settings):
    settings.FRANCE_TRAVAIL_PLAFOND_RESULTATS = 299
    faux_serveur.plafond = 299
    faux_serveur.offres = offres_en_masse(1000)
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE, execution.detail_erreurs
    assert execution.nouvelles == 1000
    assert Offre.objects.count() == 1000
    fenetres = {(r["minCreationDate"], r["maxCreationDate"]) for r in faux_serveur.recherches}
    assert len(fenetres) > 4
    assert all(int(r["range"].split("-")[1]) <= 299 for r in faux_serveur.recherches)


@pytest.mark.django_db
def test_aucune_offre_204(faux_serveur, source):
    execution = lancer(source)
    assert execution.statut == StatutExecution.REUSSIE
    assert (execution.recus, execution.nouvelles) == (0, 0)


@pytest.mark.django_db
def test_429_respecte_retry_after(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    faux_serveur.script.append((429, {"Retry-After": "7"}, {"message": "Trop de requêtes"}))
    sommeil = Sommeil()
    execution = lancer(source, dormir=sommeil)
    assert execution.statut == StatutExecution.REUSSIE
    assert sommeil.attentes == [7.0]
    assert execution.nouvelles == 8


@pytest.mark.django_db
def test_entetes_x_ratelimit_font_patienter(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    faux_serveur.entetes = {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "2"}
    sommeil = Sommeil()
    lancer(source, dormir=sommeil)
    assert sommeil.attentes == [2.0]


@pytest.mark.django_db
def test_400_enregistre_le_message_de_l_api(faux_serveur, source):
    source.parametres = {"communes": ["21231", "21166"], "distance_km": 5}
    source.save()
    faux_serveur.offres = offres_enregistrees()
    faux_serveur.script.append((400, {}, {"codeHttp": 400, "message": "Valeur du paramètre commune incorrecte."}))
    execution = lancer(source)
    assert execution.statut == StatutExecution.PARTIELLE
    assert execution.erreurs == 1
    assert "Valeur du paramètre commune incorrecte." in execution.detail_erreurs[0]
    assert execution.nouvelles == 1  # the second search (Chenôve) went on
    assert faux_serveur.recherches[1]["commune"] == "21166"
    assert faux_serveur.recherches[1]["distance"] == "5"


@pytest.mark.django_db
def test_5xx_reessaye_puis_reussit(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    faux_serveur.script.extend([(503, {}, {"message": "Service indisponible"})] * 2)
    sommeil = Sommeil()
    execution = lancer(source, dormir=sommeil)
    assert execution.statut == StatutExecution.REUSSIE
    assert sommeil.attentes == [2, 4]


@pytest.mark.django_db
def test_5xx_persistant_fait_echouer_proprement(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    faux_serveur.script.extend([(500, {}, {"message": "Erreur interne"})] * 10)
    execution = lancer(source)
    assert execution.statut == StatutExecution.ECHOUEE
    assert execution.fin is not None
    assert "indisponible (500)" in execution.detail_erreurs[0]
    assert Offre.objects.count() == 0
    # the next run reads the same window again: no successful run yet
    faux_serveur.script.clear()
    execution = lancer(source, maintenant=MAINTENANT + timedelta(hours=1))
    assert execution.statut == StatutExecution.REUSSIE
    assert execution.nouvelles == 8


@pytest.mark.django_db
def test_idempotence_et_mise_a_jour_par_identifiant_externe(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    offres, liens = Offre.objects.count(), LienSource.objects.count()

    deuxieme = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=1))
    assert (deuxieme.recus, deuxieme.nouvelles, deuxieme.mises_a_jour, deuxieme.doublons_fusionnes) == (8, 0, 0, 0)
    assert (Offre.objects.count(), LienSource.objects.count()) == (offres, liens)

    faux_serveur.offres[0]["salaire"] = {"libelle": "Mensuel de 1900 Euros"}
    troisieme = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=2))
    assert (troisieme.nouvelles, troisieme.mises_a_jour) == (0, 1)
    lien = LienSource.objects.get(identifiant_externe="201KXPL")
    assert lien.offre.salaire == "Mensuel de 1900 Euros"
    assert lien.vue_derniere_fois_le == MAINTENANT + timedelta(hours=2)
    assert lien.vue_le == MAINTENANT

    faux_serveur.offres[0]["lieuTravail"]["commune"] = "21166"
    faux_serveur.offres[0]["romeCode"] = "A1202"
    quatrieme = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=3))
    assert quatrieme.mises_a_jour == 1
    offre = LienSource.objects.get(identifiant_externe="201KXPL").offre
    assert (offre.commune.insee, offre.metier_rome.code) == ("21166", "A1202")


@pytest.mark.django_db
def test_offre_deja_qualifiee_n_est_pas_reecrite(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    Offre.objects.filter(liens__identifiant_externe="201KXPL").update(statut=StatutOffre.QUALIFIEE)
    faux_serveur.offres[0]["intitule"] = "Autre intitulé"
    execution = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(hours=1))
    assert execution.mises_a_jour == 0
    assert LienSource.objects.get(identifiant_externe="201KXPL").offre.intitule.startswith("Agent d'entretien")


@pytest.mark.django_db
def test_incremental_depuis_la_derniere_execution_reussie(faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    lancer(source, maintenant=MAINTENANT + timedelta(days=1))
    assert faux_serveur.recherches[-1]["minCreationDate"] == "2026-11-28T04:00:00Z"
    assert faux_serveur.recherches[-1]["maxCreationDate"] == "2026-11-29T04:00:00Z"


@pytest.mark.django_db
def test_fusion_avec_une_offre_saisie_a_la_main(faux_serveur, source):
    manuelle = services.offre_saisir(
        offre=Offre(
            intitule="Agent d’entretien des espaces verts",
            employeur="Id Verde",
            commune=Commune.objects.get(insee="21231"),
            type_contrat=TypeContrat.objects.get(code="CDD"),
            date_publication=date(2026, 11, 19),
        ),
        par=None,
    )
    faux_serveur.offres = offres_enregistrees()
    execution = lancer(source)
    assert execution.doublons_fusionnes == 1
    assert execution.nouvelles == 7
    assert sorted(manuelle.liens.values_list("source__nom", flat=True)) == ["france-travail", "saisie"]
    assert Offre.objects.count() == 8


@pytest.mark.django_db
def test_republication_dans_la_meme_source_fusionnee(faux_serveur, source):
    republiee = copy.deepcopy(offres_enregistrees()[0])
    republiee["id"], republiee["dateCreation"] = "201ZZZZ", "2026-11-26T08:00:00.000Z"
    faux_serveur.offres = [*offres_enregistrees(), republiee]
    execution = lancer(source)
    assert (execution.nouvelles, execution.doublons_fusionnes) == (8, 1)
    assert LienSource.objects.get(identifiant_externe="201ZZZZ").offre.liens.count() == 2


@pytest.mark.django_db
def test_une_republication_ne_reecrit_pas_l_offre_a_chaque_passage(faux_serveur, source):
    """Only the announcement that created the offer refreshes it: otherwise the two wordings of a
    re-posted job would overwrite each other at every run."""
    originale = offres_enregistrees()[0]
    republiee = copy.deepcopy(originale)
    republiee["id"], republiee["dateCreation"] = "201ZZZZ", "2026-11-26T08:00:00.000Z"
    republiee["intitule"] = originale["intitule"].upper()
    faux_serveur.offres = [originale, republiee]
    assert lancer(source).doublons_fusionnes == 1
    intitule = Offre.objects.get().intitule
    for minutes in (5, 10):
        execution = lancer(source, complet=True, maintenant=MAINTENANT + timedelta(minutes=minutes))
        assert (execution.nouvelles, execution.mises_a_jour, execution.doublons_fusionnes) == (0, 0, 0)
    assert Offre.objects.get().intitule == intitule


@pytest.mark.django_db
def test_une_offre_vue_par_deux_recherches_d_une_execution_est_lue_une_fois(faux_serveur, source):
    source.parametres = {"communes": ["21231", "21166"], "distance_km": 10}
    source.save()
    faux_serveur.offres = offres_en_masse(20)
    commune = faux_serveur.rechercher  # the fake ignores the distance: make both searches answer everything

    def sans_filtre_de_commune(params, autorisation):
        return commune({k: v for k, v in params.items() if k != "commune"}, autorisation)

    faux_serveur.rechercher = sans_filtre_de_commune
    execution = lancer(source)
    assert (execution.recus, execution.nouvelles, execution.doublons_fusionnes) == (20, 20, 0)
    assert DonneeBrute.objects.filter(execution=execution).count() == 20


@pytest.mark.django_db
def test_prefiltres_comptes(faux_serveur, source):
    source.parametres = {"departement": "21", "rome_exclus": ["N41"], "mots_exclus": ["stage"]}
    source.save()
    faux_serveur.offres = offres_enregistrees()
    execution = lancer(source)
    assert execution.ecartees_prefiltre == 2
    assert execution.nouvelles == 6
    assert not LienSource.objects.filter(identifiant_externe__in=["201LDGH", "201LEIJ"]).exists()
    assert DonneeBrute.objects.filter(identifiant_externe="201LDGH").exists()  # the raw payload is kept


@pytest.mark.django_db
def test_offre_invalide_comptee_en_erreur_sans_arreter(faux_serveur, source):
    offres = offres_enregistrees()
    offres.append(
        {"id": "CASSEE", "intitule": "", "dateCreation": "2026-11-22T00:00:00Z", "lieuTravail": {"commune": "21231"}}
    )
    faux_serveur.offres = offres
    execution = lancer(source)
    assert execution.statut == StatutExecution.PARTIELLE
    assert (execution.recus, execution.nouvelles, execution.erreurs) == (9, 8, 1)
    assert "CASSEE" in execution.detail_erreurs[0]


@pytest.mark.django_db
def test_identifiants_absents(settings, source):
    settings.FRANCE_TRAVAIL_CLIENT_ID = ""
    with pytest.raises(ErreurConfiguration, match="FRANCE_TRAVAIL_CLIENT_ID"):
        ingerer(source)
    assert not ExecutionIngestion.objects.exists()


@pytest.mark.django_db
def test_commande_ingest_offers(faux_serveur, source, capsys):
    faux_serveur.offres = offres_enregistrees()
    call_command("ingest_offers", "--source", "france-travail")
    sortie = capsys.readouterr().out
    assert "france-travail : réussie — 8 reçue(s), 8 nouvelle(s)" in sortie
    call_command("ingest_offers")  # every active source with a connector (not "saisie")
    assert ExecutionIngestion.objects.count() == 2


@pytest.mark.django_db
def test_commande_source_inconnue_ou_identifiants_absents(source, settings):
    with pytest.raises(CommandError, match="Source inconnue « nulle-part »"):
        call_command("ingest_offers", "--source", "nulle-part")
    settings.FRANCE_TRAVAIL_CLIENT_ID = ""
    with pytest.raises(CommandError, match="france-travail"):
        call_command("ingest_offers", "--source", "france-travail")
    with pytest.raises(CommandError, match="Aucun connecteur"):
        call_command("ingest_offers", "--source", "saisie")


@pytest.mark.django_db
def test_commande_echec_code_non_nul(faux_serveur, source, monkeypatch):
    sommeil = Sommeil()
    monkeypatch.setattr("offres.ingestion.base.dormir_par_defaut", sommeil)
    faux_serveur.script.extend([(500, {}, {"message": "Erreur interne"})] * 10)
    with pytest.raises(CommandError, match="Ingestion en échec pour : france-travail"):
        call_command("ingest_offers", "--source", "france-travail")
    assert sommeil.attentes == [2, 4, 8]


@pytest.mark.django_db
def test_tache_ingerer_sources(faux_serveur, source):
    from unittest import mock

    from offres.tasks import ingerer_sources

    faux_serveur.offres = offres_enregistrees()
    Source.objects.create(nom="flux-inactif", libelle="Flux inactif", type="flux", actif=False)
    with mock.patch("offres.tasks.ingerer_source.delay") as delay:
        assert ingerer_sources() == ["france-travail"]  # one task per active source with a connector
    delay.assert_called_once_with(source.pk)


@pytest.mark.django_db
def test_purge_des_donnees_brutes(faux_serveur, source, settings):
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    settings.PLIE_RETENTION_DONNEES_BRUTES_JOURS = 90
    assert services.donnees_brutes_purger(maintenant=MAINTENANT + timedelta(days=89)) == 0
    assert services.donnees_brutes_purger(maintenant=MAINTENANT + timedelta(days=91)) == 8
    assert not DonneeBrute.objects.exists()


def test_tache_de_nuit_planifiee(settings):
    entree = settings.CELERY_BEAT_SCHEDULE["ingerer-offres"]
    assert entree["task"] == "offres.tasks.ingerer_sources"
    assert entree["schedule"].hour == {5}
    assert entree["schedule"].minute == {0}


@pytest.mark.django_db
def test_reponse_illisible_fait_echouer_proprement(faux_serveur, source):
    faux_serveur.script.append((200, {"Content-Range": "offres 0-0/1"}, "{pas du json"))
    execution = lancer(source)
    assert execution.statut == StatutExecution.ECHOUEE
    assert "illisible" in execution.detail_erreurs[0]


@pytest.mark.django_db
def test_deux_executions_d_une_source_ne_se_chevauchent_pas(faux_serveur, source):
    from offres.ingestion.base import ExecutionDejaEnCours

    morte = ExecutionIngestion.objects.create(
        source=source, debut=MAINTENANT - timedelta(hours=1), maj_le=MAINTENANT - timedelta(minutes=10)
    )
    with pytest.raises(ExecutionDejaEnCours, match="déjà en cours"):
        lancer(source)
    assert ExecutionIngestion.objects.count() == 1
    # silent for SILENCE_MAX (30 minutes): taken for dead (killed worker), it no longer blocks
    with pytest.raises(ExecutionDejaEnCours):
        lancer(source, maintenant=MAINTENANT + timedelta(minutes=19))
    assert lancer(source, maintenant=MAINTENANT + timedelta(minutes=21)).statut == StatutExecution.REUSSIE
    morte.refresh_from_db()
    assert morte.statut == StatutExecution.ECHOUEE
    assert "aucune progression" in morte.detail_erreurs[-1]


@pytest.mark.django_db
def test_la_meme_tache_relivree_reprend_son_execution_interrompue(faux_serveur, source):
    faux_serveur.offres = offres_en_masse(300)
    interrompue = ExecutionIngestion.objects.create(source=source, debut=MAINTENANT, maj_le=MAINTENANT, tache="t-1")
    with pytest.raises(ExecutionDejaEnCours):
        lancer(source, tache="t-2")
    reprise = lancer(source, tache="t-1")
    assert (reprise.statut, reprise.nouvelles, reprise.tache) == (StatutExecution.REUSSIE, 300, "t-1")
    interrompue.refresh_from_db()
    assert interrompue.statut == StatutExecution.ECHOUEE
    assert "arrêt du worker" in interrompue.detail_erreurs[0]


@pytest.mark.django_db
def test_la_progression_est_enregistree_a_chaque_page(faux_serveur, source):
    from unittest import mock

    from offres.ingestion import run

    faux_serveur.offres = offres_en_masse(320)
    with mock.patch.object(run, "_enregistrer_progression", wraps=run._enregistrer_progression) as progression:
        execution = lancer(source)
    assert [appel.args[1]["recus"] for appel in progression.call_args_list] == [150, 300, 320]
    assert execution.maj_le is not None


@pytest.mark.django_db
def test_admin_des_sources_et_des_executions(client, django_user_model, faux_serveur, source):
    faux_serveur.offres = offres_enregistrees()
    execution = lancer(source)
    admin = django_user_model.objects.create_superuser(email="admin@test.plie.fr", password="Plie-Test-2026!")
    client.force_login(admin)
    page = client.get(f"/admin/offres/source/{source.pk}/change/")
    assert page.status_code == 200
    assert "mots_exclus" in page.content.decode()
    assert client.get("/admin/offres/executioningestion/?statut__exact=reussie").status_code == 200
    assert client.get(f"/admin/offres/executioningestion/{execution.pk}/change/").status_code == 200
    assert client.get("/admin/offres/donneebrute/").status_code == 200
    assert client.get("/admin/offres/executioningestion/add/").status_code == 403
