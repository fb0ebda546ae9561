"""``import_participants FILE [--skip-invalid]``: the participants workbook of FORMATS.md."""

from django.core.management.base import BaseCommand, CommandError

from participants import classeur


class Command(BaseCommand):
    help = "Importe le classeur des participants (.xlsx, ou .csv d'une feuille) : tout ou rien, sauf --skip-invalid."

    def add_arguments(self, parser):
        parser.add_argument("fichier", metavar="FILE")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Importer les lignes valides et ignorer (en les signalant) les lignes invalides.",
        )

    def handle(self, *args, fichier, skip_invalid, **options):
        try:
            lecture = classeur.lire_classeur(fichier, fichier)
            resultat = classeur.importer(lecture, ignorer_lignes_invalides=skip_invalid)
        except FileNotFoundError as exc:
            raise CommandError(f"Fichier introuvable : {fichier}") from exc
        except classeur.ClasseurRefuse as exc:
            raise CommandError(f"Fichier refusé : {exc}") from exc
        except classeur.ClasseurInvalide as exc:
            for probleme in exc.rapport.avertissements:
                self.stderr.write(f"Avertissement : {probleme}")
            for probleme in exc.problemes:
                self.stderr.write(str(probleme))
            raise CommandError(str(exc)) from exc
        for probleme in resultat.avertissements:
            self.stderr.write(f"Avertissement : {probleme}")
        for probleme in resultat.problemes:
            self.stderr.write(f"Ligne ignorée : {probleme}")
        self.stdout.write(resultat.resume)
