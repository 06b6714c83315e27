"""NUM-2: a customer searches available numbers and assigns them to a contract, a SIP account or
a trunk; a released number spends ``NUMBERS_QUARANTINE_DAYS`` in quarantine before it returns to
the pool. Two customers picking one number at the same moment: the first gets it, the second is
told it was just taken (rows locked, states checked under the lock)."""

import re
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.audit import audit_record
from accounts.models import Client, Site
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from numbering import phone
from numbering.choices import NUMBER_TRANSITIONS, NumberState
from numbering.events import NUMBER_ASSIGNED, NUMBER_RELEASED, announce_numbers
from numbering.models import NumberEvent, PhoneNumber
from numbering.services.pricing import post_setup_fees, reserve_prepaid
from numbering.zne import zne_of_site
from offers.choices import LIVE_STATUSES, ContractStatus

MAX_PER_ASSIGNMENT = 100
PATTERN = re.compile(r"^[0-9]{1,8}$")


def quarantine_days() -> int:
    return int(getattr(settings, "NUMBERS_QUARANTINE_DAYS", 90))


def move_number(
    number: PhoneNumber, to_state: str, *, client=None, note="", actor=None, api_key=None
):
    """The one move of a number (locked by the caller), with its event row."""
    if to_state not in NUMBER_TRANSITIONS[number.state]:
        raise InvalidTransition(
            _("The number %(number)s is %(state)s: it cannot become %(to)s.")
            % {
                "number": number.display,
                "state": NumberState(number.state).label.lower(),
                "to": NumberState(to_state).label.lower(),
            },
            code="invalid_transition",
        )
    NumberEvent.objects.create(
        number=number,
        from_state=number.state,
        to_state=to_state,
        client=client or number.client,
        note=note[:200],
        actor=actor if actor is not None and actor.is_authenticated else None,
        api_key=api_key,
    )
    number.state = to_state


def search_available(
    *,
    number_type: str | None = None,
    price_class: str | None = None,
    zne: str | None = None,
    site: Site | None = None,
    ends_with: str | None = None,
    starts_with: str | None = None,
) -> QuerySet:
    """Available numbers, filtered. A site keeps the numbers allowed there: those of its ZNE and
    those whose range is not restricted to its ZNE."""
    numbers = PhoneNumber.objects.filter(state=NumberState.AVAILABLE)
    if number_type:
        numbers = numbers.filter(number_type=number_type)
    if price_class:
        numbers = numbers.filter(price_class=price_class)
    if zne:
        numbers = numbers.filter(zne=zne.upper())
    if site is not None:
        numbers = numbers.filter(Q(zne_restricted=False) | Q(zne=zne_of_site(site) or "-"))
    if ends_with:
        if not PATTERN.match(ends_with):
            raise ValidationError({"ends_with": _("Up to 8 digits.")})
        numbers = numbers.filter(e164__endswith=ends_with)
    if starts_with:
        digits = re.sub(r"\s", "", starts_with)
        if not PATTERN.match(digits) or not digits.startswith("0"):
            raise ValidationError({"starts_with": _("Up to 8 digits, starting with 0.")})
        numbers = numbers.filter(e164__in=_prefix_candidates(digits, numbers))
    return numbers.order_by("e164")


def _prefix_candidates(digits: str, numbers: QuerySet):
    """National prefix → the E.164 prefixes it stands for (NUM-1: overseas numbers have their
    own code, never +33). Once it holds an overseas prefix, or from 4 digits when it begins
    none, it names one territory: ``0172`` → ``+33172``, ``0262`` → ``+262262``. Otherwise it is
    the start of mainland numbers and of every overseas prefix it begins: ``02`` → ``+332``,
    ``+262262``, ``+262263``, ``+262269``…; ``0709`` → ``+33709`` and the 07 09 blocks of each
    territory; ``0`` → all."""
    begun = [prefix for prefix in phone.OVERSEAS_PREFIXES if prefix.startswith(digits)]
    if phone.overseas_prefix(digits) or (len(digits) >= 4 and not begun):
        territories = [(phone.region_of(digits), digits)]
    else:
        territories = [("FR", digits)] + [
            (region, prefix)
            for prefix, region in phone.OVERSEAS_PREFIXES.items()
            if prefix.startswith(digits)
        ]
    wanted = Q()
    for region, national in territories:
        code = phonenumbers.country_code_for_region(region)
        wanted |= Q(e164__startswith=f"+{code}{national[1:]}")
    return numbers.filter(wanted).values("e164")


def _check_target(client: Client, *, contract, sip_account, trunk, site) -> None:
    targets = [t for t in (contract, sip_account, trunk) if t is not None]
    if len(targets) != 1:
        raise ValidationError(_("Choose one contract, SIP account or trunk for these numbers."))
    owner = (
        contract.client_id if contract is not None else (sip_account or trunk).contract.client_id
    )
    if owner != client.pk or (site is not None and site.client_id != client.pk):
        raise PermissionDenied(_("This service is not this customer's."))
    service_contract = contract or (sip_account or trunk).contract
    # The refusal names the service the caller sent (contract, sip_account or trunk), as a
    # port request names its contract: a field error, not a form-wide one.
    field = "contract" if contract is not None else "sip_account" if sip_account else "trunk"
    if service_contract.status not in LIVE_STATUSES:
        raise ValidationError({field: _("Numbers are assigned to a contract in service only.")})
    require_telephone_service(service_contract, field=field)


def require_telephone_service(contract, *, field: str | None = None) -> None:
    """NUM-2, NUM-3: numbers go to a telephone service, never to an equipment rental (EQP-3),
    though its contract is in service too. ``field``: the form field the refusal names."""
    if not contract.offer.telephone_service:
        message = _(
            "This contract carries no telephone service (an equipment rental): "
            "no number goes to it."
        )
        raise ValidationError({field: message} if field else message)


@transaction.atomic
def assign_numbers(
    *,
    client: Client,
    numbers: list[str],
    contract=None,
    sip_account=None,
    trunk=None,
    site: Site | None = None,
    actor=None,
    api_key=None,
) -> list[PhoneNumber]:
    """NUM-2: assign available numbers (E.164 or national) to one of the customer's services.
    All or nothing: one number taken meanwhile refuses the whole assignment, naming it."""
    _check_target(client, contract=contract, sip_account=sip_account, trunk=trunk, site=site)
    if not numbers:
        raise ValidationError({"numbers": _("Choose at least one number.")})
    if len(numbers) > MAX_PER_ASSIGNMENT:
        raise ValidationError(
            {"numbers": _("At most %(n)d numbers at a time.") % {"n": MAX_PER_ASSIGNMENT}}
        )
    try:
        wanted = sorted({phone.to_e164(raw) for raw in numbers})
    except ValidationError as error:
        raise ValidationError({"numbers": error.messages}) from error
    site = site or (contract or (sip_account or trunk).contract).site
    rows = list(PhoneNumber.objects.select_for_update().filter(e164__in=wanted).order_by("e164"))
    found = {row.e164: row for row in rows}
    taken = [
        phone.display(e164)
        for e164 in wanted
        if e164 not in found or found[e164].state != NumberState.AVAILABLE
    ]
    if taken:
        raise ValidationError(
            {
                "numbers": ngettext(
                    "%(numbers)s is no longer available (just taken, or not ours): "
                    "choose another number.",
                    "%(numbers)s are no longer available (just taken, or not ours): "
                    "choose other numbers.",
                    len(taken),
                )
                % {"numbers": ", ".join(taken)}
            }
        )
    site_zne = zne_of_site(site)
    outside = [row.display for row in rows if row.zne_restricted and row.zne != site_zne]
    if outside:
        raise ValidationError(
            {
                "numbers": _("%(numbers)s may only be used at a site of their zone (ZNE %(zne)s).")
                % {"numbers": ", ".join(outside), "zne": rows[0].zne}
            }
        )
    now = timezone.now()
    service_contract = contract or (sip_account or trunk).contract
    for row in rows:
        move_number(row, NumberState.ASSIGNED, client=client, actor=actor, api_key=api_key)
        row.client, row.site, row.contract = client, site, service_contract
        row.sip_account, row.trunk, row.assigned_at = sip_account, trunk, now
        row.quarantine_until, row.updated_at = None, now
    PhoneNumber.objects.bulk_update(
        rows,
        ["state", "client", "site", "contract", "sip_account", "trunk", "assigned_at"]
        + ["quarantine_until", "updated_at"],
    )
    audit_record(
        action="numbers.assign",
        instance=service_contract,
        actor=actor,
        api_key=api_key,
        client=client,
        after={"numbers": wanted, "sip_account": sip_account, "trunk": trunk},
    )
    reserve_prepaid(rows, service_contract, actor=actor)
    post_setup_fees(rows, actor=actor)
    announce_numbers(NUMBER_ASSIGNED, client, rows, contract=service_contract.pk)
    return rows


@transaction.atomic
def release_numbers(*, client: Client, numbers: list[PhoneNumber], actor=None, api_key=None):
    """NUM-2: the customer gives numbers back: they spend the quarantine, then return to the
    pool. Numbers are never the customer's to keep or transfer (HOSTED-W 5.4.3)."""
    rows = list(
        PhoneNumber.objects.select_for_update()
        .filter(pk__in=[n.pk for n in numbers])
        .order_by("e164")
    )
    if any(row.client_id != client.pk for row in rows) or len(rows) != len(numbers):
        raise PermissionDenied(_("These numbers are not this customer's."))
    leaving = [row.display for row in rows if row.ported_out_on is not None]
    if leaving:
        # NUM-4: a number whose port-out is recorded leaves by it on its porting date, never
        # through quarantine to the pool while it lives at the other operator.
        raise InvalidTransition(
            _("%(numbers)s cannot be released: a port-out to another operator is recorded.")
            % {"numbers": ", ".join(leaving)},
            code="invalid_transition",
        )
    until = paris_today() + timedelta(days=quarantine_days())
    for row in rows:
        move_number(row, NumberState.QUARANTINE, actor=actor, api_key=api_key)
        row.quarantine_until = until
        row.client = row.site = row.contract = row.sip_account = row.trunk = None
        row.assigned_at, row.updated_at = None, timezone.now()
    PhoneNumber.objects.bulk_update(
        rows,
        ["state", "quarantine_until", "client", "site", "contract", "sip_account", "trunk"]
        + ["assigned_at", "updated_at"],
    )
    audit_record(
        action="numbers.release",
        instance=client,
        actor=actor,
        api_key=api_key,
        after={"numbers": [row.e164 for row in rows], "quarantine_until": until},
    )
    announce_numbers(NUMBER_RELEASED, client, rows, quarantine_until=until)
    return rows


def on_contract_status_changed(sender, contract, to_status, **kwargs) -> None:
    """Receiver of ``offers.signals.contract_status_changed`` (connected in
    ``NumbersConfig.ready``), inside the transition's transaction. NUM-2 / CON-4: the numbers of
    a terminated contract are released — quarantine, then the pool — as numbers given back are:
    they are never the customer's to keep (HOSTED-W 5.4.3, PLATFORM 6.5). A number that left by
    port-out is already gone; one whose port-out is recorded leaves by it on its porting date
    (NUM-4, the daily job) — never through quarantine to the pool while it lives at the other
    operator, as when beat ends the contract (00:10) before the port-out (00:20) that day."""
    if to_status != ContractStatus.TERMINATED:
        return
    numbers = list(
        PhoneNumber.objects.filter(
            contract=contract, state=NumberState.ASSIGNED, ported_out_on__isnull=True
        ).order_by("e164")
    )
    if numbers:
        release_numbers(client=contract.client, numbers=numbers)


def quarantine_ended(today=None) -> int:
    """Daily: numbers whose quarantine is over return to the pool (how many)."""
    return end_quarantines(today)[0]


def end_quarantines(today=None) -> tuple[int, int]:
    """Daily: numbers whose quarantine is over return to the pool — those of our ranges. A
    number ported in (no range of ours: NUM-1) is the operator's whose range holds it: it goes
    back to that operator (« ported out », final), never to our pool for another customer.
    Returns (back to the pool, returned to their range holder)."""
    today = today or paris_today()
    with transaction.atomic():
        rows = list(
            PhoneNumber.objects.select_for_update(skip_locked=True).filter(
                state=NumberState.QUARANTINE, quarantine_until__lte=today
            )
        )
        returned = 0
        for row in rows:
            if row.number_range_id is None:
                # no ``ported_out_on``: it was ours only while assigned (USE-1's on-net
                # periods end with its release, ``numbering.selectors``)
                move_number(row, NumberState.PORTED_OUT, note="returned to its range holder")
                returned += 1
            else:
                move_number(row, NumberState.AVAILABLE, note="quarantine over")
            row.quarantine_until, row.updated_at = None, timezone.now()
        PhoneNumber.objects.bulk_update(rows, ["state", "quarantine_until", "updated_at"])
    return len(rows) - returned, returned
