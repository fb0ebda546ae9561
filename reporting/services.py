"""Every write about the monthly activity reports: the report of a month, its comment, its PDF
(rendered by a worker, by the command or by the beat task on the 1st) and its sending to the
coordination."""

import datetime
import logging
import re
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from plie.models import User
from plie.pdf import MENTION_UE, rendre_pdf
from plie.roles import Role

from .graphiques import barres_horizontales
from .models import RapportMensuel
from .rapport_mensuel import activite_mensuelle, de_mois, libelle_mois, premier_du_mois

logger = logging.getLogger(__name__)

COMMENTAIRE_MAX = 5000
FORMAT_MOIS = re.compile(r"^(\d{4})-(\d{2})$")
PREMIERE_ANNEE = 2000
TEMPLATE_PDF = "reporting/rapport_pdf.html"
Statut = RapportMensuel.Statut


# --- Months ----------------------------------------------------------------------------------


def mois_lire(texte) -> datetime.date:
    """« AAAA-MM » → the first day of that month; a French ValidationError otherwise."""
    correspondance = FORMAT_MOIS.match((texte or "").strip())
    if not correspondance or not 1 <= int(correspondance[2]) <= 12:
        raise ValidationError(f"Mois invalide « {texte} » : attendu au format AAAA-MM, par exemple 2025-03.")
    return datetime.date(int(correspondance[1]), int(correspondance[2]), 1)


def mois_verifier(mois, aujourd_hui=None) -> datetime.date:
    """A report covers a month that has ended: neither the current month nor a future one."""
    mois = premier_du_mois(mois)
    courant = premier_du_mois(aujourd_hui or timezone.localdate())
    if mois >= courant:
        raise ValidationError(
            f"Le rapport {de_mois(mois)} ne peut pas encore être préparé : "
            "seul un mois terminé peut faire l'objet d'un rapport."
        )
    if mois.year < PREMIERE_ANNEE:
        raise ValidationError(f"Mois trop ancien : {libelle_mois(mois)}.")
    return mois


def mois_precedent(aujourd_hui):
    return premier_du_mois(premier_du_mois(aujourd_hui) - datetime.timedelta(days=1))


# --- Who ------------------------------------------------------------------------------------


def charges_de_mission():
    """The active chargé(e)s de mission, in a stable order."""
    return User.objects.with_role(Role.CHARGE_MISSION).order_by("last_name", "first_name", "pk")


def coordinatrices():
    return User.objects.with_role(Role.COORDINATRICE).exclude(email="").order_by("last_name", "first_name", "pk")


def voit_tous_les_rapports(user):
    """The coordinatrice reads every chargé(e)'s reports; the others their own only."""
    return user.has_perm("reporting.view_rapportmensuel") and Role.COORDINATRICE in user.roles


def rapports_visibles(user):
    rapports = RapportMensuel.objects.select_related("salarie")
    return rapports if voit_tous_les_rapports(user) else rapports.filter(salarie=user)


def _verifier_auteur(rapport, par):
    if par.pk != rapport.salarie_id:
        raise PermissionDenied("Seul(e) l'auteur(e) du rapport peut le modifier.")


# --- The report and its comment ----------------------------------------------------------------


def rapport_obtenir(*, salarie, mois, aujourd_hui=None) -> RapportMensuel:
    """The report of ``salarie`` for the month of ``mois`` (created when missing)."""
    mois = mois_verifier(mois, aujourd_hui)
    rapport, _cree = RapportMensuel.objects.get_or_create(salarie=salarie, mois=mois)
    return rapport


def commentaire_enregistrer(*, rapport, commentaire, par) -> RapportMensuel:
    """The author's comment, part of the PDF: once changed, a PDF already generated is outdated."""
    _verifier_auteur(rapport, par)
    commentaire = (commentaire or "").replace("\r\n", "\n").strip()
    if len(commentaire) > COMMENTAIRE_MAX:
        raise ValidationError(
            {"commentaire": f"Le commentaire dépasse {COMMENTAIRE_MAX} caractères ({len(commentaire)})."}
        )
    if commentaire != rapport.commentaire:
        rapport.commentaire, rapport.commentaire_modifie_le = commentaire, timezone.now()
        rapport.save(update_fields=["commentaire", "commentaire_modifie_le"])
    return rapport


def pdf_perime(rapport) -> bool:
    """The comment changed since the PDF was generated."""
    return bool(
        rapport.statut == Statut.PRET
        and rapport.genere_le
        and rapport.commentaire_modifie_le
        and rapport.commentaire_modifie_le > rapport.genere_le
    )


def envoi_possible(rapport) -> bool:
    """A ready, up-to-date PDF not sent yet in this version."""
    return (
        rapport.statut == Statut.PRET
        and bool(rapport.fichier)
        and not pdf_perime(rapport)
        and (rapport.envoye_le is None or rapport.genere_le > rapport.envoye_le)
    )


# --- The PDF ----------------------------------------------------------------------------------


def graphiques(activite):
    """The SVG charts of the report (the tables give the same figures)."""
    return {
        "sources": barres_horizontales(
            [(ligne.source, ligne.collectees) for ligne in activite.offres_par_source],
            titre="Offres collectées par source",
        ),
        "entreprises": barres_horizontales(
            [(libelle, n) for _code, libelle, n in activite.interactions_par_type],
            titre="Échanges avec les entreprises par type",
        ),
        "temps": barres_horizontales(
            [(libelle, heures) for libelle, heures, _part in activite.temps_par_activite],
            titre="Heures par activité (agenda FSE)",
            unite=" h",
        ),
    }


def contexte_pdf(rapport, activite, genere_le):
    return {
        "rapport": rapport,
        "activite": activite,
        "titre": f"Rapport mensuel d'activité — {libelle_mois(rapport.mois)} — {nom(rapport.salarie)}",
        "PLIE_NOM": settings.PLIE_NOM,
        "mention_ue": MENTION_UE,
        "genere_le": genere_le,
        "graphiques": graphiques(activite),
    }


def nom(user):
    return user.get_full_name() or user.email


def nom_fichier(rapport):
    """The name a downloaded or attached PDF bears."""
    return f"rapport-activite-{rapport.mois:%Y-%m}-{slugify(nom(rapport.salarie))[:60] or rapport.salarie_id}.pdf"


def _progression_enregistree(rapport):
    def progression(pourcentage, etape):
        if (pourcentage, etape) != (rapport.progression, rapport.etape):
            rapport.progression, rapport.etape = pourcentage, etape[:200]
            rapport.save(update_fields=["progression", "etape"])

    return progression


def generer(rapport, progression=None) -> RapportMensuel:
    """Render the report's PDF into ``rapport.fichier`` (replacing the previous one), recording
    the progress; the report ends « prêt », or « échec » with the reason (never raises).

    ``progression(pourcentage, etape)`` is called at each step; by default it saves them on the
    report (the page polls them). ``rapport.duree_rendu`` is set to the seconds spent."""
    debut = time.perf_counter()
    rapport.refresh_from_db()
    enregistrer = _progression_enregistree(rapport)

    def etape(pourcentage, texte):
        enregistrer(pourcentage, texte)
        if progression is not None:
            progression(pourcentage, texte)

    genere_le = timezone.now()  # the comment read now is the one printed
    rapport.statut, rapport.erreur = Statut.EN_COURS, ""
    rapport.save(update_fields=["statut", "erreur"])
    try:
        etape(10, "Calcul des chiffres du mois")
        activite = activite_mensuelle(rapport.salarie, rapport.mois)
        etape(40, "Mise en page du PDF")
        contenu = rendre_pdf(TEMPLATE_PDF, contexte_pdf(rapport, activite, genere_le))
        etape(90, "Enregistrement du fichier")
        ancien = rapport.fichier.name
        rapport.fichier.save(f"rapport-{rapport.pk}-{rapport.mois:%Y-%m}.pdf", ContentFile(contenu), save=False)
        if ancien and ancien != rapport.fichier.name:
            rapport.fichier.storage.delete(ancien)
    except Exception as erreur:
        logger.exception("Rapport mensuel %s : échec de la génération", rapport.pk)
        rapport.statut = Statut.ECHEC
        rapport.erreur = (
            f"La génération du PDF a échoué ({type(erreur).__name__}) : relancez-la ; "
            "si l'échec se répète, prévenez l'administrateur."
        )
        rapport.save(update_fields=["statut", "erreur"])
        rapport.duree_rendu = time.perf_counter() - debut
        return rapport
    rapport.statut, rapport.genere_le = Statut.PRET, genere_le
    rapport.progression, rapport.etape = 100, "Rapport prêt"
    rapport.save(update_fields=["fichier", "statut", "genere_le", "progression", "etape"])
    if progression is not None:
        progression(100, "Rapport prêt")
    rapport.duree_rendu = time.perf_counter() - debut
    return rapport


def generation_demander(*, rapport, par, relancer=False) -> RapportMensuel:
    """The author asks for the PDF: the report goes « en cours » and a worker renders it once
    the request's transaction has committed. While it is « en cours », only ``relancer`` (the
    author saw the progress stall: no worker, a lost task) queues it again; two renderings of
    the same report are harmless, the last one wins."""
    _verifier_auteur(rapport, par)
    with transaction.atomic():
        rapport = RapportMensuel.objects.select_for_update().get(pk=rapport.pk)
        if rapport.statut == Statut.EN_COURS and not relancer:
            raise ValidationError("La génération de ce rapport est déjà en cours.")
        rapport.statut, rapport.progression, rapport.etape, rapport.erreur = Statut.EN_COURS, 0, "", ""
        rapport.save(update_fields=["statut", "progression", "etape", "erreur"])

        def lancer():
            from .tasks import generer_rapport_mensuel

            generer_rapport_mensuel.delay(rapport.pk)

        transaction.on_commit(lancer)
    return rapport


# --- Sending ------------------------------------------------------------------------------------


def _message(rapport, destinataire, contenu):
    context = {
        "rapport": rapport,
        "destinataire": destinataire,
        "auteur": nom(rapport.salarie),
        "mois": libelle_mois(rapport.mois),
        "lien": f"{settings.PLIE_URL.rstrip('/')}{reverse('reporting:rapport', args=[rapport.pk])}",
        "PLIE_NOM": settings.PLIE_NOM,
    }
    message = EmailMultiAlternatives(
        subject=f"Rapport mensuel d'activité — {libelle_mois(rapport.mois)} — {nom(rapport.salarie)}",
        body=render_to_string("reporting/mail/rapport_envoi.txt", context),
        to=[destinataire.email],
        reply_to=[rapport.salarie.email] if rapport.salarie.email else None,
    )
    message.attach_alternative(render_to_string("reporting/mail/rapport_envoi.html", context), "text/html")
    message.attach(nom_fichier(rapport), contenu, "application/pdf")
    return message


def envoyer(rapport) -> int:
    """E-mail the ready PDF to every active coordinatrice, one message each; return how many.

    The report row is locked while sending and ``envoye_le`` is recorded in the same
    transaction: two runs never send the same version twice, and a failed delivery leaves the
    report unsent (the next run tries again)."""
    with transaction.atomic():
        rapport = RapportMensuel.objects.select_for_update().select_related("salarie").get(pk=rapport.pk)
        if rapport.statut != Statut.PRET or not rapport.fichier:
            raise ValidationError("Le PDF du rapport n'est pas prêt : générez-le avant de l'envoyer.")
        if pdf_perime(rapport):
            raise ValidationError("Le commentaire a changé depuis la génération : régénérez le PDF avant de l'envoyer.")
        if rapport.envoye_le is not None and rapport.genere_le <= rapport.envoye_le:
            return 0  # this version was sent already
        destinataires = list(coordinatrices())
        if not destinataires:
            raise ValidationError("Aucune coordinatrice active avec une adresse e-mail : le rapport n'est pas envoyé.")
        with rapport.fichier.open("rb") as fichier:
            contenu = fichier.read()
        messages = [_message(rapport, destinataire, contenu) for destinataire in destinataires]
        get_connection().send_messages(messages)
        rapport.envoye_le = timezone.now()
        rapport.save(update_fields=["envoye_le"])
    return len(messages)


def rapports_du_mois_produire(*, aujourd_hui=None):
    """On the 1st: each active chargé(e) de mission's report of the previous month is generated
    and sent to the coordination. Idempotent: a report already sent is left alone. Return
    {"generes": …, "envoyes": … e-mails, "echecs": …}."""
    mois = mois_precedent(aujourd_hui or timezone.localdate())
    bilan = {"generes": 0, "envoyes": 0, "echecs": 0}
    for salarie in charges_de_mission():
        rapport = rapport_obtenir(salarie=salarie, mois=mois, aujourd_hui=aujourd_hui)
        if rapport.envoye_le is not None:
            continue
        rapport = generer(rapport)
        if rapport.statut != Statut.PRET:
            bilan["echecs"] += 1
            continue
        bilan["generes"] += 1
        try:
            bilan["envoyes"] += envoyer(rapport)
        except ValidationError as erreur:
            logger.warning("Rapport mensuel %s non envoyé : %s", rapport.pk, " ".join(erreur.messages))
            bilan["echecs"] += 1
        except Exception:  # a failed delivery does not stop the other reports; retried next run
            logger.exception("Rapport mensuel %s : échec de l'envoi", rapport.pk)
            bilan["echecs"] += 1
    return bilan
