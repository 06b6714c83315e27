"""SLA credits (SLA-8, SLA-10): the customer requests the month's credit; staff approve it
(capped over 30 days, issued as a credit note) or refuse it with a reason."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import ApiKey, User
from accounts.notifications import notify_client
from billing import services as billing
from kernel.errors import InvalidTransition
from kernel.money import money_number
from offers.models import Contract
from support import availability as av
from support.choices import REPORT_TRANSITIONS, ReportStatus
from support.models import AvailabilityReport
from support.services.permissions import (
    CREDIT_ROLES,
    is_staff,
    require_customer_side,
    require_staff,
)


def _lock_report(report: AvailabilityReport) -> AvailabilityReport:
    return (
        AvailabilityReport.objects.select_for_update(of=("self",))
        .select_related("contract__client")
        .get(pk=report.pk)
    )


def _report_transition(report: AvailabilityReport, to_status: str) -> None:
    if to_status not in REPORT_TRANSITIONS[report.status]:
        raise InvalidTransition(
            _("This credit is already %(status)s.")
            % {"status": ReportStatus(report.status).label.lower()},
            code="invalid_transition",
        )


def _month_label(month: date) -> str:
    return formats.date_format(month, "F Y")


@transaction.atomic
def credit_request(
    *,
    report: AvailabilityReport,
    actor: User | None = None,
    api_key: ApiKey | None = None,
) -> AvailabilityReport:
    """SLA-10: the customer (admin or billing role) or its partner asks for the month's credit,
    in one click. Only a report with a credit and where the SLA applies (SLA-9)."""
    report = _lock_report(report)
    client = report.contract.client
    if not is_staff(actor):
        require_customer_side(client, actor=actor, api_key=api_key, permission="billing")
    _report_transition(report, ReportStatus.REQUESTED)
    if not report.applicable:
        raise InvalidTransition(report.not_applicable_text, code="not_applicable")
    if report.credit_amount <= 0:
        raise InvalidTransition(
            _("The availability met the commitment this month: there is no credit."),
            code="no_credit",
        )
    report.status = ReportStatus.REQUESTED
    report.requested_at = timezone.now()
    report.requested_by = actor if actor is not None and actor.is_authenticated else None
    report.requested_by_api_key = api_key
    report.save(
        update_fields=[
            "status",
            "requested_at",
            "requested_by",
            "requested_by_api_key",
            "updated_at",
        ]
    )
    audit_record(
        action="sla_credit.request",
        instance=report,
        actor=actor,
        api_key=api_key,
        client=client,
        before={"status": ReportStatus.COMPUTED},
        after={"status": ReportStatus.REQUESTED, "credit": report.credit_amount},
    )
    return report


def approved_in_window(contract: Contract, at: datetime, exclude_pk=None) -> Decimal:
    """SLA-8: credits approved for the contract in the 30 consecutive calendar days (Paris)
    ending on ``at``'s day (HOSTED-W 7 « trente (30) jours calendaires consécutifs »): on 3
    December, from 4 November 0:00 — whatever the hour."""
    first_day = timezone.localtime(at).date() - (av.CAP_WINDOW - timedelta(days=1))
    total = (
        AvailabilityReport.objects.filter(
            contract=contract,
            status=ReportStatus.APPROVED,
            decided_at__gte=datetime.combine(first_day, time.min, tzinfo=av.PARIS),
            decided_at__lte=at,
        )
        .exclude(pk=exclude_pk)
        .aggregate(total=Sum("approved_amount"))["total"]
    )
    return total or Decimal("0")


@transaction.atomic
def credit_approve(
    *, report: AvailabilityReport, actor: User, expected_amount: Decimal | None = None
) -> AvailabilityReport:
    """SLA-8 / SLA-10: staff approve a requested credit. This credit plus the credits approved
    for the same contract in the previous 30 days may not exceed 20 % of this report's base:
    the excess is dropped, not carried over. The approved amount becomes a credit note (BIL-9),
    set against the customer's next invoice by the month-end run. Approving twice does nothing
    more. When the cap leaves nothing, the report is approved at 0.00 and no credit note is
    issued. ``expected_amount``: the amount the staff member was shown before confirming; when
    the cap gives another one now (a credit of the contract approved meanwhile), nothing is
    written and the refusal says the amount now."""
    require_staff(actor)
    report = _lock_report(report)
    if report.status == ReportStatus.APPROVED:
        return report
    _report_transition(report, ReportStatus.APPROVED)
    contract = report.contract
    # Approvals of one contract run one at a time: the cap reads the others' amounts.
    list(
        AvailabilityReport.objects.select_for_update()
        .filter(contract=contract)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    window = approved_in_window(contract, now, exclude_pk=report.pk)
    amount = av.capped_credit(report.credit_amount, report.base, window)
    if expected_amount is not None and amount != expected_amount:
        raise ValidationError(
            _(
                "The credit changed since the preview: %(amount)s € excl. VAT now (a credit of "
                "this contract was approved meanwhile). Check it again before approving."
            )
            % {"amount": money_number(amount)},
            code="credit_changed",
        )
    note = None
    if amount > 0:
        # BIL-3: the words of an invoice or credit note are French, whatever staff's language.
        with translation.override(settings.LANGUAGE_CODE):
            month = _month_label(report.month)
            description = _("SLA credit %(month)s — contract %(ref)s") % {
                "month": month,
                "ref": contract.reference,
            }
            reason = _(
                "Service level credit for %(month)s: availability %(availability)s%% "
                "(contract %(ref)s)."
            ) % {
                "month": month,
                "availability": formats.number_format(report.availability_display, 3),
                "ref": contract.reference,
            }
        note = billing.credit_note_issue(
            client=contract.client,
            lines=[
                billing.CreditLine(
                    description=description,
                    amount=amount,
                    # BIL-9: at the VAT charged for the month credited.
                    contract=contract,
                    service_date=report.month,
                )
            ],
            reason=reason,
            actor=actor,
        )
    report.status = ReportStatus.APPROVED
    report.decided_at, report.decided_by = now, actor
    report.approved_amount, report.credit_note = amount, note
    report.save(
        update_fields=[
            "status",
            "decided_at",
            "decided_by",
            "approved_amount",
            "credit_note",
            "updated_at",
        ]
    )
    audit_record(
        action="sla_credit.approve",
        instance=report,
        actor=actor,
        client=contract.client,
        before={"status": ReportStatus.REQUESTED},
        after={
            "status": ReportStatus.APPROVED,
            "credit": report.credit_amount,
            "approved": amount,
            "approved_in_30_days": window,
            "credit_note": note.number if note else None,
        },
    )
    notify_client(
        contract.client,
        "support/email/credit_decided",
        {"report": report, "contract": contract},
        roles=CREDIT_ROLES,
    )
    return report


@transaction.atomic
def credit_refuse(*, report: AvailabilityReport, reason: str, actor: User) -> AvailabilityReport:
    """SLA-10: staff refuse a requested credit, with the reason the customer is told."""
    require_staff(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason of the refusal.")})
    report = _lock_report(report)
    _report_transition(report, ReportStatus.REFUSED)
    report.status = ReportStatus.REFUSED
    report.decided_at, report.decided_by = timezone.now(), actor
    report.refusal_reason = reason.strip()[:500]
    report.save(
        update_fields=["status", "decided_at", "decided_by", "refusal_reason", "updated_at"]
    )
    audit_record(
        action="sla_credit.refuse",
        instance=report,
        actor=actor,
        client=report.contract.client,
        before={"status": ReportStatus.REQUESTED},
        after={"status": ReportStatus.REFUSED, "reason": report.refusal_reason},
    )
    notify_client(
        report.contract.client,
        "support/email/credit_decided",
        {"report": report, "contract": report.contract},
        roles=CREDIT_ROLES,
    )
    return report
