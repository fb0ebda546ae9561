"""Right of access (RGPD art. 15) and the information notice (art. 13).

``archive_droit_acces`` gathers everything the PLIE holds about one participant into a ZIP: a
``lisez-moi.txt`` and a ``donnees.html`` that a person can read, one CSV per kind of data (for a
spreadsheet) and a ``donnees.json`` with everything (portability). Staff names are part of the
answer: the person is entitled to know who followed them and who opened their file.

The number of queries does not depend on how many entretiens, étapes… the person has: one per
kind of data.
"""

import csv
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst

from plie.models import JournalAcces
from plie.tableur import neutraliser

from .models import (
    DecisionCommission,
    DetectionSortie,
    DiagnosticEntree,
    Entretien,
    Etape,
    HistoriqueReferent,
    Participant,
    Situation,
    Sortie,
)

CNIL_PLAINTE = "https://www.cnil.fr/fr/adresser-une-plainte"
DETAIL_JOURNAL = "Droit d'accès (RGPD art. 15) : archive des données du participant"


# --- The information notice (art. 13), shared by its page, its PDF and the archive -----------


def durees_conservation():
    """The retention periods, in words, from ``PLIE_RETENTION`` (participants.retention) when set."""
    retention = getattr(settings, "PLIE_RETENTION", None) or {}
    durees = []
    mois = retention.get("BASE_ACTIVE_MOIS")
    if mois:
        durees.append(
            f"Le dossier de parcours est conservé en base active pendant {mois} mois après le dernier contact "
            "avec le PLIE."
        )
    else:
        durees.append("Le dossier de parcours est conservé en base active pendant la durée de l'accompagnement.")
    # Read as participants.retention reads them: a date (AAAA-MM-JJ) first, else N years after the exit.
    archivage = retention.get("ARCHIVAGE_FSE_JUSQU_AU")
    ans = retention.get("ARCHIVAGE_FSE_ANS_APRES_SORTIE")
    if isinstance(archivage, str):
        try:
            archivage = date.fromisoformat(archivage)
        except ValueError:
            archivage = None
    if isinstance(archivage, date):
        archivage = f"jusqu'au {archivage:%d/%m/%Y}"
    elif ans:
        archivage = (
            f"jusqu'au 31 décembre de la {ans}{'re' if ans == 1 else 'e'} année suivant celle de la sortie du PLIE"
        )
    elif ans == 0:
        archivage = None
    else:
        archivage = "jusqu'à la fin de la période d'archivage du programme FSE+"
    if archivage:
        durees.append(
            "Les données nécessaires au contrôle de l'opération cofinancée par le Fonds social européen plus sont "
            f"ensuite archivées, avec un accès restreint, {archivage} (obligation de conservation des pièces "
            "justificatives)."
        )
    durees.append("Au terme de ces durées, les données sont anonymisées : seules restent des statistiques.")
    journaux = retention.get("JOURNAUX_MOIS")
    if journaux:
        durees.append(f"Les journaux des consultations de votre dossier sont conservés {journaux} mois.")
    return durees


def contexte_notice():
    """What the notice names: the controller, the DPO, the retention periods (no personal data)."""
    return {
        "responsable": settings.PLIE_NOM,
        "territoire": settings.PLIE_TERRITOIRE,
        "dpo_contact": settings.PLIE_DPO_CONTACT,
        "durees_conservation": durees_conservation(),
        "cnil_plainte": CNIL_PLAINTE,
    }


# --- The participant's data, as tables ---------------------------------------------------------


@dataclass
class Tableau:
    """One kind of data: one CSV in the archive, one table in ``donnees.html``, one key in the JSON."""

    nom: str
    titre: str
    description: str
    colonnes: list
    lignes: list = field(default_factory=list)

    @property
    def fichier(self):
        return f"{self.nom}.csv"


def _lire(objet, chemin):
    """The value at ``chemin`` (``a.b.c``); a field with choices gives its label."""
    for partie in chemin.split("."):
        if objet is None:
            return None
        affichage = getattr(objet, f"get_{partie}_display", None)
        objet = affichage() if affichage else getattr(objet, partie)
    if isinstance(objet, models.Model):
        return str(objet)
    return objet


def _colonnes(modele, champs):
    """``(libellé, chemin)`` of ``champs``; a pair given as such is kept (computed columns)."""
    colonnes = []
    for champ in champs:
        if isinstance(champ, tuple):
            colonnes.append(champ)
        else:
            colonnes.append((capfirst(modele._meta.get_field(champ).verbose_name), champ))
    return colonnes


def _liste(nom, titre, description, queryset, champs):
    colonnes = _colonnes(queryset.model, champs)
    lignes = [[_lire(objet, chemin) for _, chemin in colonnes] for objet in queryset]
    return Tableau(nom, titre, description, [libelle for libelle, _ in colonnes], lignes)


def _fiche(nom, titre, description, objet, exclus=("id", "participant")):
    """One record as « rubrique ; valeur » rows (easier to read than one very wide row)."""
    lignes = []
    if objet is not None:
        for champ in objet._meta.concrete_fields:
            if champ.name not in exclus:
                lignes.append([capfirst(champ.verbose_name), _lire(objet, champ.name)])
    return Tableau(nom, titre, description, ["Rubrique", "Valeur"], lignes)


def tableaux_du_participant(participant):
    """Every kind of data held about ``participant``, as ``Tableau`` (one query each)."""
    participant = (
        Participant.objects.select_related("commune", "quartier_prioritaire", "niveau_formation", "referent")
        .prefetch_related("metiers_vises")
        .get(pk=participant.pk)
    )
    identite = _fiche(
        "identite",
        "Identité et situation",
        "Votre identité, vos coordonnées, votre situation à l'entrée (y compris les informations de santé, "
        "de justice et de minima sociaux que vous avez déclarées) et les dates de votre parcours.",
        participant,
    )
    identite.lignes.append(
        ["Métiers visés (projet professionnel)", ", ".join(str(metier) for metier in participant.metiers_vises.all())]
    )
    p = participant
    # The apps above this one (offres, formation, entreprises, fse) are read through the registry:
    # participants sits below them and does not import them.
    DonneesFseParticipant = apps.get_model("fse", "DonneesFseParticipant")
    Positionnement = apps.get_model("offres", "Positionnement")
    EtapePositionnement = apps.get_model("offres", "EtapePositionnement")
    BesoinFormation = apps.get_model("formation", "BesoinFormation")
    PositionnementFormation = apps.get_model("formation", "PositionnementFormation")
    Inscription = apps.get_model("entreprises", "Inscription")
    return [
        identite,
        _fiche(
            "donnees_fse",
            "Données demandées par le Fonds social européen",
            "Les informations que le financeur (FSE+) demande à l'entrée, à la sortie et six mois après.",
            DonneesFseParticipant.objects.select_related("modifie_par").filter(participant=p).first(),
        ),
        _fiche(
            "diagnostic",
            "Diagnostic d'entrée",
            "Vos compétences dans les sept domaines CléA, évaluées au début de l'accompagnement.",
            DiagnosticEntree.objects.select_related("realise_par").filter(participant=p).first(),
        ),
        _liste(
            "entretiens",
            "Entretiens",
            "Les entretiens avec votre référent, avec leurs comptes rendus.",
            Entretien.objects.filter(participant=p).select_related("realise_par").order_by("date", "id"),
            ["date", "type", "notes", "prochaines_etapes", "realise_par", "cree_le"],
        ),
        _liste(
            "etapes_parcours",
            "Étapes de parcours",
            "Les étapes de votre parcours (ateliers, stages, formations, chantiers…).",
            Etape.objects.filter(participant=p).select_related("cree_par").order_by("debut", "id"),
            ["type", "intitule", "structure", "debut", "fin_prevue", "fin", "resultat", "commentaire", "cree_par"],
        ),
        _liste(
            "situations",
            "Contrats, formations et créations d'entreprise",
            "Les contrats de travail, formations et créations d'activité enregistrés pendant le parcours.",
            Situation.objects.filter(participant=p).select_related("type_contrat", "cree_par").order_by("debut", "id"),
            [
                "type",
                "type_contrat",
                "intitule",
                "employeur",
                "siret",
                "debut",
                "fin_prevue",
                "fin",
                "heures_hebdo",
                "accord_temps_partiel",
                "cree_par",
            ],
        ),
        _liste(
            "positionnements_offres",
            "Positionnements sur des offres d'emploi",
            "Les offres d'emploi sur lesquelles votre candidature a été proposée, et où elle en est.",
            Positionnement.objects.filter(participant=p)
            .select_related("offre__entreprise", "cree_par")
            .order_by("cree_le", "id"),
            [
                ("Offre", "offre.intitule"),
                ("Employeur", "offre.nom_employeur"),
                "statut",
                "derniere_etape_le",
                ("Proposé par", "cree_par"),
                ("Proposé le", "cree_le"),
            ],
        ),
        _liste(
            "suivi_positionnements_offres",
            "Suivi des positionnements sur des offres",
            "Chaque étape du suivi de ces candidatures, datée, avec la personne qui l'a enregistrée.",
            EtapePositionnement.objects.filter(positionnement__participant=p)
            .select_related("positionnement__offre", "par")
            .order_by("date", "id"),
            [("Offre", "positionnement.offre.intitule"), "statut", "date", ("Par", "par"), "note"],
        ),
        _liste(
            "decisions_commission",
            "Décisions de la commission",
            "Les décisions de la commission de validation des entrées et sorties, avec leur motif.",
            DecisionCommission.objects.filter(participant=p).select_related("decide_par").order_by("date_decision"),
            [
                "decision",
                "date_decision",
                "motif",
                "eligible_au_calcul",
                "criteres_manquants",
                ("Décidé par", "decide_par"),
            ],
        ),
        _liste(
            "besoins_formation",
            "Besoins de formation",
            "Les formations que vous avez souhaitées, et leur suite.",
            BesoinFormation.objects.filter(participant=p)
            .select_related("domaine", "metier_rome", "niveau_vise", "cree_par")
            .order_by("exprime_le", "id"),
            [
                "intitule",
                "type",
                "domaine",
                "metier_rome",
                "niveau_vise",
                "urgence",
                "precisions_contraintes",
                "statut",
                "exprime_le",
                ("Enregistré par", "cree_par"),
            ],
        ),
        _liste(
            "inscriptions_formations",
            "Inscriptions à des sessions de formation",
            "Les sessions de formation sur lesquelles vous avez été positionné(e).",
            PositionnementFormation.objects.filter(participant=p)
            .select_related("session__organisme", "propose_par")
            .order_by("propose_le", "id"),
            [
                ("Session", "session.intitule"),
                ("Organisme", "session.organisme"),
                ("Début", "session.debut"),
                ("Fin", "session.fin"),
                "statut",
                ("Proposé par", "propose_par"),
                ("Proposé le", "propose_le"),
            ],
        ),
        _liste(
            "inscriptions_actions",
            "Inscriptions aux actions collectives",
            "Les ateliers et visites d'entreprise auxquels vous avez été inscrit(e), et votre présence.",
            Inscription.objects.filter(participant=p)
            .select_related("action", "inscrit_par")
            .order_by("action__date", "id"),
            [
                ("Action", "action.titre"),
                ("Date", "action.date"),
                ("Lieu", "action.lieu"),
                "presence_matin",
                "presence_apres_midi",
                ("Inscrit(e) par", "inscrit_par"),
                ("Inscrit(e) le", "inscrit_le"),
            ],
        ),
        _liste(
            "historique_referents",
            "Référents successifs",
            "Les référents qui vous ont accompagné(e), et depuis quand.",
            HistoriqueReferent.objects.filter(participant=p)
            .select_related("referent", "attribue_par")
            .order_by("du", "id"),
            [("Référent", "referent"), "du", "au", "motif", ("Attribué par", "attribue_par")],
        ),
        _liste(
            "sorties_detectees",
            "Sorties positives détectées",
            "Les sorties vers l'emploi ou la formation que l'application a repérées d'après vos contrats.",
            DetectionSortie.objects.filter(participant=p).order_by("date", "id"),
            ["resultat", "date", "raisons", "statut"],
        ),
        _fiche(
            "sortie",
            "Sortie du PLIE",
            "La sortie du parcours, si elle a eu lieu : sa date, son motif et qui l'a enregistrée.",
            Sortie.objects.select_related("confirmee_par").filter(participant=p).first(),
        ),
        _liste(
            "acces_dossier",
            "Consultations et exports de votre dossier",
            "Qui, parmi les salariés du PLIE, a consulté vos informations confidentielles ou exporté votre dossier, "
            "et quand.",
            JournalAcces.objects.filter(objet_type="participant", objet_id=str(p.pk))
            .select_related("utilisateur")
            .order_by("horodatage", "id"),
            ["horodatage", ("Personne", "utilisateur"), "action", "detail"],
        ),
    ]


# --- Formats -----------------------------------------------------------------------------------


def texte(valeur):
    """A value as French text (dates dd/mm/yyyy, Oui/Non…)."""
    if valeur is None:
        resultat = ""
    elif isinstance(valeur, bool):
        resultat = "Oui" if valeur else "Non"
    elif isinstance(valeur, datetime):
        resultat = f"{timezone.localtime(valeur):%d/%m/%Y %H:%M}"
    elif isinstance(valeur, date):
        resultat = f"{valeur:%d/%m/%Y}"
    elif isinstance(valeur, Decimal):
        resultat = str(valeur).replace(".", ",")
    elif isinstance(valeur, (list, tuple)):
        resultat = " ; ".join(str(element) for element in valeur)
    else:
        resultat = str(valeur)
    return resultat


def texte_cellule(valeur):
    """A value as a spreadsheet cell, neutralised against formulas."""
    return neutraliser(texte(valeur))


def csv_du_tableau(tableau):
    """The CSV of one table: « ; » separated with a BOM, as a French spreadsheet opens it."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([neutraliser(colonne) for colonne in tableau.colonnes])
    for ligne in tableau.lignes:
        ecrivain.writerow([texte_cellule(valeur) for valeur in ligne])
    return "\ufeff" + sortie.getvalue()


class _EncodeurJson(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime):
            return timezone.localtime(o).isoformat()
        return super().default(o)


def json_des_tableaux(participant, tableaux, genere_le):
    donnees = {
        "responsable_du_traitement": settings.PLIE_NOM,
        "genere_le": genere_le,
        "identifiant": participant.identifiant,
        "donnees": {
            tableau.nom: {
                "titre": tableau.titre,
                "lignes": [dict(zip(tableau.colonnes, ligne, strict=True)) for ligne in tableau.lignes],
            }
            for tableau in tableaux
        },
    }
    return json.dumps(donnees, cls=_EncodeurJson, ensure_ascii=False, indent=2)


def nom_archive(participant, jour):
    """The file name: the identifiant, never the person's name (it lands in download folders)."""
    identifiant = re.sub(r"[^A-Za-z0-9_-]+", "_", participant.identifiant).strip("_") or str(participant.pk)
    return f"droit-d-acces-{identifiant}-{jour:%Y-%m-%d}.zip"


def archive_droit_acces(*, participant, par):
    """Write the archive to a temporary file (rewound) and return ``(fichier, nom)``.

    The caller sends and closes the file; ``par`` is named in the archive as who produced it.
    """
    genere_le = timezone.localtime()
    tableaux = tableaux_du_participant(participant)
    contexte = {
        **contexte_notice(),
        "participant": participant,
        "tableaux": tableaux,
        "genere_le": genere_le,
        "genere_par": par,
        "lignes_html": [(tableau, [[texte(v) for v in ligne] for ligne in tableau.lignes]) for tableau in tableaux],
    }
    fichier = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, who closes it)
    with zipfile.ZipFile(fichier, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lisez-moi.txt", render_to_string("participants/acces/lisez_moi.txt", contexte))
        archive.writestr("donnees.html", render_to_string("participants/acces/donnees.html", contexte))
        archive.writestr("donnees.json", json_des_tableaux(participant, tableaux, genere_le))
        for tableau in tableaux:
            archive.writestr(f"csv/{tableau.fichier}", csv_du_tableau(tableau))
    fichier.seek(0)
    return fichier, nom_archive(participant, genere_le.date())


def journaliser_export(*, participant, par):
    """Record the download in the access journal: who, when, which record; nothing about the person."""
    return JournalAcces.objects.create(
        utilisateur=par,
        action=JournalAcces.Action.EXPORT,
        objet_type="participant",
        objet_id=str(participant.pk),
        detail=DETAIL_JOURNAL,
    )
