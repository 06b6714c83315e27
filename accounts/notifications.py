"""E-mails to a customer's people, each in their own language, and to a partner: written and
kept in the change's transaction, sent after commit (``kernel.mail.keep_and_send``: sent again
when the mail server is down, or when the process stopped before sending)."""

from email.utils import parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from accounts.choices import Role
from accounts.models import Client, Membership, Partner
from kernel.inputs import one_line
from kernel.mail import keep_and_send


def mail_brand(client: Client | None) -> tuple[str, str]:
    """(sender, signature) of an e-mail to a person of ``client`` (ACC-3): a partner's customer
    reads its partner's brand — the sender's name and the signature are the partner's name and
    support address, as its portal shows them, never the reseller's name; the reseller's own
    customers read the reseller's. The sending address stays the portal's (the partner's domain
    is not ours to send from)."""
    partner = getattr(client, "partner", None)
    if partner is not None and partner.is_active:
        name, support = partner.name, partner.support_email
    else:
        name, support = settings.RESELLER["name"], settings.RESELLER["support_email"]
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    signature = "\n".join(part for part in ("-- ", name, support) if part)
    shown = name.replace('"', "").replace("\\", "")
    if any(char in shown for char in ",;:<>@()[]."):
        shown = f'"{shown}"'  # a name with punctuation is quoted; Django encodes the accents
    return f"{shown} <{address}>", signature


def signed(body: str, signature: str) -> str:
    return f"{body.rstrip()}\n\n{signature}\n"


def notify_client(client: Client, template: str, context: dict, roles=(Role.ADMIN,)) -> None:
    """Send ``<template>_subject.txt`` / ``<template>_message.txt`` to the company's members of
    ``roles`` once the current transaction commits (nothing is sent if it rolls back; kept with
    it, so never lost once it commits)."""
    members = list(
        Membership.objects.filter(
            client=client, role__in=roles, user__is_active=True
        ).select_related("user")
    )

    sender, signature = mail_brand(client)
    for member in members:
        with translation.override(member.user.language or settings.LANGUAGE_CODE):
            ctx = {**context, "client": client, "user": member.user}
            # one line: a text typed by a person (a ticket's subject, a company's name) may
            # hold a line break, which an e-mail header refuses (BadHeaderError)
            subject = one_line(render_to_string(f"{template}_subject.txt", ctx))
            body = render_to_string(f"{template}_message.txt", ctx)
        keep_and_send(subject, signed(body, signature), [member.user.email], sender)


def notify_partner(partner: Partner, template: str, context: dict) -> None:
    """Send ``<template>_subject.txt`` / ``<template>_message.txt`` to ``partner`` once the
    current transaction commits, in the portal's language (French): a partner has no portal
    users, so its e-mail is its ``support_email``, the address its monthly invoices are sent to
    (ACC-3, ``billing.services.parties.partner_identity``)."""
    address = partner.support_email
    if not address:
        return

    with translation.override(settings.LANGUAGE_CODE):
        ctx = {**context, "partner": partner}
        subject = one_line(render_to_string(f"{template}_subject.txt", ctx))
        body = render_to_string(f"{template}_message.txt", ctx)
    keep_and_send(subject, body, [address])
