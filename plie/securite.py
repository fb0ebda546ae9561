"""Account security: two-factor login (TOTP application and backup codes, with django-otp) and
the end of every session of a closed account.

Rules and writes; the pages and the middleware are in ``plie.securite_web``, the admin site in
``plie.securite_admin``. The signals at the bottom are connected by ``PlieConfig.ready``.
"""

import re
from base64 import b32encode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import devices_for_user, user_has_device
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User
from .roles import Role

# Roles that may not work without a second factor: they hold every account and the reference data.
ROLES_DEUX_FACTEURS_OBLIGATOIRES = frozenset({Role.ADMINISTRATEUR})
NB_CODES_SECOURS = 10
NOM_APPLICATION = "Application d'authentification"
NOM_CODES_SECOURS = "Codes de secours"

# Session keys.
# What the middleware needs on every request, computed once at login (no query per request):
# {"utilisateur": pk, "appareil": has a confirmed device, "obligatoire": role requires one}.
CLE_ETAT = "plie_deux_facteurs"


# --- Rules ---------------------------------------------------------------------------------------


def deux_facteurs_obligatoires(user):
    """Whether this account must have a second factor (``User.roles`` counts a superuser without
    role as administrateur)."""
    return any(role in ROLES_DEUX_FACTEURS_OBLIGATOIRES for role in user.roles)


def etat_deux_facteurs(user):
    return {
        "utilisateur": user.pk,
        "appareil": user_has_device(user, confirmed=True),
        "obligatoire": deux_facteurs_obligatoires(user),
    }


def etat_de_session(session, user):
    """The two-factor state of this session, computed when missing (a session opened before this
    code, or by another path than the login page)."""
    etat = session.get(CLE_ETAT)
    if not etat or etat.get("utilisateur") != user.pk:
        etat = etat_deux_facteurs(user)
        session[CLE_ETAT] = etat
    return etat


def normaliser_code(code):
    """Codes are typed with spaces or dashes ("123 456", "abcd-efgh"); backup codes are lowercase."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def est_code_application(code):
    return code.isdigit() and len(code) in (6, 8)


def empreinte_code_secours(code, cle=None):
    """What is stored of a backup code: a hash keyed with ``SECRET_KEY`` (HMAC-SHA256), 16 base32
    characters as django-otp's column holds. A copy of the database alone gives no usable code."""
    mac = salted_hmac("plie.securite.code_secours", code, secret=cle, algorithm="sha256").digest()
    return b32encode(mac).decode()[:16].lower()


def empreintes_possibles(code):
    """The code's hash under the current key and the previous ones (``SECRET_KEY_FALLBACKS``): a
    change of key does not void the codes already handed out."""
    return [empreinte_code_secours(code, cle) for cle in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def cle_en_base32(appareil):
    """The secret as the authenticator apps ask it when typed by hand, in groups of four."""
    texte = b32encode(appareil.bin_key).decode().rstrip("=")
    return " ".join(texte[i : i + 4] for i in range(0, len(texte), 4))


# --- Devices -------------------------------------------------------------------------------------


def applications_confirmees(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("created_at", "pk")


def codes_secours_restants(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def appareil_en_cours(user):
    """The authenticator being enrolled: an unconfirmed TOTP device, the same one until confirmed
    (so that reloading the page does not change the QR code already scanned)."""
    appareil = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if appareil is None:
        appareil = TOTPDevice.objects.create(user=user, name=NOM_APPLICATION, confirmed=False)
    return appareil


def attente_avant_essai(appareil):
    """Seconds to wait before this device accepts another try (django-otp's throttling), or 0."""
    permis, details = appareil.verify_is_allowed()
    if permis:
        return 0
    reste = (details["locked_until"] - timezone.now()).total_seconds()
    return max(1, int(reste + 0.999))


def appareils_a_essayer(user, code):
    """The confirmed devices that could accept this (normalised) code: the applications for digits,
    the backup codes otherwise."""
    if est_code_application(code):
        return list(applications_confirmees(user))
    return list(StaticDevice.objects.devices_for_user(user, confirmed=True))


def verifier_code(user, code):
    """(device that accepted the code or None, seconds to wait when every candidate device is
    throttled). A code accepted once is refused afterwards (TOTP: ``last_t``; backup code: deleted)."""
    code = normaliser_code(code)
    appareils = appareils_a_essayer(user, code)
    attentes = [attente_avant_essai(appareil) for appareil in appareils]
    if appareils and all(attentes):
        return None, min(attentes)
    for appareil, attente in zip(appareils, attentes, strict=True):
        if attente:
            continue
        if isinstance(appareil, StaticDevice):
            accepte = utiliser_code_secours(appareil, code)
        else:
            accepte = otp_verify_token(user, appareil.persistent_id, code)
        if accepte:
            return appareil, 0
    return None, 0


@transaction.atomic
def utiliser_code_secours(appareil, code):
    """django-otp's ``StaticDevice.verify_token`` on the stored hashes: the code is spent (deleted)
    when accepted, a wrong one counts for the device's throttling. The device row is locked, so
    that two requests cannot spend the same code."""
    appareil = StaticDevice.objects.select_for_update().get(pk=appareil.pk)
    permis, _ = appareil.verify_is_allowed()
    if not permis:
        return False
    jeton = appareil.token_set.filter(token__in=empreintes_possibles(code)).first()
    if jeton is None:
        appareil.throttle_increment()
        return False
    jeton.delete()
    appareil.throttle_reset(commit=False)
    appareil.set_last_used_timestamp(commit=False)
    appareil.save()
    return True


@transaction.atomic
def confirmer_application(user, appareil, code):
    """Confirm the device being enrolled with a code it shows. Returns the new backup codes when the
    account had none (first enrolment), else an empty list; raises ValidationError if refused."""
    if appareil.user_id != user.pk or appareil.confirmed:
        raise ValidationError("Cet appareil n'est pas en cours d'ajout.")
    attente = attente_avant_essai(appareil)
    if attente:
        raise ValidationError(f"Trop de codes erronés : réessayez dans {attente} secondes.")
    if not otp_verify_token(user, appareil.persistent_id, normaliser_code(code)):
        raise ValidationError("Code incorrect ou expiré : saisissez le code affiché en ce moment par l'application.")
    appareil.refresh_from_db()
    appareil.confirmed = True
    appareil.save(update_fields=["confirmed"])
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    if codes_secours_restants(user):
        return []
    return generer_codes_secours(user)


@transaction.atomic
def generer_codes_secours(user):
    """Ten new single-use backup codes, replacing the previous ones (shown once to their holder,
    stored as hashes)."""
    appareil = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if appareil is None:
        appareil = StaticDevice.objects.create(user=user, name=NOM_CODES_SECOURS)
    appareil.token_set.all().delete()
    codes = set()
    while len(codes) < NB_CODES_SECOURS:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=appareil, token=empreinte_code_secours(code)) for code in codes)
    return sorted(codes)


@transaction.atomic
def retirer_application(user, appareil):
    """Remove an authenticator; with the last one go the backup codes. An account whose role requires
    two factors keeps its last authenticator (another administrateur can reset it: user admin)."""
    if appareil.user_id != user.pk:
        raise ValidationError("Cet appareil n'est pas le vôtre.")
    autres = applications_confirmees(user).exclude(pk=appareil.pk)
    if appareil.confirmed and not autres.exists() and deux_facteurs_obligatoires(user):
        raise ValidationError(
            "Votre rôle exige la double authentification : ajoutez d'abord une autre application avant de "
            "retirer celle-ci."
        )
    appareil.delete()
    if not autres.exists():
        StaticDevice.objects.filter(user=user).delete()


def reinitialiser_deux_facteurs(user):
    """Remove every device of the account (lost phone and codes) and end its sessions: at its next
    login the account goes through enrolment again if its role requires it."""
    with transaction.atomic():
        for appareil in list(devices_for_user(user, confirmed=None)):
            appareil.delete()
        terminer_sessions(user)


# --- Sessions ------------------------------------------------------------------------------------


def sessions_de(user):
    """The keys of the unexpired sessions of this account.

    The sessions are in the database (django.contrib.sessions), keyed by a random string: this
    decodes each unexpired one. A PLIE has a few dozen staff and sessions end after 30 minutes of
    inactivity, so this reads a few dozen rows; it runs only when an account is closed or changes
    its second factor, never on a page view.
    """
    identifiant = str(user.pk)
    cles = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == identifiant:
            cles.append(session.session_key)
    return cles


def terminer_sessions(user, sauf=None):
    """Delete every session of this account (except ``sauf``, a session key): its browsers are sent
    to the login page at their next request. Returns the number of sessions ended."""
    cles = [cle for cle in sessions_de(user) if cle != sauf]
    Session.objects.filter(session_key__in=cles).delete()
    return len(cles)


def desactiver_compte(user):
    """Close an account: it can no longer log in, and its open sessions end now (signal below)."""
    user.is_active = False
    user.save(update_fields=["is_active"])


# --- Signals -------------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="plie_securite_etat_a_la_connexion")
def _etat_a_la_connexion(sender, request, user, **kwargs):
    # Computed here, not on each request: the middleware then reads the session only.
    if request is not None and hasattr(request, "session"):
        request.session[CLE_ETAT] = etat_deux_facteurs(user)


@receiver(post_save, sender=User, dispatch_uid="plie_securite_compte_desactive")
def _compte_desactive(sender, instance, raw=False, **kwargs):
    # Any save of an inactive account (admin form, action, shell): an account that was already
    # inactive has no session left, so the cost is one read of the sessions at most.
    if not raw and not instance.is_active:
        terminer_sessions(instance)


@receiver(pre_delete, sender=User, dispatch_uid="plie_securite_compte_supprime")
def _compte_supprime(sender, instance, **kwargs):
    terminer_sessions(instance)
