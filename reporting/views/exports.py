"""The dashboard's exports: the same ``TableauDeBord`` as the page (``?du=…&au=…``), as a workbook
(``reporting.exports``) or as a PDF (``reporting/tableau_pdf.html``).

Same permission and scope as the page (a référent's export covers their caseload); a wrong period
sends back to the page, which says why. Each download is logged in the access journal.
"""

import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import View

from plie.models import JournalAcces
from plie.pdf import MENTION_UE, rendre_pdf, reponse_pdf
from plie.views import RolePageMixin

from .. import graphiques
from ..exports import ecrire_tableau_xlsx
from ..forms import PeriodeForm
from ..tableau import PERMISSION_TABLEAU, tableau_de_bord
from .tableau import LIBELLES_OFFRES, lignes_chiffres

TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportTableau(RolePageMixin, View):
    """Anonymous → login; without the permission (auditeur, chargé de mission, administrateur) → 403."""

    permission_required = PERMISSION_TABLEAU
    format_export = ""  # « XLSX », « PDF »

    def get(self, request):
        today = timezone.localdate()
        form = PeriodeForm(request.GET or None, today=today)
        if form.is_bound and not form.is_valid():
            messages.warning(request, "Le fichier n'a pas été produit : la période demandée n'est pas valide.")
            saisie = {nom: request.GET[nom] for nom in ("du", "au") if nom in request.GET}
            return redirect(f"{reverse('reporting:tableau')}?{urlencode(saisie)}")
        periode = form.periode()
        tableau = tableau_de_bord(periode, request.user)
        genere_le = timezone.localtime()
        response = self.reponse(tableau, genere_le)
        JournalAcces.objects.create(
            utilisateur=request.user,
            action=JournalAcces.Action.EXPORT,
            objet_type="tableau_de_bord",
            objet_id=f"{periode.debut:%Y-%m-%d}/{periode.fin:%Y-%m-%d}",
            detail=(
                f"{self.format_export} du tableau de bord, {graphiques.libelle_periode(periode)} "
                f"(du {periode.debut:%d/%m/%Y} au {periode.fin:%d/%m/%Y}) — {tableau.perimetre}"
            )[:250],
        )
        return response

    def auteur(self):
        user = self.request.user
        return user.get_full_name() or user.email

    @staticmethod
    def nom_fichier(periode, extension):
        return f"tableau-de-bord-{periode.debut:%Y%m%d}-{periode.fin:%Y%m%d}.{extension}"


class TableauXlsx(ExportTableau):
    format_export = "XLSX"

    def reponse(self, tableau, genere_le):
        # Spooled: in memory while small, on disk beyond; FileResponse streams it and closes it.
        fichier = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
        ecrire_tableau_xlsx(tableau, fichier, auteur=self.auteur(), genere_le=genere_le)
        fichier.seek(0)
        response = FileResponse(
            fichier, as_attachment=True, filename=self.nom_fichier(tableau.periode, "xlsx"), content_type=TYPE_XLSX
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def contexte_pdf(tableau, *, auteur, genere_le):
    """The PDF's context: the page's key figures (without links) and charts, the tables' rows."""
    periode = tableau.periode
    libelle = graphiques.libelle_periode(periode)
    serie = tableau.entrees_sorties_par_mois
    etendue = f"de {graphiques.libelle_mois(serie[0][0])} à {graphiques.libelle_mois(serie[-1][0])}"
    return {
        "PLIE_NOM": settings.PLIE_NOM,
        "mention_ue": MENTION_UE,
        "auteur": auteur,
        "genere_le": genere_le,
        "tableau": tableau,
        "periode": periode,
        "libelle_periode": libelle,
        "libelle_precedente": graphiques.libelle_periode(tableau.precedents.periode),
        "libelle_annee_precedente": graphiques.libelle_periode(tableau.annee_precedente.periode),
        "chiffres": lignes_chiffres(tableau, lien_participants=lambda *args, **kwargs: "", lien_budget=lambda p: ""),
        "graphique_entrees_sorties": graphiques.barres_par_mois(
            serie, ["Entrées", "Sorties"], titre=f"Entrées et sorties par mois, {etendue}"
        ),
        "entrees_sorties": [(graphiques.libelle_mois(m), e, s) for m, e, s in serie],
        "graphique_motifs": graphiques.barres_horizontales(
            [(label, n, positive) for _code, label, n, positive in tableau.sorties_par_motif],
            titre=f"Sorties par motif, {libelle}",
            libelle_en_avant="Sortie positive",
            libelle_autre="Autre sortie",
        ),
        "debut_mois_portefeuilles": min(periode.fin, genere_le.date()).replace(day=1),
        "graphique_offres": graphiques.barres_par_mois(
            tableau.offres_par_mois, LIBELLES_OFFRES, titre=f"Offres et positionnements par mois, {etendue}"
        ),
        "offres_par_mois": [(graphiques.libelle_mois(m), valeurs) for m, *valeurs in tableau.offres_par_mois],
        "libelles_offres": LIBELLES_OFFRES,
        "offres_par_source": [(source, valeurs) for source, *valeurs in tableau.offres_par_source],
        "graphique_besoins": graphiques.barres_horizontales(
            tableau.besoins_formation, titre=f"Besoins de formation exprimés par domaine, {libelle}"
        ),
    }


class TableauPdf(ExportTableau):
    format_export = "PDF"

    def reponse(self, tableau, genere_le):
        contenu = rendre_pdf(
            "reporting/tableau_pdf.html",
            contexte_pdf(tableau, auteur=self.auteur(), genere_le=genere_le),
            request=self.request,
        )
        return reponse_pdf(contenu, self.nom_fichier(tableau.periode, "pdf"), telechargement=True)


urlpatterns = [
    path("tableau-de-bord.xlsx", TableauXlsx.as_view(), name="tableau_xlsx"),
    path("tableau-de-bord.pdf", TableauPdf.as_view(), name="tableau_pdf"),
]
