"""Staff roles of the console (issue 17): support staff work the support queues (tickets,
outages, RMAs, port requests), billing staff the billing queues (disputes, payments, dunning,
credits, price changes); both open the customer 360; superusers see everything.

A team is a Django group (created by ``console/migrations/0002_staff_groups.py``), so the back
office's user page gives and takes it away like any other group."""

from django.utils.translation import gettext_lazy as _

from kernel.queues import TEAM_GROUPS, Team

TEAM_LABELS = {Team.SUPPORT: _("Support"), Team.BILLING: _("Billing")}


def teams_of(user) -> set[str]:
    """The teams whose queues ``user`` works; empty for anyone who is not active staff."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return set()
    if user.is_superuser:
        return set(TEAM_GROUPS)
    names = set(user.groups.values_list("name", flat=True))
    return {team for team, group in TEAM_GROUPS.items() if group in names}
