"""Celery tasks of the FSE app: thin, idempotent, safe to run again."""

import dataclasses
import datetime
from functools import partial

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from plie.models import User

from . import rules
from .models import RappelAgenda, SemaineAgenda
from .rules import StatutSemaine

# --- Monday reminders of the weekly agenda (RULES §6) ------------------------------------------

SEMAINES_RAPPELEES = 4  # the weeks before the current one that a reminder looks at
PERMISSION_AGENDA = ("fse", "add_ligneagenda")


@dataclasses.dataclass(frozen=True)
class SemaineARappeler:
    lundi: datetime.date
    etat: str  # « non commencée », « brouillon », « renvoyée : <commentaire> »
    lien: str

    @property
    def dimanche(self):
        return rules.bornes_semaine(self.lundi)[1]


def salaries_a_rappeler():
    """The active accounts on an FSE-funded post (``agenda_fse``) that may fill in an agenda."""
    app_label, codename = PERMISSION_AGENDA
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True, agenda_fse=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .distinct()
        .order_by("pk")
    )


def lundis_rappeles(aujourd_hui):
    """The Mondays of the 4 weeks before the current one, oldest first."""
    courant = rules.lundi_de(aujourd_hui)
    return [courant - datetime.timedelta(weeks=n) for n in range(SEMAINES_RAPPELEES, 0, -1)]


def lien_semaine(lundi):
    return f"{settings.PLIE_URL.rstrip('/')}{reverse('fse:semaine', kwargs={'jour': lundi.isoformat()})}"


def _etat(semaine):
    """What the reminder says of a week, or None when it is submitted (or validated)."""
    if semaine is None:
        return "non commencée"
    if semaine.statut == StatutSemaine.BROUILLON:
        return "brouillon"
    if semaine.statut == StatutSemaine.RENVOYEE:
        return f"renvoyée : {semaine.commentaire_retour}" if semaine.commentaire_retour else "renvoyée"
    return None


def semaines_non_soumises(salaries, aujourd_hui):
    """{salarié id: [SemaineARappeler, …]} over the 4 weeks before the current one: weeks with no
    agenda or whose latest version is a draft or was sent back; weeks that ended before the
    account was created are left out. One query whatever the number of salariés."""
    lundis = lundis_rappeles(aujourd_hui)
    dernieres = {}
    semaines = SemaineAgenda.objects.filter(salarie__in=[s.pk for s in salaries], lundi__in=lundis)
    for semaine in semaines.order_by("version").only("salarie_id", "lundi", "version", "statut", "commentaire_retour"):
        dernieres[(semaine.salarie_id, semaine.lundi)] = semaine  # the latest version wins
    resultat = {}
    for salarie in salaries:
        arrivee = timezone.localdate(salarie.date_joined)
        a_rappeler = []
        for lundi in lundis:
            if rules.bornes_semaine(lundi)[1] < arrivee:
                continue
            etat = _etat(dernieres.get((salarie.pk, lundi)))
            if etat is not None:
                a_rappeler.append(SemaineARappeler(lundi=lundi, etat=etat, lien=lien_semaine(lundi)))
        if a_rappeler:
            resultat[salarie.pk] = a_rappeler
    return resultat


def _message(salarie, semaines, lundi_rappel):
    nombre = len(semaines)
    context = {
        "salarie": salarie,
        "semaines": semaines,
        "lundi_rappel": lundi_rappel,
        "lien_agenda": f"{settings.PLIE_URL.rstrip('/')}{reverse('fse:semaine')}",
    }
    message = EmailMultiAlternatives(
        subject=f"Agenda FSE : {nombre} semaine{'s' if nombre > 1 else ''} à soumettre",
        body=render_to_string("fse/mail/rappel_agenda.txt", context),
        to=[salarie.email],
    )
    message.attach_alternative(render_to_string("fse/mail/rappel_agenda.html", context), "text/html")
    return message


def rappels_agenda_envoyer(*, aujourd_hui):
    """One e-mail per salarié whose recent weeks are not submitted; return how many were sent.

    Idempotent: a ``RappelAgenda`` per salarié and Monday (unique) is recorded first, and the
    e-mail leaves once that row is committed, so a task delivered twice sends nothing twice."""
    lundi_rappel = rules.lundi_de(aujourd_hui)
    salaries = list(salaries_a_rappeler())
    deja = set(RappelAgenda.objects.filter(lundi_rappel=lundi_rappel).values_list("salarie_id", flat=True))
    a_rappeler = semaines_non_soumises([s for s in salaries if s.pk not in deja], aujourd_hui)
    envoyes = 0
    for salarie in salaries:
        semaines = a_rappeler.get(salarie.pk)
        if not semaines:
            continue
        message = _message(salarie, semaines, lundi_rappel)
        with transaction.atomic():
            _rappel, cree = RappelAgenda.objects.get_or_create(
                salarie=salarie,
                lundi_rappel=lundi_rappel,
                defaults={"semaines": ", ".join(s.lundi.isoformat() for s in semaines)},
            )
            if cree:
                # A failed delivery is logged by Django and does not stop the others.
                transaction.on_commit(partial(message.send), robust=True)
                envoyes += 1
    return envoyes


@shared_task
def rappeler_agendas_non_soumis(aujourd_hui=None):
    """Monday 08:00: remind the FSE-funded salariés of their weeks not submitted. Return the
    number of e-mails sent."""
    if isinstance(aujourd_hui, str):  # a date passed through the broker's JSON
        aujourd_hui = datetime.date.fromisoformat(aujourd_hui)
    return rappels_agenda_envoyer(aujourd_hui=aujourd_hui or timezone.localdate())


# --- Contrôle de service fait pack ---------------------------------------------------------------


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def construire_pack_csf(self, pack_id):
    """Build a CSF pack asked from the pages. Acknowledged once done: a delivery after a worker
    died rebuilds the pack from scratch; a pack already ready is left alone."""
    from .csf import pack_construire

    pack = pack_construire(pack_id, tache_id=self.request.id or "")
    return pack.statut if pack is not None else None
