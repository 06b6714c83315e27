from rest_framework.routers import SimpleRouter

from support.api import views

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("outages", views.OutageViewSet, basename="outage")
router.register(
    "availability-reports", views.AvailabilityReportViewSet, basename="availability-report"
)

urlpatterns = router.urls
