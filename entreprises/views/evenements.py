"""The employment events of the territory ("assurer une veille sur les événements… organiser la
présence du PLIE"): a month calendar and the list of upcoming events, the event page with who
attends, the preparation tasks, the bilan and the company exchanges logged there; creation,
editing and cancellation by the chargé(e) de mission; each user's iCalendar feed.

Every PLIE role that reads events may say it attends one; the auditeur FSE has no
``entreprises.view_evenement`` and gets a 403 everywhere. The feed is the only page without a
login: calendar apps cannot log in, so a secret token in its address stands for the user.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from plie.views import RolePageMixin

from .. import ical, selectors, services
from ..forms_evenements import EvenementForm, FiltreEvenementsForm, TacheForm
from ..models import Evenement, JetonCalendrier, TacheEvenement

PERMISSION_LECTURE = "entreprises.view_evenement"
PAR_PAGE = 25
JOURS_SEMAINE = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
# ``?mois=`` outside these years is refused: the grid of December 9999 would need year 10000.
ANNEE_MIN, ANNEE_MAX = 2000, 2100
FRAGMENT_TACHES = "entreprises/_evenement_taches.html"


def _messages_de(error):
    return " ".join(error.messages)


# --- The calendar: month grid and upcoming list -----------------------------------------------


@dataclass
class Occurrence:
    evenement: Evenement
    commence: bool  # False on the following days of a multi-day event


@dataclass
class Jour:
    date: date
    dans_le_mois: bool
    aujourdhui: bool
    occurrences: list = field(default_factory=list)


def mois_demande(valeur, aujourdhui):
    """The first day of the month of ``?mois=AAAA-MM``, and a French message when it is not one
    (the current month is shown instead)."""
    courant = aujourdhui.replace(day=1)
    if not valeur:
        return courant, None
    trouve = re.fullmatch(r"(\d{4})-(\d{2})", valeur.strip())
    if trouve and ANNEE_MIN <= int(trouve[1]) <= ANNEE_MAX and 1 <= int(trouve[2]) <= 12:
        return date(int(trouve[1]), int(trouve[2]), 1), None
    return courant, (
        f"« {valeur[:20]} » n'est pas un mois valide (attendu : AAAA-MM, par exemple {aujourdhui:%Y-%m}) : "
        "voici le mois en cours."
    )


def _debut_du_jour(jour):
    return timezone.make_aware(datetime.combine(jour, time.min))


def jours_de(evenement):
    """The local days an event covers; one ending at midnight sharp does not reach the next day."""
    premier = timezone.localtime(evenement.debut).date()
    dernier = timezone.localtime(evenement.fin - timedelta(microseconds=1)).date()
    return premier, max(premier, dernier)


def grille_du_mois(premier, evenements, aujourdhui):
    """Weeks (Monday first) of the month's grid, the days of the neighbouring months included, with
    each event listed on every day it covers."""
    semaines = [
        [Jour(jour, jour.month == premier.month, jour == aujourdhui) for jour in semaine]
        for semaine in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(premier.year, premier.month)
    ]
    par_date = {jour.date: jour for semaine in semaines for jour in semaine}
    debut_grille, fin_grille = semaines[0][0].date, semaines[-1][-1].date
    for evenement in evenements:
        debut, fin = jours_de(evenement)
        jour = max(debut, debut_grille)
        while jour <= min(fin, fin_grille):
            par_date[jour].occurrences.append(Occurrence(evenement, jour == debut))
            jour += timedelta(days=1)
    return semaines


def _marquer_participation(evenements, utilisateur):
    """``participe`` on each event, from the prefetched attendees (no query per event)."""
    for evenement in evenements:
        evenement.participe = any(p.pk == utilisateur.pk for p in evenement.participants_plie.all())
    return evenements


class Evenements(RolePageMixin, TemplateView):
    """``evenements/``: the month grid, or with ``?vue=liste`` the upcoming events, both filtered
    by type and by "mes événements"."""

    permission_required = PERMISSION_LECTURE

    def get_template_names(self):
        if self.vue_liste:
            return ["entreprises/evenement_liste.html"]
        return ["entreprises/evenement_mois.html"]

    def get(self, request, *args, **kwargs):
        self.vue_liste = request.GET.get("vue") == "liste"
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        request, utilisateur = self.request, self.request.user
        filtres = FiltreEvenementsForm(request.GET)
        # The filters alone, to carry over from one view or month to another.
        filtres_qs = request.GET.copy()
        for cle in ("vue", "mois", "page"):
            filtres_qs.pop(cle, None)
        context = super().get_context_data(
            filtres=filtres,
            filtres_qs=filtres_qs.urlencode(),
            vue_liste=self.vue_liste,
            peut_creer=utilisateur.has_perm("entreprises.add_evenement"),
            filtre_actif=bool(filtres_qs),
            **kwargs,
        )
        if self.vue_liste:
            context.update(self.contexte_liste(filtres))
        else:
            context.update(self.contexte_mois(filtres))
        return context

    def contexte_mois(self, filtres):
        aujourdhui = timezone.localdate()
        premier, erreur = mois_demande(self.request.GET.get("mois", ""), aujourdhui)
        if erreur:
            messages.warning(self.request, erreur)
        jours = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(premier.year, premier.month)
        debut, fin = _debut_du_jour(jours[0][0]), _debut_du_jour(jours[-1][-1] + timedelta(days=1))
        evenements = _marquer_participation(
            list(filtres.filtrer(selectors.evenements_entre(debut, fin), self.request.user)), self.request.user
        )
        precedent = (premier - timedelta(days=1)).replace(day=1)
        suivant = (premier + timedelta(days=31)).replace(day=1)
        dernier = premier.replace(day=calendar.monthrange(premier.year, premier.month)[1])
        return {
            "premier": premier,
            "semaines": grille_du_mois(premier, evenements, aujourdhui),
            "jours_semaine": JOURS_SEMAINE,
            # The grid also shows the neighbouring months' days: the empty state is about this month.
            "nb_dans_le_mois": sum(1 for e in evenements if jours_de(e)[0] <= dernier and jours_de(e)[1] >= premier),
            "precedent": precedent if precedent.year >= ANNEE_MIN else None,
            "suivant": suivant if suivant.year <= ANNEE_MAX else None,
            "mois_courant": aujourdhui.replace(day=1),
        }

    def contexte_liste(self, filtres):
        evenements = filtres.filtrer(selectors.evenements_a_venir(timezone.now()), self.request.user)
        page = Paginator(evenements, PAR_PAGE).get_page(self.request.GET.get("page"))
        _marquer_participation(page.object_list, self.request.user)
        query = self.request.GET.copy()
        query.pop("page", None)
        return {"page_obj": page, "evenements": page.object_list, "query_string": query.urlencode()}


# --- The event page ---------------------------------------------------------------------------


class EvenementMixin(RolePageMixin):
    """Loads ``self.evenement`` (role first: 403, then 404)."""

    permission_required = PERMISSION_LECTURE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.evenement = get_object_or_404(Evenement.objects.select_related("commune"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def retour(self):
        return redirect("entreprises:evenement", pk=self.evenement.pk)


def _contexte_taches(request, evenement, taches, tache_form=None, annonce=""):
    utilisateur = request.user
    return {
        "evenement": evenement,
        "taches": taches,
        "tache_form": tache_form or TacheForm(),
        "peut_ajouter_tache": utilisateur.has_perm("entreprises.add_tacheevenement") and not evenement.annule,
        "peut_cocher_tache": utilisateur.has_perm("entreprises.change_tacheevenement"),
        "peut_supprimer_tache": utilisateur.has_perm("entreprises.delete_tacheevenement"),
        "annonce": annonce,
    }


def _contexte_detail(request, pk, tache_form=None):
    evenement = selectors.evenement_detail(pk)
    utilisateur = request.user
    participants = list(evenement.participants_plie.all())
    peut_modifier = utilisateur.has_perm("entreprises.change_evenement")
    return {
        **_contexte_taches(request, evenement, list(evenement.taches.all()), tache_form),
        "participants": participants,
        "participe": any(p.pk == utilisateur.pk for p in participants),
        "interactions": list(evenement.interactions.all()),
        "commence": evenement.debut <= timezone.now(),
        "peut_modifier": peut_modifier,
        "peut_annuler": peut_modifier and not evenement.annule,
    }


class EvenementDetail(EvenementMixin, TemplateView):
    template_name = "entreprises/evenement_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**_contexte_detail(self.request, self.evenement.pk), **kwargs)


class Participation(EvenementMixin, View):
    """ "Je participe / Je ne participe plus": ``participe=oui|non`` says which, so that a double
    submission does not undo itself."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        participe = request.POST.get("participe") == "oui"
        try:
            services.evenement_participer(evenement=self.evenement, utilisateur=request.user, participe=participe)
        except ValidationError as error:
            messages.error(request, _messages_de(error))
        else:
            if participe:
                messages.success(
                    request, f"Vous êtes inscrit(e) parmi les présents du PLIE à « {self.evenement.titre} »."
                )
            else:
                messages.success(request, f"Vous ne figurez plus parmi les présents à « {self.evenement.titre} ».")
        return self.retour()


class EvenementAnnuler(EvenementMixin, TemplateView):
    """A confirmation page, then the event is marked cancelled (kept, shown struck through)."""

    permission_required = "entreprises.change_evenement"
    template_name = "entreprises/evenement_annuler.html"

    def get(self, request, *args, **kwargs):
        if self.evenement.annule:
            messages.info(request, f"L'événement « {self.evenement.titre} » est déjà annulé.")
            return self.retour()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        nb_presents = self.evenement.participants_plie.count()
        return super().get_context_data(evenement=self.evenement, nb_presents=nb_presents, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.evenement_annuler(evenement=self.evenement, par=request.user)
        except ValidationError as error:
            messages.error(request, _messages_de(error))
        else:
            messages.success(
                request, f"L'événement « {self.evenement.titre} » est annulé ; il reste dans l'historique."
            )
        return self.retour()


# --- Preparation tasks (htmx swaps the list; without JavaScript, the page reloads) ------------


class TacheMixin(EvenementMixin, View):
    http_method_names = ["post"]

    def reponse(self, annonce):
        """After a change: the refreshed task list for htmx, else back to the page with a message."""
        if self.request.htmx:
            taches = list(selectors.taches_de_l_evenement(self.evenement))
            return render(
                self.request, FRAGMENT_TACHES, _contexte_taches(self.request, self.evenement, taches, annonce=annonce)
            )
        messages.success(self.request, annonce)
        return redirect(reverse("entreprises:evenement", args=[self.evenement.pk]) + "#taches")

    def tache(self):
        return get_object_or_404(TacheEvenement, pk=self.kwargs["tache_pk"], evenement=self.evenement)


class TacheAjouter(TacheMixin):
    permission_required = "entreprises.add_tacheevenement"

    def post(self, request, *args, **kwargs):
        form = TacheForm(request.POST)
        if form.is_valid():
            try:
                tache = services.tache_ajouter(evenement=self.evenement, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, _messages_de(error))
            else:
                return self.reponse(f"Tâche « {tache.libelle} » ajoutée.")
        if request.htmx:
            # 200 so that htmx swaps the list in with the form's errors.
            taches = list(selectors.taches_de_l_evenement(self.evenement))
            return render(request, FRAGMENT_TACHES, _contexte_taches(request, self.evenement, taches, form))
        context = _contexte_detail(request, self.evenement.pk, tache_form=form)
        return render(request, "entreprises/evenement_detail.html", context, status=400)


class TacheFaite(TacheMixin):
    """``faite=oui|non`` sets the state rather than toggling it, so a double click does not undo."""

    permission_required = "entreprises.change_tacheevenement"

    def post(self, request, *args, **kwargs):
        faite = request.POST.get("faite") == "oui"
        tache = services.tache_marquer(tache=self.tache(), faite=faite)
        return self.reponse(f"Tâche « {tache.libelle} » {'faite' if faite else 'à faire'}.")


class TacheSupprimer(TacheMixin):
    permission_required = "entreprises.delete_tacheevenement"

    def post(self, request, *args, **kwargs):
        tache = self.tache()
        services.tache_supprimer(tache=tache)
        return self.reponse(f"Tâche « {tache.libelle} » supprimée.")


# --- Create and edit --------------------------------------------------------------------------


class EvenementFormulaireMixin:
    template_name = "entreprises/evenement_formulaire.html"

    def afficher(self, form, status=200):
        context = {"form": form, "evenement": getattr(self, "evenement", None), "titre": self.titre()}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        return self.afficher(EvenementForm(instance=getattr(self, "evenement", None)))

    def post(self, request, *args, **kwargs):
        form = EvenementForm(request.POST, instance=getattr(self, "evenement", None))
        if form.is_valid():
            try:
                evenement = services.evenement_enregistrer(
                    evenement=form.save(commit=False),
                    par=request.user,
                    participants_plie=form.cleaned_data["participants_plie"],
                )
            except ValidationError as error:
                # The form ran the model's checks already: what is left belongs to the whole form.
                form.add_error(None, _messages_de(error))
            else:
                messages.success(request, f"Événement « {evenement.titre} » enregistré.")
                return redirect("entreprises:evenement", pk=evenement.pk)
        return self.afficher(form, status=400)


class EvenementCreer(EvenementFormulaireMixin, RolePageMixin, View):
    permission_required = "entreprises.add_evenement"

    def titre(self):
        return "Nouvel événement"


class EvenementModifier(EvenementFormulaireMixin, EvenementMixin, View):
    permission_required = "entreprises.change_evenement"

    def titre(self):
        return f"Modifier « {self.evenement.titre} »"


# --- The iCalendar feed and its page ------------------------------------------------------------

PERMISSIONS_CALENDRIER = ("entreprises.view_evenement", "entreprises.view_actioncollective")


class MonCalendrierMixin(RolePageMixin):
    permission_required = PERMISSIONS_CALENDRIER

    def has_permission(self):
        # Either is enough: the feed carries the events attended and the actions facilitated.
        return any(self.request.user.has_perm(perm) for perm in PERMISSIONS_CALENDRIER)


class MonCalendrier(MonCalendrierMixin, TemplateView):
    """The user's feed address and how to subscribe to it."""

    template_name = "entreprises/calendrier.html"

    def get_context_data(self, **kwargs):
        jeton = services.jeton_calendrier(self.request.user)
        url = self.request.build_absolute_uri(reverse("entreprises:calendrier_ics", args=[jeton.jeton]))
        return super().get_context_data(
            url_flux=url, url_webcal="webcal://" + url.split("://", 1)[1], jeton=jeton, **kwargs
        )


class RegenererCalendrier(MonCalendrierMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.jeton_calendrier_regenerer(request.user)
        messages.success(
            request,
            "Nouvelle adresse créée : l'ancienne ne fonctionne plus. Abonnez à nouveau vos agendas avec celle-ci.",
        )
        return redirect("entreprises:mon_calendrier")


@require_safe
def calendrier_ics(request, jeton):
    """The feed of the token's owner: events they attend and actions they facilitate (see
    ``selectors.evenements_du_calendrier``). An unknown or revoked token, an inactive account or
    one that may read neither gets the same 404."""
    trouve = JetonCalendrier.objects.select_related("utilisateur").filter(jeton=jeton).first()
    if trouve is None or not trouve.utilisateur.is_active:
        raise Http404("Calendrier introuvable.")
    utilisateur = trouve.utilisateur
    voit_evenements = utilisateur.has_perm("entreprises.view_evenement")
    voit_actions = utilisateur.has_perm("entreprises.view_actioncollective")
    if not (voit_evenements or voit_actions):
        raise Http404("Calendrier introuvable.")
    maintenant = timezone.now()
    evenements, actions = selectors.evenements_du_calendrier(utilisateur, maintenant)
    hote = urlsplit(settings.PLIE_URL).hostname or "plie"
    base = settings.PLIE_URL.rstrip("/")
    composants = []
    if voit_evenements:
        composants += [
            ical.vevent_evenement(
                evenement,
                hote=hote,
                url=base + reverse("entreprises:evenement", args=[evenement.pk]),
                dtstamp=maintenant,
            )
            for evenement in evenements.select_related("commune")
        ]
    if voit_actions:
        composants += [
            ical.vevent_action(
                action, hote=hote, dtstamp=maintenant, url=base + reverse("entreprises:action", args=[action.pk])
            )
            for action in actions.annotate(nb_inscrits=Count("inscriptions"))
        ]
    contenu = ical.calendrier(nom=f"{settings.PLIE_NOM} · mon agenda", composants=composants)
    response = HttpResponse(contenu.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="agenda-plie.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
