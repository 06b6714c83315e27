"""A partner's webhook endpoints: registration (URL checked against SSRF, event types against the
catalogue), change, secret rotation with an overlap, enabling and disabling."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.models import Partner
from kernel.events import CATALOGUE
from kernel.mail import keep_and_send
from kernel.stored_texts import in_language
from webhooks import transport
from webhooks.choices import DeliveryStatus
from webhooks.models import Delivery, EndpointSecret, WebhookEndpoint

MAX_ENDPOINTS_PER_PARTNER = 20
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)

# Why an endpoint was disabled (``disabled_reason``): stored in the language active where it was
# disabled (French in a worker, English for a partner asking in English), read in the reader's
# (``reason_in_language``).
BY_FAILURES = gettext_noop("Every delivery failed for %(hours)d hours.")
BY_PARTNER = gettext_noop("Disabled by the partner.")
BY_STAFF = gettext_noop("Disabled by the reseller's staff.")
DISABLED_REASONS = (BY_FAILURES, BY_PARTNER, BY_STAFF)


def reason_in_language(reason: str) -> str:
    """An endpoint's stored ``disabled_reason`` in the active language (ACC-3: the partner API
    answers in the ``Accept-Language`` asked, the back office reads French), whichever language
    stored it; a reason that is none of ``DISABLED_REASONS`` as stored."""
    return in_language(reason, DISABLED_REASONS)


def _clean(url: str, event_types: list[str]) -> list[str]:
    errors = {}
    try:
        transport.validate_url(url)
    except ValidationError as error:
        errors["url"] = error.messages
    unknown = sorted(set(event_types) - set(CATALOGUE))
    if unknown:
        errors["event_types"] = [
            _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        ]
    if errors:
        raise ValidationError(errors)
    return sorted(set(event_types))


@transaction.atomic
def create_endpoint(
    *, partner: Partner, url: str, description: str = "", event_types=(), actor=None, api_key=None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (shown once)."""
    event_types = _clean(url, list(event_types))
    Partner.objects.select_for_update().get(pk=partner.pk)  # count and insert as one
    if WebhookEndpoint.objects.filter(partner=partner).count() >= MAX_ENDPOINTS_PER_PARTNER:
        raise ValidationError(
            _("A partner has at most %(count)d webhook endpoints.")
            % {"count": MAX_ENDPOINTS_PER_PARTNER}
        )
    endpoint = WebhookEndpoint.objects.create(
        partner=partner, url=url, description=description, event_types=event_types
    )
    secret = EndpointSecret.objects.create(endpoint=endpoint, secret=EndpointSecret.generate())
    audit_record(
        action="webhook_endpoint.create",
        instance=endpoint,
        partner=partner,
        actor=actor,
        api_key=api_key,
        after={"url": url, "event_types": event_types},
    )
    return endpoint, secret.secret


@transaction.atomic
def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url=None,
    description=None,
    event_types=None,
    actor=None,
    api_key=None,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = {"url": endpoint.url, "event_types": endpoint.event_types}
    new_url = endpoint.url if url is None else url
    new_types = endpoint.event_types if event_types is None else list(event_types)
    endpoint.event_types = _clean(new_url, new_types)
    endpoint.url = new_url
    if description is not None:
        endpoint.description = description
    endpoint.save()
    audit_record(
        action="webhook_endpoint.update",
        instance=endpoint,
        partner=endpoint.partner,
        actor=actor,
        api_key=api_key,
        before=before,
        after={"url": endpoint.url, "event_types": endpoint.event_types},
    )
    return endpoint


@transaction.atomic
def rotate_secret(
    endpoint: WebhookEndpoint, *, overlap: timedelta = DEFAULT_OVERLAP, actor=None, api_key=None
) -> str:
    """A new signing secret; the live ones keep signing for ``overlap`` (messages carry both
    signatures meanwhile), so the partner can switch without losing a message."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationError({"overlap_hours": [_("The overlap is between 0 and 168 hours.")]})
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    ends = now + overlap
    for old in EndpointSecret.live(now).filter(endpoint=endpoint):
        if old.expires_at is None or old.expires_at > ends:
            old.expires_at = ends
            old.save(update_fields=["expires_at"])
    secret = EndpointSecret.objects.create(endpoint=endpoint, secret=EndpointSecret.generate())
    audit_record(
        action="webhook_endpoint.rotate_secret",
        instance=endpoint,
        partner=endpoint.partner,
        actor=actor,
        api_key=api_key,
        after={"previous_secrets_expire_at": ends},
    )
    return secret.secret


@transaction.atomic
def enable_endpoint(endpoint: WebhookEndpoint, *, actor=None, api_key=None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save()
    audit_record(
        action="webhook_endpoint.enable",
        instance=endpoint,
        partner=endpoint.partner,
        actor=actor,
        api_key=api_key,
    )
    return endpoint


@transaction.atomic
def disable_endpoint(
    endpoint: WebhookEndpoint, *, reason: str, actor=None, api_key=None, notify=False
) -> WebhookEndpoint:
    """Stop delivering to an endpoint; its pending deliveries fail now (a partner redelivers
    them once it is enabled again). ``notify`` e-mails the partner (automatic disabling)."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        return endpoint
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save()
    Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None
    )
    audit_record(
        action="webhook_endpoint.disable",
        instance=endpoint,
        partner=endpoint.partner,
        actor=actor,
        api_key=api_key,
        after={"reason": endpoint.disabled_reason},
    )
    if notify:
        context = {"endpoint": endpoint, "partner": endpoint.partner}
        subject = render_to_string("webhooks/disabled_subject.txt", context).strip()
        body = render_to_string("webhooks/disabled_message.txt", context)
        email = endpoint.partner.support_email
        keep_and_send(subject, body, [email])
    return endpoint
