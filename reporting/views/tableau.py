"""The dashboard page (``?du=…&au=…``) and the budgets the cost per person divides.

The figures come from ``reporting.tableau.tableau_de_bord``; this module only lays them out: the
comparison columns, the charts, and the links from each figure to the list of the participants
(or offers) behind it. Those lists apply their own permissions, so a référent following a link
still sees their caseload only.
"""

import dataclasses
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, ListView, TemplateView

from participants.enums import MotifSortie, Sexe
from plie.views import RolePageMixin

from .. import graphiques
from ..forms import BudgetForm, PeriodeForm, raccourcis
from ..models import Budget
from ..selectors import Periode
from ..tableau import PERMISSION_TABLEAU, tableau_de_bord

# (code, label, attribute of ChiffresCles, kind, attribute of the count behind a share, link)
# A link is (set of people, extra filters): « flux », « entrees » or « sorties » of the period.
INDICATEURS = [
    ("communes", "Communes du territoire", "communes", "nombre", None, None),
    ("flux", "Personnes accompagnées sur la période (flux)", "flux", "nombre", None, ("flux", {})),
    ("entrees", "Entrées", "entrees", "nombre", None, ("entrees", {})),
    ("sorties", "Sorties", "sorties", "nombre", None, ("sorties", {})),
    ("stock", "Personnes en accompagnement en moyenne (stock)", "stock_moyen", "moyenne", None, None),
    ("age", "Âge moyen à l'entrée (ans)", "age_moyen", "moyenne", None, None),
    ("femmes", "Femmes", "part_femmes", "part", "femmes", ("flux", {"sexe": Sexe.FEMME.value})),
    ("hommes", "Hommes", "part_hommes", "part", "hommes", ("flux", {"sexe": Sexe.HOMME.value})),
    (
        "niveau_v",
        "Niveau V ou infra (CAP/BEP ou moins)",
        "part_niveau_v",
        "part",
        "niveau_v_ou_moins",
        ("flux", {"niveau_v": "true"}),
    ),
    ("duree", "Durée moyenne de parcours des sortants (mois)", "duree_moyenne_mois", "moyenne", None, None),
    ("qpv", "Résidant en quartier prioritaire (QPV)", "part_qpv", "part", "qpv", ("flux", {"qpv": "true"})),
    ("rsa", "Bénéficiaires du RSA", "part_rsa", "part", "rsa", ("flux", {"rsa": "true"})),
    (
        "positives",
        "Taux de sorties positives",
        "taux_sorties_positives",
        "part",
        "sorties_positives",
        ("sorties", {"positive": "true"}),
    ),
    ("cout", "Coût moyen par personne accompagnée", "cout_moyen", "euros", None, None),
]
AIDES = {
    "flux": "Entrées au plus tard le dernier jour de la période et non sorties avant le premier.",
    "stock": "Nombre moyen de personnes en accompagnement chaque jour de la période.",
    "age": "Âge à la date d'entrée, en moyenne sur les personnes accompagnées.",
    "duree": "De l'entrée à la sortie, pour les personnes sorties pendant la période.",
    "positives": "Sorties positives rapportées à l'ensemble des sorties de la période.",
    "cout": "Budget saisi pour la période divisé par le nombre de personnes accompagnées.",
}
LIBELLES_OFFRES = ["Collectées", "Qualifiées", "Diffusées", "Positionnements", "Embauches"]


@dataclasses.dataclass
class Valeur:
    texte: str
    detail: str = ""  # the count behind a share
    url: str = ""  # on the detail when there is one, else on the text


@dataclasses.dataclass
class LigneChiffre:
    code: str
    libelle: str
    aide: str
    valeurs: list  # of Valeur: the period, the previous one, the same one a year earlier
    ecart_precedente: str
    ecart_annee: str


def _iso(jour):
    return jour.strftime("%Y-%m-%d")


def _parametres_periode(periode):
    return {"du": _iso(periode.debut), "au": _iso(periode.fin)}


def filtres_participants(ensemble, periode, **extra):
    """The participants list's filters selecting the people of ``ensemble`` over ``periode``."""
    prefixe = {"flux": "present", "entrees": "entree", "sorties": "sortie"}[ensemble]
    return {f"{prefixe}_du": _iso(periode.debut), f"{prefixe}_au": _iso(periode.fin), **extra}


def _url(nom, parametres):
    return f"{reverse(nom)}?{urlencode(parametres)}"


def _url_ou_rien(nom):
    """The address of a page another module may add (the exports), or "" while it does not exist."""
    try:
        return reverse(nom)
    except NoReverseMatch:
        return ""


def _ecart(actuelle, autre, unite=""):
    """``+2``, ``−1,5 pt``, ``=`` (a minus sign, not a hyphen), ``—`` when one side is unknown."""
    if actuelle is None or autre is None:
        return "—"
    difference = actuelle - autre
    if not difference:
        return "="
    return f"{'+' if difference > 0 else '−'}{graphiques.nombre(abs(difference))}{unite}"


def _personnes(n):
    return f"{graphiques.nombre(n)} personne{'s' if n > 1 else ''}"


def lignes_chiffres(tableau, *, lien_participants, lien_budget):
    """The key figures as rows of the comparison table. ``lien_participants(ensemble, periode,
    **filtres)`` and ``lien_budget(periode)`` give the links, or "" when the user may not follow them."""
    trois = [tableau.chiffres, tableau.precedents, tableau.annee_precedente]
    lignes = []
    for code, libelle, attribut, genre, compte, lien in INDICATEURS:
        if code == "cout" and not tableau.complet:
            continue  # a caseload has no budget
        valeurs = []
        for chiffres in trois:
            valeur = getattr(chiffres, attribut)
            url = lien_participants(lien[0], chiffres.periode, **lien[1]) if lien else ""
            if genre == "part":
                texte = "—" if valeur is None else f"{graphiques.nombre(valeur)} %"
                valeurs.append(Valeur(texte, _personnes(getattr(chiffres, compte)), url))
            elif genre == "euros":
                if chiffres.budget is None:
                    valeurs.append(Valeur("budget non saisi", url=lien_budget(chiffres.periode)))
                else:
                    valeurs.append(Valeur("—" if valeur is None else f"{graphiques.nombre(valeur)} €"))
            else:
                valeurs.append(Valeur(graphiques.nombre(valeur), url=url))
        unite = {"part": " pt", "euros": " €"}.get(genre, "")
        actuelle = getattr(tableau.chiffres, attribut)
        lignes.append(
            LigneChiffre(
                code=code,
                libelle=libelle,
                aide=AIDES.get(code, ""),
                valeurs=valeurs,
                ecart_precedente=_ecart(actuelle, getattr(tableau.precedents, attribut), unite),
                ecart_annee=_ecart(actuelle, getattr(tableau.annee_precedente, attribut), unite),
            )
        )
    return lignes


class TableauDeBord(RolePageMixin, TemplateView):
    """Anonymous → login; without the permission (auditeur, chargé de mission, administrateur) → 403."""

    permission_required = PERMISSION_TABLEAU
    template_name = "reporting/tableau.html"
    portefeuilles_par_page = 25

    def _portefeuilles(self, tableau, jour, voit_participants):
        """One page of the référents' caseloads (a region has 1 400), each linked to its list; the
        list's address is built once, not twice per référent."""
        page = Paginator(tableau.portefeuilles, self.portefeuilles_par_page).get_page(self.request.GET.get("page"))
        base = f"{reverse('participants:liste')}?statut=entre&" if voit_participants else ""
        depuis = urlencode({"sans_entretien_depuis": _iso(jour.replace(day=1))})
        page.lignes = [
            {
                "referent": charge,
                "url": f"{base}referent={charge.pk}" if base else "",
                "url_sans_entretien": f"{base}referent={charge.pk}&{depuis}" if base else "",
            }
            for charge in page
        ]
        return page

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        form = PeriodeForm(self.request.GET or None, today=today)
        periode = form.periode()
        tableau = tableau_de_bord(periode, user, recalculer="recalculer" in self.request.GET)
        voit_participants = user.has_perm("participants.view_participant")
        voit_offres = tableau.complet and user.has_perm("offres.view_offre")
        peut_saisir_budget = tableau.complet and user.has_perm("reporting.add_budget")

        def lien_participants(ensemble, periode, **filtres):
            if not voit_participants:
                return ""
            return _url("participants:liste", filtres_participants(ensemble, periode, **filtres))

        def lien_budget(periode):
            return _url("reporting:budget_nouveau", _parametres_periode(periode)) if peut_saisir_budget else ""

        def lien_offres(champ, periode, **filtres):
            if not voit_offres:
                return ""
            return _url(
                "offres:liste", {f"{champ}_du": _iso(periode.debut), f"{champ}_au": _iso(periode.fin), **filtres}
            )

        def mois(premier):
            return Periode.mois(premier.year, premier.month)

        query_string = urlencode(_parametres_periode(periode))
        exports = {nom: _url_ou_rien(f"reporting:tableau_{nom}") for nom in ("xlsx", "pdf")}
        jour_portefeuilles = min(periode.fin, today)
        portefeuilles = self._portefeuilles(tableau, jour_portefeuilles, voit_participants)
        libelle = graphiques.libelle_periode(periode)
        serie = tableau.entrees_sorties_par_mois  # the charts' months: the period, a year at least
        etendue = f"de {graphiques.libelle_mois(serie[0][0])} à {graphiques.libelle_mois(serie[-1][0])}"
        return super().get_context_data(
            form=form,
            # The inputs show what was typed when it is wrong, else the period shown.
            valeur_du=form.data.get("du", "") if form.errors else _iso(periode.debut),
            valeur_au=form.data.get("au", "") if form.errors else _iso(periode.fin),
            tableau=tableau,
            periode=periode,
            libelle_periode=libelle,
            libelle_precedente=graphiques.libelle_periode(tableau.precedents.periode),
            libelle_annee_precedente=graphiques.libelle_periode(tableau.annee_precedente.periode),
            raccourcis=[(nom, f"?{urlencode(_parametres_periode(p))}", p == periode) for nom, p in raccourcis(today)],
            query_string=query_string,
            url_recalculer=f"?{query_string}&recalculer=1",
            url_xlsx=f"{exports['xlsx']}?{query_string}" if exports["xlsx"] else "",
            url_pdf=f"{exports['pdf']}?{query_string}" if exports["pdf"] else "",
            chiffres=lignes_chiffres(tableau, lien_participants=lien_participants, lien_budget=lien_budget),
            url_budgets=reverse("reporting:budgets")
            if tableau.complet and user.has_perm("reporting.view_budget")
            else "",
            graphique_entrees_sorties=graphiques.barres_par_mois(
                tableau.entrees_sorties_par_mois,
                ["Entrées", "Sorties"],
                titre=f"Entrées et sorties par mois, {etendue}",
            ),
            entrees_sorties=[
                {
                    "mois": graphiques.libelle_mois(premier),
                    "entrees": entrees,
                    "sorties": sorties,
                    "url_entrees": lien_participants("entrees", mois(premier)),
                    "url_sorties": lien_participants("sorties", mois(premier)),
                }
                for premier, entrees, sorties in tableau.entrees_sorties_par_mois
            ],
            graphique_motifs=graphiques.barres_horizontales(
                [(label, n, positive) for _code, label, n, positive in tableau.sorties_par_motif],
                titre=f"Sorties par motif, {libelle}",
                libelle_en_avant="Sortie positive",
                libelle_autre="Autre sortie",
            ),
            motifs=[
                {
                    "libelle": label,
                    "nombre": n,
                    "positive": positive,
                    "url": lien_participants("sorties", periode, motif_sortie=code) if n else "",
                }
                for code, label, n, positive in tableau.sorties_par_motif
            ],
            nb_motifs_positifs=len(MotifSortie.positives()),
            debut_mois_portefeuilles=jour_portefeuilles.replace(day=1),
            portefeuilles=portefeuilles,
            query_string_portefeuilles=query_string,
            graphique_offres=graphiques.barres_par_mois(
                tableau.offres_par_mois, LIBELLES_OFFRES, titre=f"Offres et positionnements par mois, {etendue}"
            ),
            offres_par_mois=[
                {
                    "mois": graphiques.libelle_mois(premier),
                    # Offers link to the offers list; positionnements and hires have no list to link to.
                    "cellules": list(
                        zip(
                            valeurs,
                            [
                                lien_offres("collectee", mois(premier)),
                                lien_offres("qualifiee", mois(premier)),
                                lien_offres("diffusee", mois(premier)),
                                "",
                                "",
                            ],
                            strict=True,
                        )
                    ),
                }
                for premier, *valeurs in tableau.offres_par_mois
            ],
            libelles_offres=LIBELLES_OFFRES,
            offres_par_source=[
                {
                    "source": source,
                    "cellules": [
                        (valeurs[0], lien_offres("collectee", periode, source_origine=source.pk)),
                        *((valeur, "") for valeur in valeurs[1:]),
                    ],
                }
                for source, *valeurs in tableau.offres_par_source
            ],
            graphique_besoins=graphiques.barres_horizontales(
                tableau.besoins_formation, titre=f"Besoins de formation exprimés par domaine, {libelle}"
            ),
            **kwargs,
        )


# --- Budgets ------------------------------------------------------------------------------


class BudgetList(RolePageMixin, ListView):
    permission_required = "reporting.view_budget"
    template_name = "reporting/budget_liste.html"
    context_object_name = "budgets"
    paginate_by = 50

    def get_queryset(self):
        return Budget.objects.select_related("saisi_par")

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            peut_ajouter=user.has_perm("reporting.add_budget"),
            peut_modifier=user.has_perm("reporting.change_budget"),
            peut_supprimer=user.has_perm("reporting.delete_budget"),
            **kwargs,
        )


class BudgetCreate(RolePageMixin, FormView):
    permission_required = "reporting.add_budget"
    template_name = "reporting/budget_formulaire.html"
    form_class = BudgetForm

    def get_initial(self):
        # From the dashboard's « budget non saisi » link: the period it showed.
        form = PeriodeForm(self.request.GET, today=timezone.localdate())
        if {"du", "au"} <= set(self.request.GET) and form.is_valid():
            periode = form.periode()
            return {
                "debut": periode.debut,
                "fin": periode.fin,
                "libelle": graphiques.libelle_periode(periode).capitalize(),
            }
        return {}

    def form_valid(self, form):
        form.instance.saisi_par = self.request.user
        budget = form.save()
        messages.success(self.request, f"Budget « {budget.libelle} » enregistré.")
        return redirect("reporting:budgets")

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre="Saisir le budget d'une période", **kwargs)


class BudgetUpdate(RolePageMixin, FormView):
    permission_required = "reporting.change_budget"
    template_name = "reporting/budget_formulaire.html"
    form_class = BudgetForm

    @cached_property
    def budget(self):
        return get_object_or_404(Budget, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.budget}

    def form_valid(self, form):
        form.instance.saisi_par = self.request.user  # who entered the figures now shown
        budget = form.save()
        messages.success(self.request, f"Budget « {budget.libelle} » mis à jour.")
        return redirect("reporting:budgets")

    def get_context_data(self, **kwargs):
        return super().get_context_data(titre=f"Modifier le budget « {self.budget.libelle} »", **kwargs)


class BudgetDelete(RolePageMixin, TemplateView):
    permission_required = "reporting.delete_budget"
    template_name = "reporting/budget_supprimer.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(budget=get_object_or_404(Budget, pk=self.kwargs["pk"]), **kwargs)

    def post(self, request, *args, **kwargs):
        budget = get_object_or_404(Budget, pk=self.kwargs["pk"])
        libelle = budget.libelle
        budget.delete()
        messages.success(request, f"Budget « {libelle} » supprimé.")
        return redirect("reporting:budgets")


urlpatterns = [
    path("tableau-de-bord/", TableauDeBord.as_view(), name="tableau"),
    path("budgets/", BudgetList.as_view(), name="budgets"),
    path("budgets/nouveau/", BudgetCreate.as_view(), name="budget_nouveau"),
    path("budgets/<int:pk>/modifier/", BudgetUpdate.as_view(), name="budget_modifier"),
    path("budgets/<int:pk>/supprimer/", BudgetDelete.as_view(), name="budget_supprimer"),
]
