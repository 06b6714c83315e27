"""What ``accounts`` answers to allauth's signals."""

from allauth.account.models import EmailAddress

from accounts.audit import audit_record


def reset_link_proves_the_address(sender, request, user, **kwargs) -> None:
    """ACC-2: a person who chose a password through a link mailed to their address (the
    invitation, the reset after a compromised password, ACC-5) has proved that address: it is
    verified, or the first sign-in (``ACCOUNT_EMAIL_VERIFICATION = "mandatory"``) would stop on
    « Confirmez votre adresse e-mail » and mail a second link. Only when the account has no other
    address than its own ``email``: the link can then have gone nowhere else."""
    email = user.email.lower()
    addresses = EmailAddress.objects.filter(user=user)
    if addresses.exclude(email__iexact=email).exists():
        return
    if not addresses.exists():
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    else:
        addresses.filter(verified=False).update(verified=True, primary=True)


# ACC-4: a person's addresses — the one they sign in with and get their mail at — are audited
# as any change of an account: an address added, confirmed, made the primary one, removed (on
# allauth's « Adresses e-mail » page). The row is the user's, scoped to their company.


def _audit_email(action: str, user, *, before: dict | None = None, after: dict | None = None):
    membership = user.membership
    audit_record(
        action=action,
        instance=user,
        actor=user,
        client=membership.client if membership else None,
        before=before,
        after=after,
    )


def email_added_audited(sender, request, user, email_address, **kwargs) -> None:
    _audit_email("user.email_add", user, after={"email": email_address.email})


def email_confirmed_audited(sender, request, email_address, **kwargs) -> None:
    _audit_email("user.email_confirm", email_address.user, after={"email": email_address.email})


def email_changed_audited(
    sender, request, user, from_email_address, to_email_address, **kwargs
) -> None:
    """The primary address changed (the user's ``email``: where invoices and resets go)."""
    _audit_email(
        "user.email_change",
        user,
        before={"email": from_email_address.email if from_email_address else ""},
        after={"email": to_email_address.email},
    )


def email_removed_audited(sender, request, user, email_address, **kwargs) -> None:
    _audit_email("user.email_remove", user, before={"email": email_address.email})
