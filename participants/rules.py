"""Pure domain rules of RULES.md §1–§3: facts in, a verdict with reasons out.

No database access and no model import: callers (services, selectors) turn rows into the frozen
fact dataclasses below, so that each rule can be read, tested and explained on its own. Every
number that is a *reading* of the cahier des charges comes from `Parametres`
(`settings.PLIE_REGLES`), never from a literal in the logic. Reasons are plain French sentences
meant for référents and the commission: they name the facts and the dates (JJ/MM/AAAA).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta
from django.conf import settings

# --- Parameters ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Parametres:
    """The readings of RULES.md that a PLIE with another protocol may change."""

    sans_activite_mois: int = 12
    jours_cumules: int = 182
    fenetre_jours: int = 365
    mois_presence: int = 6
    seuil_heures_hebdo: Decimal = Decimal("17.5")
    age_senior: int = 55
    jours_max_sans_entretien: int = 31

    @classmethod
    def depuis_settings(cls) -> Parametres:
        """Read `settings.PLIE_REGLES`; a missing key keeps the default reading."""
        regles = getattr(settings, "PLIE_REGLES", {}) or {}
        cles = {
            "sans_activite_mois": "SANS_ACTIVITE_MOIS",
            "jours_cumules": "JOURS_CUMULES",
            "fenetre_jours": "FENETRE_JOURS",
            "mois_presence": "MOIS_PRESENCE",
            "age_senior": "AGE_SENIOR",
            "jours_max_sans_entretien": "JOURS_MAX_SANS_ENTRETIEN",
        }
        valeurs = {champ: int(regles[cle]) for champ, cle in cles.items() if cle in regles}
        if "SEUIL_HEURES_HEBDO" in regles:
            valeurs["seuil_heures_hebdo"] = Decimal(str(regles["SEUIL_HEURES_HEBDO"]))
        return cls(**valeurs)


# --- Formatting helpers --------------------------------------------------------------------

MOIS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _d(jour: date) -> str:
    return jour.strftime("%d/%m/%Y")


def _heures(valeur: Decimal) -> str:
    """17.5 -> "17,5 h", 20.0 -> "20 h" (French decimal comma, no trailing zeros)."""
    texte = format(Decimal(valeur), "f")
    if "." in texte:
        texte = texte.rstrip("0").rstrip(".")
    return f"{texte.replace('.', ',')} h"


def _il_y_a(n: int) -> str:
    return "aujourd'hui" if n == 0 else f"il y a {n} jour" if n == 1 else f"il y a {n} jours"


# --- §1 Entry eligibility ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FaitsEligibilite:
    date_reference: date  # the entry date, or today for a candidate
    commune: str  # commune name ("" if unknown), for the reasons
    commune_dans_territoire: bool  # resolved by the caller: the territory is dated data
    autorisation_travail: bool
    consentement: bool
    consentement_date: date | None
    qualification_insuffisante: bool
    sans_activite_depuis: date | None  # None = in activity
    minima_sociaux: str  # "" (none), "RSA", "ASS", "AAH", "AUTRE"
    situation_familiale_complexe: bool
    mobilite_logement: bool
    sante_handicap: bool
    suivi_cap_emploi: bool
    sous_main_justice: bool


@dataclass(frozen=True, kw_only=True)
class Critere:
    code: str
    libelle: str
    rempli: bool
    raisons: tuple[str, ...]


CRITERES = ("territoire", "autorisation_travail", "consentement", "critere_marche_travail", "critere_personnel")
LIBELLES_CRITERES = {
    "territoire": "Territoire",
    "autorisation_travail": "Autorisation de travail",
    "consentement": "Consentement",
    "critere_marche_travail": "Critère marché du travail (A)",
    "critere_personnel": "Critère personnel (B)",
}
LIBELLES_MINIMA = {"RSA": "du RSA", "ASS": "de l'ASS", "AAH": "de l'AAH", "AUTRE": "d'un autre minimum social"}


@dataclass(frozen=True, kw_only=True)
class VerdictEligibilite:
    criteres: tuple[Critere, ...]  # always the five of CRITERES, in that order

    @property
    def eligible(self) -> bool:
        return all(critere.rempli for critere in self.criteres)

    @property
    def criteres_manquants(self) -> tuple[str, ...]:
        return tuple(critere.code for critere in self.criteres if not critere.rempli)

    @property
    def resume(self) -> str:
        if self.eligible:
            return "Éligible : les cinq critères sont remplis."
        libelles = ", ".join(LIBELLES_CRITERES[code] for code in self.criteres_manquants)
        return f"Non éligible : critère(s) manquant(s) : {libelles}."


def _critere(code: str, rempli: bool, raisons: Iterable[str]) -> Critere:
    return Critere(code=code, libelle=LIBELLES_CRITERES[code], rempli=rempli, raisons=tuple(raisons))


def eligibilite(faits: FaitsEligibilite, parametres: Parametres | None = None) -> VerdictEligibilite:
    """RULES §1: the five criteria, each with its reasons; the commission's decision is elsewhere."""
    parametres = parametres or Parametres.depuis_settings()
    return VerdictEligibilite(
        criteres=(
            _critere_territoire(faits),
            _critere_autorisation_travail(faits),
            _critere_consentement(faits),
            _critere_marche_travail(faits, parametres),
            _critere_personnel(faits),
        )
    )


def _critere_territoire(faits: FaitsEligibilite) -> Critere:
    lieu = f"Réside à {faits.commune}" if faits.commune else "Commune de résidence non renseignée"
    if faits.commune_dans_territoire:
        raison = f"{lieu}, commune du territoire du PLIE."
    elif faits.commune:
        raison = f"{lieu}, commune hors du territoire du PLIE."
    else:
        raison = f"{lieu} : le territoire ne peut être vérifié."
    return _critere("territoire", faits.commune_dans_territoire, [raison])


def _critere_autorisation_travail(faits: FaitsEligibilite) -> Critere:
    if faits.autorisation_travail:
        raison = "Dispose d'une autorisation de travail en France."
    else:
        raison = "Pas d'autorisation de travail en France enregistrée."
    return _critere("autorisation_travail", faits.autorisation_travail, [raison])


def _critere_consentement(faits: FaitsEligibilite) -> Critere:
    """Consent is the recorded wish to enter a pathway; a missing date is reported, not fatal."""
    if not faits.consentement:
        raison = "Consentement à entrer dans un parcours d'insertion non recueilli."
    elif faits.consentement_date:
        raison = f"Consentement à entrer dans un parcours d'insertion recueilli le {_d(faits.consentement_date)}."
    else:
        raison = "Consentement à entrer dans un parcours d'insertion recueilli (date non renseignée)."
    return _critere("consentement", faits.consentement, [raison])


def _sans_activite_longue(faits: FaitsEligibilite, parametres: Parametres) -> tuple[bool, str]:
    """More than N calendar months without activity *before* the reference date (strictly)."""
    depuis = faits.sans_activite_depuis
    if depuis is None:
        return False, "En activité professionnelle : pas de période sans activité."
    n = parametres.sans_activite_mois
    limite = depuis + relativedelta(months=n)
    if faits.date_reference > limite:
        return True, f"Sans activité depuis le {_d(depuis)}, soit plus de {n} mois avant le {_d(faits.date_reference)}."
    return False, (
        f"Sans activité depuis le {_d(depuis)}, soit {n} mois au plus avant le {_d(faits.date_reference)} "
        f"(plus de {n} mois à partir du {_d(limite + timedelta(days=1))})."
    )


def _critere_marche_travail(faits: FaitsEligibilite, parametres: Parametres) -> Critere:
    """Criterion A: insufficient qualification AND (long without activity OR social minimum)."""
    raisons = []
    if faits.qualification_insuffisante:
        raisons.append("Qualification insuffisante ou inadaptée, ou savoirs de base non maîtrisés.")
    else:
        raisons.append("Qualification suffisante et savoirs de base maîtrisés : la condition de qualification manque.")
    sans_activite, raison = _sans_activite_longue(faits, parametres)
    raisons.append(raison)
    if faits.minima_sociaux:
        libelle = LIBELLES_MINIMA.get(faits.minima_sociaux, f"d'un minimum social ({faits.minima_sociaux})")
        raisons.append(f"Bénéficiaire {libelle}.")
    else:
        raisons.append("Aucun minimum social.")
    rempli = faits.qualification_insuffisante and (sans_activite or bool(faits.minima_sociaux))
    if faits.qualification_insuffisante and not rempli:
        raisons.append(
            f"Ni sans activité depuis plus de {parametres.sans_activite_mois} mois, ni bénéficiaire d'un minimum social."
        )
    return _critere("critere_marche_travail", rempli, raisons)


def _critere_personnel(faits: FaitsEligibilite) -> Critere:
    """Criterion B: at least one personal difficulty; health counts only outside Cap emploi."""
    raisons = []
    if faits.situation_familiale_complexe:
        raisons.append("Situation familiale complexe.")
    if faits.mobilite_logement:
        raisons.append("Problèmes de mobilité ou de logement.")
    sante = faits.sante_handicap and not faits.suivi_cap_emploi
    if sante:
        raisons.append("Problèmes de santé ou handicap, sans accompagnement par Cap emploi.")
    elif faits.sante_handicap:
        raisons.append("Problèmes de santé ou handicap, mais accompagné par Cap emploi : ne compte pas.")
    if faits.sous_main_justice:
        raisons.append("Sous main de justice.")
    rempli = faits.situation_familiale_complexe or faits.mobilite_logement or sante or faits.sous_main_justice
    if not rempli:
        raisons.append(
            "Aucune difficulté personnelle retenue (situation familiale, mobilité ou logement, "
            "santé ou handicap hors Cap emploi, justice)."
        )
    return _critere("critere_personnel", rempli, raisons)


# --- §2 Positive exits ---------------------------------------------------------------------


class TypeSituation(StrEnum):
    CDI = "CDI"
    CDD = "CDD"
    INTERIM = "INTERIM"
    CONTRAT_AIDE = "CONTRAT_AIDE"
    ACI = "ACI"
    FORMATION_QUALIFIANTE = "FORMATION_QUALIFIANTE"
    FORMATION = "FORMATION"
    CREATION = "CREATION"


LIBELLES_SITUATION = {
    TypeSituation.CDI: "CDI",
    TypeSituation.CDD: "CDD",
    TypeSituation.INTERIM: "Mission d'intérim",
    TypeSituation.CONTRAT_AIDE: "Contrat aidé",
    TypeSituation.ACI: "Contrat en ACI",
    TypeSituation.FORMATION_QUALIFIANTE: "Formation qualifiante",
    TypeSituation.FORMATION: "Formation non qualifiante",
    TypeSituation.CREATION: "Création ou reprise d'activité",
}


class ResultatSortie(StrEnum):
    """The outcomes of RULES §2, in the table's row order (used to break ties on a date)."""

    CDI = "CDI"
    INTERIM = "INTERIM"
    CDD = "CDD"
    FORMATION_QUALIFIANTE = "FORMATION_QUALIFIANTE"
    CREATION = "CREATION"
    CONTRAT_AIDE = "CONTRAT_AIDE"
    SENIOR_ACI = "SENIOR_ACI"


@dataclass(frozen=True, kw_only=True)
class Situation:
    type: str  # a TypeSituation value
    debut: date
    fin_prevue: date | None = None
    fin: date | None = None  # actual end, inclusive; None = still running
    heures_hebdo: Decimal | None = None
    accord_temps_partiel: bool = False
    employeur: str = ""
    reference: object = None  # opaque id of the source row, carried into the verdict


@dataclass(frozen=True, kw_only=True)
class FaitsParcours:
    date_naissance: date
    situations: tuple[Situation, ...]
    date_reference: date  # "as of": nothing after it counts
    validation_senior_aci: date | None = None  # the commission's case-by-case validation (row 7)


@dataclass(frozen=True, kw_only=True)
class SortiePositiveDetectee:
    resultat: str  # a ResultatSortie value
    date: date
    raisons: tuple[str, ...]
    references: tuple
    attend_commission: bool = False  # row 7 detected, not yet validated by the commission


Periode = tuple[date, date]  # inclusive at both ends


def fusionner_periodes(periodes: Iterable[Periode]) -> tuple[Periode, ...]:
    """Merge overlapping or adjacent inclusive periods, so that no day is counted twice."""
    fusion: list[Periode] = []
    for debut, fin in sorted(periodes):
        if fusion and debut <= fusion[-1][1] + timedelta(days=1):
            fusion[-1] = (fusion[-1][0], max(fusion[-1][1], fin))
        else:
            fusion.append((debut, fin))
    return tuple(fusion)


def jours_couverts(periodes: Iterable[Periode]) -> int:
    """Number of distinct days covered by inclusive periods."""
    return sum((fin - debut).days + 1 for debut, fin in fusionner_periodes(periodes))


def jour_du_cumul(periodes: Iterable[Periode], jours: int, fenetre: int) -> date | None:
    """The earliest day on which some window of `fenetre` consecutive days ending that day holds
    `jours` covered days (that day is then the `jours`-th day of the window), or None."""
    couverts = [
        debut.toordinal() + i for debut, fin in fusionner_periodes(periodes) for i in range((fin - debut).days + 1)
    ]
    premier = 0  # index of the oldest covered day still inside the window ending at couverts[i]
    for i, jour in enumerate(couverts):
        while couverts[premier] <= jour - fenetre:
            premier += 1
        if i - premier + 1 >= jours:
            return date.fromordinal(jour)
    return None


def _periode(situation: Situation, date_reference: date) -> Periode | None:
    """The days a situation counts: up to its actual end, or date_reference when running or later."""
    fin = min(situation.fin or date_reference, date_reference)
    return (situation.debut, fin) if fin >= situation.debut else None


def _decrire(situation: Situation, date_reference: date | None = None) -> str:
    libelle = LIBELLES_SITUATION.get(situation.type, situation.type)
    if situation.employeur:
        libelle = f"{libelle} ({situation.employeur})"
    if situation.fin is not None and (date_reference is None or situation.fin <= date_reference):
        return f"{libelle} du {_d(situation.debut)} au {_d(situation.fin)}"
    if date_reference is not None:
        return f"{libelle} depuis le {_d(situation.debut)} (compté jusqu'au {_d(date_reference)})"
    return f"{libelle} depuis le {_d(situation.debut)} (en cours)"


def _temps_de_travail(situation: Situation, parametres: Parametres) -> tuple[bool, str]:
    """Hours >= threshold, or fewer with the participant's agreement; unknown hours = full time."""
    seuil = _heures(parametres.seuil_heures_hebdo)
    heures = situation.heures_hebdo
    if heures is None:
        return True, "durée hebdomadaire non renseignée, comptée comme un temps plein"
    if Decimal(heures) >= parametres.seuil_heures_hebdo:
        return True, f"{_heures(heures)} par semaine, au moins {seuil}"
    if situation.accord_temps_partiel:
        return True, f"{_heures(heures)} par semaine, moins de {seuil} avec l'accord du participant"
    return False, f"{_heures(heures)} par semaine, moins de {seuil} sans l'accord du participant"


def _six_mois(situation: Situation, faits: FaitsParcours, parametres: Parametres) -> date | None:
    """start + N months, if reached by date_reference and the situation had not ended before it."""
    echeance = situation.debut + relativedelta(months=parametres.mois_presence)
    if echeance > faits.date_reference or (situation.fin is not None and situation.fin < echeance):
        return None
    return echeance


def _de_type(faits: FaitsParcours, type_: TypeSituation) -> list[Situation]:
    """Situations of one type that started by date_reference, oldest first."""
    return sorted(
        (s for s in faits.situations if s.type == type_ and s.debut <= faits.date_reference), key=lambda s: s.debut
    )


def _plus_tot(detections: Iterable[SortiePositiveDetectee | None]) -> SortiePositiveDetectee | None:
    return min((d for d in detections if d is not None), key=lambda d: d.date, default=None)


def sorties_positives(faits: FaitsParcours, parametres: Parametres | None = None) -> tuple[SortiePositiveDetectee, ...]:
    """RULES §2: every outcome reached by date_reference (the earliest of each), by date then row."""
    p = parametres or Parametres.depuis_settings()
    detections = [
        _sortie_cdi(faits, p),
        _sortie_cumul(faits, p, TypeSituation.INTERIM, ResultatSortie.INTERIM),
        _sortie_cumul(faits, p, TypeSituation.CDD, ResultatSortie.CDD),
        _sortie_formation_qualifiante(faits),
        _sortie_creation(faits, p),
        _sortie_contrat_aide(faits, p),
        _sortie_senior_aci(faits, p),
    ]
    ordre = list(ResultatSortie)
    return tuple(
        sorted(
            (d for d in detections if d is not None), key=lambda d: (d.date, ordre.index(ResultatSortie(d.resultat)))
        )
    )


def _sortie_cdi(faits: FaitsParcours, p: Parametres) -> SortiePositiveDetectee | None:
    """Row 1: enough hours (or agreement) and still in the company at start + 6 months."""

    def detecter(cdi: Situation) -> SortiePositiveDetectee | None:
        assez, heures = _temps_de_travail(cdi, p)
        echeance = _six_mois(cdi, faits, p)
        if not assez or echeance is None:
            return None
        return SortiePositiveDetectee(
            resultat=ResultatSortie.CDI,
            date=echeance,
            raisons=(
                f"{_decrire(cdi)} : {heures}.",
                f"Toujours dans l'entreprise le {_d(echeance)}, {p.mois_presence} mois après l'embauche.",
            ),
            references=(cdi.reference,),
        )

    return _plus_tot(detecter(s) for s in _de_type(faits, TypeSituation.CDI))


def _sortie_cumul(
    faits: FaitsParcours, p: Parametres, type_: TypeSituation, resultat: ResultatSortie
) -> SortiePositiveDetectee | None:
    """Rows 2 and 3: days of one contract type only, merged, reaching N days in a sliding window.

    A CDD under the hours threshold counts only with the participant's recorded agreement."""
    retenues, exclusions = [], []
    for situation in _de_type(faits, type_):
        assez, heures = _temps_de_travail(situation, p)
        if type_ == TypeSituation.CDD and not assez:
            exclusions.append(f"{_decrire(situation, faits.date_reference)} : {heures}, non compté.")
        elif (periode := _periode(situation, faits.date_reference)) is not None:
            retenues.append((situation, periode))
    jour = jour_du_cumul([periode for _, periode in retenues], p.jours_cumules, p.fenetre_jours)
    if jour is None:
        return None
    debut_fenetre = jour - timedelta(days=p.fenetre_jours - 1)
    dans_fenetre = [(s, per) for s, per in retenues if per[0] <= jour and per[1] >= debut_fenetre]
    libelle = LIBELLES_SITUATION[type_]
    raisons = [
        f"{libelle} : {p.jours_cumules} jours couverts dans la fenêtre de {p.fenetre_jours} jours "
        f"du {_d(debut_fenetre)} au {_d(jour)} ; le {p.jours_cumules}e jour est atteint le {_d(jour)}.",
        *(f"{_decrire(s, faits.date_reference)}." for s, _ in dans_fenetre),
    ]
    bornees = [(max(d, debut_fenetre), min(f, jour)) for _, (d, f) in dans_fenetre]
    if sum((f - d).days + 1 for d, f in bornees) > jours_couverts(bornees):
        raisons.append("Les jours communs à plusieurs contrats ne sont comptés qu'une fois.")
    raisons.append(
        f"Seuls les contrats de type {libelle.lower()} sont comptés : les types de contrat ne se cumulent pas."
    )
    raisons.extend(exclusions)
    return SortiePositiveDetectee(
        resultat=resultat, date=jour, raisons=tuple(raisons), references=tuple(s.reference for s, _ in dans_fenetre)
    )


def _sortie_formation_qualifiante(faits: FaitsParcours) -> SortiePositiveDetectee | None:
    """Row 4: entry into a qualifying training; a non-qualifying one never counts."""
    formations = _de_type(faits, TypeSituation.FORMATION_QUALIFIANTE)
    if not formations:
        return None
    formation = formations[0]
    return SortiePositiveDetectee(
        resultat=ResultatSortie.FORMATION_QUALIFIANTE,
        date=formation.debut,
        raisons=(f"Entrée en formation qualifiante le {_d(formation.debut)} : {_decrire(formation)}.",),
        references=(formation.reference,),
    )


def _sortie_creation(faits: FaitsParcours, p: Parametres) -> SortiePositiveDetectee | None:
    """Row 5: business created or taken over, still running after 6 months of follow-up."""

    def detecter(creation: Situation) -> SortiePositiveDetectee | None:
        echeance = _six_mois(creation, faits, p)
        if echeance is None:
            return None
        return SortiePositiveDetectee(
            resultat=ResultatSortie.CREATION,
            date=echeance,
            raisons=(
                f"{_decrire(creation)}.",
                f"{p.mois_presence} mois de suivi après la création accomplis le {_d(echeance)}, activité toujours en cours ce jour-là.",
            ),
            references=(creation.reference,),
        )

    return _plus_tot(detecter(s) for s in _de_type(faits, TypeSituation.CREATION))


def _sortie_contrat_aide(faits: FaitsParcours, p: Parametres) -> SortiePositiveDetectee | None:
    """Row 6: subsidised contract (never an ACI) planned for more than 6 months, 6 months done.

    An unknown planned end cannot show a planned duration of more than 6 months: not detected."""

    def detecter(contrat: Situation) -> SortiePositiveDetectee | None:
        six_mois_prevus = contrat.debut + relativedelta(months=p.mois_presence)
        if contrat.fin_prevue is None or contrat.fin_prevue <= six_mois_prevus:
            return None
        echeance = _six_mois(contrat, faits, p)
        if echeance is None:
            return None
        return SortiePositiveDetectee(
            resultat=ResultatSortie.CONTRAT_AIDE,
            date=echeance,
            raisons=(
                f"{_decrire(contrat)}, hors ACI.",
                f"Fin prévue le {_d(contrat.fin_prevue)} : durée prévue de plus de {p.mois_presence} mois "
                f"(au-delà du {_d(six_mois_prevus)}).",
                f"{p.mois_presence} mois accomplis dans le contrat le {_d(echeance)}.",
            ),
            references=(contrat.reference,),
        )

    return _plus_tot(detecter(s) for s in _de_type(faits, TypeSituation.CONTRAT_AIDE))


def age_le(date_naissance: date, jour: date) -> int:
    """Age in whole years on a day (a birthday on 29/02 is reached on 01/03 in common years)."""
    return jour.year - date_naissance.year - ((jour.month, jour.day) < (date_naissance.month, date_naissance.day))


def _sortie_senior_aci(faits: FaitsParcours, p: Parametres) -> SortiePositiveDetectee | None:
    """Row 7: ACI contract started at 55+, 6 months done; dated by the commission's validation,
    or proposed at start + 6 months while the commission has not validated it yet."""

    def detecter(aci: Situation) -> tuple[Situation, date, int] | None:
        age = age_le(faits.date_naissance, aci.debut)
        echeance = _six_mois(aci, faits, p)
        return (aci, echeance, age) if age >= p.age_senior and echeance is not None else None

    candidats = [c for c in (detecter(s) for s in _de_type(faits, TypeSituation.ACI)) if c is not None]
    if not candidats:
        return None
    aci, echeance, age = min(candidats, key=lambda c: c[1])
    raisons = [
        f"{_decrire(aci)}.",
        f"{age} ans au début du contrat, le {_d(aci.debut)} (au moins {p.age_senior} ans).",
        f"{p.mois_presence} mois accomplis dans le contrat le {_d(echeance)}.",
    ]
    validation = faits.validation_senior_aci
    if validation is not None and validation <= faits.date_reference:
        date_sortie = max(validation, echeance)
        raisons.append(f"Validée au cas par cas par la commission le {_d(validation)}.")
        if validation < echeance:
            raisons.append(f"Validation antérieure aux {p.mois_presence} mois : sortie datée du {_d(date_sortie)}.")
        attend = False
    else:
        date_sortie, attend = echeance, True
        if validation is not None:
            raisons.append(f"La validation de la commission du {_d(validation)} n'est pas encore intervenue.")
        raisons.append(f"En attente de la validation au cas par cas de la commission (date proposée : {_d(echeance)}).")
    return SortiePositiveDetectee(
        resultat=ResultatSortie.SENIOR_ACI,
        date=date_sortie,
        raisons=tuple(raisons),
        references=(aci.reference,),
        attend_commission=attend,
    )


# --- §3 Monthly entretien -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class VerdictEntretien:
    a_voir: bool
    raisons: tuple[str, ...]
    dernier_entretien: date | None


def entretien_du_mois(
    dernier_entretien: date | None, aujourd_hui: date, jours_max: int | None = None
) -> VerdictEntretien:
    """RULES §3: "à voir" when no entretien in the current calendar month, or none for more than
    `jours_max` days (default: settings, 31). An entretien dated after today does not count yet."""
    if jours_max is None:
        jours_max = Parametres.depuis_settings().jours_max_sans_entretien
    mois = f"{MOIS_FR[aujourd_hui.month - 1]} {aujourd_hui.year}"
    if dernier_entretien is None:
        return VerdictEntretien(a_voir=True, raisons=("Aucun entretien enregistré.",), dernier_entretien=None)
    if dernier_entretien > aujourd_hui:
        raison = f"Entretien daté du {_d(dernier_entretien)}, après le {_d(aujourd_hui)} : il ne compte pas encore."
        return VerdictEntretien(a_voir=True, raisons=(raison,), dernier_entretien=dernier_entretien)
    ecart = (aujourd_hui - dernier_entretien).days
    dans_le_mois = (dernier_entretien.year, dernier_entretien.month) == (aujourd_hui.year, aujourd_hui.month)
    trop_ancien = ecart > jours_max
    raisons = [
        f"Entretien ce mois-ci ({mois}), le {_d(dernier_entretien)}."
        if dans_le_mois
        else f"Aucun entretien en {mois} : le dernier date du {_d(dernier_entretien)}.",
        f"Dernier entretien {_il_y_a(ecart)}, plus de {jours_max} jours."
        if trop_ancien
        else f"Dernier entretien {_il_y_a(ecart)}, {jours_max} jours au plus.",
    ]
    return VerdictEntretien(
        a_voir=trop_ancien or not dans_le_mois, raisons=tuple(raisons), dernier_entretien=dernier_entretien
    )
