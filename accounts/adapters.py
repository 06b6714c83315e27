from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from kernel.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Customers are created by staff or partners and their users are invited (ACC-2):
    nobody signs up on their own."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The client behind the ``TRUSTED_PROXY_COUNT`` reverse proxies (``kernel.http``):
        sign-in rate limits count per client, not per proxy (ACC-4)."""
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
