"""The training fields the PLIE reports to the Région, with the ROME prefixes of the jobs they lead
to (to match needs expressed as a target job). Their Formacode codes are entered by the PLIE in the
admin, from the Formacode version the Région uses."""

from django.db import migrations

DOMAINES = [
    ("transport-logistique", "Transport, manutention, magasinage", "N1,N4"),
    ("batiment-tp", "Bâtiment, travaux publics", "F1,F2"),
    ("hotellerie-restauration", "Hôtellerie, restauration, tourisme", "G1"),
    ("commerce-vente", "Commerce, vente, distribution", "D1"),
    ("sante-social", "Santé, action sociale, aide à la personne", "J1,K12,K13"),
    ("proprete", "Propreté, hygiène, entretien", "K22"),
    ("industrie", "Industrie, production, maintenance", "H,I1,I16"),
    ("agriculture-espaces-verts", "Agriculture, espaces verts", "A1"),
    ("securite", "Sécurité, prévention", "K25"),
    ("administratif-numerique", "Secrétariat, gestion, numérique", "M1,M16,E1"),
    ("savoirs-de-base", "Savoirs de base, compétences clés (CléA)", ""),
    ("langues", "Langues, français langue étrangère", ""),
    ("permis-conduite", "Permis de conduire, mobilité", ""),
    ("creation-entreprise", "Création d'entreprise", ""),
]


def creer(apps, schema_editor):
    DomaineFormation = apps.get_model("formation", "DomaineFormation")
    for code, libelle, rome in DOMAINES:
        DomaineFormation.objects.get_or_create(code=code, defaults={"libelle": libelle, "prefixes_rome": rome})


class Migration(migrations.Migration):
    dependencies = [("formation", "0001_besoins_organismes_sessions")]

    operations = [migrations.RunPython(creer, migrations.RunPython.noop)]
