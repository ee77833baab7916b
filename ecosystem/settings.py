"""One settings module, configured from the environment (django-environ).

DJANGO_ENV is `development` (default), `test` or `production`. Production
requires DJANGO_SECRET_KEY, DATABASE_URL, REDIS_URL and BASE_DOMAIN and turns
on every secure default (`manage.py check --deploy` is clean).
"""

import ipaddress
import os
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `make run` / `make test` write the URLs of the embedded servers here so that
# `manage.py` run by hand finds them; real environment variables win.
if env("DJANGO_ENV", default="development") != "production" and (BASE_DIR / ".data" / "env").exists():
    env.read_env(BASE_DIR / ".data" / "env", overwrite=False)

DJANGO_ENV = env("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test"

DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-used-in-production")

# Tenants live on subdomains of BASE_DOMAIN; the public site is BASE_DOMAIN itself.
# Spelled as the tenant middleware spells a request's host (lower case, no trailing dot).
BASE_DOMAIN = env("BASE_DOMAIN", default="localhost").lower().removesuffix(".")
# Links in mails and redirects between hosts: scheme and port of the public site.
SITE_SCHEME = env("SITE_SCHEME", default="https" if PRODUCTION else "http")
SITE_PORT = env("SITE_PORT", default="")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("DJANGO_ALLOWED_HOSTS", default=[])]
if not PRODUCTION:
    ALLOWED_HOSTS += ["localhost", ".localhost", "127.0.0.1"]
# Reverse proxies (addresses or networks, e.g. 10.0.0.0/8) whose X-Forwarded-For
# is believed; none by default: the client is the direct peer (REMOTE_ADDR).
# Parsed here so that a wrong value stops the start, not a request.
TRUSTED_PROXIES = [str(ipaddress.ip_network(p, strict=False)) for p in env.list("TRUSTED_PROXIES", default=[])]

# --- Applications -----------------------------------------------------------

SHARED_APPS = [
    "django_tenants",
    "ecosystem.tenancy",
    "ecosystem.accounts",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_filters",
    "axes",
    "ecosystem.demo",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "ecosystem.accounts",
    "rest_framework.authtoken",
    "axes",
    "ecosystem.core",
    "governance",
    "partners",
    "ecosystem.missions",
    "ecosystem.value",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Orchestrator"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
PUBLIC_SCHEMA_URLCONF = "ecosystem.urls_public"
ROOT_URLCONF = "ecosystem.urls"
# How long a process trusts its cached host -> tenant lookup (seconds).
TENANT_CACHE_SECONDS = env.int("TENANT_CACHE_SECONDS", default=10)

MIDDLEWARE = [
    "ecosystem.core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ecosystem.tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecosystem.accounts.middleware.TenantBoundSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "ecosystem.core.context_processors.navigation",
            ],
            "libraries": {"core_tags": "ecosystem.core.templatetags.core_tags"},
        },
    }
]

WSGI_APPLICATION = "ecosystem.wsgi.application"

# --- Data -------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/symbiose")}
# A Unix-socket directory travels percent-encoded in the URL's host part.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# One SET search_path when the schema changes, not one per cursor.
TENANT_LIMIT_SET_CALLS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key carries the schema of the current tenant (django-tenants).
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="symbiose"),
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "symbiose_session"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ecosystem.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# How long the single-use link that signs a new orchestrator admin in on their
# tenant's host, right after sign-up on the public host, is accepted.
SIGN_IN_HANDOVER_SECONDS = 120
# Default for new tenants; each orchestrator sets its own in its ecosystem profile.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
AGREEMENT_EXPIRING_DAYS = env.int("AGREEMENT_EXPIRING_DAYS", default=30)
AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
PARTNER_IMPORT_MAX_BYTES = env.int("PARTNER_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
PARTNER_IMPORT_MAX_ROWS = env.int("PARTNER_IMPORT_MAX_ROWS", default=20_000)
# Sign-ups (each creates a schema) per client address, page and API together.
SIGNUP_RATE = env("SIGNUP_RATE", default="20/hour")

# Login throttling (django-axes): 5 failures for one email from one address
# lock that pair out for 15 minutes. Attempts are stored per tenant schema.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Django's login form and our token endpoint both pass the email as `username`.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "ecosystem.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "ecosystem.core.network.client_ip"
AXES_VERBOSE = False
# "Find my ecosystem" on the public landing page: requests per client address
# and per email (DRF's rate notation, like the sign-up API's throttle).
ECOSYSTEM_FINDER_RATES = {"ip": "10/hour", "email": "3/hour"}

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Each language's own date formats (23 Nov 2026 / 23/11/2026) on pages and in
# mails; the API stays ISO 8601 (DRF's default).
FORMAT_MODULE_PATH = ["ecosystem.formats"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    # Outside production static files come from the finders; no collected folder.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / ".data" / "media")

# --- Mail -------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"Symbiose <no-reply@{BASE_DOMAIN}>")
if PRODUCTION:
    EMAIL_CONFIG = env.email("EMAIL_URL", default="smtp://localhost:25")
    vars().update(EMAIL_CONFIG)
else:
    # Outgoing mail lands as files a person or a test can open.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=BASE_DIR / ".data" / "mail")

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ecosystem.accounts.authentication.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ecosystem.core.permissions.TenantMemberPermission"],
    "DEFAULT_PARSER_CLASSES": [
        "ecosystem.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ecosystem.core.api.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Symbiose API",
    "DESCRIPTION": "Partners, missions, contributions, value reports and governance of one orchestrator's ecosystem.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "ecosystem.core.roles.Role",
        "ParticipantRoleEnum": "partners.models.ParticipantRole",
        "PartnerStatusEnum": "partners.models.Partner.Status",
        "AgreementKindEnum": "partners.models.Agreement.Kind",
        "MissionStatusEnum": "ecosystem.missions.models.Mission.Status",
        "MissionRoleEnum": "ecosystem.missions.models.Participation.Role",
        "ContributionKindEnum": "ecosystem.missions.models.Kind",
        "ContributionStatusEnum": "ecosystem.missions.models.Contribution.Status",
        "RuleKindEnum": "governance.models.Rule.Kind",
        # A value report's and a governance review's lifecycle: the same five states.
        "JobStatusEnum": "governance.models.Review.Status",
        "DecisionKindEnum": "governance.models.Decision.Kind",
        "AppealStateEnum": "governance.models.Appeal.State",
    },
}

# --- Celery -----------------------------------------------------------------


def _broker_url(url: str) -> str:
    # Kombu names a Unix-socket Redis `redis+socket://`; redis-py says `unix://`.
    if url.startswith("unix://"):
        path, _, query = url.removeprefix("unix://").partition("?")
        db = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return url


CELERY_BROKER_URL = _broker_url(env("CELERY_BROKER_URL", default=REDIS_URL))
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A value report running longer than this is stopped; the sweeper fails one whose worker was lost.
VALUE_REPORT_TIME_LIMIT = env.int("VALUE_REPORT_TIME_LIMIT", default=30 * 60)
# The same for a governance review (its sweeper runs with the reports' one).
GOVERNANCE_REVIEW_TIME_LIMIT = env.int("GOVERNANCE_REVIEW_TIME_LIMIT", default=15 * 60)
# Beat rebuilds the value roll-ups of the months changed since, in every tenant, this often.
VALUE_ROLLUP_MINUTES = env.int("VALUE_ROLLUP_MINUTES", default=5)
# A delivered task whose worker died (never acknowledged) goes back to the queue after this long:
# longer than the longest task (a value report's time limit), or a slow task would run twice at once.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=VALUE_REPORT_TIME_LIMIT + 300)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "fanout_prefix": True, "fanout_patterns": True, "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for such tasks (kombu's defaults: about every 100 s).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}  # fmt: skip
# Tests get a queue of their own, so a developer's running worker never takes their tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default=f"test-{os.getpid()}" if TESTING else "symbiose")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "tenancy.clear_expired_sessions_everywhere",
        "schedule": timedelta(hours=6),
    },
    "sweep-stuck-reports": {
        "task": "value.sweep_stuck_reports_everywhere",
        "schedule": timedelta(minutes=5),
    },
    "sweep-stuck-reviews": {
        "task": "governance.sweep_stuck_reviews_everywhere",
        "schedule": timedelta(minutes=5),
    },
    "value-rollups": {
        "task": "value.refresh_rollups_everywhere",
        "schedule": timedelta(minutes=VALUE_ROLLUP_MINUTES),
    },
    "monthly-reports": {
        "task": "value.monthly_reports_everywhere",
        "schedule": crontab(minute=0, hour=3, day_of_month=1),
    },
}

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Only a local trial over plain HTTP (compose.yaml) turns these off.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_TRUSTED_ORIGINS = [f"https://{BASE_DOMAIN}", f"https://*.{BASE_DOMAIN}"]

if TESTING:
    # Hashing cost is not what the tests measure.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django": {"handlers": [], "propagate": True},
    },
}
