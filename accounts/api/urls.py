from rest_framework.routers import SimpleRouter

from accounts.api import keys_views, views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("sites", views.SiteViewSet, basename="site")
router.register("customer-users", views.CustomerUserViewSet, basename="customer-user")
router.register("api-keys", keys_views.ApiKeyViewSet, basename="api-key")

urlpatterns = router.urls
