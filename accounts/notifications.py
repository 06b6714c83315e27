"""E-mails to a customer's people, each in their own language, and to a partner (sent after
commit; kept and sent again when the mail server is down, ``kernel.mail``)."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from accounts.choices import Role
from accounts.models import Client, Membership, Partner
from kernel.inputs import one_line
from kernel.mail import deliver


def notify_client(client: Client, template: str, context: dict, roles=(Role.ADMIN,)) -> None:
    """Send ``<template>_subject.txt`` / ``<template>_message.txt`` to the company's members of
    ``roles`` once the current transaction commits (nothing is sent if it rolls back)."""
    members = list(
        Membership.objects.filter(
            client=client, role__in=roles, user__is_active=True
        ).select_related("user")
    )

    def send():
        for member in members:
            with translation.override(member.user.language or settings.LANGUAGE_CODE):
                ctx = {**context, "client": client, "user": member.user}
                # one line: a text typed by a person (a ticket's subject, a company's name) may
                # hold a line break, which an e-mail header refuses (BadHeaderError)
                subject = one_line(render_to_string(f"{template}_subject.txt", ctx))
                body = render_to_string(f"{template}_message.txt", ctx)
            deliver(subject, body, [member.user.email])

    transaction.on_commit(send)


def notify_partner(partner: Partner, template: str, context: dict) -> None:
    """Send ``<template>_subject.txt`` / ``<template>_message.txt`` to ``partner`` once the
    current transaction commits, in the portal's language (French): a partner has no portal
    users, so its e-mail is its ``support_email``, the address its monthly invoices are sent to
    (ACC-3, ``billing.services.parties.partner_identity``)."""
    address = partner.support_email
    if not address:
        return

    def send():
        with translation.override(settings.LANGUAGE_CODE):
            ctx = {**context, "partner": partner}
            subject = one_line(render_to_string(f"{template}_subject.txt", ctx))
            body = render_to_string(f"{template}_message.txt", ctx)
        deliver(subject, body, [address])

    transaction.on_commit(send)
