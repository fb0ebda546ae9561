"""``apply_retention [--dry-run]``: the retention policy now, with a report of counts (no names)."""

from django.core.management.base import BaseCommand

from participants import retention


class Command(BaseCommand):
    help = (
        "Applique la politique de conservation : anonymise les participants dont la base active et "
        "l'archivage FSE+ sont échus, purge les entrées anciennes des journaux."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            dest="simulation",
            help="Compte ce qui serait fait, sans rien écrire.",
        )

    def handle(self, *args, simulation, **options):
        politique = retention.Politique.depuis_settings()
        self.stdout.write(
            f"Base active : {politique.base_active_mois} mois après le dernier contact ; "
            f"journaux : {politique.journaux_mois} mois ; archivage FSE+ : {self._archivage(politique)}."
        )
        bilan = retention.appliquer(simulation=simulation, politique=politique, progression=self._progression)
        for ligne in bilan.lignes():
            self.stdout.write(ligne)

    def _progression(self, fait, total):
        self.stdout.write(f"… {fait} / {total} dossier(s) hors de la base active examiné(s)")

    @staticmethod
    def _archivage(politique):
        if politique.archivage_fse_jusqu_au is not None:
            return f"jusqu'au {politique.archivage_fse_jusqu_au:%d/%m/%Y}"
        if politique.archivage_fse_ans_apres_sortie:
            return f"jusqu'au 31 décembre de la {politique.archivage_fse_ans_apres_sortie}e année après la sortie"
        return "aucun"
