"""Locust scenario of the PLIE back-office: the day's work of the référents, the chargée de mission and
the coordinatrice (driven by ``tests/bench_charge.py``; never collected by pytest, which only collects
``test_*.py``, and never imported by the app).

    .venv/bin/locust -f tests/locustfile_plie.py --headless -u 50 -r 10 -t 2m \\
        --host http://127.0.0.1:8765 --csv /tmp/charge --only-summary

Each simulated user logs in once through the real login form (GET the page, read the form's CSRF
token, POST the e-mail and password), with one account for the whole run, then works through the
main pages with 1 to 3 s between two clicks. Users are 80 % référents, 10 % chargé(e)s de mission,
10 % the coordinatrice (locust weights 8/1/1), each taking the next account of its role in turn. Requests are named
by page (``name=``) so that the statistics group by page; redirects are never followed: a status
other than the one expected (200, or 302 where the page redirects by design) is a failure, and a
user whose login fails stops at once (no retry, so that django-axes never locks an account).

The server runs its production settings (``PLIE_MODE=production``) on plain HTTP, as behind the
TLS-terminating reverse proxy of ``docs/production.md``: every request carries
``X-Forwarded-Proto: https``, the login POST a same-origin ``https`` Referer (Django's CSRF check
of secure requests), and the ``Secure`` cookies (``__Host-sessionid``, ``__Host-csrftoken``), which
an HTTP client keeps but never sends over plain HTTP, are sent explicitly with each request.

Environment (``tests/bench_charge.py`` sets both; the defaults are the ``seed_demo`` accounts):

- ``PLIE_CHARGE_COMPTES``: JSON ``{"coordinatrice": [e-mail, …], "charge": […], "referent": […]}``,
  and optionally ``"agenda": […]``, those who keep an FSE agenda (the only ones who open it);
- ``PLIE_CHARGE_MOT_DE_PASSE``: the accounts' password (the same for all);
- ``PLIE_CHARGE_JOURNAL`` (optional): a file that receives one JSON line per request (end time,
  name, duration in ms, success), from which the driver computes the figures locust's CSV cannot
  give (the 95th percentile without the logins, or once every user has logged in).
"""

import datetime
import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlencode, urlparse

from locust import HttpUser, between, events, task
from locust.exception import StopUser

COMPTES_DEMO = {
    "coordinatrice": ["coordinatrice@demo.plie.fr"],
    "charge": ["charge.mission@demo.plie.fr"],
    "referent": [f"referent{numero:02d}@demo.plie.fr" for numero in range(1, 15)],
}
COMPTES = json.loads(os.environ.get("PLIE_CHARGE_COMPTES") or "null") or COMPTES_DEMO
MOT_DE_PASSE = os.environ.get("PLIE_CHARGE_MOT_DE_PASSE") or "Plie-Demo-2026"
# Who keeps an FSE agenda (optional key "agenda" of PLIE_CHARGE_COMPTES; without it, everybody).
AGENDA = set(COMPTES["agenda"]) if "agenda" in COMPTES else None

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LIEN_PARTICIPANT = re.compile(r'href="/participants/(\d+)/">([^<]*)</a>')
LIEN_OFFRE = re.compile(r'href="/offres/(\d+)/"')
LIEN_ENTREPRISE = re.compile(r'href="/entreprises/(\d+)/"')
MAX_IDS = 200  # ids kept per user and kind, from the list pages it has seen

_rang = {role: itertools.count() for role in ("coordinatrice", "charge", "referent")}
_chemin_journal = os.environ.get("PLIE_CHARGE_JOURNAL")
_journal = open(_chemin_journal, "a", encoding="utf-8") if _chemin_journal else None  # noqa: SIM115 (closed on quitting)


@events.request.add_listener
def _noter(name, response_time, exception, **kwargs):
    if _journal is not None:
        ligne = {"fin": time.time(), "nom": name, "ms": round(response_time, 1), "ok": exception is None}
        _journal.write(json.dumps(ligne, ensure_ascii=False) + "\n")


@events.quitting.add_listener
def _fermer(**kwargs):
    if _journal is not None:
        _journal.close()


def _compte(role):
    """The next account of ``role``, round-robin: the référents spread over all their accounts."""
    comptes = COMPTES[role]
    return comptes[next(_rang[role]) % len(comptes)]


def _filtres_participants(today, recherche, page_2):
    """One of the list filters people use, as a query string."""
    debut_annee = today.replace(month=1, day=1)
    choix = [
        {"statut": "entre"},
        {"statut": "entre", "qpv": "true"},
        {"statut": "candidat"},
        {"sans_entretien_depuis": (today - datetime.timedelta(days=30)).isoformat()},
        {"sortie_du": debut_annee.isoformat(), "positive": "true"},
        {"rsa": "true", "niveau_v": "true", "statut": "entre"},
        {"present_du": debut_annee.isoformat(), "sexe": random.choice(["F", "M"])},
    ]
    if page_2:
        choix.append({"page": "2"})
    if recherche:
        choix.append({"q": recherche})
    return urlencode(random.choice(choix))


class UtilisateurPlie(HttpUser):
    """One member of staff: logs in once, then clicks every 1 to 3 s."""

    abstract = True
    role = None  # key of PLIE_CHARGE_COMPTES
    libelle = ""  # the start page's name in the statistics
    wait_time = between(1, 3)

    def on_start(self):
        self.participants, self.offres, self.entreprises, self.noms = [], [], [], []
        self.page_2 = False  # the participants list has a second page (seen on the first)
        self.email = _compte(self.role)
        origine = urlparse(self.host)
        self.referer = f"https://{origine.netloc}/connexion/"
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.connexion()

    # --- Requests ----------------------------------------------------------------------------

    def _cookies(self):
        """The jar's cookies, sent explicitly: they are ``Secure`` and the transport is plain HTTP."""
        return {cookie.name: cookie.value for cookie in self.client.cookies}

    def ouvrir(self, chemin, nom, attendu=200, methode="GET", **kwargs):
        """Request ``chemin``; a failure unless its status is ``attendu`` (one or a tuple). Returns the response."""
        with self.client.request(
            methode,
            chemin,
            name=nom,
            allow_redirects=False,
            cookies=self._cookies(),
            catch_response=True,
            **kwargs,
        ) as reponse:
            attendus = attendu if isinstance(attendu, tuple) else (attendu,)
            if reponse.status_code not in attendus:
                destination = reponse.headers.get("Location", "")
                vers = f" vers {destination}" if destination else ""
                reponse.failure(f"HTTP {reponse.status_code} (attendu {'/'.join(map(str, attendus))}){vers}")
            elif reponse.status_code == 200 and 'name="password"' in reponse.text and "/connexion/" not in chemin:
                reponse.failure("page de connexion au lieu de la page demandée")
            else:
                reponse.success()
            return reponse

    def connexion(self):
        page = self.ouvrir("/connexion/", "connexion : formulaire")
        jeton = CSRF.search(page.text or "")
        if page.status_code != 200 or not jeton:
            raise StopUser()
        reponse = self.ouvrir(
            "/connexion/",
            "connexion : envoi",
            attendu=302,
            methode="POST",
            data={"csrfmiddlewaretoken": jeton.group(1), "username": self.email, "password": MOT_DE_PASSE, "next": ""},
            headers={"Referer": self.referer},
        )
        if reponse.status_code != 302:
            raise StopUser()  # never retried: django-axes locks an account after 5 failures
        accueil = self.ouvrir("/", "accueil (redirection)", attendu=302)
        self.page_de_depart = urlparse(accueil.headers.get("Location", "/")).path
        self.depart()

    def noter_liens(self, reponse):
        texte = reponse.text or ""
        for pk, libelle in LIEN_PARTICIPANT.findall(texte):
            if len(self.participants) < MAX_IDS and pk not in self.participants:
                self.participants.append(pk)
            nom = libelle.split()[0] if libelle.split() else ""
            if len(nom) >= 4 and len(self.noms) < 50:
                self.noms.append(nom[:4].lower())
        for liste, motif in ((self.offres, LIEN_OFFRE), (self.entreprises, LIEN_ENTREPRISE)):
            for pk in motif.findall(texte):
                if len(liste) < MAX_IDS and pk not in liste:
                    liste.append(pk)

    # --- Pages shared by the roles -----------------------------------------------------------

    def depart(self):
        self.noter_liens(self.ouvrir(self.page_de_depart, f"départ : {self.libelle}"))

    def liste_participants(self):
        reponse = self.ouvrir("/participants/", "participants : liste")
        self.page_2 = self.page_2 or "page=2" in (reponse.text or "")
        self.noter_liens(reponse)

    def liste_participants_filtree(self):
        recherche = random.choice(self.noms) if self.noms else ""
        requete = _filtres_participants(datetime.date.today(), recherche, self.page_2)
        self.noter_liens(self.ouvrir(f"/participants/?{requete}", "participants : liste filtrée"))

    def fiche_participant(self):
        if not self.participants:
            return self.liste_participants()
        self.ouvrir(f"/participants/{random.choice(self.participants)}/", "participant : fiche")

    def liste_offres(self):
        self.noter_liens(self.ouvrir("/offres/", "offres : liste"))

    def liste_offres_filtree(self):
        requete = urlencode(random.choice([{"statut": "diffusee"}, {"statut": "qualifiee"}, {"q": "agent"}]))
        self.noter_liens(self.ouvrir(f"/offres/?{requete}", "offres : liste filtrée"))

    def fiche_offre(self):
        if not self.offres:
            return self.liste_offres()
        nom = "offre : fiche et appariement" if self.role == "referent" else "offre : fiche"
        self.ouvrir(f"/offres/{random.choice(self.offres)}/", nom)

    def liste_entreprises(self):
        self.noter_liens(self.ouvrir("/entreprises/", "entreprises : liste"))

    def fiche_entreprise(self):
        if not self.entreprises:
            return self.liste_entreprises()
        self.ouvrir(f"/entreprises/{random.choice(self.entreprises)}/", "entreprise : fiche")

    def agenda_fse(self):
        if AGENDA is not None and self.email not in AGENDA:
            return self.depart()  # no FSE-funded post: back to the start page instead
        self.ouvrir("/fse/agenda/", "agenda FSE : semaine")

    def tableau_de_bord(self):
        self.ouvrir("/pilotage/tableau-de-bord/", "tableau de bord")


class Referent(UtilisateurPlie):
    """Her caseload, her participants, the offers diffused to her and their matching."""

    weight = 8
    role = "referent"
    libelle = "référent (portefeuille)"

    @task(4)
    def t_depart(self):
        self.depart()

    @task(3)
    def t_liste_participants(self):
        self.liste_participants()

    @task(2)
    def t_liste_participants_filtree(self):
        self.liste_participants_filtree()

    @task(5)
    def t_fiche_participant(self):
        self.fiche_participant()

    @task(2)
    def t_offres_pour_participant(self):
        if not self.participants:
            return self.liste_participants()
        self.ouvrir(f"/offres/pour/{random.choice(self.participants)}/", "offres pour un participant (appariement)")

    @task(2)
    def t_liste_offres(self):
        self.liste_offres()

    @task(3)
    def t_fiche_offre(self):
        self.fiche_offre()

    @task(1)
    def t_liste_entreprises(self):
        self.liste_entreprises()

    @task(1)
    def t_fiche_entreprise(self):
        self.fiche_entreprise()

    @task(1)
    def t_agenda_fse(self):
        self.agenda_fse()

    @task(1)
    def t_tableau_de_bord(self):
        self.tableau_de_bord()


class ChargeMission(UtilisateurPlie):
    """The offers: her queue of offers to qualify, the offers list, the company file, her agenda."""

    weight = 1
    role = "charge"
    libelle = "chargée de mission"

    @task(3)
    def t_depart(self):
        self.depart()

    @task(3)
    def t_file_qualification(self):
        # Its oldest offer (302 to its page), or the empty state (200) when nothing is left to qualify.
        reponse = self.ouvrir("/offres/qualification/", "offres : file de qualification", attendu=(302, 200))
        destination = urlparse(reponse.headers.get("Location", "")).path
        if destination.endswith("/qualifier/"):
            self.ouvrir(destination, "offres : offre à qualifier")

    @task(1)
    def t_file_liste(self):
        self.ouvrir("/offres/qualification/?vue=liste", "offres : file de qualification (liste)")

    @task(3)
    def t_liste_offres(self):
        self.liste_offres()

    @task(1)
    def t_liste_offres_filtree(self):
        self.liste_offres_filtree()

    @task(2)
    def t_fiche_offre(self):
        self.fiche_offre()

    @task(2)
    def t_liste_entreprises(self):
        self.liste_entreprises()

    @task(1)
    def t_fiche_entreprise(self):
        self.fiche_entreprise()

    @task(1)
    def t_agenda_fse(self):
        self.agenda_fse()


class Coordinatrice(UtilisateurPlie):
    """The whole PLIE: her start page, the participants with filters, the dashboard."""

    weight = 1
    role = "coordinatrice"
    libelle = "coordinatrice"

    @task(2)
    def t_depart(self):
        self.depart()

    @task(2)
    def t_liste_participants(self):
        self.liste_participants()

    @task(3)
    def t_liste_participants_filtree(self):
        self.liste_participants_filtree()

    @task(3)
    def t_fiche_participant(self):
        self.fiche_participant()

    @task(1)
    def t_liste_offres(self):
        self.liste_offres()

    @task(1)
    def t_fiche_offre(self):
        self.fiche_offre()

    @task(1)
    def t_liste_entreprises(self):
        self.liste_entreprises()

    @task(3)
    def t_tableau_de_bord(self):
        self.tableau_de_bord()

    @task(1)
    def t_agendas_a_valider(self):
        self.ouvrir("/fse/agendas/a-valider/", "agendas FSE à valider")
