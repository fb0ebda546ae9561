"""No participant's identity or sensitive facts in logs, e-mails, task results or URLs.

Logs and e-mails leave the application's access control: log files are read by whoever runs the
servers, e-mails sit in mailboxes, Celery arguments and results sit in Redis and in worker logs,
URLs in the access logs of the web server and in browser histories. A realistic journey through
the main services runs here with every log record (DEBUG) and every outgoing e-mail captured.
"""

import datetime
import io
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from fse import tasks as fse_tasks
from offres import services as offres_services
from offres import tasks as offres_tasks
from offres.enums import StatutPositionnement
from offres.factories import OffreFactory
from offres.models import Positionnement, StatutOffre
from participants import services as participants_services
from participants import tasks as participants_tasks
from participants.enums import MotifSortie
from participants.models import Participant
from plie.models import Commune, NiveauFormation
from plie.roles import Role
from reporting import tasks as reporting_tasks

TODAY = timezone.localdate()
NAISSANCE = datetime.date(1979, 7, 13)
# What must never leave: the person's identity and contact, and the words of the sensitive facts.
IDENTITE = ["Quintavalle", "Berenice", "13/07/1979", "1979-07-13", "berenice.q@exemple.fr", "06 12 34 56 78"]
FAITS_SENSIBLES = ["santé", "handicap", "justice", "RQTH", "Cap emploi", "RSA", "minimum social", "minima sociaux"]


def _interdits_dans(texte):
    texte_min = texte.lower()
    return [mot for mot in IDENTITE + FAITS_SENSIBLES if mot.lower() in texte_min]


def _texte_du_mail(message):
    from pypdf import PdfReader

    parties = [message.subject, message.body, *message.to]
    parties += [contenu for contenu, _type in getattr(message, "alternatives", [])]
    for nom, contenu, _type in message.attachments:
        parties.append(nom)
        if nom.endswith(".pdf"):
            parties += [page.extract_text() for page in PdfReader(io.BytesIO(contenu)).pages]
    return "\n".join(parties)


@pytest.fixture
def journee(db, client, make_user, settings, tmp_path, caplog, mailoutbox, django_capture_on_commit_callbacks):
    """The journey: candidacy (with health, justice and social-benefit facts), commission,
    offer diffused and e-mailed, positionnement up to hiring, a forged positionnement by another
    référent (a 403, which Django logs), nightly detections, exit, weekly digest, FSE reminders,
    monthly reports. Returns what the tasks returned (they land in the result backend)."""
    settings.MEDIA_ROOT = tmp_path
    caplog.set_level(logging.DEBUG)
    referente = make_user(Role.REFERENT, agenda_fse=True, date_joined=timezone.now() - datetime.timedelta(days=400))
    autre_referent = make_user(Role.REFERENT)
    coordinatrice = make_user(Role.COORDINATRICE)
    chargee = make_user(Role.CHARGE_MISSION, agenda_fse=True, date_joined=timezone.now() - datetime.timedelta(days=400))
    resultats = []

    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(referente)
        commune = Commune.objects.valides_le(TODAY).get(nom="Chenôve")
        reponse = client.post(
            reverse("participants:nouveau"),
            {
                "identifiant": "SENS-1",
                "nom": "Quintavalle",
                "prenom": "Berenice",
                "sexe": "F",
                "date_naissance": NAISSANCE.isoformat(),
                "email": "berenice.q@exemple.fr",
                "telephone": "06 12 34 56 78",
                "commune": commune.pk,
                "niveau_formation": NiveauFormation.objects.get(code="3").pk,
                "date_candidature": (TODAY - datetime.timedelta(days=60)).isoformat(),
                "notice_information_remise_le": (TODAY - datetime.timedelta(days=60)).isoformat(),
                "autorisation_travail": "on",
                "consentement": "on",
                "consentement_date": (TODAY - datetime.timedelta(days=60)).isoformat(),
                "qualification_insuffisante": "on",
                "minima_sociaux": "RSA",
                "sante_handicap": "on",
                "reconnaissance_handicap": "on",
                "suivi_cap_emploi": "on",
                "sous_main_justice": "on",
            },
        )
        assert reponse.status_code == 302
        participant = Participant.objects.get(identifiant="SENS-1")
        assert client.get(reverse("participants:detail", args=[participant.pk])).status_code == 200

        client.force_login(coordinatrice)
        client.post(
            reverse("participants:decision", args=[participant.pk]),
            {
                "decision": "admission",
                "date_decision": (TODAY - datetime.timedelta(days=30)).isoformat(),
                "motif": "Freins de santé et suivi judiciaire compatibles avec un parcours",
            },
        )
        participant.refresh_from_db()
        assert participant.statut == "entre"

        offre = OffreFactory(statut=StatutOffre.COLLECTEE, nb_postes=1)
        offres_services.offre_qualifier(offre=offre, par=chargee, diffuser=False)
        offres_services.offre_diffuser(offre=offre, par=chargee, par_mail=True)

        client.force_login(referente)
        client.post(reverse("offres:positionner", args=[offre.pk]), {"participants": [participant.pk], "note": "RSA"})
        positionnement = Positionnement.objects.get(participant=participant)
        for statut in (StatutPositionnement.CANDIDATURE_ENVOYEE, StatutPositionnement.RETENU):
            offres_services.positionnement_avancer(positionnement=positionnement, statut=statut, par=referente)

        # Another référent forges the positionnement: refused (403) and logged by Django.
        deuxieme = OffreFactory(statut=StatutOffre.COLLECTEE)
        offres_services.offre_qualifier(offre=deuxieme, par=chargee, diffuser=True)
        autre_client = Client()  # their own browser: no flash message of the others' actions
        autre_client.force_login(autre_referent)
        refus = autre_client.post(reverse("offres:positionner", args=[deuxieme.pk]), {"participants": [participant.pk]})
        assert refus.status_code == 403
        assert "Quintavalle" not in refus.content.decode()

        resultats.append(participants_tasks.rafraichir_detections())
        participants_services.sortie_confirmer(
            participant=participant,
            motif=MotifSortie.SANTE,
            date=TODAY,
            par=referente,
            commentaire="Hospitalisation longue",
        )
        resultats.append(offres_tasks.recapitulatif_hebdomadaire())
        resultats.append(fse_tasks.rappeler_agendas_non_soumis(TODAY.isoformat()))
        resultats.append(reporting_tasks.rapports_du_mois(TODAY.isoformat()))
    return {"resultats": resultats, "participant": participant}


def test_the_journey_leaves_no_identity_nor_sensitive_fact_in_logs(journee, caplog):
    formateur = logging.Formatter("%(name)s %(levelname)s %(message)s")
    # The journey ran in the fixture: its records belong to the setup phase.
    records = caplog.get_records("setup")
    fuites = {}
    for record in records:
        texte = formateur.format(record)  # the message, its arguments and any traceback
        if _interdits_dans(texte):
            fuites[texte[:300]] = _interdits_dans(texte)
    assert fuites == {}
    # The capture works: the forged positionnement's 403 was logged (without the name).
    assert any(r.name == "django.request" and r.levelno >= logging.WARNING for r in records)


def test_the_journey_leaves_no_identity_nor_sensitive_fact_in_emails(journee, mailoutbox):
    sujets = [message.subject for message in mailoutbox]
    # Every kind of e-mail went out: the offer, the weekly digest, the FSE reminder, the monthly report.
    assert any(sujet.startswith("Offre à positionner") for sujet in sujets)
    assert any("cette semaine" in sujet for sujet in sujets)
    assert any(sujet.startswith("Agenda FSE") for sujet in sujets)
    assert any(sujet.startswith("Rapport mensuel") for sujet in sujets)
    fuites = {message.subject: _interdits_dans(_texte_du_mail(message)) for message in mailoutbox}
    assert {sujet: mots for sujet, mots in fuites.items() if mots} == {}


def test_task_results_carry_counts_not_people(journee):
    # Celery stores them in the result backend (Redis in production).
    assert journee["resultats"] and _interdits_dans(repr(journee["resultats"])) == []
    assert str(journee["participant"].pk) and "SENS-1" not in repr(journee["resultats"])


def test_the_detector_catches_a_leak():
    # The check itself can fail: a name or a sensitive word is found, whatever its case.
    assert _interdits_dans("Positionnement de BERENICE Quintavalle") == ["Quintavalle", "Berenice"]
    assert _interdits_dans("suivi sous mandat de Justice") == ["justice"]
    assert _interdits_dans("Participant 42 : 3 positionnements") == []


# --- URLs ----------------------------------------------------------------------------------------

# Path parameters that are not ids: what each one carries, and why it is not personal.
PARAMETRES_TEXTE_ADMIS = {
    "jeton": "the secret of a calendar feed (entreprises:calendrier_ics)",
    "jour": "an ISO date, the week of an FSE agenda",
    "code": "the code of a bilan section",
    "uidb64": "password reset: the account id, encoded",
    "token": "password reset token",
    "app_label": "Django admin",
    "model_name": "Django admin",
    "object_id": "Django admin: a primary key",
    "id": "Django admin: a primary key (a user's password form)",
    "content_type_id": "Django admin",
    "url": "Django admin catch-all",
    "path": "static files in development",
}
# Words that name identity or sensitive facts, in French and English.
MOTS_INTERDITS = {
    "nom",
    "prenom",
    "name",
    "naissance",
    "birth",
    "email",
    "mail",
    "telephone",
    "phone",
    "adresse",
    "address",
    "sante",
    "handicap",
    "justice",
    "minima",
    "rsa",
    "rqth",
    "identite",
}


def _parametres(resolver=None, prefixe=""):
    """(route, parameter, converter) of every URL pattern of the project."""
    resolver = resolver or get_resolver()
    for entree in resolver.url_patterns:
        route = prefixe + str(entree.pattern)
        pattern = entree.pattern
        convertisseurs = getattr(pattern, "converters", {}) or {}
        noms = set(convertisseurs) | set(getattr(getattr(pattern, "regex", None), "groupindex", {}))
        for nom in noms:
            yield route, nom, type(convertisseurs.get(nom)).__name__ if nom in convertisseurs else "regex"
        if isinstance(entree, URLResolver):
            yield from _parametres(entree, route)
        else:
            assert isinstance(entree, URLPattern)


def test_no_url_takes_a_name_or_a_sensitive_fact_as_path_parameter():
    parametres = list(_parametres())
    assert ("<int:pk>/droit-d-acces.zip", "pk", "IntConverter") in {(r[-26:], n, c) for r, n, c in parametres}
    interdits = [(route, nom) for route, nom, _ in parametres if set(nom.lower().split("_")) & MOTS_INTERDITS]
    assert interdits == []
    texte_libre = sorted(
        {
            (route, nom)
            for route, nom, conv in parametres
            if conv != "IntConverter" and nom not in PARAMETRES_TEXTE_ADMIS
        }
    )
    assert texte_libre == [], "paramètre texte à justifier dans PARAMETRES_TEXTE_ADMIS"


# Query strings built by the templates from a person's identity (href="…?q={{ participant.nom }}").
LIEN_AVEC_IDENTITE = re.compile(
    r"\?[^\"'\s>]*=\{\{\s*[\w.]*(participant|candidat|personne)[\w.]*\.(nom|prenom|date_naissance|email|telephone|adresse)\b"
)


def test_no_template_puts_a_participants_identity_in_a_query_string():
    racine = Path(django_settings.BASE_DIR)
    gabarits = [
        p for p in racine.glob("**/templates/**/*.*") if ".venv" not in p.parts and "node_modules" not in p.parts
    ]
    assert len(gabarits) > 50
    fautifs = [str(p.relative_to(racine)) for p in gabarits if LIEN_AVEC_IDENTITE.search(p.read_text(errors="ignore"))]
    assert fautifs == []
    assert LIEN_AVEC_IDENTITE.search('<a href="/offres/?q={{ positionnement.participant.nom|urlencode }}">')


def test_the_web_server_access_log_leaves_out_query_strings_and_referrers():
    # %(r)s (request line), %(q)s (query) and %(f)s (referrer) would log ``?q=<a name>``.
    dockerfile = (Path(django_settings.BASE_DIR) / "Dockerfile").read_text()
    commande = re.search(r'"--access-logformat",\s*"((?:[^"\\]|\\.)*)"', dockerfile)
    assert commande, "le format du journal d'accès de gunicorn doit être explicite"
    format_journal = commande.group(1)
    assert "%(U)s" in format_journal
    assert [champ for champ in ("%(r)s", "%(q)s", "%(f)s", "%({") if champ in format_journal] == []


@pytest.mark.django_db
def test_flash_messages_naming_a_participant_stay_on_the_server(client, make_user):
    from django.contrib.messages import get_messages

    from participants.factories import ParticipantFactory

    referente = make_user(Role.REFERENT)
    participant = ParticipantFactory(entre=True, referent=referente, nom="Quintavalle")
    client.force_login(referente)
    donnees = {"motif": MotifSortie.AUTRE, "date": TODAY.isoformat(), "commentaire": "Déménagement"}
    reponse = client.post(reverse("participants:sortie", args=[participant.pk]), donnees)
    assert reponse.status_code == 302
    assert any("Quintavalle" in str(message) for message in get_messages(reponse.wsgi_request))
    assert "messages" not in reponse.cookies
    assert all("Quintavalle" not in morsel.value for morsel in reponse.cookies.values())
