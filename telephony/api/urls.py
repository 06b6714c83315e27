from rest_framework.routers import SimpleRouter

from telephony.api import views

router = SimpleRouter()
router.register("trunks", views.TrunkViewSet, basename="trunk")
router.register("channel-orders", views.ChannelOrderViewSet, basename="channel-order")
router.register("channel-decreases", views.ChannelDecreaseViewSet, basename="channel-decrease")
router.register("sip-accounts", views.SipAccountViewSet, basename="sip-account")

urlpatterns = router.urls
