"""What ``offers`` answers to the signals of the layer below it (``accounts``)."""

from django.utils.translation import gettext as _

from offers.choices import LIVE_STATUSES, ContractStatus
from offers.models import Contract


def contracts_still_running(sender, client, **kwargs) -> list[str]:
    """ACC-1 (``accounts.signals.client_closing``): a customer cannot be closed while a contract
    of it is ordered (a sale under way: activated, it bills), active, suspended or terminating
    (in service until its effective date, CON-4)."""
    running = list(
        Contract.objects.filter(client=client, status__in=LIVE_STATUSES | {ContractStatus.ORDERED})
        .order_by("reference")
        .values_list("reference", "status")
    )
    if not running:
        return []
    return [
        _("Contracts still running: %(contracts)s.")
        % {
            "contracts": ", ".join(
                f"{reference} ({str(ContractStatus(status).label).lower()})"
                for reference, status in running
            )
        }
    ]
