"""Partner workbooks of offers (XLSX/CSV): reading, column mapping, the connector, and the three
upload pages of the chargé(e) de mission."""

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from offres.enums import OriginePartenaire, StatutExecution, StatutOffre, TypeSource
from offres.ingestion import classeur
from offres.ingestion.base import ErreurConfiguration, connecteur_pour, planifiable
from offres.ingestion.run import ingerer
from offres.models import DonneeBrute, ExecutionIngestion, LienSource, Offre, Source
from plie.roles import Role
from tests.offres.test_ingestion import (  # noqa: F401  (fixtures)
    MAINTENANT,
    faux_serveur,
    lancer,
    offres_enregistrees,
    source,
)

ENTETES = ["Réf.", "Intitulé du poste", "Entreprise", "Ville", "Contrat", "Heures hebdo", "Date de publication"]
LIGNES = [
    ["A-1", "Maçon VRD (H/F)", "Batipro", "Chenôve", "CDD 6 mois", 35, datetime(2026, 11, 20)],
    ["A-2", "Préparateur de commandes", "Logi'Sud", "21800 Quetigny", "Intérim", "24h30", "21/11/2026"],
    ["A-3", "Agent de propreté", "Net'Services", "Beaune", "CDDI", "26", ""],
]


def xlsx(lignes, *, avant=0):
    classeur_ = openpyxl.Workbook()
    feuille = classeur_.active
    for _ in range(avant):
        feuille.append([])
    for ligne in lignes:
        feuille.append(ligne)
    sortie = io.BytesIO()
    classeur_.save(sortie)
    return sortie.getvalue()


def csv_octets(lignes, *, separateur=";", encodage="utf-8"):
    return "\r\n".join(separateur.join(str(v) for v in ligne) for ligne in lignes).encode(encodage)


def _fichier(donnees, nom="offres.xlsx"):
    return SimpleUploadedFile(nom, donnees)


@pytest.fixture
def partenaire(db):
    return Source.objects.create(
        nom="interim-plus",
        libelle="Intérim Plus Dijon",
        type=TypeSource.CLASSEUR_PARTENAIRE,
        parametres={"origine": OriginePartenaire.INTERIM},
    )


@pytest.fixture
def stockage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _fichiers_en_attente(stockage):
    dossier = stockage / "imports" / "classeurs-partenaires"
    return list(dossier.iterdir()) if dossier.exists() else []


def _connecteur(lignes, colonnes=None, **kwargs):
    entetes, lues = classeur.lire(xlsx(lignes), "offres.xlsx")
    essai = Source(nom="essai", libelle="Essai", type=TypeSource.CLASSEUR_PARTENAIRE)
    colonnes = colonnes or classeur.deviner_correspondance(entetes)
    return classeur.ConnecteurClasseur(essai, lignes=lues, colonnes=colonnes, maintenant=MAINTENANT, **kwargs), lues


# --- Reading the file ------------------------------------------------------------------------


def test_lire_xlsx_premiere_feuille_entetes_et_lignes_json(settings):
    entetes, lignes = classeur.lire(xlsx([ENTETES, LIGNES[0], [None] * 7, LIGNES[1]], avant=2), "offres.xlsx")
    assert entetes == ENTETES
    assert [ligne["_ligne"] for ligne in lignes] == [4, 6]  # the blank lines before and between are skipped
    assert lignes[0]["Date de publication"] == "2026-11-20"
    assert lignes[0]["Heures hebdo"] == 35
    assert lignes[1]["Ville"] == "21800 Quetigny"
    json.dumps(lignes)  # the raw payloads are stored as JSON


@pytest.mark.parametrize("separateur", [";", ","])
def test_lire_csv_detecte_le_separateur_et_le_bom(separateur):
    donnees = "\ufeff" + "\r\n".join(
        [separateur.join(["Poste", "Ville", "Contrat"]), separateur.join(["Maçon", "Chenôve", "CDI"])]
    )
    entetes, lignes = classeur.lire(donnees.encode("utf-8"), "offres.csv")
    assert entetes == ["Poste", "Ville", "Contrat"]
    assert lignes == [{"Poste": "Maçon", "Ville": "Chenôve", "Contrat": "CDI", "_ligne": 2}]


def test_lire_csv_windows_1252():
    donnees = csv_octets(
        [["Intitulé", "Employeur"], ["Électricien bâtiment", "Société Générale d'Élec"]], encodage="cp1252"
    )
    entetes, lignes = classeur.lire(donnees, "offres.csv")
    assert entetes == ["Intitulé", "Employeur"]
    assert lignes[0]["Intitulé"] == "Électricien bâtiment"
    assert lignes[0]["Employeur"] == "Société Générale d'Élec"


@pytest.mark.parametrize(
    ("donnees", "nom", "message"),
    [
        (b"", "offres.csv", "Le fichier est vide."),
        (b"\r\n ; ;\r\n", "offres.csv", "aucune ligne d'en-têtes"),
        (b"Poste;Ville\r\n", "offres.csv", "aucune offre sous sa ligne d'en-têtes"),
        (
            b"Poste;Ville;poste\r\nMa;Dijon;x\r\n",
            "offres.csv",
            "Deux colonnes portent le même en-tête « Poste » et « poste »",
        ),
        (b"pas un zip", "offres.xlsx", "n'est pas un classeur Excel .xlsx"),
        (b"PK\x03\x04abime", "offres.xlsx", "endommagé"),
        (b"Poste\r\nMa\r\n", "offres.xls", "Format non pris en charge « .xls »"),
        (xlsx([["Poste"], ["Maçon"]]), "offres.csv", "n'est pas un fichier texte .csv"),
    ],
)
def test_lire_refuse_un_fichier_illisible_en_francais(donnees, nom, message):
    with pytest.raises(classeur.ClasseurRefuse, match=message):
        classeur.lire(donnees, nom)


def test_lire_refuse_trop_de_lignes_et_trop_gros(settings):
    settings.PLIE_CLASSEUR_PARTENAIRE_LIGNES_MAX = 2
    with pytest.raises(classeur.ClasseurRefuse, match="plus de 2 lignes d'offres"):
        classeur.lire(xlsx([ENTETES, *LIGNES]), "offres.xlsx")
    assert len(classeur.lire(xlsx([ENTETES, *LIGNES[:2]]), "offres.xlsx")[1]) == 2
    settings.PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX = 10
    with pytest.raises(classeur.ClasseurRefuse, match="taille maximale"):
        classeur.lire(b"Poste\r\nMa\xe7on\r\n", "offres.csv")


# --- Column mapping ----------------------------------------------------------------------------


def test_deviner_correspondance_depuis_les_entetes_usuels():
    entetes = [
        "N° d'offre",
        "Libellé",
        "Description du poste",
        "Client",
        "N° SIRET",
        "Lieu de travail",
        "Type de contrat",
        "Durée du contrat (mois)",
        "Durée hebdomadaire de travail",
        "Horaires",
        "Rémunération",
        "Code ROME",
        "Nb de postes",
        "Date",
        "Date de début",
        "URL",
        "Remarques internes",
    ]
    assert classeur.deviner_correspondance(entetes) == {
        "reference": "N° d'offre",
        "intitule": "Libellé",
        "description": "Description du poste",
        "employeur": "Client",
        "siret": "N° SIRET",
        "commune": "Lieu de travail",
        "type_contrat": "Type de contrat",
        "duree_mois": "Durée du contrat (mois)",
        "heures_hebdo": "Durée hebdomadaire de travail",
        "horaires": "Horaires",
        "salaire": "Rémunération",
        "code_rome": "Code ROME",
        "nb_postes": "Nb de postes",
        "date_publication": "Date",
        "lien": "URL",
    }
    assert classeur.deviner_correspondance(["Poste", "Ville", "Contrat"]) == {
        "intitule": "Poste",
        "commune": "Ville",
        "type_contrat": "Contrat",
    }
    # "Date de début" is no publication date; a header is never given to two fields.
    assert classeur.deviner_correspondance(["Date de début", "Intitulé", "Poste"]) == {"intitule": "Intitulé"}


def test_correspondance_initiale_reprend_la_correspondance_enregistree_puis_devine():
    enregistree = {"intitule": "Job", "employeur": "Boîte", "commune": "Colonne disparue"}
    initiale = classeur.correspondance_initiale(["Ville", "Boîte", "Job", "Contrat"], enregistree)
    assert initiale == {"intitule": "Job", "employeur": "Boîte", "commune": "Ville", "type_contrat": "Contrat"}


# --- The connector -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_normaliser_correspondances_contrat_commune_et_dates():
    connecteur, lignes = _connecteur([ENTETES, *LIGNES])
    macon, preparateur, proprete = (connecteur.normaliser(ligne) for ligne in lignes)
    assert (macon.intitule, macon.employeur, macon.identifiant_externe) == ("Maçon VRD (H/F)", "Batipro", "A-1")
    assert (macon.code_commune_insee, macon.lieu_travail) == ("21166", "")  # by name
    assert (macon.type_contrat_code, macon.nature_contrat_code, macon.duree_mois) == ("CDD", "", 6)
    assert (macon.heures_hebdo, macon.date_publication) == (Decimal("35.0"), date(2026, 11, 20))
    assert preparateur.code_commune_insee == "21515"  # Quetigny by name, though 21800 is shared
    assert (preparateur.type_contrat_code, preparateur.heures_hebdo) == ("MIS", Decimal("24.5"))
    assert preparateur.date_publication == date(2026, 11, 21)
    assert (proprete.code_commune_insee, proprete.lieu_travail) == ("", "Beaune")  # outside the territory
    assert (proprete.type_contrat_code, proprete.nature_contrat_code) == ("DDI", "I1")
    assert proprete.date_publication == MAINTENANT.date()  # no date: the upload's


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("texte", "codes"),
    [
        ("CDI", ("CDI", "")),
        ("Mission d'intérim", ("MIS", "")),
        ("CDI intérimaire", ("DIN", "")),
        ("CTTI", ("TTI", "")),
        ("Contrat d'apprentissage", ("", "E2")),
        ("Contrat de professionnalisation", ("", "FS")),
        ("PEC", ("", "FT")),
        ("CUI-CIE", ("", "FU")),
        ("Saisonnier", ("SAI", "")),
    ],
)
def test_types_de_contrat_des_partenaires(texte, codes):
    connecteur, lignes = _connecteur([["Poste", "Contrat"], ["Agent", texte]])
    brouillon = connecteur.normaliser(lignes[0])
    assert (brouillon.type_contrat_code, brouillon.nature_contrat_code) == codes


@pytest.mark.django_db
def test_communes_par_code_postal_ou_insee():
    connecteur, lignes = _connecteur([["Poste", "CP"], ["Agent", 21240], ["Agent", "21231"], ["Agent", "21121"]])
    assert [connecteur.normaliser(ligne).code_commune_insee for ligne in lignes] == ["21617", "21231", ""]
    assert connecteur.normaliser(lignes[2]).lieu_travail == "21121"  # shared by four communes: kept as text


@pytest.mark.django_db
def test_erreurs_nommees_par_ligne_et_colonne():
    connecteur, lignes = _connecteur(
        [
            ["Poste", "Heures", "Date", "SIRET", "Contrat", "Code ROME", "Lien", "Nombre de postes"],
            ["Maçon", "beaucoup", "32/13/2026", "", "", "", "", ""],
            ["", "35", "", "", "", "", "", ""],
            ["Peintre", "60", "", "123", "Stage", "K22", "pas une adresse", "deux"],
        ]
    )
    with pytest.raises(ValueError) as erreur:
        connecteur.normaliser(lignes[0])
    assert str(erreur.value) == (
        "Ligne 2, colonne « Heures » : heures hebdomadaires illisibles « beaucoup » (attendu un nombre, ex. 35 ou 24,5) ; "
        "colonne « Date » : date illisible « 32/13/2026 » (attendu JJ/MM/AAAA)."
    )
    with pytest.raises(ValueError, match=r"^Ligne 3, colonne « Poste » : intitulé absent\.$"):
        connecteur.normaliser(lignes[1])
    with pytest.raises(ValueError) as erreur:
        connecteur.normaliser(lignes[2])
    message = str(erreur.value)
    assert message.startswith("Ligne 4, colonne « Heures » : heures hebdomadaires hors limites « 60 » (de 1 à 48)")
    for attendu in (
        "colonne « SIRET » : SIRET invalide « 123 »",
        "colonne « Contrat » : type de contrat inconnu « Stage »",
        "colonne « Code ROME » : code ROME invalide « K22 »",
        "colonne « Lien » : lien invalide « pas une adresse »",
        "colonne « Nombre de postes » : nombre de postes illisible « deux »",
    ):
        assert attendu in message
    assert set(connecteur.verifier()) == {2, 3, 4}


@pytest.mark.django_db
def test_identifiant_reference_sinon_empreinte_stable():
    connecteur, lignes = _connecteur([ENTETES, LIGNES[0], ["", *LIGNES[0][1:]]])
    assert connecteur.identifiant(lignes[0]) == "A-1"
    empreinte = connecteur.identifiant(lignes[1])
    assert len(empreinte) == 40
    # The same offer written differently (case, accents, spaces, (H/F)) keeps its identifier.
    autre = {**lignes[1], "Intitulé du poste": "MACON  VRD", "Entreprise": "batipro", "Ville": "chenove"}
    assert connecteur.identifiant(autre) == empreinte
    assert connecteur.identifiant({**autre, "Contrat": "CDI"}) != empreinte


@pytest.mark.django_db
def test_pages_de_500_et_ingestion_directe(partenaire):
    lignes_fichier = [["Poste", "Entreprise"], *([f"Poste {n}", f"Employeur {n}"] for n in range(1203))]
    entetes, lignes = classeur.lire(xlsx(lignes_fichier), "gros.xlsx")
    connecteur = classeur.ConnecteurClasseur(
        partenaire, lignes=lignes, colonnes={"intitule": "Poste", "employeur": "Entreprise"}, maintenant=MAINTENANT
    )
    assert [len(page) for page in connecteur.pages(None)] == [500, 500, 203]
    execution = ingerer(partenaire, connecteur=connecteur, maintenant=MAINTENANT)
    assert (execution.statut, execution.recus, execution.nouvelles) == (StatutExecution.REUSSIE, 1203, 1203)
    brute = DonneeBrute.objects.filter(execution=execution).order_by("id").first()
    assert brute.contenu == {"Poste": "Poste 0", "Entreprise": "Employeur 0", "_ligne": 2}


# --- Scheduling ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_une_source_classeur_n_est_pas_planifiable(partenaire):
    france_travail = Source.objects.get(nom="france-travail")
    saisie = Source.objects.get(nom="saisie")
    assert not planifiable(partenaire)
    assert planifiable(france_travail)
    assert not planifiable(saisie)
    message = "La source « interim-plus » se lit par dépôt d'un classeur, pas par une exécution planifiée."
    with pytest.raises(ErreurConfiguration, match=message):
        connecteur_pour(partenaire)
    with pytest.raises(ErreurConfiguration, match=message):
        ingerer(partenaire)
    assert not ExecutionIngestion.objects.exists()


# --- The pages -----------------------------------------------------------------------------------


def _deposer(client, donnees, nom="offres.xlsx", **champs):
    return client.post(reverse("offres:classeur_depot"), {"fichier": _fichier(donnees, nom), **champs})


def _confirmer(client, correspondance, action="importer"):
    donnees = {cle: correspondance.get(cle, "") for cle in (champ.cle for champ in classeur.CHAMPS)}
    return client.post(reverse("offres:classeur_colonnes"), {**donnees, action: "1"})


@pytest.mark.django_db
def test_depot_correspondance_devinee_import_et_resultat(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    assert client.get(reverse("offres:classeur_depot")).status_code == 200
    reponse = _deposer(client, xlsx([ENTETES, *LIGNES]), source=partenaire.pk)
    assert reponse.status_code == 302 and reponse.url == reverse("offres:classeur_colonnes")
    assert len(_fichiers_en_attente(stockage)) == 1
    assert not Offre.objects.exists()

    page = client.get(reverse("offres:classeur_colonnes"))
    assert page.status_code == 200
    correspondance = page.context["form"].correspondance()
    assert correspondance == {
        "reference": "Réf.",
        "intitule": "Intitulé du poste",
        "employeur": "Entreprise",
        "commune": "Ville",
        "type_contrat": "Contrat",
        "heures_hebdo": "Heures hebdo",
        "date_publication": "Date de publication",
    }
    html = page.content.decode()
    assert '<option value="Intitulé du poste" selected>Intitulé du poste</option>' in html
    assert "<td>Préparateur de commandes</td>" in html and "<td>20/11/2026</td>" in html
    assert "Toutes les lignes sont lisibles." in html

    reponse = _confirmer(client, correspondance)
    execution = ExecutionIngestion.objects.get(source=partenaire)
    assert reponse.status_code == 302 and reponse.url == reverse("offres:classeur_resultat", args=[execution.pk])
    assert (execution.statut, execution.recus, execution.nouvelles) == (StatutExecution.REUSSIE, 3, 3)
    assert execution.parametres["fichier"] == "offres.xlsx"
    offres = Offre.objects.order_by("intitule")
    assert [o.statut for o in offres] == [StatutOffre.COLLECTEE] * 3
    assert {lien.source_id for lien in LienSource.objects.all()} == {partenaire.pk}
    macon = Offre.objects.get(liens__identifiant_externe="A-1")
    assert (macon.commune.insee, macon.type_contrat.code, macon.duree_mois) == ("21166", "CDD", 6)
    assert Offre.objects.get(liens__identifiant_externe="A-2").type_contrat.code == "INTERIM"
    assert Offre.objects.get(liens__identifiant_externe="A-3").type_contrat.code == "ACI"
    partenaire.refresh_from_db()
    assert partenaire.parametres == {"origine": "interim", "colonnes": correspondance}
    assert _fichiers_en_attente(stockage) == []  # the stored file is deleted once imported
    assert "classeur_partenaire" not in client.session

    resultat = client.get(reponse.url).content.decode()
    assert "Classeur importé : offres.xlsx" in resultat
    assert 'Nouvelles offres</dt><dd class="col-sm-7">3</dd>' in resultat
    assert 'Doublons fusionnés (offres déjà connues)</dt><dd class="col-sm-7">0</dd>' in resultat
    assert reverse("offres:file") in resultat and reverse("offres:sources") in resultat
    # The upload cannot be confirmed twice.
    reponse = _confirmer(client, correspondance)
    assert reponse.url == reverse("offres:classeur_depot")
    assert ExecutionIngestion.objects.count() == 1


@pytest.mark.django_db
def test_reimporter_le_meme_fichier_ne_cree_rien(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    sans_reference = [ENTETES[1:], *(ligne[1:] for ligne in LIGNES)]
    for _ in range(2):
        _deposer(client, xlsx(sans_reference), source=partenaire.pk)
        _confirmer(client, client.get(reverse("offres:classeur_colonnes")).context["form"].correspondance())
    premiere, seconde = ExecutionIngestion.objects.order_by("debut", "id")
    assert premiere.nouvelles == 3
    assert (seconde.recus, seconde.nouvelles, seconde.mises_a_jour, seconde.doublons_fusionnes) == (3, 0, 0, 0)
    assert Offre.objects.count() == 3 and LienSource.objects.count() == 3


@pytest.mark.django_db
def test_la_correspondance_enregistree_preremplit_le_depot_suivant(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    _deposer(
        client,
        csv_octets([["Job", "Boîte", "Commune"], ["Cariste", "Transports Bourgogne", "Dijon"]], separateur=","),
        "offres.csv",
        source=partenaire.pk,
    )
    devinee = client.get(reverse("offres:classeur_colonnes")).context["form"].correspondance()
    assert devinee == {"commune": "Commune"}  # "Job" and "Boîte" mean nothing to the guess
    _confirmer(client, {"intitule": "Job", "employeur": "Boîte", "commune": "Commune"})
    assert Offre.objects.get().employeur == "Transports Bourgogne"

    reordonne = csv_octets(
        [["Commune", "Remarque", "Boîte", "Job"], ["Longvic", "urgent", "Dijon Céréales", "Magasinier"]]
    )
    _deposer(client, reordonne, "offres-decembre.csv", source=partenaire.pk)
    page = client.get(reverse("offres:classeur_colonnes"))
    assert page.context["form"].correspondance() == {"intitule": "Job", "employeur": "Boîte", "commune": "Commune"}
    assert '<option value="Job" selected>Job</option>' in page.content.decode()


@pytest.mark.django_db
def test_nouveau_partenaire_cree_a_la_confirmation(client_as, stockage):
    client = client_as(Role.CHARGE_MISSION)
    Source.objects.create(nom="france-travail-2", libelle="Autre", type=TypeSource.FLUX)
    donnees = {"libelle": "France Travail", "origine": OriginePartenaire.FRANCE_TRAVAIL}
    _deposer(client, xlsx([["Poste"], ["Agent"]]), **donnees)
    page = client.get(reverse("offres:classeur_colonnes")).content.decode()
    assert "nouveau partenaire, créé à l'import" in page
    assert not Source.objects.filter(type=TypeSource.CLASSEUR_PARTENAIRE).exists()
    _confirmer(client, {"intitule": "Poste"})
    creee = Source.objects.get(type=TypeSource.CLASSEUR_PARTENAIRE)
    assert (creee.nom, creee.libelle, creee.actif) == ("france-travail-3", "France Travail", True)
    assert creee.parametres == {"origine": "france_travail", "colonnes": {"intitule": "Poste"}}
    # The next upload chooses it in the list; creating it again is refused.
    page = _deposer(client, xlsx([["Poste"], ["Agent"]]), libelle="france travail", origine="interim")
    assert escape("Ce partenaire existe déjà : choisissez-le dans la liste.") in page.content.decode()


@pytest.mark.django_db
def test_doublon_d_une_offre_france_travail(client_as, faux_serveur, source, partenaire, stockage):  # noqa: F811
    faux_serveur.offres = offres_enregistrees()
    lancer(source)
    nb_offres = Offre.objects.count()
    client = client_as(Role.CHARGE_MISSION)
    ligne = ["Agent d'entretien des espaces verts", "Id Verde", "Dijon", "CDD", "21/11/2026"]
    _deposer(client, xlsx([["Poste", "Employeur", "Ville", "Contrat", "Date"], ligne]), source=partenaire.pk)
    _confirmer(client, client.get(reverse("offres:classeur_colonnes")).context["form"].correspondance())
    execution = ExecutionIngestion.objects.get(source=partenaire)
    assert (execution.nouvelles, execution.doublons_fusionnes) == (0, 1)
    assert Offre.objects.count() == nb_offres
    offre = LienSource.objects.get(identifiant_externe="201KXPL").offre
    assert sorted(offre.liens.values_list("source__nom", flat=True)) == ["france-travail", "interim-plus"]


@pytest.mark.django_db
def test_lignes_en_erreur_annoncees_puis_ignorees(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    lignes = [["Poste", "Heures", "Date"], ["Maçon", "35", ""], ["", "35", ""], ["Peintre", "beaucoup", "hier"]]
    _deposer(client, xlsx(lignes), source=partenaire.pk)
    page = client.get(reverse("offres:classeur_colonnes")).content.decode()
    assert "2 lignes sur 3 ne pourront pas être importées" in page
    assert escape("Ligne 3, colonne « Poste » : intitulé absent.") in page
    _confirmer(client, {"intitule": "Poste", "heures_hebdo": "Heures", "date_publication": "Date"})
    execution = ExecutionIngestion.objects.get(source=partenaire)
    assert (execution.statut, execution.nouvelles, execution.erreurs) == (StatutExecution.PARTIELLE, 1, 2)
    resultat = client.get(reverse("offres:classeur_resultat", args=[execution.pk])).content.decode()
    assert "Lignes non importées" in resultat
    assert escape("Ligne 4, colonne « Heures » : heures hebdomadaires illisibles « beaucoup »") in resultat


@pytest.mark.django_db
def test_correspondance_invalide_refusee_sans_rien_ecrire(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    _deposer(client, xlsx([["Poste", "Entreprise"], ["<script>alert(1)</script>", "ACME"]]), source=partenaire.pk)
    page = _confirmer(client, {"employeur": "Entreprise"}).content.decode()
    assert escape("Choisissez la colonne qui contient l'intitulé du poste : il est obligatoire.") in page
    page = _confirmer(client, {"intitule": "Poste", "employeur": "Poste"}).content.decode()
    assert escape("La colonne « Poste » est associée à plusieurs champs (Intitulé du poste, Employeur)") in page
    assert "<script>alert(1)</script>" not in page and escape("<script>alert(1)</script>") in page
    # "Actualiser l'aperçu" shows the chosen mapping without importing.
    page = _confirmer(client, {"intitule": "Entreprise"}, action="apercu")
    assert page.status_code == 200 and "<td>ACME</td>" in page.content.decode()
    assert not ExecutionIngestion.objects.exists() and not Offre.objects.exists()
    partenaire.refresh_from_db()
    assert "colonnes" not in partenaire.parametres
    assert len(_fichiers_en_attente(stockage)) == 1


@pytest.mark.django_db
def test_abandon_et_nouveau_depot_suppriment_le_fichier_en_attente(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    _deposer(client, xlsx([["Poste"], ["Agent"]]), source=partenaire.pk)
    premier = _fichiers_en_attente(stockage)
    _deposer(client, xlsx([["Poste"], ["Cariste"]]), source=partenaire.pk)
    second = _fichiers_en_attente(stockage)
    assert len(second) == 1 and second != premier
    assert "attend encore la correspondance" in client.get(reverse("offres:classeur_depot")).content.decode()
    reponse = client.post(reverse("offres:classeur_colonnes"), {"abandonner": "1"})
    assert reponse.url == reverse("offres:classeur_depot")
    assert _fichiers_en_attente(stockage) == []
    assert client.get(reverse("offres:classeur_colonnes")).url == reverse("offres:classeur_depot")


@pytest.mark.django_db
def test_fichiers_abandonnes_depuis_plus_d_un_jour_purges(client_as, partenaire, stockage):
    import os

    client = client_as(Role.CHARGE_MISSION)
    dossier = stockage / "imports" / "classeurs-partenaires"
    dossier.mkdir(parents=True)
    vieux = dossier / "ancien.xlsx"
    vieux.write_bytes(b"x")
    il_y_a_deux_jours = (datetime.now() - timedelta(days=2)).timestamp()
    os.utime(vieux, (il_y_a_deux_jours, il_y_a_deux_jours))
    _deposer(client, xlsx([["Poste"], ["Agent"]]), source=partenaire.pk)
    assert not vieux.exists() and len(_fichiers_en_attente(stockage)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("donnees", "nom", "reglages", "message"),
    [
        (
            b"Poste;Ville\r\nAgent;Dijon\r\n" * 10,
            "offres.csv",
            {"PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX": 100},
            "Le fichier dépasse la taille maximale autorisée",
        ),
        (b"Poste\r\nAgent\r\n", "offres.ods", {}, "Déposez un classeur .xlsx ou un fichier .csv"),
        (b"", "offres.csv", {}, "Le fichier soumis est vide."),
        (b"\r\n\r\n", "offres.csv", {}, "Le fichier ne contient aucune ligne d'en-têtes"),
        (b"pas un zip", "offres.xlsx", {}, "Le fichier n'est pas un classeur Excel .xlsx"),
    ],
)
def test_fichier_refuse_message_et_rien_d_ecrit(
    client_as, partenaire, stockage, settings, donnees, nom, reglages, message
):
    for nom_reglage, valeur in reglages.items():
        setattr(settings, nom_reglage, valeur)
    client = client_as(Role.CHARGE_MISSION)
    page = _deposer(client, donnees, nom, source=partenaire.pk)
    assert page.status_code == 200
    assert escape(message) in page.content.decode()
    assert _fichiers_en_attente(stockage) == [] and "classeur_partenaire" not in client.session
    assert not ExecutionIngestion.objects.exists()


@pytest.mark.django_db
def test_depot_sans_partenaire_ou_nouveau_incomplet(client_as, partenaire, stockage):
    client = client_as(Role.CHARGE_MISSION)
    page = _deposer(client, xlsx([["Poste"], ["Agent"]])).content.decode()
    assert escape("Choisissez le partenaire qui a envoyé le classeur") in page
    page = _deposer(client, xlsx([["Poste"], ["Agent"]]), libelle="Agence Nouvelle").content.decode()
    assert "Indiquez le type du nouveau partenaire." in page
    page = _deposer(
        client, xlsx([["Poste"], ["Agent"]]), source=partenaire.pk, libelle="Agence Nouvelle"
    ).content.decode()
    assert "pas les deux" in page
    assert _fichiers_en_attente(stockage) == []
    assert Source.objects.filter(type=TypeSource.CLASSEUR_PARTENAIRE).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.COORDINATRICE, Role.AUDITEUR_FSE])
def test_pages_reservees_au_charge_de_mission(client_as, role, partenaire):
    execution = ExecutionIngestion.objects.create(source=partenaire, debut=MAINTENANT)
    client = client_as(role)
    for url in (
        reverse("offres:classeur_depot"),
        reverse("offres:classeur_colonnes"),
        reverse("offres:classeur_resultat", args=[execution.pk]),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("offres:classeur_depot"), {}).status_code == 403


@pytest.mark.django_db
def test_visiteur_anonyme_renvoye_a_la_connexion(client, partenaire):
    execution = ExecutionIngestion.objects.create(source=partenaire, debut=MAINTENANT)
    for url in (
        reverse("offres:classeur_depot"),
        reverse("offres:classeur_colonnes"),
        reverse("offres:classeur_resultat", args=[execution.pk]),
    ):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse.url.startswith(reverse("connexion"))


@pytest.mark.django_db
def test_resultat_seulement_pour_une_execution_de_classeur(client_as, partenaire):
    client = client_as(Role.CHARGE_MISSION)
    autre = ExecutionIngestion.objects.create(source=Source.objects.get(nom="france-travail"), debut=MAINTENANT)
    assert client.get(reverse("offres:classeur_resultat", args=[autre.pk])).status_code == 404
    execution = ExecutionIngestion.objects.create(source=partenaire, debut=MAINTENANT)
    assert client.get(reverse("offres:classeur_resultat", args=[execution.pk])).status_code == 200


@pytest.mark.django_db
def test_la_tache_de_nuit_et_la_commande_laissent_les_classeurs_de_cote(partenaire):
    from unittest import mock

    from offres.tasks import ingerer_sources

    assert partenaire.actif
    with mock.patch("offres.tasks.ingerer_source.delay") as delay:
        assert ingerer_sources() == ["france-travail"]
    assert [appel.args[0] for appel in delay.call_args_list] == [Source.objects.get(nom="france-travail").pk]
