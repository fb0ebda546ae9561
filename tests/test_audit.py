"""The audit trail of changes (plie.audit, JournalModification): who created, changed or deleted what,
with before/after values, sensitive values masked, nothing written by a failed request, append-only
(model and, on PostgreSQL, database), the purge, and the administrateur's « Journal » page."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from fse.models import CategorieActivite, SemaineAgenda
from fse.rules import StatutSemaine
from offres.enums import MotifEcart, StatutOffre
from offres.factories import OffreFactory
from participants import classeur
from participants.enums import StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import HistoriqueReferent, Participant
from plie import audit
from plie.models import Commune, JournalAcces, JournalModification, MetierRome, NiveauFormation
from plie.roles import Role
from tests.conftest import connecter, needs
from tests.participants.test_classeur import ligne, lire, xlsx

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MASQUE = audit.MASQUE
LUNDI = datetime.date(2025, 6, 2)  # a week with no public holiday


def entrees(objet_type, action=None):
    journal = JournalModification.objects.filter(objet_type=objet_type).order_by("id")
    return list(journal.filter(action=action) if action else journal)


def une(objet_type, action):
    (entree,) = entrees(objet_type, action)
    return entree


def donnees_du_formulaire(form):
    """The POST body that resubmits a bound-less ModelForm as the page shows it."""
    donnees = {}
    for champ in form:
        valeur = champ.value()
        if isinstance(valeur, bool):
            if valeur:
                donnees[champ.name] = "on"
        elif isinstance(valeur, list | tuple):
            donnees[champ.name] = [str(v) for v in valeur]
        elif valeur is not None:
            donnees[champ.name] = valeur.isoformat() if hasattr(valeur, "isoformat") else str(valeur)
    return donnees


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT)


@pytest.fixture
def participant(referent):
    return ParticipantFactory(entre=True, referent=referent, identifiant="P-AUDIT-1")


# --- Participants ----------------------------------------------------------------------------------


def test_a_candidacy_entered_on_the_page_is_recorded_with_its_author_and_masked_facts(client, referent):
    connecter(client, referent)
    response = client.post(
        reverse("participants:nouveau"),
        {
            "identifiant": "CAND-1",
            "nom": "Durand",
            "prenom": "Léa",
            "sexe": "F",
            "date_naissance": "1985-04-02",
            "commune": Commune.objects.valides_le(TODAY).get(nom="Chenôve").pk,
            "niveau_formation": NiveauFormation.objects.get(code="3").pk,
            "date_candidature": TODAY.isoformat(),
            "autorisation_travail": "on",
            "consentement": "on",
            "consentement_date": TODAY.isoformat(),
            "notice_information_remise_le": TODAY.isoformat(),
            "qualification_insuffisante": "on",
            "minima_sociaux": "RSA",
            "mobilite_logement": "on",
            "sante_handicap": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    cree = une("participants.participant", "creation")
    assert (cree.utilisateur, cree.objet_id, cree.objet_libelle) == (
        referent,
        str(Participant.objects.get().pk),
        "CAND-1",
    )
    assert cree.champs["identifiant"] == [None, "CAND-1"]
    assert cree.champs["statut"] == [None, StatutParticipant.CANDIDAT]
    assert cree.champs["date_candidature"] == [None, TODAY.isoformat()]
    # Special-category facts and identity: the change is known, the value is not kept.
    for nom in ("minima_sociaux", "sante_handicap", "nom", "prenom", "date_naissance"):
        assert cree.champs[nom] == [None, MASQUE], nom
    brut = json.dumps(cree.champs, ensure_ascii=False)
    assert "RSA" not in brut and "Durand" not in brut and "1985" not in brut
    assert "cree_le" not in cree.champs and "modifie_le" not in cree.champs
    # The référent attribution made by the same service is recorded too.
    historique = une("participants.historiquereferent", "creation")
    assert historique.utilisateur == referent and historique.objet_libelle == "CAND-1"


def test_editing_a_record_keeps_before_and_after_of_the_changed_fields_only(client, referent, participant):
    connecter(client, referent)
    url = reverse("participants:modifier", args=[participant.pk])
    donnees = donnees_du_formulaire(client.get(url).context["form"])
    assert participant.disponible and not participant.sante_handicap and not participant.permis_b
    donnees.pop("disponible")
    donnees.update(permis_b="on", sante_handicap="on", heures_hebdo_max="24")
    assert client.post(url, donnees).status_code == 302

    modification = une("participants.participant", "modification")
    assert modification.utilisateur == referent and modification.objet_libelle == "P-AUDIT-1"
    assert modification.champs == {
        "disponible": [True, False],
        "permis_b": [False, True],
        "heures_hebdo_max": [None, 24],
        "sante_handicap": [MASQUE, MASQUE],
    }


def test_the_professional_project_is_recorded_as_the_jobs_before_and_after(client, make_user, referent, participant):
    cariste, vendeur, plongeur = MetierRome.objects.order_by("code")[:3]
    participant.metiers_vises.set([cariste, vendeur])
    depart = len(entrees("participants.participant"))
    connecter(client, referent)
    url = reverse("participants:modifier", args=[participant.pk])
    donnees = donnees_du_formulaire(client.get(url).context["form"])
    donnees["metiers_vises"] = [str(vendeur.pk), str(plongeur.pk)]
    assert client.post(url, donnees).status_code == 302

    retrait, ajout = entrees("participants.participant")[depart:]
    assert retrait.utilisateur == ajout.utilisateur == referent
    assert retrait.champs == {"metiers_vises": [sorted([str(cariste), str(vendeur)]), [str(vendeur)]]}
    assert ajout.champs == {"metiers_vises": [[str(vendeur)], sorted([str(vendeur), str(plongeur)])]}
    participant.metiers_vises.clear()
    vide = entrees("participants.participant")[-1]
    assert vide.champs == {"metiers_vises": [sorted([str(vendeur), str(plongeur)]), []]}
    participant.metiers_vises.add(vendeur, vendeur)
    participant.metiers_vises.add(vendeur)  # already there: nothing changes, nothing is written
    assert len(entrees("participants.participant")) == depart + 4

    connecter(client, make_user(Role.ADMINISTRATEUR))
    page = client.get(reverse("journal"), {"objet_type": "participants.participant"}).content.decode()
    assert "Métiers visés (projet professionnel) : " in page
    assert escape(f"{vendeur}, {plongeur}") in page


def test_saving_a_record_unchanged_writes_nothing(client, referent, participant):
    connecter(client, referent)
    url = reverse("participants:modifier", args=[participant.pk])
    assert client.post(url, donnees_du_formulaire(client.get(url).context["form"])).status_code == 302
    assert not entrees("participants.participant", "modification")


def test_deleting_a_participant_in_the_admin_records_it_and_its_pathway(client, make_user, participant):
    superutilisateur = make_user(Role.ADMINISTRATEUR, is_superuser=True)
    connecter(client, superutilisateur)
    url = reverse("admin:participants_participant_delete", args=[participant.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Participant.objects.exists()

    supprime = une("participants.participant", "suppression")
    assert supprime.utilisateur == superutilisateur and supprime.objet_id == str(participant.pk)
    assert supprime.champs["identifiant"] == ["P-AUDIT-1", None]
    assert supprime.champs["nom"] == [MASQUE, None]
    assert supprime.champs["statut"] == [StatutParticipant.ENTRE, None]


def test_a_commission_decision_is_recorded_with_its_reason_masked(client_as, referent):
    candidat = ParticipantFactory(referent=referent, identifiant="CAND-2")
    depart = JournalModification.objects.count()
    client = client_as(Role.COORDINATRICE)
    client.post(
        reverse("participants:decision", args=[candidat.pk]),
        {"decision": "admission", "date_decision": TODAY.isoformat(), "motif": "Reconnaissance MDPH en cours"},
    )
    assert JournalModification.objects.count() == depart + 2
    decision = une("participants.decisioncommission", "creation")
    assert decision.objet_libelle == "CAND-2" and decision.utilisateur.has_perm("participants.decider_commission")
    assert decision.champs["decision"] == [None, "admission"] and decision.champs["motif"] == [None, MASQUE]
    assert "MDPH" not in json.dumps(decision.champs)
    entree = une("participants.participant", "modification")
    assert entree.champs == {
        "statut": [StatutParticipant.CANDIDAT, StatutParticipant.ENTRE],
        "date_entree": [None, TODAY.isoformat()],
    }


def test_an_exit_is_recorded(client, referent, participant):
    connecter(client, referent)
    debut = TODAY - datetime.timedelta(days=200)
    HistoriqueReferent.objects.create(participant=participant, referent=referent, du=debut)
    client.post(
        reverse("participants:situation", args=[participant.pk]),
        {"type": "CDD", "employeur": "Propreté Dijonnaise", "debut": debut.isoformat(), "heures_hebdo": "35"},
    )
    situation = une("participants.situation", "creation")
    assert situation.champs["heures_hebdo"] == [None, "35.0"] and situation.champs["type"] == [None, "CDD"]
    date_sortie = debut + datetime.timedelta(days=181)
    client.post(
        reverse("participants:sortie", args=[participant.pk]), {"motif": "CDD", "date": date_sortie.isoformat()}
    )

    sortie = une("participants.sortie", "creation")
    assert sortie.utilisateur == referent and sortie.champs["motif"] == [None, "CDD"]
    modification = une("participants.participant", "modification")
    assert modification.utilisateur == referent
    assert modification.champs == {
        "statut": [StatutParticipant.ENTRE, StatutParticipant.SORTI],
        "date_sortie": [None, date_sortie.isoformat()],
        "motif_sortie": ["", "CDD"],
    }
    # The référent's period closes at the exit, recorded as any change.
    fermeture = une("participants.historiquereferent", "modification")
    assert fermeture.utilisateur == referent and fermeture.champs == {"au": [None, date_sortie.isoformat()]}
    assert HistoriqueReferent.objects.get(participant=participant).au == date_sortie


# --- A failed request writes nothing ---------------------------------------------------------------


def test_a_refused_form_writes_no_row(client_as, referent):
    candidat = ParticipantFactory(referent=referent)
    depart = JournalModification.objects.count()
    reponse = client_as(Role.COORDINATRICE).post(
        reverse("participants:decision", args=[candidat.pk]),
        {"decision": "admission", "date_decision": TODAY.isoformat(), "motif": ""},
    )
    assert reponse.status_code == 200 and "Ce champ est obligatoire" in reponse.content.decode()
    assert JournalModification.objects.count() == depart


def test_a_request_that_fails_after_the_save_leaves_neither_the_change_nor_its_row(
    client, referent, participant, monkeypatch
):
    from participants import views

    def panne(*args, **kwargs):
        raise RuntimeError("panne après l'enregistrement")

    connecter(client, referent)
    url = reverse("participants:modifier", args=[participant.pk])
    donnees = donnees_du_formulaire(client.get(url).context["form"])
    donnees.update(permis_b="on")
    monkeypatch.setattr(views.messages, "success", panne)
    client.raise_request_exception = False
    assert client.post(url, donnees).status_code == 500
    participant.refresh_from_db()
    assert not participant.permis_b
    assert not entrees("participants.participant", "modification")


# --- FSE agendas, offers, positionnements ----------------------------------------------------------


def test_an_fse_agenda_line_its_submission_and_its_lock_are_recorded(client, make_user):
    categorie = CategorieActivite.objects.filter(actif=True).first()
    salarie = make_user(Role.REFERENT)
    connecter(client, salarie)
    url = reverse("fse:semaine", kwargs={"jour": LUNDI.isoformat()})
    client.post(url, {"action": "ajouter", "date": LUNDI.isoformat(), "categorie": categorie.pk, "heures": "6"})
    client.post(url, {"action": "soumettre"})
    coordinatrice = make_user(Role.COORDINATRICE)
    connecter(client, coordinatrice)
    semaine = SemaineAgenda.objects.get()
    client.post(reverse("fse:a_valider"), {"semaine": semaine.pk, "action": "valider"})
    semaine.refresh_from_db()
    assert semaine.statut == StatutSemaine.VALIDEE

    ligne_creee = une("fse.ligneagenda", "creation")
    assert ligne_creee.utilisateur == salarie and ligne_creee.champs["heures"] == [None, "6.00"]
    assert ligne_creee.objet_libelle == "agenda, semaine du 02/06/2025"
    soumise, validee = entrees("fse.semaineagenda", "modification")
    assert soumise.utilisateur == salarie
    assert soumise.champs["statut"] == [StatutSemaine.BROUILLON, StatutSemaine.SOUMISE]
    assert validee.utilisateur == coordinatrice
    assert validee.champs["statut"] == [StatutSemaine.SOUMISE, StatutSemaine.VALIDEE]
    assert validee.champs["validee_par"] == [None, coordinatrice.pk]


def test_agenda_lines_copied_from_the_previous_week_are_recorded_one_by_one(client, make_user):
    categorie = CategorieActivite.objects.filter(actif=True).first()
    salarie = make_user(Role.REFERENT)
    connecter(client, salarie)
    url = reverse("fse:semaine", kwargs={"jour": LUNDI.isoformat()})
    for jour, heures in ((0, "6"), (1, "3.5")):
        date = (LUNDI + datetime.timedelta(days=jour)).isoformat()
        client.post(url, {"action": "ajouter", "date": date, "categorie": categorie.pk, "heures": heures})
    suivante = LUNDI + datetime.timedelta(days=7)
    client.post(reverse("fse:semaine", kwargs={"jour": suivante.isoformat()}), {"action": "copier"})

    copiees = entrees("fse.ligneagenda", "creation")[2:]
    assert [entree.utilisateur for entree in copiees] == [salarie, salarie]
    assert {entree.objet_libelle for entree in copiees} == {"agenda, semaine du 09/06/2025"}
    assert sorted(entree.champs["heures"][1] for entree in copiees) == ["3.50", "6.00"]
    assert sorted(entree.champs["date"][1] for entree in copiees) == ["2025-06-09", "2025-06-10"]
    semaine = SemaineAgenda.objects.get(lundi=suivante)
    assert sorted(int(entree.objet_id) for entree in copiees) == sorted(semaine.lignes.values_list("pk", flat=True))


def test_offer_status_changes_are_recorded_also_when_discarded_in_bulk(client, make_user):
    charge = make_user(Role.CHARGE_MISSION)
    connecter(client, charge)
    gardee, ecartee = OffreFactory(age_jours=10), OffreFactory(age_jours=5)
    assert not entrees("offres.offre")  # ingestion and entry are not audited, only the reviews
    client.post(
        reverse("offres:qualifier", args=[gardee.pk]),
        {
            "action": "qualifier",
            "diffuser": "on",
            "heures_hebdo": "35",
            "notes_qualification": "",
            "sans_diplome": "True",
        },
    )
    qualifiee, diffusee = entrees("offres.offre", "modification")
    assert qualifiee.utilisateur == charge and qualifiee.objet_id == str(gardee.pk)
    assert qualifiee.champs["statut"] == [StatutOffre.COLLECTEE, StatutOffre.QUALIFIEE]
    assert qualifiee.champs["qualifiee_par"] == [None, charge.pk]
    assert diffusee.champs == {"statut": [StatutOffre.QUALIFIEE, StatutOffre.DIFFUSEE]}

    client.post(
        reverse("offres:qualifier", args=[ecartee.pk]),
        {"action": "ecarter", "motif_ecart": MotifEcart.CONDITIONS, "commentaire_ecart": "Horaires"},
    )
    ecart = entrees("offres.offre", "modification")[-1]
    assert ecart.utilisateur == charge and ecart.objet_id == str(ecartee.pk)
    assert ecart.champs == {
        "statut": [StatutOffre.COLLECTEE, StatutOffre.ECARTEE],
        "motif_ecart": ["", MotifEcart.CONDITIONS],
        "commentaire_ecart": ["", "Horaires"],
        "ecartee_par": [None, charge.pk],
    }


def test_a_positionnement_and_its_steps_are_recorded(referent, participant):
    from offres import services
    from offres.enums import StatutPositionnement

    offre = OffreFactory(statut=StatutOffre.DIFFUSEE)
    with audit.au_nom_de(referent):
        (positionnement,) = services.positionnements_creer(offre=offre, participants=[participant], par=referent)
        services.positionnement_avancer(
            positionnement=positionnement, statut=StatutPositionnement.CANDIDATURE_ENVOYEE, par=referent
        )
    cree = une("offres.positionnement", "creation")
    assert cree.utilisateur == referent and cree.objet_libelle == f"P-AUDIT-1 sur l'offre n° {offre.pk}"
    avance = une("offres.positionnement", "modification")
    assert avance.champs["statut"] == [StatutPositionnement.PROPOSE, StatutPositionnement.CANDIDATURE_ENVOYEE]


def test_a_change_made_by_no_person_is_attributed_to_the_system(participant):
    participant.disponible = False
    participant.save()
    assert une("participants.participant", "modification").utilisateur is None


def test_the_workbook_import_writes_one_summary_row(make_user):
    coordinatrice = make_user(Role.COORDINATRICE)
    make_user(Role.REFERENT, email="referente@test.plie.fr")
    depart = JournalModification.objects.count()
    resultat = classeur.importer(lire(xlsx([ligne(), ligne(identifiant="P-2")])), par=coordinatrice)
    assert resultat.crees == 2
    assert JournalModification.objects.count() == depart + 1
    resume = JournalModification.objects.latest("id")
    assert (resume.utilisateur, resume.action, resume.objet_type) == (
        coordinatrice,
        JournalModification.Action.IMPORT,
        "participants.participant",
    )
    assert resume.objet_libelle.startswith("Import du classeur : 2 participants créés")
    assert resume.champs["participants créés"] == [None, 2]
    classeur.importer(lire(xlsx([ligne(), ligne(identifiant="P-2")])), par=coordinatrice)
    assert JournalModification.objects.count() == depart + 1  # the same file again changes nothing


# --- Append-only and purge -------------------------------------------------------------------------


def test_a_journal_row_cannot_be_changed_nor_deleted_through_the_model(participant):
    entree = JournalModification.objects.latest("id")
    entree.objet_libelle = "autre"
    with pytest.raises(ValueError, match="ne se modifie pas"):
        entree.save()
    with pytest.raises(ValueError, match="ne se supprime pas"):
        entree.delete()


def test_the_database_refuses_to_update_or_delete_journal_rows(participant, referent):
    needs("PostgreSQL", connection.vendor == "postgresql", "le verrou des journaux est un trigger PostgreSQL")
    JournalAcces.objects.create(utilisateur=referent, action=JournalAcces.Action.EXPORT, objet_type="test")
    for table in ("plie_journalmodification", "plie_journalacces"):
        for sql in (f"UPDATE {table} SET objet_type = 'x'", f"DELETE FROM {table}"):
            with (
                pytest.raises(DatabaseError, match="ne se modifient pas"),
                transaction.atomic(),
                connection.cursor() as curseur,
            ):
                curseur.execute(sql)
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalModification.objects.all().delete()  # a queryset delete is a plain DELETE too
    assert JournalModification.objects.exists() and JournalAcces.objects.exists()


def test_the_purge_deletes_only_rows_older_than_the_limit_and_keeps_the_lock(referent):
    maintenant = timezone.now()
    limite = maintenant - datetime.timedelta(days=365)
    for age in (400, 366, 364):
        horodatage = maintenant - datetime.timedelta(days=age)
        JournalModification.objects.create(action="modification", objet_type="test", horodatage=horodatage)
        JournalAcces.objects.create(
            utilisateur=referent, action=JournalAcces.Action.EXPORT, objet_type="test", horodatage=horodatage
        )
    with transaction.atomic():
        assert audit.purger_journaux(limite) == {"modifications": 2, "acces": 2}
        if connection.vendor == "postgresql":
            # The setting is off again for the rest of the caller's transaction.
            with pytest.raises(DatabaseError), transaction.atomic():
                JournalAcces.objects.all().delete()
    assert list(JournalModification.objects.filter(objet_type="test").values_list("horodatage", flat=True)) == [
        maintenant - datetime.timedelta(days=364)
    ]
    assert JournalAcces.objects.count() == 1


# --- The page --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "attendu"),
    [
        (Role.ADMINISTRATEUR, 200),
        (Role.COORDINATRICE, 403),
        (Role.REFERENT, 403),
        (Role.CHARGE_MISSION, 403),
        (Role.AUDITEUR_FSE, 403),
    ],
)
def test_only_the_administrateur_opens_the_journal(client_as, role, attendu):
    assert client_as(role).get(reverse("journal")).status_code == attendu


def test_anonymous_is_sent_to_login(client):
    reponse = client.get(reverse("journal"))
    assert reponse.status_code == 302 and "/connexion/" in reponse.url


def test_the_journal_is_in_the_administrateur_navigation_only(client_as):
    lien = f'href="{reverse("journal")}"'
    assert lien in client_as(Role.ADMINISTRATEUR).get(reverse("espace_administrateur")).content.decode()
    assert lien not in client_as(Role.COORDINATRICE).get(reverse("espace_coordinatrice")).content.decode()


def _page(client, **filtres):
    reponse = client.get(reverse("journal"), filtres)
    assert reponse.status_code == 200
    return reponse


def test_the_page_filters_by_person_object_action_and_period(client, make_user, referent):
    admin = make_user(Role.ADMINISTRATEUR)
    autre = make_user(Role.REFERENT)
    with audit.au_nom_de(referent):
        premier = ParticipantFactory(identifiant="P-FILTRE-1", referent=referent)
        HistoriqueReferent.objects.create(participant=premier, referent=referent, du=TODAY)
    with audit.au_nom_de(autre):
        second = ParticipantFactory(identifiant="P-FILTRE-2", referent=autre)
        second.permis_b = not second.permis_b
        second.save()
    ancienne = JournalModification.objects.create(
        utilisateur=autre,
        action="modification",
        objet_type="participants.participant",
        objet_id=str(second.pk),
        objet_libelle="P-FILTRE-2",
        horodatage=timezone.now() - datetime.timedelta(days=30),
    )
    connecter(client, admin)

    def ids(**filtres):
        return [e.pk for e in _page(client, **filtres).context["entrees"]]

    tous = ids()
    assert tous == list(JournalModification.objects.order_by("-horodatage", "-id").values_list("pk", flat=True))
    par_le_referent = JournalModification.objects.filter(utilisateur=referent).order_by("-horodatage", "-id")
    assert len(par_le_referent) == 2 and ids(utilisateur=referent.pk) == [e.pk for e in par_le_referent]
    sur_le_premier = JournalModification.objects.filter(objet_libelle="P-FILTRE-1")
    assert sur_le_premier.count() == 2  # the participant and its référent history
    assert set(ids(objet="P-FILTRE-1")) == set(sur_le_premier.values_list("pk", flat=True))
    assert ids(objet=str(premier.pk), objet_type="participants.participant") == [
        JournalModification.objects.get(objet_type="participants.participant", objet_id=str(premier.pk)).pk
    ]
    assert set(ids(action="modification")) == {e.pk for e in JournalModification.objects.filter(action="modification")}
    veille = (TODAY - datetime.timedelta(days=1)).isoformat()
    assert ids(au=veille) == [ancienne.pk]
    assert ancienne.pk not in ids(du=TODAY.isoformat())
    page = _page(client, objet="P-FILTRE-2", action="modification").content.decode()
    assert "Permis B" in page and "P-FILTRE-2" in page
    vide = _page(client, objet="inconnu").content.decode()
    assert "Aucune entrée du journal ne correspond à ces critères." in vide


def test_the_page_shows_masked_changes_without_their_values(client_as, participant):
    participant.sante_handicap = True
    participant.save()
    page = _page(client_as(Role.ADMINISTRATEUR), objet="P-AUDIT-1", action="modification").content.decode()
    assert "Problèmes de santé ou handicap : valeur non journalisée" in page


def test_the_access_tab_lists_sensitive_reads_and_exports(client, make_user, referent):
    admin = make_user(Role.ADMINISTRATEUR)
    lecture = JournalAcces.objects.create(
        utilisateur=referent, action=JournalAcces.Action.LECTURE_SENSIBLE, objet_type="participant", objet_id="12"
    )
    export = JournalAcces.objects.create(
        utilisateur=admin, action=JournalAcces.Action.EXPORT, objet_type="participants", detail="3 lignes"
    )
    connecter(client, admin)

    def ids(**filtres):
        return [e.pk for e in _page(client, onglet="acces", **filtres).context["entrees"]]

    assert ids() == [export.pk, lecture.pk]
    assert ids(utilisateur=referent.pk) == [lecture.pk]
    assert ids(action="export") == [export.pk]
    assert ids(objet_type="participant") == [lecture.pk]
    assert ids(objet="12") == [lecture.pk]
    assert ids(du=(TODAY + datetime.timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize("onglet", ["modifications", "acces"])
def test_the_page_query_count_does_not_grow_with_the_rows(client, make_user, onglet):
    admin = make_user(Role.ADMINISTRATEUR)
    connecter(client, admin)
    auteurs = [make_user(Role.REFERENT) for _ in range(5)]

    def remplir(nombre):
        for n in range(nombre):
            if onglet == "acces":
                JournalAcces.objects.create(
                    utilisateur=auteurs[n % 5], action=JournalAcces.Action.EXPORT, objet_type="offres"
                )
            else:
                JournalModification.objects.create(
                    utilisateur=auteurs[n % 5],
                    action="modification",
                    objet_type="participants.participant",
                    objet_id=str(n),
                    champs={"statut": ["candidat", "entre"], "heures_hebdo_max": [None, Decimal("24")]},
                )

    def compter():
        with CaptureQueriesContext(connection) as requetes:
            reponse = _page(client, onglet=onglet)
        return len(requetes), len(reponse.context["entrees"])

    _page(client, onglet=onglet)  # rights read once after the accounts were made (plie.droits' cache)
    remplir(5)
    petit, lignes_petit = compter()
    remplir(45)
    grand, lignes_grand = compter()
    assert lignes_grand > lignes_petit >= 5
    assert petit == grand
