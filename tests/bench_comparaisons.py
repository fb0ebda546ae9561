"""Our pages and exports side by side with the usual alternatives, and the 100 000-row XLSX
exports (not collected by pytest).

    .venv/bin/python tests/bench_comparaisons.py [--database-url URL | --scale 100] [--runs 15]
                                                 [--lignes 100000] [--repetitions 3]
                                                 [--repetitions-import-export 1] [--tracemalloc]
                                                 [--sans-liste] [--sans-exports]

PostgreSQL only. The data set is the scale one of ``tests/bench_echelle.py`` (``--scale``, built
there if needed: 150 000 participants and 1 000 000 offers at scale 100), or any database given
with ``--database-url`` (for instance ``plie_bench_tableau``: 100 000 participants, 1 000 000
offers). The accounts are those of ``bench_echelle.COMPTES``, or else the first active user of
each role; when the database has no superuser, one is created (``administrateur@bench-
comparaisons.plie.invalid``, no usable password) and kept.

(a) The participants list against the Django admin changelist of the same model, same filter,
    same page size: ``/participants/?statut=entre`` as the coordinatrice against
    ``/admin/participants/participant/?statut__exact=entre`` as the administrateur (superuser),
    then the same with a référent (the admin takes ``referent__id__exact``, its raw-id lookup),
    then that référent alone (all statuses).
    ``ParticipantAdmin.list_per_page`` is set to our ``paginate_by`` for the run, on the
    registered instance, in this process only. Warm (3 warm-ups each), ``--runs`` runs each,
    the two pages alternated so that the machine's load weighs on both alike: median, 95th
    percentile, SQL queries. Target: admin median / ours ≥ 1.
(b) The participants XLSX export against django-import-export: ``participants.classeur.exporter``
    (what the coordinatrice downloads: the participants sheet with the verdicts, and the
    situations sheet) against a ``ModelResource`` declared here with the same 20 data columns and
    the same ``select_related`` (it has no verdicts and no situations sheet: it does less),
    ``resource.export(queryset)`` then ``dataset.export("xlsx")`` written to a file. The same
    ``--lignes`` participants (the first by identifiant), each export in a fresh subprocess:
    wall time, CPU time (user + system of the subprocess, PostgreSQL's excluded: the machine's
    load weighs less on it) and peak memory: the peak RSS minus the RSS once Django is set up and
    the libraries imported, just before the export. The peak is Linux's VmHWM, reset to the
    current RSS just before the export, rather than ``ru_maxrss``: Linux carries ``ru_maxrss``
    over fork + exec, so a subprocess's ``ru_maxrss`` is at least its parent's RSS (the JSON keeps
    it, ``pic_ru_maxrss_mo``). Targets: theirs / ours ≥ 3 in time and in memory.
(c) The app's XLSX exports of ``--lignes`` rows: participants (the measure of (b)) and offers
    (``offres.export.ecrire_offres``, as the list's button and ``export_offers`` call it, the
    first offers by id). Targets: under 20 s and under 200 MB each.

Each export is measured ``--repetitions`` times (subprocesses alternated, medians kept), the
django-import-export one ``--repetitions-import-export`` times (3 minutes each). ``--tracemalloc``
measures our two exports once more with tracemalloc on (their Python allocation peak; that run's
time is not kept: tracemalloc makes the code 5 times slower, and django-import-export's export
would take a quarter of an hour under it).

Prints tables, the ratios and ``RESULTAT …``; writes ``var/bench/bench_comparaisons.json``. Exit
code 1 when a target is missed.
"""

import argparse
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

CIBLE_RATIO_LISTE = 1.0
CIBLE_RATIO_EXPORT = 3.0
CIBLE_EXPORT_S = 20.0
CIBLE_EXPORT_MO = 200.0
ADMIN_CREE = "administrateur@bench-comparaisons.plie.invalid"
MESURES = {
    "nous": "participants · classeur.exporter",
    "import_export": "participants · django-import-export",
    "offres": "offres · export.ecrire_offres",
}


def _options():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="défaut : le jeu de bench_echelle à l'échelle --scale")
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15, help="mesures de chaque page, à chaud (au moins 10)")
    parser.add_argument("--lignes", type=int, default=100_000, help="lignes de chaque export")
    parser.add_argument("--repetitions", type=int, default=3, help="mesures de chaque export (sous-processus)")
    parser.add_argument(
        "--repetitions-import-export", type=int, default=1, help="mesures de l'export django-import-export (long)"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="pic tracemalloc de nos exports en plus")
    parser.add_argument("--sans-liste", action="store_true", help="ne pas mesurer (a)")
    parser.add_argument("--sans-exports", action="store_true", help="ne pas mesurer (b) et (c)")
    parser.add_argument("--enfant", choices=sorted(MESURES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.database_url is None:
        from tests.bench_echelle import assurer_jeu

        options.database_url = assurer_jeu(options.scale)
    return options


OPTIONS = _options() if __name__ == "__main__" else None
if OPTIONS is not None:
    os.environ["DATABASE_URL"] = OPTIONS.database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plie.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from offres.models import Offre  # noqa: E402
from participants import classeur  # noqa: E402
from participants.enums import StatutParticipant  # noqa: E402
from participants.models import Participant  # noqa: E402
from participants.views import ParticipantList  # noqa: E402
from plie.models import User  # noqa: E402
from plie.roles import Role  # noqa: E402

# --- Accounts --------------------------------------------------------------------------------


def _comptes_echelle():
    try:
        from tests.bench_echelle import COMPTES
    except ImportError:
        return {}
    return COMPTES


def compte(cle, role):
    """The bench_echelle account of ``cle`` if it is in this database, else the first user of the role."""
    email = _comptes_echelle().get(cle)
    user = User.objects.filter(email=email, is_active=True).first() if email else None
    return user or User.objects.with_role(role).order_by("pk").first()


def administrateur():
    """A superuser (the admin shows everything to them): the bench's, any, or one created here."""
    user = compte("administrateur", Role.ADMINISTRATEUR)
    if user is not None and user.is_superuser and user.is_staff:
        return user
    user = User.objects.filter(is_superuser=True, is_staff=True, is_active=True).order_by("pk").first()
    if user is None:
        user, _ = User.objects.get_or_create(
            email=ADMIN_CREE,
            defaults={"is_superuser": True, "is_staff": True, "first_name": "Administrateur", "last_name": "Bench"},
        )
        user.set_unusable_password()
        user.save()
        groupe = Group.objects.filter(name=Role.ADMINISTRATEUR.group_name).first()
        if groupe is not None:
            user.groups.add(groupe)
        print(f"Aucun superutilisateur dans la base : {ADMIN_CREE} créé (sans mot de passe utilisable).")
    return user


def referent_mesure():
    """The bench's référent when they have participants in accompaniment, else the one with the most."""
    entres = Participant.objects.filter(statut=StatutParticipant.ENTRE)
    user = compte("referent", Role.REFERENT)
    if user is not None and entres.filter(referent=user).exists():
        return user
    pk = (
        entres.exclude(referent=None)
        .order_by()
        .values("referent")
        .annotate(n=Count("id"))
        .order_by("-n", "referent")
        .values_list("referent", flat=True)
        .first()
    )
    return User.objects.get(pk=pk)


# --- (a) The list against the admin's changelist ---------------------------------------------


def percentiles(durees):
    durees = sorted(durees)
    p95 = durees[max(0, math.ceil(0.95 * len(durees)) - 1)]
    return statistics.median(durees) * 1000, p95 * 1000


def _sans_savepoints(requetes):
    return [q for q in requetes if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def _get(client, url):
    debut = time.perf_counter()
    response = client.get(url)
    duree = time.perf_counter() - debut
    assert response.status_code == 200, (url, response.status_code)
    return duree


def comparer_pages(pages, runs):
    """``pages``: {name: (client, url)}. Warm-ups, then the pages alternated run after run."""
    for client, url in pages.values():
        for _ in range(3):
            _get(client, url)
    durees = {nom: [] for nom in pages}
    for i in range(runs):
        ordre = list(pages.items()) if i % 2 == 0 else list(pages.items())[::-1]
        for nom, (client, url) in ordre:
            durees[nom].append(_get(client, url))
    resultats = {}
    for nom, (client, url) in pages.items():
        with CaptureQueriesContext(connection) as requetes:
            _get(client, url)
        mediane, p95 = percentiles(durees[nom])
        resultats[nom] = {
            "url": url,
            "mediane_ms": round(mediane, 1),
            "p95_ms": round(p95, 1),
            "requetes": len(_sans_savepoints(requetes)),
            "sql_ms": round(sum(float(q["time"]) for q in requetes.captured_queries) * 1000, 1),
        }
    return resultats


def _connecter_verifie(client, user):
    """The admin site wants a session verified by a second factor (plie.securite): signed in as the
    login page does after a code of an authenticator application (the bench's own)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    appareil, _ = TOTPDevice.objects.get_or_create(user=user, name="Banc de mesure", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = appareil.persistent_id
    session.save()


def mesurer_liste(options):
    coordinatrice = compte("coordinatrice", Role.COORDINATRICE)
    admin_user = administrateur()
    referent = referent_mesure()
    modele_admin = admin.site._registry[Participant]
    par_page = ParticipantList.paginate_by
    avant = modele_admin.list_per_page
    modele_admin.list_per_page = par_page
    print(
        f"\n(a) Liste des participants et liste de l'admin Django ({options.runs} mesures chacune, à chaud, "
        f"alternées)\n    ParticipantAdmin.list_per_page : {avant} → {par_page} (= ParticipantList.paginate_by) "
        "pour la mesure : instance enregistrée modifiée dans ce processus seulement."
    )
    print(
        f"    Nous : {coordinatrice.email} (coordinatrice) · admin : {admin_user.email} (superutilisateur) · "
        f"référent du 2e filtre : {referent.email}"
    )
    notre_client, client_admin = Client(), Client()
    notre_client.force_login(coordinatrice)
    _connecter_verifie(client_admin, admin_user)
    liste, changelist = reverse("participants:liste"), reverse("admin:participants_participant_changelist")
    scenarios = {
        "statut = entré": (
            f"?statut={StatutParticipant.ENTRE}",
            f"?statut__exact={StatutParticipant.ENTRE}",
            Participant.objects.filter(statut=StatutParticipant.ENTRE),
        ),
        "statut = entré et un référent": (
            f"?statut={StatutParticipant.ENTRE}&referent={referent.pk}",
            f"?statut__exact={StatutParticipant.ENTRE}&referent__id__exact={referent.pk}",
            Participant.objects.filter(statut=StatutParticipant.ENTRE, referent=referent),
        ),
        "un référent (tous statuts)": (
            f"?referent={referent.pk}",
            f"?referent__id__exact={referent.pk}",
            Participant.objects.filter(referent=referent),
        ),
    }
    resultats = {}
    try:
        for nom, (notre_query, query_admin, lignes) in scenarios.items():
            pages = {"nous": (notre_client, liste + notre_query), "admin": (client_admin, changelist + query_admin)}
            r = comparer_pages(pages, options.runs)
            r["lignes"] = lignes.count()
            r["ratio_admin_sur_nous"] = round(r["admin"]["mediane_ms"] / r["nous"]["mediane_ms"], 2)
            resultats[nom] = r
    finally:
        modele_admin.list_per_page = avant
    print(f"    {'filtre (lignes)':<40}{'page':<8}{'médiane':>9}{'p95':>9}{'requêtes':>10}{'dont SQL':>10}  (ms)")
    for nom, r in resultats.items():
        for cle, libelle in (("nous", "nous"), ("admin", "admin")):
            m = r[cle]
            titre = f"{nom} ({r['lignes']})" if cle == "nous" else ""
            print(
                f"    {titre:<40}{libelle:<8}{m['mediane_ms']:>9.1f}{m['p95_ms']:>9.1f}{m['requetes']:>10}"
                f"{m['sql_ms']:>10.1f}"
            )
        print(f"    {'':<40}ratio admin / nous : {r['ratio_admin_sur_nous']:.2f}")
    return {"par_page": par_page, "list_per_page_admin_origine": avant, "scenarios": resultats}


# --- (b) and (c) The exports, each in a fresh subprocess ---------------------------------------


def _rss():
    """The current resident set size, in bytes (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _remettre_pic_a_zero():
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux ≥ 4.0); False if impossible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def _pic_rss():
    """The process's peak RSS in bytes: VmHWM (Linux), else ``ru_maxrss``.

    ``ru_maxrss`` alone would not do: Linux carries it over ``fork`` + ``exec`` (it starts at the
    RSS of the parent when the child was forked), so a subprocess of a parent of 100 MB shows a
    peak of 100 MB at least, whatever it does. VmHWM belongs to the process's own memory map."""
    try:
        with open("/proc/self/status") as status:
            for ligne in status:
                if ligne.startswith("VmHWM:"):
                    return int(ligne.split()[1]) * 1024
    except OSError:
        pass  # no /proc (not Linux): fall back to ru_maxrss below
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _premiers_participants(nombre):
    """The first ``nombre`` participants by identifiant, as a filter (``exporter`` orders by itself)."""
    borne = Participant.objects.order_by("identifiant").values_list("identifiant", flat=True)[nombre - 1]
    return Participant.objects.filter(identifiant__lte=borne)


def _premieres_offres(nombre):
    borne = Offre.objects.order_by("id").values_list("id", flat=True)[nombre - 1]
    return Offre.objects.filter(id__lte=borne).order_by("id")


def resource_participants():
    """django-import-export's way: a ModelResource with the 20 data columns of our participants
    sheet, rendered alike (dates JJ/MM/AAAA, oui/non, « infra 3 »)."""
    from import_export import fields, resources, widgets

    class OuiNon(widgets.Widget):
        def render(self, value, obj=None, **kwargs):
            return classeur.ecrire_booleen(value)

    class Niveau(widgets.Widget):
        def render(self, value, obj=None, **kwargs):
            return classeur.ecrire_niveau(value)

    class Meta:
        model = Participant
        fields = classeur.COLONNES_PARTICIPANTS
        export_order = classeur.COLONNES_PARTICIPANTS
        widgets = {nom: {"format": "%d/%m/%Y"} for nom in ("date_naissance", "date_entree", "sans_activite_depuis")}

    champs = {
        "commune_insee": fields.Field(attribute="commune__insee", column_name="commune_insee"),
        "qpv": fields.Field(attribute="quartier_prioritaire_id", column_name="qpv", widget=OuiNon()),
        "niveau_formation": fields.Field(
            attribute="niveau_formation__code", column_name="niveau_formation", widget=Niveau()
        ),
        "referent": fields.Field(attribute="referent__email", column_name="referent"),
        **{
            nom: fields.Field(attribute=nom, column_name=nom, widget=OuiNon()) for nom in classeur.BOOLEENS_PARTICIPANTS
        },
    }
    # ModelResource's metaclass, called as a class statement would (the boolean fields are many).
    ressource = type(resources.ModelResource)(
        "ParticipantResource", (resources.ModelResource,), {**champs, "Meta": Meta}
    )
    return ressource()


def enfant(options):
    """One export, in this fresh process: prints ``MESURE {json}``."""
    import tracemalloc

    import import_export.resources  # noqa: F401  (imported before the baseline, as in a running server)
    import openpyxl  # noqa: F401
    import tablib  # noqa: F401

    from offres.export import ecrire_offres

    if options.enfant == "offres":
        queryset = _premieres_offres(options.lignes)
    else:
        queryset = _premiers_participants(options.lignes)
    destination = Path(tempfile.mkdtemp(prefix="bench-comparaisons-")) / f"{options.enfant}.xlsx"
    connection.ensure_connection()
    gc.collect()
    base = _rss()
    remis_a_zero = _remettre_pic_a_zero()
    if options.tracemalloc:
        tracemalloc.start()
    cpu_avant = resource.getrusage(resource.RUSAGE_SELF)
    debut = time.perf_counter()
    if options.enfant == "nous":
        nombre = classeur.exporter(queryset, destination, as_of=timezone.localdate())
    elif options.enfant == "import_export":
        ressource = resource_participants()
        dataset = ressource.export(
            queryset=queryset.select_related("commune", "niveau_formation", "referent").order_by("identifiant")
        )
        destination.write_bytes(dataset.export("xlsx"))
        nombre = len(dataset)
    else:
        nombre = ecrire_offres(queryset, destination)
    duree = time.perf_counter() - debut
    cpu_apres = resource.getrusage(resource.RUSAGE_SELF)
    cpu = cpu_apres.ru_utime - cpu_avant.ru_utime + cpu_apres.ru_stime - cpu_avant.ru_stime
    pic_tracemalloc = tracemalloc.get_traced_memory()[1] if options.tracemalloc else None
    pic = _pic_rss()
    pic_ru_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    octets = destination.stat().st_size
    destination.unlink()
    destination.parent.rmdir()
    mesure = {
        "lignes": nombre,
        "duree_s": round(duree, 2),
        "cpu_s": round(cpu, 2),
        "charge": round(os.getloadavg()[0], 1),
        "pic_mo": round((pic - base) / 2**20, 1),
        "pic_depuis_la_mesure": remis_a_zero,  # VmHWM reset just before the export
        "pic_ru_maxrss_mo": round((pic_ru_maxrss - base) / 2**20, 1),
        "rss_avant_mo": round(base / 2**20, 1),
        "octets": octets,
        "tracemalloc_mo": round(pic_tracemalloc / 2**20, 1) if pic_tracemalloc is not None else None,
    }
    print("MESURE " + json.dumps(mesure))
    return 0


def _lancer(options, quoi, avec_tracemalloc=False):
    commande = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--enfant",
        quoi,
        "--database-url",
        options.database_url,
        "--lignes",
        str(options.lignes),
    ]
    if avec_tracemalloc:
        commande.append("--tracemalloc")
    fini = subprocess.run(commande, capture_output=True, text=True, cwd=RACINE, check=False)
    lignes = [ligne for ligne in fini.stdout.splitlines() if ligne.startswith("MESURE ")]
    if fini.returncode != 0 or not lignes:
        raise RuntimeError(f"La mesure « {quoi} » a échoué :\n{fini.stdout}\n{fini.stderr}")
    return json.loads(lignes[-1].removeprefix("MESURE "))


def mesurer_exports(options):
    repetitions = dict.fromkeys(MESURES, options.repetitions)
    repetitions["import_export"] = min(options.repetitions, options.repetitions_import_export)
    print(
        f"\n(b) et (c) Exports XLSX de {options.lignes} lignes, chacun dans un sous-processus neuf, alternés "
        f"({options.repetitions} fois, django-import-export {repetitions['import_export']} fois) ; pic = pic du RSS "
        "(VmHWM, remis au RSS courant juste avant l'export) − RSS juste avant l'export ; CPU = temps utilisateur "
        "+ système du sous-processus (sans PostgreSQL)"
    )
    essais = {quoi: [] for quoi in MESURES}
    for repetition in range(options.repetitions):
        for quoi in MESURES:
            if repetition >= repetitions[quoi]:
                continue
            mesure = _lancer(options, quoi)
            essais[quoi].append(mesure)
            print(
                f"    essai {repetition + 1} · {MESURES[quoi]:<38}{mesure['duree_s']:>8.1f} s{mesure['cpu_s']:>8.1f} s CPU"
                f"{mesure['pic_mo']:>8.1f} Mo   (charge {mesure['charge']:.1f})",
                flush=True,
            )
    resultats = {}
    for quoi, liste in essais.items():
        resultats[quoi] = {
            "libelle": MESURES[quoi],
            "lignes": liste[0]["lignes"],
            "duree_s": round(statistics.median(m["duree_s"] for m in liste), 2),
            "cpu_s": round(statistics.median(m["cpu_s"] for m in liste), 2),
            "pic_mo": round(statistics.median(m["pic_mo"] for m in liste), 1),
            "octets": liste[0]["octets"],
            "essais": liste,
        }
        if options.tracemalloc:
            resultats[quoi]["tracemalloc_mo"] = (
                None if quoi == "import_export" else _lancer(options, quoi, True)["tracemalloc_mo"]
            )
    nous, eux = resultats["nous"], resultats["import_export"]
    ratios = {
        "temps_eux_sur_nous": round(eux["duree_s"] / nous["duree_s"], 2),
        "cpu_eux_sur_nous": round(eux["cpu_s"] / nous["cpu_s"], 2),
        "memoire_eux_sur_nous": round(eux["pic_mo"] / max(nous["pic_mo"], 0.1), 2),
    }
    print(
        f"\n    {'export (médianes)':<40}{'lignes':>8}{'durée (s)':>11}{'CPU (s)':>9}{'pic (Mo)':>10}{'fichier (Mo)':>14}",
        end="",
    )
    print(f"{'tracemalloc (Mo)':>18}" if options.tracemalloc else "")
    for r in resultats.values():
        print(
            f"    {r['libelle']:<40}{r['lignes']:>8}{r['duree_s']:>11.1f}{r['cpu_s']:>9.1f}{r['pic_mo']:>10.1f}"
            f"{r['octets'] / 2**20:>14.1f}",
            end="",
        )
        if options.tracemalloc:
            print(f"{r['tracemalloc_mo']:>18.1f}" if r["tracemalloc_mo"] is not None else f"{'—':>18}")
        else:
            print()
    print(
        f"    (b) import-export / nous : temps {ratios['temps_eux_sur_nous']:.2f} (cible ≥ {CIBLE_RATIO_EXPORT:g}), "
        f"CPU {ratios['cpu_eux_sur_nous']:.2f}, mémoire {ratios['memoire_eux_sur_nous']:.2f} "
        f"(cible ≥ {CIBLE_RATIO_EXPORT:g})"
    )
    print(
        "    (la ressource import-export n'écrit que les 20 colonnes de données : ni verdicts, ni feuille "
        "des situations ; nous écrivons les deux feuilles, verdicts compris)"
    )
    return {"mesures": resultats, "ratios": ratios}


# --- Main --------------------------------------------------------------------------------------


def main(options):
    if options.enfant:
        return enfant(options)
    if connection.vendor != "postgresql":
        print("Ce banc d'essai demande PostgreSQL (--database-url).", file=sys.stderr)
        return 2
    if options.runs < 10:
        print("--runs : au moins 10 mesures par page.", file=sys.stderr)
        return 2
    # Not ``setup_test_environment()``: it instruments template rendering, which would inflate
    # the figures. The client only needs its host allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    print(
        f"Base : {connection.settings_dict['NAME']} · {Participant.objects.count()} participants, "
        f"{Offre.objects.count()} offres · charge : {os.getloadavg()[0]:.1f} (moyenne sur 1 min, "
        f"{os.cpu_count()} cœurs)"
    )
    resultats = {"base": connection.settings_dict["NAME"], "lignes_export": options.lignes}
    verdicts = {}
    if not options.sans_liste:
        resultats["liste"] = liste = mesurer_liste(options)
        pire = min(r["ratio_admin_sur_nous"] for r in liste["scenarios"].values())
        verdicts["liste_ratio_admin_sur_nous_min"] = (pire, pire >= CIBLE_RATIO_LISTE)
    if not options.sans_exports:
        resultats["exports"] = exports = mesurer_exports(options)
        m, ratios = exports["mesures"], exports["ratios"]
        verdicts["export_ratio_temps"] = (ratios["temps_eux_sur_nous"], ratios["temps_eux_sur_nous"] >= 3)
        verdicts["export_ratio_memoire"] = (ratios["memoire_eux_sur_nous"], ratios["memoire_eux_sur_nous"] >= 3)
        for quoi, nom in (("nous", "xlsx_participants"), ("offres", "xlsx_offres")):
            verdicts[f"{nom}_s"] = (m[quoi]["duree_s"], m[quoi]["duree_s"] < CIBLE_EXPORT_S)
            verdicts[f"{nom}_mo"] = (m[quoi]["pic_mo"], m[quoi]["pic_mo"] < CIBLE_EXPORT_MO)
    resultats["verdicts"] = {nom: {"valeur": v, "atteinte": ok} for nom, (v, ok) in verdicts.items()}

    sortie = RACINE / "var" / "bench" / "bench_comparaisons.json"
    sortie.parent.mkdir(parents=True, exist_ok=True)
    sortie.write_text(json.dumps(resultats, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"\nRésultats écrits dans {sortie.relative_to(RACINE)}")
    print("RESULTAT " + " ".join(f"{nom}={valeur:g}" for nom, (valeur, _ok) in verdicts.items()))
    cibles = {
        "liste_ratio_admin_sur_nous_min": f"admin / nous ≥ {CIBLE_RATIO_LISTE:g}",
        "export_ratio_temps": f"temps import-export / nous ≥ {CIBLE_RATIO_EXPORT:g}",
        "export_ratio_memoire": f"mémoire import-export / nous ≥ {CIBLE_RATIO_EXPORT:g}",
        "xlsx_participants_s": f"export participants sous {CIBLE_EXPORT_S:g} s",
        "xlsx_participants_mo": f"export participants sous {CIBLE_EXPORT_MO:g} Mo",
        "xlsx_offres_s": f"export offres sous {CIBLE_EXPORT_S:g} s",
        "xlsx_offres_mo": f"export offres sous {CIBLE_EXPORT_MO:g} Mo",
    }
    for nom, (valeur, ok) in verdicts.items():
        print(f"Cible : {cibles[nom]} → {valeur:g} : {'atteinte' if ok else 'MANQUÉE'}")
    return 0 if all(ok for _v, ok in verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main(OPTIONS))
