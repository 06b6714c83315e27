"""TRK-6: a call is judged by the destination groups as they stood when it started — a group's
own default (``blocked_by_default``) and its prefixes included, not only the trunk's or SIP
account's setting — whenever its month is rated again. Staff change groups in the back office.

Seeded grid (usage migration 0004), € HT per minute: premium (089) 0.0060 60/60 min 60, so a
30 s call costs 60 × 0.80 / 60 = 0.0060."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from telephony.models import DestinationGroup, DestinationGroupChange
from tests.offers.test_admin import _staff_with_mfa
from tests.usage.core_helpers import account, assert_matches_reference, at, calls, row, run_import
from usage.services.rating import rerate_month

pytestmark = pytest.mark.django_db
OCT = date(2026, 10, 1)


def at_utc(day, hour):
    return time_machine.travel(datetime(2026, 10, day, hour, tzinfo=UTC), tick=False)


def save_group(client, group=None, **fields):
    """Staff save a destination group's form in the back office (a new one when ``group`` is
    None)."""
    data = {}
    if group is not None:
        data = {
            "code": group.code,
            "name": group.name,
            "prefixes": json.dumps(group.prefixes),
            "position": group.position,
            "blocked_by_default": group.blocked_by_default,
        }
    data.update(fields)
    # the page's read-only list of the group's changes (its formset's management form)
    shown = DestinationGroupChange.objects.filter(group=group).count() if group else 0
    data.update(
        {
            "changes-TOTAL_FORMS": shown,
            "changes-INITIAL_FORMS": shown,
            "changes-MIN_NUM_FORMS": 0,
            "changes-MAX_NUM_FORMS": 1000,
        }
    )
    if "prefixes" in fields:
        data["prefixes"] = json.dumps(fields["prefixes"])
    if not data.pop("blocked_by_default"):
        data.pop("blocked_by_default", None)
    else:
        data["blocked_by_default"] = "on"
    url = (
        reverse("admin:telephony_destinationgroup_add")
        if group is None
        else reverse("admin:telephony_destinationgroup_change", args=[group.pk])
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return DestinationGroup.objects.get(code=data["code"])


def add_group_0806(client):
    """Staff add "Numéros 0806" (+33806) on 1 October 12:00 UTC, blocked by default."""
    with at_utc(1, 12):
        return save_group(
            client,
            code="fr-0806",
            name="Numéros 0806",
            prefixes=["+33806"],
            blocked_by_default=True,
            position=50,
        )


def add_group_0806_allowed_then_blocked(client):
    """… then allow it by default on 5 October 10:00 UTC and block it again on 8 October 12:00."""
    group = add_group_0806(client)
    with at_utc(5, 10):
        group = save_group(client, group, blocked_by_default=False)
    with at_utc(8, 12):
        return save_group(client, group, blocked_by_default=True)


def outcome():
    return [(c.started_at.day, c.blocked, c.cost) for c in calls(line_type="special")]


# TRK-6 — a group's own default: the SIP account was created before staff added the group
# "Numéros 0806" (+33806) on 1 October, blocked by default, so the account has no setting of its
# own for it and the default applies. Staff allow it by default on 5 October 10:00 UTC and block
# it again on 8 October 12:00. The records arrive later:
#   2 October (blocked by default then): refused, 0 — not billed once the default allowed it;
#   6 October (allowed then): 0.0060;
#   7 October (allowed then): 0.0060 — still billed after the block of the 8th;
#   9 October (blocked again): refused, 0.
# Before: every call judged by today's default (blocked): 0 for all four, and 0.0060 for the
# first two had the month been re-rated while the group was allowed.
def test_trk6_a_group_default_in_force_when_the_call_started(client):
    sip = account("sip-unl")
    _staff_with_mfa(client)
    add_group_0806_allowed_then_blocked(client)
    run_import([row(sip, "0806123456", start=at(day, 9), duration=30) for day in (2, 6, 7, 9)])
    expected = [
        (2, True, 0),
        (6, False, Decimal("0.0060")),
        (7, False, Decimal("0.0060")),
        (9, True, 0),
    ]
    assert outcome() == expected
    assert_matches_reference()
    rerate_month(OCT)
    assert outcome() == expected


# TRK-6 — a group's prefixes: staff add "Numéros 0806" (+33806) on 1 October, blocked by default;
# on 5 October 10:00 UTC they narrow it to +33807, so 0806 numbers fall under "France — numéros
# spéciaux 08" (+338), allowed.
#   0806 on 2 October ("Numéros 0806" then, blocked): refused, 0 — and stays so when re-rated;
#   0806 on 6 October (08 group then, allowed): 0.0060.
# Before: the 2 October call was judged by today's prefixes and billed 0.0060.
def test_trk6_a_group_prefixes_in_force_when_the_call_started(client):
    sip = account("sip-unl")
    _staff_with_mfa(client)
    group = add_group_0806(client)
    with at_utc(5, 10):
        save_group(client, group, prefixes=["+33807"])
    run_import([row(sip, "0806123456", start=at(day, 9), duration=30) for day in (2, 6)])
    expected = [(2, True, 0), (6, False, Decimal("0.0060"))]
    assert outcome() == expected
    assert_matches_reference()
    rerate_month(OCT)
    assert outcome() == expected


# TRK-6 — the groups' changes made before their history was kept are rebuilt from the audit log
# (telephony migration 0013): the group created on 1 October blocked by default, allowed on the
# 5th, blocked again on the 8th, gives the same outcome as the history recorded live when the
# month is rated again (2 October refused, 6 and 7 October 0.0060 each, 9 October refused).
def test_trk6_migration_rebuilds_the_groups_history_from_the_audit_log(client):
    from importlib import import_module

    from django.apps import apps

    sip = account("sip-unl")
    _staff_with_mfa(client)
    add_group_0806_allowed_then_blocked(client)
    live = list(
        DestinationGroupChange.objects.values_list(
            "group", "at", "blocked_by_default_before", "prefixes_before", "position_before"
        )
    )
    assert len(live) == 3
    DestinationGroupChange.objects.all().delete()  # as before the history was kept
    migration = import_module("telephony.migrations.0013_destination_group_history_from_audit")
    migration.load(apps, None)
    migration.load(apps, None)  # twice: nothing more
    rebuilt = list(
        DestinationGroupChange.objects.values_list(
            "group", "at", "blocked_by_default_before", "prefixes_before", "position_before"
        )
    )
    assert rebuilt == live
    run_import([row(sip, "0806123456", start=at(day, 9), duration=30) for day in (2, 6, 7, 9)])
    rerate_month(OCT)
    assert outcome() == [
        (2, True, 0),
        (6, False, Decimal("0.0060")),
        (7, False, Decimal("0.0060")),
        (9, True, 0),
    ]
    assert_matches_reference()


# TRK-6 — a SIP account without a setting of its own for a group follows the group's default
# until the customer sets one. Staff add "Numéros 0806" on 1 October, blocked by default, and
# allow it by default on the 5th; the customer blocks it for the account on the 8th (its first
# own setting). Records arriving later:
#   2 October (the default blocked it then): refused, 0;
#   6 October (the default allowed it): 0.0060;
#   9 October (the account's own block): refused, 0.
# Before: the customer's block recorded "allowed before" (the default on the 8th) and the call
# of 2 October was billed 0.0060.
def test_trk6_first_own_setting_keeps_the_default_in_force_before_it(client):
    from telephony.services import destination_block

    sip = account("sip-unl")
    _staff_with_mfa(client)
    group = add_group_0806(client)
    with at_utc(5, 10):
        group = save_group(client, group, blocked_by_default=False)
    with at_utc(8, 12):
        destination_block(owner=sip, group=group)
    run_import([row(sip, "0806123456", start=at(day, 9), duration=30) for day in (2, 6, 9)])
    expected = [(2, True, 0), (6, False, Decimal("0.0060")), (9, True, 0)]
    assert outcome() == expected
    assert_matches_reference()
    rerate_month(OCT)
    assert outcome() == expected
