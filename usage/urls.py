from django.urls import path

from usage import tariff_views, views

app_name = "usage"

urlpatterns = [
    path("", views.consumption, name="consumption"),
    path("calls.csv", views.calls_csv, name="calls_csv"),
    path("threshold/", views.threshold, name="threshold"),
    path("tariffs/", tariff_views.tariffs, name="tariffs"),
    path(
        "tariffs/<int:announcement_pk>/refuse/<int:contract_pk>/",
        tariff_views.tariff_refuse,
        name="tariff_refuse",
    ),
    path("annex/<int:invoice_id>/", views.invoice_annex, name="invoice_annex"),
]
