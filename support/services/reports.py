"""Monthly availability reports (SLA-6, SLA-7, SLA-9, SLA-10): the credit's base, computing
one contract's report for a month, and the contracts the monthly job covers."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record, snapshot
from accounts.models import User
from kernel.money import round_price
from offers.choices import LIVE_STATUSES, ContractStatus, TerminationStatus
from offers.models import Contract, Termination
from offers.periods import add_months, month_start, next_month_start
from support import availability as av
from support.choices import SLA_NOT_APPLICABLE, ReportStatus
from support.events import announce_report
from support.models import AvailabilityReport
from support.services.invoiced import invoiced_consumption, invoiced_subscriptions
from support.services.permissions import require_staff
from support.services.unavailability import unavailability_intervals


def sla_base(contract: Contract, month: date) -> tuple[Decimal, dict]:
    """SLA-7: the base of the credit, with its detail (shown to staff and the customer), read
    from issued invoices only — never from the contract's live lines, so that a contract
    terminated on the 1st of the next month (no live line left when the report runs) or
    changed since keeps the base of what was invoiced for the month.

    HOSTED-W: "the month's amount invoiced for the failed service" — the contract's
    subscriptions (full month or pro rata) invoiced for the month. Nothing invoiced (the free
    order month, HOSTED-W 9) gives a base of 0.00: the credit is a share of what was invoiced.
    HOSTED-A: the fixed fees invoiced for the month (pro rata when the month was billed pro
    rata) + the average of the consumption invoiced for the contract in each of the 3 previous
    months (0 for a month without invoice, SLA-10), unrounded.
    """
    policy = contract.term("sla_policy")
    following = next_month_start(month)
    fixed = invoiced_subscriptions(contract, month, following)
    if policy == "hosted_a":
        months = [add_months(month, -n) for n in (3, 2, 1)]
        usage = [invoiced_consumption(contract, m) for m in months]
        base = av.hosted_a_base(fixed, usage)
        return base, {
            "fixed_fees": str(fixed),
            "usage_fees": {f"{m:%Y-%m}": str(u) for m, u in zip(months, usage, strict=True)},
        }
    return fixed, {"source": "invoiced", "invoiced": str(fixed)}


def _report_values(contract: Contract, month: date) -> dict:
    policy = contract.term("sla_policy")
    intervals = unavailability_intervals([contract], month)[contract.pk]
    base, detail = sla_base(contract, month)
    result = av.monthly_result(policy=policy, month=month, intervals=intervals, base=base)
    applicable = contract.sla_applies  # SLA-9: HOSTED-W 7 only
    return {
        "policy": policy,
        "minutes_in_month": result.minutes_in_month,
        "unavailable_seconds": result.unavailable_seconds,
        "unavailable_minutes": result.unavailable_minutes,
        "availability": av.as_decimal(result.availability),
        "credit_percent": result.credit_percent,
        "base": round_price(base),
        "base_detail": detail,
        "credit_amount": result.credit if applicable else Decimal("0.00"),
        "applicable": applicable,
        # SLA-9: the portal says why (HOSTED-W 7, HOSTED-A 8).
        "not_applicable_reason": "" if applicable else _(SLA_NOT_APPLICABLE),
        "computed_at": timezone.now(),
    }


# ACC-4: what a staff recomputation may change, kept in its audit row.
AUDITED = ["unavailable_minutes", "availability", "credit_percent", "base", "credit_amount"]


def availability_report_compute(
    *, contract: Contract, month: date, actor: User | None = None
) -> AvailabilityReport | None:
    """SLA-6/7/9: compute (or recompute) one contract's report for one month. Idempotent: a
    report already requested or decided never changes; the unique (contract, month) is the final
    guard when two jobs race. None for a contract without an SLA policy. ``actor``: the staff
    member recomputing it from the back office (ACC-4: audited, before and after); the monthly
    job has none."""
    if actor is not None:
        require_staff(actor)
    month = month_start(month)
    if contract.term("sla_policy") not in av.SLA_TIERS:
        return None
    for _attempt in range(2):
        with transaction.atomic():
            report = (
                AvailabilityReport.objects.select_for_update()
                .filter(contract=contract, month=month)
                .first()
            )
            if report is not None and report.status != ReportStatus.COMPUTED:
                return report
            values = _report_values(contract, month)
            if report is not None:
                before = snapshot(report, AUDITED)
                for name, value in values.items():
                    setattr(report, name, value)
                report.save(update_fields=[*values, "updated_at"])
                _audit_recompute(report, contract, actor, before)
                return report
            try:
                with transaction.atomic():
                    report = AvailabilityReport.objects.create(
                        contract=contract, month=month, **values
                    )
                    announce_report(report, contract)
                    _audit_recompute(report, contract, actor, {})
                    return report
            except IntegrityError:
                continue  # another job created it meanwhile: update that one
    return AvailabilityReport.objects.get(contract=contract, month=month)


def _audit_recompute(report, contract, actor, before: dict) -> None:
    if actor is None:
        return  # the monthly job's computation
    audit_record(
        action="availability_report.recompute",
        instance=report,
        actor=actor,
        client=contract.client,
        before=before,
        after=snapshot(report, AUDITED),
    )


def contracts_for_sla_month(month: date):
    """SLA-10: the contracts with an SLA policy in service at some point of the month."""
    month = month_start(month)
    following = next_month_start(month)
    # One termination both effective and dated on or before the month's first day (an
    # ``exclude`` across the relation would match the two conditions on different rows: a
    # cancelled earlier termination and the effective later one).
    ended_before = Exists(
        Termination.objects.filter(
            contract=OuterRef("pk"),
            status=TerminationStatus.EFFECTIVE,
            effective_date__lte=month,
        )
    )
    return (
        Contract.objects.filter(
            terms_snapshot__sla_policy__in=list(av.SLA_TIERS),
            service_start_date__lt=following,
            status__in=[*LIVE_STATUSES, ContractStatus.TERMINATED],
        )
        .exclude(ended_before)
        .order_by("pk")
    )
