from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plie.models import MetierRome
from plie.referentiels import FichierRomeInvalide, charger_metiers_rome


class Command(BaseCommand):
    help = "Charge ou met à jour les codes ROME depuis le fichier CSV officiel (colonnes code_rome, libelle_rome)."

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)

    def handle(self, *args, fichier, **options):
        try:
            text = fichier.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{fichier} : lecture impossible ({error}).") from error
        try:
            with transaction.atomic():  # all or nothing
                created, updated = charger_metiers_rome(MetierRome, text)
        except FichierRomeInvalide as error:
            raise CommandError(f"{fichier}, {error}") from error
        self.stdout.write(
            f"Codes ROME : {created} créés, {updated} mis à jour ({MetierRome.objects.count()} au total)."
        )
