"""The participants' FSE data: the rules at their boundaries (4-week result, 6-month follow-up, age
and CITE bands), the indicators and the completeness list on a hand-built data set, the pages
(form, indicators, list) for each role, and their constant number of queries."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fse import rules, selectors, services
from fse.models import DonneesFseParticipant
from participants.enums import MotifSortie, StatutParticipant
from participants.factories import ParticipantFactory
from participants.models import Participant
from plie.models import JournalAcces, NiveauFormation, QuartierPrioritaire
from plie.roles import Role

pytestmark = pytest.mark.django_db

DEBUT, FIN = date(2025, 1, 1), date(2025, 3, 31)
QS = "du=2025-01-01&au=2025-03-31"
INDICATEURS = reverse("fse:indicateurs")
INCOMPLETS = reverse("fse:donnees_incompletes")


def url_donnees(participant):
    return reverse("fse:donnees_participant", args=[participant.pk])


def niveau(isced):
    return NiveauFormation.objects.filter(isced=isced).order_by("rang").first()


def personne(referent, nom, *, entree, sortie=None, motif=MotifSortie.CDI, **champs):
    """A participant entered on ``entree`` (and left on ``sortie``), with a known référent."""
    if sortie is not None:
        champs.update(statut=StatutParticipant.SORTI, date_sortie=sortie, motif_sortie=motif)
    else:
        champs.setdefault("statut", StatutParticipant.ENTRE)
    champs.setdefault("situation_marche_travail", "DE")
    return ParticipantFactory(
        referent=referent, nom=nom, date_entree=entree, date_candidature=entree - timedelta(days=30), **champs
    )


# --- Rules at their boundaries ---------------------------------------------------------------


def test_the_result_upon_leaving_is_observed_within_four_weeks_bounds_included():
    sortie = date(2025, 2, 10)
    rules.verifier_constat_sortie(sortie, sortie)
    rules.verifier_constat_sortie(sortie, sortie + timedelta(days=28))
    assert rules.limite_resultat_sortie(sortie) == date(2025, 3, 10)
    with pytest.raises(ValidationError, match="au plus tard le 10/03/2025"):
        rules.verifier_constat_sortie(sortie, sortie + timedelta(days=29))
    with pytest.raises(ValidationError, match="avant la sortie"):
        rules.verifier_constat_sortie(sortie, sortie - timedelta(days=1))


@pytest.mark.parametrize(
    ("constate_le", "accepte"),
    [(date(2025, 3, 10), True), (date(2025, 3, 11), False), (date(2025, 2, 9), False), (date(2025, 2, 10), True)],
)
def test_the_service_applies_the_four_week_rule(referent, constate_le, accepte):
    participant = personne(referent, "Durand", entree=date(2024, 5, 1), sortie=date(2025, 2, 10))
    if accepte:
        donnees = services.donnees_fse_enregistrer(
            participant, referent, resultat_constate_le=constate_le, en_emploi=True
        )
        assert rules.resultat_valable(selectors.faits(participant)) and donnees.modifie_par == referent
    else:
        with pytest.raises(ValidationError) as erreur:
            services.donnees_fse_enregistrer(participant, referent, resultat_constate_le=constate_le, en_emploi=True)
        assert "resultat_constate_le" in erreur.value.message_dict
        assert not DonneesFseParticipant.objects.exists()


@pytest.mark.parametrize(
    ("sortie", "echeance"),
    [
        (date(2024, 8, 31), date(2025, 2, 28)),  # no 31 February: the last day of the month
        (date(2023, 8, 31), date(2024, 2, 29)),  # leap year
        (date(2025, 3, 15), date(2025, 9, 15)),
    ],
)
def test_the_follow_up_is_due_six_months_after_the_exit(sortie, echeance):
    assert rules.echeance_suivi(sortie) == echeance
    rules.verifier_suivi(sortie, echeance)
    with pytest.raises(ValidationError, match=f"à partir du {echeance:%d/%m/%Y}"):
        rules.verifier_suivi(sortie, echeance - timedelta(days=1))


def test_the_service_refuses_a_follow_up_before_its_due_date(referent):
    participant = personne(referent, "Morel", entree=date(2024, 1, 10), sortie=date(2024, 8, 31))
    with pytest.raises(ValidationError) as erreur:
        services.donnees_fse_enregistrer(
            participant, referent, suivi_le=date(2025, 2, 27), suivi_situation=rules.SituationSuivi.EMPLOI
        )
    assert "suivi_le" in erreur.value.message_dict
    services.donnees_fse_enregistrer(
        participant, referent, suivi_le=date(2025, 2, 28), suivi_situation=rules.SituationSuivi.EMPLOI
    )
    assert DonneesFseParticipant.objects.get().suivi_le == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("naissance", "entree", "code"),
    [
        (date(2007, 6, 15), date(2025, 6, 14), "moins_18"),
        (date(2007, 6, 15), date(2025, 6, 15), "18_29"),
        (date(1995, 6, 15), date(2025, 6, 14), "18_29"),
        (date(1995, 6, 15), date(2025, 6, 15), "30_54"),
        (date(1970, 3, 1), date(2025, 2, 28), "30_54"),
        (date(1970, 3, 1), date(2025, 3, 1), "55_plus"),
        (date(2000, 2, 29), date(2018, 2, 28), "moins_18"),  # born on 29 February: 18 on 1 March
        (date(2000, 2, 29), date(2018, 3, 1), "18_29"),
    ],
)
def test_age_bands_change_on_the_birthday(naissance, entree, code):
    assert rules.tranche_age(naissance, entree)[0] == code


@pytest.mark.parametrize(
    ("isced", "code"),
    [(0, "cite_0_2"), (2, "cite_0_2"), (3, "cite_3_4"), (4, "cite_3_4"), (5, "cite_5_8"), (8, "cite_5_8")],
)
def test_cite_bands(isced, code):
    assert rules.tranche_cite(isced)[0] == code


# --- Indicators and completeness on a hand-built data set ------------------------------------


@pytest.fixture
def jeu(referent):
    """Entries on the first and last days of the period (and the day after), exits with results
    inside and outside the 4 weeks, follow-ups falling due on the period's bounds."""
    qpv = QuartierPrioritaire.objects.order_by("pk").first()
    p = {}
    p["alice"] = personne(
        referent,
        "Alice",
        entree=FIN,
        sexe="F",
        date_naissance=date(2000, 1, 1),
        situation_marche_travail="DELD",
        niveau_formation=niveau(2),
        reconnaissance_handicap=True,
        quartier_prioritaire=qpv,
    )
    DonneesFseParticipant.objects.create(
        participant=p["alice"],
        menage=rules.Menage.ISOLE_ENFANTS,
        pays_tiers=rules.Collecte.OUI,
        sans_domicile=True,
    )
    p["bruno"] = personne(referent, "Bruno", entree=date(2025, 4, 1), sexe="M")  # the day after the period
    p["cesar"] = personne(
        referent,
        "Cesar",
        entree=DEBUT,
        sexe="M",
        date_naissance=date(1968, 5, 5),
        niveau_formation=niveau(5),
    )
    DonneesFseParticipant.objects.create(participant=p["cesar"], zone_rurale=True)
    p["diane"] = personne(referent, "Diane", entree=date(2024, 12, 31), sortie=date(2025, 2, 10))
    DonneesFseParticipant.objects.create(
        participant=p["diane"],
        menage=rules.Menage.AUTRE,
        resultat_constate_le=date(2025, 3, 10),  # exit + 28 days
        en_emploi=True,
        en_formation=True,
    )
    p["emile"] = personne(referent, "Emile", entree=date(2024, 6, 1), sortie=FIN)
    DonneesFseParticipant.objects.create(  # observed one day too late
        participant=p["emile"], menage=rules.Menage.AUTRE, resultat_constate_le=date(2025, 4, 29), en_emploi=True
    )
    p["fanny"] = personne(referent, "Fanny", entree=date(2024, 1, 2), sortie=date(2024, 8, 31))  # due 28/02/2025
    DonneesFseParticipant.objects.create(
        participant=p["fanny"],
        menage=rules.Menage.AUTRE,
        resultat_constate_le=date(2024, 8, 31),
        en_emploi=True,
        suivi_le=date(2025, 2, 28),
        suivi_situation=rules.SituationSuivi.EMPLOI,
    )
    p["gaston"] = personne(referent, "Gaston", entree=date(2024, 1, 2), sortie=date(2024, 9, 30))  # due 30/03
    p["hugo"] = personne(referent, "Hugo", entree=date(2024, 1, 2), sortie=date(2024, 7, 1))  # due 01/01/2025
    p["ines"] = personne(referent, "Ines", entree=date(2024, 1, 2), sortie=date(2024, 6, 30))  # due 30/12/2024
    p["julie"] = personne(referent, "Julie", entree=date(2024, 3, 1), sortie=date(2025, 3, 20))  # nothing recorded
    ParticipantFactory(referent=referent, nom="Candidat")  # not entered
    return p


def test_indicators_of_a_hand_built_data_set(jeu):
    entree, sortie, suivi = (
        {code: n for code, _libelle, n in tableau} for tableau in selectors.indicateurs(DEBUT, FIN)
    )
    assert entree["participants"] == 2  # Alice (last day) and César (first day), not Bruno (the day after)
    assert (entree["femmes"], entree["hommes"]) == (1, 1)
    assert (entree["chomeurs"], entree["chomeurs_longue_duree"], entree["inactifs"]) == (2, 1, 0)
    assert (entree["18_29"], entree["30_54"], entree["55_plus"]) == (1, 0, 1)
    assert (entree["cite_0_2"], entree["cite_3_4"], entree["cite_5_8"]) == (1, 0, 1)
    assert entree["handicap"] == entree["qpv"] == entree["pays_tiers"] == entree["sans_domicile"] == 1
    assert entree["zone_rurale"] == entree["menage_isole_enfants"] == 1
    assert entree["origine_etrangere"] == 0
    assert sortie["sortis"] == 3  # Diane, Émile and Julie
    assert (sortie["sortie_emploi"], sortie["sortie_formation"], sortie["sortie_recherche"]) == (1, 1, 0)
    assert sortie["sortie_non_constatee"] == 2  # Émile (observed on exit + 29 days), Julie (nothing)
    assert suivi == {"suivi_du": 3, "suivi_emploi": 1, "suivi_manquant": 2}  # Fanny, Gaston, Hugo; not Inès


def test_the_completeness_list(jeu):
    """The participants of the operation (entered by the end, not left before the start), and
    those whose 6-month follow-up fell due in the period, with what is missing, at two dates."""
    jamais_constate = "résultat à la sortie (non constaté dans les 4 semaines)"
    gaston = ["situation du ménage", jamais_constate, "suivi à 6 mois (dû depuis le 30/03/2025)"]
    hugo = ["situation du ménage", jamais_constate, "suivi à 6 mois (dû depuis le 01/01/2025)"]
    hors_delai = "résultat à la sortie (constaté hors du délai de 4 semaines)"
    avril = {p.nom: m for p, m in selectors.incomplets(DEBUT, FIN, date(2025, 4, 1))}
    assert avril == {
        "Cesar": ["situation du ménage"],
        "Emile": [hors_delai],
        "Gaston": gaston,
        "Hugo": hugo,
        "Julie": ["situation du ménage", "résultat à la sortie (à constater d'ici le 17/04/2025)"],
    }  # not Inès: her follow-up fell due on 30/12/2024, before the period
    octobre = {p.nom: m for p, m in selectors.incomplets(DEBUT, FIN, date(2025, 10, 1))}
    assert octobre == {
        "Cesar": ["situation du ménage"],
        "Diane": ["suivi à 6 mois (dû depuis le 10/08/2025)"],
        "Emile": [hors_delai, "suivi à 6 mois (dû depuis le 30/09/2025)"],
        "Gaston": gaston,
        "Hugo": hugo,
        "Julie": ["situation du ménage", jamais_constate, "suivi à 6 mois (dû depuis le 20/09/2025)"],
    }


def test_the_completeness_list_narrowed_to_a_caseload(jeu, referent, make_user):
    personne(make_user(Role.REFERENT), "Zoe", entree=DEBUT)
    tous = {p.nom for p, _m in selectors.incomplets(DEBUT, FIN, date(2025, 4, 1))}
    portefeuille = selectors.incomplets(DEBUT, FIN, date(2025, 4, 1), Participant.objects.filter(referent=referent))
    assert tous == {"Cesar", "Emile", "Gaston", "Hugo", "Julie", "Zoe"}
    assert {p.nom for p, _m in portefeuille} == {"Cesar", "Emile", "Gaston", "Hugo", "Julie"}


# --- The participant's FSE data page ----------------------------------------------------------


def _page(client, participant):
    return client.get(url_donnees(participant))


def test_the_referent_records_the_entry_facts(client, referent):
    participant = personne(referent, "Roux", entree=timezone.localdate() - timedelta(days=40))
    client.force_login(referent)
    page = _page(client, participant).content.decode()
    assert "Situation à l'entrée" in page and "Se saisit une fois la sortie enregistrée" in page
    assert 'name="resultat_constate_le"' not in page and 'name="suivi_le"' not in page
    assert "Données FSE : à compléter (1)" in page

    reponse = client.post(
        url_donnees(participant),
        {
            "menage": rules.Menage.SANS_EMPLOI,
            "pays_tiers": "non",
            "origine_etrangere": "non_collecte",
            "zone_rurale": "on",
        },
        follow=True,
    )
    assert "Données FSE enregistrées." in reponse.content.decode()
    assert "Données FSE : complètes" in reponse.content.decode()
    donnees = DonneesFseParticipant.objects.get(participant=participant)
    assert (donnees.menage, donnees.pays_tiers, donnees.zone_rurale, donnees.sans_domicile) == (
        rules.Menage.SANS_EMPLOI,
        rules.Collecte.NON,
        True,
        False,
    )
    assert donnees.modifie_par == referent


def test_the_exit_block_is_prefilled_from_the_exit_reason_and_shows_the_deadline(client, referent):
    sortie = timezone.localdate() - timedelta(days=3)
    participant = personne(referent, "Petit", entree=sortie - timedelta(days=300), sortie=sortie)
    client.force_login(referent)
    page = _page(client, participant).content.decode()
    limite = sortie + timedelta(days=28)
    assert f"{limite:%d/%m/%Y}" in page and "Pré-rempli d'après le motif de sortie" in page
    assert 'name="en_emploi" class="checkboxinput form-check-input" id="id_en_emploi" checked' in page
    assert "Le suivi à 6 mois sera dû à partir du" in page and 'name="suivi_le"' not in page

    # One day too late: refused with the rule's message, nothing saved.
    donnees = {"menage": rules.Menage.AUTRE, "pays_tiers": "non_collecte", "origine_etrangere": "non_collecte"}
    trop_tard = {**donnees, "resultat_constate_le": (limite + timedelta(days=1)).isoformat(), "en_emploi": "on"}
    page = client.post(url_donnees(participant), trop_tard).content.decode()
    assert "se constate dans les 4 semaines" in page
    assert not DonneesFseParticipant.objects.exists()

    client.post(url_donnees(participant), {**trop_tard, "resultat_constate_le": limite.isoformat()})
    assert DonneesFseParticipant.objects.get().resultat_constate_le == limite
    assert "Pré-rempli" not in _page(client, participant).content.decode()


def test_the_follow_up_block_from_its_due_date(client, referent):
    aujourd_hui = timezone.localdate()
    sortie = aujourd_hui - timedelta(days=200)
    participant = personne(referent, "Blanc", entree=sortie - timedelta(days=300), sortie=sortie)
    client.force_login(referent)
    page = _page(client, participant).content.decode()
    assert 'name="suivi_le"' in page and f"Dû depuis le {rules.echeance_suivi(sortie):%d/%m/%Y}" in page
    client.post(
        url_donnees(participant),
        {
            "menage": rules.Menage.AUTRE,
            "pays_tiers": "non_collecte",
            "origine_etrangere": "non_collecte",
            "resultat_constate_le": sortie.isoformat(),
            "en_recherche_emploi": "on",
            "suivi_le": aujourd_hui.isoformat(),
            "suivi_situation": rules.SituationSuivi.EMPLOI,
        },
    )
    donnees = DonneesFseParticipant.objects.get()
    assert (donnees.suivi_le, donnees.suivi_situation, donnees.en_recherche_emploi) == (
        aujourd_hui,
        rules.SituationSuivi.EMPLOI,
        True,
    )


def test_the_rqth_is_shown_to_the_referent_and_logged_not_to_the_auditor(client, referent, make_user):
    participant = personne(referent, "Vidal", entree=date(2025, 1, 6), reconnaissance_handicap=True)
    client.force_login(referent)
    page = _page(client, participant).content.decode()
    assert "votre consultation est enregistrée" in page
    assert JournalAcces.objects.filter(
        utilisateur=referent, action=JournalAcces.Action.LECTURE_SENSIBLE, objet_id=str(participant.pk)
    ).exists()
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    page = _page(client, participant).content.decode()
    assert "réservé au référent et à la coordination" in page and "Consultation seule" in page
    assert ">Enregistrer</button>" not in page and 'disabled id="id_menage"' in page
    assert not JournalAcces.objects.filter(utilisateur=auditeur).exists()


def test_the_badge_on_the_participant_record(client, referent):
    participant = personne(referent, "Garnier", entree=date(2025, 1, 6))
    client.force_login(referent)
    detail = reverse("participants:detail", args=[participant.pk])
    page = client.get(detail).content.decode()
    assert "Données FSE : à compléter (1)" in page and url_donnees(participant) in page
    services.donnees_fse_enregistrer(participant, referent, menage=rules.Menage.AUTRE)
    assert "Données FSE : complètes" in client.get(detail).content.decode()
    candidat = ParticipantFactory(referent=referent)
    assert "Données FSE :" not in client.get(reverse("participants:detail", args=[candidat.pk])).content.decode()


# --- Permissions -----------------------------------------------------------------------------


@pytest.fixture
def dossier(referent):
    return personne(referent, "Lemoine", entree=date(2025, 1, 6))


POST_VALIDE = {"menage": "autre", "pays_tiers": "non_collecte", "origine_etrangere": "non_collecte"}


@pytest.mark.parametrize(
    ("role", "lecture", "ecriture"),
    [
        (Role.COORDINATRICE, 200, 302),
        (Role.AUDITEUR_FSE, 200, 403),
        (Role.CHARGE_MISSION, 403, 403),
        (Role.ADMINISTRATEUR, 403, 403),
        (Role.REFERENT, 404, 404),  # another caseload
    ],
)
def test_who_reads_and_writes_the_participant_page(client_as, dossier, role, lecture, ecriture):
    client = client_as(role)
    assert client.get(url_donnees(dossier)).status_code == lecture
    assert client.post(url_donnees(dossier), POST_VALIDE).status_code == ecriture
    assert DonneesFseParticipant.objects.exists() == (ecriture == 302)


def test_the_participants_referent_writes_and_anonymous_goes_to_login(client, referent, dossier):
    for reponse in (client.get(url_donnees(dossier)), client.post(url_donnees(dossier), POST_VALIDE)):
        assert reponse.status_code == 302 and "?next=" in reponse.url
    assert not DonneesFseParticipant.objects.exists()
    client.force_login(referent)
    assert client.get(url_donnees(dossier)).status_code == 200
    assert client.post(url_donnees(dossier), POST_VALIDE).status_code == 302


@pytest.mark.parametrize(
    ("role", "indicateurs", "incomplets", "export"),
    [
        (Role.COORDINATRICE, 200, 200, 200),
        (Role.AUDITEUR_FSE, 200, 200, 200),
        (Role.REFERENT, 403, 200, 403),
        (Role.CHARGE_MISSION, 403, 403, 403),
        (Role.ADMINISTRATEUR, 403, 403, 403),
    ],
)
def test_who_opens_the_period_pages(client_as, role, indicateurs, incomplets, export):
    client = client_as(role)
    assert client.get(INDICATEURS).status_code == indicateurs
    assert client.get(INCOMPLETS).status_code == incomplets
    assert client.get(reverse("fse:donnees_export")).status_code == export


@pytest.mark.parametrize("url", [INDICATEURS, INCOMPLETS, reverse("fse:donnees_export")])
def test_anonymous_visitors_go_to_the_login_page(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 302 and "?next=" in reponse.url


def test_the_navigation_shows_the_fse_pages_to_whom_they_concern(client_as):
    page = client_as(Role.AUDITEUR_FSE).get(INDICATEURS).content.decode()
    assert f'href="{INDICATEURS}"' in page
    page = client_as(Role.CHARGE_MISSION).get(reverse("espace_charge_mission")).content.decode()
    assert f'href="{INDICATEURS}"' not in page and f'href="{INCOMPLETS}"' not in page


# --- Indicators and completeness pages ----------------------------------------------------------


def test_the_indicators_page(jeu, client_as):
    page = client_as(Role.AUDITEUR_FSE).get(f"{INDICATEURS}?{QS}").content.decode()
    assert "Participants entrés" in page and "Suivis à 6 mois arrivés à échéance" in page
    assert f"{reverse('fse:donnees_export')}?{QS}" in page.replace("&amp;", "&")
    assert f"{INCOMPLETS}?{QS}" in page.replace("&amp;", "&")
    # César, Diane, Émile, Julie, and Gaston and Hugo whose follow-up fell due in the period
    assert "6 participants aux données incomplètes" in page


def test_the_indicators_page_defaults_to_the_current_year(client_as):
    page = client_as(Role.COORDINATRICE).get(INDICATEURS).content.decode()
    aujourd_hui = timezone.localdate()
    assert f'value="{aujourd_hui.year}-01-01"' in page and f'value="{aujourd_hui:%Y-%m-%d}"' in page
    assert f"du={aujourd_hui.year}-01-01" in page


@pytest.mark.parametrize(
    ("qs", "message"),
    [
        ("du=2025-03-31&au=2025-01-01", "La date de début doit précéder la date de fin"),
        ("du=31-03-2025&au=2025-04-01", "Date de début invalide"),
        ("du=2025-01-01&au=demain", "Date de fin invalide"),
    ],
)
def test_an_invalid_period_is_explained(client_as, qs, message):
    client = client_as(Role.COORDINATRICE)
    page = client.get(f"{INDICATEURS}?{qs}").content.decode()
    assert message in page and "Participants entrés" not in page and "Télécharger" not in page
    assert message in client.get(f"{INCOMPLETS}?{qs}").content.decode()
    reponse = client.get(f"{reverse('fse:donnees_export')}?{qs}", follow=True)
    assert message in reponse.content.decode() and not JournalAcces.objects.exists()


def test_the_completeness_page_links_to_the_pages_the_user_may_edit(jeu, client, referent, make_user):
    personne(make_user(Role.REFERENT), "Zoe", entree=DEBUT)
    client.force_login(referent)
    page = client.get(f"{INCOMPLETS}?{QS}").content.decode()
    assert "CESAR" in page and "JULIE" in page and "ZOE" not in page  # their own caseload only
    assert url_donnees(jeu["cesar"]) in page
    client.force_login(make_user(Role.AUDITEUR_FSE))
    page = client.get(f"{INCOMPLETS}?{QS}").content.decode()
    assert "ZOE" in page and url_donnees(jeu["cesar"]) not in page  # read-only: no link


def test_the_completeness_page_is_paginated(client, referent):
    for i in range(51):
        personne(referent, f"Nom{i:02d}", entree=DEBUT)
    client.force_login(referent)
    page = client.get(f"{INCOMPLETS}?{QS}").content.decode()
    assert "51 participants à compléter" in page and "Page 1 sur 2" in page
    assert "NOM50" not in page
    assert "NOM50" in client.get(f"{INCOMPLETS}?{QS}&page=2").content.decode()


def test_the_completeness_page_empty_state(client_as):
    page = client_as(Role.COORDINATRICE).get(f"{INCOMPLETS}?{QS}").content.decode()
    assert "Aucune donnée FSE à compléter sur cette période." in page


# --- Queries ------------------------------------------------------------------------------------


def _requetes(client, url):
    with CaptureQueriesContext(connection) as requetes:
        assert client.get(url).status_code == 200
    return len(requetes)


def _volume(referent, n):
    for i in range(n):
        p = personne(
            referent, f"Volume{i}", entree=DEBUT + timedelta(days=i), sortie=date(2025, 3, 1) if i % 2 else None
        )
        if i % 3:
            DonneesFseParticipant.objects.create(participant=p, menage=rules.Menage.AUTRE)


@pytest.mark.parametrize("url", [f"{INDICATEURS}?{QS}", f"{INCOMPLETS}?{QS}"])
def test_the_number_of_queries_does_not_depend_on_the_data(jeu, client_as, referent, url):
    client = client_as(Role.COORDINATRICE)
    client.get(url)  # warm the session
    petit = _requetes(client, url)
    _volume(referent, 15)
    assert _requetes(client, url) == petit


def test_the_participant_page_has_a_constant_number_of_queries(client, referent):
    participant = personne(referent, "Constant", entree=date(2025, 1, 6), sortie=date(2025, 2, 1))
    client.force_login(referent)
    client.get(url_donnees(participant))
    avant = _requetes(client, url_donnees(participant))
    services.donnees_fse_enregistrer(participant, referent, menage=rules.Menage.AUTRE)
    assert _requetes(client, url_donnees(participant)) == avant


def test_a_birth_date_after_the_entry_gives_no_age_band_rather_than_an_error():
    assert rules.tranche_age(date(2025, 1, 2), date(2025, 1, 1)) == (None, None)
