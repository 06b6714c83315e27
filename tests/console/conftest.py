"""Staff of each console team (issue 17), signed in with their second factor, and a customer
with the items the queues hold."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.utils import translation

from accounts.choices import BillingMode
from console.teams import TEAM_GROUPS
from kernel.queues import Team
from tests.factories import UserFactory

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


@pytest.fixture(autouse=True)
def _no_pdf(settings, tmp_path):
    settings.BILLING_RENDER_PDF = False
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def make_staff_member(email: str, team: str | None = None, *, superuser=False):
    user = UserFactory(email=email, is_staff=True, is_superuser=superuser)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    if team is not None:
        # the group comes from console's data migration 0002, which a transactional test's
        # flush wipes: back if a test before this one (random order) flushed it
        user.groups.add(Group.objects.get_or_create(name=TEAM_GROUPS[team])[0])
    return user


@pytest.fixture
def support_agent(db):
    return make_staff_member("support@reseller.example", Team.SUPPORT)


@pytest.fixture
def billing_agent(db):
    return make_staff_member("compta@reseller.example", Team.BILLING)


@pytest.fixture
def superuser(db):
    return make_staff_member("root@reseller.example", superuser=True)


@pytest.fixture
def as_staff(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def customer(tenant):
    """The tenant's customer, invoiced directly (its partner reseller-billed, ACC-3)."""
    partner = tenant.client.partner
    partner.billing_mode = BillingMode.RESELLER_BILLED
    partner.save(update_fields=["billing_mode"])
    return tenant.client


def current_totp(secret: str) -> str:
    """The code an authenticator app shows now for ``secret`` (RFC 6238, allauth's settings).

    Near the end of its period the next one is awaited, as a person would: a code typed in the
    last seconds reaches the server in the next period, where allauth (tolerance 0) refuses it —
    a browser test failed so on a slow machine."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


@pytest.fixture
def contract(customer):
    """A PLATFORM contract of ``customer`` signed and in service on 01/02/2026 at 250.00 € a
    month (the terminations' tests; a test module may define its own ``contract``)."""
    from tests.offers.factories import make_contract

    return make_contract(
        customer,
        "platform",
        signature=date(2026, 2, 1),
        service_start=date(2026, 2, 1),
        monthly_price="250.00",
    )


def confirmation_fields(page: str) -> dict:
    """What the console's confirmation form sends back (its hidden inputs, as a browser does):
    the action's fields and the figures it showed."""
    from lxml import html

    form = html.fromstring(page).xpath("//*[@data-testid='action-preview']//form")[0]
    return {
        field.get("name"): field.get("value") or ""
        for field in form.xpath(".//input[@type='hidden']")
        if field.get("name") != "csrfmiddlewaretoken"
    }
