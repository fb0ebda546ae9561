"""The weekly complete sweep (vanished offers expire), expiry by date, and the sources page."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from offres import services
from offres.enums import MotifCloture, MotifEcart, StatutExecution, StatutOffre, TypeSource
from offres.factories import OffreFactory
from offres.ingestion.run import resume
from offres.models import ExecutionIngestion, LienSource, Offre, Source
from plie.roles import Role
from tests.offres.test_ingestion import (  # noqa: F401  (fixtures)
    MAINTENANT,
    faux_serveur,
    lancer,
    offres_en_masse,
    source,
)

APRES = MAINTENANT + timedelta(days=1)


def _offre(identifiant):
    return Offre.objects.get(liens__identifiant_externe=identifiant)


def _statut(identifiant, statut):
    Offre.objects.filter(liens__identifiant_externe=identifiant).update(statut=statut)


@pytest.fixture
def premiere_execution(faux_serveur, source):  # noqa: F811
    """Ten offers read once; then four vanish from France Travail (one collected, one qualified,
    one diffused, one also entered by hand)."""
    faux_serveur.offres = offres_en_masse(10)
    assert lancer(source).nouvelles == 10
    _statut("M000002", StatutOffre.QUALIFIEE)
    _statut("M000003", StatutOffre.DIFFUSEE)
    LienSource.objects.create(
        offre=_offre("M000004"),
        source=Source.objects.get(nom="saisie"),
        identifiant_externe="saisie-m4",
        vue_le=MAINTENANT,
        vue_derniere_fois_le=MAINTENANT,
    )
    faux_serveur.offres = [
        o for o in faux_serveur.offres if o["id"] not in {"M000001", "M000002", "M000003", "M000004"}
    ]
    return faux_serveur


@pytest.mark.django_db
def test_balayage_complet_retire_les_offres_disparues_de_la_fenetre(premiere_execution, source):  # noqa: F811
    hors_fenetre = OffreFactory(date_publication=date(2026, 9, 1), statut=StatutOffre.QUALIFIEE)
    LienSource.objects.create(
        offre=hors_fenetre,
        source=source,
        identifiant_externe="ANCIENNE",
        vue_le=MAINTENANT,
        vue_derniere_fois_le=MAINTENANT,
    )
    execution = lancer(source, complet=True, maintenant=APRES)
    assert execution.statut == StatutExecution.REUSSIE
    assert execution.expirees == 3
    assert "3 expirée(s)" in resume(execution)
    collectee = _offre("M000001")
    assert (collectee.statut, collectee.motif_ecart) == (StatutOffre.ECARTEE, MotifEcart.PERIMEE)
    assert collectee.ecartee_par is None
    for identifiant in ("M000002", "M000003"):
        offre = _offre(identifiant)
        assert (offre.statut, offre.motif_cloture) == (StatutOffre.CLOTUREE, MotifCloture.EXPIREE)
    assert _offre("M000004").statut == StatutOffre.COLLECTEE  # still shown by another source
    hors_fenetre.refresh_from_db()
    assert hors_fenetre.statut == StatutOffre.QUALIFIEE  # outside the window read in full
    assert Offre.objects.filter(statut=StatutOffre.COLLECTEE).count() == 7
    # a second sweep finds nothing more to take out
    assert lancer(source, complet=True, maintenant=APRES + timedelta(hours=1)).expirees == 0


@pytest.mark.django_db
def test_autre_source_balayee_depuis_ne_protege_plus(premiere_execution, source):  # noqa: F811
    flux = Source.objects.create(nom="flux-test", libelle="Flux test", type=TypeSource.FLUX)
    offre = _offre("M000005")
    LienSource.objects.create(
        offre=offre, source=flux, identifiant_externe="f5", vue_le=MAINTENANT, vue_derniere_fois_le=MAINTENANT
    )
    premiere_execution.offres = [o for o in premiere_execution.offres if o["id"] != "M000005"]
    ExecutionIngestion.objects.create(
        source=flux, debut=MAINTENANT + timedelta(hours=2), statut=StatutExecution.REUSSIE, parametres={"complet": True}
    )
    execution = lancer(source, complet=True, maintenant=APRES)
    assert execution.expirees == 4
    offre.refresh_from_db()
    assert offre.statut == StatutOffre.ECARTEE


@pytest.mark.django_db
def test_execution_incrementale_ou_partielle_ne_retire_rien(premiere_execution, source):  # noqa: F811
    assert lancer(source, maintenant=APRES).expirees == 0
    source.parametres = {"communes": ["21166", "21231"]}
    source.save()
    premiere_execution.script.append((400, {}, {"codeHttp": 400, "message": "Commune refusée."}))
    execution = lancer(source, complet=True, maintenant=APRES + timedelta(hours=1))
    assert execution.statut == StatutExecution.PARTIELLE
    assert execution.expirees == 0
    assert not Offre.objects.exclude(
        statut__in=[StatutOffre.COLLECTEE, StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE]
    ).exists()


@pytest.mark.django_db
def test_offres_expirees_par_date():
    today = date(2026, 12, 1)
    passee = OffreFactory(date_expiration=today - timedelta(days=1), statut=StatutOffre.DIFFUSEE)
    collectee = OffreFactory(date_expiration=today - timedelta(days=3), statut=StatutOffre.COLLECTEE)
    du_jour = OffreFactory(date_expiration=today, statut=StatutOffre.QUALIFIEE)
    sans_date = OffreFactory(date_expiration=None, statut=StatutOffre.QUALIFIEE)
    deja_ecartee = OffreFactory(
        date_expiration=today - timedelta(days=5), statut=StatutOffre.ECARTEE, motif_ecart=MotifEcart.AUTRE
    )
    assert services.offres_expirees_cloturer(today) == 2
    for offre in (passee, collectee, du_jour, sans_date, deja_ecartee):
        offre.refresh_from_db()
    assert (passee.statut, passee.motif_cloture) == (StatutOffre.CLOTUREE, MotifCloture.EXPIREE)
    assert (collectee.statut, collectee.motif_ecart) == (StatutOffre.ECARTEE, MotifEcart.PERIMEE)
    assert du_jour.statut == sans_date.statut == StatutOffre.QUALIFIEE
    assert deja_ecartee.motif_ecart == MotifEcart.AUTRE
    assert services.offres_expirees_cloturer(today) == 0


def test_taches_planifiees(settings):
    balayage = settings.CELERY_BEAT_SCHEDULE["balayage-complet-offres"]
    assert balayage["task"] == "offres.tasks.balayage_complet"
    assert (balayage["schedule"].day_of_week, balayage["schedule"].hour, balayage["schedule"].minute) == (
        {0},
        {4},
        {30},
    )
    assert settings.CELERY_BEAT_SCHEDULE["cloturer-offres-expirees"]["task"] == "offres.tasks.cloturer_offres_expirees"


@pytest.mark.django_db
def test_tache_balayage_complet(premiere_execution, source):  # noqa: F811
    from offres.tasks import balayage_complet, ingerer_source

    def executer(source_id, **kwargs):
        return ingerer_source.apply(args=[source_id], kwargs=kwargs)

    with mock.patch("offres.tasks.ingerer_source.delay", side_effect=executer) as delay:
        assert balayage_complet() == ["france-travail"]
    delay.assert_called_once_with(source.pk, complet=True)
    execution = source.executions.order_by("-debut").first()
    assert (execution.statut, execution.parametres["complet"]) == (StatutExecution.REUSSIE, True)


# --- The sources page -----------------------------------------------------------------------


def _executions(source, nombre, debut=MAINTENANT):  # noqa: F811
    for numero in range(nombre):
        ExecutionIngestion.objects.create(
            source=source,
            debut=debut - timedelta(days=numero),
            fin=debut - timedelta(days=numero) + timedelta(minutes=3),
            statut=StatutExecution.PARTIELLE if numero == 0 else StatutExecution.REUSSIE,
            recus=100 + numero,
            nouvelles=11,
            mises_a_jour=12,
            doublons_fusionnes=13,
            ecartees_prefiltre=14,
            expirees=15,
            erreurs=1 if numero == 0 else 0,
            detail_erreurs=["Recherche commune=21166 refusée (400) : Commune inconnue."] if numero == 0 else [],
        )


@pytest.mark.django_db
def test_page_sources_permissions(client, client_as):
    url = reverse("offres:sources")
    response = client.get(url)
    assert response.status_code == 302
    assert "connexion" in response.url or "login" in response.url
    relancer = reverse("offres:relancer_source", args=[Source.objects.get(nom="france-travail").pk])
    assert client.post(relancer).status_code == 302
    assert client_as(Role.REFERENT).get(url).status_code == 403
    assert client.post(relancer).status_code == 403
    assert client_as(Role.AUDITEUR_FSE).get(url).status_code == 403
    assert client_as(Role.CHARGE_MISSION).get(url).status_code == 200


@pytest.mark.django_db
def test_page_sources_contenu(client_as, source):  # noqa: F811
    _executions(source, 12)
    page = client_as(Role.CHARGE_MISSION).get(reverse("offres:sources")).content.decode()
    assert escape(source.libelle) in page
    assert "API Offres d" in page
    assert "Partielle (avec erreurs)" in page
    assert "Commune inconnue." in page
    for compteur in (
        "Reçues",
        "Nouvelles",
        "Mises à jour",
        "Doublons fusionnés",
        "Écartées par pré-filtre",
        "Expirées",
    ):
        assert compteur in page
    assert "<details>" in page
    assert page.count('<td class="text-end">15</td>') == 10  # the last 10 runs only
    assert "Relancer maintenant" in page
    assert reverse("offres:sources") in page  # the navigation entry
    assert "Aucune exécution" in page  # the manual-entry source has none


@pytest.mark.django_db
def test_page_sources_execution_en_cours(client_as, source, settings):  # noqa: F811
    from django.utils import timezone

    debut = timezone.now() - timedelta(minutes=10)
    ExecutionIngestion.objects.create(source=source, debut=debut)
    client = client_as(Role.CHARGE_MISSION)
    page = client.get(reverse("offres:sources")).content.decode()
    assert f"En cours depuis le {timezone.localtime(debut):%d/%m/%Y à %H:%M}" in page
    assert "Relancer maintenant" not in page
    with mock.patch("offres.tasks.ingerer_source.delay") as delay:
        response = client.post(reverse("offres:relancer_source", args=[source.pk]), follow=True)
    assert delay.call_count == 0
    assert "déjà en cours" in response.content.decode()


@pytest.mark.django_db
def test_relancer_met_la_tache_en_file_apres_commit(client_as, source, django_capture_on_commit_callbacks):  # noqa: F811
    client = client_as(Role.CHARGE_MISSION)
    with mock.patch("offres.tasks.ingerer_source.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = client.post(reverse("offres:relancer_source", args=[source.pk]))
        assert response.status_code == 302
        assert response.url == reverse("offres:sources")
        assert delay.call_count == 0  # not before the commit
        assert len(callbacks) == 1
        callbacks[0]()
    delay.assert_called_once_with(source.pk)
    page = client.get(reverse("offres:sources")).content.decode()
    assert "est demandée" in page
    assert "en attente d'un worker" in page  # until the run starts
    assert "Relancer maintenant" not in page
    assert 'hx-trigger="every 2s"' in page


@pytest.mark.django_db
def test_etat_d_une_source_suit_l_execution_puis_cesse_de_se_rafraichir(client_as, source):  # noqa: F811
    from django.utils import timezone

    url = reverse("offres:source_etat", args=[source.pk])
    client = client_as(Role.CHARGE_MISSION)
    with mock.patch("offres.tasks.ingerer_source.delay"):
        client.post(reverse("offres:relancer_source", args=[source.pk]))
    attente = client.get(url).content.decode()
    assert "en attente d'un worker" in attente and 'hx-trigger="every 2s"' in attente

    execution = ExecutionIngestion.objects.create(
        source=source, debut=timezone.now(), maj_le=timezone.now(), recus=300, nouvelles=280, doublons_fusionnes=20
    )
    with CaptureQueriesContext(connection) as requetes:
        en_cours = client.get(url).content.decode()
    assert "300 reçues, 280 nouvelles, 0 mise à jour, 20 doublons fusionnés, 0 erreur" in en_cours
    assert 'hx-trigger="every 2s"' in en_cours and "en attente" not in en_cours
    assert "Relancer maintenant" not in en_cours
    assert len([q for q in requetes.captured_queries if "offres_" in q["sql"]]) == 2  # the source, its last run

    execution.statut, execution.fin = StatutExecution.REUSSIE, timezone.now()
    execution.save()
    fini = client.get(url).content.decode()
    assert "hx-trigger" not in fini  # polling stops
    assert "Réussie" in fini and "Relancer maintenant" in fini


@pytest.mark.django_db
def test_etat_d_une_source_permissions(client, client_as, source):  # noqa: F811
    url = reverse("offres:source_etat", args=[source.pk])
    assert client.get(url).status_code == 302
    for role in (Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE):
        assert client_as(role).get(url).status_code == 403
    assert client_as(Role.CHARGE_MISSION).get(url).status_code == 200
    assert client_as(Role.CHARGE_MISSION).get(reverse("offres:source_etat", args=[999_999])).status_code == 404


@pytest.mark.django_db
def test_tache_ingerer_source(faux_serveur, source):  # noqa: F811
    from offres.tasks import ingerer_source

    faux_serveur.offres = offres_en_masse(3)
    assert ingerer_source(source.pk) == {"france-travail": StatutExecution.REUSSIE}
    assert ingerer_source(999_999) == {}


@pytest.mark.django_db
def test_source_injoignable_relancee_plus_tard_avec_la_meme_tache(faux_serveur, source):  # noqa: F811
    from django.utils import timezone

    from offres.tasks import ingerer_source

    faux_serveur.offres = offres_en_masse(3, debut=timezone.now() - timedelta(days=5), fin=timezone.now())
    faux_serveur.script.extend([(503, {}, {"message": "Service indisponible"})] * 4)  # one run's 4 attempts
    with (
        mock.patch("offres.ingestion.base.dormir_par_defaut"),
        mock.patch.object(ingerer_source, "retry", wraps=ingerer_source.retry) as retry,
    ):
        resultat = ingerer_source.apply(args=[source.pk])
    assert resultat.get() == {"france-travail": StatutExecution.REUSSIE}
    assert retry.call_args.kwargs == {"countdown": 60}
    echouee, reussie = source.executions.order_by("debut", "id")
    assert echouee.statut == StatutExecution.ECHOUEE and "indisponible (503)" in echouee.detail_erreurs[0]
    assert reussie.statut == StatutExecution.REUSSIE and reussie.nouvelles == 3
    assert echouee.tache == reussie.tache == resultat.id


@pytest.mark.django_db
def test_source_toujours_injoignable_abandonnee_apres_les_relances(faux_serveur, source):  # noqa: F811
    from offres.tasks import RELANCES_MAX, ingerer_source

    faux_serveur.script.extend([(503, {}, {"message": "Service indisponible"})] * 4 * (RELANCES_MAX + 1))
    with mock.patch("offres.ingestion.base.dormir_par_defaut"):
        resultat = ingerer_source.apply(args=[source.pk])
    assert resultat.get() == {"france-travail": StatutExecution.ECHOUEE}
    assert source.executions.filter(statut=StatutExecution.ECHOUEE).count() == RELANCES_MAX + 1


@pytest.mark.django_db
def test_page_sources_nombre_de_requetes_constant(client_as):
    client = client_as(Role.CHARGE_MISSION)
    Source.objects.all().delete()

    def compter(nombre):
        for numero in range(Source.objects.count(), nombre):
            nouvelle = Source.objects.create(nom=f"flux-{numero}", libelle=f"Flux {numero}", type=TypeSource.FLUX)
            _executions(nouvelle, 4)
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(reverse("offres:sources")).status_code == 200
        return len(requetes)

    assert compter(1) == compter(5)
