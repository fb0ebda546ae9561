"""Password policy (CNIL, délibération 2022-100): plie.validators and AUTH_PASSWORD_VALIDATORS."""

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from plie.demo import _COMPTES
from plie.factories import DEMO_MOT_DE_PASSE
from plie.models import User
from plie.roles import Role
from plie.validators import ComplexiteValidator, IdentiteValidator, classes_presentes

from .bench_echelle import COMPTES_MOT_DE_PASSE
from .conftest import DEMO_PASSWORD


def codes_refus(mot_de_passe, user=None):
    try:
        validate_password(mot_de_passe, user)
    except ValidationError as erreur:
        return {e.code for e in erreur.error_list}
    return set()


@pytest.mark.parametrize(
    ("mot_de_passe", "classes"),
    [
        ("abcdefghijkl", {"minuscule"}),
        ("ABCdef", {"minuscule", "majuscule"}),
        ("abc123", {"minuscule", "chiffre"}),
        ("é-É 9", {"minuscule", "majuscule", "caractère spécial", "chiffre"}),
    ],
)
def test_les_quatre_types_de_caracteres(mot_de_passe, classes):
    assert classes_presentes(mot_de_passe) == classes


def test_onze_caracteres_refuses_douze_acceptes():
    validateur = ComplexiteValidator(longueur_minimale=12, classes_minimales=3)
    with pytest.raises(ValidationError) as refus:
        validateur.validate("Abcdefgh-12")  # 11 characters, 4 kinds
    assert [e.code for e in refus.value.error_list] == ["password_too_short"]
    assert "au minimum 12 caractères" in refus.value.messages[0]
    validateur.validate("Abcdefgh-123")  # 12


def test_deux_types_refuses_trois_acceptes():
    validateur = ComplexiteValidator(longueur_minimale=12, classes_minimales=3)
    for deux_types in ("parcoursinsertion2027", "ParcoursInsertion", "parcours-insertion"):
        with pytest.raises(ValidationError) as refus:
            validateur.validate(deux_types)
        assert [e.code for e in refus.value.error_list] == ["password_too_simple"]
        assert "(2)" in refus.value.messages[0] and "au moins 3" in refus.value.messages[0]
    for trois_types in ("Parcoursinsertion2027", "parcours-insertion2027", "Parcours-Insertion"):
        validateur.validate(trois_types)


def test_trop_court_et_trop_simple_a_la_fois_donne_les_deux_raisons():
    with pytest.raises(ValidationError) as refus:
        ComplexiteValidator().validate("abcdef")
    assert {e.code for e in refus.value.error_list} == {"password_too_short", "password_too_simple"}


def test_le_nom_le_prenom_ou_l_adresse_sont_refuses():
    user = User(email="jean-pierre.lefevre@plie.fr", first_name="Jean-Pierre", last_name="Lefèvre")
    validateur = IdentiteValidator()
    for mot_de_passe in ("Lefevre-2027!", "LEFÈVRE#2027x", "x!Pierre2027", "jean-pierre.lefevre9"):
        with pytest.raises(ValidationError) as refus:
            validateur.validate(mot_de_passe, user)
        assert refus.value.error_list[0].code == "password_contains_identity"
        assert "votre nom" in refus.value.messages[0]
    validateur.validate("Insertion-Dijon-2027", user)
    validateur.validate("Lefevre-2027!", None)  # no account: nothing to compare with


def test_un_fragment_de_deux_lettres_n_est_pas_refuse():
    user = User(email="li@plie.fr", first_name="Li", last_name="Bo")
    IdentiteValidator().validate("Bonjour-Lilas-2027", user)


@pytest.mark.django_db
def test_la_politique_complete_des_reglages():
    user = User(email="camille.martin@test.plie.fr", first_name="Camille", last_name="Martin")
    assert codes_refus("Insertion-Dijon-2027", user) == set()
    assert "password_too_short" in codes_refus("Insertion-2", user)
    assert "password_too_simple" in codes_refus("insertiondijon", user)
    assert "password_too_common" in codes_refus("Password1234", user) or "password_too_common" in codes_refus(
        "motdepasse123", user
    )
    assert "password_contains_identity" in codes_refus("Camille-2027-Dijon", user)
    aides = " ".join(password_validators_help_texts())
    assert "Au moins 12 caractères, mêlant au moins 3 types" in aides
    assert "Ni votre nom, ni votre prénom, ni votre adresse e-mail" in aides


@pytest.mark.django_db
def test_les_mots_de_passe_des_jeux_d_essai_respectent_la_politique(make_user):
    for role, email, prenom, nom, _structure in _COMPTES:
        user = User(email=email, first_name=prenom, last_name=nom)
        assert codes_refus(DEMO_MOT_DE_PASSE, user) == set(), (role, email)
    for mot_de_passe in (DEMO_PASSWORD, COMPTES_MOT_DE_PASSE):
        assert codes_refus(mot_de_passe, make_user(Role.REFERENT)) == set(), mot_de_passe


@pytest.mark.django_db
def test_le_changement_de_mot_de_passe_applique_la_politique_en_francais(client, make_user):
    client.force_login(make_user(Role.REFERENT))
    url = reverse("changer_mot_de_passe")
    faible = "parcours-insertion"
    page = client.post(url, {"old_password": DEMO_PASSWORD, "new_password1": faible, "new_password2": faible})
    assert page.status_code == 200
    assert "trop peu de types de caractères" in page.content.decode()
    assert "Au moins 12 caractères" in client.get(url).content.decode()  # the help text on the form
    fort = "Parcours-Insertion-2027"
    assert (
        client.post(url, {"old_password": DEMO_PASSWORD, "new_password1": fort, "new_password2": fort}).status_code
        == 302
    )
