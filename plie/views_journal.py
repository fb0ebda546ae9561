"""The administrateur's page « Journal »: the changes made to the records, and the sensitive reads
and exports, newest first, filtered by person, object, action and period."""

from django.apps import apps
from django.views.generic import ListView

from .audit import MASQUE, types_audites
from .filters import JournalAccesFilter, JournalModificationFilter
from .models import JournalAcces, JournalModification
from .pagination import PaginateurPlafonne
from .roles import Role
from .views import RolePageMixin

ONGLETS = {
    "modifications": (JournalModification, JournalModificationFilter),
    "acces": (JournalAcces, JournalAccesFilter),
}


def _libelles_champs():
    """{objet_type: {field name: verbose name}} of the audited models (no query)."""
    libelles = {}
    for objet_type, _label in types_audites():
        modele = apps.get_model(objet_type)
        champs = [*modele._meta.concrete_fields, *modele._meta.many_to_many]
        libelles[objet_type] = {champ.name: champ.verbose_name for champ in champs}
    return libelles


def _valeur(valeur):
    if valeur is None or valeur == "":
        return "—"
    if valeur is True:
        return "oui"
    if valeur is False:
        return "non"
    if isinstance(valeur, list):  # the labels of a many-to-many field, the reasons of an exit
        return ", ".join(map(str, valeur)) or "—"
    return str(valeur)


class Journal(RolePageMixin, ListView):
    permission_required = Role.ADMINISTRATEUR.start_permission
    template_name = "plie/journal.html"
    context_object_name = "entrees"
    paginate_by = 50
    paginator_class = PaginateurPlafonne

    def get_queryset(self):
        self.onglet = self.request.GET.get("onglet")
        if self.onglet not in ONGLETS:
            self.onglet = "modifications"
        modele, classe_filtre = ONGLETS[self.onglet]
        donnees = self.request.GET.copy()
        donnees.pop("onglet", None)
        donnees.pop("page", None)
        self.filterset = classe_filtre(donnees or None, queryset=modele.objects.select_related("utilisateur"))
        filtre = self.filterset.is_bound and self.filterset.is_valid()
        queryset = self.filterset.qs if filtre else self.filterset.queryset
        return queryset.order_by("-horodatage", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter=self.filterset, onglet=self.onglet, **kwargs)
        if self.onglet == "modifications":
            types = dict(types_audites())
            libelles = _libelles_champs()
            for entree in context["entrees"]:
                entree.type_libelle = types.get(entree.objet_type, entree.objet_type)
                noms = libelles.get(entree.objet_type, {})
                entree.changements = [
                    (noms.get(nom, nom), _valeur(avant), _valeur(apres), MASQUE in (avant, apres))
                    for nom, (avant, apres) in entree.champs.items()
                ]
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context
