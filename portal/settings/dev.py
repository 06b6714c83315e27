"""Local development (`make run`): debug on, embedded SQLite and filesystem broker."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdef"
)
# Demo e-mails land in the terminal; verification would block the demo accounts otherwise.
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
WHITENOISE_AUTOREFRESH = True  # serve from the apps and static/ without collectstatic
# The demo may point webhooks at a listener on this machine.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=True)
