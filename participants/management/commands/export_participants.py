"""``export_participants OUT.xlsx [--as-of AAAA-MM-JJ]``: the workbook with the computed verdicts."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from participants import classeur
from participants.models import Participant


def _date(texte):
    try:
        return date.fromisoformat(texte)
    except ValueError as exc:
        raise CommandError(f"Date illisible « {texte} » (attendu AAAA-MM-JJ).") from exc


class Command(BaseCommand):
    help = "Exporte tous les participants et leurs situations, avec les verdicts calculés à une date."

    def add_arguments(self, parser):
        parser.add_argument("sortie", metavar="OUT.xlsx")
        parser.add_argument(
            "--as-of", dest="as_of", metavar="AAAA-MM-JJ", help="Date des verdicts (défaut : aujourd'hui)."
        )

    def handle(self, *args, sortie, as_of, **options):
        if not sortie.lower().endswith(".xlsx"):
            raise CommandError("Le fichier de sortie doit avoir l'extension .xlsx.")
        jour = _date(as_of) if as_of else timezone.localdate()
        try:
            nombre = classeur.exporter(Participant.objects.all(), sortie, as_of=jour)
        except OSError as exc:
            raise CommandError(f"Écriture impossible de {sortie} : {exc}") from exc
        self.stdout.write(
            f"Export terminé : {nombre} participant(s) écrit(s) dans {sortie}, verdicts au {jour:%d/%m/%Y}."
        )
