from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from accounts.models import ApiKey


class HasPartnerApiKey(permissions.BasePermission):
    """An active partner key; a read-only key may only read."""

    message = _("This API key is read-only.")

    def has_permission(self, request, view):
        if not isinstance(request.auth, ApiKey):
            self.message = _("Authentication credentials were not provided.")
            return False
        if request.method not in permissions.SAFE_METHODS and request.auth.read_only:
            self.message = _("This API key is read-only.")
            return False
        return True
