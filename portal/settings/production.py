"""Production: every secret comes from the environment and the app refuses to start without it."""

import gc

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # no default: fail fast
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": env.db_url("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
CACHES = {"default": env.cache_url("CACHE_URL")}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
ACCOUNT_EMAIL_VERIFICATION = "mandatory"

# A page of the partner API builds tens of thousands of short-lived objects (model rows,
# serializer fields), most freed at once by reference counting: with CPython's default
# thresholds (700, 10, 10) the cyclic collector still runs dozens of times a request. Fewer,
# larger young collections: about 10 % less CPU on the heavy lists (issue 13, bench/api_load.py).
gc.set_threshold(50_000, 20, 50)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Exactly the proxies in front of the portal (one TLS-terminating proxy by default): sign-in rate
# limits and the API throttle count per client behind them, never per proxy.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
