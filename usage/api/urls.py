"""API routes of this app (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from usage.api import upload, views

router = SimpleRouter()
router.register("calls", views.CallViewSet, basename="call")
router.register("cdr-imports", upload.CdrImportViewSet, basename="cdr-import")  # ucore

urlpatterns = router.urls
