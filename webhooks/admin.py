"""Back office of webhooks (SPEC §9): partners' endpoints (ping, secret rotation, enable,
disable), every delivery with its attempt log (redeliver), and the outbox itself. Rows are
written by the services only."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyInline, ServiceRowsAdmin, run_each
from kernel.models import OutboxEvent
from webhooks import services, transport
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint
from webhooks.services import endpoints


def _when(value) -> str:
    """A date and time in Paris, as the back office writes a model's (a value put in a text is
    ``str()``: "2026-12-05 09:00:00+00:00", in UTC)."""
    return date_format(localtime(value), "DATETIME_FORMAT") if value else "—"


class AttemptInline(ReadOnlyInline):
    model = DeliveryAttempt
    fields = ["attempted_at", "status_code", "latency_ms", "error_display", "response_excerpt"]
    fields += ["manual"]

    @admin.display(description=_("error"))
    def error_display(self, attempt):
        """Why no answer came, in the page's language whatever stored it (ACC-3)."""
        return transport.error_in_language(attempt.error)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceRowsAdmin):
    list_display = ["url", "partner", "is_active", "failing_since", "disabled_at", "created_at"]
    list_filter = ["is_active", "partner"]
    search_fields = ["url", "partner__name", "description"]
    list_select_related = ["partner"]
    actions = ["ping", "rotate_secret", "enable", "disable"]
    readonly_fields = [
        "partner",
        "url",
        "description",
        "event_types",
        "is_active",
        "disabled_at",
        "disabled_reason_display",
        "failing_since",
        "created_at",
        "secrets_display",
    ]
    fields = readonly_fields  # the stored reason only through its display, in the page's language

    @admin.display(description=_("why disabled"))
    def disabled_reason_display(self, endpoint):
        """Why it was disabled, in the page's language whatever stored it (ACC-3)."""
        return endpoints.reason_in_language(endpoint.disabled_reason) or "—"

    @admin.display(description=_("signing secrets"))
    def secrets_display(self, endpoint):
        rows = [
            (secret.secret[:10], _when(secret.created_at), _when(secret.expires_at))
            for secret in endpoint.secrets.all()
        ]
        return format_html_join("", "<div>{}… {} → {}</div>", rows) or "—"

    @admin.action(description=_("Send a test message (ping)"), permissions=["act"])
    def ping(self, request, queryset):
        for endpoint in queryset:
            logged = services.ping(endpoint)
            if logged is not None and logged.succeeded:
                self.message_user(
                    request,
                    gettext("The endpoint %(url)s answered %(status)s in %(ms)d ms.")
                    % {"url": endpoint.url, "status": logged.status_code, "ms": logged.latency_ms},
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    gettext("The endpoint %(url)s did not accept the message: %(error)s")
                    % {
                        "url": endpoint.url,
                        "error": (logged.error or logged.status_code) if logged else "—",
                    },
                    messages.ERROR,
                )

    @admin.action(description=_("Rotate the signing secret (24 h overlap)"), permissions=["act"])
    def rotate_secret(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda e: services.rotate_secret(e, overlap=timedelta(hours=24), actor=request.user),
            ngettext_lazy(
                "%(count)d secret rotated: the partner reads the new one through the API.",
                "%(count)d secrets rotated: the partner reads the new ones through the API.",
                "count",
            ),
        )

    @admin.action(description=_("Enable"), permissions=["act"])
    def enable(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda e: services.enable_endpoint(e, actor=request.user),
            ngettext_lazy("%(count)d endpoint enabled.", "%(count)d endpoints enabled.", "count"),
        )

    @admin.action(description=_("Disable"), permissions=["act"])
    def disable(self, request, queryset):
        run_each(
            self,
            request,
            queryset,
            lambda e: services.disable_endpoint(
                e, reason=gettext(endpoints.BY_STAFF), actor=request.user
            ),
            ngettext_lazy("%(count)d endpoint disabled.", "%(count)d endpoints disabled.", "count"),
        )


@admin.register(Delivery)
class DeliveryAdmin(ServiceRowsAdmin):
    list_display = ["event", "event_type", "endpoint", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "event__type", "endpoint__partner"]
    search_fields = ["event__id", "endpoint__url", "endpoint__partner__name"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = ["event", "event_type", "payload", "endpoint", "status", "attempts"]
    readonly_fields += ["next_attempt_at", "created_at"]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.display(description=_("event type"), ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description=_("data"))
    def payload(self, delivery):
        return delivery.event.data

    @admin.action(description=_("Redeliver now"), permissions=["act"])
    def redeliver(self, request, queryset):
        run_each(
            self,
            request,
            queryset.select_related("event", "endpoint"),
            services.redeliver,
            gettext("%(count)d delivery(ies) sent again: see each one's log."),
        )


@admin.register(OutboxEvent)
class OutboxEventAdmin(ServiceRowsAdmin):
    list_display = ["id", "type", "partner_id", "occurred_at", "dispatched_at"]
    list_filter = ["type"]
    search_fields = ["id", "type"]
    readonly_fields = ["id", "type", "partner_id", "data", "occurred_at", "dispatched_at"]
    date_hierarchy = "occurred_at"
