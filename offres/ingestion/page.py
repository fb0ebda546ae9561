"""Employers' career pages that describe their offers as schema.org ``JobPosting`` (JSON-LD or
microdata), as job sites do for search engines.

``parametres["urls"]``: the pages, each read once per run with ``web.telecharger`` (robots.txt,
honest user agent, stop on 403/429). Only the offers the page itself describes are read: links to
other pages are not followed. A page without JobPosting is an error of the run, not its end; when
no page can be read at all, the run fails.
"""

import hashlib
import urllib.parse

from django.utils import timezone

from ..enums import TypeSource
from . import web
from .base import Connecteur, enregistrer


@enregistrer(TypeSource.PAGE)
class ConnecteurPage(Connecteur):
    def __init__(self, source, *, maintenant=None, dormir=None):
        super().__init__(source, maintenant=maintenant, dormir=dormir)
        self.urls = web.urls_de(source)
        self.robots = {}  # each site's robots.txt, read once per run
        self._territoire = None

    @property
    def territoire(self):
        if self._territoire is None:
            self._territoire = web.Territoire(timezone.localdate(self.maintenant))
        return self._territoire

    def _lire(self, url):
        document = web.telecharger(url, robots=self.robots)
        return web.offres_jobposting(document.texte(), document.url)

    def pages(self, depuis):
        nom = self.source.nom
        if len(self.urls) > 1:
            echec = f"Aucune des {len(self.urls)} pages de la source « {nom} » n'a pu être lue."
        else:
            echec = f"La page de la source « {nom} » n'a pas pu être lue."
        for url, offres in web.lire_chacune(self.urls, self._lire, self.erreurs, echec=echec):
            if not offres:
                self.erreurs.append(f"Aucune offre au format schema.org JobPosting sur {url}.")
                continue
            lot = []
            for offre in offres:
                publiee = web.lire_date(offre.get("datePosted"))
                if depuis is not None and publiee is not None and publiee < timezone.localdate(depuis):
                    continue
                lot.append({"page": url, "offre": offre})
            if lot:
                yield lot

    def identifiant(self, brut):
        """The posting's identifier, prefixed by its site (two employers may both number theirs
        "REF-001"); else its address; else a hash of the page and its title."""
        offre, page = brut.get("offre") or {}, brut.get("page", "")
        if ident := web.identifiant_schema(offre):
            return web.identifiant_court(f"{urllib.parse.urlsplit(page).netloc}:{ident}")
        if url := str(offre.get("url") or "").strip():
            return web.identifiant_court(url)
        titre = str(offre.get("title") or offre.get("name") or "")
        return "sha1:" + hashlib.sha1(f"{page}{titre}".encode()).hexdigest()

    def normaliser(self, brut):
        return web.brouillon_depuis_jobposting(
            brut.get("offre") or {},
            brut.get("page", ""),
            identifiant=self.identifiant(brut),
            territoire=self.territoire,
            aujourd_hui=timezone.localdate(self.maintenant),
        )

    def parametres_execution(self):
        return {**dict(self.source.parametres), "urls": self.urls}
