from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import securite_web, views, views_journal

admin.site.site_header = "PLIE : administration"
admin.site.site_title = "PLIE"
admin.site.index_title = "Comptes, rôles et référentiels"

auth_patterns = [
    # The password step, then the code step for an account with a second factor (plie.securite_web).
    path("connexion/", securite_web.ConnexionView.as_view(), name="connexion"),
    path("connexion/code/", securite_web.VerificationView.as_view(), name="securite_verification"),
    path("compte/securite/", securite_web.CompteSecuriteView.as_view(), name="securite_compte"),
    path("compte/securite/confirmer/", securite_web.ConfirmerApplicationView.as_view(), name="securite_confirmer"),
    path("compte/securite/codes/", securite_web.RegenererCodesView.as_view(), name="securite_codes"),
    path("compte/securite/retirer/<int:pk>/", securite_web.RetirerApplicationView.as_view(), name="securite_retirer"),
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
    path("journal/", views_journal.Journal.as_view(), name="journal"),
    path("participants/", include("participants.urls")),
    path("offres/", include("offres.urls")),
    path("entreprises/", include("entreprises.urls")),
    path("formation/", include("formation.urls")),
    path("fse/", include("fse.urls")),
    path("pilotage/", include("reporting.urls")),
    path("admin/", admin.site.urls),
    *auth_patterns,
]

# A lost database connection outside a view gets the 503 page too (plie/middleware.py).
handler500 = "plie.middleware.erreur_serveur"
