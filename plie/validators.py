"""Password policy of the CNIL (délibération n° 2022-100, access throttled after failures).

At least 12 characters mixing at least 3 of the 4 kinds of character (lowercase, uppercase,
digit, special), not a common password (Django's ``CommonPasswordValidator``), and without the
holder's name or e-mail address in it.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError

CLASSES = {
    "minuscule": lambda c: c.islower(),
    "majuscule": lambda c: c.isupper(),
    "chiffre": lambda c: c.isdigit(),
    "caractère spécial": lambda c: not c.isalnum(),
}


def classes_presentes(mot_de_passe):
    """The kinds of character the password uses, among the four of ``CLASSES``."""
    return {nom for nom, test in CLASSES.items() if any(test(c) for c in mot_de_passe)}


class ComplexiteValidator:
    """Length and mix of characters."""

    def __init__(self, longueur_minimale=12, classes_minimales=3):
        self.longueur_minimale = longueur_minimale
        self.classes_minimales = classes_minimales

    def validate(self, password, user=None):
        erreurs = []
        if len(password) < self.longueur_minimale:
            erreurs.append(
                ValidationError(
                    "Ce mot de passe est trop court : il doit contenir au minimum %(min)d caractères.",
                    code="password_too_short",
                    params={"min": self.longueur_minimale},
                )
            )
        nb = len(classes_presentes(password))
        if nb < self.classes_minimales:
            erreurs.append(
                ValidationError(
                    "Ce mot de passe mêle trop peu de types de caractères (%(nb)d) : il doit en mêler au "
                    "moins %(min)d parmi minuscules, majuscules, chiffres et caractères spéciaux.",
                    code="password_too_simple",
                    params={"nb": nb, "min": self.classes_minimales},
                )
            )
        if erreurs:
            raise ValidationError(erreurs)

    def get_help_text(self):
        return (
            f"Au moins {self.longueur_minimale} caractères, mêlant au moins {self.classes_minimales} types "
            "parmi minuscules, majuscules, chiffres et caractères spéciaux."
        )


def _sans_accents(texte):
    decompose = unicodedata.normalize("NFKD", texte)
    return "".join(c for c in decompose if not unicodedata.combining(c)).lower()


class IdentiteValidator:
    """Neither the first name, the last name nor the e-mail address (its part before the @) may
    appear in the password, whatever the case and accents: they are the first guesses of an attacker."""

    def __init__(self, longueur_minimale=3):
        # Shorter pieces ("Li", "Bo") are too common as fragments to refuse them.
        self.longueur_minimale = longueur_minimale

    def _morceaux(self, user):
        valeurs = [getattr(user, "first_name", ""), getattr(user, "last_name", "")]
        email = getattr(user, "email", "") or ""
        locale = email.split("@", 1)[0]
        valeurs.append(locale)
        morceaux = set()
        for valeur in valeurs:
            valeur = _sans_accents(valeur or "")
            if len(valeur) >= self.longueur_minimale:
                morceaux.add(valeur)
            # "Jean-Pierre", "marie.dupont": each part counts on its own.
            morceaux.update(m for m in re.split(r"[^a-z0-9]+", valeur) if len(m) >= self.longueur_minimale)
        return morceaux

    def validate(self, password, user=None):
        if user is None:
            return
        normalise = _sans_accents(password)
        if any(morceau in normalise for morceau in self._morceaux(user)):
            raise ValidationError(
                "Ce mot de passe contient votre nom, votre prénom ou votre adresse e-mail.",
                code="password_contains_identity",
            )

    def get_help_text(self):
        return "Ni votre nom, ni votre prénom, ni votre adresse e-mail."
