"""The offers workbook (FORMATS.md, "Offers export"), shared by the list's XLSX button and the
``export_offers`` command.

Constant memory: a write-only workbook, offers read in chunks of 2 000 with their source links
prefetched chunk by chunk. A text cell that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading apostrophe, and
always as a string cell.
"""

from django.db.models import Prefetch

from plie.tableur import neutraliser

from .models import LienSource

FEUILLE = "offres"
COLONNES = [
    "identifiant",
    "intitule",
    "employeur",
    "commune_insee",
    "type_contrat",
    "code_rome",
    "statut",
    "date_publication",
    "nb_sources",
    "sources",
    # The qualification checklist (RULES §4) and what the chargé(e) de mission decided.
    "date_expiration",
    "nb_postes",
    "duree_mois",
    "heures_hebdo",
    "horaires",
    "salaire",
    "lieu_travail",
    "sans_diplome",
    "experience_requise",
    "permis_requis",
    "vehicule_requis",
    "desserte_transports",
    "notes_qualification",
    "motif_ecart",
    "commentaire_ecart",
]
FORMAT_DATE = "DD/MM/YYYY"


def _booleen(valeur):
    return "" if valeur is None else ("oui" if valeur else "non")


def ligne(offre):
    """The values of one offer's row, in the order of ``COLONNES``."""
    liens = list(offre.liens.all())
    return [
        offre.pk,
        offre.intitule,
        offre.nom_employeur,
        offre.commune.insee if offre.commune_id else "",
        offre.type_contrat.code,
        offre.metier_rome.code if offre.metier_rome_id else "",
        offre.statut,
        offre.date_publication,
        len(liens),
        "|".join(f"{lien.source.nom}:{lien.identifiant_externe}" for lien in liens),
        offre.date_expiration,
        offre.nb_postes,
        offre.duree_mois,
        float(offre.heures_hebdo) if offre.heures_hebdo is not None else None,
        offre.horaires,
        offre.salaire,
        offre.lieu_travail,
        _booleen(offre.sans_diplome),
        _booleen(offre.experience_requise),
        _booleen(offre.permis_requis),
        _booleen(offre.vehicule_requis),
        _booleen(offre.desserte_transports),
        offre.notes_qualification,
        offre.motif_ecart,
        offre.commentaire_ecart,
    ]


def ecrire_offres(queryset, fichier):
    """Write the offers of ``queryset`` (in its order) to ``fichier`` (path or binary file object);
    returns the number of offers written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet(FEUILLE)

    def rangee(valeurs):
        cellules = []
        for valeur in valeurs:
            cellule = WriteOnlyCell(feuille, value=neutraliser(valeur))
            if isinstance(valeur, str):
                cellule.data_type = "s"  # always a string cell, never a formula
            elif hasattr(valeur, "isoformat"):
                cellule.number_format = FORMAT_DATE
            cellules.append(cellule)
        return cellules

    feuille.append(rangee(COLONNES))
    offres = queryset.select_related("entreprise", "commune", "type_contrat", "metier_rome").prefetch_related(
        Prefetch("liens", queryset=LienSource.objects.select_related("source").order_by("vue_le", "id"))
    )
    if not offres.query.order_by:
        offres = offres.order_by("id")
    nombre = 0
    for offre in offres.iterator(chunk_size=2000):
        feuille.append(rangee(ligne(offre)))
        nombre += 1
    classeur.save(fichier)
    return nombre
