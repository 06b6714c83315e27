"""ACC-4: the one way to write the audit log, used by every service that changes money,
status or terms."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.db.models.fields.files import FieldFile

from accounts.models import ApiKey, AuditLog, Client, Partner, User


def _jsonable(value):
    if isinstance(value, FieldFile):
        return value.name or ""  # a file (a partner's logo) is recorded by its stored name
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict:
    """The values of an instance's concrete fields (or of ``fields``), JSON-ready."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: _jsonable(getattr(instance, name)) for name in names}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Keep only the keys whose value changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    action: str,
    instance: models.Model,
    actor: User | None = None,
    api_key: ApiKey | None = None,
    before: dict | None = None,
    after: dict | None = None,
    client: Client | None = None,
    partner: Partner | None = None,
) -> AuditLog:
    """Append one audit row. ``client``/``partner`` default to the instance's own, for scoping."""
    if client is None:
        client = instance if isinstance(instance, Client) else getattr(instance, "client", None)
    if partner is None:
        partner = instance if isinstance(instance, Partner) else getattr(client, "partner", None)
    return AuditLog.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_api_key=api_key,
        object_type=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        client=client,
        partner=partner,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
    )
