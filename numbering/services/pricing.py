"""What numbers cost (NUM-2): the catalogue products ``number-<type>`` (setup and monthly prices,
€ HT, edited by staff like any product) and ``number-porting`` (per ported line, NUM-3).

- The setup price is charged when the number is assigned.
- The monthly price is billed in advance with the month-end run, from the month after the
  assignment (the month of the assignment is free), for every number assigned on the first day
  of the month billed — as any subscription: a started month is due; none after the end of
  its contract (its termination's effective date).
- A number assigned to a prepaid PLATFORM contract is paid at once for the rest of the
  contract's current commitment period, VAT included, from the prepaid ledger (PLATFORM 24.1.3);
  the months it covers are invoiced as already paid, never billed twice.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import PaymentMethod
from billing.services import charge_post
from kernel.clock import paris_today
from numbering.choices import NumberState
from numbering.models import NumberReservation, PhoneNumber
from offers.choices import TerminationStatus
from offers.models import Product, Termination
from offers.periods import months_or_part, next_month_start
from payments.services import gross_amount, prepaid_debit

PLATFORM = "PLATFORM"


def products() -> dict[str, Product]:
    return {p.code: p for p in Product.objects.filter(code__startswith="number-")}


def post_setup_fees(numbers: list[PhoneNumber], *, actor=None) -> None:
    catalogue = products()
    for number in numbers:
        product = catalogue.get(f"number-{number.number_type}")
        if product is None or product.setup_price <= 0:
            continue
        # BIL-3: the words of an invoice line are French, whatever the customer's language.
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Setup of the number %(number)s") % {"number": number.display}
        charge_post(
            client=number.client,
            kind="setup",
            source_type="number_setup",
            source_id=f"{number.pk}:{number.assigned_at:%Y%m%d%H%M%S}",
            period_start=paris_today(),
            description=description,
            unit_price=product.setup_price,
            contract=number.contract,
            actor=actor,
        )


def reserve_prepaid(numbers: list[PhoneNumber], contract, *, today: date | None = None, actor=None):
    """PLATFORM 24.1.3 for a prepaid customer; nothing for anyone else. Refused (nothing
    assigned) when the balance falls short."""
    client = contract.client
    if client.payment_method != PaymentMethod.PREPAID or contract.preset != PLATFORM:
        return []
    today = today or paris_today()
    period = contract.period_at(today)
    first = next_month_start(today)
    if period is None or period.end <= first:
        return []
    months = months_or_part(first, period.end)
    catalogue = products()
    reservations = []
    for number in numbers:
        product = catalogue.get(f"number-{number.number_type}")
        if product is None or product.monthly_price <= 0:
            continue
        net = product.monthly_price * months
        gross = gross_amount(client=client, net=net)
        with translation.override(settings.LANGUAGE_CODE):  # a ledger line is French (BIL-10)
            description = ngettext(
                "Number %(number)s, %(months)d month paid in advance",
                "Number %(number)s, %(months)d months paid in advance",
                months,
            ) % {"number": number.display, "months": months}
        prepaid_debit(
            client=client,
            amount=gross,
            source_type="number_reservation",
            source_id=f"{number.pk}:{first.isoformat()}",
            description=description,
            actor=actor,
        )
        reservations.append(
            NumberReservation.objects.create(
                number=number,
                contract=contract,
                first_month=first,
                end=period.end,
                amount_gross=gross,
            )
        )
    return reservations


def post_monthly_charges(target: date) -> int:
    """The monthly price of every number assigned before ``target`` (the month billed in
    advance), once per number and month (charge_post is idempotent on its source)."""
    catalogue = products()
    numbers = (
        PhoneNumber.objects.filter(state=NumberState.ASSIGNED, assigned_at__date__lt=target)
        .filter(Q(ported_out_on__isnull=True) | Q(ported_out_on__gt=target))
        # A contract ended by then (its termination scheduled or effective) no longer pays for
        # its numbers: a started month is due, the months after its end are not.
        .exclude(
            Exists(
                Termination.objects.filter(
                    contract_id=OuterRef("contract_id"),
                    status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
                    effective_date__lte=target,
                )
            )
        )
        .select_related("client", "contract")
    )
    prepaid = set(
        NumberReservation.objects.filter(first_month__lte=target, end__gt=target).values_list(
            "number_id", "contract_id"
        )
    )
    posted = 0
    for number in numbers:
        product = catalogue.get(f"number-{number.number_type}")
        if product is None or product.monthly_price <= Decimal(0):
            continue
        charge_post(
            client=number.client,
            kind="subscription",
            source_type="number",
            source_id=number.pk,
            period_start=target,
            period_end=next_month_start(target),
            description=_("Number %(number)s") % {"number": number.display},
            unit_price=product.monthly_price,
            contract=number.contract,
            is_paid=(number.pk, number.contract_id) in prepaid,
        )
        posted += 1
    return posted


def on_run_preparing(sender, month: date, target: date, today: date, **kwargs) -> None:
    """Receiver of ``billing.signals.run_preparing`` (connected in ``NumberingConfig.ready``)."""
    post_monthly_charges(target)
