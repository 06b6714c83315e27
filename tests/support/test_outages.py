"""Outages (SLA-5): affected contracts, excuses, planned maintenance announced 7 business days
ahead, through ``support.services``."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.choices import Role
from offers.models import Offer
from support import selectors, services
from support.choices import ExcuseReason, OutageScope
from support.models import OutageAnnouncement
from tests.factories import ClientFactory, MembershipFactory, SiteFactory
from tests.offers.factories import make_contract
from tests.support.factories import make_staff, paris

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


@pytest.fixture
def staff():
    return make_staff()


def maintenance(contracts, start, end, staff):
    return services.outage_record(
        title="Core router upgrade",
        description="Calls may drop for a few minutes.",
        internal_note="Ticket CHG-42 with the vendor",
        started_at=start,
        ended_at=end,
        excusable=True,
        excuse_reason=ExcuseReason.PLANNED_MAINTENANCE,
        contracts=contracts,
        actor=staff,
    )


# SLA-5 (PLATFORM 13.5: "au moins sept jours ouvrables avant") — a planned maintenance on Monday
# 16 November 2026 must be announced by Friday 6 November: Sat 14, Fri 13, Thu 12, (Armistice
# Day on Wed 11 not counted), Tue 10, Mon 9, (Sunday 8 not counted), Sat 7, Fri 6 = the 7th
# "jour ouvrable" (Monday to Saturday, public holidays excluded). Recorded on Monday 2nd it
# is announced at once, by e-mail to the admin and technical people of each affected customer.
def test_planned_maintenance_announced_in_time(
    tenant, staff, mailoutbox, django_capture_on_commit_callbacks
):
    contract = make_contract(tenant.client, "hosted-w", quantity=3)
    with (
        time_machine.travel(paris(2026, 11, 2, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outage = maintenance([contract], paris(2026, 11, 16, 2), paris(2026, 11, 16, 4), staff)
    announcement = OutageAnnouncement.objects.get(outage=outage)
    assert announcement.recipients == 1 and announcement.sent_by == staff
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        tenant.members[r].user.email for r in (Role.ADMIN, Role.TECHNICAL)
    )
    assert "Core router upgrade" in mailoutbox[0].subject
    assert contract.reference in mailoutbox[0].body
    assert "CHG-42" not in mailoutbox[0].body  # the internal note stays inside


# SLA-5 — recorded on Friday 6 November, the 7th "jour ouvrable" before, it is in time (a count
# of Monday-to-Friday days refused it: its 7th is Wednesday 4); on Saturday 7th it is too late.
def test_planned_maintenance_announced_on_the_last_working_day(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w")
    with time_machine.travel(paris(2026, 11, 6, 18), tick=False):
        outage = maintenance([contract], paris(2026, 11, 16, 2), paris(2026, 11, 16, 4), staff)
    assert OutageAnnouncement.objects.filter(outage=outage).exists()


def test_planned_maintenance_too_late(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w")
    with (
        time_machine.travel(paris(2026, 11, 7, 9), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        maintenance([contract], paris(2026, 11, 16, 2), paris(2026, 11, 16, 4), staff)
    message = error.value.message_dict["excuse_reason"][0]
    assert "7 jours ouvrables (du lundi au samedi" in message  # French first
    assert "vendredi 6 novembre 2026" in message or "6 novembre 2026" in message
    assert not OutageAnnouncement.objects.exists()


# SLA-5 — an unplanned outage cannot be turned into planned maintenance afterwards (no
# announcement in time); other excuses need a reason from the list; only staff record outages.
def test_outage_excuses(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w")
    with time_machine.travel(paris(2026, 11, 20, 9), tick=False):
        outage = services.outage_record(
            title="Carrier failure",
            started_at=paris(2026, 11, 19, 10),
            contracts=[contract],
            actor=staff,
        )
        assert outage.is_ongoing
        with pytest.raises(ValidationError) as error:
            services.outage_update(
                outage=outage,
                excusable=True,
                excuse_reason=ExcuseReason.PLANNED_MAINTENANCE,
                actor=staff,
            )
        assert "excuse_reason" in error.value.message_dict
        services.outage_update(
            outage=outage,
            ended_at=paris(2026, 11, 19, 11),
            excusable=True,
            excuse_reason=ExcuseReason.OTHER_OPERATOR,
            actor=staff,
        )
        outage.refresh_from_db()
        assert outage.excusable and outage.ended_at == paris(2026, 11, 19, 11)
        with pytest.raises(ValidationError) as error:
            services.outage_record(
                title="x",
                started_at=paris(2026, 11, 19, 10),
                ended_at=paris(2026, 11, 19, 9),
                excusable=True,
                contracts=[contract],
                actor=staff,
            )
        assert {"ended_at", "excuse_reason"} <= set(error.value.message_dict)
        with pytest.raises(ValidationError) as error:
            services.outage_record(title="x", started_at=paris(2026, 11, 19), actor=staff)
        assert "contracts" in error.value.message_dict
        with pytest.raises(PermissionDenied):
            services.outage_record(
                title="x",
                started_at=paris(2026, 11, 19),
                contracts=[contract],
                actor=tenant.members[Role.ADMIN].user,
            )


# SLA-5 — an outage of a whole offer affects every live contract of it, and each customer sees
# it in its list (not the other offers' customers).
def test_offer_wide_outage(tenant, other_tenant, staff):
    mine = make_contract(tenant.client, "hosted-w")
    theirs = make_contract(other_tenant.client, "hosted-w")
    platform_client = ClientFactory()
    SiteFactory(client=platform_client)
    MembershipFactory(client=platform_client)
    make_contract(platform_client, "platform")
    with time_machine.travel(paris(2026, 11, 20, 9), tick=False):
        outage = services.outage_record(
            title="Platform down",
            started_at=paris(2026, 11, 19, 10),
            ended_at=paris(2026, 11, 19, 12),
            scope=OutageScope.OFFER,
            offer=Offer.objects.get(code="hosted-w"),
            actor=staff,
        )
    assert set(services.outage_affected_contracts(outage)) == {mine, theirs}
    assert list(selectors.outage_list(client=tenant.client)) == [outage]
    assert list(selectors.outage_list(client=platform_client)) == []
    assert len(services.outage_intervals(mine, NOV)) == 1


# SLA-5 / SLA-6 — an outage that is not excusable counts its minutes as unavailability, so its
# end cannot lie in the future: on Friday 20 November 2026 at 9:00, an end typed 20 November
# 19:00 instead of 19 November 19:00 counts 10:00 → 19:00 the next day = 1 980 minutes, 600 of
# them not lived yet — November (43 200 minutes) at (43 200 − 1 980) / 43 200 = 95.416 %
# (HOSTED-W: < 97 → 20 %) instead of (43 200 − 540) / 43 200 = 98.75 % (10 %) for the 9 hours
# really lived. Refused on the end, whether recorded or ended later; a minute of clock difference
# is allowed (9:01 is accepted, as for a ticket's report, SLA-1). A planned maintenance
# (excusable) is recorded ahead with its end, and so stays allowed.
def test_unexcused_outage_cannot_end_in_the_future(tenant, staff):
    contract = make_contract(tenant.client, "hosted-w")
    with time_machine.travel(paris(2026, 11, 20, 9), tick=False):
        with pytest.raises(ValidationError) as error:
            services.outage_record(
                title="Carrier failure",
                started_at=paris(2026, 11, 19, 10),
                ended_at=paris(2026, 11, 20, 19),
                contracts=[contract],
                actor=staff,
            )
        assert "dans le futur" in error.value.message_dict["ended_at"][0]  # French first
        ongoing = services.outage_record(
            title="Carrier failure",
            started_at=paris(2026, 11, 19, 10),
            contracts=[contract],
            actor=staff,
        )
        with pytest.raises(ValidationError) as error:
            services.outage_update(outage=ongoing, ended_at=paris(2026, 11, 20, 19), actor=staff)
        assert "ended_at" in error.value.message_dict
        ongoing.refresh_from_db()
        assert ongoing.is_ongoing
        # A minute ahead of the server's clock is accepted (9:01 → 23 h 01 = 1 381 minutes).
        services.outage_update(outage=ongoing, ended_at=paris(2026, 11, 20, 9, 1), actor=staff)
        ongoing.refresh_from_db()
        assert ongoing.ended_at == paris(2026, 11, 20, 9, 1)
        # Excusable: not counted, so a future end is no typo's cost (other operator, announced).
        excused = services.outage_record(
            title="Transit operator works",
            started_at=paris(2026, 11, 20, 8),
            ended_at=paris(2026, 11, 20, 12),
            excusable=True,
            excuse_reason=ExcuseReason.OTHER_OPERATOR,
            contracts=[contract],
            actor=staff,
        )
        # …but it cannot then become not excusable with its end still ahead.
        with pytest.raises(ValidationError) as error:
            services.outage_update(outage=excused, excusable=False, actor=staff)
        assert "ended_at" in error.value.message_dict
    excused.refresh_from_db()
    assert excused.excusable
