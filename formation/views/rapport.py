"""The capitalisation report for the Région (issue 7): the page, its PDF and its XLSX workbook,
all three from ``formation.rapport.calculer`` over the period of ``?debut=…&fin=…``.

For the chargé(e) de mission and the coordinatrice only: the référent reads the needs of their
caseload, not the territory's figures. The documents sent to the Région carry aggregated data
only; the page shows the uncovered needs with the participants' names to whoever follows them.
"""

import tempfile

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.views.generic import TemplateView, View

from plie.pdf import rendre_pdf, reponse_pdf
from plie.views import RolePageMixin

from .. import rapport

TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RapportMixin(RolePageMixin):
    """Anonymous → login; without the permission (a référent, the auditeur) → 403."""

    permission_required = "formation.voir_rapport_region"

    def periode(self):
        if not hasattr(self, "_periode"):
            self._periode, self.erreur_periode = rapport.periode_demandee(self.request.GET, timezone.localdate())
        return self._periode

    def auteur(self):
        user = self.request.user
        return user.get_full_name() or user.email

    def nom_fichier(self, extension):
        periode = self.periode()
        return f"rapport-region-{periode.debut:%Y%m%d}-{periode.fin:%Y%m%d}.{extension}"

    def query_string(self):
        periode = self.periode()
        return f"debut={periode.debut:%Y-%m-%d}&fin={periode.fin:%Y-%m-%d}"


class Rapport(RapportMixin, TemplateView):
    template_name = "formation/rapport.html"

    def get_context_data(self, **kwargs):
        periode = self.periode()
        return super().get_context_data(
            rapport=rapport.calculer(periode, avec_noms=True),
            erreur_periode=self.erreur_periode,
            query_string=self.query_string(),
            methode=rapport.METHODE,
            **kwargs,
        )


class RapportPdf(RapportMixin, View):
    def get(self, request):
        contenu = rendre_pdf(
            "formation/rapport_pdf.html",
            {
                "PLIE_NOM": settings.PLIE_NOM,
                "rapport": rapport.calculer(self.periode(), avec_noms=False),
                "auteur": self.auteur(),
                "genere_le": timezone.localtime(),
                "mention_ue": rapport.MENTION_UE,
                "methode": rapport.METHODE,
            },
            request=request,
        )
        return reponse_pdf(contenu, self.nom_fichier("pdf"))


class RapportXlsx(RapportMixin, View):
    def get(self, request):
        fichier = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        rapport.ecrire_xlsx(
            rapport.calculer(self.periode(), avec_noms=False, limite=None),
            fichier,
            auteur=self.auteur(),
            genere_le=timezone.localtime(),
        )
        fichier.seek(0)
        response = FileResponse(fichier, as_attachment=True, filename=self.nom_fichier("xlsx"), content_type=TYPE_XLSX)
        response["Cache-Control"] = "private, no-store"
        return response
