"""Properties of the rule engines of ``participants.rules`` (RULES.md §1–§3), on generated facts:
no crash on any combination of facts and dates, deterministic verdicts, monotonic where the rules
say so, and outcomes that change exactly on the documented day."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from entreprises import rules as entreprises
from formation import rules as formation
from fse import rules as fse
from offres import rules as offres
from participants import rules

P = rules.Parametres()  # the default readings of RULES.md
REGLAGES = settings(max_examples=150, deadline=None)

jours = st.dates(date(1990, 1, 1), date(2040, 12, 31))
faits_eligibilite = st.builds(
    rules.FaitsEligibilite,
    date_reference=jours,
    commune=st.sampled_from(["", "Dijon", "Chenôve", "Paris"]),
    commune_dans_territoire=st.booleans(),
    autorisation_travail=st.booleans(),
    consentement=st.booleans(),
    consentement_date=st.none() | jours,
    qualification_insuffisante=st.booleans(),
    sans_activite_depuis=st.none() | jours,
    minima_sociaux=st.sampled_from(["", "RSA", "ASS", "AAH", "AUTRE", "autre chose"]),
    situation_familiale_complexe=st.booleans(),
    mobilite_logement=st.booleans(),
    sante_handicap=st.booleans(),
    suivi_cap_emploi=st.booleans(),
    sous_main_justice=st.booleans(),
)
# The facts whose being true can only help (RULES §1); ``suivi_cap_emploi`` is the one that can hurt.
FAVORABLES = (
    "commune_dans_territoire",
    "autorisation_travail",
    "consentement",
    "qualification_insuffisante",
    "situation_familiale_complexe",
    "mobilite_logement",
    "sante_handicap",
    "sous_main_justice",
)


@REGLAGES
@given(faits=faits_eligibilite)
def test_eligibilite_toujours_un_verdict_deterministe_et_explique(faits):
    verdict = rules.eligibilite(faits, P)
    assert verdict == rules.eligibilite(faits, P)
    assert [c.code for c in verdict.criteres] == list(rules.CRITERES)
    assert all(c.raisons and all(r.strip() for r in c.raisons) for c in verdict.criteres)
    assert verdict.eligible == (not verdict.criteres_manquants)
    assert verdict.resume.startswith("Éligible" if verdict.eligible else "Non éligible")


@REGLAGES
@given(faits=faits_eligibilite, favorable=st.sampled_from(FAVORABLES))
def test_un_critere_rempli_en_plus_ne_rend_jamais_ineligible(faits, favorable):
    avant = rules.eligibilite(faits, P)
    apres = rules.eligibilite(replace(faits, **{favorable: True}), P)
    assert set(apres.criteres_manquants) <= set(avant.criteres_manquants)
    assert apres.eligible or not avant.eligible


@REGLAGES
@given(faits=faits_eligibilite, minimum=st.sampled_from(["RSA", "ASS", "AAH", "AUTRE"]))
def test_un_minimum_social_ne_rend_jamais_ineligible(faits, minimum):
    avant = rules.eligibilite(faits, P)
    apres = rules.eligibilite(replace(faits, minima_sociaux=minimum), P)
    assert set(apres.criteres_manquants) <= set(avant.criteres_manquants)


@REGLAGES
@given(faits=faits_eligibilite, depuis=st.dates(date(1990, 1, 1), date(2035, 12, 31)))
def test_sans_activite_plus_de_douze_mois_exactement_au_lendemain(faits, depuis):
    """RULES §1 (reading): strictly more than 12 calendar months before the reference date, so
    criterion A (without a social minimum) holds from the day after ``depuis`` + 12 months."""
    limite = depuis + relativedelta(months=P.sans_activite_mois)
    base = replace(faits, qualification_insuffisante=True, minima_sociaux="", sans_activite_depuis=depuis)
    le_jour = rules.eligibilite(replace(base, date_reference=limite), P)
    le_lendemain = rules.eligibilite(replace(base, date_reference=limite + timedelta(days=1)), P)
    assert "critere_marche_travail" in le_jour.criteres_manquants
    assert "critere_marche_travail" not in le_lendemain.criteres_manquants


# --- §2 positive exits ------------------------------------------------------------------------------

types_situation = st.sampled_from(list(rules.TypeSituation))


@st.composite
def situations(draw):
    debut = draw(st.dates(date(2015, 1, 1), date(2030, 12, 31)))
    fin = draw(st.none() | st.integers(0, 800).map(lambda n: debut + timedelta(days=n)))
    return rules.Situation(
        type=draw(types_situation),
        debut=debut,
        fin_prevue=draw(st.none() | st.integers(-10, 900).map(lambda n: debut + timedelta(days=n))),
        fin=fin,
        heures_hebdo=draw(st.none() | st.decimals(0, 60, places=1)),
        accord_temps_partiel=draw(st.booleans()),
        employeur=draw(st.sampled_from(["", "Batipro", '=HYPERLINK("x")'])),
        reference=draw(st.integers(1, 10**6)),
    )


faits_parcours = st.builds(
    rules.FaitsParcours,
    date_naissance=st.dates(date(1940, 2, 29), date(2008, 12, 31)),
    situations=st.lists(situations(), max_size=6).map(tuple),
    date_reference=st.dates(date(2015, 1, 1), date(2035, 12, 31)),
    validation_senior_aci=st.none() | st.dates(date(2015, 1, 1), date(2035, 12, 31)),
)


@REGLAGES
@given(faits=faits_parcours)
def test_sorties_positives_jamais_en_erreur_deterministes_et_datees_au_plus_tard_ce_jour(faits):
    sorties = rules.sorties_positives(faits, P)
    assert sorties == rules.sorties_positives(faits, P)
    assert list(sorties) == sorted(sorties, key=lambda s: (s.date, list(rules.ResultatSortie).index(s.resultat)))
    assert len({s.resultat for s in sorties}) == len(sorties)  # the earliest of each outcome only
    for sortie in sorties:
        assert sortie.raisons and sortie.references
        if not sortie.attend_commission:
            assert sortie.date <= faits.date_reference


@REGLAGES
@given(faits=faits_parcours, ajout=situations())
def test_une_situation_de_plus_ne_retire_aucune_sortie_positive(faits, ajout):
    avant = {s.resultat: s.date for s in rules.sorties_positives(faits, P)}
    apres = {
        s.resultat: s.date for s in rules.sorties_positives(replace(faits, situations=(*faits.situations, ajout)), P)
    }
    for resultat, jour in avant.items():
        assert resultat in apres and apres[resultat] <= jour


@REGLAGES
@given(
    debut=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    heures=st.none() | st.decimals(Decimal("17.5"), 48, places=1),
    type_=st.sampled_from([rules.TypeSituation.CDI, rules.TypeSituation.CREATION]),
)
def test_cdi_et_creation_positifs_exactement_six_mois_apres_le_debut(debut, heures, type_):
    echeance = debut + relativedelta(months=P.mois_presence)
    situation = rules.Situation(type=type_, debut=debut, heures_hebdo=heures, reference=1)

    def resultats(jour):
        faits = rules.FaitsParcours(date_naissance=date(1980, 1, 1), situations=(situation,), date_reference=jour)
        return {s.resultat: s.date for s in rules.sorties_positives(faits, P)}

    assert resultats(echeance - timedelta(days=1)) == {}
    assert resultats(echeance) == {type_.value: echeance}
    # Ended the day before the six months: never positive.
    parti = replace(situation, fin=echeance - timedelta(days=1))
    faits = rules.FaitsParcours(date_naissance=date(1980, 1, 1), situations=(parti,), date_reference=echeance)
    assert rules.sorties_positives(faits, P) == ()


@REGLAGES
@given(
    debut=st.dates(date(2015, 1, 1), date(2030, 12, 31)),
    type_=st.sampled_from([rules.TypeSituation.CDD, rules.TypeSituation.INTERIM]),
    coupure=st.integers(1, 100),
)
def test_cdd_et_interim_positifs_le_jour_du_182e_jour(debut, type_, coupure):
    """Two contracts with a gap: positive on the 182nd covered day, not the day before."""
    premier = rules.Situation(type=type_, debut=debut, fin=debut + timedelta(days=99), heures_hebdo=Decimal(35))
    reprise = debut + timedelta(days=100 + coupure)
    second = rules.Situation(type=type_, debut=reprise, heures_hebdo=Decimal(35))
    jour_182 = reprise + timedelta(days=P.jours_cumules - 100 - 1)

    def dates(jour):
        faits = rules.FaitsParcours(date_naissance=date(1980, 1, 1), situations=(premier, second), date_reference=jour)
        return [s.date for s in rules.sorties_positives(faits, P)]

    assert dates(jour_182 - timedelta(days=1)) == []
    assert dates(jour_182) == [jour_182]


@REGLAGES
@given(debut=st.dates(date(2015, 1, 1), date(2030, 12, 31)), age=st.integers(40, 70))
def test_senior_aci_seulement_a_partir_de_cinquante_cinq_ans_au_debut(debut, age):
    naissance = debut - relativedelta(years=age)
    aci = rules.Situation(type=rules.TypeSituation.ACI, debut=debut, reference=1)
    echeance = debut + relativedelta(months=P.mois_presence)
    faits = rules.FaitsParcours(date_naissance=naissance, situations=(aci,), date_reference=echeance)
    sorties = rules.sorties_positives(faits, P)
    assert bool(sorties) == (rules.age_le(naissance, debut) >= P.age_senior)
    assert all(s.attend_commission for s in sorties)  # no validation yet


# --- §3 monthly entretien --------------------------------------------------------------------------


@REGLAGES
@given(dernier=st.none() | jours, aujourd_hui=jours)
def test_entretien_du_mois_deterministe_et_explique(dernier, aujourd_hui):
    verdict = rules.entretien_du_mois(dernier, aujourd_hui, P.jours_max_sans_entretien)
    assert verdict == rules.entretien_du_mois(dernier, aujourd_hui, P.jours_max_sans_entretien)
    assert verdict.raisons
    if dernier is None or dernier > aujourd_hui:
        assert verdict.a_voir


@REGLAGES
@given(aujourd_hui=jours)
def test_entretien_a_voir_exactement_apres_trente_et_un_jours(aujourd_hui):
    """Within the month and at most 31 days: not to see; one day more (or another month): to see."""
    limite = aujourd_hui - timedelta(days=P.jours_max_sans_entretien)
    au_plus = rules.entretien_du_mois(limite, aujourd_hui, P.jours_max_sans_entretien)
    au_dela = rules.entretien_du_mois(limite - timedelta(days=1), aujourd_hui, P.jours_max_sans_entretien)
    assert au_dela.a_voir
    assert au_plus.a_voir == ((limite.year, limite.month) != (aujourd_hui.year, aujourd_hui.month))
    ce_jour = rules.entretien_du_mois(aujourd_hui, aujourd_hui, P.jours_max_sans_entretien)
    assert not ce_jour.a_voir


# --- The other engines ---------------------------------------------------------------------------


@REGLAGES
@given(sortie=jours, ecart=st.integers(-40, 40))
def test_fse_resultat_a_la_sortie_constate_dans_les_quatre_semaines_bornes_comprises(sortie, ecart):
    constate = sortie + timedelta(days=ecart)
    try:
        fse.verifier_constat_sortie(sortie, constate)
        accepte = True
    except ValidationError:
        accepte = False
    assert accepte == (0 <= ecart <= fse.JOURS_RESULTAT_SORTIE)


@REGLAGES
@given(sortie=jours)
def test_fse_suivi_a_six_mois_exactement_a_l_echeance(sortie):
    echeance = fse.echeance_suivi(sortie)
    assert echeance == sortie + relativedelta(months=fse.MOIS_SUIVI)
    fse.verifier_suivi(sortie, echeance)
    with pytest.raises(ValidationError, match="Le suivi à 6 mois se fait à partir du"):
        fse.verifier_suivi(sortie, echeance - timedelta(days=1))


class _Ligne:
    def __init__(self, jour, heures, categorie_id=1):
        self.date, self.heures, self.categorie_id = jour, heures, categorie_id


@REGLAGES
@given(
    lundi=jours.map(lambda j: j - timedelta(days=j.weekday())),
    lignes=st.lists(st.tuples(st.integers(-3, 10), st.decimals("0.25", "12", places=2)), max_size=20),
)
def test_fse_totaux_de_la_semaine_ne_comptent_que_ses_sept_jours(lundi, lignes):
    agenda = [_Ligne(lundi + timedelta(days=n), heures) for n, heures in lignes]
    dans_la_semaine = sum((h for n, h in lignes if 0 <= n <= 6), Decimal(0))
    assert fse.total_semaine(agenda, lundi) == dans_la_semaine
    assert list(fse.totaux_par_jour(agenda, lundi)) == fse.jours_semaine(lundi)
    assert fse.alertes(agenda, lundi) == fse.alertes(list(reversed(agenda)), lundi)
    assert bool(fse.alertes(agenda, lundi)) >= (dans_la_semaine > fse.HEURES_ALERTE_SEMAINE)


@REGLAGES
@given(naissance=st.dates(date(1920, 1, 1), date(2010, 12, 31)), jour=jours, age=st.integers(40, 70))
def test_formation_senior_coherent_avec_le_filtre_de_la_base(naissance, jour, age):
    assert formation.est_senior(naissance, jour, age) == (
        naissance <= formation.naissance_senior_au_plus_tard(jour, age)
    )


@REGLAGES
@given(nom=st.text(max_size=80))
def test_entreprises_nom_normalise_idempotent(nom):
    normalise = entreprises.normaliser_nom(nom)
    assert entreprises.normaliser_nom(normalise) == normalise
    assert normalise == normalise.strip() and "  " not in normalise


@REGLAGES
@given(texte=st.none() | st.text(max_size=300))
def test_offres_suggestions_jamais_en_erreur(texte):
    trouvees = offres.suggestions(texte)
    assert trouvees == offres.suggestions(texte)
    for champ, suggestion in trouvees.items():
        assert suggestion.champ == champ and suggestion.extrait


booleen_ou_rien = st.none() | st.booleans()
coordonnees = st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180))


@REGLAGES
@given(
    offre=st.builds(
        offres.ProfilOffre,
        code_rome=st.sampled_from(["", "F1703", "K2204", "N1103"]),
        commune=st.sampled_from(["", "21231", "21166"]),
        coordonnees=coordonnees,
        permis_requis=booleen_ou_rien,
        vehicule_requis=booleen_ou_rien,
        desserte_transports=booleen_ou_rien,
        heures_hebdo=st.none() | st.floats(0, 60),
        sans_diplome=booleen_ou_rien,
    ),
    candidat=st.builds(
        offres.ProfilCandidat,
        cle=st.integers(1, 100),
        metiers=st.frozensets(st.sampled_from(["F1703", "K2204", "N1103"])),
        commune=st.sampled_from(["", "21231", "21166"]),
        coordonnees=coordonnees,
        permis_b=st.booleans(),
        vehicule=st.booleans(),
        heures_hebdo_max=st.none() | st.integers(0, 48),
        niveau_rang=st.integers(0, 6),
        disponible=st.booleans(),
        deja_positionne=st.booleans(),
    ),
)
def test_offres_correspondance_score_borne_deterministe_et_expliquee(offre, candidat):
    resultat = offres.correspondance(offre, candidat)
    assert resultat == offres.correspondance(offre, candidat)
    assert 0 <= resultat.score <= 100 and resultat.cle == candidat.cle
    assert resultat.raisons or resultat.exclusions
