"""Settings shared by every environment.

Every value that differs between machines is read from the environment here, in one place
(django-environ). Defaults are the embedded ones of `make run`: a SQLite file and a filesystem
Celery broker under `var/`, so that nothing outside the checkout is needed.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Reverse proxies in front of the portal, each appending to X-Forwarded-For: the client is the
# entry the farthest one appended (kernel.http.client_ip). 0: the header is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "kernel",
    "accounts",
    "offers",
    "billing",
    "payments",
    "telephony",
    "equipment",
    "support",
    "numbering",
    "usage",
    "webhooks",
    "console",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "portal.middleware.ApiNoStoreMiddleware",
    # portal.middleware.PagesOnly: the pages' middleware (sessions, the signed-in user, messages,
    # allauth's user sessions, the staff second factor), skipped by the partner API.
    "portal.middleware.SessionMiddleware",
    # Django's, except on /api/: Accept-Language alone picks the language (ACC-3).
    "portal.middleware.LocaleMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's own (its deploy check names it); the API's views are exempt from it.
    "django.middleware.csrf.CsrfViewMiddleware",
    "portal.middleware.AuthenticationMiddleware",
    "portal.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.UserSessionsMiddleware",
    "portal.middleware.StaffSecondFactorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "accounts.context_processors.brand",
            ],
        },
    },
]

# Permissions-Policy (portal.middleware.ContentSecurityPolicyMiddleware): every powerful browser
# feature off — the portal asks for none (a photo of an RMA is a file chosen, not the camera).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip

# --- Content-Security-Policy (django-csp) ------------------------------------------------------
# Scripts and styles from the portal's own origin only; the few inline <style> blocks carry the
# request's nonce ({{ request.csp_nonce }}); no inline script, no inline event handler. The back
# office also allows inline styles (portal.middleware.ContentSecurityPolicyMiddleware).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker, beat and the web server write to the same file: WAL and immediate
    # transactions avoid "database is locked" under that light concurrency.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (shared by every process: login rate limits live here) ------------------------------
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# Customers are created by staff or partners and users are invited: no public sign-up.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Portail Azur Télécom")
USERSESSIONS_TRACK_ACTIVITY = True

SESSION_COOKIE_AGE = 60 * 60 * 12
# Django's messages, except that one tagged "secret" (a new API key) is kept in the session,
# never in the (signed, readable) cookie: kernel.messages.
MESSAGE_STORAGE = "kernel.messages.MessageStorage"

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates day first (portal/formats/en): the customers are French companies.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Azur Télécom <noreply@azur-telecom.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- The reseller (seller of record) ----------------------------------------------------------
RESELLER = {
    "name": env.str("RESELLER_NAME", default="Azur Télécom"),
    "legal_name": env.str("RESELLER_LEGAL_NAME", default="Azur Télécom SAS"),
    "siren": env.str("RESELLER_SIREN", default="732829320"),
    "vat_number": env.str("RESELLER_VAT", default="FR44732829320"),
    "address": env.str("RESELLER_ADDRESS", default="12 rue de la République, 13001 Marseille"),
    "support_email": env.str("RESELLER_SUPPORT_EMAIL", default="support@azur-telecom.example"),
    # Mentions a French company's invoices must carry (Code de commerce R123-237).
    "legal_form": env.str("RESELLER_LEGAL_FORM", default="SAS au capital de 50 000 €"),
    "rcs": env.str("RESELLER_RCS", default="RCS Marseille 732 829 320"),
    # BIL-3 (CGI ann. II art. 242 nonies A): the reseller opted to pay the VAT on its services
    # "d'après les débits" (on invoicing) rather than on payment: its invoices say so.
    "vat_on_debits": env.bool("RESELLER_VAT_ON_DEBITS", default=False),
    "primary_color": "#0b5cad",
    "secondary_color": "#f2a900",
}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # JSON only (portal.api.negotiation): HTML or an unknown ?format= is a 406.
    "DEFAULT_RENDERER_CLASSES": ["portal.api.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "portal.api.negotiation.JsonOnlyNegotiation",
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; JSON deeper than 64 levels a 400.
    "DEFAULT_PARSER_CLASSES": [
        "kernel.parsers.BoundedJSONParser",
        "kernel.parsers.BoundedFormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.permissions.HasPartnerApiKey"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "kernel.filters.FilterBackend",
        "kernel.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PartnerAutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner API",
    "DESCRIPTION": "White-label API for partners: their customers (sites, users, contracts and "
    "offers), SIP accounts and trunks, phone numbers and number portability, call records "
    "(upload, rated calls, monthly consumption), equipment and returns (RMA), support tickets, "
    "invoices and payments, and webhooks for the events of all of these. Every answer is "
    "scoped to the partner's own customers. Authenticate with `Authorization: Api-Key <key>`."
    "\n\n## Webhooks\n\n"
    "Register an endpoint with `POST /api/v1/webhook-endpoints/` (its signing secret, "
    "`whsec_…`, is shown once); `GET /api/v1/webhook-event-types/` lists the event types. Each "
    'message is a `POST` of the JSON body `{"type", "timestamp", "data"}` with three '
    "headers (Standard Webhooks): `webhook-id` (the event's id), `webhook-timestamp` (Unix "
    "seconds) and `webhook-signature`. To verify a message:\n\n"
    "1. take the secret without its `whsec_` prefix and base64-decode it: that is the key;\n"
    "2. compute the HMAC-SHA256, with that key, of `{webhook-id}.{webhook-timestamp}.{body}` "
    "— the two headers and the raw body as received (its bytes, before any JSON parsing), "
    "joined by dots — and base64-encode it;\n"
    "3. the message is authentic if that equals one of the space-separated `v1,<signature>` "
    "entries of `webhook-signature` (two after a secret rotation, during its overlap); compare "
    "in constant time;\n"
    "4. refuse a `webhook-timestamp` more than 5 minutes away from your clock (a replay).\n\n"
    "Answer 2xx within 10 seconds; anything else is retried after 5 s, 5 min, 30 min, 2 h, "
    "5 h, 10 h and 10 h, then the delivery fails (`/api/v1/webhook-deliveries/` shows every "
    "attempt; redeliver from there). A message may come more than once and in any order: "
    "de-duplicate on `webhook-id` (the same on every retry), order by `timestamp` (when the "
    "change happened) and read the object's current state through the API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status": the CDR imports' gets its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "CdrImportStatusEnum": "usage.choices.ImportStatus",
        # A number's 08 price class (numbering.choices.PriceClass, its values here: settings
        # import no app) and a tariff's price class are two choice sets.
        "NumberPriceClassEnum": ["toll_free", "uan", "shared_cost", "premium"],
        "TariffPriceClassEnum": "usage.choices.PriceClass",
    },
}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Above the longest task, so that a long invoice run is not redelivered while it runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 60 * 60}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="portal")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Terminations first, so that a contract ending today is not renewed (CON-3, CON-4).
    "contracts-apply-terminations": {
        "task": "offers.tasks.apply_terminations",
        "schedule": crontab(hour=0, minute=10),
    },
    "contracts-renew": {
        "task": "offers.tasks.renew_contracts",
        "schedule": crontab(hour=0, minute=20),
    },
    # CON-6: new prices in force today (the run already prices each month by itself).
    "contracts-apply-price-changes": {
        "task": "offers.tasks.apply_price_changes",
        "schedule": crontab(hour=0, minute=15),
    },
    # BIL-1: just after midnight Paris at the end of month M (00:05 on the 1st of M+1).
    "billing-month-end-run": {
        "task": "billing.tasks.month_end_run",
        "schedule": crontab(day_of_month=1, hour=0, minute=5),
    },
    # BIL-6/BIL-7: reminders, late interest, suspension proposals (payments app).
    "payments-daily-collection": {
        "task": "payments.tasks.daily_collection",
        "schedule": crontab(hour=7, minute=0),
    },
    # SLA-10: last month's availability reports and credits, on the 1st (support app).
    "support-monthly-sla-reports": {
        "task": "support.tasks.monthly_sla_reports",
        "schedule": crontab(day_of_month=1, hour=1, minute=0),
    },
    # TRK-3: channel orders unpaid for 7 days expire.
    "telephony-expire-channel-orders": {
        "task": "telephony.tasks.expire_channel_orders",
        "schedule": crontab(hour=0, minute=40),
    },
    "contracts-flag-inactive": {
        "task": "offers.tasks.flag_inactive_contracts",
        "schedule": crontab(hour=6, minute=0),
    },
    "numbering-daily": {
        "task": "numbering.tasks.daily",
        "schedule": crontab(hour=0, minute=20),
    },
    # EQP-5/EQP-6: returns opened for ended rentals and contracts, non-returns billed (after the
    # terminations of 00:10).
    "equipment-daily": {
        "task": "equipment.tasks.daily",
        "schedule": crontab(hour=0, minute=30),
    },
    # USE: CDR partitions created ahead and the 12-month retention (PLATFORM 6.7).
    "usage-partitions-daily": {
        "task": "usage.tasks.partitions_daily",
        "schedule": crontab(hour=0, minute=30),
    },
    # Consumption alerts: a block of outgoing calls ends with its month (event usage.block_lifted).
    "usage-blocks-expire": {
        "task": "usage.money_tasks.blocks_expire",
        "schedule": crontab(hour=0, minute=1),
    },
    # CON-8: a top-up whose lift of the exhausted-balance suspension was lost (its process
    # stopped after the commit) is lifted within 5 minutes.
    "usage-prepaid-lifts": {
        "task": "usage.money_tasks.prepaid_lifts",
        "schedule": 300,
    },
    # USE-4: a fair-use breach whose notice was lost (its process stopped after the commit).
    "usage-breaches-tell": {
        "task": "usage.money_tasks.breaches_tell",
        "schedule": 300,
    },
    # CON-6 (HOSTED-A 6, PLATFORM 12.2): the tariffs entered the day before, told to customers.
    "usage-tariffs-announce": {
        "task": "usage.tasks.tariffs_announce",
        "schedule": crontab(hour=0, minute=2),
    },
    # USE: CDR files dropped in the inbox folder.
    "usage-inbox-scan": {
        "task": "usage.tasks.inbox_scan",
        "schedule": env.int("USAGE_INBOX_SCAN_SECONDS", default=60),
    },
    "webhooks-sweep": {
        "task": "webhooks.tasks.sweep",
        "schedule": 60,
    },
    # Issue 13: the change log of kept API pages (kernel.changes) loses what no page can need.
    "kernel-prune-changes": {
        "task": "kernel.tasks.prune_changes",
        "schedule": 300,
    },
    # E-mails a mail server refused, sent again when due (kernel.mail).
    "kernel-mail-retry": {
        "task": "kernel.tasks.mail_retry",
        "schedule": 300,
    },
    # ACC-3: the partner API's Idempotency-Key records are kept 7 days (accounts.api.idempotency).
    "accounts-purge-idempotency-records": {
        "task": "accounts.tasks.purge_idempotency_records",
        "schedule": crontab(hour=3, minute=30),
    },
    "portal-heartbeat": {
        "task": "accounts.tasks.heartbeat",
        "schedule": env.int("HEARTBEAT_SECONDS", default=60),
    },
}

# Issue 13: a list page asked again is answered from memory while no committed change touches
# the tables it reads (portal.api.pagination, kernel.changes); API_PAGE_CACHE=0 turns it off.
API_PAGE_CACHE = env.bool("API_PAGE_CACHE", default=True)

# Issue 15: the chunks of a CDR import run on this many database connections at once (threads
# of the import task; PostgreSQL only, SQLite imports one chunk at a time). Each chunk's work is
# one PostgreSQL backend's CPU: two cores, two chunks (bench/rating.py).
USAGE_IMPORT_WORKERS = env.int("USAGE_IMPORT_WORKERS", default=2)
# CDR import: the file is read this many chunks at a time, each window split by customer
# (usage.services.imports._line_chunks); 1 = chunks of consecutive lines.
USAGE_IMPORT_WINDOW = env.int("USAGE_IMPORT_WINDOW", default=10)

# --- Webhooks (SPEC §9) -----------------------------------------------------------------------
# Plain HTTP to 127.0.0.1/::1 is for the tests and the demo only: production delivers to public
# HTTPS addresses.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Seconds to wait after each failed attempt (Standard Webhooks' schedule: 8 tries over 27 h 35).
WEBHOOKS_RETRY_SCHEDULE = tuple(
    env.list("WEBHOOKS_RETRY_SCHEDULE", cast=int, default=[5, 300, 1800, 7200, 18000, 36000, 36000])
)
WEBHOOKS_LEASE_SECONDS = env.int("WEBHOOKS_LEASE_SECONDS", default=30)
WEBHOOKS_DISPATCH_GRACE_SECONDS = env.int("WEBHOOKS_DISPATCH_GRACE_SECONDS", default=10)
WEBHOOKS_DISABLE_AFTER_HOURS = env.int("WEBHOOKS_DISABLE_AFTER_HOURS", default=5 * 24)

# --- Numbers (NUM-2, NUM-3) -------------------------------------------------------------------
NUMBERS_QUARANTINE_DAYS = env.int("NUMBERS_QUARANTINE_DAYS", default=90)
# What the portal states as the usual delay of a port-in (no date is guaranteed).
PORT_IN_EXPECTED_DAYS = env.int("PORT_IN_EXPECTED_DAYS", default=10)

# --- Usage (SPEC §4) ---------------------------------------------------------------------------
# The folder the carrier's CDR files are dropped into (imported, then moved to done/).
USAGE_INBOX_DIR = env.path("USAGE_INBOX_DIR", default=str(VAR_DIR / "cdr-inbox"))
# A file of the inbox modified more recently than this is left for the next scan (being written).
USAGE_INBOX_SETTLE_SECONDS = env.int("USAGE_INBOX_SETTLE_SECONDS", default=60)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Billing: buyers per Celery task of the month-end run, and PDF rendering after issue.
BILLING_BATCH_SIZE = env.int("BILLING_BATCH_SIZE", default=200)
BILLING_RENDER_PDF = env.bool("BILLING_RENDER_PDF", default=True)

# BIL-7: suspend for non-payment automatically past due + 8 days (False: staff confirm).
PAYMENTS_AUTO_SUSPEND = env.bool("PAYMENTS_AUTO_SUSPEND", default=False)
# BIL-4: the reseller as SEPA creditor (pain.008); the demo values are the EPC's examples.
SEPA_CREDITOR = {
    "name": env.str("SEPA_CREDITOR_NAME", default="Azur Telecom SAS"),
    "IBAN": env.str("SEPA_CREDITOR_IBAN", default="FR7630006000011234567890189"),
    "BIC": env.str("SEPA_CREDITOR_BIC", default="AGRIFRPP"),
    "creditor_id": env.str("SEPA_CREDITOR_ID", default="FR72ZZZ123456"),
}

# Absolute address of the portal, for links in e-mails.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
