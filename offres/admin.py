from django.contrib import admin

from .models import DonneeBrute, ExecutionIngestion, Offre, Source


@admin.register(Offre)
class OffreAdmin(admin.ModelAdmin):
    list_display = ["intitule", "employeur", "commune", "type_contrat", "statut", "date_publication"]
    list_filter = ["statut", "type_contrat"]
    search_fields = ["intitule", "employeur"]
    list_select_related = ["commune", "type_contrat"]
    raw_id_fields = ["entreprise"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """Sources and their parameters (communes, distance_km, departement, codes_rome, rome_exclus,
    mots_exclus); secrets stay in the environment (FORMATS.md)."""

    list_display = ["libelle", "nom", "type", "actif"]
    list_filter = ["type", "actif"]
    search_fields = ["nom", "libelle"]
    fields = ["nom", "libelle", "type", "actif", "parametres"]

    AIDE_PARAMETRES = (
        "JSON. France Travail : « communes » (codes INSEE) et « distance_km », ou « departement » ; "
        "« codes_rome » (facultatif). Préfiltres de toutes les sources : « rome_exclus » (codes ou débuts "
        "de codes ROME) et « mots_exclus » (mots de l'intitulé). Les identifiants restent dans l'environnement."
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "parametres" in form.base_fields:
            form.base_fields["parametres"].help_text = self.AIDE_PARAMETRES
        return form


class LectureSeuleAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExecutionIngestion)
class ExecutionIngestionAdmin(LectureSeuleAdmin):
    list_display = [
        "source",
        "debut",
        "fin",
        "statut",
        "recus",
        "nouvelles",
        "mises_a_jour",
        "doublons_fusionnes",
        "ecartees_prefiltre",
        "expirees",
        "erreurs",
    ]
    list_filter = ["statut", "source"]
    list_select_related = ["source"]
    date_hierarchy = "debut"


@admin.register(DonneeBrute)
class DonneeBruteAdmin(LectureSeuleAdmin):
    list_display = ["identifiant_externe", "source", "recue_le", "execution"]
    list_filter = ["source"]
    search_fields = ["identifiant_externe"]
    list_select_related = ["source", "execution__source"]
