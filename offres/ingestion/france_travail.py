"""France Travail "Offres d'emploi v2" connector (OAuth2 client credentials, ``range`` pagination).

Searches: one per commune of ``parametres["communes"]`` within ``distance_km`` (or one for
``parametres["departement"]``), restricted to ``parametres["codes_rome"]`` if given, over the
creation-date window since the last successful run (first run: the last 30 days). A search whose
total (``Content-Range``) exceeds ``FRANCE_TRAVAIL_PLAFOND_RESULTATS`` is split into two halves
of its window, recursively, until each part can be read in full.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from ..enums import TypeSource
from .base import BrouillonOffre, Connecteur, ErreurConfiguration, ErreurConnecteur, ErreurReseau, enregistrer

SCOPE = "api_offresdemploiv2 o2dsoffre"
TAILLE_PAGE = 150
FENETRE_INITIALE_JOURS = 30
MAX_TENTATIVES = 4  # 429 and 5xx: this many attempts in all
ATTENTE_MAX_S = 120
DELAI_EXPIRATION_S = 30  # renew the token this long before it expires
URL_DETAIL = "https://candidat.francetravail.fr/offres/recherche/detail/{}"


class ErreurRecherche(Exception):
    """One search refused (400): recorded, the other searches go on."""


def _format(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _total(content_range, par_defaut):
    """``offres 0-149/1234`` → 1234."""
    match = re.search(r"/(\d+)\s*$", content_range or "")
    return int(match.group(1)) if match else par_defaut


def _message(corps):
    try:
        donnees = json.loads(corps)
    except ValueError:
        return corps.decode("utf-8", "replace")[:300] if isinstance(corps, bytes) else str(corps)[:300]
    if isinstance(donnees, dict):
        return str(donnees.get("message") or donnees.get("error_description") or donnees)[:300]
    return str(donnees)[:300]


@enregistrer(TypeSource.FRANCE_TRAVAIL)
class FranceTravail(Connecteur):
    def __init__(self, source, *, maintenant=None, dormir=None, timeout=30):
        super().__init__(source, maintenant=maintenant, dormir=dormir)
        self.client_id = settings.FRANCE_TRAVAIL_CLIENT_ID
        self.client_secret = settings.FRANCE_TRAVAIL_CLIENT_SECRET
        if not (self.client_id and self.client_secret):
            raise ErreurConfiguration(
                "Identifiants France Travail absents : définissez FRANCE_TRAVAIL_CLIENT_ID et "
                "FRANCE_TRAVAIL_CLIENT_SECRET dans l'environnement."
            )
        parametres = source.parametres or {}
        if not (parametres.get("communes") or parametres.get("departement")):
            raise ErreurConfiguration(f"La source « {source.nom} » n'a ni communes ni département dans ses paramètres.")
        self.token_url = settings.FRANCE_TRAVAIL_TOKEN_URL
        self.api_url = settings.FRANCE_TRAVAIL_API_URL.rstrip("/")
        self.plafond = settings.FRANCE_TRAVAIL_PLAFOND_RESULTATS
        self.timeout = timeout
        self._jeton = None
        self._expire_a = 0.0
        self.jetons_demandes = 0
        self.recherches = []  # (criteria, window) of every request made, for the run's record

    # --- token --------------------------------------------------------------------------------
    def jeton(self):
        if self._jeton and time.monotonic() < self._expire_a:
            return self._jeton
        corps = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": SCOPE,
            }
        ).encode()
        requete = urllib.request.Request(
            self.token_url, data=corps, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        self.jetons_demandes += 1
        try:
            with urllib.request.urlopen(requete, timeout=self.timeout) as reponse:
                donnees = json.loads(reponse.read())
        except urllib.error.HTTPError as exc:
            raise ErreurConnecteur(
                f"Authentification France Travail refusée ({exc.code}) : {_message(exc.read())}"
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ErreurReseau(f"Authentification France Travail impossible : {exc}") from exc
        self._jeton = donnees["access_token"]
        duree = int(donnees.get("expires_in") or 1499)
        self._expire_a = time.monotonic() + max(0, duree - DELAI_EXPIRATION_S)
        return self._jeton

    # --- HTTP ---------------------------------------------------------------------------------
    def _attendre_limites(self, entetes):
        restant = entetes.get("X-Ratelimit-Remaining") if entetes else None
        if restant is not None and restant.strip() == "0":
            try:
                attente = float(entetes.get("X-Ratelimit-Reset") or 1)
            except ValueError:
                attente = 1.0
            self.dormir(min(max(attente, 0.0), ATTENTE_MAX_S))

    def _get(self, params):
        """One search request: (status, headers, body), with token refresh, 429 and 5xx retries."""
        url = f"{self.api_url}/offres/search?{urllib.parse.urlencode(params)}"
        renouvele = False
        tentative = 0
        while True:
            requete = urllib.request.Request(
                url, headers={"Authorization": f"Bearer {self.jeton()}", "Accept": "application/json"}
            )
            try:
                with urllib.request.urlopen(requete, timeout=self.timeout) as reponse:
                    statut, entetes, corps = reponse.status, reponse.headers, reponse.read()
            except urllib.error.HTTPError as exc:
                statut, entetes, corps = exc.code, exc.headers, exc.read()
            except (urllib.error.URLError, OSError) as exc:
                tentative += 1
                if tentative >= MAX_TENTATIVES:
                    raise ErreurReseau(f"France Travail injoignable : {exc}") from exc
                self.dormir(2**tentative)
                continue
            self._attendre_limites(entetes)
            if statut == 401 and not renouvele:
                renouvele = True
                self._jeton = None
                continue
            if statut == 429 or statut >= 500:
                tentative += 1
                if tentative >= MAX_TENTATIVES:
                    raise ErreurReseau(
                        f"France Travail indisponible ({statut}) après {MAX_TENTATIVES} tentatives : {_message(corps)}"
                    )
                if statut == 429:
                    try:
                        attente = float(entetes.get("Retry-After") or 1)
                    except ValueError:
                        attente = 1.0
                else:
                    attente = 2**tentative
                self.dormir(min(max(attente, 0.0), ATTENTE_MAX_S))
                continue
            if statut == 400:
                raise ErreurRecherche(_message(corps))
            if statut not in (200, 204, 206):
                raise ErreurConnecteur(f"Réponse inattendue de France Travail ({statut}) : {_message(corps)}")
            return statut, entetes, corps

    def _page(self, criteres, debut, fin, premier):
        dernier = min(premier + TAILLE_PAGE - 1, self.plafond)
        params = {
            **criteres,
            "minCreationDate": _format(debut),
            "maxCreationDate": _format(fin),
            "range": f"{premier}-{dernier}",
        }
        statut, entetes, corps = self._get(params)
        if statut == 204 or not corps:
            return [], 0
        try:
            resultats = json.loads(corps).get("resultats") or []
        except (ValueError, AttributeError) as exc:
            raise ErreurConnecteur(f"Réponse illisible de France Travail : {exc}") from exc
        return resultats, _total(entetes.get("Content-Range"), premier + len(resultats))

    # --- searches -----------------------------------------------------------------------------
    def criteres(self):
        parametres = self.source.parametres or {}
        commun = {}
        if parametres.get("codes_rome"):
            commun["codeROME"] = ",".join(parametres["codes_rome"])
        if parametres.get("departement"):
            return [{"departement": str(parametres["departement"]), **commun}]
        distance = parametres.get("distance_km")
        recherches = []
        for commune in parametres["communes"]:
            critere = {"commune": str(commune), **commun}
            if distance is not None:
                critere["distance"] = int(distance)
            recherches.append(critere)
        return recherches

    def fenetre(self, depuis):
        fin = self.maintenant
        debut = depuis or fin - timedelta(days=FENETRE_INITIALE_JOURS)
        return debut.replace(microsecond=0), fin.replace(microsecond=0)

    def pages(self, depuis):
        debut, fin = self.fenetre(depuis)
        for critere in self.criteres():
            try:
                yield from self._rechercher(critere, debut, fin)
            except ErreurRecherche as exc:
                self.erreurs.append(f"Recherche {urllib.parse.urlencode(critere)} refusée (400) : {exc}")

    def _rechercher(self, critere, debut, fin):
        self.recherches.append((critere, _format(debut), _format(fin)))
        resultats, total = self._page(critere, debut, fin, 0)
        if total > self.plafond + 1:
            if fin - debut >= timedelta(seconds=2):
                milieu = (debut + (fin - debut) / 2).replace(microsecond=0)
                yield from self._rechercher(critere, debut, milieu)
                yield from self._rechercher(critere, milieu + timedelta(seconds=1), fin)
                return
            self.erreurs.append(
                f"Recherche {urllib.parse.urlencode(critere)} : {total} offres créées le {_format(debut)}, "
                f"seules les {self.plafond + 1} premières sont lisibles."
            )
        if resultats:
            yield resultats
        premier = len(resultats)
        while resultats and premier < total and premier <= self.plafond:
            resultats, total = self._page(critere, debut, fin, premier)
            if resultats:
                yield resultats
            premier += len(resultats)

    def parametres_execution(self):
        return {**dict(self.source.parametres), "plafond": self.plafond}

    def fenetre_complete(self):
        return self.fenetre(None)

    # --- normalisation ------------------------------------------------------------------------
    def normaliser(self, brut):
        creation = _date_heure(brut.get("dateCreation"))
        if creation is None:
            raise ValueError("dateCreation absente ou illisible")
        lieu = brut.get("lieuTravail") or {}
        entreprise = brut.get("entreprise") or {}
        origine = brut.get("origineOffre") or {}
        identifiant = str(brut["id"])
        intitule = (brut.get("intitule") or "").strip()
        if not intitule:
            raise ValueError("intitulé absent")
        horaires = " – ".join(filter(None, [brut.get("dureeTravailLibelle"), brut.get("dureeTravailLibelleConverti")]))
        return BrouillonOffre(
            identifiant_externe=identifiant,
            intitule=intitule,
            date_publication=timezone.localdate(creation),
            date_actualisation=_date_heure(brut.get("dateActualisation")) or creation,
            description=brut.get("description") or "",
            url=origine.get("urlOrigine") or URL_DETAIL.format(identifiant),
            employeur=(entreprise.get("nom") or "").strip(),
            siret=re.sub(r"\D", "", str(entreprise.get("siret") or "")),
            code_commune_insee=str(lieu.get("commune") or ""),
            lieu_travail=lieu.get("libelle") or "",
            code_rome=(brut.get("romeCode") or "").upper(),
            type_contrat_code=brut.get("typeContrat") or "",
            nature_contrat_code=_code_nature(brut.get("natureContrat")),
            duree_mois=_duree_mois(brut.get("typeContratLibelle")),
            heures_hebdo=_heures(brut.get("dureeTravailLibelle")),
            horaires=horaires,
            salaire=(brut.get("salaire") or {}).get("libelle") or "",
            nb_postes=int(brut.get("nombrePostes") or 1),
            experience_requise={"E": True, "D": False}.get(brut.get("experienceExige")),
            permis_requis=_permis_b(brut.get("permis") or []),
            sans_diplome=False if any(f.get("exigence") == "E" for f in brut.get("formations") or []) else None,
        )


# natureContrat comes as a code or, in most answers, as a label: the labels the mapping knows.
NATURES_PAR_LIBELLE = {
    "contrat travail": "E1",
    "contrat apprentissage": "E2",
    "contrat de professionnalisation": "FS",
    "cdd insertion": "I1",
    "cui - cie": "FU",
    "cui - cae": "FT",
    "contrat pec - parcours emploi competences": "FT",
}


def _code_nature(valeur):
    if not valeur:
        return ""
    if re.fullmatch(r"[A-Z0-9]{2}", valeur):
        return valeur
    from .base import sans_accents

    return NATURES_PAR_LIBELLE.get(" ".join(sans_accents(valeur).split()), "")


def _date_heure(valeur):
    if not valeur:
        return None
    try:
        moment = datetime.fromisoformat(valeur)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def _duree_mois(libelle):
    match = re.search(r"(\d+)\s*mois", libelle or "", re.IGNORECASE)
    return int(match.group(1)) if match else None


def _heures(libelle):
    match = re.search(r"(\d{1,2})\s*H\s*(\d{2})?", libelle or "", re.IGNORECASE)
    if not match:
        return None
    heures = Decimal(match.group(1)) + Decimal(int(match.group(2) or 0)) / 60
    return heures.quantize(Decimal("0.1")) if heures < 1000 else None


def _permis_b(permis):
    for item in permis:
        libelle = (item.get("libelle") or "").strip().upper()
        if libelle.startswith("B") and item.get("exigence") == "E":
            return True
    return None
