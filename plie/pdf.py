"""PDF rendering of the generated documents (attendance sheets, bilans…) with WeasyPrint.

A document is a Django template rendered to HTML, then laid out by WeasyPrint. What the HTML
links to (stylesheets, the EU emblem) is read from the project's static files only: the fetcher
below refuses every other address, so that rendering never opens the network nor a file outside
the static files, whatever a template or a value printed in it contains.
"""

import functools
import mimetypes
import posixpath
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

# The funding mention every printed or exported document carries, with the EU emblem (RULES §6).
MENTION_UE = "Cofinancé par l'Union européenne — Fonds social européen plus (FSE+)"

# Base of relative addresses when no request is at hand (a Celery task): only its path matters.
BASE_SANS_REQUETE = "http://localhost/"


class RessourceRefusee(ValueError):
    """An address the PDF may not load (WeasyPrint logs it and leaves the resource out)."""


def _lire_statique(nom):
    chemin = finders.find(nom)
    if chemin:
        with open(chemin, "rb") as fichier:
            return fichier.read()
    # In production ``{% static %}`` names the collected, hashed copy: read it from STATIC_ROOT.
    if staticfiles_storage.exists(nom):
        with staticfiles_storage.open(nom) as fichier:
            return fichier.read()
    raise RessourceRefusee(f"Fichier statique introuvable : {nom[:200]}")


@functools.cache
def _classe_fetcher():
    # WeasyPrint is imported on first use: it parses its default stylesheets at import, which
    # every web process, worker and management command would otherwise pay for.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FetcherStatique(URLFetcher):
        """Serves the static files under ``base_url`` + ``STATIC_URL``, and refuses anything else."""

        def __init__(self, base_url):
            super().__init__(allowed_protocols=())
            self.prefixe = urljoin(base_url, settings.STATIC_URL)

        def fetch(self, url, headers=None):
            if not url.startswith(self.prefixe):
                raise RessourceRefusee(f"Ressource refusée dans un PDF (hors fichiers statiques) : {url[:200]}")
            nom = unquote(urlsplit(url[len(self.prefixe) :]).path)
            normalise = posixpath.normpath(nom)
            if not nom or normalise != nom or normalise == ".." or normalise.startswith(("../", "/")):
                raise RessourceRefusee(f"Chemin de fichier statique refusé : {nom[:200]}")
            type_mime = mimetypes.guess_type(nom)[0] or "application/octet-stream"
            return URLFetcherResponse(url, _lire_statique(nom), {"Content-Type": type_mime})

    return FetcherStatique


def fetcher_statique(base_url):
    """The WeasyPrint URL fetcher of the documents: static files only, nothing from the network."""
    return _classe_fetcher()(base_url)


def rendre_pdf(template, context, request=None) -> bytes:
    """The PDF of ``template`` rendered with ``context`` (and the context processors when a
    ``request`` is given)."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else BASE_SANS_REQUETE
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher_statique(base_url)).write_pdf()


def reponse_pdf(contenu: bytes, nom_fichier: str, *, telechargement=False) -> HttpResponse:
    """An HTTP response carrying a generated PDF: shown in the browser (or downloaded), never
    kept in a shared cache since it names participants."""
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(telechargement, nom_fichier)
    response["Content-Length"] = str(len(contenu))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
