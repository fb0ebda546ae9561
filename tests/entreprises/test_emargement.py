"""Attendance sheets: the printable PDF (read back with pypdf), the PDF helper's fetcher, the EU
emblem, attendance recording per half-day, and the signed scan (upload and download)."""

import io
import re
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from entreprises.factories import EntrepriseFactory
from entreprises.models import ActionCollective, Creneau, Inscription, Presence, StatutAction, TypeAction
from participants.factories import ParticipantFactory
from plie import pdf
from plie.models import JournalAcces
from plie.roles import Role


def creer_action(*, cree_par, jours=0, creneau=Creneau.MATIN, **champs):
    champs.setdefault("titre", "Visite de la plateforme logistique")
    champs.setdefault("type", TypeAction.ATELIER)
    return ActionCollective.objects.create(
        date=timezone.localdate() + timedelta(days=jours),
        creneau=creneau,
        heure_debut=time(9),
        heure_fin=time(12) if creneau == Creneau.MATIN else time(16, 30),
        lieu="Zone d'activités de Longvic",
        animateur=champs.pop("animateur", cree_par),
        capacite=champs.pop("capacite", 12),
        cree_par=cree_par,
        **champs,
    )


def textes_messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def texte_pdf(contenu):
    lecteur = PdfReader(io.BytesIO(contenu))
    return lecteur, "\n".join(page.extract_text() for page in lecteur.pages)


def un_pdf():
    """A real one-page PDF, as a scanner would produce."""
    from weasyprint import HTML

    return HTML(string="<p>Feuille signée</p>").write_pdf()


def un_png():
    tampon = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(tampon, format="PNG")
    return tampon.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def fichiers_dans(racine):
    return [chemin for chemin in racine.rglob("*") if chemin.is_file()] if racine.exists() else []


@pytest.fixture
def charge(make_user):
    return make_user(Role.CHARGE_MISSION, first_name="Claire", last_name="Animatrice")


@pytest.fixture
def referent(make_user):
    return make_user(Role.REFERENT, first_name="Rita", last_name="Référente")


@pytest.fixture
def action_journee(charge, referent):
    entreprise = EntrepriseFactory(nom="Logistique Bourgogne Sud")
    action = creer_action(
        cree_par=charge,
        jours=3,
        creneau=Creneau.JOURNEE,
        type=TypeAction.VISITE,
        entreprise=entreprise,
        titre="Visite de la plateforme logistique",
    )
    for nom, prenom in [("Dupont", "Alice"), ("Nguyen", "Bao"), ("Benali", "Karim")]:
        participant = ParticipantFactory(entre=True, referent=referent, nom=nom, prenom=prenom)
        Inscription.objects.create(action=action, participant=participant, inscrit_par=referent)
    return action


# --- The printable sheet -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.CHARGE_MISSION, Role.COORDINATRICE, Role.AUDITEUR_FSE])
def test_the_sheet_names_every_participant_with_a_box_per_half_day_and_the_eu_mention(
    client_as, settings, action_journee, role
):
    response = client_as(role).get(reverse("entreprises:emargement_pdf", args=[action_journee.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    date = action_journee.date
    assert response["Content-Disposition"] == (
        f'inline; filename="emargement-{date:%Y-%m-%d}-visite-de-la-plateforme-logistique.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"
    lecteur, texte = texte_pdf(response.content)
    assert len(lecteur.pages) > 0
    assert lecteur.metadata.title.startswith("Feuille d'émargement · Visite de la plateforme logistique")
    texte_plat = " ".join(texte.split())
    for attendu in [
        settings.PLIE_NOM,
        "Visite de la plateforme logistique",
        "Visite d'entreprise",
        f"{date:%d/%m/%Y}",
        "Journée (matin et après-midi)",
        "09h00 – 16h30",
        "Zone d'activités de Longvic",
        "Logistique Bourgogne Sud",
        "Claire Animatrice",
        "DUPONT Alice",
        "NGUYEN Bao",
        "BENALI Karim",
        "Matin",
        "Après-midi",
        "Cofinancé par l'Union européenne",
        "Fonds social européen plus (FSE+)",
        "Je soussigné(e) Claire Animatrice",
        "certifie l'exactitude des présences",
        "Signature",
        f"page 1 / {len(lecteur.pages)}",
    ]:
        assert attendu in texte_plat, attendu
    # The rows come in alphabetical order.
    assert texte_plat.index("BENALI") < texte_plat.index("DUPONT") < texte_plat.index("NGUYEN")


@pytest.mark.django_db
def test_a_morning_action_has_a_morning_column_only(client, charge):
    action = creer_action(cree_par=charge, creneau=Creneau.MATIN, titre="Atelier numérique")
    client.force_login(charge)
    _, texte = texte_pdf(client.get(reverse("entreprises:emargement_pdf", args=[action.pk])).content)
    assert "Matin" in texte and "Après-midi" not in texte


@pytest.mark.django_db
def test_an_afternoon_action_has_an_afternoon_column_only(client, charge):
    action = creer_action(cree_par=charge, creneau=Creneau.APRES_MIDI, titre="Information métier")
    client.force_login(charge)
    _, texte = texte_pdf(client.get(reverse("entreprises:emargement_pdf", args=[action.pk])).content)
    assert "Après-midi" in texte and "Matin" not in texte


@pytest.mark.django_db
def test_a_long_list_runs_over_several_numbered_pages(client, charge, referent):
    action = creer_action(cree_par=charge, capacite=40, creneau=Creneau.JOURNEE)
    for numero in range(30):
        participant = ParticipantFactory(entre=True, referent=referent, nom=f"Nom{numero:02d}")
        Inscription.objects.create(action=action, participant=participant, inscrit_par=referent)
    client.force_login(charge)
    lecteur, texte = texte_pdf(client.get(reverse("entreprises:emargement_pdf", args=[action.pk])).content)
    nb_pages = len(lecteur.pages)
    assert nb_pages >= 2
    assert f"page {nb_pages} / {nb_pages}" in texte
    assert all(f"NOM{numero:02d}" in texte for numero in range(30))
    # The facilitator's certification stays whole, after the last participant.
    dernier = lecteur.pages[-1].extract_text()
    assert "certifie l'exactitude" in " ".join(dernier.split())


@pytest.mark.django_db
def test_printing_the_sheet_is_logged(client, charge, action_journee):
    client.force_login(charge)
    client.get(reverse("entreprises:emargement_pdf", args=[action_journee.pk]))
    journal = JournalAcces.objects.get()
    assert journal.utilisateur == charge and journal.action == JournalAcces.Action.EXPORT
    assert journal.objet_type == "action_collective" and journal.objet_id == str(action_journee.pk)
    assert "3 inscrit(s)" in journal.detail


@pytest.mark.django_db
def test_a_referent_does_not_print_the_sheet_of_other_referents_participants(client, make_user, action_journee):
    """The sheet names every registered participant; a référent sees their own only."""
    client.force_login(make_user(Role.REFERENT))
    response = client.get(reverse("entreprises:emargement_pdf", args=[action_journee.pk]))
    assert response.status_code == 403
    assert "réservée" in response.content.decode()
    assert not JournalAcces.objects.exists()


@pytest.mark.django_db
def test_the_sheet_is_refused_to_roles_without_access_and_to_anonymous_visitors(client, make_user, action_journee):
    url = reverse("entreprises:emargement_pdf", args=[action_journee.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    for role in (Role.ADMINISTRATEUR, None):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 403


# --- The PDF helper ----------------------------------------------------------------------------------


def test_the_pdf_fetcher_serves_static_files_only():
    fetcher = pdf.fetcher_statique("http://testserver/")
    reponse = fetcher("http://testserver/static/img/embleme-ue.svg")
    assert reponse.content_type == "image/svg+xml" and b"<svg" in reponse.read()
    for refusee in [
        "http://example.com/static/img/embleme-ue.svg",  # another host: never the network
        "https://testserver/static/img/embleme-ue.svg",
        "http://testserver/media/emargements/feuille.pdf",
        "file:///etc/passwd",
        "data:text/plain,bonjour",
        "http://testserver/static/../plie/settings.py",
        "http://testserver/static/%2e%2e/plie/settings.py",
        "http://testserver/static/img/absente.svg",
    ]:
        with pytest.raises(pdf.RessourceRefusee):
            fetcher(refusee)


def test_a_document_loses_what_it_may_not_load_but_still_renders():
    from weasyprint import HTML

    html = '<p>Bonjour</p><img src="http://example.com/pixel.png"><img src="/static/img/embleme-ue.svg">'
    document = HTML(
        string=html, base_url=pdf.BASE_SANS_REQUETE, url_fetcher=pdf.fetcher_statique(pdf.BASE_SANS_REQUETE)
    )
    assert "Bonjour" in texte_pdf(document.write_pdf())[1]


def test_reponse_pdf_headers():
    response = pdf.reponse_pdf(b"%PDF-1.7", "bilan é.pdf", telechargement=True)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_eu_emblem_is_the_european_flag():
    from django.contrib.staticfiles import finders

    svg = Path(finders.find("img/embleme-ue.svg")).read_text(encoding="utf-8")
    assert 'fill="#003399"' in svg and 'fill="#FFCC00"' in svg
    etoiles = re.findall(r'<polygon points="([^"]+)"', svg)
    assert len(etoiles) == 12
    assert all(len(points.split()) == 10 for points in etoiles)  # five-pointed: 5 outer + 5 inner vertices
    # The twelve stars stand on a circle centred on the flag (810 × 540: centre 405, 270; radius 180).
    for points in etoiles:
        xs = [float(p.split(",")[0]) for p in points.split()]
        ys = [float(p.split(",")[1]) for p in points.split()]
        cx, cy = (min(xs) + max(xs)) / 2, ys[0] + 30  # the top point is 30 above the centre
        assert abs(((cx - 405) ** 2 + (cy - 270) ** 2) ** 0.5 - 180) < 1


# --- Attendance ----------------------------------------------------------------------------------------


def _presences(action, valeur=Presence.PRESENT, **autres):
    donnees = {}
    for inscription in action.inscriptions.all():
        for champ in ("presence_matin", "presence_apres_midi"):
            donnees[f"presence-{inscription.pk}-{champ}"] = valeur
    donnees.update(autres)
    return donnees


@pytest.mark.django_db
def test_attendance_is_refused_the_day_before(client, charge, action_journee):
    ActionCollective.objects.filter(pk=action_journee.pk).update(date=timezone.localdate() + timedelta(days=1))
    client.force_login(charge)
    url = reverse("entreprises:presences", args=[action_journee.pk])
    assert "Les présences se saisissent à partir du" in client.get(url).content.decode()
    response = client.post(url, _presences(action_journee))
    assert response.status_code == 200
    assert any("Les présences se saisissent à partir du" in m for m in textes_messages(response))
    assert not Inscription.objects.exclude(presence_matin="").exists()
    action_journee.refresh_from_db()
    assert action_journee.statut == StatutAction.PREVUE


@pytest.mark.django_db
def test_attendance_is_recorded_on_the_day_and_prefills_the_form(client, charge, action_journee):
    ActionCollective.objects.filter(pk=action_journee.pk).update(date=timezone.localdate())
    premiere = action_journee.inscriptions.order_by("participant__nom").first()  # Benali
    client.force_login(charge)
    url = reverse("entreprises:presences", args=[action_journee.pk])
    donnees = _presences(action_journee, **{f"presence-{premiere.pk}-presence_apres_midi": Presence.EXCUSE})
    response = client.post(url, donnees)
    assert response.status_code == 302 and response.url == reverse("entreprises:action", args=[action_journee.pk])
    premiere.refresh_from_db()
    assert (premiere.presence_matin, premiere.presence_apres_midi) == (Presence.PRESENT, Presence.EXCUSE)
    action_journee.refresh_from_db()
    assert action_journee.statut == StatutAction.REALISEE
    # The form shows what is recorded, and the action page the attendance.
    formulaire = client.get(url).context["form"]
    assert formulaire[f"presence-{premiere.pk}-presence_apres_midi"].initial == Presence.EXCUSE
    page = client.get(reverse("entreprises:action", args=[action_journee.pk])).content.decode()
    assert "Excusé(e)" in page and "3 présent" not in page


@pytest.mark.django_db
def test_every_half_day_must_be_answered(client, charge, action_journee):
    ActionCollective.objects.filter(pk=action_journee.pk).update(date=timezone.localdate())
    premiere = action_journee.inscriptions.order_by("participant__nom").first()
    donnees = _presences(action_journee)
    del donnees[f"presence-{premiere.pk}-presence_matin"]
    client.force_login(charge)
    response = client.post(reverse("entreprises:presences", args=[action_journee.pk]), donnees)
    assert response.status_code == 200
    assert "Indiquez la présence de Karim Benali (matin)." in response.content.decode()
    assert not Inscription.objects.exclude(presence_apres_midi="").exists()


@pytest.mark.django_db
def test_a_morning_action_records_the_morning_only(client, charge, referent):
    action = creer_action(cree_par=charge, creneau=Creneau.MATIN)
    participant = ParticipantFactory(entre=True, referent=referent)
    inscription = Inscription.objects.create(action=action, participant=participant, inscrit_par=referent)
    client.force_login(charge)
    response = client.post(
        reverse("entreprises:presences", args=[action.pk]), {f"presence-{inscription.pk}-presence_matin": "absent"}
    )
    assert response.status_code == 302
    inscription.refresh_from_db()
    assert (inscription.presence_matin, inscription.presence_apres_midi) == (Presence.ABSENT, "")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE])
def test_only_the_charge_de_mission_records_attendance(client_as, action_journee, role):
    client = client_as(role)
    url = reverse("entreprises:presences", args=[action_journee.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _presences(action_journee)).status_code == 403


# --- The signed sheet: upload ---------------------------------------------------------------------------


def _deposer(client, action, nom, contenu, type_mime="application/octet-stream"):
    fichier = SimpleUploadedFile(nom, contenu, content_type=type_mime)
    return client.post(reverse("entreprises:feuille_deposer", args=[action.pk]), {"fichier": fichier})


@pytest.mark.django_db
def test_a_scanned_pdf_is_attached(client, charge, action_journee, media):
    client.force_login(charge)
    response = _deposer(client, action_journee, "scan.pdf", un_pdf(), "application/pdf")
    assert response.status_code == 302
    assert response.url == reverse("entreprises:presences", args=[action_journee.pk]) + "#feuille"
    assert textes_messages(response) == ["La feuille d'émargement signée est jointe à l'action."]
    action_journee.refresh_from_db()
    assert action_journee.feuille_signee.name.startswith(f"emargements/{action_journee.date:%Y/%m}/")
    assert action_journee.feuille_deposee_par == charge and action_journee.feuille_deposee_le
    assert len(fichiers_dans(media)) == 1


@pytest.mark.django_db
def test_a_png_replaces_the_previous_scan(client, charge, action_journee, media, django_capture_on_commit_callbacks):
    client.force_login(charge)
    _deposer(client, action_journee, "scan.pdf", un_pdf())
    with django_capture_on_commit_callbacks(execute=True):
        response = _deposer(client, action_journee, "photo.png", un_png(), "image/png")
    assert response.status_code == 302
    action_journee.refresh_from_db()
    assert action_journee.feuille_signee.name.endswith(".png")
    assert [f.suffix for f in fichiers_dans(media)] == [".png"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        (
            "feuille.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
            "Déposez la feuille scannée en PDF, PNG ou JPEG.",
        ),
        ("vide.pdf", b"", "Le fichier déposé est vide."),
    ],
    ids=["exe-renomme-pdf", "vide"],
)
def test_a_bad_file_is_refused_and_nothing_is_written(client, charge, action_journee, media, nom, contenu, message):
    client.force_login(charge)
    response = _deposer(client, action_journee, nom, contenu, "application/pdf")
    assert response.status_code == 302
    assert textes_messages(response) == [message]
    action_journee.refresh_from_db()
    assert not action_journee.feuille_signee and action_journee.feuille_deposee_le is None
    assert fichiers_dans(media) == []


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(client, settings, charge, action_journee, media):
    settings.PLIE_EMARGEMENT_TAILLE_MAX = 1024 * 1024
    client.force_login(charge)
    trop_gros = un_pdf() + b"\n%" + b"0" * (1024 * 1024)
    response = _deposer(client, action_journee, "gros.pdf", trop_gros, "application/pdf")
    assert textes_messages(response) == ["Le fichier dépasse la taille maximale (1 Mo)."]
    action_journee.refresh_from_db()
    assert not action_journee.feuille_signee and fichiers_dans(media) == []


@pytest.mark.django_db
def test_a_missing_file_is_reported(client, charge, action_journee, media):
    client.force_login(charge)
    response = client.post(reverse("entreprises:feuille_deposer", args=[action_journee.pk]), {})
    assert textes_messages(response) == ["Choisissez le fichier de la feuille signée."]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE])
def test_only_the_charge_de_mission_attaches_the_scan(client_as, action_journee, media, role):
    response = _deposer(client_as(role), action_journee, "scan.pdf", un_pdf())
    assert response.status_code == 403
    assert fichiers_dans(media) == []


# --- The signed sheet: download ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nom", "contenu", "type_mime", "extension"),
    [("scan.pdf", None, "application/pdf", "pdf"), ("photo.PNG", "png", "image/png", "png")],
)
def test_the_auditeur_downloads_the_signed_sheet(
    client, make_user, charge, action_journee, media, nom, contenu, type_mime, extension
):
    contenu = un_png() if contenu == "png" else un_pdf()
    client.force_login(charge)
    _deposer(client, action_journee, nom, contenu)
    auditeur = make_user(Role.AUDITEUR_FSE)
    client.force_login(auditeur)
    response = client.get(reverse("entreprises:feuille_signee", args=[action_journee.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == type_mime
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    date = action_journee.date
    assert response["Content-Disposition"] == (
        f'attachment; filename="emargement-signe-{date:%Y-%m-%d}-visite-de-la-plateforme-logistique.{extension}"'
    )
    assert b"".join(response.streaming_content) == contenu
    journal = JournalAcces.objects.get(utilisateur=auditeur)
    assert journal.action == JournalAcces.Action.EXPORT and journal.objet_id == str(action_journee.pk)
    # The action page links to this view, never to a public media address.
    page = client.get(reverse("entreprises:action", args=[action_journee.pk])).content.decode()
    assert "/media/" not in page and reverse("entreprises:feuille_signee", args=[action_journee.pk]) in page


@pytest.mark.django_db
def test_no_signed_sheet_is_a_404(client_as, action_journee, media):
    response = client_as(Role.AUDITEUR_FSE).get(reverse("entreprises:feuille_signee", args=[action_journee.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_signed_sheet_is_refused_without_the_permission(client, make_user, charge, action_journee, media):
    client.force_login(charge)
    _deposer(client, action_journee, "scan.pdf", un_pdf())
    url = reverse("entreprises:feuille_signee", args=[action_journee.pk])
    for role in (Role.ADMINISTRATEUR, Role.REFERENT, None):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 403, role
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
