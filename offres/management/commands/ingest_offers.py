"""``ingest_offers [--source NAME]``: one ingestion run per active source, or of the named one,
as the nightly task does (FORMATS.md)."""

from django.core.management.base import BaseCommand, CommandError

from offres.enums import StatutExecution
from offres.ingestion.base import ErreurConfiguration, planifiable
from offres.ingestion.run import ingerer, resume
from offres.models import Source


class Command(BaseCommand):
    help = "Ingère les offres d'emploi des sources actives (ou de la source nommée), comme la tâche de nuit."

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="NAME", help="Nom court de la source, ex. france-travail.")
        parser.add_argument(
            "--complet",
            action="store_true",
            help="Relire toute la fenêtre par défaut de la source, pas seulement depuis la dernière exécution réussie.",
        )

    def handle(self, *args, source=None, complet=False, **options):
        if source:
            try:
                sources = [Source.objects.get(nom=source)]
            except Source.DoesNotExist:
                noms = ", ".join(Source.objects.order_by("nom").values_list("nom", flat=True)) or "aucune"
                raise CommandError(f"Source inconnue « {source} » (sources existantes : {noms}).") from None
        else:
            sources = [s for s in Source.objects.filter(actif=True).order_by("nom") if planifiable(s)]
            if not sources:
                self.stdout.write("Aucune source active à ingérer.")
                return
        echecs = []
        for item in sources:
            try:
                execution = ingerer(item, complet=complet)
            except ErreurConfiguration as exc:
                echecs.append(f"{item.nom} ({exc})")
                continue
            self.stdout.write(resume(execution))
            if execution.statut == StatutExecution.ECHOUEE:
                for detail in execution.detail_erreurs[:5]:
                    self.stderr.write(f"  {detail}")
                echecs.append(item.nom)
        if echecs:
            raise CommandError(f"Ingestion en échec pour : {' ; '.join(echecs)}.")
