"""« Importer depuis une URL »: the chargé(e) de mission pastes the address of one offer found on a
site without API (Leboncoin, Qapa, an employer's site…); the application reads that single page
(``ingestion.web``: robots.txt, honest user agent, stop on 403/429) and opens the manual-entry
form pre-filled with what it found. Nothing is written until that form is saved; the offer's link
then keeps the address, so that pasting it again says it was already imported.
"""

import urllib.parse

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from plie.models import Commune, MetierRome, TypeContrat
from plie.views import RolePageMixin

from ..ingestion import web
from ..ingestion.base import BrouillonOffre, ErreurConnecteur
from ..models import LienSource
from .qualification import OffreSaisieForm


class UrlForm(forms.Form):
    url = forms.URLField(
        label="Adresse de l'offre",
        max_length=500,
        assume_scheme="https",
        help_text="L'adresse d'une seule offre, copiée depuis le navigateur.",
        widget=forms.URLInput(attrs={"placeholder": "https://…", "autofocus": True}),
        error_messages={
            "required": "Collez l'adresse de l'offre.",
            "invalid": "Saisissez une adresse web complète, commençant par http:// ou https://.",
        },
    )

    def clean_url(self):
        url = urllib.parse.urldefrag(self.cleaned_data["url"].strip()).url  # the #fragment is not the page
        if not url.startswith(("http://", "https://")):
            raise ValidationError("Seules les adresses http:// ou https:// sont acceptées.")
        return url


def _type_contrat(brouillon):
    """The contract type a draft names (the nature first, as the ingestion run does), or None."""
    if not (brouillon.nature_contrat_code or brouillon.type_contrat_code):
        return None
    par_nature, par_type = {}, {}
    for type_contrat in TypeContrat.objects.order_by("code"):
        for code in filter(None, type_contrat.natures_contrat_france_travail.split(",")):
            par_nature.setdefault(code.strip(), type_contrat)
        for code in filter(None, type_contrat.codes_france_travail.split(",")):
            par_type.setdefault(code.strip(), type_contrat)
    return par_nature.get(brouillon.nature_contrat_code) or par_type.get(brouillon.type_contrat_code)


def initial_depuis_brouillon(brouillon, url):
    """The manual-entry form's initial values for what the page said."""
    today = timezone.localdate()
    initial = {
        "url_origine": url,
        "intitule": brouillon.intitule[:250],
        "description": brouillon.description,
        "employeur": brouillon.employeur[:200],
        "horaires": brouillon.horaires[:250],
        "salaire": brouillon.salaire[:150],
        "nb_postes": brouillon.nb_postes or 1,
        "date_publication": brouillon.date_publication or today,
    }
    commune = None
    if brouillon.code_commune_insee:
        commune = Commune.objects.valides_le(today).filter(insee=brouillon.code_commune_insee).order_by("nom").first()
    if commune:
        initial["commune"] = commune.pk
    elif brouillon.lieu_travail:
        initial["lieu_travail"] = brouillon.lieu_travail[:200]
    if type_contrat := _type_contrat(brouillon):
        initial["type_contrat"] = type_contrat.pk
    if brouillon.code_rome and (metier := MetierRome.objects.filter(code=brouillon.code_rome).first()):
        initial["metier_rome"] = metier.pk
    if brouillon.heures_hebdo is not None:
        initial["heures_hebdo"] = brouillon.heures_hebdo
    limite = web.lire_date(brouillon.extras.get("date_limite"))
    if limite and limite >= initial["date_publication"]:
        initial["date_expiration"] = limite
    return {cle: valeur for cle, valeur in initial.items() if valeur not in ("", None)}


def _choisir(offres, url):
    """The posting of the pasted address when the page describes several, else the first."""
    return next((offre for offre in offres if offre.get("url") == url), offres[0])


class ImporterDepuisUrl(RolePageMixin, View):
    permission_required = "offres.add_offre"
    template_name = "offres/importer_url.html"

    def get(self, request):
        return render(request, self.template_name, {"form": UrlForm()})

    def post(self, request):
        form = UrlForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        url = form.cleaned_data["url"]
        lien = LienSource.objects.select_related("offre").filter(url=url).order_by("pk").first()
        if lien is not None:
            return render(request, self.template_name, {"form": form, "deja": lien.offre})
        try:
            document = web.telecharger(url)
        except ErreurConnecteur as erreur:
            form.add_error("url", str(erreur))
            return render(request, self.template_name, {"form": form})
        if not document.est_html:
            form.add_error("url", f"{url} n'est pas une page web (document de type {document.type_contenu}).")
            return render(request, self.template_name, {"form": form})
        html = document.texte()
        brouillon = None
        if offres := web.offres_jobposting(html, document.url):
            try:
                brouillon = web.brouillon_depuis_jobposting(_choisir(offres, url), url)
            except ValueError:
                brouillon = None
        if brouillon is not None:
            message = "Offre reconnue (schema.org JobPosting) : vérifiez le formulaire pré-rempli et complétez-le."
            if len(offres) > 1:
                message += f" La page décrit {len(offres)} offres : une seule a été reprise."
            messages.success(request, message)
        else:
            meta = web.meta_page(html)
            brouillon = BrouillonOffre(
                identifiant_externe=url,
                intitule=meta["titre"],
                description=meta["description"],
                date_publication=timezone.localdate(),
                url=url,
            )
            messages.warning(
                request,
                "Pas de données structurées : seuls le titre et la description ont été pré-remplis, complétez le reste.",
            )
        saisie = OffreSaisieForm(initial=initial_depuis_brouillon(brouillon, url))
        return render(request, "offres/saisie.html", {"form": saisie})
