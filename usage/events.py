"""Usage's event types (SPEC §9 webhooks): consumption alerts, fair-use and platform limits."""

from datetime import UTC

from django.utils.translation import gettext_lazy as _

from kernel.events import emit, emit_many, register

THRESHOLD_REACHED = register(
    "usage.threshold_reached",
    _("A customer's consumption reached 50, 80 or 100% of its monthly threshold."),
    data=("customer", "month", "threshold", "level", "consumption", "outgoing_blocked"),
)
BLOCK_LIFTED = register(
    "usage.block_lifted",
    _(
        "A customer's outgoing calls, blocked at 100% of its monthly threshold, are allowed "
        "again: threshold raised or removed, block switched off, or the month ended."
    ),
    data=("customer", "month", "threshold", "blocked_at", "lifted_at", "reason"),
)
BREACH_RECORDED = register(
    "usage.breach_recorded",
    _("A user lost the unlimited for the month (fair-use breach, USE-4)."),
    data=("customer", "sip_account", "month", "reasons"),
)

TARIFFS_ANNOUNCED = register(
    "usage.tariffs_announced",
    _(
        "New call tariffs were announced to the partner's customers (CON-6): GET "
        "/tariff-changes/{id}/ lists them, with the contracts that may refuse an increase."
    ),
    data=("tariff_change", "first_day", "increase", "customers"),
)


def announce_tariffs(announcement, clients) -> None:
    """One event per partner whose customers were told of ``announcement``."""
    by_partner: dict[int, list[int]] = {}
    for client in clients:
        if client.partner_id is not None:
            by_partner.setdefault(client.partner_id, []).append(client.pk)
    emit_many(
        [
            (
                TARIFFS_ANNOUNCED,
                partner_id,
                {
                    "tariff_change": announcement.pk,
                    "first_day": announcement.first_day.isoformat(),
                    "increase": announcement.increase,
                    "customers": customers,
                },
            )
            for partner_id, customers in sorted(by_partner.items())
        ]
    )


def _alert_data(alert) -> dict:
    """What every event of a consumption alert names: whose, which month, which threshold."""
    return {
        "customer": alert.client_id,
        "month": alert.month.strftime("%Y-%m"),
        "threshold": str(alert.threshold),
    }


def announce_threshold(alert) -> None:
    emit(
        THRESHOLD_REACHED,
        partner_id=alert.client.partner_id,
        data={
            **_alert_data(alert),
            "level": alert.level,
            "consumption": str(alert.consumption),
            "outgoing_blocked": alert.blocked,
        },
    )


def _utc(moment) -> str:
    """As the API writes a time: ISO 8601 in UTC, ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def announce_block_lifted(alert, *, reason: str) -> None:
    """``reason``: ``threshold_changed`` (raised, removed or the block switched off) or
    ``month_ended`` (the block lasts until the month ends)."""
    emit(
        BLOCK_LIFTED,
        partner_id=alert.client.partner_id,
        data={
            **_alert_data(alert),
            "blocked_at": _utc(alert.blocked_at),
            "lifted_at": _utc(alert.lifted_at),
            "reason": reason,
        },
    )


def announce_breach(breach) -> None:
    emit(
        BREACH_RECORDED,
        partner_id=breach.client.partner_id,
        data={
            "customer": breach.client_id,
            "sip_account": breach.sip_account_id,
            "month": breach.month.strftime("%Y-%m"),
            "reasons": [r.get("code") for r in breach.reasons],
        },
    )
