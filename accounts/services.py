"""Every write of the accounts domain. Views, the API, the back office and commands call these."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# API keys have their own module; they are re-exported here with the other accounts writes.
from accounts.api_keys import api_key_create, api_key_revoke, api_key_rotate  # noqa: F401
from accounts.audit import audit_record, changed, snapshot
from accounts.choices import ClientStatus, Role
from accounts.models import Client, Membership, Partner, Site, User
from accounts.notifications import mail_brand, signed
from accounts.signals import client_closing
from kernel.inputs import one_line
from kernel.mail import deliver

CLIENT_FIELDS = [
    "legal_name",
    "siren",
    "siret",
    "vat_number",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "vat_regime",
    "invoice_recipients",
    "payment_method",
    "security_deposit",
    "is_telecom_professional",
    "status",
    "partner_id",
]
SITE_FIELDS = [
    "name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "insee_code",
    "cost_centre",
]


def portal_url(client, path: str) -> str:
    """An absolute link for a person of ``client``: on its partner's portal host name for a
    partner's customer (ACC-3: the portal its people know, in the partner's brand), else on the
    reseller's portal (``PORTAL_BASE_URL``, whose scheme both use)."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    partner = getattr(client, "partner", None)
    if partner is not None and partner.is_active and partner.host_name:
        scheme = base.split("://", 1)[0] if "://" in base else "https"
        base = f"{scheme}://{partner.host_name}"
    return base + path


def _password_link(user: User, client=None) -> str:
    if client is None:
        client = getattr(user.membership, "client", None)
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return portal_url(client, path)


def _send(user: User, template: str, context: dict) -> None:
    client = context.get("client") or getattr(user.membership, "client", None)
    sender, signature = mail_brand(client)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        # one line: a company's name with a line break would be refused in a header
        subject = one_line(render_to_string(f"accounts/email/{template}_subject.txt", context))
        body = render_to_string(f"accounts/email/{template}_message.txt", context)
    deliver(subject, signed(body, signature), [user.email], sender)


def user_set_language(*, user: User, language: str) -> User:
    """The language a person reads the portal in is the language of the e-mails they receive
    (``accounts.notifications``): the portal's language switch records it."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    return user


# --- Customers --------------------------------------------------------------------------------


def _apply(instance, data: dict, allowed: list[str]) -> None:
    unknown = set(data) - set(allowed) - {"partner"}
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def client_create(
    *, data: dict, partner: Partner | None = None, actor=None, api_key=None
) -> Client:
    """ACC-1: create a customer; identifiers validated and normalised (python-stdnum)."""
    client = Client(partner=partner)
    _apply(client, data, CLIENT_FIELDS)
    client.full_clean()
    client.save()
    audit_record(
        action="client.create",
        instance=client,
        actor=actor,
        api_key=api_key,
        after=snapshot(client, CLIENT_FIELDS),
    )
    return client


def client_closing_refusals(client: Client) -> list[str]:
    """ACC-1: what keeps ``client`` from being closed — its contracts still running (active,
    suspended or terminating) by reference, the amount it still owes with the invoices' numbers
    (answered by ``offers`` and ``payments``); an empty list when nothing is left."""
    return [
        sentence
        for _receiver, sentences in client_closing.send(sender=Client, client=client)
        for sentence in sentences or []
    ]


def client_closing_check(client: Client) -> None:
    """ACC-1: a customer set to « closed » (its users can no longer sign in) must have nothing
    left running nor to pay: refused otherwise, naming what is left."""
    refusals = client_closing_refusals(client)
    if refusals:
        raise ValidationError(
            {
                "status": [_("This customer cannot be closed yet.")]
                + [ValidationError(sentence) for sentence in refusals]
            }
        )


@transaction.atomic
def client_update(*, client: Client, data: dict, actor=None, api_key=None) -> Client:
    client = Client.objects.select_for_update().get(pk=client.pk)
    before = snapshot(client, CLIENT_FIELDS)
    _apply(client, data, CLIENT_FIELDS)
    if before["status"] != ClientStatus.CLOSED and client.status == ClientStatus.CLOSED:
        client_closing_check(client)
    client.full_clean()
    client.save()
    if before["status"] != ClientStatus.CLOSED and client.status == ClientStatus.CLOSED:
        client_members_sign_out(client)
    old, new = changed(before, snapshot(client, CLIENT_FIELDS))
    if new:
        audit_record(
            action="client.update",
            instance=client,
            actor=actor,
            api_key=api_key,
            before=old,
            after=new,
        )
    return client


def client_members_sign_out(client: Client) -> None:
    """ACC-1: a customer just closed — its users can no longer sign in
    (``AccountAdapter.pre_login``), and every session they have open ends."""
    for membership in Membership.objects.filter(client=client).select_related("user"):
        _end_sessions(membership.user)


def client_open_check(client: Client, message: str) -> None:
    """ACC-1: a closed customer has nothing left and its users can no longer sign in: nothing
    new is added to it (staff reopen it first), refused on ``client`` with ``message``. Its row
    is locked, as ``client_update`` locks it to close it: a write racing the closing waits,
    then is refused."""
    status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=client.pk)
    if status == ClientStatus.CLOSED:
        raise ValidationError({"client": message})


# --- Sites ------------------------------------------------------------------------------------

# ACC-1: the refusal of a site added to a closed customer (the API, the back office).
CLOSED_TO_SITES = gettext_lazy("This customer is closed: no site can be added to it.")


def _save_site(site: Site) -> None:
    """Save ``site``; a site of the same name made for its customer meanwhile (the same form sent
    twice at once) is the name's error, as ``full_clean`` says it once that site exists — not
    the unique index's server error."""
    try:
        with transaction.atomic():
            site.save()
    except IntegrityError as error:
        if "site_name_unique_per_client" not in str(error):
            raise
        raise ValidationError(
            {"name": _("This customer already has a site with this name.")}
        ) from None


@transaction.atomic
def site_create(*, client: Client, data: dict, actor=None, api_key=None) -> Site:
    client_open_check(client, CLOSED_TO_SITES)
    site = Site(client=client)
    _apply(site, data, SITE_FIELDS)
    # the name's uniqueness is ``_save_site``'s: the same site posted twice at once waits on the
    # customer's lock above, then is refused on its name
    site.full_clean(validate_constraints=False)
    _save_site(site)
    audit_record(
        action="site.create",
        instance=site,
        actor=actor,
        api_key=api_key,
        after=snapshot(site, SITE_FIELDS),
    )
    return site


@transaction.atomic
def site_update(*, site: Site, data: dict, actor=None, api_key=None) -> Site:
    site = Site.objects.select_for_update().get(pk=site.pk)
    before = snapshot(site, SITE_FIELDS)
    _apply(site, data, SITE_FIELDS)
    site.full_clean()
    _save_site(site)
    old, new = changed(before, snapshot(site, SITE_FIELDS))
    if new:
        audit_record(
            action="site.update", instance=site, actor=actor, api_key=api_key, before=old, after=new
        )
    return site


# --- Members (ACC-2) --------------------------------------------------------------------------


def _lock_company(membership: Membership) -> None:
    """ACC-2: the changes of one company's members run one at a time (its row locked), so two
    administrators demoting or removing each other at once cannot both see the other still an
    administrator and leave the company with none."""
    Client.objects.select_for_update().filter(pk=membership.client_id).first()


def _still_member(rows, membership: Membership) -> Membership:
    """The membership re-read under the company's lock; a clear error, not a crash, when
    someone removed the person meanwhile (two administrators acting at once)."""
    row = rows.filter(pk=membership.pk).first()
    if row is None:
        raise ValidationError(_("This person is no longer a member of the company."))
    return row


def _other_admins(membership: Membership) -> bool:
    """Another administrator of the company who can sign in: an account staff deactivated
    (``is_active`` off) manages nobody, so it does not count (ACC-2)."""
    return (
        Membership.objects.filter(
            client_id=membership.client_id, role=Role.ADMIN, user__is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


# ACC-1: the refusal of an invitation to a closed customer (``member_invite``, the portal's
# ``member_invite_request``, the back office).
CLOSED_TO_INVITATIONS = gettext_lazy(
    "This customer is closed: its users can no longer sign in, nobody can be invited to it."
)


@transaction.atomic
def member_invite(
    *,
    client: Client,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    invited_by: User | None = None,
    api_key=None,
) -> Membership:
    """ACC-2: add a person to a customer company; they receive a link to choose a password."""
    client_open_check(client, CLOSED_TO_INVITATIONS)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    # Locked: the same person invited twice at once is checked in turn (one membership each).
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    taken = ValidationError(
        {"email": _("This address already has an account with another company.")}
    )
    if user is not None:
        if user.is_staff or Membership.objects.filter(user=user).exists():
            raise taken
        # Someone removed earlier (ACC-2): the account comes back, with the names the inviter
        # gives (the person's language stays the one they chose). The old password does not:
        # the person chooses one through the invitation's link, as every invited person.
        user.is_active = True
        user.first_name = first_name.strip() or user.first_name
        user.last_name = last_name.strip() or user.last_name
        user.set_unusable_password()
        user.save(update_fields=["is_active", "first_name", "last_name", "password"])
    else:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, first_name=first_name, last_name=last_name, language=language
                )
        except IntegrityError:  # the same address invited meanwhile (not the unique index's 500)
            raise taken from None
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.create(
        user=user, client=client, role=role, invited_by=invited_by
    )
    audit_record(
        action="member.invite",
        instance=membership,
        actor=invited_by,
        api_key=api_key,
        client=client,
        after={"email": email, "role": role},
    )
    link = _password_link(user, client)
    transaction.on_commit(
        lambda: _send(
            user,
            "invitation",
            {"client": client, "link": link, "user": user, "invited_by": invited_by},
        )
    )
    return membership


# What ``member_invite_request`` did; the page says the same thing for all three (ACC-2).
INVITED, ALREADY_MEMBER, ELSEWHERE = "invited", "already_member", "elsewhere"


@transaction.atomic
def member_invite_request(
    *,
    client: Client,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    invited_by: User | None = None,
) -> str:
    """ACC-2: the portal's invitation of a colleague (issue 17 item 4). A person belongs to
    exactly one company, and the page must not reveal which addresses have an account: the
    caller shows one neutral answer whatever this returns.

    - a new address (or the account of someone removed from every company): invited as by
      ``member_invite`` (``INVITED``);
    - an address already a member of this company: no second membership; its owner is reminded
      how to sign in, or gets its invitation again if it never chose a password
      (``ALREADY_MEMBER``);
    - an address used by another company (or by staff): joins nothing; its owner is told by
      e-mail that this company tried to add it (``ELSEWHERE``).
    """
    client_open_check(client, CLOSED_TO_INVITATIONS)
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    user = User.objects.filter(email__iexact=email).first()
    membership = (
        Membership.objects.filter(user=user).select_related("client").first() if user else None
    )
    if user is None or (membership is None and not user.is_staff):
        member_invite(
            client=client,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            language=language,
            invited_by=invited_by,
        )
        return INVITED
    context = {"client": client, "user": user, "invited_by": invited_by}
    if membership is not None and membership.client_id == client.pk:
        outcome, template = ALREADY_MEMBER, "invitation_existing"
        context["link"] = portal_url(client, reverse("account_login"))
        if not user.has_usable_password():  # invited, never signed in: the invitation again
            template, context["link"] = "invitation", _password_link(user, client)
    else:
        outcome, template = ELSEWHERE, "invitation_elsewhere"
    audit_record(
        action=f"member.invite_{outcome}",
        instance=client,
        actor=invited_by,
        client=client,
        after={"email": email, "role": role},
    )
    transaction.on_commit(lambda: _send(user, template, context))
    return outcome


@transaction.atomic
def member_change_role(
    *, membership: Membership, role: str, actor=None, api_key=None
) -> Membership:
    _lock_company(membership)
    membership = _still_member(Membership.objects.select_for_update(), membership)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if membership.role == Role.ADMIN and role != Role.ADMIN and not _other_admins(membership):
        raise ValidationError({"role": _("The company must keep at least one administrator.")})
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    if before != role:
        audit_record(
            action="member.change_role",
            instance=membership,
            actor=actor,
            api_key=api_key,
            before={"role": before},
            after={"role": role},
        )
    return membership


def _end_sessions(user: User) -> int:
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def member_remove(*, membership: Membership, actor=None, api_key=None) -> None:
    """Remove a person from the company: the account is deactivated and signed out everywhere,
    and its second factor (TOTP, recovery codes) deleted: invited back, the person sets a new
    one up, as they choose a new password (ACC-2). The audit row names the types, no secret."""
    _lock_company(membership)
    membership = _still_member(
        Membership.objects.select_for_update().select_related("user"), membership
    )
    if membership.role == Role.ADMIN and not _other_admins(membership):
        raise ValidationError(_("The company must keep at least one administrator."))
    user = membership.user
    factors = Authenticator.objects.filter(user=user)
    audit_record(
        action="member.remove",
        instance=membership,
        actor=actor,
        api_key=api_key,
        before={
            "email": user.email,
            "role": membership.role,
            "authenticators": sorted(factors.values_list("type", flat=True)),
        },
    )
    factors.delete()
    membership.delete()
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)


@transaction.atomic
def user_declare_compromised(*, user: User, actor: User | None = None) -> User:
    """ACC-5: the password is invalidated, every session of the user ends, a reset link is sent."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ended = _end_sessions(user)
    audit_record(
        action="user.declare_compromised",
        instance=user,
        actor=actor,
        client=getattr(user.membership, "client", None),
        after={"password": "invalidated", "sessions_ended": ended},
    )
    link = _password_link(user)
    transaction.on_commit(lambda: _send(user, "compromised", {"user": user, "link": link}))
    return user


@transaction.atomic
def authenticator_remove(*, authenticator: Authenticator, actor: User | None = None) -> list[str]:
    """ACC-4: staff remove a second factor the user lost (a phone gone): the user sets a new one
    up at the next sign-in (staff before the back office opens). Recovery codes left without a
    factor go with it, as allauth does when the user removes one. The audit row names the types
    removed, never the secrets. Returns the types removed."""
    authenticator = (
        Authenticator.objects.select_for_update().select_related("user").get(pk=authenticator.pk)
    )
    user = authenticator.user
    authenticator.delete()
    removed = [authenticator.type]
    left = Authenticator.objects.filter(user=user)
    if not left.exclude(type=Authenticator.Type.RECOVERY_CODES).exists():
        removed += list(left.values_list("type", flat=True))
        left.delete()
    audit_record(
        action="user.authenticator_remove",
        instance=user,
        actor=actor,
        client=getattr(user.membership, "client", None),
        before={"authenticators": removed},
    )
    return removed
