from django.urls import path

from console.views import customers, decisions, queues

app_name = "console"

urlpatterns = [
    path("", queues.home, name="home"),
    path("queues/<str:key>/", queues.queue, name="queue"),
    path("queues/<str:key>/<str:pk>/assign/", queues.assign, name="assign"),
    path("tickets/<int:pk>/", decisions.ticket, name="ticket"),
    path("disputes/<int:pk>/", decisions.dispute, name="dispute"),
    path("credits/<int:pk>/", decisions.credit, name="credit"),
    path("outages/<int:pk>/", decisions.outage, name="outage"),
    path("customers/", customers.search, name="customers"),
    path("customers/<int:pk>/", customers.customer, name="customer"),
    path("customers/<int:pk>/payment/", customers.record_payment, name="record_payment"),
    path("customers/<int:pk>/suspend/", customers.suspend, name="suspend"),
    path("customers/<int:pk>/terminate/", customers.terminate, name="terminate"),
    path("customers/<int:pk>/close-inactive/", customers.close_inactive, name="close_inactive"),
    path(
        "customers/<int:pk>/credentials/<str:kind>/<int:account_pk>/",
        customers.reset_credentials,
        name="reset_credentials",
    ),
]
