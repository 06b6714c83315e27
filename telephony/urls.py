"""Customer portal pages of trunks and SIP accounts, under ``/telephony/``."""

from django.urls import path

from telephony import views

app_name = "telephony"

urlpatterns = [
    path("", views.index, name="index"),
    path("trunks/<int:pk>/", views.trunk_detail, name="trunk"),
    path("trunks/<int:pk>/quote/", views.trunk_quote, name="trunk_quote"),
    path("trunks/<int:pk>/channels/", views.trunk_change, name="trunk_change"),
    path("trunks/<int:pk>/credentials/", views.trunk_credentials, name="trunk_credentials"),
    path(
        "trunks/<int:pk>/destinations/<int:group_pk>/",
        views.trunk_destination,
        name="trunk_destination",
    ),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/pay/", views.order_pay, name="order_pay"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("decreases/<int:pk>/cancel/", views.decrease_cancel, name="decrease_cancel"),
    path("sip/<int:pk>/", views.sip_account_detail, name="sip_account"),
    path("sip/<int:pk>/credentials/", views.sip_credentials, name="sip_credentials"),
    path(
        "sip/<int:pk>/destinations/<int:group_pk>/",
        views.sip_destination,
        name="sip_destination",
    ),
]
