"""``monthly_report AAAA-MM OUT.pdf [--salarie EMAIL]``: a chargé(e) de mission's monthly activity
report, rendered by the same service as the pages (the report row is kept), written to OUT.pdf."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from plie.models import User
from plie.roles import Role
from reporting import services
from reporting.models import RapportMensuel
from reporting.rapport_mensuel import de_mois


class Command(BaseCommand):
    help = (
        "Génère le rapport mensuel d'activité d'un(e) chargé(e) de mission pour un mois terminé et "
        "l'écrit dans un fichier PDF."
    )

    def add_arguments(self, parser):
        parser.add_argument("mois", metavar="AAAA-MM", help="Le mois rapporté, par exemple 2025-03.")
        parser.add_argument("sortie", metavar="OUT.pdf")
        parser.add_argument(
            "--salarie",
            metavar="EMAIL",
            help="L'adresse du ou de la chargé(e) de mission ; facultative s'il n'y en a qu'un(e) d'actif(ve).",
        )

    def handle(self, *args, mois, sortie, salarie, **options):
        try:
            mois = services.mois_verifier(services.mois_lire(mois))
        except ValidationError as erreur:
            raise CommandError(" ".join(erreur.messages)) from erreur
        if not sortie.lower().endswith(".pdf"):
            raise CommandError("Le fichier de sortie doit avoir l'extension .pdf.")
        chemin = Path(sortie)
        if not chemin.parent.is_dir():
            raise CommandError(f"Le dossier de sortie n'existe pas : {chemin.parent}")
        personne = self._salarie(salarie)

        def progression(pourcentage, etape):
            if options["verbosity"] > 1:
                self.stdout.write(f"  {pourcentage:>3} % — {etape}")

        rapport = services.rapport_obtenir(salarie=personne, mois=mois)
        rapport = services.generer(rapport, progression)
        if rapport.statut != RapportMensuel.Statut.PRET:
            raise CommandError(rapport.erreur or "La génération du PDF a échoué.")
        try:
            with rapport.fichier.open("rb") as fichier:
                chemin.write_bytes(fichier.read())
        except OSError as exc:
            raise CommandError(f"Écriture impossible de {sortie} : {exc}") from exc
        self.stdout.write(
            f"Rapport {de_mois(mois)} — {services.nom(personne)} écrit dans {chemin} "
            f"(rendu en {rapport.duree_rendu:.2f} s)."
        )

    def _salarie(self, email):
        if email:
            personne = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
            if personne is None:
                raise CommandError(f"Aucun compte actif avec l'adresse « {email} ».")
            if Role.CHARGE_MISSION not in personne.roles:
                raise CommandError(f"{services.nom(personne)} n'est pas chargé(e) de mission emploi-formation.")
            return personne
        charges = list(services.charges_de_mission())
        if not charges:
            raise CommandError("Aucun(e) chargé(e) de mission actif(ve) : précisez --salarie EMAIL.")
        if len(charges) > 1:
            adresses = ", ".join(c.email for c in charges)
            raise CommandError(f"Plusieurs chargé(e)s de mission actif(ve)s ({adresses}) : précisez --salarie EMAIL.")
        return charges[0]
