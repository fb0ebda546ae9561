"""``export_csf --from AAAA-MM-JJ --to AAAA-MM-JJ [--salarie EMAIL] OUT_DIR``: the contrôle de
service fait pack of a period, written as ``OUT_DIR/pack-csf-<du>-<au>[-<nom>].zip`` by the same
code as the pages (``fse.csf.ecrire_pack``)."""

import datetime
import hashlib
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fse import csf
from plie.models import User

ARGUMENTS = {"du": "--from", "au": "--to"}


def _date(texte, argument):
    if not texte:
        raise CommandError(f"{argument} est obligatoire : une date au format AAAA-MM-JJ.")
    try:
        return datetime.date.fromisoformat(texte)
    except ValueError as exc:
        raise CommandError(f"{argument} : date illisible « {texte} » (attendu AAAA-MM-JJ).") from exc


class Command(BaseCommand):
    help = (
        "Écrit le pack de contrôle de service fait d'une période (agendas, feuilles d'émargement, "
        "données FSE des participants, manifeste SHA-256) dans un fichier ZIP du dossier OUT_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("sortie", metavar="OUT_DIR", help="Dossier de sortie (créé s'il n'existe pas).")
        parser.add_argument("--from", dest="debut", metavar="AAAA-MM-JJ", help="Premier jour de la période.")
        parser.add_argument("--to", dest="fin", metavar="AAAA-MM-JJ", help="Dernier jour de la période.")
        parser.add_argument(
            "--salarie", metavar="EMAIL", help="Adresse e-mail du salarié ; toute l'opération si absent."
        )

    def handle(self, *args, sortie, debut, fin, salarie, **options):
        debut, fin = _date(debut, "--from"), _date(fin, "--to")
        for champ, message in csf.problemes_periode(debut, fin, timezone.localdate()):
            raise CommandError(f"{ARGUMENTS[champ]} : {message}")
        personne = None
        if salarie:
            personne = User.objects.filter(email__iexact=salarie.strip()).first()
            if personne is None:
                raise CommandError(f"--salarie : aucun compte n'a l'adresse « {salarie} ».")

        dossier = Path(sortie)
        try:
            dossier.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"OUT_DIR : impossible de créer le dossier {dossier} : {exc}") from exc
        chemin = dossier / csf.nom_archive(debut, fin, personne)
        # Written beside the target, then renamed: no half archive is left if anything fails.
        descripteur, temporaire = tempfile.mkstemp(dir=dossier, prefix=".pack-csf-", suffix=".zip.part")
        try:
            with os.fdopen(descripteur, "w+b") as flux:
                resume = csf.ecrire_pack(flux, debut, fin, personne, genere_par="la commande export_csf")
                flux.seek(0)
                empreinte = hashlib.sha256()
                for bloc in iter(lambda: flux.read(1024 * 1024), b""):
                    empreinte.update(bloc)
            os.replace(temporaire, chemin)
        except BaseException:
            Path(temporaire).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Pack écrit : {chemin}")
        self.stdout.write(f"{resume.nb_fichiers} fichiers dans l'archive (manifeste compris).")
        self.stdout.write(f"SHA-256 de l'archive : {empreinte.hexdigest()}")
