"""NUM-4: a number leaving for another operator. The upstream's port-out notice names the number
and the porting date; on that date the number leaves (``ported_out``, never reused). When it is
the last number of its contract, the contract ends on the porting date: a termination under CON-5
(the porting is the customer's notice; its fees are quoted and billed as for any termination)."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from billing.services.termination_credits import credit_source_months
from kernel.clock import paris_today
from numbering import phone
from numbering.choices import NumberState
from numbering.events import NUMBER_PORTED_OUT, announce_numbers
from numbering.models import PhoneNumber
from numbering.services import pricing
from numbering.services.assignment import move_number
from offers.choices import TerminationReason, TerminationStatus
from offers.periods import day_before, next_month_start
from offers.services import contract_request_termination


@transaction.atomic
def port_out_notice(*, number: str, porting_date: date, operator: str = "", actor=None):
    """Record the notice: the number leaves on ``porting_date`` (at once if it is today or
    past); the contract of its last number is terminated with that effective date."""
    try:
        e164 = phone.to_e164(number)
    except ValidationError as error:
        raise ValidationError({"number": error.messages}) from error
    row = PhoneNumber.objects.select_for_update().filter(e164=e164).first()
    if row is None or row.state != NumberState.ASSIGNED:
        raise ValidationError(
            {"number": _("%(number)s is not a number assigned to a customer.") % {"number": e164}}
        )
    if row.ported_out_on is not None:
        raise ValidationError({"number": _("A port-out is already recorded for this number.")})
    row.ported_out_on = porting_date
    row.save(update_fields=["ported_out_on", "updated_at"])
    contract = row.contract
    staying = PhoneNumber.objects.filter(
        contract=contract, state=NumberState.ASSIGNED, ported_out_on__isnull=True
    ).exclude(pk=row.pk)
    termination = None
    if contract is not None and not staying.exists():
        # The contract serves until its last number leaves: a number whose notice came first
        # may leave after this one (00 01 on 20 November, 00 02 recorded next for 20 October:
        # the contract ends on 20 November, not while 00 01 still serves).
        last_day = max(
            [
                porting_date,
                *PhoneNumber.objects.filter(contract=contract, state=NumberState.ASSIGNED)
                .exclude(pk=row.pk)
                .values_list("ported_out_on", flat=True),
            ]
        )
        scheduled = contract.terminations.filter(status=TerminationStatus.SCHEDULED).first()
        if scheduled is None and contract.can_request_termination():
            termination = contract_request_termination(
                contract=contract,
                requested_date=last_day,
                reason=TerminationReason.PORT_OUT,
                notice_days=0,
                # The porting is the notice: a notice received after it still ends the
                # contract on the porting date.
                notice_date=min(porting_date, paris_today()),
                actor=actor,
            )
    if termination is None or termination.effective_date > porting_date:
        # this number's months after its own porting month, when the contract goes on longer
        _credit_months_billed_after(row, porting_date, actor=actor)
    audit_record(
        action="number.port_out_notice",
        instance=row,
        actor=actor,
        client=row.client,
        after={"porting_date": porting_date, "operator": operator[:100]},
    )
    if porting_date <= paris_today():
        port_out_apply(number_id=row.pk, today=porting_date)
    return row, termination


def _credit_months_billed_after(row: PhoneNumber, porting_date: date, *, actor=None) -> None:
    """NUM-4 / NUM-2: the number's months after the one its porting day falls in (a started
    month is due) are not, whether or not its contract goes on: a notice recorded after the
    runs billed them in advance (the number left on 15 November, recorded on 3 December:
    December) withdraws or credits them. The last number's are credited with its contract's
    months by the termination (``billing.services.termination_credits``)."""
    with translation.override(settings.LANGUAGE_CODE):  # BIL-3: words of a credit note
        label = _("number %(number)s ported out to another operator") % {"number": row.display}
    credit_source_months(
        source_type=pricing.MONTHLY_SOURCE,
        source_id=row.pk,
        since=next_month_start(day_before(porting_date)),
        left_on=porting_date,
        label=label,
        actor=actor,
    )


@transaction.atomic
def port_out_apply(*, number_id: int, today: date | None = None) -> bool:
    """The porting date came: the number leaves. Idempotent."""
    today = today or paris_today()
    row = PhoneNumber.objects.select_for_update().get(pk=number_id)
    if row.state != NumberState.ASSIGNED or row.ported_out_on is None or row.ported_out_on > today:
        return False
    client = row.client
    move_number(row, NumberState.PORTED_OUT, note=_("ported out"))
    row.sip_account = row.trunk = row.site = None
    row.save(update_fields=["state", "sip_account", "trunk", "site", "updated_at"])
    announce_numbers(NUMBER_PORTED_OUT, client, [row], porting_date=row.ported_out_on)
    return True


def port_outs_due(today: date | None = None) -> list[int]:
    today = today or paris_today()
    return list(
        PhoneNumber.objects.filter(
            state=NumberState.ASSIGNED, ported_out_on__lte=today
        ).values_list("pk", flat=True)
    )
