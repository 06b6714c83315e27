"""Writes of the console's own rows: taking and releasing a queue item (audited, ACC-4)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from console.models import Assignment
from console.selectors import in_queue


@transaction.atomic
def assignment_take(*, queue_key: str, item_pk, actor: User) -> Assignment:
    """ "Assign to me": the item becomes the actor's, even if a colleague had it (the audit
    row keeps who had it before). Only an item the queue lists now: an id that is not one of
    its items (none such, or one that has left it) is refused, and nothing is written."""
    item_pk = str(item_pk)
    if not in_queue(queue_key=queue_key, item_pk=item_pk):
        raise ValidationError(
            _("This item is not in this queue: it does not exist or has left it. Reload the queue.")
        )
    current = (
        Assignment.objects.select_for_update()
        .filter(queue_key=queue_key, item_pk=item_pk)
        .select_related("assignee")
        .first()
    )
    if current is not None and current.assignee_id == actor.pk:
        return current
    before = {"assignee": current.assignee.email} if current else {}
    try:
        with transaction.atomic():
            if current is None:
                current = Assignment.objects.create(
                    queue_key=queue_key, item_pk=item_pk, assignee=actor
                )
            else:
                current.assignee = actor
                current.save(update_fields=["assignee", "updated_at"])
    except IntegrityError as error:  # a colleague took it at the same instant
        raise ValidationError(_("Someone else took this item: reload the queue.")) from error
    audit_record(
        action="console.assign",
        instance=current,
        actor=actor,
        before=before,
        after={"assignee": actor.email},
    )
    return current


@transaction.atomic
def assignment_release(*, queue_key: str, item_pk, actor: User) -> None:
    current = (
        Assignment.objects.select_for_update()
        .filter(queue_key=queue_key, item_pk=str(item_pk))
        .select_related("assignee")
        .first()
    )
    if current is None:
        return
    audit_record(
        action="console.unassign",
        instance=current,
        actor=actor,
        before={"assignee": current.assignee.email},
    )
    current.delete()
