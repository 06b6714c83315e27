"""Every write of trunks and SIP accounts, one module per use-case family:

- ``trunks``: the set-up of a TRUNK contract's trunk, its credentials and first packs (TRK-1,
  TRK-2);
- ``channel_quotes``: the quote of a channel increase, nothing written (TRK-3);
- ``channel_orders``: channel orders: created, confirmed, paid and activated, cancelled,
  expired (TRK-3);
- ``channel_decreases``: decreases from the next renewal date, and their cancellation (TRK-4);
- ``renewal``: the period-start work: decreases applied, packs re-optimised, contract lines in
  step (TRK-4, TRK-5); trunks renewed before the monthly run (BIL-1);
- ``sip_accounts``: SIP accounts, their suspension (CON-8) and their devices (ACC-7);
- ``sip_credentials``: the credentials of SIP accounts and trunks: reset, declared compromised,
  re-enabled (ACC-7);
- ``destinations``: destination blocking of a trunk or a SIP account, staff's changes to the
  groups (TRK-6).
- ``pack_prices``: a pack's new price, scheduled through the price change pipeline (TRK-1,
  CON-6); the pack table follows on the effective date (it is imported here, so its receiver
  is connected whenever the services are).

Shared by those modules: ``capacity`` (the cap error, the lock order, the ledger rows),
``pack_lines`` (packs as priced lines), ``notices`` (who is told).

Inside the app, import from the module (``from telephony.services.channel_orders import
channel_order_pay``); the names below are the app's services for the other apps, the tests and
the demo data.
"""

from kernel.errors import InvalidTransition
from telephony.services.capacity import CapacityExceeded
from telephony.services.channel_decreases import channel_decrease_cancel, channel_decrease_request
from telephony.services.channel_orders import (
    channel_order_cancel,
    channel_order_confirm,
    channel_order_create,
    channel_order_expire,
    channel_order_pay,
    channel_order_record_payment,
    channel_orders_to_expire,
)
from telephony.services.channel_quotes import ChannelQuote, channel_quote
from telephony.services.destinations import (
    destination_block,
    destination_group_save,
    destination_unblock,
)
from telephony.services.pack_lines import PackLine
from telephony.services.pack_prices import pack_price_change_schedule
from telephony.services.renewal import PeriodStartResult, trunk_period_start, trunks_renew_for_run
from telephony.services.sip_accounts import (
    sip_account_create,
    sip_account_lift_suspension,
    sip_account_suspend,
    sip_account_update,
    sip_device_register,
    sip_device_remove,
)
from telephony.services.sip_credentials import (
    sip_credentials_declare_compromised,
    sip_credentials_enable,
    sip_credentials_reset,
)
from telephony.services.trunks import trunk_create

__all__ = [
    "CapacityExceeded",
    "ChannelQuote",
    "InvalidTransition",
    "PackLine",
    "PeriodStartResult",
    "channel_decrease_cancel",
    "channel_decrease_request",
    "channel_order_cancel",
    "channel_order_confirm",
    "channel_order_create",
    "channel_order_expire",
    "channel_order_pay",
    "channel_order_record_payment",
    "channel_orders_to_expire",
    "channel_quote",
    "destination_block",
    "destination_group_save",
    "destination_unblock",
    "pack_price_change_schedule",
    "sip_account_create",
    "sip_account_lift_suspension",
    "sip_account_suspend",
    "sip_account_update",
    "sip_credentials_declare_compromised",
    "sip_credentials_enable",
    "sip_credentials_reset",
    "sip_device_register",
    "sip_device_remove",
    "trunk_create",
    "trunk_period_start",
    "trunks_renew_for_run",
]
