"""URLs of the collective actions and their attendance sheets."""

from django.urls import path

from .views import actions

urlpatterns = [
    path("actions/", actions.ActionListe.as_view(), name="actions"),
    path("actions/nouvelle/", actions.ActionCreer.as_view(), name="action_creer"),
    path("actions/<int:pk>/", actions.ActionDetail.as_view(), name="action"),
    path("actions/<int:pk>/modifier/", actions.ActionModifier.as_view(), name="action_modifier"),
    path("actions/<int:pk>/annuler/", actions.ActionAnnuler.as_view(), name="action_annuler"),
    path("actions/<int:pk>/inscrire/", actions.ActionInscrire.as_view(), name="action_inscrire"),
    path(
        "actions/<int:pk>/inscriptions/<int:inscription>/desinscrire/",
        actions.ActionDesinscrire.as_view(),
        name="action_desinscrire",
    ),
    path("actions/<int:pk>/emargement.pdf", actions.EmargementPdf.as_view(), name="emargement_pdf"),
    path("actions/<int:pk>/presences/", actions.ActionPresences.as_view(), name="presences"),
    path("actions/<int:pk>/feuille/", actions.FeuilleDeposer.as_view(), name="feuille_deposer"),
    path("actions/<int:pk>/feuille-signee/", actions.FeuilleSignee.as_view(), name="feuille_signee"),
]
