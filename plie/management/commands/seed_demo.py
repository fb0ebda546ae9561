"""Load the realistic demo data of the PLIE (see ``plie.demo``)."""

from django.core.management.base import BaseCommand, CommandError

from plie.demo import DemoInvalide, charger_donnees_demo


def _nombre(n):
    return f"{n:,}".replace(",", "\u202f")


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration (comptes, participants, entreprises, offres). "
        "Relancer avec les mêmes options ne change rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Multiplie le volume de participants, d'entreprises et d'offres (défaut : 1).",
        )
        parser.add_argument("--seed", type=int, default=0, help="Graine du tirage aléatoire (défaut : 0).")

    def handle(self, *args, scale, seed, **options):
        try:
            stats = charger_donnees_demo(scale=scale, seed=seed)
        except DemoInvalide as exc:
            raise CommandError(str(exc)) from exc
        etat = "chargées" if stats["recharge"] else "déjà à jour"
        self.stdout.write(
            f"Données de démonstration {etat} : {stats['comptes']} comptes, "
            f"{_nombre(stats['participants'])} participants ({_nombre(stats['en_accompagnement'])} en accompagnement, "
            f"{_nombre(stats['candidats'])} candidats, {_nombre(stats['sortis'])} sortis), "
            f"{_nombre(stats['entreprises'])} entreprises, {_nombre(stats['offres'])} offres "
            f"(en {stats['duree_s']:.1f} s).".replace(".", ",", 1)
        )
