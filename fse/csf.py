"""The contrôle de service fait (CSF) pack: every piece an FSE auditor asks for over a period,
in one ZIP with a SHA-256 manifest.

``ecrire_pack`` writes the archive into a binary file; the Celery task (``pack_construire``), the
``export_csf`` command and the tests all call it. What goes in:

- ``agendas/<salarie>/agenda-<salarie>-<du>-<au>.pdf``: one PDF per salarié with weeks in the
  period (summary, each week's latest version by day, the validation trail and the earlier
  versions, signature blocks), rendered as one WeasyPrint document per person;
- ``agendas/agendas-<du>-<au>.xlsx``: every line of every version, every week version, the hours
  per salarié and activity;
- ``emargements/``: per collective action of the period, the attendance recorded per half-day
  (PDF) and the scanned signed sheet as stored;
- ``participants/donnees-fse-participants.xlsx`` (``fse.exports``);
- ``LISEZMOI.txt`` and, last, ``MANIFESTE.sha256`` (``sha256sum -c`` format).

The number of SQL queries does not depend on the number of weeks, lines or actions: weeks, lines
(streamed), actions and registrations are each read once. The PDF layout (WeasyPrint), which is
most of the time, runs in a few forked processes (``_Rendu``); the pages ask for a pack with
``pack_demander`` and a worker builds it with ``pack_construire``.
"""

import contextlib
import ctypes
import dataclasses
import datetime
import hashlib
import io
import itertools
import logging
import multiprocessing
import os
import signal
import tempfile
import zipfile
from collections import Counter, defaultdict
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, ProcessPoolExecutor, wait
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from entreprises import rules as regles_actions
from entreprises.models import ActionCollective, Creneau, Inscription, Presence, StatutAction
from plie.models import User
from plie.pdf import BASE_SANS_REQUETE, MENTION_UE, fetcher_statique
from plie.roles import Role
from plie.tableur import neutraliser

from . import exports, rules
from .models import LigneAgenda, PackCsf, SemaineAgenda
from .rules import StatutSemaine

logger = logging.getLogger(__name__)

DUREE_MAX = relativedelta(years=7)
AVANCE_MAX = relativedelta(years=1)
MANIFESTE = "MANIFESTE.sha256"
LISEZMOI = "LISEZMOI.txt"
FORMAT_DATE = "DD/MM/YYYY"
FORMAT_DATE_HEURE = "DD/MM/YYYY HH:MM"
TAILLE_LOT = 2000
PR_SET_PDEATHSIG = 1  # prctl(2)
LIBELLES_DEMI_JOURNEES = {"presence_matin": Creneau.MATIN.label, "presence_apres_midi": Creneau.APRES_MIDI.label}


@dataclasses.dataclass(frozen=True)
class Piece:
    nom: str
    sha256: str
    taille: int


@dataclasses.dataclass
class ResumePack:
    """What ``ecrire_pack`` wrote: every member (the manifest last) and the counts."""

    fichiers: list = dataclasses.field(default_factory=list)
    nb_agendas: int = 0
    nb_semaines: int = 0
    nb_lignes: int = 0
    nb_actions: int = 0
    nb_feuilles_signees: int = 0
    nb_participants: int = 0

    @property
    def nb_fichiers(self):
        return len(self.fichiers)


# --- The period ---------------------------------------------------------------------------------


def problemes_periode(debut, fin, aujourd_hui):
    """What is wrong with a period, as [(bound, French message)]: "du" or "au"."""
    if debut > fin:
        return [("au", "La date de fin (au) doit suivre la date de début (du), ou lui être égale.")]
    problemes = []
    if fin >= debut + DUREE_MAX:
        problemes.append(("au", "La période ne peut pas dépasser 7 ans : réduisez-la ou faites plusieurs packs."))
    if fin > aujourd_hui + AVANCE_MAX:
        problemes.append(
            ("au", f"La date de fin ne peut pas dépasser d'un an la date du jour ({aujourd_hui:%d/%m/%Y}).")
        )
    return problemes


def periode_par_defaut(aujourd_hui):
    """The previous calendar month."""
    fin = aujourd_hui.replace(day=1) - datetime.timedelta(days=1)
    return fin.replace(day=1), fin


def nom_salarie(salarie):
    return salarie.get_full_name() or salarie.email


def slug_salarie(salarie):
    nom = f"{salarie.last_name} {salarie.first_name}".strip() or salarie.email.split("@")[0]
    return slugify(nom)[:60].strip("-") or f"salarie-{salarie.pk}"


def nom_archive(debut, fin, salarie=None):
    suffixe = f"-{slug_salarie(salarie)}" if salarie is not None else ""
    return f"pack-csf-{debut:%Y-%m-%d}-{fin:%Y-%m-%d}{suffixe}.zip"


def _local(moment):
    """An aware datetime as the naive local time a spreadsheet shows."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _texte_moment(moment):
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}" if moment else ""


# --- The archive --------------------------------------------------------------------------------


class _Archive:
    """A ZIP being written: every member is hashed as it goes in."""

    def __init__(self, flux, maintenant):
        self.zip = zipfile.ZipFile(flux, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.date_time = maintenant.timetuple()[:6]
        self.pieces = []
        self.noms = set()

    def _info(self, nom, compresser):
        if nom in self.noms:
            raise ValueError(f"Deux pièces portent le même nom : {nom}")
        self.noms.add(nom)
        info = zipfile.ZipInfo(nom, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compresser else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    def ajouter(self, nom, contenu, *, compresser=True):
        self.zip.writestr(self._info(nom, compresser), contenu)
        self.pieces.append(Piece(nom, hashlib.sha256(contenu).hexdigest(), len(contenu)))

    def copier(self, nom, source, *, compresser=False):
        """Stream a stored file into the archive (a scanned sheet may weigh several MB)."""
        empreinte, taille = hashlib.sha256(), 0
        with self.zip.open(self._info(nom, compresser), "w", force_zip64=True) as cible:
            for bloc in iter(lambda: source.read(1024 * 1024), b""):
                empreinte.update(bloc)
                taille += len(bloc)
                cible.write(bloc)
        self.pieces.append(Piece(nom, empreinte.hexdigest(), taille))

    def abandonner(self):
        """Close a ZIP left half-written by a failure (the caller throws it away)."""
        with contextlib.suppress(OSError, ValueError):
            self.zip.close()

    def fermer(self):
        """Write the manifest (sorted by path) last and close; return every member, manifest last."""
        pieces = sorted(self.pieces, key=lambda piece: piece.nom)
        manifeste = "".join(f"{piece.sha256}  {piece.nom}\n" for piece in pieces).encode()
        self.zip.writestr(self._info(MANIFESTE, True), manifeste)
        self.zip.close()
        return [*pieces, Piece(MANIFESTE, hashlib.sha256(manifeste).hexdigest(), len(manifeste))]


class _Classeur:
    """A write-only workbook whose text cells are neutralised and dates formatted."""

    def __init__(self):
        self.classeur = Workbook(write_only=True)
        self.gras = Font(bold=True)

    def feuille(self, titre, entetes, largeurs=None):
        feuille = self.classeur.create_sheet(titre)
        for index, largeur in enumerate(largeurs or []):
            feuille.column_dimensions[get_column_letter(index + 1)].width = largeur
        feuille.freeze_panes = "A2"
        self.rangee(feuille, entetes, entete=True)
        return feuille

    def rangee(self, feuille, valeurs, *, entete=False):
        ligne = []
        for valeur in valeurs:
            if entete or isinstance(valeur, datetime.date):
                cellule = WriteOnlyCell(feuille, value=neutraliser(valeur))
                if entete:
                    cellule.font = self.gras
                elif isinstance(valeur, datetime.datetime):
                    cellule.number_format = FORMAT_DATE_HEURE
                else:
                    cellule.number_format = FORMAT_DATE
                ligne.append(cellule)
            else:  # plain values share one cell in a write-only sheet: much quicker
                ligne.append(None if valeur == "" else neutraliser(valeur))
        feuille.append(ligne)

    def contenu(self):
        flux = io.BytesIO()
        self.classeur.save(flux)
        return flux.getvalue()


# WeasyPrint state of a rendering process: the static files' fetcher and the images it parsed.
_CACHE_IMAGES = {}


def _html_vers_pdf(html):
    """One PDF from its HTML, static files only (as ``plie.pdf.rendre_pdf``); the images (the EU
    emblem) are parsed once per process."""
    from weasyprint import HTML

    fetcher = fetcher_statique(BASE_SANS_REQUETE)
    return HTML(string=html, base_url=BASE_SANS_REQUETE, url_fetcher=fetcher).write_pdf(cache=_CACHE_IMAGES)


def _mourir_avec_le_parent():
    """In a rendering process: end with the process that started it, even if that one is killed
    (a Celery worker past its time limit), so that no orphan is left (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def _enfants_autorises():
    """A Celery prefork worker is a daemonic process, which ``multiprocessing`` forbids to start
    processes; the rendering processes are stopped by ``_Rendu.fermer`` (or die with their parent,
    ``_mourir_avec_le_parent``), so they may be started from it."""
    courant = multiprocessing.current_process()
    demon = courant._config.get("daemon")
    courant._config["daemon"] = False
    try:
        yield
    finally:
        courant._config["daemon"] = demon


def processus_par_defaut():
    """The rendering processes of a pack: the CPUs this process may use, at most 4."""
    try:
        nombre = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        nombre = os.cpu_count() or 1
    return max(1, min(nombre, 4))


class _Rendu:
    """The PDFs of one pack.

    The templates are rendered here (they read the objects already loaded); the HTML → PDF
    layout, which is most of the time, runs in a few forked processes when ``processus`` > 1, and
    in this process otherwise (or when processes cannot be started, e.g. without ``fork``). At
    most ``4 × processus`` documents are in flight, so memory stays bounded; each finished PDF is
    handed to its callback, in this process, as soon as it is ready."""

    def __init__(self, processus):
        from weasyprint import HTML  # noqa: F401 (imported once, before forking)

        self.limite = 4 * processus
        self.executeur = None
        self.en_vol = {}  # future -> callback, in the order asked
        if processus > 1 and "fork" in multiprocessing.get_all_start_methods():
            self.executeur = ProcessPoolExecutor(
                processus, mp_context=multiprocessing.get_context("fork"), initializer=_mourir_avec_le_parent
            )

    def pdf(self, template, context, quand_pret):
        html = render_to_string(template, context)
        if self.executeur is not None:
            try:
                with _enfants_autorises():
                    futur = self.executeur.submit(_html_vers_pdf, html)
            except (AssertionError, OSError, RuntimeError):  # processes cannot be started here
                logger.warning("PDF du pack CSF rendus dans le processus courant", exc_info=True)
                self.terminer()
                self.fermer()
            else:
                self.en_vol[futur] = quand_pret
                if len(self.en_vol) > self.limite:
                    self._remettre(FIRST_COMPLETED)
                return
        quand_pret(_html_vers_pdf(html))

    def _remettre(self, quand):
        faits, _encore = wait(list(self.en_vol), return_when=quand)
        for futur in [futur for futur in self.en_vol if futur in faits]:
            self.en_vol.pop(futur)(futur.result())

    def terminer(self):
        """Hand over every PDF still being laid out."""
        if self.en_vol:
            self._remettre(ALL_COMPLETED)

    def fermer(self):
        """Stop the processes; what was not handed over is dropped (after a failure)."""
        self.en_vol.clear()
        if self.executeur is not None:
            self.executeur.shutdown(wait=True, cancel_futures=True)
            self.executeur = None


# --- Agendas ------------------------------------------------------------------------------------


def _semaines(debut, fin, salarie):
    """Every version of the weeks overlapping the period (Monday to Sunday), by salarié."""
    semaines = SemaineAgenda.objects.filter(lundi__gte=rules.lundi_de(debut), lundi__lte=fin)
    if salarie is not None:
        semaines = semaines.filter(salarie=salarie)
    return semaines


def _lignes(semaines):
    """The lines of those weeks, streamed in (salarié, week, version, day) order."""
    return (
        LigneAgenda.objects.filter(semaine__in=semaines.values("pk"))
        .select_related("semaine", "categorie", "offre", "entreprise", "evenement", "action")
        .only(
            "semaine_id",
            "semaine__salarie_id",
            "semaine__lundi",
            "semaine__version",
            "date",
            "heures",
            "commentaire",
            "categorie__libelle",
            "categorie__ordre",
            "offre__intitule",
            "entreprise__nom",
            "evenement__titre",
            "action__titre",
            "action__date",
        )
        .order_by("semaine__salarie_id", "semaine__lundi", "semaine__version", "date", "categorie__ordre", "id")
    )


def _rattachements(ligne):
    """What a line relates to, in words."""
    liens = []
    if ligne.offre_id:
        liens.append(("Offre", ligne.offre.intitule))
    if ligne.entreprise_id:
        liens.append(("Entreprise", ligne.entreprise.nom))
    if ligne.evenement_id:
        liens.append(("Événement", ligne.evenement.titre))
    if ligne.action_id:
        liens.append(("Action collective", f"{ligne.action.titre} ({ligne.action.date:%d/%m/%Y})"))
    return liens


def _preparer_version(semaine, lignes, debut, fin):
    """Attach to a week version what the PDF shows: its days, totals and trail."""
    semaine.lignes_csf = lignes
    totaux = rules.totaux_par_jour(lignes, semaine.lundi)
    feries = rules.jours_feries(semaine.lundi)
    jours = []
    for jour in rules.jours_semaine(semaine.lundi):
        du_jour = [ligne for ligne in lignes if ligne.date == jour]
        if not du_jour and jour.weekday() >= 5 and jour not in feries:
            continue  # an empty weekend day says nothing
        for ligne in du_jour:
            morceaux = [ligne.categorie.libelle, rules.format_heures(ligne.heures), ligne.commentaire]
            morceaux += [f"{libelle} : {valeur}" for libelle, valeur in _rattachements(ligne)]
            ligne.texte = " — ".join(morceau for morceau in morceaux if morceau).replace("\n", " ")
        jours.append(
            {
                "date": jour,
                "nom": rules.JOURS[jour.weekday()],
                "ferie": feries.get(jour, ""),
                "lignes": du_jour,
                "texte": "\n".join(ligne.texte for ligne in du_jour),
                "total": rules.format_heures(totaux[jour]),
                "hors_periode": not debut <= jour <= fin,
            }
        )
    semaine.jours_csf = jours
    semaine.total_heures = sum(totaux.values(), Decimal("0"))
    semaine.total_texte = rules.format_heures(semaine.total_heures)
    semaine.heures_periode = sum((Decimal(ligne.heures) for ligne in lignes if debut <= ligne.date <= fin), Decimal(0))
    semaine.trace = _trace(semaine)
    return semaine


def _trace(semaine):
    """The validation trail of one version, in French, oldest event first."""
    trace = []
    if semaine.version > 1:
        qui = nom_salarie(semaine.corrigee_par) if semaine.corrigee_par_id else "—"
        trace.append(
            f"Version {semaine.version} ouverte le {_texte_moment(semaine.corrigee_le)} par {qui} pour corriger "
            f"la version {semaine.version - 1} ; motif : « {semaine.motif_correction} »"
        )
    if semaine.commentaire_retour and semaine.statut != StatutSemaine.RENVOYEE:
        # Sent back earlier, then submitted again (who sent it back is kept until the validation).
        renvoi_connu = semaine.statut == StatutSemaine.SOUMISE and semaine.validee_par_id
        qui = f" par {nom_salarie(semaine.validee_par)}" if renvoi_connu else ""
        trace.append(
            f"Renvoyée pour correction{qui} puis soumise à nouveau ; commentaire du renvoi : "
            f"« {semaine.commentaire_retour} »"
        )
    if semaine.soumise_le:
        trace.append(f"Soumise le {_texte_moment(semaine.soumise_le)}")
    if semaine.statut == StatutSemaine.VALIDEE:
        qui = nom_salarie(semaine.validee_par) if semaine.validee_par_id else "—"
        trace.append(f"Validée le {_texte_moment(semaine.validee_le)} par {qui}")
    elif semaine.statut == StatutSemaine.RENVOYEE:
        qui = nom_salarie(semaine.validee_par) if semaine.validee_par_id else "—"
        trace.append(f"Renvoyée pour correction par {qui} ; commentaire : « {semaine.commentaire_retour} »")
    elif semaine.statut == StatutSemaine.BROUILLON:
        trace.append("Brouillon : non soumise")
    return trace


@dataclasses.dataclass
class _AgendaSalarie:
    salarie: User
    semaines: list  # [(latest version, [earlier versions])] by Monday
    par_categorie: dict
    comptes: Counter


def _agenda(salarie, versions, lignes_par_version, debut, fin):
    """The agenda of one salarié over the period, ready for the PDF."""
    par_lundi = defaultdict(list)
    for version in versions:
        _preparer_version(version, lignes_par_version.get(version.pk, []), debut, fin)
        par_lundi[version.lundi].append(version)
    semaines, par_categorie, comptes = [], defaultdict(Decimal), Counter()
    for lundi in sorted(par_lundi):
        liste = sorted(par_lundi[lundi], key=lambda v: v.version)
        derniere = liste[-1]
        semaines.append((derniere, liste[:-1]))
        comptes[derniere.statut] += 1
        for ligne in derniere.lignes_csf:
            if debut <= ligne.date <= fin:
                par_categorie[(ligne.categorie.ordre, ligne.categorie.libelle)] += Decimal(ligne.heures)
    return _AgendaSalarie(salarie, semaines, dict(par_categorie), comptes)


def _contexte_agenda(agenda, debut, fin, genere_le, genere_par):
    categories = [
        {"libelle": libelle, "heures": rules.format_heures(heures)}
        for (_ordre, libelle), heures in sorted(agenda.par_categorie.items())
    ]
    total = sum(agenda.par_categorie.values(), Decimal(0))
    non_validees = [derniere for derniere, _precedentes in agenda.semaines if derniere.statut != StatutSemaine.VALIDEE]
    return {
        "PLIE_NOM": settings.PLIE_NOM,
        "mention_ue": MENTION_UE,
        "salarie": agenda.salarie,
        "nom": nom_salarie(agenda.salarie),
        "employeur": agenda.salarie.structure or settings.PLIE_NOM,
        "debut": debut,
        "fin": fin,
        "genere_le": genere_le,
        "genere_par": genere_par,
        "semaines": agenda.semaines,
        "categories": categories,
        "total": rules.format_heures(total),
        "nb_semaines": len(agenda.semaines),
        "nb_validees": agenda.comptes[StatutSemaine.VALIDEE],
        "non_validees": non_validees,
        "nb_corrigees": sum(1 for derniere, _ in agenda.semaines if derniere.version > 1),
    }


ENTETES_LIGNES = [
    "Salarié(e)",
    "Semaine du",
    "Version",
    "Dernière version",
    "Statut",
    "Date",
    "Jour",
    "Dans la période",
    "Activité",
    "Heures",
    "Commentaire",
    "Offre",
    "Entreprise",
    "Événement",
    "Action collective",
    "Soumise le",
    "Validée le",
    "Validée par",
]
ENTETES_SEMAINES = [
    "Salarié(e)",
    "Semaine du",
    "Au",
    "Version",
    "Dernière version",
    "Statut",
    "Lignes",
    "Total heures",
    "Heures dans la période",
    "Soumise le",
    "Validée le",
    "Validée ou renvoyée par",
    "Commentaire de retour",
    "Remplace la version",
    "Motif de la correction",
    "Corrigée par",
    "Corrigée le",
]
LARGEURS_LIGNES = [24, 12, 8, 10, 14, 12, 10, 10, 30, 8, 40, 30, 24, 24, 24, 16, 16, 20]
LARGEURS_SEMAINES = [24, 12, 12, 8, 10, 14, 8, 10, 10, 16, 16, 22, 30, 10, 30, 20, 16]
ENTETES_ACTIVITES = ["Salarié(e)", "Activité", "Heures dans la période", "Semaines (dernière version)"]


def _ecrire_tableur_agenda(classeur, feuilles, agenda, debut, fin):
    lignes_f, semaines_f, activites_f = feuilles
    nom = nom_salarie(agenda.salarie)
    for derniere, precedentes in agenda.semaines:
        for version in [*precedentes, derniere]:
            est_derniere = version is derniere
            validee_par = nom_salarie(version.validee_par) if version.validee_par_id else ""
            for ligne in version.lignes_csf:
                classeur.rangee(
                    lignes_f,
                    [
                        nom,
                        version.lundi,
                        version.version,
                        "Oui" if est_derniere else "Non",
                        version.get_statut_display(),
                        ligne.date,
                        rules.JOURS[ligne.date.weekday()],
                        "Oui" if debut <= ligne.date <= fin else "Non",
                        ligne.categorie.libelle,
                        float(ligne.heures),
                        ligne.commentaire,
                        ligne.offre.intitule if ligne.offre_id else "",
                        ligne.entreprise.nom if ligne.entreprise_id else "",
                        ligne.evenement.titre if ligne.evenement_id else "",
                        ligne.action.titre if ligne.action_id else "",
                        _local(version.soumise_le),
                        _local(version.validee_le),
                        validee_par if version.statut == StatutSemaine.VALIDEE else "",
                    ],
                )
            classeur.rangee(
                semaines_f,
                [
                    nom,
                    version.lundi,
                    version.dimanche,
                    version.version,
                    "Oui" if est_derniere else "Non",
                    version.get_statut_display(),
                    len(version.lignes_csf),
                    float(version.total_heures),
                    float(version.heures_periode),
                    _local(version.soumise_le),
                    _local(version.validee_le),
                    validee_par,
                    version.commentaire_retour,
                    version.version - 1 if version.remplace_id else "",
                    version.motif_correction,
                    nom_salarie(version.corrigee_par) if version.corrigee_par_id else "",
                    _local(version.corrigee_le),
                ],
            )
    for (_ordre, libelle), heures in sorted(agenda.par_categorie.items()):
        classeur.rangee(activites_f, [nom, libelle, float(heures), len(agenda.semaines)])


# --- Attendance sheets --------------------------------------------------------------------------


def _actions(debut, fin, salarie):
    actions = ActionCollective.objects.filter(date__range=(debut, fin))
    if salarie is not None:
        actions = actions.filter(animateur=salarie)
    inscriptions = Inscription.objects.select_related("participant").order_by(
        "participant__nom", "participant__prenom", "id"
    )
    return (
        actions.select_related(
            "entreprise", "animateur", "commune", "presences_saisies_par", "feuille_deposee_par", "annulee_par"
        )
        .prefetch_related(Prefetch("inscriptions", queryset=inscriptions))
        .order_by("date", "heure_debut", "id")
    )


def _base_action(action):
    slug = slugify(action.titre)[:50].strip("-") or "action"
    return f"emargements/{action.date:%Y-%m-%d}-{slug}-action-{action.pk}"


def _contexte_feuille(action, genere_le, genere_par):
    champs = regles_actions.presences_attendues(action.creneau)
    libelles = dict(Presence.choices)
    lignes = []
    presents = Counter()
    for inscription in action.inscriptions.all():
        valeurs = []
        for champ in champs:
            valeur = getattr(inscription, champ)
            presents[champ] += valeur == Presence.PRESENT
            valeurs.append({"code": valeur or "non_renseignee", "libelle": libelles.get(valeur, valeur)})
        lignes.append({"inscription": inscription, "presences": valeurs})
    return {
        "PLIE_NOM": settings.PLIE_NOM,
        "mention_ue": MENTION_UE,
        "action": action,
        "demi_journees": [LIBELLES_DEMI_JOURNEES[champ] for champ in champs],
        "lignes": lignes,
        "presents": [presents[champ] for champ in champs],
        "genere_le": genere_le,
        "genere_par": genere_par,
    }


# --- The pack -----------------------------------------------------------------------------------


def _qui(genere_par):
    if genere_par is None:
        return "le système"
    return nom_salarie(genere_par) if isinstance(genere_par, User) else str(genere_par)


def ecrire_pack(flux_zip, debut, fin, salarie=None, *, genere_par=None, progression=None, processus=None):
    """Write the CSF pack of the period (of one salarié, or of the whole operation when
    ``salarie`` is None) as a ZIP into the binary file ``flux_zip``; return a ``ResumePack``.

    ``progression(percent, step)`` is called as the work goes (French step labels).
    ``processus``: how many processes lay out the PDFs (``processus_par_defaut()`` if None)."""
    pack = _Pack(flux_zip, debut, fin, salarie, genere_par, progression)
    rendu = _Rendu(processus or processus_par_defaut())
    try:
        pack.agendas(rendu)
        pack.emargements(rendu)
        pack.avancer(88, "Mise en page des PDF")
        rendu.terminer()
        pack.participants()
        return pack.fermer()
    except BaseException:
        pack.archive.abandonner()
        raise
    finally:
        rendu.fermer()


class _Pack:
    """One pack being written (``ecrire_pack``)."""

    def __init__(self, flux_zip, debut, fin, salarie, genere_par, progression):
        self.debut, self.fin, self.salarie = debut, fin, salarie
        self.progression = progression
        self.genere_le = timezone.localtime()
        self.qui = _qui(genere_par)
        self.resume = ResumePack()
        self.archive = _Archive(flux_zip, self.genere_le)
        self.suffixe = f"{debut:%Y-%m-%d}-{fin:%Y-%m-%d}"
        self.agendas_ecrits, self.sans_agenda = [], []
        self.tenues, self.annulees, self.feuilles_manquantes, self.feuilles_introuvables = [], [], [], []

    def avancer(self, pourcentage, etape):
        if self.progression is not None:
            self.progression(min(int(pourcentage), 99), etape)

    # Agendas: every version of the weeks first, then the lines streamed salarié by salarié.
    def agendas(self, rendu):
        debut, fin = self.debut, self.fin
        self.avancer(1, "Lecture des agendas")
        semaines = _semaines(debut, fin, self.salarie)
        versions_par_salarie = defaultdict(list)
        salaries = {}
        for version in semaines.select_related("salarie", "validee_par", "corrigee_par").order_by(
            "salarie_id", "lundi", "version"
        ):
            versions_par_salarie[version.salarie_id].append(version)
            salaries[version.salarie_id] = version.salarie
        if self.salarie is None:
            self.sans_agenda = list(
                User.objects.filter(agenda_fse=True, is_active=True)
                .exclude(pk__in=list(salaries))
                .order_by("last_name", "first_name", "pk")
            )

        classeur = _Classeur()
        feuilles = (
            classeur.feuille("Lignes", ENTETES_LIGNES, LARGEURS_LIGNES),
            classeur.feuille("Semaines", ENTETES_SEMAINES, LARGEURS_SEMAINES),
            classeur.feuille("Activités", ENTETES_ACTIVITES, [24, 34, 12, 12]),
        )
        # The lines come in salarié id order: a person's agenda is built once their lines are read.
        groupes = itertools.groupby(
            _lignes(semaines).iterator(chunk_size=TAILLE_LOT), key=lambda ligne: ligne.semaine.salarie_id
        )
        groupe = next(groupes, None)
        dossiers = Counter()
        personnes = sorted(salaries.values(), key=lambda s: s.pk)
        for index, personne in enumerate(personnes):
            self.avancer(2 + 46 * index / len(personnes), f"Agenda : {nom_salarie(personne)}")
            lignes_par_version = defaultdict(list)
            if groupe is not None and groupe[0] == personne.pk:
                for ligne in groupe[1]:
                    lignes_par_version[ligne.semaine_id].append(ligne)
                    self.resume.nb_lignes += 1
                groupe = next(groupes, None)
            agenda = _agenda(personne, versions_par_salarie.pop(personne.pk), lignes_par_version, debut, fin)
            self.agendas_ecrits.append(agenda)
            self.resume.nb_semaines += len(agenda.semaines)
            self.resume.nb_agendas += 1
            dossier = slug_salarie(personne)
            dossiers[dossier] += 1
            if dossiers[dossier] > 1:  # two people with the same name
                dossier = f"{dossier}-{personne.pk}"
            nom = f"agendas/{dossier}/agenda-{dossier}-{self.suffixe}.pdf"
            rendu.pdf(
                "fse/csf_agenda_pdf.html",
                _contexte_agenda(agenda, debut, fin, self.genere_le, self.qui),
                lambda contenu, nom=nom: self.archive.ajouter(nom, contenu, compresser=False),
            )
            _ecrire_tableur_agenda(classeur, feuilles, agenda, debut, fin)
        self.avancer(48, "Tableur des agendas")
        self.archive.ajouter(f"agendas/agendas-{self.suffixe}.xlsx", classeur.contenu(), compresser=False)

    # The attendance recorded for each collective action of the period, and its signed sheet.
    def emargements(self, rendu):
        self.avancer(50, "Feuilles d'émargement")
        actions = list(_actions(self.debut, self.fin, self.salarie))
        self.annulees = [action for action in actions if action.statut == StatutAction.ANNULEE]
        self.tenues = [action for action in actions if action.statut != StatutAction.ANNULEE]
        for index, action in enumerate(self.tenues):
            self.avancer(50 + 38 * index / len(self.tenues), f"Feuille de présence {index + 1} sur {len(self.tenues)}")
            rendu.pdf(
                "fse/csf_presences_pdf.html",
                _contexte_feuille(action, self.genere_le, self.qui),
                lambda contenu, action=action: self._feuille(action, contenu),
            )

    def _feuille(self, action, contenu):
        base = _base_action(action)
        self.archive.ajouter(f"{base}-feuille-de-presence.pdf", contenu, compresser=False)
        self.resume.nb_actions += 1
        if not action.feuille_signee:
            self.feuilles_manquantes.append(action)
            return
        nom = action.feuille_signee.name
        extension = nom.rsplit(".", 1)[-1].lower() if "." in nom.rsplit("/", 1)[-1] else "bin"
        try:
            source = action.feuille_signee.open("rb")
        except OSError:  # recorded but missing from the storage: said in LISEZMOI, not hidden
            logger.exception("Feuille d'émargement signée introuvable : action %s", action.pk)
            self.feuilles_introuvables.append(action)
            return
        with source:  # a read error past this point fails the pack: no truncated piece
            self.archive.copier(f"{base}-feuille-signee.{extension}", source)
        self.resume.nb_feuilles_signees += 1

    def participants(self):
        self.avancer(92, "Données FSE des participants")
        contenu = io.BytesIO()
        self.resume.nb_participants = exports.ecrire_donnees_participants(
            contenu, self.debut, self.fin, self.genere_le.date()
        )
        self.archive.ajouter("participants/donnees-fse-participants.xlsx", contenu.getvalue(), compresser=False)

    def fermer(self):
        self.avancer(97, "Manifeste")
        salarie = self.salarie
        self.archive.ajouter(
            LISEZMOI,
            _lisezmoi(
                debut=self.debut,
                fin=self.fin,
                perimetre=f"{nom_salarie(salarie)} ({salarie.email})" if salarie is not None else "toute l'opération",
                salarie=salarie,
                genere_le=self.genere_le,
                qui=self.qui,
                resume=self.resume,
                agendas=sorted(self.agendas_ecrits, key=lambda a: (nom_salarie(a.salarie).lower(), a.salarie.pk)),
                sans_agenda=self.sans_agenda,
                tenues=self.tenues,
                annulees=self.annulees,
                feuilles_manquantes=self.feuilles_manquantes,
                feuilles_introuvables=self.feuilles_introuvables,
                pieces=list(self.archive.pieces),
            ).encode("utf-8"),
        )
        self.resume.fichiers = self.archive.fermer()
        return self.resume


def _par_date(actions):
    return sorted(actions, key=lambda action: (action.date, action.pk))


def _lisezmoi(
    *,
    debut,
    fin,
    perimetre,
    salarie,
    genere_le,
    qui,
    resume,
    agendas,
    sans_agenda,
    tenues,
    annulees,
    feuilles_manquantes,
    feuilles_introuvables,
    pieces,
):
    lignes = [
        f"PACK DE CONTRÔLE DE SERVICE FAIT — {settings.PLIE_NOM}",
        MENTION_UE,
        "",
        f"Période : du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}",
        f"Périmètre : {perimetre}",
        f"Généré le {genere_le:%d/%m/%Y à %H:%M:%S} par {qui}",
        "",
        "CONTENU",
        f"- agendas/ : {resume.nb_agendas} agenda(s) hebdomadaire(s) en PDF (une pièce par salarié(e), "
        f"{resume.nb_semaines} semaine(s), {resume.nb_lignes} ligne(s) toutes versions confondues) et le "
        "tableur de toutes les lignes (feuilles Lignes, Semaines, Activités).",
        "  Une semaine est retenue dès qu'un de ses jours (du lundi au dimanche) tombe dans la période ; elle est "
        "reproduite en entier, mais les récapitulatifs ne comptent que les heures datées dans la période.",
        "  Chaque semaine figure dans sa dernière version ; les versions antérieures (validées puis corrigées) "
        "sont reproduites à la suite avec leur motif de correction.",
        f"- emargements/ : {resume.nb_actions} action(s) collective(s) : la feuille de présence (présences "
        f"saisies par demi-journée) et, pour {resume.nb_feuilles_signees} d'entre elles, la feuille "
        "d'émargement signée telle qu'elle a été déposée (scan).",
        "  Chaque action est identifiée dans le nom de ses fichiers par sa date, son titre et son numéro "
        "(« action-<numéro> »).",
        f"- participants/donnees-fse-participants.xlsx : données FSE de {resume.nb_participants} participant(s) "
        "de toute l'opération sur la période (participants entrés au plus tard le dernier jour et non sortis "
        "avant le premier).",
        f"- {MANIFESTE} : l'empreinte SHA-256 de chaque pièce.",
        "",
    ]
    for agenda in agendas:
        lignes.append(
            f"Agenda — {nom_salarie(agenda.salarie)} : {len(agenda.semaines)} semaine(s), dont "
            f"{agenda.comptes[StatutSemaine.VALIDEE]} validée(s)."
        )
    if not agendas:
        lignes.append("Aucune semaine d'agenda sur la période pour ce périmètre.")
    if sans_agenda:
        lignes.append("Salarié(e)s tenant un agenda FSE sans semaine saisie sur la période :")
        lignes += [f"  - {nom_salarie(personne)}" for personne in sans_agenda]
    lignes.append("")
    if salarie is not None:
        lignes.append(f"Actions collectives retenues : celles de la période animées par {nom_salarie(salarie)}.")
    if feuilles_manquantes:
        lignes.append("Actions dont aucune feuille d'émargement signée n'a été déposée :")
        lignes += [f"  - {action.date:%d/%m/%Y} « {action.titre} »" for action in _par_date(feuilles_manquantes)]
    if feuilles_introuvables:
        lignes.append("Actions dont la feuille signée déposée est introuvable dans le stockage (à signaler) :")
        lignes += [f"  - {action.date:%d/%m/%Y} « {action.titre} »" for action in _par_date(feuilles_introuvables)]
    if annulees:
        lignes.append("Actions annulées de la période (sans feuille, non reprises dans emargements/) :")
        for action in annulees:
            quand = f", annulée le {_texte_moment(action.annulee_le)}" if action.annulee_le else ""
            par = f" par {nom_salarie(action.annulee_par)}" if action.annulee_par_id else ""
            lignes.append(f"  - {action.date:%d/%m/%Y} « {action.titre} »{quand}{par}")
    if not tenues and not annulees:
        lignes.append("Aucune action collective sur la période pour ce périmètre.")
    lignes += [
        "",
        "VÉRIFIER L'INTÉGRITÉ",
        "Après extraction de l'archive, dans son dossier :",
        f"    sha256sum -c {MANIFESTE}",
        "(sous Windows : Get-FileHash -Algorithm SHA256 <fichier>, à comparer à la ligne du manifeste).",
        "Chaque ligne doit répondre « OK ». Le manifeste couvre toutes les pièces sauf lui-même.",
        "",
        f"{len(pieces) + 2} fichiers dans l'archive, y compris ce fichier et le manifeste.",
    ]
    return "\n".join(lignes) + "\n"


# --- The pack asked from the pages (Celery task) ------------------------------------------------


def pack_demander(*, par, debut, fin, salarie=None):
    """Record a pack asked for from the pages and queue its preparation once committed."""
    from .tasks import construire_pack_csf

    pack = PackCsf.objects.create(demande_par=par, debut=debut, fin=fin, salarie=salarie)
    transaction.on_commit(lambda: construire_pack_csf.delay(pack.pk))
    return pack


def pack_construire(pack_id, *, tache_id=""):
    """Build the pack ``pack_id`` into the default storage. A pack already ready is left alone;
    any other state (a delivery that died mid-way) is rebuilt from scratch."""
    pack = PackCsf.objects.select_related("salarie", "demande_par").filter(pk=pack_id).first()
    if pack is None or pack.statut == PackCsf.Statut.PRET:
        return pack
    stockage = pack.fichier.storage
    if pack.fichier.name:  # what an interrupted delivery left
        stockage.delete(pack.fichier.name)
    # One name per pack (its id first), recorded before the file is written: a later delivery
    # finds and removes a partial file, and a failure never removes another pack's file.
    nom = pack.fichier.field.generate_filename(pack, f"{pack.pk}-{nom_archive(pack.debut, pack.fin, pack.salarie)}")
    stockage.delete(nom)
    pack.fichier.name = nom
    pack.statut, pack.progression, pack.etape, pack.erreur = PackCsf.Statut.EN_COURS, 0, "Démarrage", ""
    pack.taille, pack.sha256, pack.nb_fichiers, pack.termine_le = None, "", None, None
    pack.tache_id = tache_id or pack.tache_id
    pack.save(
        update_fields=[
            "fichier",
            "statut",
            "progression",
            "etape",
            "erreur",
            "taille",
            "sha256",
            "nb_fichiers",
            "termine_le",
            "tache_id",
        ]
    )

    def progression(pourcentage, etape):
        if (pourcentage, etape) != (pack.progression, pack.etape):
            pack.progression, pack.etape = pourcentage, etape[:200]
            pack.save(update_fields=["progression", "etape"])

    try:
        with tempfile.TemporaryFile() as temporaire:
            resume = ecrire_pack(
                temporaire, pack.debut, pack.fin, pack.salarie, genere_par=pack.demande_par, progression=progression
            )
            taille = temporaire.tell()
            temporaire.seek(0)
            empreinte = hashlib.sha256()
            for bloc in iter(lambda: temporaire.read(1024 * 1024), b""):
                empreinte.update(bloc)
            temporaire.seek(0)
            enregistre = stockage.save(nom, File(temporaire, name=nom))
    except Exception as erreur:
        logger.exception("Pack CSF %s : échec", pack.pk)
        stockage.delete(nom)
        pack.fichier.name = ""
        pack.statut, pack.termine_le = PackCsf.Statut.ECHEC, timezone.now()
        pack.erreur = (
            "La préparation du pack a échoué "
            f"({type(erreur).__name__}) : relancez la demande ; si l'échec se répète, prévenez l'administrateur."
        )
        pack.save(update_fields=["fichier", "statut", "termine_le", "erreur"])
        return pack
    pack.fichier.name = enregistre
    pack.statut, pack.progression, pack.etape = PackCsf.Statut.PRET, 100, "Pack prêt"
    pack.taille, pack.sha256, pack.nb_fichiers = taille, empreinte.hexdigest(), resume.nb_fichiers
    pack.termine_le = timezone.now()
    pack.save(
        update_fields=["fichier", "statut", "progression", "etape", "taille", "sha256", "nb_fichiers", "termine_le"]
    )
    return pack


def voit_tous_les_packs(user):
    return Role.COORDINATRICE in user.roles


def packs_visibles(user):
    """The packs a person may follow and download: their own; every pack for the coordinatrice."""
    packs = PackCsf.objects.select_related("salarie", "demande_par")
    return packs if voit_tous_les_packs(user) else packs.filter(demande_par=user)


def salaries_agenda():
    """The people an agenda pack may be asked for: those with agenda weeks or an FSE-funded post."""
    return User.objects.filter(Q(agenda_fse=True) | Q(pk__in=SemaineAgenda.objects.values("salarie_id"))).order_by(
        "last_name", "first_name", "pk"
    )
