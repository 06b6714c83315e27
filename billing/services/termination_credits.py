"""CON-4 / CON-5 / BIL-9: a termination recorded after the run invoiced, in advance, months its
contract no longer owes — a letter received at a month's end and typed in after it (SIP-UNL,
TRUNK: the contract ends on the 1st), a port-out notice the upstream sends after the porting
(NUM-4). Those months start on or after the termination's fee start (the first day after the
started month of its last day of service, CON-5): what the issued invoices billed for them — the
contract's subscriptions and its numbers — is credited, one credit note per invoice corrected.
A fee counted from the fee start (HOSTED-W, HOSTED-A, PLATFORM) then replaces those months
instead of being billed on top of them. A termination recorded in time finds nothing to credit:
the runs never bill a month from its effective date."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.dispatch import receiver
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from billing.choices import ChargeKind, DocumentStatus
from billing.models import Invoice, PendingCharge
from billing.services.charges import charge_withdraw
from billing.services.credit_notes import CreditLine, credit_note_issue
from billing.services.credited_lines import lines_left_to_credit
from offers.signals import termination_recorded


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def credit_months_after_termination(*, termination, actor=None) -> list[Invoice]:
    """Credit notes for the subscription months from ``termination.fee_start`` that issued
    invoices billed; returns them. Each month is credited what is left uncredited on its invoice
    line (BIL-9: a month whose old price was restored, or whose line took part of an accepted
    dispute, is credited the rest), and each credit note stays within what is left to credit on
    the invoice it corrects."""
    contract = termination.contract
    charges = (
        PendingCharge.objects.filter(
            contract=contract,
            kind__in=[ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA],
            period_start__gte=termination.fee_start,
            invoice_line__invoice__status=DocumentStatus.ISSUED,
        )
        .select_related("invoice_line__invoice", "contract")
        .order_by("period_start", "pk")
    )
    charges = list(charges)

    def describe(billed, charge, end) -> str:
        return _(
            "%(line)s, %(start)s to %(end)s: not due, contract %(ref)s terminated from %(date)s"
        ) % {
            "line": billed.description,
            "start": _fmt(charge.period_start),
            "end": _fmt(end),
            "ref": contract.reference,
            "date": _fmt(termination.effective_date),
        }

    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "Termination of contract %(ref)s effective %(date)s, recorded after this invoice: "
            "the months from %(start)s are not due."
        ) % {
            "ref": contract.reference,
            "date": _fmt(termination.effective_date),
            "start": _fmt(termination.fee_start),
        }
    return _credit_charges(charges, describe=describe, reason=reason, actor=actor)


def _credit_charges(charges, *, describe, reason: str, actor=None) -> list[Invoice]:
    """One credit note per issued invoice that billed ``charges``: each charge's line is
    credited what is left uncredited on it, each note within what is left on its invoice.
    ``describe(billed_line, charge, last_day)``: a credit line's words (called in French)."""
    by_invoice: dict[Invoice, list[CreditLine]] = defaultdict(list)
    left = lines_left_to_credit([charge.invoice_line for charge in charges])
    for charge in charges:
        billed = charge.invoice_line
        if left[billed.pk] <= 0:
            continue
        end = (charge.period_end or charge.period_start + timedelta(days=1)) - timedelta(days=1)
        with translation.override(settings.LANGUAGE_CODE):  # BIL-3: French documents
            description = describe(billed, charge, end)
        by_invoice[billed.invoice].append(
            CreditLine(
                description=description[:255],
                amount=left[billed.pk],
                vat_category=billed.vat_category,
                vat_rate=billed.vat_rate,
                contract=charge.contract,
                service_date=charge.period_start,
                invoice_line=billed,
            )
        )
    notes = []
    for invoice in sorted(by_invoice, key=lambda i: (i.issue_date, i.pk)):
        credited = invoice.credit_notes.aggregate(total=Sum("total_net"))["total"] or Decimal(0)
        room = invoice.total_net - credited
        lines = []
        for line in by_invoice[invoice]:
            amount = min(line.amount, room)
            if amount <= 0:
                break
            line.amount = amount
            lines.append(line)
            room -= amount
        if not lines:
            continue
        notes.append(credit_note_issue(lines=lines, reason=reason, corrects=invoice, actor=actor))
    return notes


def credit_source_months(
    *, source_type: str, source_id, since: date, left_on: date, label: str, actor=None
) -> list[Invoice]:
    """NUM-4 / BIL-9: a service line of its own (a number, ``source_type``/``source_id``) left
    on ``left_on`` without its contract ending — a port-out whose notice came after the runs
    billed, in advance, months from ``since`` (the first month after the started one): those
    months are not due. A charge not invoiced yet is withdrawn; an invoiced one is credited,
    one credit note per invoice. ``label``: what left, for the documents, in French ("numéro
    01 72 70 00 01 porté vers un autre opérateur")."""
    charges = PendingCharge.objects.filter(
        source_type=source_type,
        source_id=str(source_id),
        kind__in=[ChargeKind.SUBSCRIPTION, ChargeKind.PRORATA],
        period_start__gte=since,
    ).order_by("period_start", "pk")
    for charge in [c for c in charges if c.invoice_line_id is None]:
        charge_withdraw(
            source_type=source_type,
            source_id=source_id,
            period_start=charge.period_start,
            actor=actor,
        )
    invoiced = list(
        charges.filter(invoice_line__invoice__status=DocumentStatus.ISSUED).select_related(
            "invoice_line__invoice", "contract"
        )
    )

    def describe(billed, charge, end) -> str:
        return _("%(line)s, %(start)s to %(end)s: not due, %(what)s on %(date)s") % {
            "line": billed.description,
            "start": _fmt(charge.period_start),
            "end": _fmt(end),
            "what": label,
            "date": _fmt(left_on),
        }

    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "%(what)s on %(date)s, recorded after this invoice: the months from %(start)s are "
            "not due."
        ) % {"what": capfirst(label), "date": _fmt(left_on), "start": _fmt(since)}
    return _credit_charges(invoiced, describe=describe, reason=reason, actor=actor)


@receiver(termination_recorded, dispatch_uid="billing.credit_months_after_termination")
def on_termination_recorded(sender, termination, actor=None, **kwargs) -> None:
    credit_months_after_termination(termination=termination, actor=actor)
