"""Print the demo accounts, to be shown after ``make run`` or in the README."""

from django.core.management.base import BaseCommand

from plie.demo import DEMO_COMPTES, DEMO_MOT_DE_PASSE


class Command(BaseCommand):
    help = "Affiche l'adresse de l'application et les identifiants des comptes de démonstration."

    def add_arguments(self, parser):
        parser.add_argument(
            "url", nargs="?", default="http://127.0.0.1:8000/", help="Adresse de l'application (défaut : %(default)s)."
        )

    def handle(self, *args, url, **options):
        self.stdout.write(f"Application : {url}")
        for role, email in DEMO_COMPTES:
            self.stdout.write(f"{role.label} : {email} / {DEMO_MOT_DE_PASSE}")
