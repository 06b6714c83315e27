from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("invoices/<int:invoice_pk>/dispute/", views.dispute_create, name="dispute_create"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("prepaid/", views.prepaid, name="prepaid"),
]
