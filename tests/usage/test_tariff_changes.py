"""CON-6 for call tariffs (HOSTED-A 6, PLATFORM 12.2): a tariff change is told to customers
before it applies, HOSTED-A customers may refuse an increase (terminating without fees, their
calls at the old tariffs meanwhile), PLATFORM customers may object until they call again.
Amounts by hand in the comments; dates relative to today (the rules count from today)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.choices import Role
from accounts.models import AuditLog
from kernel.clock import paris_today
from kernel.errors import InvalidTransition
from kernel.models import OutboxEvent
from offers import services as offers
from offers.choices import TerminationReason, TerminationStatus
from tests.offers.factories import make_contract
from tests.telephony.factories import customer
from tests.usage.core_helpers import (
    OCT,
    account,
    assert_matches_reference,
    at,
    platform,
    price_change,
    row,
    run_import,
    seed,
)
from usage.models import CallRecord, Tariff, TariffAnnouncement, TariffNotice, TariffRefusal
from usage.services import tariff_changes
from usage.services.rating import rerate_month

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)
DAY = timedelta(days=1)


def grid_row(rate, valid_from, **kwargs):
    """Morocco mobile (+2126), not included in any plan: billed at its tariff, per second."""
    fields = {"name": "Maroc mobile", "prefix": "+2126", "rate_per_minute": Decimal(rate)}
    return Tariff.objects.create(**{**fields, **kwargs}, valid_from=valid_from)


def form_data(tariff=None, **changes):
    base = {
        "name": "Maroc mobile", "prefix": "+2126", "country": "", "line_type": "",
        "price_class": "standard", "rate_per_minute": "0.3000", "first_increment": 1,
        "next_increment": 1, "min_duration": 0, "valid_from": "", "valid_to": "",
    }  # fmt: skip
    if tariff is not None:
        base.update(rate_per_minute=str(tariff.rate_per_minute))
        base.update(valid_from=tariff.valid_from.isoformat())
    base.update({k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()})
    return base


# --- The notice --------------------------------------------------------------------------------


# CON-6 / HOSTED-A 6: "sous réserve d'en informer le Client au moins sept (7) jours à l'avance".
# With only HOSTED-A contracts live, a tariff entered today starts at the earliest today + 8 days
# (told by tonight's announcement, i.e. tomorrow, then 7 full days); a SIP-UNL contract (silent on
# prices: 30 days, as for monthly prices) makes it today + 31.
def test_con6_tariff_notice_follows_the_terms_signed():
    today = paris_today()
    seed()
    make_contract(customer(), "hosted-a")
    assert tariff_changes.notice_days() == 7
    assert tariff_changes.first_day(today) == today + timedelta(days=8)
    make_contract(customer(), "sip-unl")
    assert tariff_changes.notice_days() == 30
    assert tariff_changes.first_day(today) == today + timedelta(days=31)


# CON-6 in the back office: a new price starting the day before the earliest is refused with the
# date it may start; on that date it is saved (and audited). A tariff in force is not repriced in
# place; its name may be corrected.
def test_con6_back_office_refuses_a_tariff_inside_the_notice(staff):
    seed()
    make_contract(customer(), "hosted-a")
    earliest = tariff_changes.first_day()
    add = reverse("admin:usage_tariff_add")
    refused = staff.post(add, form_data(valid_from=earliest - DAY))
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "au moins 7\u00a0jours avant un changement de tarif" in page
    assert earliest.strftime("%-d") in page
    assert not Tariff.objects.filter(prefix="+2126").exists()
    saved = staff.post(add, form_data(valid_from=earliest))
    assert saved.status_code == 302
    assert Tariff.objects.get(prefix="+2126").valid_from == earliest

    in_force = grid_row("0.2000", date(2025, 1, 1), prefix="+2125", name="Maroc fixe")
    change = reverse("admin:usage_tariff_change", args=[in_force.pk])
    repriced = staff.post(change, form_data(in_force, prefix="+2125", rate_per_minute="0.1000"))
    assert repriced.status_code == 200
    in_force.refresh_from_db()
    assert in_force.rate_per_minute == Decimal("0.2000")
    # its end is a price change too (calls fall to another tariff): a new row replaces it
    for valid_to in (earliest - DAY, earliest + 10 * DAY):
        ended = staff.post(change, form_data(in_force, prefix="+2125", valid_to=valid_to))
        assert ended.status_code == 200 and "saisissez un nouveau tarif" in ended.content.decode()
    renamed = staff.post(change, form_data(in_force, prefix="+2125", name="Maroc fixe (tous)"))
    assert renamed.status_code == 302
    in_force.refresh_from_db()
    assert in_force.name == "Maroc fixe (tous)" and in_force.valid_to is None


# A tariff in force, or one told to customers, cannot be deleted (its page offers no delete, the
# delete URL answers 403, the list has no « delete selected »); a future one not told yet can.
def test_con6_tariffs_in_force_or_told_are_not_deleted(staff):
    seed()
    in_force = grid_row("0.2000", date(2025, 1, 1))
    told = grid_row("0.3000", date(2027, 6, 1))
    told.announcement = TariffAnnouncement.objects.create(first_day=told.valid_from)
    told.save()
    spare = grid_row("0.3000", date(2027, 7, 1))
    for tariff in (in_force, told):
        assert staff.get(reverse("admin:usage_tariff_delete", args=[tariff.pk])).status_code == 403
    listing = staff.get(reverse("admin:usage_tariff_changelist")).content.decode()
    assert "delete_selected" not in listing
    staff.post(reverse("admin:usage_tariff_delete", args=[spare.pk]), {"post": "yes"})
    assert set(Tariff.objects.filter(prefix="+2126")) == {in_force, told}


# --- Announcing --------------------------------------------------------------------------------


# CON-6 / PLATFORM 12.2 ("notifiera un changement tarifaire par courriel"): the tariffs entered
# are told once, one e-mail per customer with a live contract (its admin), each line with the
# price it replaces: Morocco mobile 0.2000 → 0.3000 €/min (an increase), Morocco fixed 0.1500 →
# 0.1200 (a decrease). The HOSTED-A customer's e-mail states its right to refuse and its last
# day (the eve of the first day), and a tariff's last day (its end excluded); the SIP-UNL one's
# states no right; a customer whose contract ended is not told. A second run tells nothing.
def test_con6_announcement_tells_each_live_customer_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    seed()
    hosted = make_contract(customer(legal_name="Hôtel SAS"), "hosted-a")
    sip = make_contract(customer(legal_name="Sip SAS"), "sip-unl")
    gone = make_contract(customer(legal_name="Partie SAS"), "sip-unl")
    type(gone).objects.filter(pk=gone.pk).update(status="terminated")
    start = paris_today() + timedelta(days=40)
    grid_row("0.2000", date(2025, 1, 1))
    grid_row("0.1500", date(2025, 1, 1), prefix="+2125", name="Maroc fixe")
    grid_row("0.3000", start)
    grid_row("0.1200", start + DAY, prefix="+2125", name="Maroc fixe", valid_to=start + 41 * DAY)

    with django_capture_on_commit_callbacks(execute=True):
        announcement = tariff_changes.tariffs_announce()
    assert announcement.first_day == start and announcement.increase
    assert (announcement.tariffs_count, announcement.customers_count) == (2, 2)
    told = set(TariffNotice.objects.values_list("client_id", flat=True))
    assert told == {hosted.client_id, sip.client_id}
    assert gone.client_id not in told
    by_client = {m.to[0]: m for m in mailoutbox}
    assert len(mailoutbox) == 2
    hosted_mail = by_client[hosted.client.memberships.get().user.email]
    body = hosted_mail.body
    assert hosted_mail.subject.startswith("Nouveaux tarifs d’appel à partir du")
    assert "Maroc mobile (+2126)" in body and "0,3000\u00a0€" in body and "0,2000\u00a0€" in body
    assert "0,1200\u00a0€" in body and "0,1500\u00a0€" in body
    eve = start - DAY
    assert "refuser" in body and f"jusqu’au {eve.day}" in body
    # a tariff with an end: its last day, the end being excluded (start + 40 days)
    with translation.override("fr"):
        assert f"jusqu’au {date_format(start + 40 * DAY, 'DATE_FORMAT')}" in body
    sip_body = by_client[sip.client.memberships.get().user.email].body
    assert "refuser" not in sip_body and "Maroc mobile" in sip_body
    assert AuditLog.objects.filter(action="tariffs.announce").count() == 1

    assert tariff_changes.tariffs_announce() is None
    assert len(mailoutbox) == 2


# What an increase is (hand-checked): a higher rate; the same rate with coarser increments
# (1/1 → 60/60: a 61 s call goes from 61 s to 120 s billed) or a minimum; a price where the
# destination had none of its own. A lower rate, or a longer prefix under a dearer zone, is not.
# CON-6 / HOSTED-A 6 / USE-2: shorter increments that do not divide the old ones still bill
# some calls more: 60/60 → 45/45 at the same rate, a 46 s call goes from 60 s to 90 s billed;
# 30/6 → 20/5, a 41 s call from 42 s to 45 s — increases (they were not counted ones, and the
# HOSTED-A customer was not offered the refusal). 60/60 → 30/30 bills no call more (30 divides
# 60): not one. With a lower rate, 0.20 €/min 60/60 → 45/45 bills at most 1.5 times the seconds
# (46 s to 60 s: 90 s for 60 s): at 0.15 €/min a 46 s call costs 90 × 0.15 / 60 = 0.2250 for
# 60 × 0.20 / 60 = 0.2000 (an increase); at 0.13 €/min 90 × 0.13 / 60 = 0.1950, and no call
# costs more (not one).
@pytest.mark.parametrize(
    "new,before,increase",
    [
        ({"rate_per_minute": Decimal("0.30")}, {"rate_per_minute": Decimal("0.20")}, True),
        ({"rate_per_minute": Decimal("0.10")}, {"rate_per_minute": Decimal("0.20")}, False),
        ({"first_increment": 60, "next_increment": 60}, {}, True),
        ({"min_duration": 30}, {}, True),
        ({}, None, True),
        ({"rate_per_minute": Decimal("0")}, None, False),
        (
            {"first_increment": 45, "next_increment": 45},
            {"first_increment": 60, "next_increment": 60},
            True,
        ),
        (
            {"first_increment": 20, "next_increment": 5},
            {"first_increment": 30, "next_increment": 6},
            True,
        ),
        (
            {"first_increment": 30, "next_increment": 30},
            {"first_increment": 60, "next_increment": 60},
            False,
        ),
        (
            {"rate_per_minute": Decimal("0.15"), "first_increment": 45, "next_increment": 45},
            {"first_increment": 60, "next_increment": 60},
            True,
        ),
        (
            {"rate_per_minute": Decimal("0.13"), "first_increment": 45, "next_increment": 45},
            {"first_increment": 60, "next_increment": 60},
            False,
        ),
    ],
)
def test_con6_what_an_increase_is(new, before, increase):
    base = {"rate_per_minute": Decimal("0.20"), "first_increment": 1, "next_increment": 1}
    base["min_duration"] = 0
    tariff = Tariff(**{**base, **new})
    old = None if before is None else Tariff(**{**base, **before})
    assert tariff_changes.raises(tariff, old) is increase


# The one a prefix replaces: the same prefix, else the longest prefix it falls under (+21261
# under +2126 at 0.2000, not +212 at 0.5000).
def test_con6_a_longer_prefix_replaces_the_longest_under_it():
    zone = Tariff(prefix="+212", rate_per_minute=Decimal("0.5"), valid_from=date(2025, 1, 1))
    mobile = Tariff(prefix="+2126", rate_per_minute=Decimal("0.2"), valid_from=date(2025, 1, 1))
    new = Tariff(prefix="+21261", rate_per_minute=Decimal("0.25"), valid_from=date(2027, 1, 1))
    assert tariff_changes.replaced(new, [zone, mobile]) is mobile


# --- Refusal (HOSTED-A 6) and objection (PLATFORM 12.2) ------------------------------------------


def _announce(days=20):
    """Morocco mobile 0.2000 → 0.3000 from today + ``days``, told now."""
    grid_row("0.2000", date(2025, 1, 1))
    grid_row("0.3000", paris_today() + timedelta(days=days))
    return tariff_changes.tariffs_announce()


# HOSTED-A 6: "le Client pourra de plein droit refuser toute augmentation des Frais
# d'Utilisation et résilier le Contrat en cours sans Frais de Résiliation Anticipée ... avec un
# préavis de trente (30) jours". The admin's refusal from the tariffs page: the confirmation page
# shows the end date (today + 30) and a fee of 0,00 €; nothing is recorded without the box; with
# it, a termination without fee (reason: price increase refused) and the contract keeps the
# tariffs of the eve of the first day.
def test_con6_hosted_a_refusal_from_the_portal(tenant, as_role):
    seed()
    contract = make_contract(tenant.client, "hosted-a")
    announcement = _announce()
    page = as_role(Role.ADMIN).get(reverse("usage:tariffs")).content.decode()
    assert "Changements annoncés" in page and "hausse" in page
    url = reverse("usage:tariff_refuse", args=[announcement.pk, contract.pk])
    assert url in page
    client = as_role(Role.ADMIN)
    confirm = client.get(url).content.decode()
    end = paris_today() + timedelta(days=30)
    assert end.isoformat() in confirm or end.strftime("%d/%m/%Y") in confirm
    assert re.search(r'data-testid="refusal-fee">0,00\s*€', confirm)
    unticked = client.post(url, {"shown_effective_date": end.isoformat()})
    assert unticked.status_code == 200 and not TariffRefusal.objects.exists()
    done = client.post(url, {"shown_effective_date": end.isoformat(), "confirm": "on"})
    assert done.status_code == 302
    refusal = TariffRefusal.objects.get()
    assert refusal.keeps_day == announcement.first_day - DAY and not refusal.objection
    termination = refusal.termination
    assert termination.effective_date == end and termination.fee_amount == 0
    assert termination.reason == TerminationReason.PRICE_INCREASE_REFUSED
    assert AuditLog.objects.filter(action="tariffs.refuse").count() == 1
    # answered: no longer offered; a second refusal is refused
    assert url not in client.get(reverse("usage:tariffs")).content.decode()
    with pytest.raises(InvalidTransition):
        tariff_changes.tariff_refuse(announcement=announcement, contract=contract)


# Who may refuse: the admin only (ACC-2: ending a contract); a read-only member sees the right
# but no button, and is refused the page (403). Another customer's contract: 404, nothing written.
# A decrease, a SIP-UNL contract (no right) and a change already in force cannot be refused.
def test_con6_tariff_refusal_is_scoped_and_only_for_increases(tenant, other_tenant, as_role):
    seed()
    contract = make_contract(tenant.client, "hosted-a")
    other = make_contract(other_tenant.client, "hosted-a")
    announcement = _announce()
    reader = as_role(Role.READ_ONLY)
    page = reader.get(reverse("usage:tariffs")).content.decode()
    assert "Seul un administrateur" in page
    url = reverse("usage:tariff_refuse", args=[announcement.pk, contract.pk])
    assert reader.get(url).status_code == 403
    admin = as_role(Role.ADMIN)
    theirs = reverse("usage:tariff_refuse", args=[announcement.pk, other.pk])
    assert admin.get(theirs).status_code == 404
    assert admin.post(theirs, {"confirm": "on"}).status_code == 404
    assert not TariffRefusal.objects.exists()

    sip = make_contract(tenant.client, "sip-unl")
    with pytest.raises(InvalidTransition, match="aucun droit"):
        tariff_changes.tariff_refuse(announcement=announcement, contract=sip)
    decrease = TariffAnnouncement.objects.create(first_day=paris_today() + timedelta(days=20))
    TariffNotice.objects.create(announcement=decrease, client=tenant.client)
    with pytest.raises(InvalidTransition, match="aucun prix"):
        tariff_changes.tariff_refuse(announcement=decrease, contract=contract)
    past = TariffAnnouncement.objects.create(first_day=paris_today(), increase=True)
    TariffNotice.objects.create(announcement=past, client=tenant.client)
    with pytest.raises(InvalidTransition, match="en vigueur"):
        tariff_changes.tariff_refuse(announcement=past, contract=contract)
    assert not TariffRefusal.objects.exists()


# A contract already on its way out (its termination scheduled) is not offered the refusal
# (a second termination cannot be recorded); once that termination is cancelled, it is.
def test_con6_a_contract_already_terminating_is_not_offered_the_refusal(tenant):
    seed()
    contract = make_contract(tenant.client, "hosted-a")
    _announce()
    termination = offers.contract_request_termination(contract=contract)
    assert tariff_changes.answerable(tenant.client) == []
    offers.termination_cancel(termination=termination)
    assert [item.contract for item in tariff_changes.answerable(tenant.client)] == [contract]


def _refused(contract, first_day):
    """A refusal recorded before ``first_day`` (told then): its termination scheduled."""
    announcement = TariffAnnouncement.objects.create(first_day=first_day, increase=True)
    termination = offers.contract_request_termination(
        contract=contract,
        reason=TerminationReason.PRICE_INCREASE_REFUSED,
        waive_fees=True,
        notice_days=30,
    )
    return TariffRefusal.objects.create(
        announcement=announcement,
        contract=contract,
        termination=termination,
        keeps_day=first_day - DAY,
    )


def _cost(sip, month):
    rows = CallRecord.objects.filter(sip_account_id=sip.pk, billing_month=month)
    return sum(c.cost for c in rows)


# HOSTED-A 6 + CON-6 "the old price applying meanwhile": Morocco mobile 0.2000 until 14 October,
# 0.3000 from 15 October. HOSTED-A calls take the tariff of the invoicing day (31 October), so the
# customer who did not refuse pays 90 s × 0.3000 / 60 = 0.4500 for a call of 5 October; the one
# who refused keeps the tariff of 14 October: 90 s × 0.2000 / 60 = 0.3000. In November (60 s):
# 0.3000 against 0.2000 — the kept day is before the November pass. Once the termination is
# cancelled, the refusal stops counting: re-rated, October costs 0.4500 and November 0.3000.
# Both engines agree.
def test_con6_refusing_contract_keeps_the_old_tariffs_until_it_ends():
    price_change("+2126", "0.2000", "0.3000", date(2026, 10, 15))
    refusing = account("hosted-a")
    accepting = account("hosted-a")
    refusal = _refused(refusing.contract, date(2026, 10, 15))
    run_import(
        [
            row(refusing, "+212612345678", start=at(5), duration=90),
            row(accepting, "+212612345678", start=at(5), duration=90),
            row(refusing, "+212612345679", start=at(3, month=NOV), duration=60),
            row(accepting, "+212612345679", start=at(3, month=NOV), duration=60),
        ]
    )
    assert _cost(refusing, OCT) == Decimal("0.3000")
    assert _cost(accepting, OCT) == Decimal("0.4500")
    assert _cost(refusing, NOV) == Decimal("0.2000")
    assert _cost(accepting, NOV) == Decimal("0.3000")
    assert_matches_reference()

    offers.termination_cancel(termination=refusal.termination)
    for month in (OCT, NOV):
        rerate_month(month, client_ids=[refusing.contract.client_id])
    assert (_cost(refusing, OCT), _cost(refusing, NOV)) == (Decimal("0.4500"), Decimal("0.3000"))
    assert_matches_reference()


# PLATFORM 12.2: an objection ends the contract one month after it at the earliest, not before
# the first day, without fee; it keeps no tariff (the customer must stop calling before the first
# day) and a call on or after the first day withdraws it: the termination is cancelled (audited).
def test_con6_platform_objection_withdrawn_by_a_call_from_the_first_day():
    seed()
    contract = platform()
    first = paris_today() + timedelta(days=20)
    grid_row("0.2000", date(2025, 1, 1))
    grid_row("0.3000", first)
    announcement = tariff_changes.tariffs_announce()
    refusal = tariff_changes.tariff_refuse(announcement=announcement, contract=contract)
    assert refusal.objection and refusal.keeps_day is None
    from offers.periods import add_months

    assert refusal.termination.effective_date == max(first, add_months(paris_today(), 1))
    assert refusal.termination.fee_amount == 0

    assert tariff_changes.objections_withdraw(contract=contract, day=first - DAY) == 0
    assert tariff_changes.objections_withdraw(contract=contract, day=first) == 1
    refusal.refresh_from_db()
    refusal.termination.refresh_from_db()
    assert refusal.withdrawn_at is not None
    assert refusal.termination.status == TerminationStatus.CANCELLED
    assert AuditLog.objects.filter(action="tariffs.objection_withdrawn").count() == 1


# The staff record a refusal received by letter (back office), with the same rules; the nightly
# task is scheduled.
def test_con6_staff_record_a_refusal_and_the_nightly_announcement(staff, settings):
    seed()
    contract = make_contract(customer(), "hosted-a")
    announcement = _announce()
    add = reverse("admin:usage_tariffrefusal_add")
    form = staff.get(add).content.decode()
    assert str(announcement) in form
    done = staff.post(add, {"announcement": announcement.pk, "contract": contract.pk})
    assert done.status_code == 302
    refusal = TariffRefusal.objects.get()
    assert refusal.termination.effective_date == paris_today() + timedelta(days=30)
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "usage.tasks.tariffs_announce" in tasks
    nothing = staff.post(reverse("admin:usage_tariffannouncement_add"), {"confirm": "on"})
    assert nothing.status_code == 200
    assert "Aucun tarif" in nothing.content.decode()


# The tariffs page with announced changes: a constant number of queries (no query per row).
def test_con6_tariffs_page_queries_do_not_grow(tenant, as_role, django_assert_max_num_queries):
    seed()
    make_contract(tenant.client, "hosted-a")
    make_contract(tenant.client, "platform")
    first = paris_today() + timedelta(days=20)
    for n in range(8):
        grid_row("0.2000", date(2025, 1, 1), prefix=f"+2126{n}", name=f"Maroc {n}")
        grid_row("0.3000", first, prefix=f"+2126{n}", name=f"Maroc {n}")
    tariff_changes.tariffs_announce()
    client = as_role(Role.ADMIN)
    # + 2 for the destinations the HOSTED-A plan includes (its contracts, their lists: USE-4)
    with django_assert_max_num_queries(17):
        page = client.get(reverse("usage:tariffs")).content.decode()
    assert page.count('data-testid="tariff-answer"') == 2
    assert page.count("Maroc 7") == 2  # in force today, and announced


# --- Partner API -------------------------------------------------------------------------------


# CON-6 in the partner API: the announcement told to the partner's customer lists its tariff
# (0.2000 → 0.3000, an increase) and the customer's HOSTED-A contract that may refuse until the
# eve; the refusal answers 201 with a termination without fee (today + 30 days) and the day whose
# tariffs the contract keeps. Another partner's contract is a 400 "contract", another partner's
# announcement a 404; a SIP-UNL contract (no right) a 409 — nothing written in those cases.
def test_con6_api_lists_and_refuses_scoped(api, tenant, other_tenant):
    seed()
    contract = make_contract(tenant.client, "hosted-a")
    sip = make_contract(tenant.client, "sip-unl")
    theirs = make_contract(other_tenant.client, "hosted-a")
    announcement = _announce()
    listing = api.get(reverse("api:tariff-change-list")).json()
    (row,) = listing["results"]
    assert row["id"] == announcement.pk and row["increase"] is True
    assert row["first_day"] == announcement.first_day.isoformat()
    tariff = next(t for t in row["tariffs"] if t["valid_from"] == row["first_day"])
    assert (tariff["rate_per_minute"], tariff["previous_rate_per_minute"]) == ("0.3000", "0.2000")
    assert tariff["prefix"] == "+2126" and tariff["increase"] is True
    assert [a["contract"] for a in row["answerable"]] == [contract.pk]
    assert row["answerable"][0]["right"] == "terminate"
    assert row["answerable"][0]["answer_by"] == (announcement.first_day - DAY).isoformat()

    refuse = reverse("api:tariff-change-refuse", args=[announcement.pk])
    other = api.post(refuse, {"contract": theirs.pk}, format="json")
    assert other.status_code == 400 and "contract" in other.json()["error"]["fields"]
    no_right = api.post(refuse, {"contract": sip.pk}, format="json")
    assert no_right.status_code == 409 and no_right.json()["error"]["code"] == "no_refusal"
    assert not TariffRefusal.objects.exists()
    done = api.post(refuse, {"contract": contract.pk}, format="json")
    assert done.status_code == 201
    body = done.json()
    assert body["keeps_day"] == (announcement.first_day - DAY).isoformat()
    assert body["termination"]["effective_date"] == (paris_today() + timedelta(days=30)).isoformat()
    assert body["termination"]["fee_amount"] == "0.00"
    assert TariffRefusal.objects.get().api_key_id == api.key.pk
    again = api.get(reverse("api:tariff-change-detail", args=[announcement.pk])).json()
    assert again["answerable"] == []
    # each partner is told by its own webhook event, once, naming its customers only
    events = OutboxEvent.objects.filter(type="usage.tariffs_announced").order_by("partner_id")
    assert [e.partner_id for e in events] == sorted(
        [tenant.client.partner_id, other_tenant.client.partner_id]
    )
    event = events.get(partner_id=tenant.client.partner_id)
    assert event.data == {
        "tariff_change": announcement.pk,
        "first_day": announcement.first_day.isoformat(),
        "increase": True,
        "customers": [tenant.client.pk],
    }

    hidden = TariffAnnouncement.objects.create(first_day=announcement.first_day, increase=True)
    TariffNotice.objects.create(announcement=hidden, client=other_tenant.client)
    missing = reverse("api:tariff-change-refuse", args=[hidden.pk])
    assert api.post(missing, {"contract": contract.pk}, format="json").status_code == 404


# The list answers in a constant number of queries whatever the announcements and contracts.
def test_con6_api_list_queries_do_not_grow(api, tenant, django_assert_max_num_queries):
    seed()
    clients = [tenant.client, *(customer(partner=tenant.client.partner) for _n in range(2))]
    for client in clients:
        make_contract(client, "hosted-a")
    for days in (20, 30, 40):
        grid_row("0.9000", paris_today() + timedelta(days=days), prefix=f"+2126{days}")
        tariff_changes.tariffs_announce()
    with django_assert_max_num_queries(25):
        body = api.get(reverse("api:tariff-change-list")).json()
    assert len(body["results"]) == 3
    assert [len(row["answerable"]) for row in body["results"]] == [3, 3, 3], body


# HOSTED-A 6: the customer's letter refusing the increase reached us in time, but staff record it
# after the first day: it counts from the day it was received (its 30 days' notice too), not
# from the day it is typed. Told 10 days ago, in force since 2 days ago, letter received 5 days
# ago: recorded, the contract ends 25 days from now (received + 30) and keeps the tariffs of the
# eve of the increase. A letter received yesterday (after the first day) is refused, as is a
# date in the future.
def test_con6_a_letter_received_in_time_is_recorded_late(staff):
    from django.utils import timezone

    seed()
    contract = make_contract(customer(), "hosted-a")
    today = paris_today()
    announcement = TariffAnnouncement.objects.create(
        first_day=today - 2 * DAY, increase=True, increase_from=today - 2 * DAY
    )
    TariffAnnouncement.objects.filter(pk=announcement.pk).update(
        created_at=timezone.now() - 10 * DAY
    )
    TariffNotice.objects.create(announcement=announcement, client=contract.client)
    add = reverse("admin:usage_tariffrefusal_add")
    form = {"announcement": announcement.pk, "contract": contract.pk}
    late = staff.post(add, {**form, "received_on": (today - DAY).isoformat()})
    assert late.status_code == 200 and "en vigueur" in late.content.decode()
    future = staff.post(add, {**form, "received_on": (today + DAY).isoformat()})
    assert future.status_code == 200 and "dans le futur" in future.content.decode()
    assert not TariffRefusal.objects.exists()
    done = staff.post(add, {**form, "received_on": (today - 5 * DAY).isoformat()})
    assert done.status_code == 302
    refusal = TariffRefusal.objects.get()
    assert refusal.termination.effective_date == today + 25 * DAY
    assert refusal.termination.fee_amount == 0
    assert refusal.keeps_day == today - 3 * DAY


# PLATFORM 24 / CON-6 — an announced change names its destination in the reader's language, as
# the grid below it does (docs/rules.md: "on the English page each row names its destination in
# English"): the English tariffs page, refusal page and e-mail said « Maroc mobile », the grid's
# French name; they say « Morocco — Mobile ». The French ones keep « Maroc mobile ».
def test_con6_announced_changes_name_the_destination_in_english(
    tenant, as_role, mailoutbox, django_capture_on_commit_callbacks
):
    seed()
    contract = make_contract(tenant.client, "hosted-a")
    admin = tenant.members[Role.ADMIN].user
    type(admin).objects.filter(pk=admin.pk).update(language="en")
    morocco_mobile = {"prefix": "", "country": "MA", "line_type": "mobile"}
    grid_row("0.2000", date(2025, 1, 1), **morocco_mobile)
    grid_row("0.3000", paris_today() + timedelta(days=20), **morocco_mobile)
    with django_capture_on_commit_callbacks(execute=True):
        announcement = tariff_changes.tariffs_announce()
    client = as_role(Role.ADMIN)
    refuse = reverse("usage:tariff_refuse", args=[announcement.pk, contract.pk])

    def shown(url, language):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        return page.split('data-testid="tariff-changes', 1)[-1].split("</table>")[0]

    tariffs_en = shown(reverse("usage:tariffs"), "en")
    refuse_en = client.get(refuse, HTTP_ACCEPT_LANGUAGE="en").content
    assert "Morocco — Mobile" in tariffs_en and "Maroc" not in tariffs_en, tariffs_en
    assert "Morocco — Mobile" in refuse_en.decode() and "Maroc" not in refuse_en.decode()
    english_mail = next(m for m in mailoutbox if m.to == [admin.email])
    assert "- Morocco — Mobile — from" in english_mail.body, english_mail.body
    assert "Maroc mobile" in shown(reverse("usage:tariffs"), "fr")
