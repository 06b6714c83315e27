"""Who may open a console page (issue 17): active staff only, of the team the page serves.
Anonymous visitors go to the sign-in page; a customer's member gets 404 (the console does not
exist for customers, as another customer's object does not: ACC-2); staff of the other team,
or of no team, get 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from console.teams import teams_of


def staff_required(team: str | None = None):
    """``team=None``: any staff team (the console's home, the customer 360). Sets
    ``request.teams``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.is_staff:
                raise Http404
            teams = teams_of(request.user)
            if not teams or (team is not None and team not in teams):
                raise PermissionDenied
            request.teams = teams
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
