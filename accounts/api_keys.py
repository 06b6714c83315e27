"""ACC-3: every write of partners' API keys — create, rotate, revoke — for the back office, the
API (``/api/v1/api-keys/``) and the demo. Each writes an audit row (ACC-4).

Rotation gives a key a successor with the same name, scopes and allowlist, and lets the old key
live on for an overlap (24 h by default, 7 days at most) so that the partner can deploy the new
one; a chain of rotations never has more than two live keys.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import scopes as key_scopes
from accounts.audit import audit_record
from accounts.models import ApiKey, Partner
from kernel.errors import InvalidTransition

DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)


def _clean(*, scopes, allowed_ips, expires_at: datetime | None, now: datetime, by_key) -> dict:
    errors = {}
    values = {"expires_at": expires_at}
    for name, value, clean in (
        ("scopes", scopes, key_scopes.clean_scopes),
        ("allowed_ips", allowed_ips, key_scopes.clean_allowlist),
    ):
        try:
            values[name] = clean(value)
        except ValidationError as error:
            errors[name] = error.messages
    if by_key is not None and "scopes" in values:
        beyond = key_scopes.missing(by_key.scopes, values["scopes"])
        if beyond:  # a key never mints a bigger key
            errors["scopes"] = [
                _("This key cannot grant %(scope)s: it does not have that scope itself.")
                % {"scope": beyond[0]}
            ]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if by_key is not None:
        errors.update(
            _beyond_creator(by_key, expires_at=expires_at, allowed_ips=values.get("allowed_ips"))
        )
    if errors:
        raise ValidationError(errors)
    return values


def _beyond_creator(by_key: ApiKey, *, expires_at, allowed_ips) -> dict:
    """ACC-3: a key never mints a key that outlives it or that works from addresses it may
    not call from (a key given for a day, or fenced to an office network, would otherwise
    hand out a permanent, unfenced one). The field errors, empty when within."""
    errors = {}
    if by_key.expires_at is not None and (expires_at is None or expires_at > by_key.expires_at):
        errors["expires_at"] = [
            _(
                "This key expires on %(date)s: the key it creates or rotates expires at the "
                "latest then."
            )
            % {"date": by_key.expires_at.isoformat()}
        ]
    if allowed_ips is not None and key_scopes.networks_beyond(by_key.allowed_ips, allowed_ips):
        errors["allowed_ips"] = [
            _(
                "This key may only be used from %(networks)s: the key it creates or rotates "
                "is limited to those addresses too."
            )
            % {"networks": ", ".join(by_key.allowed_ips)}
        ]
    return errors


@transaction.atomic
def api_key_create(
    *,
    partner: Partner,
    name: str,
    scopes: list[str] | None = None,
    read_only: bool = False,
    expires_at: datetime | None = None,
    allowed_ips: list[str] | tuple = (),
    actor=None,
    by_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """A new key: the raw value is returned once and never stored.

    ``scopes`` default to full access (``*:write`` and ``keys:write``), or ``*:read`` with
    ``read_only``. A key created through the API (``by_key``) gets no scope its creator lacks.
    """
    if scopes is None:
        scopes = key_scopes.READ_ONLY if read_only else key_scopes.FULL_ACCESS
    values = _clean(
        scopes=list(scopes),
        allowed_ips=list(allowed_ips),
        expires_at=expires_at,
        now=timezone.now(),
        by_key=by_key,
    )
    prefix, raw = ApiKey.generate()
    key = ApiKey.objects.create(
        partner=partner,
        name=name,
        prefix=prefix,
        hashed_key=ApiKey.hash(raw),
        created_by=actor,
        **values,
    )
    audit_record(
        action="api_key.create",
        instance=key,
        actor=actor,
        api_key=by_key,
        partner=partner,
        after={"name": name, "prefix": prefix, **values},
    )
    return key, raw


@transaction.atomic
def api_key_rotate(
    *,
    api_key: ApiKey,
    overlap: timedelta = DEFAULT_OVERLAP,
    actor=None,
    by_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """A successor of ``api_key`` (same partner, name, scopes, allowlist; the same lifetime if the
    old key had an expiry), shown once; the old key expires after ``overlap`` (or earlier if it
    already did). The key it replaced itself, if still live, expires now: two live keys at most.
    """
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationError(
            {"overlap": [_("The overlap is between 0 and 7 days (24 hours by default).")]}
        )
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    now = timezone.now()
    if not key.is_live(now):
        raise InvalidTransition(
            _("A revoked or expired key cannot be rotated."), code="key_not_live"
        )
    if ApiKey.objects.filter(rotated_from=key).exists():
        raise InvalidTransition(
            _("This key was already rotated: rotate the key that replaced it."),
            code="already_rotated",
        )
    if by_key is not None and key_scopes.missing(by_key.scopes, key.scopes):
        raise ValidationError(
            {"scopes": [_("This key cannot rotate a key with scopes it does not have itself.")]}
        )
    lifetime = key.expires_at - key.created_at if key.expires_at is not None else None
    expires_at = now + lifetime if lifetime is not None else None
    if by_key is not None and by_key.pk != key.pk:  # a key rotating itself keeps its terms
        beyond = _beyond_creator(by_key, expires_at=expires_at, allowed_ips=key.allowed_ips)
        if beyond:
            raise ValidationError(beyond)
    ApiKey.objects.filter(pk=key.rotated_from_id, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    ).update(expires_at=now)
    prefix, raw = ApiKey.generate()
    successor = ApiKey.objects.create(
        partner=key.partner,
        name=key.name,
        prefix=prefix,
        hashed_key=ApiKey.hash(raw),
        scopes=key.scopes,
        allowed_ips=key.allowed_ips,
        expires_at=expires_at,
        rotated_from=key,
        created_by=actor,
    )
    before = {"expires_at": key.expires_at}
    key.expires_at = min(now + overlap, key.expires_at or now + overlap)
    key.save(update_fields=["expires_at"])
    audit_record(
        action="api_key.rotate",
        instance=key,
        actor=actor,
        api_key=by_key,
        partner=key.partner,
        before=before,
        after={"expires_at": key.expires_at, "successor": successor.prefix},
    )
    return successor, raw


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor=None, by_key: ApiKey | None = None) -> ApiKey:
    """The key stops working at once. Revoking a revoked key changes nothing."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action="api_key.revoke",
            instance=api_key,
            actor=actor,
            api_key=by_key,
            partner=api_key.partner,
            after={"revoked_at": api_key.revoked_at},
        )
    return api_key
