"""The business sectors the binômes share (by NAF prefix), and the normalised names and sectors
of the companies already in the file."""

from django.db import migrations

SECTEURS = [
    ("agriculture-espaces-verts", "Agriculture, espaces verts", "01,02,03,81.3"),
    ("industrie-agroalimentaire", "Industrie agroalimentaire", "10,11"),
    ("industrie", "Industrie", "13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33"),
    ("btp", "Bâtiment et travaux publics", "41,42,43"),
    ("commerce", "Commerce et réparation automobile", "45,46,47"),
    ("transport-logistique", "Transport et logistique", "49,50,51,52,53"),
    ("hotellerie-restauration", "Hôtellerie et restauration", "55,56"),
    ("services-entreprises", "Services aux entreprises", "62,63,69,70,71,73,74,77,82"),
    ("interim", "Intérim et agences d'emploi", "78"),
    ("securite", "Sécurité", "80"),
    ("proprete", "Propreté", "81.2"),
    ("public-enseignement", "Administration et enseignement", "84,85"),
    ("sante-aide-personne", "Santé, médico-social et aide à la personne", "86,87,88"),
    ("associations-services", "Associations et services à la population", "90,91,93,94,95,96,97"),
]


def creer(apps, schema_editor):
    from entreprises.rules import normaliser_nom, secteur_pour_naf

    SecteurActivite = apps.get_model("entreprises", "SecteurActivite")
    Entreprise = apps.get_model("entreprises", "Entreprise")
    for code, libelle, prefixes in SECTEURS:
        SecteurActivite.objects.get_or_create(code=code, defaults={"libelle": libelle, "prefixes_naf": prefixes})

    class Lu:
        def __init__(self, secteur):
            self.secteur = secteur

        def prefixes(self):
            return [p for p in self.secteur.prefixes_naf.split(",") if p]

    secteurs = [Lu(s) for s in SecteurActivite.objects.all()]
    for entreprise in Entreprise.objects.all().iterator():
        entreprise.nom_normalise = normaliser_nom(entreprise.nom)
        trouve = secteur_pour_naf(entreprise.code_naf, secteurs)
        entreprise.secteur_activite = trouve.secteur if trouve else None
        entreprise.save(update_fields=["nom_normalise", "secteur_activite"])


class Migration(migrations.Migration):
    dependencies = [("entreprises", "0002_fichier_entreprises_evenements_actions")]

    operations = [migrations.RunPython(creer, migrations.RunPython.noop)]
