"""CON-6 / BIL-9: a contract's lines given their old price back by a refusal received in time
and recorded after the change was applied (``offers.services.restore_lines``). What the runs
invoiced for those lines at the new price from the change's effective date is credited, one
credit note per invoice corrected; a charge not invoiced yet takes the old price."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from billing.amounts import line_net, prorata
from billing.choices import DocumentStatus
from billing.models import Invoice, PendingCharge
from billing.services.credit_notes import CreditLine, credit_note_issue
from billing.services.credited_lines import line_left_to_credit
from billing.services.run_charges import SUBSCRIPTION_SOURCE
from kernel.money import money_number, round_price
from offers.choices import TerminationStatus
from offers.periods import days_in_month
from offers.signals import price_change_lines_restored


def _unit_at(monthly: Decimal, charge: PendingCharge) -> Decimal:
    """The unit price a run gives ``charge``'s period at ``monthly`` (a partial first month is
    pro rata by days, BIL-1)."""
    days = (charge.period_end - charge.period_start).days
    month_days = days_in_month(charge.period_start)
    return Decimal(monthly) if days == month_days else prorata(monthly, days, month_days)


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def credit_restored_prices(*, price_change, contract, lines, actor=None) -> list[Invoice]:
    """Credit notes for the months billed at the new price that ``lines`` (``(line, old,
    new)``) no longer owe; returns them. A charge billed at another price (a month billed
    before the change was notified) is left alone."""
    by_invoice: dict[Invoice, list[CreditLine]] = defaultdict(list)
    # CON-4 / BIL-9: the months from a termination's fee start are credited in full when it is
    # recorded (``termination_credits``; a refusal records its termination first): not again.
    ended_from = (
        contract.terminations.exclude(status=TerminationStatus.CANCELLED)
        .order_by("fee_start")
        .values_list("fee_start", flat=True)
        .first()
    )
    for line, old, new in lines:
        charges = (
            PendingCharge.objects.filter(
                contract_line=line,
                source_type=SUBSCRIPTION_SOURCE,
                period_start__gte=price_change.effective_date,
                period_end__isnull=False,
            )
            .select_related("invoice_line__invoice")
            .order_by("period_start", "pk")
        )
        if ended_from is not None:
            charges = charges.filter(period_start__lt=ended_from)
        for charge in charges:
            at_new, at_old = _unit_at(new, charge), _unit_at(old, charge)
            if charge.unit_price != at_new or at_old >= at_new:
                continue
            billed = charge.invoice_line if charge.invoice_line_id else None
            if billed is not None and billed.invoice.status != DocumentStatus.ISSUED:
                continue  # a run issuing it right now: its own figures stand
            if billed is None:  # not invoiced yet: the run will bill the old price
                charge.unit_price = at_old
                charge.save(update_fields=["unit_price"])
                continue
            unit = billed.unit_price
            # a partner-billed invoice sold it at its wholesale price: the same share of it
            owed = at_old if unit == charge.unit_price else round_price(unit * at_old / at_new)
            # BIL-9: never beyond what is left uncredited on the line (a dispute took part of it)
            amount = min(
                billed.net_amount - line_net(charge.quantity, owed), line_left_to_credit(billed)
            )
            if amount <= 0:
                continue
            with translation.override(settings.LANGUAGE_CODE):  # BIL-3: French documents
                description = _(
                    "%(line)s: old price restored, %(price)s € excl. VAT a month "
                    "(increase refused), %(start)s to %(end)s"
                ) % {
                    "line": charge.description,
                    "price": money_number(old),
                    "start": _fmt(charge.period_start),
                    "end": _fmt(charge.period_end - timedelta(days=1)),  # exclusive end
                }
            by_invoice[billed.invoice].append(
                CreditLine(
                    description=description[:255],
                    amount=amount,
                    vat_category=billed.vat_category,
                    vat_rate=billed.vat_rate,
                    contract=contract,
                    service_date=charge.period_start,
                    invoice_line=billed,
                )
            )
    notes = []
    for invoice in sorted(by_invoice, key=lambda i: (i.issue_date, i.pk)):
        with translation.override(settings.LANGUAGE_CODE):
            reason = _(
                "Price increase of %(date)s refused in time (contract %(ref)s): the old price "
                "applies."
            ) % {"date": _fmt(price_change.effective_date), "ref": contract.reference}
        notes.append(
            credit_note_issue(
                lines=by_invoice[invoice], reason=reason, corrects=invoice, actor=actor
            )
        )
    return notes


@receiver(price_change_lines_restored, dispatch_uid="billing.credit_restored_prices")
def on_lines_restored(sender, price_change, contract, lines, actor=None, **kwargs) -> None:
    credit_restored_prices(price_change=price_change, contract=contract, lines=lines, actor=actor)
