from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import views
from .forms import ConnexionForm

admin.site.site_header = "PLIE : administration"
admin.site.site_title = "PLIE"
admin.site.index_title = "Comptes, rôles et référentiels"

auth_patterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(authentication_form=ConnexionForm, redirect_authenticated_user=True),
        name="connexion",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path(
        "mot-de-passe/changer/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("mot_de_passe_change")),
        name="changer_mot_de_passe",
    ),
    path("mot-de-passe/change/", auth_views.PasswordChangeDoneView.as_view(), name="mot_de_passe_change"),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(success_url=reverse_lazy("mot_de_passe_oubli_envoye")),
        name="mot_de_passe_oubli",
    ),
    path("mot-de-passe/oubli/envoye/", auth_views.PasswordResetDoneView.as_view(), name="mot_de_passe_oubli_envoye"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("mot_de_passe_reinitialise")),
        name="mot_de_passe_nouveau",
    ),
    path(
        "mot-de-passe/reinitialise/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="mot_de_passe_reinitialise",
    ),
]

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("referent/", views.EspaceReferent.as_view(), name="espace_referent"),
    path("charge-de-mission/", views.EspaceChargeMission.as_view(), name="espace_charge_mission"),
    path("coordination/", views.EspaceCoordination.as_view(), name="espace_coordinatrice"),
    path("audit-fse/", views.EspaceAuditFse.as_view(), name="espace_auditeur_fse"),
    path("administration/", views.EspaceAdministration.as_view(), name="espace_administrateur"),
    path("participants/", include("participants.urls")),
    path("offres/", include("offres.urls")),
    path("entreprises/", include("entreprises.urls")),
    path("formation/", include("formation.urls")),
    path("fse/", include("fse.urls")),
    path("pilotage/", include("reporting.urls")),
    path("admin/", admin.site.urls),
    *auth_patterns,
]
