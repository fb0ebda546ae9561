"""RSS 2.0 and Atom feeds of job offers (temp agencies, insertion structures, boards that publish one).

``parametres["urls"]``: the feeds, each read with ``web.telecharger`` (robots.txt, honest user
agent, stop on 403/429); ``parametres["mots_cles"]`` (optional): keep only the items whose title or
description holds one of these words. One page per feed. A feed that cannot be read (network,
malformed XML, refusal) is an error of the run and the other feeds are read; when none can be, the
run fails. Each item keeps its elements as text, extension elements (``<job:contrat>``…) included,
under ``extensions``.
"""

import hashlib
import re
import urllib.parse
from xml.etree.ElementTree import tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils import timezone

from ..enums import TypeSource
from . import web
from .base import BrouillonOffre, Connecteur, ErreurConnecteur, enregistrer, normaliser_texte

ATOM = "http://www.w3.org/2005/Atom"
# Elements of RSS 2.0 (no namespace), RSS 1.0 and Atom keep their own names; these modules are
# prefixed as feeds write them; any other namespace is an extension.
NOYAU = {"", ATOM, "http://purl.org/rss/1.0/"}
PREFIXES = {"http://purl.org/rss/1.0/modules/content/": "content", "http://purl.org/dc/elements/1.1/": "dc"}
DATES_PUBLICATION = ("pubDate", "published", "dc:date", "date", "issued")
DATES = (*DATES_PUBLICATION, "updated", "modified")

_LIGNE = r"^[\s\-•*]*{}\s*:\s*(.+?)\s*$"
MOTIF_EMPLOYEUR = re.compile(_LIGNE.format(r"(?:entreprise|employeur|soci[ée]t[ée]|client)"), re.I | re.M)
MOTIF_CONTRAT = re.compile(_LIGNE.format(r"(?:type de )?contrat"), re.I | re.M)
MOTIF_LIEU = re.compile(_LIGNE.format(r"(?:lieu(?: de travail)?|localisation|ville)"), re.I | re.M)
EXTENSIONS_CONTRAT = ("contrat", "contract", "employmenttype")
EXTENSIONS_EMPLOYEUR = ("entreprise", "employeur", "company", "employer", "societe", "hiringorganization")
EXTENSIONS_LIEU = ("lieu", "location", "ville", "city", "commune", "localisation", "locality")
EXTENSIONS_CODE_POSTAL = ("codepostal", "postalcode", "zipcode")


class FluxIllisible(ErreurConnecteur):
    """The document is not a feed that can be read (malformed XML, another kind of document)."""


def _nom(tag):
    """``{namespace}local`` → (namespace, local)."""
    if isinstance(tag, str) and tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", str(tag)


def _texte(element):
    return "".join(element.itertext()).strip()


def _xhtml(element):
    """Atom ``type="xhtml"`` content: its markup, without the namespace prefixes ElementTree adds."""
    balises = "".join(tostring(enfant, encoding="unicode") for enfant in element)
    return re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", re.sub(r"<(/?)\w+:", r"<\1", balises)).strip()


def _item(element, flux):
    brut, categories, extensions = {"flux": flux}, [], {}
    for enfant in element:
        ns, nom = _nom(enfant.tag)
        texte = _texte(enfant)
        if ns in NOYAU:
            if nom == "link":
                href = enfant.get("href")
                if href is None:
                    if texte:
                        brut.setdefault("link", texte)
                elif enfant.get("rel", "alternate") == "alternate":
                    brut.setdefault("link", urllib.parse.urljoin(flux, href.strip()))
            elif nom == "category":
                categorie = enfant.get("label") or enfant.get("term") or texte
                if categorie:
                    categories.append(categorie.strip())
            elif nom == "author":
                noms = [_texte(e) for e in enfant if _nom(e.tag)[1] == "name"]
                if noms or texte:
                    brut.setdefault("author", noms[0] if noms else texte)
            elif nom == "content" and enfant.get("type") == "xhtml":
                brut["content"] = _xhtml(enfant)
            elif texte:
                brut.setdefault(nom, texte)
        elif ns in PREFIXES:
            if texte:
                brut.setdefault(f"{PREFIXES[ns]}:{nom}", texte)
        elif texte:
            extensions.setdefault(nom, texte)
    if categories:
        brut["category"] = categories
    if extensions:
        brut["extensions"] = extensions
    return brut


def lire_flux(corps: bytes, url: str) -> list[dict]:
    """The items of an RSS (2.0 or 1.0) or Atom feed, as dicts of text (JSON-ready)."""
    try:
        racine = fromstring(corps)
    except (ParseError, DefusedXmlException) as exc:
        raise FluxIllisible(f"Flux {url} illisible (XML mal formé ou interdit : {exc}).") from exc
    racine_nom = _nom(racine.tag)[1]
    if racine_nom not in ("rss", "feed", "RDF", "channel"):
        raise FluxIllisible(f"{url} n'est pas un flux RSS ou Atom (élément racine « {racine_nom} »).")
    return [_item(element, url) for element in racine.iter() if _nom(element.tag)[1] in ("item", "entry")]


def _moment(brut, cles=DATES):
    moments = [moment for moment in (web.lire_moment(brut.get(cle)) for cle in cles) if moment]
    return max(moments) if moments else None


def _extension(brut, fragments):
    for cle, valeur in (brut.get("extensions") or {}).items():
        cle = normaliser_texte(cle).replace(" ", "")
        if any(fragment in cle for fragment in fragments):
            return valeur
    return ""


def _motif(motif, texte):
    trouve = motif.search(texte or "")
    return trouve.group(1) if trouve else ""


def _auteur(texte):
    """RSS writes ``recrutement@agence.fr (Agence Dijon Nord)``: the name; an address alone is not one."""
    trouve = re.search(r"\(([^)]+)\)", texte or "")
    if trouve:
        return trouve.group(1).strip()
    return "" if "@" in (texte or "") else (texte or "").strip()


@enregistrer(TypeSource.FLUX)
class ConnecteurFlux(Connecteur):
    def __init__(self, source, *, maintenant=None, dormir=None):
        super().__init__(source, maintenant=maintenant, dormir=dormir)
        self.urls = web.urls_de(source)
        mots = (source.parametres or {}).get("mots_cles") or []
        self.mots_cles = [cle for cle in (normaliser_texte(str(mot)) for mot in mots) if cle]
        self.robots = {}  # each site's robots.txt, read once per run
        self._territoire = None

    @property
    def territoire(self):
        if self._territoire is None:
            self._territoire = web.Territoire(timezone.localdate(self.maintenant))
        return self._territoire

    def _lire(self, url):
        document = web.telecharger(url, accepte=web.ACCEPTE_FLUX, robots=self.robots)
        return lire_flux(document.corps, url)

    def _garder(self, brut, depuis):
        if depuis is not None:
            moment = _moment(brut)
            if moment is not None and moment < depuis:
                return False
        if not self.mots_cles:
            return True
        texte = " ".join(
            [
                web.texte_depuis_html(brut.get("title")),
                web.texte_depuis_html(brut.get("content:encoded") or brut.get("content")),
                web.texte_depuis_html(brut.get("description") or brut.get("summary")),
            ]
        )
        texte = f" {normaliser_texte(texte)} "
        return any(f" {mot} " in texte for mot in self.mots_cles)

    def pages(self, depuis):
        nom = self.source.nom
        if len(self.urls) > 1:
            echec = f"Aucun des {len(self.urls)} flux de la source « {nom} » n'a pu être lu."
        else:
            echec = f"Le flux de la source « {nom} » n'a pas pu être lu."
        for _url, items in web.lire_chacune(self.urls, self._lire, self.erreurs, echec=echec):
            gardes = [brut for brut in items if self._garder(brut, depuis)]
            if gardes:
                yield gardes

    def identifiant(self, brut):
        ident = brut.get("guid") or brut.get("id") or brut.get("link")
        if not ident:
            cle = f"{brut.get('flux', '')}\n{brut.get('title', '')}"
            return "sha1:" + hashlib.sha1(cle.encode()).hexdigest()
        return web.identifiant_court(ident)

    def normaliser(self, brut):
        intitule = web.texte_depuis_html(brut.get("title")).replace("\n", " ")
        if not intitule:
            raise ValueError("élément du flux sans titre")
        description = web.texte_depuis_html(
            brut.get("content:encoded") or brut.get("content") or brut.get("description") or brut.get("summary")
        )
        categories = brut.get("category") or []
        contrat = ("", "")
        for texte in [_extension(brut, EXTENSIONS_CONTRAT), *categories, intitule, _motif(MOTIF_CONTRAT, description)]:
            contrat = web.contrat_depuis_texte(texte)
            if contrat != ("", ""):
                break
        lieu = _extension(brut, EXTENSIONS_LIEU) or _motif(MOTIF_LIEU, description)
        code_postal = _extension(brut, EXTENSIONS_CODE_POSTAL)
        territoire = self.territoire
        insee = territoire.trouver(code_postal, lieu) or territoire.dans_texte(lieu)
        for texte in [*categories, intitule]:
            insee = insee or territoire.dans_texte(texte)
        lien = brut.get("link") or ""
        publication = _moment(brut, DATES_PUBLICATION) or _moment(brut)
        return BrouillonOffre(
            identifiant_externe=self.identifiant(brut),
            intitule=intitule,
            date_publication=timezone.localdate(publication or self.maintenant),
            description=description,
            url=lien if urllib.parse.urlsplit(lien).scheme in ("http", "https") else "",
            employeur=_motif(MOTIF_EMPLOYEUR, description)
            or _extension(brut, EXTENSIONS_EMPLOYEUR)
            or _auteur(brut.get("author") or brut.get("dc:creator")),
            code_commune_insee=insee,
            lieu_travail=" ".join(filter(None, [code_postal, lieu])),
            type_contrat_code=contrat[0],
            nature_contrat_code=contrat[1],
            extras={"flux": brut.get("flux", ""), "categories": categories},
        )

    def parametres_execution(self):
        return {**dict(self.source.parametres), "urls": self.urls}
