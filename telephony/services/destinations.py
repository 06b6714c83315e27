"""TRK-6: the destination groups a trunk or a SIP account may call. Every group starts at its
default (premium-rate and high-risk blocked); blocking and unblocking are audited with who,
before and after, and kept as the setting's history (``DestinationSettingChange``): a call is
rated with the setting in force when it started. Likewise staff's changes to a group's own
default and prefixes (``DestinationGroupChange``)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import audit_record, changed, snapshot
from telephony.models import (
    DestinationGroup,
    DestinationGroupChange,
    DestinationSetting,
    DestinationSettingChange,
    SipAccount,
    Trunk,
)


def _owner_kwargs(owner) -> dict:
    if isinstance(owner, Trunk):
        return {"trunk": owner}
    if isinstance(owner, SipAccount):
        return {"sip_account": owner}
    raise TypeError("destinations belong to a trunk or a SIP account")


def destinations_init(owner) -> None:
    """TRK-6: a new trunk or SIP account starts with every group at its default (premium-rate
    and high-risk blocked)."""
    DestinationSetting.objects.bulk_create(
        DestinationSetting(group=group, blocked=group.blocked_by_default, **_owner_kwargs(owner))
        for group in DestinationGroup.objects.all()
    )


def _destination_set(*, owner, group, blocked: bool, actor, api_key) -> DestinationSetting:
    kwargs = _owner_kwargs(owner)
    type(owner).objects.select_for_update().get(pk=owner.pk)
    setting = DestinationSetting.objects.filter(group=group, **kwargs).first()
    before = setting.blocked if setting is not None else group.blocked_by_default
    # the owner's own setting before this moment; None: it had none, the group's default applied
    own_before = setting.blocked if setting is not None else None
    if setting is None:
        try:
            with transaction.atomic():
                setting = DestinationSetting.objects.create(group=group, blocked=blocked, **kwargs)
        except IntegrityError:  # pragma: no cover - created meanwhile; the lock above prevents it
            setting = DestinationSetting.objects.get(group=group, **kwargs)
    if setting.blocked != blocked:
        setting.blocked = blocked
        setting.save(update_fields=["blocked", "updated_at"])
    if own_before != blocked:
        # the calls before this moment keep the setting they were made under (rating) — the
        # group's default in force then when the owner had no setting of its own
        DestinationSettingChange.objects.create(
            setting=setting, at=timezone.now(), blocked_before=own_before
        )
    if before != blocked:
        audit_record(
            action=f"destination.{'block' if blocked else 'unblock'}",
            instance=owner,
            actor=actor,
            api_key=api_key,
            client=owner.contract.client,
            before={"group": group.code, "blocked": before},
            after={"group": group.code, "blocked": blocked},
        )
    return setting


@transaction.atomic
def destination_block(
    *, owner: Trunk | SipAccount, group: DestinationGroup, actor=None, api_key=None
) -> DestinationSetting:
    """TRK-6: ``owner`` may no longer call ``group``; audited with who, before and after."""
    return _destination_set(owner=owner, group=group, blocked=True, actor=actor, api_key=api_key)


@transaction.atomic
def destination_unblock(
    *, owner: Trunk | SipAccount, group: DestinationGroup, actor=None, api_key=None
) -> DestinationSetting:
    """TRK-6: ``owner`` may call ``group`` again; audited with who, before and after."""
    return _destination_set(owner=owner, group=group, blocked=False, actor=actor, api_key=api_key)


# What a group's change may change in rating (TRK-6): whether it is blocked by default, which
# numbers it covers, and which of two prefixes of one length wins.
RATED_GROUP_FIELDS = ("blocked_by_default", "prefixes", "position")


@transaction.atomic
def destination_group_save(*, group: DestinationGroup, actor=None) -> DestinationGroup:
    """TRK-6: staff create or change a destination group (the back office). Audited with who,
    before and after; a change of its default, prefixes or position is kept with what it
    replaced (``DestinationGroupChange``), so that the calls made before it keep the groups they
    were made under when their month is rated again (a new group: no prefixes before)."""
    before = None
    if group.pk is not None:
        before = DestinationGroup.objects.select_for_update().filter(pk=group.pk).first()
    old = snapshot(before) if before is not None else {}
    group.save()
    if before is None:
        DestinationGroupChange.objects.create(
            group=group,
            at=timezone.now(),
            blocked_by_default_before=group.blocked_by_default,
            prefixes_before=[],
            position_before=group.position,
        )
    elif any(getattr(before, f) != getattr(group, f) for f in RATED_GROUP_FIELDS):
        DestinationGroupChange.objects.create(
            group=group,
            at=timezone.now(),
            blocked_by_default_before=before.blocked_by_default,
            prefixes_before=before.prefixes,
            position_before=before.position,
        )
    old, new = changed(old, snapshot(group)) if before is not None else ({}, snapshot(group))
    if new:
        audit_record(
            action=f"destinationgroup.{'update' if before is not None else 'create'}",
            instance=group,
            actor=actor,
            before=old,
            after=new,
        )
    return group
