"""Reading one public page or feed politely, and the job offers it describes.

Shared by the feed and career-page connectors and by "Importer depuis une URL" (README, "Leboncoin,
Qapa et les sites sans API"). One GET per address, with a user agent that names the PLIE and a
contact address, only where the site's robots.txt allows it; a refusal (403) or a request to slow
down (429) ends the reading at once: no retry, no proxy, no browser impersonation.

Offers are read from the schema.org ``JobPosting`` data that job sites publish for search engines
(JSON-LD or microdata); a page without any only gives its title and description (``meta_page``).
"""

import hashlib
import html
import http.client
import ipaddress
import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from django.conf import settings
from django.utils import timezone

from plie.models import Commune

from .base import BrouillonOffre, ErreurConfiguration, ErreurConnecteur, ErreurReseau, normaliser_texte

ACCEPTE_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPTE_FLUX = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5"
ACCEPTE_ROBOTS = "text/plain,*/*;q=0.5"
TAILLE_MAX_ROBOTS = 512 * 1024
LONGUEUR_IDENTIFIANT = 100  # LienSource.identifiant_externe


class ErreurTelechargement(ErreurConnecteur):
    """An address that cannot be read: refused, missing, too big."""


class RefusRobots(ErreurTelechargement):
    """The site's robots.txt closes the address to robots: it is not requested."""


class AccesRefuse(ErreurTelechargement):
    """403 or 429: the site refuses us or asks us to slow down; the reading stops there."""


@dataclass
class Document:
    url: str  # after redirections
    type_contenu: str
    charset: str
    corps: bytes

    @property
    def est_html(self):
        return self.type_contenu in ("", "text/html", "application/xhtml+xml")

    def texte(self):
        charset = self.charset
        if not charset:  # an HTML page may name its encoding only in a <meta> of its head
            trouve = re.search(rb"""<meta[^>]+charset=["']?([\w-]+)""", self.corps[:4096], re.IGNORECASE)
            charset = trouve.group(1).decode("ascii") if trouve else "utf-8"
        try:
            return self.corps.decode(charset)
        except (LookupError, UnicodeDecodeError):
            return self.corps.decode("utf-8", "replace")


# --- Fetching ------------------------------------------------------------------------------------


def verifier_url(url: str) -> str:
    """The address if it may be fetched; else ``ErreurTelechargement`` saying why.

    Any http(s) host is accepted: the addresses come from trusted users (the chargé(e) de mission,
    the administrateur who sets the sources) and the tests serve pages from 127.0.0.1. The page is
    fetched by the server with its network rights, though, so the link-local range, where cloud
    metadata services answer (169.254.169.254), is refused."""
    url = (url or "").strip()
    try:
        parties = urllib.parse.urlsplit(url)
        port = parties.port
    except ValueError:
        raise ErreurTelechargement(f"Adresse illisible : {url}.") from None
    if parties.scheme not in ("http", "https") or not parties.hostname:
        raise ErreurTelechargement(f"Adresse refusée : {url} (seules les adresses http:// ou https:// sont lues).")
    try:
        adresses = socket.getaddrinfo(parties.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ErreurReseau(f"{url} : le site {parties.hostname} est introuvable ({exc}).") from exc
    for *_, adresse in adresses:
        ip = ipaddress.ip_address(adresse[0].split("%")[0])
        mappee = getattr(ip, "ipv4_mapped", None)
        if ip.is_link_local or (mappee and mappee.is_link_local):
            raise ErreurTelechargement(f"Adresse refusée : {url} (adresse réseau interne {ip}).")
    return url


class _Redirections(urllib.request.HTTPRedirectHandler):
    """Each redirection is checked like the first address (scheme, network, robots.txt)."""

    def __init__(self, controler):
        super().__init__()
        self.controler = controler

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.controler(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _lire_corps(reponse, url, taille_max):
    longueur = reponse.headers.get("Content-Length")
    if longueur and longueur.isdigit() and int(longueur) > taille_max:
        raise ErreurTelechargement(f"{url} : document trop volumineux ({int(longueur)} octets, {taille_max} au plus).")
    corps = reponse.read(taille_max + 1)
    if len(corps) > taille_max:
        raise ErreurTelechargement(f"{url} : document trop volumineux (plus de {taille_max} octets).")
    return corps


def _get(url, accepte, taille_max, controler):
    """One GET: (status, headers, body, final address). Network failures are ``ErreurReseau``."""
    ouvreur = urllib.request.build_opener(_Redirections(controler))
    requete = urllib.request.Request(
        url,
        headers={
            "User-Agent": settings.PLIE_COLLECTE_USER_AGENT,
            "Accept": accepte,
            "Accept-Language": "fr-FR,fr;q=0.9",
        },
    )
    try:
        with ouvreur.open(requete, timeout=settings.PLIE_COLLECTE_TIMEOUT_S) as reponse:
            return reponse.status, reponse.headers, _lire_corps(reponse, url, taille_max), reponse.geturl()
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, exc.headers, b"", url
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raison = getattr(exc, "reason", None) or exc
        raise ErreurReseau(f"{url} injoignable : {raison}.") from exc


def _origine(url):
    parties = urllib.parse.urlsplit(url)
    return f"{parties.scheme}://{parties.netloc}"


def _robots(url, cache):
    """The robots.txt rules of ``url``'s site (RFC 9309): a missing file (4xx) allows everything,
    a protected one (401, 403) nothing; a site that does not answer is read another time."""
    origine = _origine(url)
    if cache is not None and origine in cache:
        return cache[origine]
    adresse = f"{origine}/robots.txt"
    statut, entetes, corps, _ = _get(adresse, ACCEPTE_ROBOTS, TAILLE_MAX_ROBOTS, verifier_url)
    regles = urllib.robotparser.RobotFileParser(adresse)
    if statut in (401, 403):
        regles.disallow_all = True
    elif statut == 429:
        raise AccesRefuse(
            f"{adresse} : le site demande de ralentir (429 Trop de requêtes). Rien n'a été lu, sans nouvel essai."
        )
    elif 400 <= statut < 500:
        regles.allow_all = True
    elif statut >= 500:
        raise ErreurReseau(f"{adresse} : le site ne répond pas correctement ({statut}) ; rien n'a été lu.")
    else:
        charset = entetes.get_content_charset() or "utf-8"
        regles.parse(corps.decode(charset, "replace").splitlines())
    if cache is not None:
        cache[origine] = regles
    return regles


def _autoriser(url, cache):
    if not _robots(url, cache).can_fetch(settings.PLIE_COLLECTE_USER_AGENT, url):
        raise RefusRobots(
            f"{url} n'a pas été lue : le fichier robots.txt de {_origine(url)} en interdit la lecture aux robots."
        )


def telecharger(url, *, accepte=ACCEPTE_HTML, robots=None) -> Document:
    """Fetch one page or feed politely (see the module's docstring). ``robots`` is a dict where a
    connector reading several addresses keeps each site's robots.txt for the run."""

    def controler(adresse):
        verifier_url(adresse)
        _autoriser(adresse, robots)

    url = verifier_url(url)
    _autoriser(url, robots)
    statut, entetes, corps, finale = _get(url, accepte, settings.PLIE_COLLECTE_TAILLE_MAX, controler)
    if 200 <= statut < 300:
        return Document(
            url=finale,
            type_contenu=entetes.get_content_type() if entetes.get("Content-Type") else "",
            charset=entetes.get_content_charset() or "",
            corps=corps,
        )
    if statut == 403:
        raise AccesRefuse(f"{url} : accès refusé par le site (403). La lecture s'arrête là, sans nouvel essai.")
    if statut == 429:
        raise AccesRefuse(
            f"{url} : le site demande de ralentir (429 Trop de requêtes). La lecture s'arrête là, sans nouvel essai."
        )
    if statut == 401:
        raise ErreurTelechargement(f"{url} : page réservée aux utilisateurs connectés (401), non lue.")
    if statut in (404, 410):
        raise ErreurTelechargement(f"{url} : page introuvable ({statut}).")
    if statut >= 500:
        raise ErreurReseau(f"{url} : le site ne répond pas correctement ({statut}).")
    raise ErreurTelechargement(f"{url} : réponse inattendue du site ({statut}).")


def urls_de(source) -> list[str]:
    """The addresses a feed or page source reads (``parametres["urls"]``)."""
    urls = (source.parametres or {}).get("urls")
    if isinstance(urls, str):
        urls = [urls]
    if not urls or not isinstance(urls, list):
        raise ErreurConfiguration(
            f"La source « {source.nom} » n'a pas d'adresse à lire : renseignez « urls » dans ses paramètres "
            "(liste d'adresses http:// ou https://)."
        )
    invalides = [
        str(url)
        for url in urls
        if not isinstance(url, str) or urllib.parse.urlsplit(url.strip()).scheme not in ("http", "https")
    ]
    if invalides:
        raise ErreurConfiguration(
            f"La source « {source.nom} » a des adresses illisibles : {', '.join(invalides)} "
            "(attendu : des adresses http:// ou https://)."
        )
    return [url.strip() for url in urls]


def lire_chacune(urls, lire, erreurs, *, echec):
    """Yield ``(url, lire(url))`` for each address. An address that fails is an error appended to
    ``erreurs`` and the others are read; after a 403 or 429 the other addresses of that site are not
    requested. When every address failed, raise (``ErreurReseau`` if they all failed on the network)
    with ``echec`` as the message."""
    stoppes, echecs, reseau = set(), 0, 0
    for url in urls:
        site = urllib.parse.urlsplit(url).netloc.lower()
        if site in stoppes:
            echecs += 1
            erreurs.append(f"{url} non lue : le site {site} a refusé ou limité les lectures précédentes (403 ou 429).")
            continue
        try:
            resultat = lire(url)
        except ErreurConnecteur as exc:
            echecs += 1
            reseau += isinstance(exc, ErreurReseau)
            erreurs.append(str(exc))
            if isinstance(exc, AccesRefuse):
                stoppes.add(site)
            continue
        yield url, resultat
    if urls and echecs == len(urls):
        raise (ErreurReseau if reseau == echecs else ErreurConnecteur)(echec)


def identifiant_court(texte: str) -> str:
    """An external id that fits ``LienSource.identifiant_externe``: long ones (addresses) are hashed."""
    texte = (texte or "").strip()
    if len(texte) <= LONGUEUR_IDENTIFIANT:
        return texte
    return "sha1:" + hashlib.sha1(texte.encode()).hexdigest()


# --- Text, dates, contracts, places --------------------------------------------------------------

BLOCS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ]
)
VIDES = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"]
)
IGNORES = frozenset(["script", "style", "template", "noscript", "svg"])


def _nettoyer(texte):
    """Spaces collapsed inside each line; at most one empty line in a row."""
    lignes, vide = [], False
    for ligne in (texte or "").replace("\r", "\n").split("\n"):
        ligne = " ".join(ligne.split())
        if ligne or not vide:
            lignes.append(ligne)
        vide = not ligne
    return "\n".join(lignes).strip()


class _Texte(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.morceaux, self.ignore = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in IGNORES and tag not in VIDES:
            self.ignore += 1
        elif tag == "li":
            self.morceaux.append("\n- ")
        elif tag in BLOCS:
            self.morceaux.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCS:
            self.morceaux.append("\n")

    def handle_endtag(self, tag):
        if tag in IGNORES:
            self.ignore = max(0, self.ignore - 1)
        elif tag in BLOCS and tag != "li":  # the next item starts its own line
            self.morceaux.append("\n")

    def handle_data(self, data):
        if not self.ignore:
            self.morceaux.append(data)


def texte_depuis_html(valeur) -> str:
    """Plain text of an HTML fragment (tags out, entities decoded, paragraphs kept as lines).
    Descriptions escaped once more (``&lt;p&gt;``), as some sites publish them, are read too."""
    valeur = _chaine(valeur)
    if not valeur:
        return ""
    if "<" not in valeur and "&lt;" in valeur:
        valeur = html.unescape(valeur)
    lecteur = _Texte()
    lecteur.feed(valeur)
    lecteur.close()
    return _nettoyer("".join(lecteur.morceaux))


def _chaine(valeur) -> str:
    """A text out of a JSON-LD value: a string, a number, the name of an object, the first of a list."""
    if valeur is None or isinstance(valeur, bool):
        return ""
    if isinstance(valeur, list):
        return next((texte for texte in map(_chaine, valeur) if texte), "")
    if isinstance(valeur, dict):
        for cle in ("@value", "value", "name", "codeValue", "text"):
            if cle in valeur:
                return _chaine(valeur[cle])
        return ""
    return str(valeur).strip()


def lire_moment(valeur) -> datetime | None:
    """An aware datetime out of ISO 8601 (schema.org, Atom), RFC 822 (RSS) or dd/mm/yyyy, else None."""
    texte = _chaine(valeur)
    if not texte:
        return None
    moment = None
    try:
        moment = datetime.fromisoformat(texte.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(texte)
        except (TypeError, ValueError, IndexError):
            trouve = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", texte)
            if trouve:
                jour, mois, annee = map(int, trouve.groups())
                try:
                    moment = datetime(annee, mois, jour)
                except ValueError:
                    return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def lire_date(valeur) -> date | None:
    moment = lire_moment(valeur)
    return timezone.localdate(moment) if moment else None


# (expressions in normalised text, (France Travail type code, nature code)), the most specific first.
CONTRATS = (
    (("cdi interimaire", "cdi interim"), ("DIN", "")),
    (("apprentissage", "apprenti", "apprentie"), ("", "E2")),
    (("professionnalisation", "contrat pro", "contrat de pro"), ("", "FS")),
    (("interim", "interimaire", "mission interimaire", "travail temporaire"), ("MIS", "")),
    (("saisonnier", "saisonniere"), ("SAI", "")),
    (("cdi",), ("CDI", "")),
    (("cdd",), ("CDD", "")),
)
# schema.org employmentType values that say which contract. FULL_TIME / PART_TIME say the working
# time, CONTRACTOR a freelance and INTERN an internship: none is a contract of the PLIE's list.
CONTRATS_SCHEMA = {"TEMPORARY": ("CDD", ""), "SEASONAL": ("SAI", "")}


def contrat_depuis_texte(texte) -> tuple[str, str]:
    """(type code, nature code) of the contract a text names first ("CDD pouvant déboucher sur un
    CDI" is a CDD), or ("", "")."""
    mots = f" {normaliser_texte(_chaine(texte))} "
    trouves = []
    for rang, (expressions, codes) in enumerate(CONTRATS):
        for expression in expressions:
            position = mots.find(f" {expression} ")
            if position >= 0:
                trouves.append((position, rang, codes))
    return min(trouves)[2] if trouves else ("", "")


def _nom_commune(texte):
    mots = normaliser_texte(re.sub(r"\d+", " ", texte or "")).split()
    remplacements = {"st": "saint", "ste": "sainte"}
    return " ".join(remplacements.get(mot, mot) for mot in mots if mot != "cedex")


class Territoire:
    """The territory's communes valid today, by name and by postal code, read once."""

    def __init__(self, jour=None):
        self.par_nom, postaux = {}, defaultdict(set)
        for commune in Commune.objects.valides_le(jour or timezone.localdate()).order_by("nom"):
            self.par_nom.setdefault(_nom_commune(commune.nom), commune.insee)
            for code in filter(None, (c.strip() for c in commune.codes_postaux.split(","))):
                postaux[code].add(commune.insee)
        # A postal code shared by several communes says nothing: the name has to.
        self.par_code_postal = {code: insees.pop() for code, insees in postaux.items() if len(insees) == 1}
        # Longest names first: "Plombières-lès-Dijon" is not Dijon.
        self.noms = sorted(self.par_nom, key=len, reverse=True)

    def _par_code_postal(self, texte):
        for code in re.findall(r"(?<!\d)\d{5}(?!\d)", texte or ""):
            if code in self.par_code_postal:
                return self.par_code_postal[code]
        return ""

    def trouver(self, code_postal="", localite="") -> str:
        """The INSEE code of the commune an address names (its locality, else a postal code of one
        commune only), or ""."""
        return self.par_nom.get(_nom_commune(localite), "") or self._par_code_postal(f"{code_postal} {localite}")

    def dans_texte(self, texte) -> str:
        """The INSEE code of the first commune of the territory a short text (a title, a category)
        names, or ""."""
        mots = f" {_nom_commune(texte)} "
        for nom in self.noms:
            if f" {nom} " in mots:
                return self.par_nom[nom]
        return self._par_code_postal(texte)


# --- schema.org JobPosting -----------------------------------------------------------------------


def _type_court(valeur):
    """``http://schema.org/JobPosting``, ``schema:JobPosting`` → ``JobPosting``."""
    return re.split(r"[/:#]", str(valeur).strip().rstrip("/"))[-1]


def _types(noeud):
    types = noeud.get("@type") or []
    return {_type_court(t) for t in (types if isinstance(types, list) else [types])}


def _est_offre(noeud):
    return isinstance(noeud, dict) and "JobPosting" in _types(noeud)


def _chercher_offres(noeud, trouvees):
    if isinstance(noeud, list):
        for element in noeud:
            _chercher_offres(element, trouvees)
    elif isinstance(noeud, dict):
        if _est_offre(noeud):
            trouvees.append(noeud)
            return
        for valeur in noeud.values():
            if isinstance(valeur, (list, dict)):
                _chercher_offres(valeur, trouvees)


def _noeuds_par_id(noeud, index):
    if isinstance(noeud, list):
        for element in noeud:
            _noeuds_par_id(element, index)
    elif isinstance(noeud, dict):
        if isinstance(noeud.get("@id"), str) and len(noeud) > 1:
            index.setdefault(noeud["@id"], noeud)
        for valeur in noeud.values():
            if isinstance(valeur, (list, dict)):
                _noeuds_par_id(valeur, index)


def _resoudre(valeur, index):
    """``{"@id": "#employeur"}`` (an ``@graph`` reference) → the node it names."""
    if isinstance(valeur, list):
        return [_resoudre(element, index) for element in valeur]
    if isinstance(valeur, dict) and set(valeur) == {"@id"}:
        return index.get(valeur["@id"], valeur)
    return valeur


def _lire_jsonld(texte):
    texte = texte.strip()
    texte = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", texte)
    texte = re.sub(r"^\s*<!--|-->\s*$", "", texte)
    # strict=False: raw line breaks inside strings are a common slip, harmless to read.
    return json.loads(texte, strict=False)


@dataclass
class _Element:
    tag: str
    proprietes: list
    item: dict | None  # the item this element opens (itemscope)
    parent: dict | None  # the item its properties belong to
    texte: list | None  # its text, when that is its property's value


class _Page(HTMLParser):
    """One pass over a page: JSON-LD blocks, microdata items, title and meta tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocs_jsonld, self.items, self.metas = [], [], {}
        self.titre = None
        self.pile: list[_Element] = []
        self._jsonld = self._titre = None
        self._script = 0

    def _item_courant(self):
        return next((element.item for element in reversed(self.pile) if element.item is not None), None)

    @staticmethod
    def _ajouter(item, proprietes, valeur):
        for nom in proprietes:
            if nom not in item:
                item[nom] = valeur
            elif isinstance(item[nom], list):
                item[nom].append(valeur)
            else:
                item[nom] = [item[nom], valeur]

    def _texte_aux_collecteurs(self, texte):
        for element in self.pile:
            if element.texte is not None:
                element.texte.append(texte)

    def handle_starttag(self, tag, attrs):
        a = {nom: (valeur or "") for nom, valeur in attrs}
        if tag in ("script", "style"):
            self._script += 1
            if tag == "script" and a.get("type", "").split(";")[0].strip().lower() == "application/ld+json":
                self._jsonld = []
        elif tag == "title" and self.titre is None and not self.pile_svg():
            self._titre = []
        elif tag == "meta" and a.get("content"):
            cle = (a.get("property") or a.get("name") or "").lower()
            if cle:
                self.metas.setdefault(cle, a["content"])
        proprietes = a.get("itemprop", "").split()
        parent = self._item_courant()
        item = None
        if "itemscope" in a:
            types = a.get("itemtype", "").split()
            item = {"@type": _type_court(types[0]) if types else ""}
            if not proprietes or parent is None:
                self.items.append(item)
        valeur = None
        if proprietes and item is None:
            if tag == "meta":
                valeur = a.get("content", "")
            elif tag in ("a", "link", "area"):
                valeur = a.get("href", "")
            elif tag in ("img", "audio", "video", "source", "embed", "iframe", "track"):
                valeur = a.get("src", "")
            elif tag == "time" and a.get("datetime"):
                valeur = a["datetime"]
            elif tag in ("data", "meter") and "value" in a:
                valeur = a["value"]
            elif "content" in a:  # <span itemprop="datePosted" content="2026-11-20">20 novembre</span>
                valeur = a["content"]
        if proprietes and parent is not None:
            if item is not None and tag in VIDES:
                self._ajouter(parent, proprietes, item)
            elif valeur is not None:
                self._ajouter(parent, proprietes, valeur)
        if tag in BLOCS:
            self._texte_aux_collecteurs("\n")
        if tag in VIDES:
            return
        collecte = proprietes and parent is not None and item is None and valeur is None
        self.pile.append(
            _Element(tag, proprietes if parent is not None else [], item, parent, [] if collecte else None)
        )

    def pile_svg(self):
        return any(element.tag == "svg" for element in self.pile)

    def _fermer(self, element):
        if element.proprietes and element.parent is not None:
            if element.item is not None:
                self._ajouter(element.parent, element.proprietes, element.item)
            elif element.texte is not None:
                self._ajouter(element.parent, element.proprietes, _nettoyer("".join(element.texte)))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._script = max(0, self._script - 1)
            if tag == "script" and self._jsonld is not None:
                self.blocs_jsonld.append("".join(self._jsonld))
                self._jsonld = None
        elif tag == "title" and self._titre is not None:
            self.titre = _nettoyer("".join(self._titre))
            self._titre = None
        if tag in BLOCS:
            self._texte_aux_collecteurs("\n")
        if tag in VIDES:
            return
        for rang in range(len(self.pile) - 1, -1, -1):
            if self.pile[rang].tag == tag:
                while len(self.pile) > rang:  # elements left open inside are closed with it
                    self._fermer(self.pile.pop())
                return

    def handle_data(self, data):
        if self._jsonld is not None:
            self._jsonld.append(data)
        elif self._titre is not None:
            self._titre.append(data)
        elif not self._script:
            self._texte_aux_collecteurs(data)

    def close(self):
        super().close()
        while self.pile:
            self._fermer(self.pile.pop())


def _analyser(texte_html):
    page = _Page()
    page.feed(texte_html or "")
    page.close()
    return page


def offres_jobposting(texte_html, url) -> list[dict]:
    """Every schema.org ``JobPosting`` of a page, as JSON-LD-shaped dicts: from its JSON-LD blocks
    (lists and ``@graph`` included, references by ``@id`` resolved; a malformed block is skipped),
    then from its microdata for the offers the JSON-LD did not give. Relative ``url``s are made
    absolute against the page's address."""
    page = _analyser(texte_html)
    offres = []
    for bloc in page.blocs_jsonld:
        try:
            donnees = _lire_jsonld(bloc)
        except ValueError:
            continue
        trouvees, index = [], {}
        _chercher_offres(donnees, trouvees)
        _noeuds_par_id(donnees, index)
        offres.extend({cle: _resoudre(valeur, index) for cle, valeur in offre.items()} for offre in trouvees)
    titres = {normaliser_texte(_chaine(offre.get("title") or offre.get("name"))) for offre in offres}
    microdonnees = []
    _chercher_offres(page.items, microdonnees)
    offres.extend(
        offre
        for offre in microdonnees
        if normaliser_texte(_chaine(offre.get("title") or offre.get("name"))) not in titres
    )
    for offre in offres:
        if _chaine(offre.get("url")):
            offre["url"] = urllib.parse.urljoin(url, _chaine(offre["url"]))
    return offres


def meta_page(texte_html) -> dict:
    """What a page without JobPosting still says of itself: its title and description."""
    page = _analyser(texte_html)
    metas = page.metas
    titre = metas.get("og:title") or metas.get("twitter:title") or page.titre or ""
    description = metas.get("og:description") or metas.get("description") or metas.get("twitter:description") or ""
    return {"titre": _nettoyer(titre), "description": _nettoyer(description)}


UNITES_SALAIRE = {"HOUR": "de l'heure", "DAY": "par jour", "WEEK": "par semaine", "MONTH": "par mois", "YEAR": "par an"}


def _montant(valeur):
    try:
        nombre = Decimal(str(valeur).replace(",", "."))
    except InvalidOperation:
        return str(valeur)
    if nombre == nombre.to_integral_value():
        return f"{int(nombre):,}".replace(",", " ")
    return f"{nombre:,.2f}".replace(",", " ").replace(".", ",")


def salaire_depuis_schema(valeur) -> str:
    """``MonetaryAmount`` → "1 850 à 2 100 € par mois"; a plain text stays as it is."""
    if isinstance(valeur, list):
        valeur = valeur[0] if valeur else None
    if not isinstance(valeur, dict):
        return _chaine(valeur)
    devise = _chaine(valeur.get("currency")) or "EUR"
    quantite = valeur.get("value")
    unite = _chaine(valeur.get("unitText"))
    if isinstance(quantite, dict):
        unite = _chaine(quantite.get("unitText")) or unite
        mini, maxi = quantite.get("minValue"), quantite.get("maxValue")
        exact = quantite.get("value")
    else:
        mini = maxi = None
        exact = quantite
    if mini is not None and maxi is not None and mini != maxi:
        montant = f"{_montant(mini)} à {_montant(maxi)}"
    elif exact is not None or mini is not None or maxi is not None:
        montant = _montant(next(v for v in (exact, mini, maxi) if v is not None))
    else:
        return ""
    symbole = "€" if devise.upper() == "EUR" else devise
    suffixe = UNITES_SALAIRE.get(unite.upper(), unite.lower()) if unite else ""
    return " ".join(filter(None, [montant, symbole, suffixe]))


def _adresse(offre):
    """(postal code, locality, text as announced) of the first place of a JobPosting."""
    lieux = offre.get("jobLocation")
    for lieu in lieux if isinstance(lieux, list) else [lieux]:
        if not isinstance(lieu, dict):
            if _chaine(lieu):
                return "", _chaine(lieu), _chaine(lieu)
            continue
        adresse = lieu.get("address")
        if isinstance(adresse, list):
            adresse = adresse[0] if adresse else None
        if isinstance(adresse, dict):
            code, localite = _chaine(adresse.get("postalCode")), _chaine(adresse.get("addressLocality"))
            texte = " ".join(filter(None, [code, localite])) or _chaine(adresse.get("streetAddress"))
            return code, localite, texte
        if _chaine(adresse) or _chaine(lieu.get("name")):
            texte = _chaine(adresse) or _chaine(lieu.get("name"))
            return "", texte, texte
    if _chaine(offre.get("jobLocationType")).upper() == "TELECOMMUTE":
        return "", "", "Télétravail"
    return "", "", ""


def _contrat_schema(offre, titre):
    """The contract a JobPosting names: a French word in employmentType (CDI, intérim…), a
    schema.org value that names one, else a French word in the title."""
    types = offre.get("employmentType") or []
    for valeur in types if isinstance(types, list) else [types]:
        codes = contrat_depuis_texte(valeur)
        if codes != ("", ""):
            return codes
    for valeur in types if isinstance(types, list) else [types]:
        codes = CONTRATS_SCHEMA.get(_chaine(valeur).upper().replace(" ", "_"))
        if codes:
            return codes
    return contrat_depuis_texte(titre)


def _code_rome(valeur):
    trouve = re.search(r"\b([A-N])\s?(\d{4})\b", _chaine(valeur).upper())
    return "".join(trouve.groups()) if trouve else ""


def _nb_postes(valeur):
    try:
        return max(1, int(float(_chaine(valeur))))
    except (TypeError, ValueError):
        return 1


def identifiant_schema(offre) -> str:
    """The JobPosting's own identifier (``PropertyValue`` or text), or ""."""
    return _chaine(offre.get("identifier"))


def brouillon_depuis_jobposting(data, url, *, identifiant=None, territoire=None, aujourd_hui=None) -> BrouillonOffre:
    """A schema.org JobPosting as an offer draft. ``url`` is the page's address; ``territoire`` the
    communes (read once by a connector), ``aujourd_hui`` the publication date when none is given."""
    intitule = texte_depuis_html(data.get("title") or data.get("name")).replace("\n", " ")
    if not intitule:
        raise ValueError("offre JobPosting sans intitulé (title)")
    territoire = territoire or Territoire()
    code_postal, localite, lieu = _adresse(data)
    type_code, nature_code = _contrat_schema(data, intitule)
    lien = _chaine(data.get("url"))
    lien = urllib.parse.urljoin(url, lien) if lien else url
    if urllib.parse.urlsplit(lien).scheme not in ("http", "https"):
        lien = url
    extras = {"format": "schema.org JobPosting", "page": url}
    if limite := lire_date(data.get("validThrough")):
        extras["date_limite"] = limite.isoformat()
    if types := data.get("employmentType"):
        extras["employmentType"] = types
    return BrouillonOffre(
        identifiant_externe=identifiant_court(identifiant or identifiant_schema(data) or lien),
        intitule=intitule,
        date_publication=lire_date(data.get("datePosted")) or aujourd_hui or timezone.localdate(),
        description=texte_depuis_html(data.get("description")),
        url=lien,
        employeur=_chaine(data.get("hiringOrganization")),
        code_commune_insee=territoire.trouver(code_postal, localite) or territoire.dans_texte(lieu),
        lieu_travail=lieu,
        code_rome=_code_rome(data.get("occupationalCategory")),
        type_contrat_code=type_code,
        nature_contrat_code=nature_code,
        horaires=texte_depuis_html(data.get("workHours")).replace("\n", " "),
        salaire=salaire_depuis_schema(data.get("baseSalary")),
        nb_postes=_nb_postes(data.get("totalJobOpenings")),
        extras=extras,
    )
