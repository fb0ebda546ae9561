"""The pages of the two-factor login and of « Sécurité du compte », and the middleware that holds
the line: a session of an account with a device is verified, an administrateur has a device.

The login is two steps for an account with a confirmed device: the password page keeps the
account as *pending* in the session (nobody is logged in yet), the code page logs it in and marks
the session verified (``django_otp.login``). Rules and writes are in ``plie.securite``.
"""

import time

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View
from django_htmx.http import HttpResponseClientRedirect
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import securite
from .forms import ConnexionForm
from .models import User

# The pending login between the two steps: {"utilisateur", "backend", "depuis", "suivant", "echecs"}.
CLE_EN_ATTENTE = "plie_connexion_en_attente"
DELAI_CODE_SECONDES = 5 * 60  # the code must follow the password within this long
CLE_CODES_A_AFFICHER = "plie_codes_secours_a_afficher"  # shown once, on the next page


# --- Forms ---------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code de vérification",
        max_length=32,
        help_text="Le code à 6 chiffres affiché par votre application d'authentification, ou l'un de vos codes de secours.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class ConfirmationApplicationForm(forms.Form):
    code = forms.CharField(
        label="Code affiché par l'application",
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class MotDePasseForm(forms.Form):
    """Confirms a sensitive change of the account's security with its password, checked through
    ``authenticate`` so that axes counts the failures (a borrowed session cannot guess it freely)."""

    mot_de_passe = forms.CharField(
        label="Votre mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = request.user

    def clean_mot_de_passe(self):
        mot_de_passe = self.cleaned_data["mot_de_passe"]
        verifie = authenticate(self.request, username=self.user.email, password=mot_de_passe)
        if verifie is None or verifie.pk != self.user.pk:
            raise ValidationError("Mot de passe incorrect.")
        return mot_de_passe


# --- Middleware ----------------------------------------------------------------------------------


class DeuxFacteursMiddleware:
    """After ``OTPMiddleware``. Reads the session only (its state is computed at login):

    - an account with a confirmed device whose session was not verified by a code (a session
      opened another way than the login page, or whose device was removed) is logged out;
    - an account whose role requires two factors and has no device yet is sent to enrol, whatever
      the page (the Django admin included), until it has confirmed one.
    """

    NOMS_LIBRES = ("securite_compte", "securite_confirmer", "deconnexion")

    def __init__(self, get_response):
        self.get_response = get_response
        self._chemins_libres = None

    def chemins_libres(self):
        if self._chemins_libres is None:
            self._chemins_libres = {reverse(nom) for nom in self.NOMS_LIBRES}
        return self._chemins_libres

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            etat = securite.etat_de_session(request.session, user)
            verifie = user.is_verified()
            if etat["appareil"] and not verifie:
                logout(request)
                messages.warning(
                    request, "Votre session a pris fin : reconnectez-vous avec votre code de vérification."
                )
                return self._rediriger(request, redirect_to_login(request.get_full_path(), reverse("connexion")).url)
            if etat["obligatoire"] and not verifie and request.path_info not in self.chemins_libres():
                messages.info(
                    request,
                    "Votre rôle exige la double authentification : ajoutez une application d'authentification "
                    "pour continuer.",
                )
                return self._rediriger(request, reverse("securite_compte"))
        return self.get_response(request)

    @staticmethod
    def _rediriger(request, url):
        if request.headers.get("HX-Request") == "true":  # HtmxMiddleware comes after this one
            return HttpResponseClientRedirect(url)  # the whole page, not the fragment's target
        return redirect(url)


# --- Login ---------------------------------------------------------------------------------------


class ConnexionView(LoginView):
    """The password step; an account with a confirmed device goes on to the code step."""

    authentication_form = ConnexionForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        self.request.session.pop(CLE_EN_ATTENTE, None)
        if not user_has_device(user, confirmed=True):
            return super().form_valid(form)
        self.request.session[CLE_EN_ATTENTE] = {
            "utilisateur": user.pk,
            "backend": user.backend,
            "depuis": int(time.time()),
            "suivant": self.get_success_url(),
            "echecs": 0,
        }
        return redirect("securite_verification")


class VerificationView(FormView):
    """The code step: a code of the authenticator (the previous or next 30 s step accepted too)
    or a backup code. Failures are slowed down per device (django-otp) and counted by axes like
    password failures: after ``AXES_FAILURE_LIMIT`` the account is locked for this address."""

    form_class = CodeForm
    template_name = "registration/verification.html"

    def dispatch(self, request, *args, **kwargs):
        self.en_attente = request.session.get(CLE_EN_ATTENTE)
        self.utilisateur = None
        if self.en_attente and time.time() - self.en_attente["depuis"] <= DELAI_CODE_SECONDES:
            self.utilisateur = User.objects.filter(pk=self.en_attente["utilisateur"], is_active=True).first()
        if self.utilisateur is None:
            if self.en_attente:
                request.session.pop(CLE_EN_ATTENTE, None)
                messages.info(request, "Le délai pour saisir le code est dépassé : reprenez la connexion.")
            return redirect("connexion")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        request = self.request
        appareil, attente = securite.verifier_code(self.utilisateur, form.cleaned_data["code"])
        if attente:
            form.add_error("code", f"Trop de codes erronés : patientez {attente} secondes avant de réessayer.")
            return self.form_invalid(form)
        if appareil is None:
            self.en_attente["echecs"] += 1
            request.session[CLE_EN_ATTENTE] = self.en_attente
            # axes counts it with the password failures (and may lock the account for this address).
            user_login_failed.send(sender=__name__, credentials={"username": self.utilisateur.email}, request=request)
            if getattr(request, "axes_locked_out", False) or self.en_attente["echecs"] >= settings.AXES_FAILURE_LIMIT:
                request.session.pop(CLE_EN_ATTENTE, None)
            form.add_error("code", "Code incorrect ou déjà utilisé.")
            return self.form_invalid(form)
        request.session.pop(CLE_EN_ATTENTE, None)
        auth_login(request, self.utilisateur, backend=self.en_attente["backend"])
        otp_login(request, appareil)
        if appareil.persistent_id.startswith("otp_static."):
            restants = securite.codes_secours_restants(self.utilisateur)
            messages.warning(
                request,
                f"Connexion avec un code de secours : il vous en reste {restants}. Régénérez-les depuis "
                "« Sécurité du compte » s'il vous en reste peu.",
            )
        return redirect(self.en_attente["suivant"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(utilisateur=self.utilisateur, **kwargs)


# --- « Sécurité du compte » ----------------------------------------------------------------------


def qr_code_svg(appareil):
    """The QR code of the device's otpauth:// address, as inline SVG: drawn on the server, no style
    attribute nor script (the Content-Security-Policy allows neither)."""
    return segno.make(appareil.config_url, error="m").svg_inline(
        scale=4, omitsize=True, title="QR code à scanner avec l'application d'authentification"
    )


class CompteSecuriteView(LoginRequiredMixin, TemplateView):
    """Everyone's page: the authenticators, the backup codes; enrolment when there is none."""

    template_name = "registration/securite_compte.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        applications = list(securite.applications_confirmees(user))
        context = {
            "applications": applications,
            "codes_restants": securite.codes_secours_restants(user),
            "codes_a_afficher": self.request.session.pop(CLE_CODES_A_AFFICHER, None),
            "obligatoire": securite.deux_facteurs_obligatoires(user),
            **kwargs,
        }
        if not applications or self.request.GET.get("ajouter"):
            appareil = securite.appareil_en_cours(user)
            context.update(
                ajout=appareil,
                qr_code=qr_code_svg(appareil),
                cle=securite.cle_en_base32(appareil),
                emetteur=settings.OTP_TOTP_ISSUER,
            )
            context.setdefault("form_confirmation", ConfirmationApplicationForm())
        return super().get_context_data(**context)


class ConfirmerApplicationView(LoginRequiredMixin, View):
    def post(self, request):
        user = request.user
        form = ConfirmationApplicationForm(request.POST)
        appareil = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
        if appareil is None:
            messages.error(request, "Aucune application n'est en cours d'ajout : recommencez.")
            return redirect("securite_compte")
        if form.is_valid():
            try:
                codes = securite.confirmer_application(user, appareil, form.cleaned_data["code"])
            except ValidationError as erreur:
                form.add_error("code", erreur)
            else:
                otp_login(request, appareil)
                request.session[securite.CLE_ETAT] = securite.etat_deux_facteurs(user)
                # The sessions opened before, without a code, end here.
                securite.terminer_sessions(user, sauf=request.session.session_key)
                if codes:
                    request.session[CLE_CODES_A_AFFICHER] = codes
                messages.success(
                    request, "Application d'authentification ajoutée : elle vous sera demandée à chaque connexion."
                )
                return redirect("securite_compte")
        vue = CompteSecuriteView(request=request, args=(), kwargs={})
        return vue.render_to_response(vue.get_context_data(form_confirmation=form))


class RegenererCodesView(LoginRequiredMixin, View):
    def post(self, request):
        user = request.user
        form = MotDePasseForm(request.POST, request=request)
        if not securite.applications_confirmees(user).exists():
            messages.error(request, "Ajoutez d'abord une application d'authentification.")
        elif not form.is_valid():
            messages.error(request, "Mot de passe incorrect : les codes de secours n'ont pas changé.")
        else:
            request.session[CLE_CODES_A_AFFICHER] = securite.generer_codes_secours(user)
            messages.success(request, "Nouveaux codes de secours : les précédents ne sont plus valables.")
        return redirect("securite_compte")


class RetirerApplicationView(LoginRequiredMixin, View):
    def post(self, request, pk):
        user = request.user
        appareil = get_object_or_404(TOTPDevice, pk=pk, user=user)
        form = MotDePasseForm(request.POST, request=request)
        if not form.is_valid():
            messages.error(request, "Mot de passe incorrect : l'application n'a pas été retirée.")
            return redirect("securite_compte")
        try:
            securite.retirer_application(user, appareil)
        except ValidationError as erreur:
            messages.error(request, erreur.messages[0])
            return redirect("securite_compte")
        etat = securite.etat_deux_facteurs(user)
        request.session[securite.CLE_ETAT] = etat
        autre = securite.applications_confirmees(user).first()
        if autre is not None:
            otp_login(request, autre)  # the session stays verified, by the authenticator kept
        else:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
        securite.terminer_sessions(user, sauf=request.session.session_key)
        messages.success(request, "Application d'authentification retirée.")
        return redirect("securite_compte")
