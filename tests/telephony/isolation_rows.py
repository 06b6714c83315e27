"""Tenant isolation rows of trunks and SIP accounts, merged by ``tests/test_isolation.py``:
the API resources and commands, and the portal pages (``telephony.urls``)."""

from datetime import date

from telephony import services
from telephony.models import ChannelDecrease, ChannelOrder, SipAccount, Trunk


def _trunk(t):
    """The tenant's trunk: a TRUNK contract of 8 channels set up through the services, in
    service from the 1st of the month, cached on the tenant object."""
    if getattr(t, "trunk", None) is None:
        from offers import services as offers
        from tests.offers.factories import make_contract
        from tests.telephony.factories import seed_catalogue

        seed_catalogue()
        start = offers.paris_today().replace(day=1)
        contract = make_contract(t.client, "trunk", quantity=8, signature=start, status="ordered")
        t.trunk, _secret = services.trunk_create(contract=contract, today=start)
        offers.contract_activate(contract=contract, service_start_date=start)
    return t.trunk


def _order(t):
    """An order of the tenant's trunk awaiting payment, cached."""
    if getattr(t, "channel_order", None) is None:
        t.channel_order = services.channel_order_create(trunk=_trunk(t), add=1)
    return t.channel_order


def _decrease(t):
    if getattr(t, "channel_decrease", None) is None:
        t.channel_decrease = services.channel_decrease_request(
            trunk=_trunk(t), channels_to_remove=1
        )
    return t.channel_decrease


def _sip_account(t):
    if getattr(t, "sip_account", None) is None:
        from tests.offers.factories import make_contract
        from tests.telephony.factories import seed_catalogue

        seed_catalogue()
        start = date(2026, 10, 1)
        contract = make_contract(t.client, "sip-unl", signature=start, service_start=start)
        t.sip_account, _secret = services.sip_account_create(contract=contract, label="Accueil")
    return t.sip_account


def _sip_device(t):
    """A device registered on the tenant's SIP account, cached."""
    if getattr(t, "sip_device", None) is None:
        t.sip_device = services.sip_device_register(
            account=_sip_account(t), device_id="80:5e:c0:00:00:01", user_agent="Yealink"
        )
    return t.sip_device


API_RESOURCES = [
    ("api:trunk-list", "api:trunk-detail", lambda t: _trunk(t).pk, Trunk),
    ("api:channel-order-list", "api:channel-order-detail", lambda t: _order(t).pk, ChannelOrder),
    (
        "api:channel-decrease-list",
        "api:channel-decrease-detail",
        lambda t: _decrease(t).pk,
        ChannelDecrease,
    ),
    ("api:sip-account-list", "api:sip-account-detail", lambda t: _sip_account(t).pk, SipAccount),
]
# Commands on one object: another partner's object is a 404 on each, nothing written
# (tests/telephony/test_api.py::test_other_partner_404_on_every_route).
API_OTHER_ROUTES = {
    "api:trunk-channel-quote",
    "api:trunk-reset-credentials",
    "api:trunk-destinations",
    "api:trunk-block-destination",
    "api:trunk-unblock-destination",
    "api:channel-order-pay",
    "api:channel-order-cancel",
    "api:channel-decrease-cancel",
    "api:sip-account-reset-credentials",
    "api:sip-account-destinations",
    "api:sip-account-block-destination",
    "api:sip-account-unblock-destination",
}


def _group_pk():
    """A destination group (the catalogue is global, not tenant data): premium-rate."""
    from telephony.models import DestinationGroup
    from tests.telephony.factories import seed_catalogue

    seed_catalogue()
    return DestinationGroup.objects.get(code="premium-rate").pk


# --- Portal pages (``telephony.views``) -------------------------------------------------------
PORTAL_PAGES = [("telephony:index", None)]
PORTAL_OBJECT_PAGES = [
    ("telephony:trunk", lambda t: [_trunk(t).pk]),
    ("telephony:trunk_quote", lambda t: [_trunk(t).pk]),
    ("telephony:trunk_change", lambda t: [_trunk(t).pk]),
    ("telephony:trunk_credentials", lambda t: [_trunk(t).pk]),
    ("telephony:trunk_destination", lambda t: [_trunk(t).pk, _group_pk()]),
    ("telephony:order", lambda t: [_order(t).pk]),
    ("telephony:order_pay", lambda t: [_order(t).pk]),
    ("telephony:order_cancel", lambda t: [_order(t).pk]),
    ("telephony:decrease_cancel", lambda t: [_decrease(t).pk]),
    ("telephony:sip_account", lambda t: [_sip_account(t).pk]),
    ("telephony:sip_device_remove", lambda t: [_sip_account(t).pk, _sip_device(t).pk]),
    ("telephony:sip_credentials", lambda t: [_sip_account(t).pk]),
    ("telephony:sip_destination", lambda t: [_sip_account(t).pk, _group_pk()]),
    # issue 17 item 8: create a SIP account the tenant's SIP-UNL contract bills
    ("telephony:sip_account_create", lambda t: [_sip_account(t).contract_id]),
]
# ACC-2, TRK-3, TRK-4, TRK-6, ACC-7: the admin orders and decreases channels, the admin or
# billing pays orders, the admin or technical resets credentials, (un)blocks destinations or
# removes devices; a read-only member gets 403 on every one.
PORTAL_WRITES = [
    ("telephony:trunk_change", lambda t: [_trunk(t).pk], {"total": "12", "action": "confirm"}),
    ("telephony:trunk_credentials", lambda t: [_trunk(t).pk], {"action": "reset"}),
    (
        "telephony:trunk_destination",
        lambda t: [_trunk(t).pk, _group_pk()],
        {"action": "unblock", "confirm": "1"},
    ),
    ("telephony:order_pay", lambda t: [_order(t).pk], {"method": "prepaid"}),
    ("telephony:order_cancel", lambda t: [_order(t).pk], {}),
    ("telephony:decrease_cancel", lambda t: [_decrease(t).pk], {}),
    ("telephony:sip_credentials", lambda t: [_sip_account(t).pk], {"action": "compromised"}),
    ("telephony:sip_device_remove", lambda t: [_sip_account(t).pk, _sip_device(t).pk], {}),
    ("telephony:sip_account_create", lambda t: [_sip_account(t).contract_id], {"label": "x"}),
    (
        "telephony:sip_destination",
        lambda t: [_sip_account(t).pk, _group_pk()],
        {"action": "unblock", "confirm": "1"},
    ),
]
OWN_ROWS = {
    Trunk: _trunk,
    ChannelOrder: _order,
    ChannelDecrease: _decrease,
    SipAccount: _sip_account,
}
