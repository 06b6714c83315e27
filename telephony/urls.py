"""Customer portal pages of trunks and SIP accounts, under ``/telephony/``."""

from django.urls import path

from telephony.views import (
    channel_decreases,
    channel_orders,
    credentials,
    destinations,
    index,
    sip_accounts,
    trunks,
)

app_name = "telephony"

urlpatterns = [
    path("", index.index, name="index"),
    path("trunks/<int:pk>/", trunks.trunk_detail, name="trunk"),
    path("trunks/<int:pk>/quote/", trunks.trunk_quote, name="trunk_quote"),
    path("trunks/<int:pk>/channels/", trunks.trunk_change, name="trunk_change"),
    path("trunks/<int:pk>/credentials/", credentials.trunk_credentials, name="trunk_credentials"),
    path(
        "trunks/<int:pk>/destinations/<int:group_pk>/",
        destinations.trunk_destination,
        name="trunk_destination",
    ),
    path("orders/<int:pk>/", channel_orders.order_detail, name="order"),
    path("orders/<int:pk>/pay/", channel_orders.order_pay, name="order_pay"),
    path("orders/<int:pk>/cancel/", channel_orders.order_cancel, name="order_cancel"),
    path("decreases/<int:pk>/cancel/", channel_decreases.decrease_cancel, name="decrease_cancel"),
    path(
        "contracts/<int:pk>/sip/new/",
        sip_accounts.sip_account_create,
        name="sip_account_create",
    ),
    path("sip/<int:pk>/", sip_accounts.sip_account_detail, name="sip_account"),
    path(
        "sip/<int:pk>/devices/<int:device_pk>/remove/",
        sip_accounts.device_remove,
        name="sip_device_remove",
    ),
    path("sip/<int:pk>/credentials/", credentials.sip_credentials, name="sip_credentials"),
    path(
        "sip/<int:pk>/destinations/<int:group_pk>/",
        destinations.sip_destination,
        name="sip_destination",
    ),
]
