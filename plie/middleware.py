"""The page shown while the database cannot be reached.

A lost or refused database connection is not a bug of the page: the person gets a French
« Service momentanément indisponible » page with status 503 (and a Retry-After), rendered from
a static template without any query. The request's transaction (ATOMIC_REQUESTS) has been rolled
back by then, so nothing of the request is half-written.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)

ERREURS_DE_CONNEXION = (OperationalError, InterfaceError)
TEMPLATE_INDISPONIBLE = "503.html"
REESSAYER_APRES_S = 30


def reponse_indisponible():
    """The 503 page: a template with no context processor, hence no database access."""
    reponse = HttpResponse(loader.render_to_string(TEMPLATE_INDISPONIBLE), status=503)
    reponse["Retry-After"] = str(REESSAYER_APRES_S)
    reponse["Cache-Control"] = "no-store"
    return reponse


class PanneBaseDeDonneesMiddleware:
    """Turns a database connection error raised by a view (or its template) into the 503 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ERREURS_DE_CONNEXION):
            return None
        # The error's text may quote the statement: only its type goes to the log.
        logger.error(
            "Base de données injoignable pendant %s %s (%s)", request.method, request.path, type(exception).__name__
        )
        return reponse_indisponible()


def erreur_serveur(request):
    """``handler500``: the same 503 page when the connection error came from outside the view
    (a middleware saving the session, for instance), Django's static 500 page otherwise."""
    if isinstance(sys.exc_info()[1], ERREURS_DE_CONNEXION):
        return reponse_indisponible()
    return HttpResponseServerError(loader.render_to_string("500.html"))
