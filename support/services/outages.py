"""Outages (SLA-5): recording an unavailability, ending it or changing its excuse, and
announcing it to the affected customers (7 "jours ouvrables" ahead for a planned maintenance)."""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from accounts.notifications import notify_client
from offers.choices import LIVE_STATUSES
from offers.models import Contract
from support.business_hours import business_days_before
from support.choices import ExcuseReason, OutageScope
from support.models import Outage, OutageAnnouncement
from support.services.permissions import NOTIFIED_ROLES, require_staff

ANNOUNCEMENT_BUSINESS_DAYS = 7  # SLA-5 (PLATFORM 13.1-5)


def announcement_deadline(started_at: datetime) -> date:
    """SLA-5: a planned maintenance starting at ``started_at`` must be announced on this day
    (Paris) or before: "au moins sept jours ouvrables avant" (PLATFORM 13.5) — Monday to
    Saturday, French public holidays excluded (the rule book's "business days" read as the
    contract's "jours ouvrables", not "jours ouvrés")."""
    return business_days_before(
        timezone.localtime(started_at).date(), ANNOUNCEMENT_BUSINESS_DAYS, saturdays=True
    )


def _announced_in_time(outage: Outage) -> bool:
    last_day = announcement_deadline(outage.started_at)
    return any(timezone.localtime(a.sent_at).date() <= last_day for a in outage.announcements.all())


def outage_check(
    *,
    started_at: datetime,
    ended_at: datetime | None,
    excusable: bool,
    excuse_reason: str,
    scope: str,
    offer=None,
    contracts: Iterable[Contract] | None = None,
    announced: bool | None = None,
    now: datetime | None = None,
) -> None:
    """The checks of an outage, shared by the service and the back-office form.

    An outage that is not excusable ends in the past (or is ongoing), at most a minute ahead of
    ``now``: its minutes count (SLA-6).
    A planned maintenance must have been announced at least 7 working days before its start:
    ``announced`` says whether it already was in time; ``None`` means it is being recorded now
    and will be announced now, which is in time only if today is early enough.
    """
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if ended_at is not None and ended_at <= started_at:
        errors["ended_at"] = _("An outage ends after it starts.")
    elif ended_at is not None and not excusable and ended_at > now + timedelta(minutes=1):
        # SLA-6: its minutes count as unavailability — a future end would count minutes not
        # lived yet (a typo of a day, 1 440 of them). A minute of clock difference is allowed,
        # as for a ticket's report (SLA-1). An excusable outage (a planned maintenance) counts
        # nothing and is recorded ahead with its end.
        errors["ended_at"] = _(
            "An outage that is not excusable cannot end in the future (it is now %(now)s): "
            "leave the end empty while it is ongoing and end it when the service is back."
        ) % {"now": formats.date_format(timezone.localtime(now), "DATETIME_FORMAT")}
    if excusable and excuse_reason not in ExcuseReason.values:
        errors["excuse_reason"] = _("An excusable outage needs its reason from the list.")
    if not excusable and excuse_reason:
        errors["excusable"] = _("An outage with an excuse is excusable: tick the box.")
    if scope == OutageScope.OFFER and offer is None:
        errors["offer"] = _("Choose the offer whose contracts are all affected.")
    if scope == OutageScope.CONTRACTS and contracts is not None and not list(contracts):
        errors["contracts"] = _("Choose the affected contracts.")
    if excuse_reason == ExcuseReason.PLANNED_MAINTENANCE and "excuse_reason" not in errors:
        last_day = announcement_deadline(started_at)
        in_time = announced if announced is not None else timezone.localtime(now).date() <= last_day
        if not in_time:
            errors["excuse_reason"] = _(
                "A planned maintenance must be announced by e-mail at least 7 working days "
                "(Monday to Saturday, public holidays excluded) before it starts, so by "
                "%(day)s. It was not: record it as not excusable, or move it to a later date."
            ) % {"day": formats.date_format(last_day)}
    if errors:
        raise ValidationError(errors)


def outage_affected_contracts(outage: Outage):
    """The contracts an outage affects: those listed, or the live contracts of its offer."""
    if outage.scope == OutageScope.OFFER:
        return Contract.objects.filter(offer_id=outage.offer_id, status__in=LIVE_STATUSES)
    return outage.contracts.all()


@transaction.atomic
def outage_record(
    *,
    title: str,
    started_at: datetime,
    ended_at: datetime | None = None,
    excusable: bool = False,
    excuse_reason: str = "",
    scope: str = OutageScope.CONTRACTS,
    offer=None,
    contracts: Iterable[Contract] = (),
    description: str = "",
    internal_note: str = "",
    actor: User | None = None,
) -> Outage:
    """SLA-5: staff record an unavailability (ongoing while it has no end). A planned
    maintenance is announced at once to the affected customers, which is allowed only 7
    business days or more before it starts."""
    require_staff(actor)
    contracts = list(contracts)
    outage_check(
        started_at=started_at,
        ended_at=ended_at,
        excusable=excusable,
        excuse_reason=excuse_reason,
        scope=scope,
        offer=offer,
        contracts=contracts,
    )
    outage = Outage.objects.create(
        title=title,
        description=description,
        internal_note=internal_note,
        started_at=started_at,
        ended_at=ended_at,
        excusable=excusable,
        excuse_reason=excuse_reason if excusable else "",
        scope=scope,
        offer=offer if scope == OutageScope.OFFER else None,
        created_by=actor,
    )
    if scope == OutageScope.CONTRACTS:
        outage.contracts.set(contracts)
    audit_record(
        action="outage.record",
        instance=outage,
        actor=actor,
        after={
            "title": title,
            "started_at": started_at,
            "ended_at": ended_at,
            "excusable": excusable,
            "excuse_reason": excuse_reason,
            "scope": scope,
            "offer": offer.code if offer else None,
            "contracts": [c.reference for c in contracts],
        },
    )
    if outage.is_planned_maintenance:
        outage_announce(outage=outage, actor=actor)
    return outage


@transaction.atomic
def outage_update(
    *,
    outage: Outage,
    actor: User,
    ended_at: datetime | None = None,
    excusable: bool | None = None,
    excuse_reason: str | None = None,
) -> Outage:
    """SLA-5: staff end an ongoing outage or change whether it is excusable. Making it a
    planned maintenance needs an announcement made in time."""
    require_staff(actor)
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    before = {
        "ended_at": outage.ended_at,
        "excusable": outage.excusable,
        "excuse_reason": outage.excuse_reason,
    }
    new_end = ended_at if ended_at is not None else outage.ended_at
    new_excusable = outage.excusable if excusable is None else excusable
    new_reason = outage.excuse_reason if excuse_reason is None else excuse_reason
    if not new_excusable:
        new_reason = ""
    outage_check(
        started_at=outage.started_at,
        ended_at=new_end,
        excusable=new_excusable,
        excuse_reason=new_reason,
        scope=outage.scope,
        offer=outage.offer,
        announced=_announced_in_time(outage),
    )
    outage.ended_at, outage.excusable, outage.excuse_reason = new_end, new_excusable, new_reason
    outage.save(update_fields=["ended_at", "excusable", "excuse_reason", "updated_at"])
    audit_record(
        action="outage.update",
        instance=outage,
        actor=actor,
        before=before,
        after={"ended_at": new_end, "excusable": new_excusable, "excuse_reason": new_reason},
    )
    return outage


@transaction.atomic
def outage_announce(*, outage: Outage, actor: User | None, message: str = "") -> OutageAnnouncement:
    """SLA-5: e-mail the outage to the admin and technical people of every affected customer,
    and keep the announcement (its date proves the 7-business-day notice)."""
    require_staff(actor)
    contracts = list(outage_affected_contracts(outage).select_related("client", "offer"))
    by_client: dict[int, list[Contract]] = {}
    for contract in contracts:
        by_client.setdefault(contract.client_id, []).append(contract)
    for client_contracts in by_client.values():
        notify_client(
            client_contracts[0].client,
            "support/email/outage_announcement",
            {"outage": outage, "contracts": client_contracts, "message": message},
            roles=NOTIFIED_ROLES,
        )
    announcement = OutageAnnouncement.objects.create(
        outage=outage,
        sent_at=timezone.now(),
        message=message,
        recipients=len(by_client),
        sent_by=actor,
    )
    audit_record(
        action="outage.announce",
        instance=outage,
        actor=actor,
        after={"customers": len(by_client), "sent_at": announcement.sent_at},
    )
    return announcement
