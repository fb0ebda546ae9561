"""The participant's right of access (an archive of their data) and the information notice."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from plie.pdf import MENTION_UE, rendre_pdf, reponse_pdf

from . import acces
from .views import ParticipantMixin


class DroitAccesArchive(ParticipantMixin, View):
    """The ZIP of everything held about one participant (RGPD art. 15).

    Whoever may open the participant's file may answer the request: their référent, the
    coordinatrice, the administrateur (the same people who export the participants workbook);
    another référent gets a 404, other roles a 403. Each download is logged.
    """

    permission_required = "participants.view_participant"

    def get(self, request, pk):
        # Logged first, within the request's transaction: the archive lists its own production.
        acces.journaliser_export(participant=self.participant, par=request.user)
        fichier, nom = acces.archive_droit_acces(participant=self.participant, par=request.user)
        response = FileResponse(fichier, as_attachment=True, filename=nom, content_type="application/zip")
        response["Cache-Control"] = "private, no-store"
        return response


class NoticeInformation(LoginRequiredMixin, TemplateView):
    """The information notice handed to participants (RGPD art. 13): no personal data, any staff."""

    template_name = "participants/notice_information.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**acces.contexte_notice(), **kwargs)


class NoticeInformationPdf(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        contexte = {
            **acces.contexte_notice(),
            "auteur": user.get_full_name() or user.email,
            "genere_le": timezone.localtime(),
            "mention_ue": MENTION_UE,
        }
        contenu = rendre_pdf("participants/notice_information_pdf.html", contexte, request=request)
        return reponse_pdf(contenu, "notice-information-participants.pdf")
