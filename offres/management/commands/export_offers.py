"""``export_offers OUT.xlsx [--status S]``: every offer with its sources and status (FORMATS.md)."""

from django.core.management.base import BaseCommand, CommandError

from offres.enums import StatutOffre
from offres.export import ecrire_offres
from offres.models import Offre


class Command(BaseCommand):
    help = "Exporte les offres (une ligne par offre dédoublonnée, avec toutes ses sources) dans un classeur .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("sortie", metavar="OUT.xlsx")
        parser.add_argument(
            "--status",
            metavar="S",
            help=f"N'exporter que les offres de ce statut ({', '.join(StatutOffre.values)}).",
        )

    def handle(self, *args, sortie, status, **options):
        if not sortie.lower().endswith(".xlsx"):
            raise CommandError("Le fichier de sortie doit avoir l'extension .xlsx.")
        offres = Offre.objects.order_by("id")
        if status:
            if status not in StatutOffre.values:
                raise CommandError(f"Statut inconnu « {status} » : choisissez parmi {', '.join(StatutOffre.values)}.")
            offres = offres.filter(statut=status)
        try:
            nombre = ecrire_offres(offres, sortie)
        except OSError as exc:
            raise CommandError(f"Écriture impossible de {sortie} : {exc}") from exc
        perimetre = f"statut « {StatutOffre(status).label.lower()} »" if status else "tous statuts"
        self.stdout.write(f"Export terminé : {nombre} offre(s) écrite(s) dans {sortie} ({perimetre}).")
