from django.urls import path

from usage import views

app_name = "usage"

urlpatterns = [
    path("", views.consumption, name="consumption"),
    path("calls.csv", views.calls_csv, name="calls_csv"),
    path("threshold/", views.threshold, name="threshold"),
    path("tariffs/", views.tariffs, name="tariffs"),
    path("annex/<int:invoice_id>/", views.invoice_annex, name="invoice_annex"),
]
