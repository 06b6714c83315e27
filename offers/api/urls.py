from rest_framework.routers import SimpleRouter

from offers.api import views

router = SimpleRouter()
router.register("offers", views.OfferViewSet, basename="offer")
router.register("contracts", views.ContractViewSet, basename="contract")

urlpatterns = router.urls
