from rest_framework.routers import SimpleRouter

from numbering.api import port_views, views

router = SimpleRouter()
router.register("numbers", views.PhoneNumberViewSet, basename="number")
router.register("available-numbers", views.AvailableNumberViewSet, basename="available-number")
router.register("port-requests", port_views.PortRequestViewSet, basename="port-request")

urlpatterns = router.urls
