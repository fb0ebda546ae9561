"""Loading of the reference data shipped in ``plie/data/`` (and of the official ROME file).

The functions take the model classes as arguments so that data migrations can pass their
historical models; each load is an upsert on the natural key, so loading twice changes nothing.
"""

import csv
import io
import json
import unicodedata
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def _json(name):
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _date(value):
    return date.fromisoformat(value) if value else None


def charger_communes(Commune):
    for row in _json("communes.json"):
        Commune.objects.update_or_create(
            insee=row["insee"],
            nom=row["nom"],
            defaults={
                "codes_postaux": ",".join(row["codes_postaux"]),
                "valide_du": _date(row["valide_du"]),
                "valide_au": _date(row["valide_au"]),
            },
        )


def charger_quartiers_prioritaires(QuartierPrioritaire, Commune):
    for row in _json("qpv.json"):
        valide_du = _date(row["valide_du"])
        qpv, _ = QuartierPrioritaire.objects.update_or_create(
            nom=row["nom"],
            valide_du=valide_du,
            defaults={"code": row["code"] or "", "valide_au": _date(row["valide_au"])},
        )
        qpv.communes.set(Commune.objects.filter(insee__in=row["communes_insee"]))


def charger_niveaux_formation(NiveauFormation):
    for row in _json("niveaux_formation.json"):
        NiveauFormation.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )


def charger_types_contrat(TypeContrat):
    for row in _json("types_contrat.json"):
        TypeContrat.objects.update_or_create(
            code=row["code"],
            defaults={
                "libelle": row["libelle"],
                "categorie": row["categorie"],
                "codes_france_travail": ",".join(row["codes_france_travail"]),
                "natures_contrat_france_travail": ",".join(row["natures_contrat_france_travail"]),
            },
        )


class FichierRomeInvalide(ValueError):
    pass


def _cle(header):
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode().strip().lower()
    return text.replace(" ", "_")


def lire_rome_csv(text):
    """Read a ROME CSV (``;`` or ``,``): the official ``code_rome``/``libelle_rome`` columns.

    Returns ``[(code, libelle, grand_domaine)]``; raises ``FichierRomeInvalide`` naming the
    line and column of the first problem.
    """
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    keys = {_cle(name): name for name in reader.fieldnames or []}
    for needed in ("code_rome", "libelle_rome"):
        if needed not in keys:
            raise FichierRomeInvalide(f"ligne 1 : colonne « {needed} » absente (colonnes lues : {', '.join(keys)}).")
    rows = {}
    for line, row in enumerate(reader, start=2):
        code = (row[keys["code_rome"]] or "").strip().upper()
        libelle = (row[keys["libelle_rome"]] or "").strip()
        if not (len(code) == 5 and code[0].isalpha() and code[1:].isdigit()):
            raise FichierRomeInvalide(
                f"ligne {line}, colonne code_rome : « {code} » n'est pas un code ROME (ex. K2204)."
            )
        if not libelle:
            raise FichierRomeInvalide(f"ligne {line}, colonne libelle_rome : libellé vide.")
        rows.setdefault(code, (code, libelle, code[0]))  # the official file repeats a code per appellation
    return list(rows.values())


def charger_metiers_rome(MetierRome, text):
    """Upsert the ROME codes of ``text``; returns (created, updated)."""
    created = updated = 0
    for code, libelle, domaine in lire_rome_csv(text):
        _, was_created = MetierRome.objects.update_or_create(
            code=code, defaults={"libelle": libelle, "grand_domaine": domaine}
        )
        created += was_created
        updated += not was_created
    return created, updated


def texte_rome_echantillon():
    return (DATA_DIR / "rome_echantillon.csv").read_text(encoding="utf-8")


def charger_coordonnees(Commune):
    """Town-hall positions of the communes (for distances in the matching of offers)."""
    for insee, point in _json("communes_coordonnees.json").items():
        Commune.objects.filter(insee=insee).update(latitude=point["lat"], longitude=point["lon"])


def charger_tout():
    """Load every reference list with the current models (migrations pass historical ones).

    Used where a database was emptied after its migrations ran: a test flush, a restored dump.
    """
    from .models import Commune, MetierRome, NiveauFormation, QuartierPrioritaire, TypeContrat

    charger_communes(Commune)
    charger_coordonnees(Commune)
    charger_quartiers_prioritaires(QuartierPrioritaire, Commune)
    charger_niveaux_formation(NiveauFormation)
    charger_types_contrat(TypeContrat)
    charger_metiers_rome(MetierRome, texte_rome_echantillon())
