"""The weekly FSE agenda pages: the salarié's own week, and the weeks awaiting validation."""

import datetime
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from plie.views import RolePageMixin

from . import rules, services
from .forms import GrilleForm, LigneForm, MotifForm
from .models import CategorieActivite, LigneAgenda, SemaineAgenda
from .rules import StatutSemaine


def _erreur(request, erreur):
    for message in erreur.messages:
        messages.error(request, message)


class AgendaSemaine(RolePageMixin, TemplateView):
    """The signed-in person's week, and only theirs: the URL names a date, never a person."""

    permission_required = "fse.add_ligneagenda"
    template_name = "fse/agenda_semaine.html"
    ACTIONS = ("grille", "ajouter", "supprimer", "copier", "soumettre", "corriger")

    def dispatch(self, request, *args, **kwargs):
        jour = kwargs.get("jour")
        if jour is None:
            self.lundi = rules.lundi_de(timezone.localdate())
        else:
            try:
                self.lundi = rules.lundi_de(datetime.date.fromisoformat(jour))
            except ValueError:
                raise Http404("Date invalide.") from None
        return super().dispatch(request, *args, **kwargs)

    def url_semaine(self, lundi=None):
        return reverse("fse:semaine", kwargs={"jour": (lundi or self.lundi).isoformat()})

    def semaine_existante(self):
        return (
            SemaineAgenda.objects.filter(salarie=self.request.user, lundi=self.lundi)
            .select_related("corrigee_par", "validee_par")
            .order_by("-version")
            .first()
        )

    def grille(self, lignes, data=None):
        categories = list(CategorieActivite.objects.filter(actif=True))
        cases = rules.cases_grille(lignes)
        initial = {
            GrilleForm.nom_case(c, jour): rules.format_heures(cases[(c.pk, jour)]).removesuffix(" h")
            if (c.pk, jour) in cases
            else ""
            for c in categories
            for jour in rules.jours_semaine(self.lundi)
        }
        return GrilleForm(data, initial=initial, lundi=self.lundi, categories=categories)

    def get_context_data(self, form=None, motif_form=None, grille=None, **kwargs):
        context = super().get_context_data(**kwargs)
        semaine = self.semaine_existante() or SemaineAgenda(salarie=self.request.user, lundi=self.lundi)
        lignes = list(semaine.lignes.select_related("categorie")) if semaine.pk else []
        totaux = rules.totaux_par_jour(lignes, self.lundi)
        feries = rules.jours_feries(self.lundi)
        jours = [
            {
                "date": jour,
                "nom": rules.JOURS[jour.weekday()],
                "ferie": feries.get(jour),
                "lignes": [ligne for ligne in lignes if ligne.date == jour],
                "total": rules.format_heures(totaux[jour]),
            }
            for jour in rules.jours_semaine(self.lundi)
        ]
        for ligne in lignes:
            ligne.heures_texte = rules.format_heures(ligne.heures)
        context.update(
            semaine=semaine,
            jours=jours,
            nb_lignes=len(lignes),
            total=rules.format_heures(sum(totaux.values(), Decimal("0"))),
            alertes=rules.alertes(lignes, self.lundi),
            modifiable=semaine.modifiable,
            validee=semaine.statut == StatutSemaine.VALIDEE,
            form=form or LigneForm(lundi=self.lundi),
            grille=grille or self.grille(lignes),
            lignes_detaillees=sum(1 for ligne in lignes if not rules.ligne_simple(ligne)),
            motif_form=motif_form or MotifForm(),
            precedente=self.url_semaine(self.lundi - datetime.timedelta(days=7)),
            suivante=self.url_semaine(self.lundi + datetime.timedelta(days=7)),
            cette_semaine=reverse("fse:semaine"),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.ACTIONS:
            messages.error(request, "Action inconnue.")
            return redirect(self.url_semaine())
        try:
            reponse = getattr(self, f"action_{action}")(request)
        except ValidationError as erreur:
            _erreur(request, erreur)
            reponse = None
        return reponse or redirect(self.url_semaine())

    def action_grille(self, request):
        semaine = self.semaine_existante()
        lignes = list(semaine.lignes.all()) if semaine else []
        grille = self.grille(lignes, request.POST)
        if not grille.is_valid():
            messages.error(request, "La semaine n'a pas été enregistrée : corrigez les cases signalées.")
            return self.render_to_response(self.get_context_data(grille=grille))
        semaine = semaine or services.semaine_obtenir(request.user, self.lundi)
        try:
            modifiees = services.grille_enregistrer(semaine, grille.heures_par_case())
        except ValidationError as erreur:
            _erreur(request, erreur)
            return self.render_to_response(self.get_context_data(grille=grille))
        messages.success(
            request,
            f"Semaine enregistrée ({modifiees} case{'s' if modifiees > 1 else ''} modifiée{'s' if modifiees > 1 else ''}).",
        )
        return None

    def action_ajouter(self, request):
        form = LigneForm(request.POST, lundi=self.lundi)
        if not form.is_valid():
            messages.error(request, "La ligne n'a pas été ajoutée : corrigez le formulaire.")
            return self.render_to_response(self.get_context_data(form=form))
        semaine = services.semaine_obtenir(request.user, self.lundi)
        try:
            services.ligne_enregistrer(semaine, **form.cleaned_data)
        except ValidationError as erreur:
            _erreur(request, erreur)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, "Ligne ajoutée.")
        return None

    def action_supprimer(self, request):
        ligne = get_object_or_404(
            LigneAgenda.objects.select_related("semaine"),
            pk=request.POST.get("ligne") or 0,
            semaine__salarie=request.user,
            semaine__lundi=self.lundi,
        )
        services.ligne_supprimer(ligne)
        messages.success(request, "Ligne supprimée.")

    def action_copier(self, request):
        nombre = services.copier_semaine_precedente(services.semaine_obtenir(request.user, self.lundi))
        messages.success(request, f"{nombre} ligne(s) copiée(s) de la semaine précédente.")

    def action_soumettre(self, request):
        services.soumettre(services.semaine_obtenir(request.user, self.lundi))
        messages.success(request, "Semaine soumise à la coordination.")

    def action_corriger(self, request):
        semaine = self.semaine_existante()
        if semaine is None:
            raise ValidationError("Cette semaine n'a pas encore été saisie.")
        form = MotifForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Indiquez le motif de la correction.")
            return self.render_to_response(self.get_context_data(motif_form=form))
        correction = services.corriger(semaine, request.user, form.cleaned_data["motif"])
        messages.success(request, f"Version {correction.version} ouverte : corrigez puis soumettez-la.")


class AgendasAValider(RolePageMixin, ListView):
    """The submitted weeks of everyone, to validate or send back."""

    permission_required = services.PERMISSION_VALIDER
    template_name = "fse/agendas_a_valider.html"
    context_object_name = "semaines"
    paginate_by = 25

    def get_queryset(self):
        return (
            SemaineAgenda.objects.filter(statut=StatutSemaine.SOUMISE)
            .select_related("salarie")
            .annotate(total_heures=Sum("lignes__heures"), nb_lignes=Count("lignes"))
            .order_by("lundi", "salarie__last_name", "salarie__first_name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for semaine in context["semaines"]:
            semaine.total_texte = rules.format_heures(semaine.total_heures or 0)
        return context

    def post(self, request, *args, **kwargs):
        semaine = get_object_or_404(SemaineAgenda, pk=request.POST.get("semaine") or 0, statut=StatutSemaine.SOUMISE)
        action = request.POST.get("action")
        try:
            if action == "valider":
                services.valider(semaine, request.user)
                messages.success(request, f"{semaine} : validée.")
            elif action == "renvoyer":
                services.renvoyer(semaine, request.user, request.POST.get("commentaire"))
                messages.success(request, f"{semaine} : renvoyée pour correction.")
            else:
                messages.error(request, "Action inconnue.")
        except ValidationError as erreur:
            _erreur(request, erreur)
        return redirect("fse:a_valider")
