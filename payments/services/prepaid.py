"""The prepaid ledger (BIL-10): top-ups, debits, consumption, reservations, refunds. Append-only
rows, one customer's written in turn; the balance is their sum."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.dispatch import Signal
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import Client
from billing.choices import VAT_BY_REGIME, DocumentKind
from billing.models import Invoice, PendingCharge
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.languages import ENGLISH, reads_english
from kernel.money import money_number, round_money
from offers import services as offers
from offers.choices import SuspensionReason
from payments.choices import PrepaidKind
from payments.models import PrepaidAccount, PrepaidEntry
from payments.services.notices import notify_billing

ZERO = Decimal("0.00")

# BIL-10 squaring: an app whose ledger entries an invoice lists under keys of its own (usage:
# a month's consumption, debited per rating pass, invoiced per line) answers with them — the
# entries (debits, and what was given back) of what the invoice lists as already paid.
# ``send(sender=Invoice, invoice=invoice)``; each receiver returns a list of ``PrepaidEntry``.
invoice_prepaid_entries = Signal()


class InsufficientBalance(InvalidTransition):
    """BIL-10: the prepaid balance does not cover a debit (API: 409 ``insufficient_balance``)."""

    default_code = "insufficient_balance"


def gross_amount(*, client: Client, net) -> Decimal:
    """A net amount (€ HT) with the VAT of the customer's regime, rounded to the cent."""
    _category, rate = VAT_BY_REGIME[client.vat_regime]
    return round_money(Decimal(net) * (1 + rate / 100))


def _prepaid_account(client: Client) -> PrepaidAccount:
    """The customer's ledger head, locked: every entry of one customer is written in turn."""
    PrepaidAccount.objects.get_or_create(client=client)
    return PrepaidAccount.objects.select_for_update().get(client=client)


def _balance(account: PrepaidAccount) -> Decimal:
    return account.entries.aggregate(s=Sum("amount"))["s"] or ZERO


class LedgerText(str):
    """A ledger line's words: the French ones (the stored ``description``, BIL-10) with their
    English twin in ``english``, for a reader of the English pages."""

    english = ""


def ledger_text(build) -> LedgerText:
    """``build()`` (a message and its parameters) written in French and in English: the
    prepaid statement is French, and an English reader reads it in English (« Communications
    de 11/2026 » / "Calls of 11/2026")."""
    with translation.override(settings.LANGUAGE_CODE):
        text = LedgerText(build())
    with translation.override(ENGLISH):
        text.english = str(build())
    return text


def _append(
    *,
    client: Client,
    kind: str,
    amount: Decimal,
    description: str,
    source_type: str = "",
    source_id="",
    reference: str = "",
    bank_fee: Decimal = ZERO,
    allow_overdraft: bool = False,
    actor=None,
) -> PrepaidEntry:
    account = _prepaid_account(client)
    if source_type:
        first = account.entries.filter(
            kind=kind, source_type=source_type, source_id=str(source_id)
        ).first()
        if first is not None:
            return first  # the same source debited twice: the first entry stands
    balance = _balance(account) + amount
    # PLATFORM 12.7.3: money received (a positive entry) is always recorded, even when the
    # balance stays below zero; only what takes from the balance may be refused.
    if amount < 0 and balance < 0 and not allow_overdraft:
        raise InsufficientBalance(
            _("Your prepaid balance (%(balance)s €) does not cover %(amount)s €. Top it up first.")
            % {"balance": money_number(balance - amount), "amount": money_number(-amount)},
            code="insufficient_balance",
        )
    entry = PrepaidEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=balance,
        bank_fee=bank_fee,
        description=description,
        description_en=getattr(description, "english", ""),
        source_type=source_type,
        source_id=str(source_id) if source_type else "",
        reference=reference,
        overdraft=balance < 0,
        created_by=actor,
    )
    audit_record(
        action=f"prepaid.{kind}",
        instance=entry,
        actor=actor,
        client=client,
        after={"amount": amount, "balance": balance, "source": f"{source_type}:{source_id}"},
    )
    return entry


def _refuse_twice(client: Client, *, kind: str, amount: Decimal, reference: str, **same) -> None:
    """BIL-10: money received or paid back is recorded once — an entry of ``kind`` with the same
    amount and bank reference (and ``same`` fields) is the same transfer recorded again. The
    customer's ledger head is locked first, so two recordings at once are checked in turn."""
    if not reference:
        return
    account = _prepaid_account(client)
    if account.entries.filter(kind=kind, amount=amount, reference=reference, **same).exists():
        raise ValidationError(
            {
                "reference": _(
                    "This transfer is already recorded in the prepaid ledger: same customer, "
                    "amount and bank reference. Record it once."
                )
            },
            code="duplicate",
        )


@transaction.atomic
def prepaid_topup_record(
    *, client: Client, amount_received, received_on: date, reference: str, bank_fee=ZERO, actor=None
) -> PrepaidEntry:
    """BIL-10: a top-up counts when the money is received, net of the bank's fee."""
    amount_received, bank_fee = Decimal(str(amount_received)), Decimal(str(bank_fee or 0))
    if bank_fee < 0:
        raise ValidationError({"bank_fee": _("The bank fee cannot be negative.")})
    if amount_received - bank_fee <= 0:
        raise ValidationError({"amount_received": _("The amount must exceed the bank fee.")})
    if received_on > paris_today():
        raise ValidationError({"received_on": _("A top-up cannot be received in the future.")})
    description = ledger_text(
        lambda: _("Top-up received on %(date)s") % {"date": received_on.strftime("%d/%m/%Y")}
    )
    reference = (reference or "").strip()
    # the same transfer recorded twice (two members of staff, two tabs), as a payment (BIL-4):
    # same customer, amount, fee, day (the entry's description) and bank reference
    _refuse_twice(
        client,
        kind=PrepaidKind.TOPUP,
        amount=amount_received - bank_fee,
        reference=reference,
        bank_fee=bank_fee,
        description=description,
    )
    entry = _append(
        client=client,
        kind=PrepaidKind.TOPUP,
        amount=amount_received - bank_fee,
        bank_fee=bank_fee,
        reference=reference,
        description=description,
        actor=actor,
    )
    notify_billing(
        client, "payments/email/topup_received", {"entry": entry, "received": amount_received}
    )
    return entry


@transaction.atomic
def prepaid_debit(
    *, client: Client, amount, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: pay something (an order, TRK-3) from the balance; refused when it falls short.
    Idempotent per source: the same order debited twice is debited once."""
    return _withdraw(PrepaidKind.DEBIT, client, amount, source_type, source_id, description, actor)


def _withdraw(kind, client, amount, source_type, source_id, description, actor) -> PrepaidEntry:
    """A positive ``amount`` taken from the balance (a debit or a reservation), never below
    zero."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    return _append(
        client=client,
        kind=kind,
        amount=-amount,
        source_type=source_type,
        source_id=source_id,
        description=description,
        actor=actor,
    )


@transaction.atomic
def prepaid_consume(
    *, client: Client, amount_net, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: consumption already rated is debited with its VAT. Traffic is not refused after
    the fact, so the balance may go below zero — only together with the suspension of the
    customer's active contracts (CON-8, exhausted prepaid balance)."""
    entry = _append(
        client=client,
        kind=PrepaidKind.DEBIT,
        amount=-gross_amount(client=client, net=amount_net),
        source_type=source_type,
        source_id=source_id,
        description=description,
        allow_overdraft=True,
        actor=actor,
    )
    if entry.balance_after < 0:
        prepaid_suspend_exhausted(client, actor=actor)
    return entry


def prepaid_suspend_exhausted(client: Client, actor=None) -> None:
    """CON-8: the customer's active contracts — and those under notice, which run until their
    effective date — suspended for an exhausted prepaid balance (``contracts_to_suspend``)."""
    for contract in offers.contracts_to_suspend(client):
        offers.contract_suspend(
            contract=contract,
            reason=SuspensionReason.PREPAID_EXHAUSTED,
            note=_("Prepaid balance exhausted"),
            actor=actor,
        )


@transaction.atomic
def prepaid_give_back(
    *, client: Client, amount, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: consumption debited, then re-rated lower before it is invoiced (a fair-use breach
    waived, USE-4): the difference, VAT included, goes back to the balance — a refund entry
    credited to the ledger (not paid out). Idempotent per source."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    return _append(
        client=client,
        kind=PrepaidKind.REFUND,
        amount=amount,
        source_type=source_type,
        source_id=source_id,
        description=description,
        actor=actor,
    )


@transaction.atomic
def prepaid_reserve(
    *, client: Client, amount, source_type: str, source_id, description: str, actor=None
) -> PrepaidEntry:
    """BIL-10: hold part of the balance (e.g. for a call in progress)."""
    return _withdraw(
        PrepaidKind.RESERVATION, client, amount, source_type, source_id, description, actor
    )


@transaction.atomic
def prepaid_release(*, reservation: PrepaidEntry, actor=None) -> PrepaidEntry:
    if reservation.kind != PrepaidKind.RESERVATION:
        raise ValidationError(_("Only a reservation can be released."))
    description = ledger_text(
        lambda: _("Released: %(what)s")
        % {
            "what": reservation.description_en
            if reads_english() and reservation.description_en
            else reservation.description
        }
    )
    return _append(
        client=reservation.account.client,
        kind=PrepaidKind.RELEASE,
        amount=-reservation.amount,
        source_type=reservation.source_type or "reservation",
        source_id=reservation.source_id or reservation.pk,
        description=description,
        actor=actor,
    )


@transaction.atomic
def prepaid_refund(*, client: Client, amount, reference: str, actor=None) -> PrepaidEntry:
    """BIL-10: pay back part of the balance to the customer (never more than it)."""
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    description = ledger_text(lambda: _("Refund of the prepaid balance"))
    reference = (reference or "").strip()
    _refuse_twice(client, kind=PrepaidKind.REFUND, amount=-amount, reference=reference)
    return _append(
        client=client,
        kind=PrepaidKind.REFUND,
        amount=-amount,
        reference=reference,
        description=description,
        actor=actor,
    )


def prepaid_square_with_invoice(*, invoice_id: int) -> PrepaidEntry | None:
    """BIL-10: an invoice states what its prepaid lines cost with VAT per rate on their totals
    (BR-CO-17), while the ledger debited each order or consumption with its own rounded VAT;
    the two may differ by a few cents. The invoice is the legal figure: the ledger is squared
    with the invoice's ``paid_in_advance``, once per invoice (keyed by it) — what it took in
    excess goes back to the balance, what it took short is taken (so the balance page and the
    invoice name the same amount; at zero or below, as any consumption debit, the customer's
    active contracts are suspended, CON-8). An order's debit is matched by its charge's source;
    consumption, debited per rating pass and invoiced per line, by the app that debited it
    (``invoice_prepaid_entries``: usage answers with the debits, and what it gave back, of the
    months the invoice lists).
    Runs inside the issuing transaction (``billing.signals.document_issued``)."""
    invoice = (
        Invoice.objects.filter(pk=invoice_id, kind=DocumentKind.INVOICE, client__isnull=False)
        .only("pk", "client_id", "number", "paid_in_advance")
        .first()
    )
    if invoice is None or invoice.paid_in_advance <= 0:
        return None
    sources = set(
        PendingCharge.objects.filter(invoice_line__invoice=invoice, is_paid=True).values_list(
            "source_type", "source_id"
        )
    )
    if not sources:
        return None
    debits = PrepaidEntry.objects.filter(
        account__client_id=invoice.client_id,
        kind=PrepaidKind.DEBIT,
        source_type__in={source_type for source_type, _id in sources},
    ).values_list("source_type", "source_id", "amount")
    debited = -sum(
        (
            amount
            for source_type, source_id, amount in debits
            if (source_type, source_id) in sources
        ),
        ZERO,
    )
    for _receiver, entries in invoice_prepaid_entries.send(sender=Invoice, invoice=invoice):
        debited -= sum((entry.amount for entry in entries or ()), ZERO)
    excess = debited - invoice.paid_in_advance
    if debited <= 0 or excess == 0:
        return None
    description = ledger_text(
        lambda: _("Rounding to invoice %(number)s (VAT per rate on the totals)")
        % {"number": invoice.number}
    )
    entry = _append(
        client=invoice.client,
        kind=PrepaidKind.ROUNDING,
        amount=excess,
        source_type="invoice_rounding",
        source_id=invoice.pk,
        description=description,
        allow_overdraft=True,
    )
    if excess < 0 and entry.balance_after <= 0:
        prepaid_suspend_exhausted(invoice.client)
    return entry
