"""The chargé(e) de mission's monthly activity reports.

She prepares the report of a past month, reads its figures, writes her comment and asks for the
PDF, which a worker renders while the page polls its progress (htmx, every second, stopping once
done); the coordinatrice reads every chargé(e)'s reports. A report is visible to its author and to
the coordinatrice only (404 for anyone else); writing is the author's alone.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.generic import ListView, View

from plie.models import JournalAcces
from plie.pdf import reponse_pdf
from plie.views import RolePageMixin

from .. import services
from ..models import RapportMensuel
from ..rapport_mensuel import activite_mensuelle, de_mois, libelle_mois

PERMISSION_VOIR = "reporting.view_rapportmensuel"
PERMISSION_REDIGER = "reporting.change_rapportmensuel"
RAPPORTS_PAR_PAGE = 12


class PreparerForm(forms.Form):
    mois = forms.CharField(label="Mois", widget=forms.TextInput(attrs={"type": "month"}))

    def __init__(self, *args, aujourd_hui, **kwargs):
        super().__init__(*args, **kwargs)
        self.aujourd_hui = aujourd_hui
        self.fields["mois"].widget.attrs["max"] = f"{services.mois_precedent(aujourd_hui):%Y-%m}"

    def clean_mois(self):
        return services.mois_verifier(services.mois_lire(self.cleaned_data["mois"]), self.aujourd_hui)


class CommentaireForm(forms.Form):
    commentaire = forms.CharField(
        label="Commentaire",
        required=False,
        help_text=f"Faits marquants, difficultés, perspectives : {services.COMMENTAIRE_MAX} caractères au plus. "
        "Il figure dans le PDF envoyé à la coordination ; ne nommez aucun participant.",
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": services.COMMENTAIRE_MAX}),
    )

    def clean_commentaire(self):
        texte = self.cleaned_data["commentaire"].replace("\r\n", "\n")
        if len(texte) > services.COMMENTAIRE_MAX:
            raise ValidationError(
                f"Le commentaire dépasse {services.COMMENTAIRE_MAX} caractères ({len(texte)}) : raccourcissez-le."
            )
        return texte


def _rapport_visible(request, pk):
    return get_object_or_404(services.rapports_visibles(request.user), pk=pk)


def _rapport_de_l_auteur(request, pk):
    """Writing is the author's: another chargé(e)'s report does not exist for her (404)."""
    return get_object_or_404(RapportMensuel.objects.select_related("salarie"), pk=pk, salarie=request.user)


def _etat(rapport, user):
    """What the PDF block shows (``rapport_etat.html``)."""
    return {
        "rapport": rapport,
        "est_auteur": rapport.salarie_id == user.pk,
        "perime": services.pdf_perime(rapport),
        "envoi_possible": services.envoi_possible(rapport),
    }


class RapportListe(RolePageMixin, ListView):
    """Her reports, latest first (every chargé(e)'s for the coordinatrice); POST prepares one."""

    permission_required = PERMISSION_VOIR
    template_name = "reporting/rapport_liste.html"
    context_object_name = "rapports"
    paginate_by = RAPPORTS_PAR_PAGE

    def get_queryset(self):
        return services.rapports_visibles(self.request.user).order_by(
            "-mois", "salarie__last_name", "salarie__first_name", "salarie_id"
        )

    def get_context_data(self, **kwargs):
        user = self.request.user
        aujourd_hui = timezone.localdate()
        precedent = services.mois_precedent(aujourd_hui)
        peut_preparer = user.has_perm(PERMISSION_REDIGER) and user.has_perm("reporting.add_rapportmensuel")
        context = super().get_context_data(**kwargs)
        context.update(
            voit_tous=services.voit_tous_les_rapports(user),
            peut_preparer=peut_preparer,
            mois_precedent=precedent,
            libelle_mois_precedent=libelle_mois(precedent),
            de_mois_precedent=de_mois(precedent),
        )
        if peut_preparer:
            context.setdefault("form", PreparerForm(aujourd_hui=aujourd_hui, initial={"mois": f"{precedent:%Y-%m}"}))
            context["precedent_existe"] = RapportMensuel.objects.filter(salarie=user, mois=precedent).exists()
        for rapport in context["rapports"]:
            rapport.libelle_mois = libelle_mois(rapport.mois)
            rapport.de_mois = de_mois(rapport.mois)
            rapport.perime = services.pdf_perime(rapport)
        return context

    def post(self, request):
        if not (request.user.has_perm(PERMISSION_REDIGER) and request.user.has_perm("reporting.add_rapportmensuel")):
            raise PermissionDenied("Seul(e) le ou la chargé(e) de mission prépare son rapport mensuel.")
        form = PreparerForm(request.POST, aujourd_hui=timezone.localdate())
        if form.is_valid():
            rapport = services.rapport_obtenir(salarie=request.user, mois=form.cleaned_data["mois"])
            return redirect("reporting:rapport", rapport.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


def _page_rapport(request, rapport, form=None, status=200):
    user = request.user
    activite = activite_mensuelle(rapport.salarie, rapport.mois)
    est_auteur = rapport.salarie_id == user.pk
    if est_auteur and form is None and user.has_perm(PERMISSION_REDIGER):
        form = CommentaireForm(initial={"commentaire": rapport.commentaire})
    context = {
        **_etat(rapport, user),
        "activite": activite,
        "graphiques": services.graphiques(activite),
        "titre": f"Rapport mensuel d'activité — {libelle_mois(rapport.mois)} — {services.nom(rapport.salarie)}",
        "form": form if est_auteur else None,
    }
    return render(request, "reporting/rapport_detail.html", context, status=status)


class RapportDetail(RolePageMixin, View):
    """The figures of the month (the same as the PDF), the comment, the PDF block."""

    permission_required = PERMISSION_VOIR

    def get(self, request, pk):
        return _page_rapport(request, _rapport_visible(request, pk))


class RapportDernier(RolePageMixin, View):
    """The start page's link: her latest report (the list when she has none, or for the
    coordinatrice)."""

    permission_required = PERMISSION_VOIR

    def get(self, request):
        rapport = RapportMensuel.objects.filter(salarie=request.user).order_by("-mois").first()
        if rapport is None:
            return redirect("reporting:rapports")
        return redirect("reporting:rapport", rapport.pk)


class RapportCommentaire(RolePageMixin, View):
    permission_required = PERMISSION_REDIGER
    http_method_names = ["post"]

    def post(self, request, pk):
        rapport = _rapport_de_l_auteur(request, pk)
        form = CommentaireForm(request.POST)
        if form.is_valid():
            try:
                services.commentaire_enregistrer(
                    rapport=rapport, commentaire=form.cleaned_data["commentaire"], par=request.user
                )
            except ValidationError as erreur:
                form.add_error("commentaire", erreur)
        if not form.is_valid():
            return _page_rapport(request, rapport, form=form)
        if services.pdf_perime(rapport):
            messages.warning(
                request, "Commentaire enregistré. Le commentaire a changé depuis la génération : régénérez le PDF."
            )
        else:
            messages.success(request, "Commentaire enregistré.")
        return redirect("reporting:rapport", rapport.pk)


class RapportGenerer(RolePageMixin, View):
    """POST: the PDF is queued; htmx gets the PDF block back (which then polls its progress)."""

    permission_required = PERMISSION_REDIGER
    http_method_names = ["post"]

    def post(self, request, pk):
        rapport = _rapport_de_l_auteur(request, pk)
        try:
            rapport = services.generation_demander(
                rapport=rapport, par=request.user, relancer=request.POST.get("relancer") == "1"
            )
        except ValidationError as erreur:
            messages.warning(request, " ".join(erreur.messages))
        if request.htmx:
            return render(request, "reporting/rapport_etat.html", _etat(rapport, request.user))
        return redirect("reporting:rapport", rapport.pk)


class RapportEtat(RolePageMixin, View):
    """Polled every second while the PDF renders: the progress alone, then, once done, the whole
    PDF block in its place (the polling stops with it)."""

    permission_required = PERMISSION_VOIR

    def get(self, request, pk):
        rapport = _rapport_visible(request, pk)
        if rapport.statut == RapportMensuel.Statut.EN_COURS:
            return render(request, "reporting/rapport_progression.html", {"rapport": rapport})
        response = render(request, "reporting/rapport_etat.html", _etat(rapport, request.user))
        response["HX-Retarget"] = "#rapport-pdf"
        response["HX-Reswap"] = "outerHTML"
        return response


class RapportEnvoyer(RolePageMixin, View):
    """POST: the author sends the ready PDF to the coordination (again after a regeneration)."""

    permission_required = PERMISSION_REDIGER
    http_method_names = ["post"]

    def post(self, request, pk):
        rapport = _rapport_de_l_auteur(request, pk)
        try:
            envoyes = services.envoyer(rapport)
        except ValidationError as erreur:
            messages.error(request, " ".join(erreur.messages))
        else:
            if envoyes:
                messages.success(
                    request, f"Rapport envoyé à la coordination ({envoyes} destinataire{'s' if envoyes > 1 else ''})."
                )
            else:
                messages.info(request, "Cette version du rapport a déjà été envoyée à la coordination.")
        return redirect("reporting:rapport", rapport.pk)


class RapportPdf(RolePageMixin, View):
    """The PDF, to its author and the coordinatrice; each download is logged."""

    permission_required = PERMISSION_VOIR

    def get(self, request, pk):
        rapport = _rapport_visible(request, pk)
        if rapport.statut != RapportMensuel.Statut.PRET or not rapport.fichier:
            raise Http404("Le PDF de ce rapport n'est pas prêt.")
        with rapport.fichier.open("rb") as fichier:
            contenu = fichier.read()
        JournalAcces.objects.create(
            utilisateur=request.user,
            action=JournalAcces.Action.EXPORT,
            objet_type="rapport_mensuel",
            objet_id=str(rapport.pk),
            detail=f"PDF du rapport d'activité {de_mois(rapport.mois)} — {services.nom(rapport.salarie)}"[:250],
        )
        return reponse_pdf(contenu, services.nom_fichier(rapport), telechargement=True)


urlpatterns = [
    path("rapports/", RapportListe.as_view(), name="rapports"),
    path("rapports/dernier/", RapportDernier.as_view(), name="rapport_dernier"),
    path("rapports/<int:pk>/", RapportDetail.as_view(), name="rapport"),
    path("rapports/<int:pk>/commentaire/", RapportCommentaire.as_view(), name="rapport_commentaire"),
    path("rapports/<int:pk>/generer/", RapportGenerer.as_view(), name="rapport_generer"),
    path("rapports/<int:pk>/etat/", RapportEtat.as_view(), name="rapport_etat"),
    path("rapports/<int:pk>/envoyer/", RapportEnvoyer.as_view(), name="rapport_envoyer"),
    path("rapports/<int:pk>/pdf/", RapportPdf.as_view(), name="rapport_pdf"),
]
