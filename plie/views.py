"""Start pages: each role lands on the list of its work of the day."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from offres.selectors import offres_a_positionner, offres_a_qualifier, positionnements_a_relancer
from participants.selectors import a_voir, caseload, charge_des_referents, chiffres_du_mois

from .models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, TypeContrat
from .roles import Role


class RolePageMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """A page for one or more roles: anonymous visitors go to the login page, others get 403."""

    raise_exception = False  # anonymous → login; authenticated without the permission → 403


def accueil(request):
    """Send each person to the start page of their main role."""
    if not request.user.is_authenticated:
        return redirect("connexion")
    role = request.user.role
    if role is None:
        raise PermissionDenied("Votre compte n'a pas encore de rôle : demandez-en un à l'administrateur.")
    return redirect(role.start_url_name)


NB_BLOC = 10  # rows of the offers and follow-up blocks of a start page; the full lists are a click away


def _a_relancer(user, today):
    """The "positionnements à relancer" block: the oldest first, with days since the last step (two queries)."""
    queryset = positionnements_a_relancer(user, today)
    lignes = list(queryset[:NB_BLOC])
    for positionnement in lignes:
        positionnement.jours = (today - positionnement.derniere_etape_le).days
    return {"a_relancer": lignes, "nb_a_relancer": queryset.count()}


class EspaceReferent(RolePageMixin, ListView):
    permission_required = Role.REFERENT.start_permission
    template_name = "plie/espace_referent.html"
    paginate_by = 25
    context_object_name = "participants"

    def get_queryset(self):
        self.today = timezone.localdate()
        return caseload(self.request.user, self.today)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for participant in context["participants"]:
            participant.a_voir = a_voir(participant, self.today)
        context["nb_a_voir"] = self.object_list.filter(a_voir_bd=True).count()
        user = self.request.user
        diffusions = offres_a_positionner(user)
        context["offres_a_positionner"] = diffusions[:NB_BLOC]
        context["compte_offres"] = diffusions.aggregate(
            total=Count("id"), nouvelles=Count("id", filter=Q(vue_le__isnull=True))
        )
        context.update(_a_relancer(user, self.today))
        return context

    def get_template_names(self):
        if self.request.htmx:
            return ["plie/_caseload.html"]
        return [self.template_name]


class EspaceChargeMission(RolePageMixin, ListView):
    permission_required = Role.CHARGE_MISSION.start_permission
    template_name = "plie/espace_charge_mission.html"
    paginate_by = 25
    context_object_name = "offres"

    def get_queryset(self):
        return offres_a_qualifier()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_a_relancer(self.request.user, timezone.localdate()))
        return context


class EspaceCoordination(RolePageMixin, TemplateView):
    permission_required = Role.COORDINATRICE.start_permission
    template_name = "plie/espace_coordination.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(
            today=today, chiffres=chiffres_du_mois(today), referents=charge_des_referents(today), **kwargs
        )


class EspaceAuditFse(RolePageMixin, TemplateView):
    permission_required = Role.AUDITEUR_FSE.start_permission
    template_name = "plie/espace_audit_fse.html"


class EspaceAdministration(RolePageMixin, TemplateView):
    permission_required = Role.ADMINISTRATEUR.start_permission
    template_name = "plie/espace_administration.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        groups = {
            group.name: group.nb
            for group in Group.objects.annotate(nb=Count("user")).filter(name__in=[r.group_name for r in Role])
        }
        referentiels = [
            ("Communes du territoire en vigueur", Commune.objects.valides_le(today).count(), "commune"),
            (
                "Quartiers prioritaires en vigueur",
                QuartierPrioritaire.objects.valides_le(today).count(),
                "quartierprioritaire",
            ),
            ("Niveaux de formation", NiveauFormation.objects.count(), "niveauformation"),
            ("Types de contrat", TypeContrat.objects.count(), "typecontrat"),
            ("Métiers ROME", MetierRome.objects.count(), "metierrome"),
        ]
        return super().get_context_data(
            comptes=[(role.label, groups.get(role.group_name, 0)) for role in Role],
            referentiels=referentiels,
            **kwargs,
        )
