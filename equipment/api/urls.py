"""API routes of equipment (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from equipment.api import views

router = SimpleRouter()
router.register("equipment-items", views.ItemViewSet, basename="equipment-item")
router.register("equipment-orders", views.OrderViewSet, basename="equipment-order")
router.register("rmas", views.RmaViewSet, basename="rma")
router.register("equipment-returns", views.ReturnViewSet, basename="equipment-return")

urlpatterns = router.urls
