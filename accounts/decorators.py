"""Access to the customer portal: a signed-in member of an active customer, with a role that
allows the page (ACC-2). Every portal view of every app uses this."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.selectors import membership_for


def member_required(permission: str | None = None):
    """Sets ``request.membership`` and ``request.client``; 403 when the role does not allow."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(request.user)
            if membership is None:
                raise PermissionDenied
            if permission is not None and not membership.can(permission):
                raise PermissionDenied
            request.membership = membership
            request.client = membership.client
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
