"""Test settings: the machine's real PostgreSQL and Redis (locks and workers need them)."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-key-0123456789abcdefghijklmnopqrstuvwxyz-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portal"),
}
CACHES = {
    "default": env.cache_url("CACHE_URL", default="rediscache://127.0.0.1:6379/1"),
}
# The two test processes (xdist workers) share one Redis database: each keeps its keys apart, or
# a one-time code that one process's browser test used (allauth marks it used, by user id and
# code, in the cache) was refused to the other's, signing in the same demo user in the same 30 s.
CACHES["default"]["KEY_PREFIX"] = env.str("PYTEST_XDIST_WORKER", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/2")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # serve from the apps and static/ without collectstatic
# No PDF task per issued invoice unless a test asks (the worker tests set it in their env).
BILLING_RENDER_PDF = env.bool("BILLING_RENDER_PDF", default=False)
# One chunk at a time: a test's data is uncommitted, and other connections do not see it (the
# tests of the parallel import commit theirs; the worker tests set it in their env).
USAGE_IMPORT_WORKERS = env.int("USAGE_IMPORT_WORKERS", default=1)

# Webhooks may call loopback HTTP servers started by the tests (never in production).
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
# An event carrying a key its type does not document (kernel.events.register) fails the test.
WEBHOOKS_CHECK_PAYLOADS = True
