"""What ``accounts`` answers to allauth's signals."""

from allauth.account.models import EmailAddress


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
