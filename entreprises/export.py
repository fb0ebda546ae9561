"""The company file as an XLSX workbook, for the list's export button.

Constant memory: a write-only workbook, companies read in chunks of 2 000 with their contacts
prefetched chunk by chunk. Only the contacts who agreed to be contacted appear, and only to a
role that reads contacts (RGPD: the others' names, phones and e-mails never leave the app).
Every text goes through ``plie.tableur.neutraliser`` and is written as a string cell, never a
formula. A second sheet carries the EU/FSE mention, the author, the time and the filters.
"""

from django.db.models import Prefetch
from django.utils import timezone

from plie.tableur import neutraliser

from .models import Contact

FEUILLE = "Entreprises"
FEUILLE_INFORMATIONS = "Informations"
COLONNES = [
    "Nom",
    "SIRET",
    "Code NAF",
    "Activité",
    "Secteur",
    "Binôme",
    "Taille",
    "Adresse",
    "Commune",
    "Code INSEE",
    "Site web",
    "Relation",
    "Dernier contact",
    "Offres ouvertes",
    "Besoins ouverts",
    "Prérequis et attentes",
]
COLONNE_CONTACTS = "Contacts (ayant consenti)"
FORMAT_DATE = "DD/MM/YYYY"
MENTION_FSE = "Opération cofinancée par l'Union européenne (Fonds social européen)."


def _oui_non(valeur):
    return "oui" if valeur else "non"


def _contact(contact):
    return " – ".join(filter(None, [str(contact), contact.fonction, contact.telephone, contact.email]))


def ligne(entreprise, avec_contacts):
    """The values of one company's row, in the order of ``COLONNES`` (and its contacts last)."""
    secteur = entreprise.secteur_activite
    binome = secteur.binome if secteur is not None else None
    valeurs = [
        entreprise.nom,
        entreprise.siret,
        entreprise.code_naf,
        entreprise.secteur,
        secteur.libelle if secteur is not None else "",
        str(binome) if binome is not None else "",
        entreprise.get_taille_display(),
        entreprise.adresse,
        entreprise.commune.nom if entreprise.commune_id else "",
        entreprise.commune.insee if entreprise.commune_id else "",
        entreprise.site_web,
        entreprise.get_statut_relation_display(),
        entreprise.dernier_contact_le,
        _oui_non(entreprise.a_offres_ouvertes),
        _oui_non(entreprise.a_besoins_ouverts),
        entreprise.prerequis,
    ]
    if avec_contacts:
        valeurs.append(" | ".join(_contact(contact) for contact in entreprise.contacts_consentants))
    return valeurs


def ecrire_entreprises(queryset, fichier, *, avec_contacts, auteur, filtres=""):
    """Write the companies of ``queryset`` (from ``selectors.entreprises_liste``, in its order) to
    ``fichier``; returns the number of companies written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet(FEUILLE)

    def rangee(valeurs, cible=feuille):
        cellules = []
        for valeur in valeurs:
            cellule = WriteOnlyCell(cible, value=neutraliser(valeur))
            if isinstance(valeur, str):
                cellule.data_type = "s"  # always a string cell, never a formula
            elif hasattr(valeur, "isoformat"):
                cellule.number_format = FORMAT_DATE
            cellules.append(cellule)
        return cellules

    feuille.append(rangee(COLONNES + ([COLONNE_CONTACTS] if avec_contacts else [])))
    entreprises = queryset
    if avec_contacts:
        entreprises = entreprises.prefetch_related(
            Prefetch(
                "contacts",
                queryset=Contact.objects.filter(consentement=True, actif=True).order_by("nom", "prenom", "pk"),
                to_attr="contacts_consentants",
            )
        )
    nombre = 0
    for entreprise in entreprises.iterator(chunk_size=2000):
        feuille.append(rangee(ligne(entreprise, avec_contacts)))
        nombre += 1

    informations = classeur.create_sheet(FEUILLE_INFORMATIONS)
    for valeurs in (
        ["Fichier des entreprises du PLIE"],
        [MENTION_FSE],
        ["Généré le", timezone.localtime().strftime("%d/%m/%Y à %H:%M")],
        ["Par", auteur.get_full_name() or auteur.email],
        ["Filtres", filtres or "aucun"],
        ["Entreprises", nombre],
    ):
        informations.append(rangee(valeurs, informations))
    classeur.save(fichier)
    return nombre
