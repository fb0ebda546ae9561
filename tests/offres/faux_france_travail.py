"""A local fake of France Travail's token and offers search endpoints, for the tests, the
worker-kill test and ``make bench`` (no internet). It honours the search filters the connector
uses, the ``range`` cap and ``Content-Range``; canned answers can be queued in ``script``."""

import copy
import json
import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DONNEES = Path(__file__).parent / "donnees"
MAINTENANT = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


def offres_enregistrees():
    return json.loads((DONNEES / "france_travail_offres.json").read_text(encoding="utf-8"))


def offres_en_masse(nombre, *, commune="21231", debut=MAINTENANT - timedelta(days=29), fin=MAINTENANT):
    """``nombre`` distinct offers spread evenly over the creation-date window."""
    modele = offres_enregistrees()[0]
    pas = (fin - debut) / nombre
    offres = []
    for numero in range(nombre):
        offre = copy.deepcopy(modele)
        offre["id"] = f"M{numero:06d}"
        offre["intitule"] = f"Agent polyvalent n° {numero} (H/F)"
        offre["entreprise"] = {"nom": f"Employeur {numero}"}
        offre["lieuTravail"]["commune"] = commune
        offre["dateCreation"] = (debut + pas * numero).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        offre.pop("origineOffre")
        offres.append(offre)
    return offres


def _instant(valeur):
    return datetime.fromisoformat(valeur.replace("Z", "+00:00"))


class FauxFranceTravail:
    """Token endpoint and search endpoint; honours commune, departement, codeROME, the creation
    window and ``range``; ``script`` holds canned answers served before the normal ones."""

    def __init__(self):
        self.offres = []
        self.plafond = 1149
        self.jetons = set()
        self.jetons_emis = 0
        self.recherches = []
        self.script = deque()
        self.entetes = {}
        self.revoquer_a = None  # the number of the search request before which tokens expire
        self.delai = 0  # seconds each search waits before answering (a slow source)
        self.temps_serveur = 0.0

    def revoquer(self):
        self.jetons.clear()

    def jeton(self):
        self.jetons_emis += 1
        jeton = f"jeton-{self.jetons_emis}"
        self.jetons.add(jeton)
        return 200, {}, {"access_token": jeton, "token_type": "Bearer", "expires_in": 1499, "scope": "x"}

    def rechercher(self, params, autorisation):
        self.recherches.append(params)
        if self.revoquer_a == len(self.recherches):
            self.revoquer()
        if self.script:
            return self.script.popleft()
        if autorisation.removeprefix("Bearer ") not in self.jetons:
            return 401, {}, {"message": "Jeton invalide"}
        if ("minCreationDate" in params) != ("maxCreationDate" in params):
            return 400, {}, {"codeHttp": 400, "message": "Les deux dates de création sont requises."}
        premier, dernier = (int(x) for x in params.get("range", "0-149").split("-"))
        if dernier - premier >= 150 or dernier > self.plafond:
            return 400, {}, {"codeHttp": 400, "message": f"Plage {premier}-{dernier} non autorisée."}
        offres = self.offres
        if "commune" in params:
            offres = [o for o in offres if o["lieuTravail"].get("commune") == params["commune"]]
        if "departement" in params:
            offres = [o for o in offres if o["lieuTravail"].get("commune", "").startswith(params["departement"])]
        if "codeROME" in params:
            codes = params["codeROME"].split(",")
            offres = [o for o in offres if o.get("romeCode") in codes]
        if "minCreationDate" in params:
            debut, fin = _instant(params["minCreationDate"]), _instant(params["maxCreationDate"])
            offres = [o for o in offres if debut <= _instant(o["dateCreation"]) <= fin]
        offres = sorted(offres, key=lambda o: o["dateCreation"], reverse=True)
        if not offres:
            return 204, {}, None
        tranche = offres[premier : dernier + 1]
        statut = 200 if len(tranche) == len(offres) else 206
        entetes = {"Content-Range": f"offres {premier}-{premier + len(tranche) - 1}/{len(offres)}", **self.entetes}
        return statut, entetes, {"resultats": tranche, "filtresPossibles": []}


@contextmanager
def serveur_local(faux):
    """Serve ``faux`` on 127.0.0.1 (a free port) in a thread; yield the settings that point the
    connector at it. ``faux.temps_serveur`` sums the seconds spent answering (for the bench)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _repondre(self, statut, entetes, corps):
            donnees = json.dumps(corps).encode() if corps is not None else b""
            self.send_response(statut)
            for nom, valeur in entetes.items():
                self.send_header(nom, valeur)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(donnees)))
            self.end_headers()
            self.wfile.write(donnees)

        def do_POST(self):
            debut = time.perf_counter()
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self._repondre(*faux.jeton())
            faux.temps_serveur += time.perf_counter() - debut

        def do_GET(self):
            debut = time.perf_counter()
            url = urlsplit(self.path)
            params = {cle: valeurs[0] for cle, valeurs in parse_qs(url.query).items()}
            reponse = faux.rechercher(params, self.headers.get("Authorization", ""))
            if faux.delai:
                time.sleep(faux.delai)
            self._repondre(*reponse)
            faux.temps_serveur += time.perf_counter() - debut

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serveur.daemon_threads = True
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    adresse = f"http://127.0.0.1:{serveur.server_address[1]}"
    try:
        yield {
            "FRANCE_TRAVAIL_TOKEN_URL": f"{adresse}/connexion/oauth2/access_token?realm=%2Fpartenaire",
            "FRANCE_TRAVAIL_API_URL": f"{adresse}/partenaire/offresdemploi/v2",
            "FRANCE_TRAVAIL_CLIENT_ID": "client-test",
            "FRANCE_TRAVAIL_CLIENT_SECRET": "secret-test",
            "FRANCE_TRAVAIL_PLAFOND_RESULTATS": faux.plafond,
        }
    finally:
        serveur.shutdown()
        serveur.server_close()
