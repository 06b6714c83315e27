"""USE-4: a fair-use breach is told once — the customer's administrators and billing members
e-mailed (it announces a charge: ACC-2, billing pays the invoices), partners sent
the ``usage.breach_recorded`` event. Told by the ``breach_recorded`` signal once the rating pass
that recorded it commits; a breach that signal never told (the process stopped after the
commit) is told by the periodic ``usage.money_tasks.breaches_tell``."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.choices import Role
from accounts.notifications import notify_client
from kernel.clock import paris_today
from offers.periods import add_months
from usage.events import announce_breach
from usage.models import ConsumptionCutoff, FairUseBreach

# The signal tells a breach within seconds of its commit: one untold this long after its
# detection lost its process.
UNTOLD_GRACE = timedelta(minutes=5)


def breach_tell(breach_id: int) -> bool:
    """Tell the breach if it was not told (its row locked: never twice). True if told now."""
    with transaction.atomic():
        breach = (
            FairUseBreach.objects.select_for_update()
            .select_related("client", "sip_account")
            .filter(pk=breach_id, notified_at__isnull=True)
            .first()
        )
        if breach is None:
            return False
        breach.notified_at = timezone.now()
        breach.save(update_fields=["notified_at", "updated_at"])
        # BIL-1: a month whose consumption was already posted (its run, or a later month's) is
        # invoiced: the breach's calls go on the next invoice — the e-mail says so
        invoiced = ConsumptionCutoff.objects.filter(month__gte=breach.month).exists()
        notify_client(
            breach.client,
            "usage/email/breach",
            {"breach": breach, "invoiced": invoiced},
            roles=(Role.ADMIN, Role.BILLING),
        )
        announce_breach(breach)
        return True


def breaches_untold_tell() -> int:
    """The breaches detected more than ``UNTOLD_GRACE`` ago and never told, told now (oldest
    first) — those of this month and the last (a breach of an older month, untold before this
    job existed, is not told years late). Returns how many were told."""
    since = add_months(paris_today().replace(day=1), -1)
    untold = FairUseBreach.objects.filter(
        notified_at__isnull=True,
        detected_at__lte=timezone.now() - UNTOLD_GRACE,
        month__gte=since,
    ).order_by("detected_at", "pk")
    return sum(breach_tell(pk) for pk in list(untold.values_list("pk", flat=True)))
