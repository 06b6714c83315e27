"""API routes of this app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from usage.api import tariff_changes, upload, views

router = SimpleRouter()
router.register("calls", views.CallViewSet, basename="call")
router.register("cdr-imports", upload.CdrImportViewSet, basename="cdr-import")  # ucore
router.register("tariff-changes", tariff_changes.TariffChangeViewSet, basename="tariff-change")

urlpatterns = router.urls
