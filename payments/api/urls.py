from django.urls import path
from rest_framework.routers import SimpleRouter

from payments.api import views

router = SimpleRouter()
router.register("payments", views.PaymentViewSet, basename="payment")
router.register("disputes", views.DisputeViewSet, basename="dispute")
router.register("prepaid-entries", views.PrepaidEntryViewSet, basename="prepaid-entry")

urlpatterns = [
    path(
        "customers/<int:pk>/balance/",
        views.CustomerBalanceViewSet.as_view({"get": "retrieve"}),
        name="customer-balance",
    ),
    *router.urls,
]
