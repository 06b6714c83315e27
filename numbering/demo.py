"""Demo numbers: the shipped extract of ranges (numbering/data/demo_ranges.csv) and two numbers
assigned to the demo customer's hosted telephony. Idempotent."""

from pathlib import Path

from accounts.models import Client
from numbering import services
from numbering.choices import NumberState
from numbering.models import NumberRange, PhoneNumber
from offers.choices import LIVE_STATUSES
from offers.models import Contract

DEMO_SIREN = "834567893"  # offers.demo: a HOSTED-W customer
EXTRACT = Path(__file__).with_name("data") / "demo_ranges.csv"


def load() -> str:
    done = []
    if not NumberRange.objects.exists():
        ranges, numbers = services.import_ranges(content=EXTRACT.read_bytes(), source=EXTRACT.name)
        done.append(f"{ranges} ranges, {numbers} numbers")
    client = Client.objects.filter(siren=DEMO_SIREN).first()
    contract = (
        Contract.objects.filter(client=client, status__in=LIVE_STATUSES, offer__code="hosted-w")
        .order_by("pk")
        .first()
        if client
        else None
    )
    if contract is not None and not PhoneNumber.objects.filter(client=client).exists():
        free = PhoneNumber.objects.filter(
            state=NumberState.AVAILABLE, e164__startswith="+33172"
        ).order_by("e164")[:2]
        services.assign_numbers(client=client, numbers=[n.e164 for n in free], contract=contract)
        done.append("2 numbers assigned")
    return ", ".join(done) or "up to date"
