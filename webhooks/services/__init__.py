"""Webhook use cases (SPEC §9, webhooks): ``endpoints`` (register, change, rotate the secret,
enable, disable) and ``delivery`` (fan an event out to endpoints, attempt a delivery with back-off,
redeliver, ping)."""

from webhooks.services.delivery import attempt, fan_out, ping, redeliver
from webhooks.services.endpoints import (
    create_endpoint,
    disable_endpoint,
    enable_endpoint,
    rotate_secret,
    update_endpoint,
)

__all__ = [
    "attempt",
    "create_endpoint",
    "disable_endpoint",
    "enable_endpoint",
    "fan_out",
    "ping",
    "redeliver",
    "rotate_secret",
    "update_endpoint",
]
