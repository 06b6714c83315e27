from allauth.account.decorators import secure_admin_login
from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views
from portal.api.routes import slash_optional

admin.autodiscover()
# The back office signs in through allauth (rate limits, second factor), not its own form.
admin.site.login = secure_admin_login(admin.site.login)

# Every operation answers with or without its trailing slash (a POST is never redirected); the
# schema and the docs are pages, redirected to their slash as the portal's are.
api_v1 = [
    *slash_optional(
        [
            path("", include("accounts.api.urls")),
            path("", include("offers.api.urls")),
            path("", include("billing.api.urls")),
            path("", include("payments.api.urls")),
            path("", include("telephony.api.urls")),
            path("", include("support.api.urls")),
            path("", include("numbering.api.urls")),
            path("", include("usage.api.urls")),
            path("", include("equipment.api.urls")),
            path("", include("webhooks.api.urls")),
        ]
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The only page with an inline script (the Swagger UI's set-up): allowed by its nonce.
    path(
        "docs/",
        csp_update({"script-src": [NONCE]})(
            SpectacularSwaggerView.as_view(
                url_name="api:schema", template_name="portal/swagger_ui.html"
            )
        ),
        name="docs",
    ),
]

urlpatterns = [
    # First: the partner API's requests resolve without trying every portal route (issue 13).
    path("api/v1/", include((api_v1, "api"))),
    path("", views.dashboard, name="dashboard"),
    path("favicon.ico", views.favicon),
    path("", include("accounts.urls")),
    path("contracts/", include("offers.urls")),
    path("invoices/", include("billing.urls")),
    path("payments/", include("payments.urls")),
    path("telephony/", include("telephony.urls")),
    path("support/", include("support.urls")),
    path("numbers/", include("numbering.urls")),
    path("usage/", include("usage.urls")),
    path("equipment/", include("equipment.urls")),
    path("console/", include("console.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("backoffice/", admin.site.urls),
]
# An address under /api/ that matches no route answers the API's JSON envelope.
handler404 = "portal.api.errors.page_not_found"
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
