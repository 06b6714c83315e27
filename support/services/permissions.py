"""Who may act on support, and who of the customer is told.

Staff (``user.is_staff``) do everything; a customer's member opens and answers its own company's
tickets (technical permission, ACC-2) and requests its credits (billing permission); a partner's
API key acts for its own customers. A refusal is ``PermissionDenied``.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.choices import Role
from accounts.models import ApiKey, Client, Membership, User

NOTIFIED_ROLES = (Role.ADMIN, Role.TECHNICAL)
CREDIT_ROLES = (Role.ADMIN, Role.BILLING)


def is_staff(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_staff


def require_staff(actor: User | None) -> None:
    if not is_staff(actor):
        raise PermissionDenied(_("Only support staff can do this."))


def require_customer_side(
    client: Client, *, actor: User | None, api_key: ApiKey | None, permission: str
) -> None:
    """Staff, the partner's key of this customer, or a member of the customer with
    ``permission`` (ACC-2). Nobody else."""
    if is_staff(actor):
        return
    if api_key is not None:
        if client.partner_id is None or api_key.partner_id != client.partner_id:
            raise PermissionDenied(_("This customer is not yours."))
        return
    if actor is None:
        return  # the system itself (jobs, demo data)
    membership = Membership.objects.filter(user=actor, client=client).first()
    if membership is None or not membership.can(permission):
        raise PermissionDenied(_("Your role does not allow this."))
