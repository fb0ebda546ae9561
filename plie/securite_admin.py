"""The Django admin of the PLIE: staff whose session was verified by a second factor only.

Installed in place of ``django.contrib.admin`` (INSTALLED_APPS), so that ``admin.site`` and every
``@admin.register`` use this site. Its login page is the app's, which has the code step.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse


class AdminPlieConfig(AdminConfig):
    default_site = "plie.securite_admin.AdminVerifie"

    def ready(self):
        super().ready()
        # Devices are managed by their holder (« Sécurité du compte ») and reset by the user admin's
        # action: the admin pages of django-otp would show secret keys and raw tokens.
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for modele in (TOTPDevice, StaticDevice):
            if admin.site.is_registered(modele):
                admin.site.unregister(modele)


class AdminVerifie(admin.AdminSite):
    def has_permission(self, request):
        est_verifie = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and est_verifie is not None and est_verifie()

    def login(self, request, extra_context=None):
        # One login page for the whole app: the admin's has no code step. A signed-in person who
        # may not use the admin still gets its "not authorised" page (no redirect loop).
        from django.contrib.auth.views import redirect_to_login  # not at import: apps not loaded yet

        if request.method == "POST" or not request.user.is_authenticated:
            suivant = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
            return redirect_to_login(suivant, reverse("connexion"))
        return super().login(request, extra_context)
