"""NUM-3: the dates of a port-in — the desired date (a business day, from today to a year
ahead), a contract ending on or before it, the day the numbers arrived."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.clock import paris_today
from numbering.choices import PortStatus
from numbering.models import PortRequest
from numbering.porting_days import porting_day_error
from offers.choices import TerminationStatus
from offers.models import Termination
from offers.periods import add_months


def desired_date_error(desired_date) -> str:
    """NUM-3: a desired date from today to a year ahead — when the request is typed, and again
    when it leaves (a draft sent, a rejected request relaunched, days later)."""
    today = paris_today()
    if desired_date is None or desired_date < today:
        return _("Choose a date from today on.")
    if desired_date > add_months(today, 12):  # a year ahead: 366 days across a 29 February
        return _("Choose a date within a year.")
    return porting_day_error(desired_date)  # a business day (NUM-3, numbering.porting_days)


def termination_error(contract, day: date) -> str:
    """NUM-3 / CON-4: numbers cannot arrive on a contract whose termination takes effect on or
    before their porting date (its completion would be refused): named with its effective date,
    the first day without service."""
    if contract is None or day is None:
        return ""
    termination = (
        Termination.objects.filter(
            contract=contract,
            status__in=[TerminationStatus.SCHEDULED, TerminationStatus.EFFECTIVE],
            effective_date__lte=day,
        )
        .order_by("effective_date")
        .first()
    )
    if termination is None:
        return ""
    return _(
        "Contract %(reference)s ends on %(end)s (its termination takes effect that day): the "
        "numbers must arrive before it. Choose an earlier date or port them to another contract."
    ) % {"reference": contract.reference, "end": dmy(termination.effective_date)}


def check_completion_date(request: PortRequest, on: date, today: date) -> None:
    """NUM-3: the day the numbers arrived: never in the future, never before the request
    left for the operator (its last submission)."""
    if on > today:
        raise ValidationError(
            {"on": _("The completion date %(date)s is in the future.") % {"date": dmy(on)}}
        )
    sent = request.steps.filter(status=PortStatus.SUBMITTED).order_by("-at", "-pk").first()
    if sent is not None and on < timezone.localdate(sent.at):
        raise ValidationError(
            {
                "on": _("The completion date %(date)s is before the request was sent (%(sent)s).")
                % {"date": dmy(on), "sent": dmy(timezone.localdate(sent.at))}
            }
        )


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")
