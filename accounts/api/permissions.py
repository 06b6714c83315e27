"""ACC-3: what a partner's key may do on a view — the scope the request needs.

The family of a view is decided here, once: a view may name it (``scope_family``), otherwise it
is its app's (``APP_FAMILIES``: the customers of ``accounts``, the contracts of ``offers``…; an
app not listed is its own family, which ``*`` covers). No viewset declares its scope.
"""

import functools

from django.apps import apps
from django.utils.translation import gettext as _
from rest_framework import permissions

from accounts.models import ApiKey
from accounts.scopes import READ, WRITE

APP_FAMILIES = {
    "accounts": "customers",
    "offers": "contracts",
    "billing": "billing",
    "payments": "payments",
    "telephony": "telephony",
    "support": "support",
    "numbering": "numbers",
    "webhooks": "webhooks",
    "usage": "usage",
    "equipment": "equipment",
}


@functools.cache
def _family_of_class(view_class: type) -> str:
    declared = getattr(view_class, "scope_family", None)
    if declared:
        return declared
    app = apps.get_containing_app_config(view_class.__module__)
    label = app.label if app is not None else view_class.__module__.split(".", 1)[0]
    return APP_FAMILIES.get(label, label)


def view_family(view) -> str:
    """The resource family a view belongs to (``customers``, ``billing``, ``keys``…)."""
    return _family_of_class(type(view))


def required_scope(request, view) -> tuple[str, str]:
    """(family, access) a request needs: reading is GET/HEAD/OPTIONS, anything else writes."""
    access = READ if request.method in permissions.SAFE_METHODS else WRITE
    return view_family(view), access


class HasPartnerApiKey(permissions.BasePermission):
    """A live partner key whose scopes cover the request (403 ``insufficient_scope``)."""

    code = "insufficient_scope"

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            self.message = _("Authentication credentials were not provided.")
            return False
        family, access = required_scope(request, view)
        if request.auth.allows(family, access):
            return True
        self.message = _("This API key does not have the scope %(scope)s.") % {
            "scope": f"{family}:{access}"
        }
        return False
