"""The offers workbook (FORMATS.md, "Offers export"), shared by the list's XLSX button and the
``export_offers`` command.

Constant memory and no per-row work beyond the row itself: offers read as plain rows from a
server-side cursor in batches of 2 000 (with their company's name), their source links read per
batch in one query, the reference data (communes, contract types, ROME codes, sources) read once
into dicts, and the sheet written by ``participants.classeur.ClasseurXlsx`` (openpyxl's write-only
mode costs ~30 µs a cell without lxml). A text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading
apostrophe, and always as a string cell.
"""

import itertools
from collections import defaultdict

from participants.classeur import ClasseurXlsx
from plie.models import Commune, MetierRome, TypeContrat

from .models import LienSource, Source

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


# What the export reads of an offer (``ligne`` reads the row as a dict of these).
CHAMPS = (
    "pk",
    "intitule",
    "entreprise_id",
    "entreprise__nom",
    "employeur",
    "commune_id",
    "type_contrat_id",
    "metier_rome_id",
    "statut",
    "date_publication",
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
)
LOT = 2000  # offers per batch (and per fetch of the server-side cursor)


class _Referentiels:
    """Communes, contract types, ROME codes and sources: a few hundred rows, read once."""

    def __init__(self):
        self.communes = dict(Commune.objects.values_list("pk", "insee"))
        self.types_contrat = dict(TypeContrat.objects.values_list("pk", "code"))
        self.metiers = dict(MetierRome.objects.values_list("pk", "code"))
        self.sources = dict(Source.objects.values_list("pk", "nom"))


def ligne(offre, liens, referentiels):
    """The values of one offer's row, in the order of ``COLONNES``: ``offre`` is a dict of ``CHAMPS``,
    ``liens`` its (source key, external identifier) pairs in the order they were seen."""
    heures = offre["heures_hebdo"]
    return [
        offre["pk"],
        offre["intitule"],
        offre["entreprise__nom"] if offre["entreprise_id"] else offre["employeur"],  # Offre.nom_employeur
        referentiels.communes[offre["commune_id"]] if offre["commune_id"] else "",
        referentiels.types_contrat[offre["type_contrat_id"]],
        referentiels.metiers[offre["metier_rome_id"]] if offre["metier_rome_id"] else "",
        offre["statut"],
        offre["date_publication"],
        len(liens),
        "|".join(f"{referentiels.sources[source]}:{identifiant}" for source, identifiant in liens),
        offre["date_expiration"],
        offre["nb_postes"],
        offre["duree_mois"],
        float(heures) if heures is not None else None,
        offre["horaires"],
        offre["salaire"],
        offre["lieu_travail"],
        _booleen(offre["sans_diplome"]),
        _booleen(offre["experience_requise"]),
        _booleen(offre["permis_requis"]),
        _booleen(offre["vehicule_requis"]),
        _booleen(offre["desserte_transports"]),
        offre["notes_qualification"],
        offre["motif_ecart"],
        offre["commentaire_ecart"],
    ]


def _liens_du_lot(cles):
    """offer key -> its (source key, external identifier) pairs, in the order they were seen. When
    the batch's keys are nearly consecutive (offers by id, as ``export_offers`` writes them) their
    range is two parameters instead of thousands (parsing those costs more than the query)."""
    liens = LienSource.objects.order_by("vue_le", "id")
    if max(cles) - min(cles) < 2 * len(cles):
        liens = liens.filter(offre_id__gte=min(cles), offre_id__lte=max(cles))
    else:
        liens = liens.filter(offre_id__in=cles)
    par_offre = defaultdict(list)
    voulues = set(cles)
    for offre_id, source_id, identifiant in liens.values_list("offre_id", "source_id", "identifiant_externe"):
        if offre_id in voulues:
            par_offre[offre_id].append((source_id, identifiant))
    return par_offre


def ecrire_offres(queryset, fichier):
    """Write the offers of ``queryset`` (in its order) to ``fichier`` (path or binary file object);
    returns the number of offers written."""
    if not queryset.query.order_by:
        queryset = queryset.order_by("id")
    referentiels = _Referentiels()
    lignes = queryset.values_list(*CHAMPS).iterator(chunk_size=LOT)
    nombre = 0
    with ClasseurXlsx(fichier, format_date=FORMAT_DATE) as classeur:
        feuille = classeur.feuille(FEUILLE)
        feuille.ajouter(COLONNES)
        while lot := list(itertools.islice(lignes, LOT)):
            liens = _liens_du_lot([valeurs[0] for valeurs in lot])
            for valeurs in lot:
                feuille.ajouter(ligne(dict(zip(CHAMPS, valeurs, strict=True)), liens.get(valeurs[0], ()), referentiels))
                nombre += 1
        classeur.enregistrer()
    return nombre
