"""Pages of the participants' FSE data: the form on each participant, the common indicators of a
period, the list of what is missing, and the XLSX export for the funder.

Who reads what: the coordination and the auditor (``exporter_donnees_fse``) read every
participant's data; a référent reads and records the data of their caseload. Writing needs
``participants.selectors.peut_modifier`` (the participant's référent, the coordinatrice): the
auditor reads the form, never posts it.
"""

import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from participants.selectors import participants_visibles, peut_modifier, peut_voir_sensible
from participants.services import journaliser_lecture_sensible
from plie.models import JournalAcces
from plie.views import RolePageMixin

from . import exports, rules, selectors, services
from .forms import CHAMPS_ENTREE_FSE, CHAMPS_SORTIE_FSE, CHAMPS_SUIVI_FSE, DonneesFseForm, PeriodeForm

PERMISSION_LIRE = "fse.view_donneesfseparticipant"
PERMISSION_MODIFIER = "fse.change_donneesfseparticipant"
PERMISSION_EXPORTER = "fse.exporter_donnees_fse"
PAR_PAGE = 50
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _peut_ecrire(user, participant):
    return user.has_perm(PERMISSION_MODIFIER) and peut_modifier(user, participant)


# --- The participant's FSE data ----------------------------------------------------------------


class DonneesParticipant(RolePageMixin, TemplateView):
    permission_required = PERMISSION_LIRE
    template_name = "fse/donnees_participant.html"

    def dispatch(self, request, *args, **kwargs):
        # Role first (login or 403), then the caseload (404), then the right to write (403).
        if not request.user.is_authenticated or not self.has_permission():
            return self.handle_no_permission()
        self.participant = get_object_or_404(
            selectors.participants_lisibles(request.user).select_related(
                "commune", "quartier_prioritaire", "niveau_formation", "referent", "donnees_fse__modifie_par"
            ),
            pk=kwargs["pk"],
        )
        self.peut_ecrire = _peut_ecrire(request.user, self.participant)
        if request.method not in ("GET", "HEAD") and not self.peut_ecrire:
            raise PermissionDenied("Seuls le référent du participant et la coordinatrice modifient ses données FSE.")
        self.aujourd_hui = timezone.localdate()
        self.donnees = getattr(self.participant, "donnees_fse", None)
        return super().dispatch(request, *args, **kwargs)

    def champs(self):
        """The entry facts always; the result once the participant has left; the follow-up once due."""
        champs = list(CHAMPS_ENTREE_FSE)
        sortie = self.participant.date_sortie
        if sortie is not None:
            champs += CHAMPS_SORTIE_FSE
            if self.aujourd_hui >= rules.echeance_suivi(sortie):
                champs += CHAMPS_SUIVI_FSE
        return champs

    def initial(self, champs):
        initial = {champ: getattr(self.donnees, champ) for champ in champs} if self.donnees else {}
        self.suggestion = False
        if "resultat_constate_le" in champs and not self._resultat_saisi():
            initial.update(services.resultat_suggere(self.participant.motif_sortie))
            self.suggestion = True
        return initial

    def _resultat_saisi(self):
        d = self.donnees
        return d is not None and (
            d.resultat_constate_le is not None
            or any([d.en_recherche_emploi, d.en_formation, d.qualification_obtenue, d.en_emploi])
        )

    def form(self, data=None):
        champs = self.champs()
        return DonneesFseForm(data, champs=champs, initial=self.initial(champs), lecture_seule=not self.peut_ecrire)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.donnees_fse_enregistrer(self.participant, request.user, **form.cleaned_data)
            except ValidationError as erreur:
                for champ, textes in erreur.message_dict.items():
                    form.add_error(champ if champ in form.fields else None, textes)
            else:
                messages.success(request, "Données FSE enregistrées.")
                return redirect("fse:donnees_participant", pk=self.participant.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        participant, user = self.participant, self.request.user
        faits = selectors.faits(participant)
        voit_sensible = peut_voir_sensible(user, participant)
        if voit_sensible:
            journaliser_lecture_sensible(utilisateur=user, participant=participant)
        sortie = participant.date_sortie
        contexte = {
            "participant": participant,
            "donnees": self.donnees,
            "peut_ecrire": self.peut_ecrire,
            "peut_modifier_fiche": user.has_perm("participants.change_participant")
            and peut_modifier(user, participant),
            "voit_fiche": user.has_perm("participants.view_participant")
            and participants_visibles(user).filter(pk=participant.pk).exists(),
            "voit_sensible": voit_sensible,
            "manques": rules.donnees_manquantes(faits, self.aujourd_hui),
            "tranche_age": rules.tranche_age(faits.date_naissance, faits.date_entree)[1] if faits.date_entree else "",
            "age": rules.age_au(faits.date_naissance, faits.date_entree) if faits.date_entree else None,
            "tranche_cite": rules.tranche_cite(faits.isced)[1] if faits.isced is not None else None,
            "isced": faits.isced,
            "suggestion": self.suggestion,
            "limite_resultat": rules.limite_resultat_sortie(sortie) if sortie else None,
            "resultat_valable": rules.resultat_valable(faits),
            "echeance_suivi": rules.echeance_suivi(sortie) if sortie else None,
            "suivi_du": sortie is not None and self.aujourd_hui >= rules.echeance_suivi(sortie),
            "aujourd_hui": self.aujourd_hui,
        }
        return super().get_context_data(**contexte, **kwargs)


# --- Period pages ----------------------------------------------------------------------------


class PeriodeMixin:
    """The period of ``?du=…&au=…`` (default: the current calendar year to date)."""

    def lire_periode(self):
        self.aujourd_hui = timezone.localdate()
        params = self.request.GET
        donnees = params if ("du" in params or "au" in params) else None
        self.form_periode = PeriodeForm(donnees, aujourd_hui=self.aujourd_hui)
        if self.form_periode.is_bound and not self.form_periode.is_valid():
            self.periode = None
            return None
        self.periode = self.form_periode.periode()
        return self.periode

    def query_string(self):
        if self.periode is None:
            return ""
        du, au = self.periode
        return urlencode({"du": du.isoformat(), "au": au.isoformat()})


class Indicateurs(RolePageMixin, PeriodeMixin, TemplateView):
    permission_required = PERMISSION_EXPORTER
    template_name = "fse/indicateurs.html"

    def get_context_data(self, **kwargs):
        contexte = {"form": None, "tableaux": [], "nb_incomplets": None}
        if self.lire_periode() is not None:
            du, au = self.periode
            tableaux = selectors.indicateurs(du, au)
            contexte["tableaux"] = [
                {
                    "titre": titre,
                    "definition": definition,
                    "lignes": [(libelle, nombre, exports.regle(code)) for code, libelle, nombre in lignes],
                }
                for (titre, definition), lignes in zip(exports.TABLEAUX, tableaux, strict=True)
            ]
            contexte["nb_incomplets"] = len(selectors.incomplets(du, au, self.aujourd_hui))
        contexte.update(form=self.form_periode, periode=self.periode, query_string=self.query_string())
        return super().get_context_data(**contexte, **kwargs)


class DonneesIncompletes(RolePageMixin, PeriodeMixin, TemplateView):
    """For the coordination and the auditor, everyone; for a référent, their caseload."""

    template_name = "fse/donnees_incompletes.html"

    def has_permission(self):
        user = self.request.user
        return user.has_perm(PERMISSION_EXPORTER) or user.has_perm(PERMISSION_MODIFIER)

    def get_context_data(self, **kwargs):
        user = self.request.user
        contexte = {"page_obj": None, "lignes": [], "tous": user.has_perm(PERMISSION_EXPORTER)}
        if self.lire_periode() is not None:
            du, au = self.periode
            restriction = None if contexte["tous"] else participants_visibles(user)
            page = Paginator(selectors.incomplets(du, au, self.aujourd_hui, restriction), PAR_PAGE).get_page(
                self.request.GET.get("page")
            )
            contexte["page_obj"] = page
            contexte["lignes"] = [
                {"participant": participant, "manques": manques, "lien": _peut_ecrire(user, participant)}
                for participant, manques in page.object_list
            ]
        contexte.update(form=self.form_periode, periode=self.periode, query_string=self.query_string())
        return super().get_context_data(**contexte, **kwargs)


class DonneesExport(RolePageMixin, PeriodeMixin, View):
    """The workbook of the period; each download is logged (it names every participant)."""

    permission_required = PERMISSION_EXPORTER

    def get(self, request):
        if self.lire_periode() is None:
            messages.error(request, "Période invalide : corrigez-la avant de télécharger.")
            return redirect(reverse("fse:indicateurs") + "?" + request.GET.urlencode())
        du, au = self.periode
        fichier = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        nombre = exports.ecrire_donnees_participants(fichier, du, au, self.aujourd_hui)
        JournalAcces.objects.create(
            utilisateur=request.user,
            action=JournalAcces.Action.EXPORT,
            objet_type="donnees_fse",
            detail=f"Données FSE des participants du {du:%d/%m/%Y} au {au:%d/%m/%Y} : {nombre} participant(s)",
        )
        fichier.seek(0)
        response = FileResponse(
            fichier,
            as_attachment=True,
            filename=f"donnees-fse-{du:%Y%m%d}-{au:%Y%m%d}.xlsx",
            content_type=TYPE_XLSX,
        )
        response["Cache-Control"] = "private, no-store"
        return response
