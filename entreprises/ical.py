"""The iCalendar (RFC 5545) text of a user's calendar feed, written by hand: the format is small,
and owning it keeps the rules that matter visible — CRLF line ends, lines folded at 75 octets
without cutting a UTF-8 character, TEXT escaping, times in UTC with ``Z`` (so no VTIMEZONE is
needed and daylight saving changes cannot shift an event).

The feed's address may leak (it is a bearer secret pasted into calendar apps), so it carries what
describes an event or an action — never who attends it nor which participants are registered.
"""

import re
from datetime import UTC, datetime

from django.utils import timezone

from .models import StatutAction

CRLF = "\r\n"
OCTETS_PAR_LIGNE = 75  # RFC 5545 §3.1, line break excluded
PRODID = "-//PLIE//Back-office PLIE//FR"
# TEXT may not hold control characters other than the tab (§3.3.11); newlines are escaped first.
_CONTROLES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def echapper(texte):
    """A TEXT value (§3.3.11): backslash, semicolon and comma escaped, newlines as ``\\n``."""
    texte = str(texte).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    texte = texte.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
    return _CONTROLES.sub("", texte)


def plier(ligne):
    """Fold a content line into lines of at most 75 octets; each continuation starts with a space,
    which counts in its 75. A multibyte character is never split (§3.1)."""
    morceaux, courant, taille, limite = [], [], 0, OCTETS_PAR_LIGNE
    for caractere in ligne:
        octets = len(caractere.encode("utf-8"))
        if taille + octets > limite:
            morceaux.append("".join(courant))
            courant, taille, limite = [], 0, OCTETS_PAR_LIGNE - 1
        courant.append(caractere)
        taille += octets
    morceaux.append("".join(courant))
    return (CRLF + " ").join(morceaux)


def date_utc(moment):
    """A DATE-TIME in UTC form (§3.3.5, form #2)."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(*, uid, dtstamp, debut, fin, resume, lieu="", description="", url="", annule=False, modifie_le=None):
    """The content lines of one VEVENT (unfolded)."""
    lignes = [
        "BEGIN:VEVENT",
        f"UID:{echapper(uid)}",
        f"DTSTAMP:{date_utc(dtstamp)}",
        f"DTSTART:{date_utc(debut)}",
        f"DTEND:{date_utc(fin)}",
        f"SUMMARY:{echapper(resume)}",
    ]
    if lieu:
        lignes.append(f"LOCATION:{echapper(lieu)}")
    if description:
        lignes.append(f"DESCRIPTION:{echapper(description)}")
    if url:
        lignes.append(f"URL:{url}")  # a URI value, not TEXT: no escaping
    if modifie_le:
        lignes.append(f"LAST-MODIFIED:{date_utc(modifie_le)}")
    lignes.append(f"STATUS:{'CANCELLED' if annule else 'CONFIRMED'}")
    lignes.append("END:VEVENT")
    return lignes


def calendrier(*, nom, composants):
    """The whole VCALENDAR object: ``composants`` are lists of content lines (see ``vevent``)."""
    lignes = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{echapper(nom)}",
        # How often subscribed apps should read it again (Outlook, Apple; Google decides alone).
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for composant in composants:
        lignes.extend(composant)
    lignes.append("END:VCALENDAR")
    return "".join(plier(ligne) + CRLF for ligne in lignes)


# --- From the models --------------------------------------------------------------------------


def _lieu(lieu, commune):
    return ", ".join(filter(None, [lieu, commune.nom if commune else ""]))


def vevent_evenement(evenement, *, hote, url, dtstamp):
    description = [evenement.get_type_display()]
    if evenement.organisateur:
        description.append(f"Organisé par {evenement.organisateur}")
    if evenement.description:
        description.append(evenement.description)
    description.append(f"Fiche de l'événement : {url}")
    return vevent(
        uid=f"evenement-{evenement.pk}@{hote}",
        dtstamp=dtstamp,
        debut=evenement.debut,
        fin=evenement.fin,
        resume=f"Annulé : {evenement.titre}" if evenement.annule else evenement.titre,
        lieu=_lieu(evenement.lieu, evenement.commune),
        description="\n\n".join(description),
        url=url,
        annule=evenement.annule,
        modifie_le=evenement.modifie_le,
    )


def vevent_action(action, *, hote, dtstamp, url=""):
    """A collective action the user facilitates; its day and hours are wall-clock times of the
    PLIE's time zone. Title, place and the number of registrations only: its free-text
    description could name participants."""
    fuseau = timezone.get_default_timezone()
    annulee = action.statut == StatutAction.ANNULEE
    return vevent(
        uid=f"action-{action.pk}@{hote}",
        dtstamp=dtstamp,
        debut=datetime.combine(action.date, action.heure_debut, tzinfo=fuseau),
        fin=datetime.combine(action.date, action.heure_fin, tzinfo=fuseau),
        resume=f"Annulée : {action.titre}" if annulee else action.titre,
        lieu=_lieu(action.lieu, action.commune),
        description=f"{action.nb_inscrits} inscrit(s) pour {action.capacite} place(s)",
        url=url,
        annule=annulee,
        modifie_le=action.modifie_le,
    )
