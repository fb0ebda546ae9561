"""Settings of the PLIE back-office, all read from the environment.

Two modes: ``PLIE_MODE=development`` (the default: SQLite, an embedded Celery broker on the
file system, e-mails printed on the console) and ``PLIE_MODE=production`` (every secret
required, HTTPS-only cookies, HSTS: ``manage.py check --deploy`` prints no warning).
"""

import importlib.metadata
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; the real environment wins

PLIE_MODE = env.str("PLIE_MODE", default="development")
if PLIE_MODE not in ("development", "production"):
    raise environ.ImproperlyConfigured("PLIE_MODE doit valoir « development » ou « production ».")
PRODUCTION = PLIE_MODE == "production"

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without one
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
# The previous keys after a change of SECRET_KEY: sessions, reset links and backup codes signed
# or hashed with them stay valid until they are removed from here.
# An empty entry (« SECRET_KEY_FALLBACKS= » left in .env) would accept what anyone can sign.
SECRET_KEY_FALLBACKS = [cle for cle in env.list("SECRET_KEY_FALLBACKS", default=[]) if cle.strip()]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin site of plie.securite_admin: two-factor verified staff only.
    "plie.securite_admin.AdminPlieConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # backup codes
    "plie",
    "participants",
    "entreprises",
    "offres",
    "formation",
    "fse",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Makes the signed-in person known to the audit trail of changes (plie.audit).
    "plie.audit.UtilisateurCourantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After OTPMiddleware and messages: closes unverified sessions of accounts with a second factor,
    # sends an administrateur without one to enrol (plie.securite_web).
    "plie.securite_web.DeuxFacteursMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A lost database connection during a view: the 503 page instead of a 500.
    "plie.middleware.PanneBaseDeDonneesMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Flash messages name participants (« Candidature de … enregistrée ») : kept in the server-side
# session, which logging out empties, not in a readable cookie that outlives the session.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

ROOT_URLCONF = "plie.urls"
WSGI_APPLICATION = "plie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plie.context_processors.navigation",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True  # a failed request writes nothing
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The JIT compiles a long-running query's expressions first: for the dashboard's aggregates it
    # cost more (hundreds of ms) than it saved. Short queries never reach its threshold.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Generated files (reports, exports) go to a configurable storage so that several web and
# worker machines can share them; static files are served by WhiteNoise.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATIC_URL = "/static/"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from the pinned ``bootstrap-wrapper`` wheel, never from a CDN.
    ("bootstrap", str(importlib.metadata.distribution("bootstrap-wrapper").locate_file("bootstrap"))),
]
STORAGES = {
    "default": {"BACKEND": env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- People and access ------------------------------------------------------------------
AUTH_USER_MODEL = "plie.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out attempts
    "plie.droits.ModelBackendEnCache",  # Django's, with each account's rights cached (plie.droits)
]
# Argon2id first (plie.hashers); the others read the hashes stored before, re-hashed at login.
PASSWORD_HASHERS = [
    "plie.hashers.Argon2idOwasp",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # CNIL (délibération 2022-100), login attempts being throttled: at least 12 characters of at
    # least 3 kinds, not a common password, not the holder's name or e-mail.
    {"NAME": "plie.validators.ComplexiteValidator", "OPTIONS": {"longueur_minimale": 12, "classes_minimales": 3}},
    {"NAME": "plie.validators.IdentiteValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "connexion"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "connexion"

# Sessions end after a period of inactivity (each request pushes the expiry back).
SESSION_COOKIE_AGE = env.int("SESSION_INACTIVITY_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Login throttling: five failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # the login form field (it holds the e-mail)
AXES_LOCKOUT_TEMPLATE = "registration/verrouillage.html"
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# The second step of the login (plie.securite_web) reports its failures to axes too; its code is
# never written to the failure log.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor login (django-otp): TOTP application and backup codes (plie.securite). The issuer is
# PLIE_NOM (OTP_TOTP_ISSUER, under "Domain"); each failed code doubles the wait before the next
# try on that device (1, 2, 4… seconds).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Web security -----------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# A strict Content-Security-Policy: everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Locale -----------------------------------------------------------------------------
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Figures are grouped where shown (humanize's intcomma), never globally: a global separator
# would also turn ids in form values and query strings into "1 234".
USE_THOUSAND_SEPARATOR = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Mail -------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587 (console in development).
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="PLIE <ne-pas-repondre@plie.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work --------------------------------------------------------------------
# Without Redis, Celery uses an embedded broker on the file system so that a newcomer runs
# the web app and a worker with one command; production and CI use Redis.
CELERY_DATA_DIR = Path(env.str("CELERY_DATA_DIR", default=str(BASE_DIR / "var" / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A task whose worker died is delivered again after this long (tasks are acknowledged late);
    # longer than the longest task, so that a slow task is not delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_S", default=3600)}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "processed_folder": str(CELERY_DATA_DIR / "processed"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DATA_DIR / 'results'}"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DATA_DIR / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purger-sessions-expirees": {
        "task": "plie.tasks.purger_sessions_expirees",
        "schedule": crontab(hour=3, minute=0),
    },
    "rafraichir-sorties-positives": {
        "task": "participants.tasks.rafraichir_detections",
        "schedule": crontab(hour=2, minute=30),
    },
    "recapitulatif-hebdomadaire-offres": {
        "task": "offres.tasks.recapitulatif_hebdomadaire",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    "ingerer-offres": {
        "task": "offres.tasks.ingerer_sources",
        "schedule": crontab(
            hour=env.int("PLIE_INGESTION_HEURE", default=5), minute=env.int("PLIE_INGESTION_MINUTE", default=0)
        ),
    },
    "balayage-complet-offres": {
        "task": "offres.tasks.balayage_complet",
        "schedule": crontab(hour=4, minute=30, day_of_week="sun"),
    },
    "cloturer-offres-expirees": {
        "task": "offres.tasks.cloturer_offres_expirees",
        "schedule": crontab(hour=4, minute=45),
    },
    "purger-donnees-brutes": {
        "task": "offres.tasks.purger_donnees_brutes",
        "schedule": crontab(hour=4, minute=15),
    },
    "rappel-agendas-fse": {
        "task": "fse.tasks.rappeler_agendas_non_soumis",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    "rapports-mensuels": {
        "task": "reporting.tasks.rapports_du_mois",
        "schedule": crontab(hour=6, minute=0, day_of_month="1"),
    },
    "appliquer-retention": {
        "task": "participants.tasks.appliquer_retention",
        "schedule": crontab(hour=3, minute=30, day_of_month="1"),
    },
}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "{asctime} {levelname} {name} {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {name: {"level": "WARNING"} for name in ("axes", "weasyprint", "fontTools")},
}

# --- Domain -----------------------------------------------------------------------------
# The PLIE's territory is data (plie.Commune); this names the default structure in documents.
PLIE_NOM = env.str("PLIE_NOM", default="PLIE du bassin dijonnais")
OTP_TOTP_ISSUER = PLIE_NOM  # the account's name in the authenticator app
PLIE_TERRITOIRE = env.str("PLIE_TERRITOIRE", default="Dijon Métropole")
# RGPD: how participants reach the data protection officer (information notice, right of access).
PLIE_DPO_CONTACT = env.str("PLIE_DPO_CONTACT", default="dpo@plie.localhost")

# The readings of RULES.md that a PLIE with another protocol may change (one place each).
PLIE_REGLES = {
    # §1: "sans activité depuis plus d'une année" = more than this many calendar months.
    "SANS_ACTIVITE_MOIS": env.int("PLIE_SANS_ACTIVITE_MOIS", default=12),
    # §2: "6 mois" cumulated = this many days covered, within a window of this many days.
    "JOURS_CUMULES": env.int("PLIE_JOURS_CUMULES", default=182),
    "FENETRE_JOURS": env.int("PLIE_FENETRE_JOURS", default=365),
    # §2: "après 6 mois de présence" = start + this many calendar months.
    "MOIS_PRESENCE": env.int("PLIE_MOIS_PRESENCE", default=6),
    # §2: half of 35 h ("17H50"); fewer hours count only with the participant's agreement.
    "SEUIL_HEURES_HEBDO": env.str("PLIE_SEUIL_HEURES_HEBDO", default="17.5"),
    # §2 row 7: age at contract start for the senior-ACI outcome.
    "AGE_SENIOR": env.int("PLIE_AGE_SENIOR", default=55),
    # §3: an entretien at least once per calendar month, and never more than this many days apart.
    "JOURS_MAX_SANS_ENTRETIEN": env.int("PLIE_JOURS_MAX_SANS_ENTRETIEN", default=31),
}

# Absolute address of the app, for links in e-mails.
PLIE_URL = env.str("PLIE_URL", default="http://127.0.0.1:8000")
# How long an account's groups and permissions are kept in the cache (plie.droits; any change of
# accounts, groups or permissions invalidates them at once); 0 reads them on every request.
PLIE_DROITS_CACHE_SECONDES = env.int("PLIE_DROITS_CACHE_SECONDES", default=3600)
# How long a computed dashboard is served again (reporting.tableau); 0 computes it every time.
TABLEAU_CACHE_SECONDES = env.int("PLIE_TABLEAU_CACHE_SECONDES", default=300)
if TABLEAU_CACHE_SECONDES:
    # The usual periods computed again before they expire, during office hours.
    CELERY_BEAT_SCHEDULE["prechauffer-tableaux"] = {
        "task": "reporting.tasks.prechauffer_tableaux",
        "schedule": crontab(minute="*/4", hour="7-19", day_of_week="mon-fri"),
    }
# RULES §4: a positionnement without progress for this many days is flagged for follow-up.
PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS = env.int("PLIE_DELAI_RELANCE_POSITIONNEMENT_JOURS", default=10)

# --- Retention ---------------------------------------------------------------------------
# How long participants' data and the journals are kept (docs/aipd.md §2, docs/production.md),
# applied monthly by participants.retention (``apply_retention``).
PLIE_RETENTION = {
    # Active base: this many months after the participant's last contact, then anonymisation.
    "BASE_ACTIVE_MOIS": env.int("PLIE_RETENTION_BASE_ACTIVE_MOIS", default=24),
    # FSE+ intermediate archiving of those who entered the operation (restricted to the
    # administrateur): until this date (AAAA-MM-JJ, read by participants.retention) when the
    # convention gives one…
    "ARCHIVAGE_FSE_JUSQU_AU": env.str("PLIE_RETENTION_ARCHIVAGE_FSE_JUSQU_AU", default="") or None,
    # …otherwise until 31 December of the Nth year after the exit year (0: no FSE archiving).
    "ARCHIVAGE_FSE_ANS_APRES_SORTIE": env.int("PLIE_RETENTION_ARCHIVAGE_FSE_ANS_APRES_SORTIE", default=5),
    # Access and change journals: rows older than this many months are deleted (CNIL: 6 to 12).
    "JOURNAUX_MOIS": env.int("PLIE_RETENTION_JOURNAUX_MOIS", default=12),
}

# --- Ingestion of job offers (FORMATS.md "Job-board source settings") -------------------------
# Raw payloads of the sources are kept this many days (audit, re-normalisation), then purged.
PLIE_RETENTION_DONNEES_BRUTES_JOURS = env.int("PLIE_RETENTION_DONNEES_BRUTES_JOURS", default=90)
FRANCE_TRAVAIL_CLIENT_ID = env.str("FRANCE_TRAVAIL_CLIENT_ID", default="")
FRANCE_TRAVAIL_CLIENT_SECRET = env.str("FRANCE_TRAVAIL_CLIENT_SECRET", default="")
FRANCE_TRAVAIL_TOKEN_URL = env.str(
    "FRANCE_TRAVAIL_TOKEN_URL",
    default="https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire",
)
FRANCE_TRAVAIL_API_URL = env.str(
    "FRANCE_TRAVAIL_API_URL", default="https://api.francetravail.io/partenaire/offresdemploi/v2"
)
# Last index one search can reach with ``range`` (the spec says 3149, 2026 reports say 1149):
# a search whose total is larger is split into smaller creation-date windows.
FRANCE_TRAVAIL_PLAFOND_RESULTATS = env.int("FRANCE_TRAVAIL_PLAFOND_RESULTATS", default=1149)
# Partner feeds, career pages and "importer depuis une URL": an honest user agent with a contact
# address, robots.txt respected, a bounded wait and size (README, "Offres des sites sans API").
PLIE_COLLECTE_CONTACT = env.str("PLIE_COLLECTE_CONTACT", default="contact@plie.localhost")
PLIE_COLLECTE_USER_AGENT = f"PLIE-backoffice/1.0 (+{PLIE_URL}; {PLIE_COLLECTE_CONTACT})"
PLIE_COLLECTE_TIMEOUT_S = env.int("PLIE_COLLECTE_TIMEOUT_S", default=20)
PLIE_COLLECTE_TAILLE_MAX = env.int("PLIE_COLLECTE_TAILLE_MAX", default=5 * 1024 * 1024)
# Partner workbooks (XLSX/CSV) uploaded on the sources page: size and rows accepted per upload.
PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX = env.int("PLIE_CLASSEUR_PARTENAIRE_TAILLE_MAX", default=5 * 1024 * 1024)
PLIE_CLASSEUR_PARTENAIRE_LIGNES_MAX = env.int("PLIE_CLASSEUR_PARTENAIRE_LIGNES_MAX", default=5000)
# Scanned signed attendance sheets of collective actions (PDF, PNG or JPEG).
PLIE_EMARGEMENT_TAILLE_MAX = env.int("PLIE_EMARGEMENT_TAILLE_MAX", default=10 * 1024 * 1024)
# Uploads (Django's defaults, stated): a request body without files is capped at 2.5 MB, an
# uploaded file over 2.5 MB is streamed to a temporary file rather than held in memory, and a
# request carries at most 10 files. Each upload's own cap is checked by its form (above).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
