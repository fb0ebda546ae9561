"""Spreadsheet helpers shared by every export (participants, offers, FSE data)."""

# A cell text starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection): exports neutralise it.
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def neutraliser(valeur):
    """Prefix a formula-like text with an apostrophe, so that it is shown, never run."""
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur
