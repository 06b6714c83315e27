"""Demo data of the staff console (issue 17), for `make run`: an overdue failure notification
(its SLA intervention deadline passed) and a dispute awaiting a decision, so that each team's
queues have work in them. Made through the services; idempotent (keyed by subject / reason).

Runs after every other app's demo (``load_demo``'s last module)."""

from datetime import timedelta

from django.utils import timezone

from billing.models import Invoice
from offers.models import Contract
from payments.choices import DisputeStatus
from payments.models import Dispute
from payments.services.disputes import dispute_open
from support.choices import TicketKind, TicketSource
from support.models import Ticket
from support.services.tickets import ticket_open

OVERDUE = "Appels entrants coupés (démo console)"
DISPUTE_REASON = "Frais de mise en service facturés deux fois (démo console)."


def load() -> str:
    done = []
    contract = (
        Contract.objects.filter(client__siren="812345676", offer__code="hosted-a")
        .select_related("client")
        .order_by("pk")
        .first()
    )
    if contract is not None and not Ticket.objects.filter(subject=OVERDUE).exists():
        ticket_open(
            client=contract.client,
            kind=TicketKind.FAILURE,
            subject=OVERDUE,
            body="Les appels entrants sont coupés au bout de quelques secondes.",
            contract=contract,
            source=TicketSource.PORTAL,
            reported_at=timezone.now() - timedelta(days=3),
        )
        done.append("overdue ticket")
    invoice = (
        Invoice.objects.filter(kind="invoice", number__isnull=False, client__isnull=False)
        .exclude(disputes__status=DisputeStatus.OPEN)
        .order_by("-issue_date", "pk")
        .first()
    )
    if invoice is not None and not Dispute.objects.filter(reason=DISPUTE_REASON).exists():
        dispute_open(invoice=invoice, amount="24.00", reason=DISPUTE_REASON)
        done.append(f"dispute of {invoice.number}")
    return ", ".join(done) or "nothing new"
