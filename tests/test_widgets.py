"""The fast renderings of the lists' forms give the markup of the slow ones they replace."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.http import QueryDict

from participants.filters import ParticipantFilter
from participants.models import Participant
from plie.models import Commune
from plie.templatetags.plie_formulaires import champ_filtre
from plie.widgets import SelectPreRendu, SelectRapide


def _sans_blancs(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).replace("> ", ">").replace(" <", "<").strip()


def _select(html):
    """A select as (its attributes, its options): what a browser reads of it, in any attribute order."""
    html = _sans_blancs(html)
    balise = re.match(r"<select ([^>]*)>", html).group(1)
    return set(re.findall(r'[\w-]+="[^"]*"', balise)), re.findall(r"<option[^>]*>[^<]*</option>", html)


@pytest.mark.django_db
@pytest.mark.parametrize("requis", [True, False])
def test_selectrapide_writes_the_options_of_djangos_select(requis):
    communes = Commune.objects.order_by("nom")
    valeur = communes[1].pk
    rapide = forms.ModelChoiceField(queryset=communes, required=requis, widget=SelectRapide)
    lent = forms.ModelChoiceField(queryset=communes, required=requis)
    attrs = {"id": "id_commune", "class": "form-select"}
    assert _select(rapide.widget.render("commune", valeur, attrs)) == _select(
        lent.widget.render("commune", valeur, attrs)
    )


def test_selectrapide_escapes_labels_and_lists_grouped_choices_flat():
    choix = [("", "—"), ("a", "<b>A & B</b>"), ("Groupe", [("b", "B"), ("c", "C")])]
    assert (
        _select(SelectRapide(choices=choix).render("x", "b"))[1]
        == _select(forms.Select(choices=choix).render("x", "b"))[1]
    )
    html = SelectRapide(choices=choix[:2]).render("x", "a")
    assert '<option value="a" selected>&lt;b&gt;A &amp; B&lt;/b&gt;</option>' in html


@pytest.mark.parametrize("valeur", ["", "12", "3", None, "absent"])
def test_selectprerendu_writes_the_options_of_djangos_select_and_marks_the_chosen_one(valeur):
    choix = [("", "Tous"), (3, "<b>A & B</b>"), (12, "C"), (123, "D")]
    html = SelectRapide.options_html((v, False, label) for v, label in choix)
    attrs = {"id": "id_referent", "class": "form-select"}
    assert _select(SelectPreRendu(options=lambda: html).render("referent", valeur, attrs)) == _select(
        forms.Select(choices=choix).render("referent", valeur, attrs)
    )


@pytest.mark.django_db
def test_the_referent_filter_marks_the_chosen_referent_and_escapes_names(client, make_user):
    from django.urls import reverse

    from plie.roles import Role

    make_user(Role.REFERENT, first_name="<script>", last_name="Un")
    choisi = make_user(Role.REFERENT, first_name="Bruno", last_name="Deux")
    client.force_login(make_user(Role.COORDINATRICE))
    page = client.get(reverse("participants:liste"), {"referent": choisi.pk}).content.decode()
    assert f'<option value="{choisi.pk}" selected>Bruno Deux</option>' in page
    assert "&lt;script&gt; Un</option>" in page and "<script> Un" not in page
    assert '<option value="">Tous les référents</option>' in page
    erreur = client.get(reverse("participants:liste"), {"referent": "999999"}).content.decode()
    assert "Sélectionnez un choix valide" in erreur


@pytest.mark.django_db
@pytest.mark.parametrize("requete", ["", "statut=entre&entree_du=pas-une-date&qpv=true&commune=0&q=<b>"])
def test_a_filter_field_renders_as_crispy_forms_renders_it(requete):
    def filtre():
        filterset = ParticipantFilter(
            QueryDict(requete), queryset=Participant.objects.all(), voit_tous_les_referents=True
        )
        filterset.is_valid()
        return filterset.form

    crispy, rapide = filtre(), filtre()
    for nom in crispy.fields:
        assert _sans_blancs(champ_filtre(rapide[nom])) == _sans_blancs(as_crispy_field(crispy[nom])), nom
