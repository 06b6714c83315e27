from rest_framework.routers import SimpleRouter

from accounts.api import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("sites", views.SiteViewSet, basename="site")
router.register("customer-users", views.CustomerUserViewSet, basename="customer-user")

urlpatterns = router.urls
