"""Two-factor login (plie.securite, plie.securite_web): real TOTP codes computed here at chosen
instants, backup codes, throttling, forced enrolment of the administrateur, the admin site."""

import re
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from plie import securite
from plie.roles import Role

from .conftest import DEMO_PASSWORD, connecter
from .test_security import infractions_csp

PAS = 30  # seconds per TOTP step (django-otp's default)
INSTANT = 1_800_000_000 - 1_800_000_000 % PAS + 1  # one second into a step: the previous one just ended


def code_a(appareil, instant):
    """The code the authenticator app shows at ``instant`` (Unix time)."""
    totp = TOTP(appareil.bin_key, appareil.step, appareil.t0, appareil.digits, 0)
    totp.time = instant
    return f"{totp.token():0{appareil.digits}d}"


@pytest.fixture
def horloge(monkeypatch):
    """The clock of the TOTP check (and of the pending login), set by the test."""
    maintenant = {"t": INSTANT}
    monkeypatch.setattr(time, "time", lambda: maintenant["t"])
    return maintenant


def sans_attente():
    # Each failure makes the device wait 1, 2, 4… s before the next try: tests chain tries at once.
    TOTPDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)


def avec_application(user):
    appareil = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    codes = securite.generer_codes_secours(user)
    return appareil, codes


def stockes(user):
    """The backup codes as stored: hashes."""
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def empreintes(codes):
    return {securite.empreinte_code_secours(c) for c in codes}


def mot_de_passe(client, user, **extra):
    return client.post(reverse("connexion"), {"username": user.email, "password": DEMO_PASSWORD, **extra})


def code(client, valeur):
    return client.post(reverse("securite_verification"), {"code": valeur})


def est_connecte(client, user):
    return client.session.get("_auth_user_id") == str(user.pk)


# --- Login in two steps ------------------------------------------------------------------------


@pytest.mark.django_db
def test_un_referent_sans_application_se_connecte_avec_son_seul_mot_de_passe(client, make_user):
    user = make_user(Role.REFERENT)
    response = mot_de_passe(client, user)
    assert response.status_code == 302 and response.url == reverse("accueil")
    assert est_connecte(client, user)
    assert client.get(reverse("espace_referent")).status_code == 200


@pytest.mark.django_db
def test_apres_le_seul_mot_de_passe_aucune_page_n_est_accessible(client, make_user):
    user = make_user(Role.REFERENT)
    avec_application(user)
    response = mot_de_passe(client, user)
    assert response.status_code == 302 and response.url == reverse("securite_verification")
    assert not est_connecte(client, user)
    for nom in ("accueil", "espace_referent", "participants:liste", "securite_compte", "changer_mot_de_passe"):
        page = client.get(reverse(nom))
        assert page.status_code == 302 and page.url.startswith(reverse("connexion")), nom
    page = client.get(reverse("securite_verification"))
    assert page.status_code == 200
    assert "Code de vérification" in page.content.decode()


@pytest.mark.django_db
def test_une_session_ouverte_sans_code_est_fermee(make_user):
    """A session opened another way than the login page (here force_login) is not verified."""
    user = make_user(Role.REFERENT)
    avec_application(user)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("espace_referent"))
    assert response.status_code == 302 and response.url.startswith(reverse("connexion"))
    assert not est_connecte(client, user)
    assert client.get(reverse("espace_referent")).url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_le_code_du_pas_precedent_est_accepte_a_la_frontiere(client, make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    mot_de_passe(client, user, next=reverse("participants:liste"))
    # One second into a step, the app still shows the previous step's code: tolerance 1 step.
    response = code(client, code_a(appareil, INSTANT - 2))
    assert response.status_code == 302 and response.url == reverse("participants:liste")
    assert est_connecte(client, user)
    assert client.session["otp_device_id"] == appareil.persistent_id
    assert client.get(reverse("espace_referent")).status_code == 200


@pytest.mark.django_db
def test_un_code_hors_tolerance_ou_faux_est_refuse(client, make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    mot_de_passe(client, user)
    for faux in (code_a(appareil, INSTANT - PAS - 2), code_a(appareil, INSTANT + 2 * PAS), "000000"):
        if faux == code_a(appareil, INSTANT):
            continue  # a one-in-a-million collision with the valid code
        sans_attente()
        response = code(client, faux)
        assert response.status_code == 200
        assert "Code incorrect ou déjà utilisé" in response.content.decode()
        assert not est_connecte(client, user)
    sans_attente()
    assert code(client, code_a(appareil, INSTANT)).status_code == 302  # the pending login survived


@pytest.mark.django_db
def test_un_code_deja_utilise_est_refuse(make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    valable = code_a(appareil, INSTANT)
    premier = Client()
    mot_de_passe(premier, user)
    assert code(premier, valable).status_code == 302
    # Replayed within the same 30 s (an observer of the first login): refused.
    second = Client()
    mot_de_passe(second, user)
    response = code(second, valable)
    assert response.status_code == 200
    assert not est_connecte(second, user)
    # So is an earlier step's code, once a later one was used.
    sans_attente()
    assert code(second, code_a(appareil, INSTANT - 2)).status_code == 200
    # The next step's code works.
    horloge["t"] = INSTANT + PAS
    sans_attente()
    assert code(second, code_a(appareil, INSTANT + PAS)).status_code == 302


@pytest.mark.django_db
def test_un_code_de_secours_ne_sert_qu_une_fois(make_user):
    user = make_user(Role.REFERENT)
    _, codes = avec_application(user)
    assert len(codes) == securite.NB_CODES_SECOURS == 10
    client = Client()
    mot_de_passe(client, user)
    response = code(client, codes[0].upper()[:4] + " " + codes[0][4:])  # typed with a space, in capitals
    assert response.status_code == 302 and est_connecte(client, user)
    assert "il vous en reste 9" in client.get(reverse("espace_referent")).content.decode()
    autre = Client()
    mot_de_passe(autre, user)
    sans_attente()
    assert code(autre, codes[0]).status_code == 200
    assert not est_connecte(autre, user)
    sans_attente()
    assert code(autre, codes[1]).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == 8


@pytest.mark.django_db
def test_les_codes_de_secours_ne_sont_stockes_que_haches(make_user, settings):
    user = make_user(Role.REFERENT)
    _, codes = avec_application(user)
    stockes_avant = stockes(user)
    assert not stockes_avant & set(codes) and all(len(s) == 16 for s in stockes_avant)
    assert stockes_avant == empreintes(codes)
    # The hash depends on the secret key: a copy of the table alone gives nothing to try.
    cle_initiale = settings.SECRET_KEY
    settings.SECRET_KEY = "une-autre-cle-" + "x" * 40
    assert not empreintes(codes) & stockes_avant
    # After a change of key, the codes handed out still work while the old key is a fallback.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY.replace("une-autre", "ancienne")]
    appareil = StaticDevice.objects.get(user=user)
    assert not securite.utiliser_code_secours(appareil, codes[0])
    sans_attente()
    settings.SECRET_KEY_FALLBACKS = [cle_initiale]
    assert securite.utiliser_code_secours(appareil, codes[0])
    assert not securite.utiliser_code_secours(appareil, codes[0])  # spent


@pytest.mark.django_db
def test_un_mauvais_code_de_secours_compte_pour_le_freinage(make_user):
    user = make_user(Role.REFERENT)
    _, codes = avec_application(user)
    appareil = StaticDevice.objects.get(user=user)
    assert not securite.utiliser_code_secours(appareil, "aaaaaaaa")
    appareil.refresh_from_db()
    assert appareil.throttling_failure_count == 1
    # Throttled: even a right code waits, and is not spent.
    assert not securite.utiliser_code_secours(appareil, codes[0])
    assert StaticToken.objects.filter(device=appareil).count() == 10
    sans_attente()
    assert securite.utiliser_code_secours(appareil, codes[0])
    appareil.refresh_from_db()
    assert appareil.throttling_failure_count == 0 and appareil.last_used_at is not None


@pytest.mark.django_db
def test_la_migration_hache_les_codes_distribues_en_clair(make_user):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("plie.migrations.0009_codes_de_secours_haches")
    user = make_user(Role.REFERENT)
    appareil = StaticDevice.objects.create(user=user, name=securite.NOM_CODES_SECOURS)
    StaticToken.objects.bulk_create(StaticToken(device=appareil, token=c) for c in ("abcdefgh", "ijklmnop"))
    migration.hacher(apps, None)
    assert stockes(user) == empreintes(["abcdefgh", "ijklmnop"])
    migration.hacher(apps, None)  # run again: hashes are left as they are
    assert stockes(user) == empreintes(["abcdefgh", "ijklmnop"])
    assert securite.utiliser_code_secours(appareil, "abcdefgh")


@pytest.mark.django_db
def test_un_nouvel_essai_trop_rapide_est_freine(client, make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    mot_de_passe(client, user)
    code(client, "000000" if code_a(appareil, INSTANT) != "000000" else "111111")
    # Even the right code waits: django-otp throttles the device after a failure.
    response = code(client, code_a(appareil, INSTANT))
    assert "patientez" in response.content.decode()
    assert not est_connecte(client, user)


@pytest.mark.django_db
def test_les_echecs_de_code_comptent_comme_ceux_du_mot_de_passe(client, make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    mot_de_passe(client, user)
    faux = "000000" if code_a(appareil, INSTANT) != "000000" else "111111"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sans_attente()
        assert code(client, faux).status_code == 200
    sans_attente()
    bloque = code(client, faux)
    assert bloque.status_code == 429
    assert "Connexion temporairement bloquée" in bloque.content.decode()
    # The pending login is gone and the password no longer opens it from this address.
    assert client.get(reverse("securite_verification")).url == reverse("connexion")
    assert mot_de_passe(client, user).status_code == 429


@pytest.mark.django_db
def test_le_code_doit_suivre_le_mot_de_passe_de_pres(client, make_user, horloge):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    mot_de_passe(client, user)
    horloge["t"] = INSTANT + 5 * 60 + 1
    response = code(client, code_a(appareil, horloge["t"]))
    assert response.status_code == 302 and response.url == reverse("connexion")
    assert not est_connecte(client, user)


# --- Enrolment, backup codes, removal ----------------------------------------------------------


def _cle_affichee(html):
    return re.search(r'<code class="user-select-all">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")


@pytest.mark.django_db
def test_l_administrateur_sans_application_est_renvoye_partout_vers_l_enrolement(client, make_user):
    admin = make_user(Role.ADMINISTRATEUR)
    mot_de_passe(client, admin)
    assert est_connecte(client, admin)
    urls = [
        reverse("accueil"),
        reverse("espace_administrateur"),
        reverse("participants:liste"),
        reverse("changer_mot_de_passe"),
        reverse("admin:index"),
        reverse("admin:plie_user_changelist"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url == reverse("securite_compte"), url
    fragment = client.get(reverse("espace_administrateur"), HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == reverse("securite_compte")
    page = client.get(reverse("securite_compte"))
    assert page.status_code == 200
    assert "Votre rôle exige la double authentification" in page.content.decode()


@pytest.mark.django_db
def test_l_enrolement_par_qr_code_puis_la_connexion_avec_l_application(client, make_user, horloge):
    admin = make_user(Role.ADMINISTRATEUR)
    mot_de_passe(client, admin)
    page = client.get(reverse("securite_compte"))
    html = page.content.decode()
    # The QR code is inline SVG, without style attribute nor script (strict CSP).
    svg = re.search(r"<svg\b.*?</svg>", html, re.S).group(0)
    assert "style=" not in svg and "<script" not in svg
    assert infractions_csp(html) == []
    appareil = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert _cle_affichee(html) == securite.cle_en_base32(appareil).replace(" ", "")
    assert "issuer=" in appareil.config_url and settings.PLIE_NOM.split()[0] in appareil.config_url
    # Reloading shows the same secret (the one already scanned).
    assert _cle_affichee(client.get(reverse("securite_compte")).content.decode()) == _cle_affichee(html)

    refuse = client.post(reverse("securite_confirmer"), {"code": "12345"})
    assert "Code incorrect" in refuse.content.decode()
    assert client.get(reverse("accueil")).url == reverse("securite_compte")
    sans_attente()
    confirme = client.post(reverse("securite_confirmer"), {"code": code_a(appareil, INSTANT)})
    assert confirme.status_code == 302
    appareil.refresh_from_db()
    assert appareil.confirmed
    # The ten backup codes are shown once.
    page = client.get(reverse("securite_compte")).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(codes) == 10
    assert {securite.empreinte_code_secours(c) for c in codes} == stockes(admin)
    assert not re.findall(r"<li>([a-z2-7]{8})</li>", client.get(reverse("securite_compte")).content.decode())
    # This session is verified: the administration opens, the admin site too.
    assert client.get(reverse("espace_administrateur")).status_code == 200
    assert client.get(reverse("admin:index")).status_code == 200

    # Next login: the password alone is not enough.
    client.post(reverse("deconnexion"))
    assert mot_de_passe(client, admin).url == reverse("securite_verification")
    assert client.get(reverse("admin:index")).status_code == 302
    horloge["t"] = INSTANT + PAS
    assert code(client, code_a(appareil, INSTANT + PAS)).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_l_enrolement_ferme_les_autres_sessions_du_compte(make_user, horloge):
    user = make_user(Role.REFERENT)
    ancienne, nouvelle = Client(), Client()
    mot_de_passe(ancienne, user)
    mot_de_passe(nouvelle, user)
    nouvelle.get(reverse("securite_compte"))
    appareil = TOTPDevice.objects.get(user=user)
    assert nouvelle.post(reverse("securite_confirmer"), {"code": code_a(appareil, INSTANT)}).status_code == 302
    assert Session.objects.count() == 1
    assert ancienne.get(reverse("espace_referent")).url.startswith(reverse("connexion"))
    assert nouvelle.get(reverse("espace_referent")).status_code == 200


@pytest.mark.django_db
def test_regenerer_les_codes_de_secours_demande_le_mot_de_passe(client, make_user):
    user = make_user(Role.COORDINATRICE)
    _, anciens = avec_application(user)
    connecter_verifie(client, user)
    client.post(reverse("securite_codes"), {"mot_de_passe": "mauvais"})
    assert stockes(user) == empreintes(anciens)
    client.post(reverse("securite_codes"), {"mot_de_passe": DEMO_PASSWORD})
    nouveaux = stockes(user)
    assert len(nouveaux) == 10 and not nouveaux & empreintes(anciens)
    page = client.get(reverse("securite_compte")).content.decode()
    assert empreintes(re.findall(r"<li>([a-z2-7]{8})</li>", page)) == nouveaux


@pytest.mark.django_db
def test_les_mauvais_mots_de_passe_de_confirmation_comptent_pour_le_blocage(client, make_user):
    user = make_user(Role.REFERENT)
    _, anciens = avec_application(user)
    connecter_verifie(client, user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("securite_codes"), {"mot_de_passe": "devine"}).status_code == 302
    assert client.post(reverse("securite_codes"), {"mot_de_passe": "devine"}).status_code == 429
    # Locked: even the right password no longer changes anything from this address.
    client.post(reverse("securite_codes"), {"mot_de_passe": DEMO_PASSWORD})
    assert stockes(user) == empreintes(anciens)


def connecter_verifie(client, user):
    """A session verified by the user's authenticator, as after the code step."""
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()


@pytest.mark.django_db
def test_retirer_son_application_avec_son_mot_de_passe(client, make_user):
    user = make_user(Role.REFERENT)
    appareil, _ = avec_application(user)
    connecter_verifie(client, user)
    url = reverse("securite_retirer", args=[appareil.pk])
    client.post(url, {"mot_de_passe": "mauvais"})
    assert TOTPDevice.objects.filter(pk=appareil.pk).exists()
    client.post(url, {"mot_de_passe": DEMO_PASSWORD})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()  # the backup codes go with it
    assert client.get(reverse("espace_referent")).status_code == 200  # back to the password alone
    client.post(reverse("deconnexion"))
    assert mot_de_passe(client, user).url == reverse("accueil")


@pytest.mark.django_db
def test_l_administrateur_ne_retire_pas_sa_derniere_application(client, make_user):
    admin = make_user(Role.ADMINISTRATEUR)
    connecter(client, admin)
    appareil = TOTPDevice.objects.get(user=admin)
    response = client.post(reverse("securite_retirer", args=[appareil.pk]), {"mot_de_passe": DEMO_PASSWORD})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(pk=appareil.pk).exists()
    assert "ajoutez d&#x27;abord une autre application" in client.get(reverse("securite_compte")).content.decode()
    # With a second one, the first can go.
    deuxieme = TOTPDevice.objects.create(user=admin, name="Second téléphone", confirmed=True)
    client.post(reverse("securite_retirer", args=[appareil.pk]), {"mot_de_passe": DEMO_PASSWORD})
    assert list(TOTPDevice.objects.filter(user=admin)) == [deuxieme]
    assert client.get(reverse("espace_administrateur")).status_code == 200


@pytest.mark.django_db
def test_on_ne_retire_pas_l_application_d_un_autre(client, make_user):
    autre = make_user(Role.REFERENT)
    appareil, _ = avec_application(autre)
    client.force_login(make_user(Role.REFERENT))
    response = client.post(reverse("securite_retirer", args=[appareil.pk]), {"mot_de_passe": DEMO_PASSWORD})
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=appareil.pk).exists()


# --- The admin site ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_l_admin_exige_une_session_verifiee(make_user):
    """A staff account without a second factor and without the administrateur role is not forced
    to enrol, but the admin site refuses it until it has one."""
    membre = make_user(Role.COORDINATRICE, is_staff=True, is_superuser=False)
    client = Client()
    client.force_login(membre)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    assert client.get(reverse("admin:login")).status_code == 200  # "not authorised", no loop


@pytest.mark.django_db
def test_la_page_de_connexion_de_l_admin_renvoie_a_celle_de_l_application(client):
    response = client.get(reverse("admin:login") + "?next=/admin/plie/user/")
    assert response.status_code == 302
    assert response.url == reverse("connexion") + "?next=/admin/plie/user/"
    posted = client.post(reverse("admin:login"), {"username": "x@test.plie.fr", "password": "y"})
    assert posted.status_code == 302 and posted.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_l_admin_ne_montre_pas_les_cles_des_applications(client_as):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)
    assert client_as(Role.ADMINISTRATEUR).get(reverse("admin:index")).status_code == 200
