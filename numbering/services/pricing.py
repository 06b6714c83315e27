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

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import PaymentMethod
from billing.models import InvoiceRun
from billing.services import charge_post
from kernel.clock import paris_today
from numbering.choices import NumberState
from numbering.models import NumberReservation, PhoneNumber
from offers.choices import TerminationStatus
from offers.models import Product, Termination
from offers.periods import add_months, months_or_part, next_month_start
from payments.services import gross_amount, ledger_text, prepaid_debit

PLATFORM = "PLATFORM"
MONTHLY_SOURCE = "number"  # the source of a number's monthly charges


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


@dataclass(frozen=True)
class PrepaidQuote:
    """PLATFORM 24.1.3: what an assignment takes from a prepaid balance — the months from
    ``first_month`` to ``end`` (the current commitment period's end, excluded), € HT and TTC."""

    first_month: date
    end: date
    months: int
    net: Decimal
    gross: Decimal


def _prepaid_span(contract, today: date) -> tuple[date, date, int] | None:
    """The months a prepaid PLATFORM contract's new number is paid for at once; None for any
    other contract, or when its period ends with the month."""
    if contract.client.payment_method != PaymentMethod.PREPAID or contract.preset != PLATFORM:
        return None
    period = contract.period_at(today)
    first = next_month_start(today)
    if period is None or period.end <= first:
        return None
    return first, period.end, months_or_part(first, period.end)


def _prepaid_amounts(numbers, contract, months: int):
    """(number, net, gross) of each number with a monthly price: one debit per number."""
    catalogue = products()
    for number in numbers:
        product = catalogue.get(f"number-{number.number_type}")
        if product is None or product.monthly_price <= 0:
            continue
        net = product.monthly_price * months
        yield number, net, gross_amount(client=contract.client, net=net)


def prepaid_quote(numbers, contract, *, today: date | None = None) -> PrepaidQuote | None:
    """What ``reserve_prepaid`` would debit for these numbers today (shown before the customer
    confirms); None when nothing would be."""
    span = _prepaid_span(contract, today or paris_today())
    if span is None:
        return None
    first, end, months = span
    amounts = list(_prepaid_amounts(numbers, contract, months))
    if not amounts:
        return None
    return PrepaidQuote(
        first_month=first,
        end=end,
        months=months,
        net=sum((net for _number, net, _gross in amounts), Decimal(0)),
        gross=sum((gross for _number, _net, gross in amounts), Decimal(0)),
    )


def reserve_prepaid(numbers: list[PhoneNumber], contract, *, today: date | None = None, actor=None):
    """PLATFORM 24.1.3 for a prepaid customer; nothing for anyone else. Refused (nothing
    assigned) when the balance falls short."""
    client = contract.client
    span = _prepaid_span(contract, today or paris_today())
    if span is None:
        return []
    first, end, months = span
    reservations = []
    for number, _net, gross in _prepaid_amounts(numbers, contract, months):
        # a ledger line is French (BIL-10), with its English twin for an English reader
        description = ledger_text(
            lambda number=number: ngettext(
                "Number %(number)s, %(months)d month paid in advance",
                "Number %(number)s, %(months)d months paid in advance",
                months,
            )
            % {"number": number.display, "months": months}
        )
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
                end=end,
                amount_gross=gross,
            )
        )
    return reservations


def post_monthly_charges_since(day: date, *, numbers: list[int], today: date) -> int:
    """NUM-2: the months of ``numbers`` (assigned on ``day``, recorded late) that the runs
    until ``today`` billed in advance without them: from the month after ``day`` to the
    current month (its run, at the previous month's end, is past), and the next one when its
    run is done already. A month already posted is not posted twice."""
    posted, target = 0, next_month_start(day)
    while target <= today or InvoiceRun.objects.filter(month=add_months(target, -1)).exists():
        posted += post_monthly_charges(target, numbers=numbers)
        target = next_month_start(target)
    return posted


def post_monthly_charges(target: date, *, numbers: list[int] | None = None) -> int:
    """The monthly price of every number assigned before ``target`` (the month billed in
    advance), once per number and month (charge_post is idempotent on its source);
    ``numbers``: these numbers only."""
    catalogue = products()
    numbers = (
        PhoneNumber.objects.filter(
            state=NumberState.ASSIGNED,
            assigned_at__date__lt=target,
            **({} if numbers is None else {"pk__in": numbers}),
        )
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
        # BIL-3: the words of an invoice line are French, whatever language the run is in.
        with translation.override(settings.LANGUAGE_CODE):
            description = _("Number %(number)s") % {"number": number.display}
        charge_post(
            client=number.client,
            kind="subscription",
            source_type=MONTHLY_SOURCE,
            source_id=number.pk,
            period_start=target,
            period_end=next_month_start(target),
            description=description,
            unit_price=product.monthly_price,
            contract=number.contract,
            is_paid=(number.pk, number.contract_id) in prepaid,
        )
        posted += 1
    return posted


def contract_numbers_monthly(contract, day: date) -> Decimal:
    """CON-5 (PLATFORM 24.4.5, 24.1.3): the monthly prices of the numbers assigned to
    ``contract`` on ``day`` (its last day of service) that its runs would bill: a number whose
    port-out takes effect by then has left the contract (NUM-4), and one a prepaid reservation
    covers for the month after ``day`` was paid at once for the rest of the period (24.1.3)."""
    catalogue = products()
    following = next_month_start(day)
    prepaid = NumberReservation.objects.filter(
        number_id=OuterRef("pk"), contract=contract, first_month__lte=following, end__gt=following
    )
    types = (
        PhoneNumber.objects.filter(contract=contract, state=NumberState.ASSIGNED)
        .filter(Q(ported_out_on__isnull=True) | Q(ported_out_on__gt=day))
        .exclude(Exists(prepaid))
        .values_list("number_type", flat=True)
    )
    total = Decimal(0)
    for number_type in types:
        product = catalogue.get(f"number-{number_type}")
        if product is not None and product.monthly_price > 0:
            total += product.monthly_price
    return total


def on_contract_monthly_subscriptions(sender, contract, day: date, **kwargs) -> Decimal:
    """Receiver of ``offers.signals.contract_monthly_subscriptions`` (connected in
    ``NumbersConfig.ready``)."""
    return contract_numbers_monthly(contract, day)


def on_run_preparing(sender, month: date, target: date, today: date, **kwargs) -> None:
    """Receiver of ``billing.signals.run_preparing`` (connected in ``NumberingConfig.ready``)."""
    post_monthly_charges(target)
