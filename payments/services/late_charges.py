"""ECB rates and late charges (BIL-6): the interest and the 40 € indemnity of a late invoice,
posted to billing for its buyer's next invoice — a customer, or a partner-billed partner late
with its own monthly invoice (PLATFORM 12.5.1, Code de commerce L441-10).

A missing ECB rate never blocks a payment: the cases settled late while it was missing wait
(``late_charges_waiting``) and the daily job posts their charges once staff enter it.

An invoice settled after its due date by a direct debit that was pending on that date was never
late (BIL-6: the collection date is ours): it bears neither interest nor indemnity.
"""

import logging
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from billing import services as billing
from billing.choices import ChargeKind, VatCategory
from billing.models import Invoice, InvoicePurpose, PendingCharge
from kernel.money import round_money
from payments import interest
from payments.invoice_states import InvoiceState, invoice_state
from payments.models import CollectionCase, EcbRate

logger = logging.getLogger(__name__)


def ecb_rate_set(*, effective_on: date, rate, actor=None) -> EcbRate:
    if (effective_on.month, effective_on.day) not in {(1, 1), (7, 1)}:
        raise ValidationError(
            {"effective_on": _("The rate that counts is the one in force on 1 January or 1 July.")}
        )
    rate = Decimal(rate)
    if rate < 0 or rate > 50:
        raise ValidationError({"rate": _("Enter the ECB rate in percent, e.g. 2.15.")})
    with transaction.atomic():
        before = EcbRate.objects.filter(effective_on=effective_on).first()
        row, _created = EcbRate.objects.update_or_create(
            effective_on=effective_on, defaults={"rate": rate, "created_by": actor}
        )
        audit_record(
            action="ecb_rate.set",
            instance=row,
            actor=actor,
            before={"rate": before.rate} if before else None,
            after={"effective_on": effective_on, "rate": rate},
        )
    return row


def ecb_rate_for(half_year: date) -> Decimal:
    rate = EcbRate.objects.filter(effective_on=half_year).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationError(
            _("The ECB rate in force on %(date)s is missing: staff must enter it.")
            % {"date": half_year.strftime("%d/%m/%Y")}
        )
    return rate


def late_interest_for(state: InvoiceState, until: date) -> Decimal:
    """BIL-6: interest on ``state``'s invoice up to ``until`` (unrounded)."""
    tranches = [t for t, _left in state.tranches if t.due_date is not None]
    return interest.late_interest(tranches, state.payments, until, ecb_rate_for)


def _buyer(invoice: Invoice) -> dict:
    """Who owes a late invoice's charges: its customer, or the partner-billed partner of its
    own monthly invoice (PLATFORM 12.5.1; L441-10 applies between any businesses) — they go
    on the buyer's next late-charges invoice."""
    if invoice.client_id is not None:
        return {"client": invoice.client}
    return {"partner": invoice.partner}


def post_indemnity(invoice: Invoice, actor=None):
    """D441-5: 40 € per late invoice, on the next invoice, outside the scope of VAT."""
    # BIL-3: the words of an invoice line are French, whatever the language of the staff
    # member whose payment made the invoice late.
    with translation.override(settings.LANGUAGE_CODE):
        description = _("Recovery indemnity — invoice %(number)s") % {"number": invoice.number}
    return billing.charge_post(
        **_buyer(invoice),
        kind=ChargeKind.RECOVERY_INDEMNITY,
        source_type="late_invoice_indemnity",
        source_id=invoice.pk,
        period_start=invoice.due_date,
        description=description,
        unit_price=interest.RECOVERY_INDEMNITY,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )


# Late-payment charges never bear late-payment charges: interest on interest is owed only
# for a whole year's interest and where the contract provides it (Code civil art. 1343-2; none
# of the seeds does), and the recovery indemnity compensates the recovery of a price.
LATE_CHARGE_KINDS = (ChargeKind.LATE_INTEREST, ChargeKind.RECOVERY_INDEMNITY)


def interest_bearing_share(invoice: Invoice) -> Decimal:
    """BIL-6: the share of ``invoice`` that bears late charges — all of a regular invoice; of a
    late-charges invoice, its other lines (penalties, USE-6/7), none when it holds only
    interest and indemnities."""
    if invoice.purpose != InvoicePurpose.LATE_CHARGES:
        return Decimal(1)
    totals = invoice.lines.aggregate(
        all=Sum("net_amount"), own=Sum("net_amount", filter=~Q(kind__in=LATE_CHARGE_KINDS))
    )
    if not totals["all"] or not totals["own"]:
        return Decimal(0)
    return totals["own"] / totals["all"]


INTEREST_SOURCE = "late_invoice_interest"


def _post_interest(state: InvoiceState, settled_on: date, share: Decimal, actor=None):
    """The interest of the invoice's days late, less what was already posted for it: a debit
    collected late had its days' interest posted, and once rejected (it counts for nothing) the
    invoice settled again owes the interest of all its days late — the difference is posted,
    keyed by the day of that settlement (BIL-6)."""
    invoice = state.invoice
    total = round_money(late_interest_for(state, settled_on) * share)
    earlier = PendingCharge.objects.filter(source_type=INTEREST_SOURCE, source_id=str(invoice.pk))
    posted = earlier.aggregate(s=Sum("unit_price"))["s"] or Decimal(0)
    amount = total - posted
    if amount <= 0:
        return None
    days = state.late_days(settled_on)
    with translation.override(settings.LANGUAGE_CODE):  # BIL-3: an invoice line is French
        description = ngettext(
            "Late-payment interest — invoice %(number)s, paid %(days)s day late",
            "Late-payment interest — invoice %(number)s, paid %(days)s days late",
            days,
        ) % {"number": invoice.number, "days": days}
    return billing.charge_post(
        **_buyer(invoice),
        kind=ChargeKind.LATE_INTEREST,
        source_type=INTEREST_SOURCE,
        source_id=invoice.pk,
        period_start=settled_on if earlier.exists() else invoice.due_date,
        description=description,
        unit_price=amount,
        vat_category=VatCategory.OUTSIDE_SCOPE,
        actor=actor,
    )


def post_late_charges(case: CollectionCase, state: InvoiceState, actor=None) -> bool:
    """BIL-6: once a late invoice is settled, its interest and indemnity go to billing. A
    missing ECB rate never blocks a payment: the daily job posts them once staff enter it.

    Settled after its due date but never late (a direct debit pending on the due date and
    collected later), it owes nothing: the case is marked done so that the daily job does not
    wait for it (a later reject of that debit reopens it). Neither does a late-charges invoice
    of interest and indemnities alone; one with penalties bears the indemnity and the interest
    of its penalties' share (``interest_bearing_share``)."""
    invoice, on = case.invoice, case.settled_on
    if case.late_charges_posted or on <= invoice.due_date:
        return False
    share = interest_bearing_share(invoice)
    if state.late_days(on) <= 0 or share == 0:
        case.late_charges_posted = True
        case.save(update_fields=["late_charges_posted", "updated_at"])
        return False
    post_indemnity(invoice, actor=actor)
    try:
        with transaction.atomic():
            _post_interest(state, on, share, actor=actor)
    except ValidationError as exc:
        logger.warning("late interest of %s not posted yet: %s", invoice.number, exc.messages[0])
        return False
    case.late_charges_posted = True
    case.save(update_fields=["late_charges_posted", "updated_at"])
    return True


# --- The daily job's second pass ---------------------------------------------------------------


def late_charges_waiting() -> list[int]:
    """The cases settled late whose charges are not posted yet (the ECB rate was missing)."""
    waiting = CollectionCase.objects.filter(
        settled_on__isnull=False, late_charges_posted=False
    ).filter(settled_on__gt=F("invoice__due_date"))
    return list(waiting.values_list("pk", flat=True))


def late_charges_case_post(*, case_id: int) -> bool:
    """Post a waiting case's late charges, the case locked; ``False`` when there is nothing to
    post (already posted, no longer settled, or the ECB rate still missing). Idempotent."""
    with transaction.atomic():
        case = CollectionCase.objects.select_for_update().select_related("invoice").get(pk=case_id)
        if case.settled_on is None:  # due again since it was listed (a rejected debit)
            return False
        return post_late_charges(case, invoice_state(case.invoice))


def late_charges_batch_post(*, case_ids: list[int]) -> dict[str, int]:
    """Settled late while the ECB rate was missing: post the interest now, case by case. A
    failing case is logged and the batch goes on. Returns the count per outcome."""
    outcomes: dict[str, int] = {}
    for case_id in case_ids:
        try:
            posted = late_charges_case_post(case_id=case_id)
            outcome = "posted" if posted else "not_posted"
        except Exception:  # noqa: BLE001 — logged for staff, the batch goes on
            logger.exception("late charges of collection case %s failed", case_id)
            outcome = "failed"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
