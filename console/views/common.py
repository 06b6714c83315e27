"""What every console page shows: the queues of the member's teams with their counts."""

from django.shortcuts import render

from console import selectors
from console.forms import CustomerSearchForm
from console.teams import TEAM_LABELS


def render_console(request, template: str, context: dict | None = None, *, status=200):
    context = {
        "nav_counts": selectors.queue_counts(request.teams),
        "teams": [TEAM_LABELS[team] for team in sorted(request.teams)],
        "search_form": CustomerSearchForm(),
        **(context or {}),
    }
    return render(request, template, context, status=status)
