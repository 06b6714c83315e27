from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class StaffSecondFactorMiddleware:
    """Staff must use a second factor: the back office and the staff console are closed to a staff
    account until it has activated TOTP (ACC-4; allauth.mfa)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith((reverse("admin:index"), reverse("console:home")))
            and not is_mfa_enabled(user)
        ):
            messages.warning(
                request, _("Staff accounts must use a second factor: activate it to continue.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
