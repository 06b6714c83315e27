"""EQP-4: RMA — the customer (technical or admin) reports a defect with photos; support approves
(RMA number, replacement target 48 h under warranty / 96 h otherwise, in the offer's business
hours where it has them) or refuses with a reason of the closed list; the replacement ships and
the defective item is expected back (EQP-5)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import Role
from equipment.choices import ItemState, ReturnReason, RmaRefusal, RmaStatus
from equipment.models import Item
from equipment.services import items, returns, rma
from kernel.errors import InvalidTransition
from tests.equipment.factories import make_model, rent, sell, stock
from tests.offers.factories import make_contract

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="support@x.example", password="x", is_staff=True
    )


def _delivered_sale(tenant, on=date(2026, 3, 10)):
    order = sell(tenant.client, tenant.site, make_model(), ordered_on=on)
    (item,) = order.items.all()
    return items.item_deliver(item=item, delivered_on=on)


def test_technical_member_reports_with_photos(tenant):
    item = _delivered_sale(tenant)
    with time_machine.travel("2026-06-01 10:00 +02:00", tick=False):
        report = rma.rma_request(
            client=tenant.client,
            item=item,
            description="Plus de tonalité.",
            photos=[SimpleUploadedFile("ecran.png", PNG, content_type="image/png")],
            actor=tenant.members[Role.TECHNICAL].user,
        )
    assert report.status == RmaStatus.REQUESTED and report.number is None
    assert report.under_warranty  # delivered 2026-03-10, warranty to 2027-03-09
    assert [p.original_name for p in report.photos.all()] == ["ecran.png"]


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.BILLING])
def test_other_roles_cannot_report(tenant, role):
    # ACC-2: equipment is the technical role's (and the admin's).
    item = _delivered_sale(tenant)
    with pytest.raises(PermissionDenied):
        rma.rma_request(
            client=tenant.client, item=item, description="x", actor=tenant.members[role].user
        )


def test_photo_must_be_an_image(tenant):
    item = _delivered_sale(tenant)
    with pytest.raises(ValidationError) as refused:
        rma.rma_request(
            client=tenant.client,
            item=item,
            description="x",
            photos=[SimpleUploadedFile("trace.txt", b"hello", content_type="text/plain")],
        )
    assert "photos" in refused.value.message_dict


def test_sale_out_of_warranty_has_no_rma(tenant):
    # EQP-4: only during a rental or the warranty (delivered 2025-01-10: covered to 2026-01-09).
    item = _delivered_sale(tenant, on=date(2025, 1, 10))
    with time_machine.travel("2026-01-10 10:00 +01:00", tick=False):
        with pytest.raises(ValidationError) as refused:
            rma.rma_request(client=tenant.client, item=item, description="x")
    assert "item" in refused.value.message_dict


def test_approval_under_warranty_48_business_hours(tenant, staff):
    # EQP-4: a HOSTED-A service at the site (support Mon–Fri 09:00–18:00): approved Friday
    # 2026-06-05 at 16:00, 48 business hours = Fri 2 h + Mon 9 h + Tue 9 h + Wed 9 h + Thu 9 h
    # (38 h) + Fri 10 h … → 2 + 9 × 5 = 47 h by Friday 12 at 18:00, the 48th hour on Monday
    # 2026-06-15 at 10:00.
    make_contract(tenant.client, "hosted-a", site=tenant.site)
    item = _delivered_sale(tenant)
    report = rma.rma_request(client=tenant.client, item=item, description="x")
    approved = rma.rma_approve(
        rma=report, actor=staff, approved_at=datetime(2026, 6, 5, 16, 0, tzinfo=PARIS)
    )
    assert approved.number.startswith("RMA-2026-")
    assert (approved.target_hours, approved.in_business_hours) == (48, True)
    assert approved.ship_by == datetime(2026, 6, 15, 10, 0, tzinfo=PARIS)


def test_rental_past_warranty_96_elapsed_hours(tenant, staff):
    # EQP-4: a rented phone delivered 2025-01-10 (warranty ended 2026-01-09), no business hours
    # at the site (rental terms have none): approved 2026-06-05 16:00 + 96 h = 2026-06-09 16:00.
    order = rent(tenant.client, tenant.site, make_model(), ordered_on=date(2025, 1, 10))
    (item,) = order.items.all()
    items.item_deliver(item=item, delivered_on=date(2025, 1, 10))
    with time_machine.travel("2026-06-05 15:00 +02:00", tick=False):
        report = rma.rma_request(client=tenant.client, item=item, description="x")
    assert not report.under_warranty
    approved = rma.rma_approve(
        rma=report, actor=staff, approved_at=datetime(2026, 6, 5, 16, 0, tzinfo=PARIS)
    )
    assert (approved.target_hours, approved.in_business_hours) == (96, False)
    assert approved.ship_by == datetime(2026, 6, 9, 16, 0, tzinfo=PARIS)


def test_refusal_needs_a_reason_of_the_list(tenant, staff):
    item = _delivered_sale(tenant)
    report = rma.rma_request(client=tenant.client, item=item, description="x")
    with pytest.raises(ValidationError):
        rma.rma_refuse(rma=report, reason="bad luck", actor=staff)
    refused = rma.rma_refuse(
        rma=report, reason=RmaRefusal.NEGLIGENCE, note="Écran cassé", actor=staff
    )
    assert (refused.status, refused.refusal_reason) == (RmaStatus.REFUSED, "negligence")
    with pytest.raises(InvalidTransition):
        rma.rma_approve(rma=refused, actor=staff)


def test_customer_cannot_decide(tenant):
    item = _delivered_sale(tenant)
    report = rma.rma_request(client=tenant.client, item=item, description="x")
    with pytest.raises(PermissionDenied):
        rma.rma_approve(rma=report, actor=tenant.members[Role.ADMIN].user)


def test_replacement_shipped_and_defective_expected_back(tenant, staff):
    # EQP-4 / EQP-5: shipped Thursday 2026-12-24: the defective item is due the first business
    # day after — Friday 25 is Christmas — Monday 2026-12-28.
    item = _delivered_sale(tenant)
    spare = stock(item.model, 1)[0]
    report = rma.rma_request(client=tenant.client, item=item, description="x")
    rma.rma_approve(rma=report, actor=staff)
    with time_machine.travel("2026-12-24 11:00 +01:00", tick=False):
        shipped = rma.rma_ship_replacement(rma=report, actor=staff, tracking_number="6A123")
    spare.refresh_from_db()
    assert (shipped.status, shipped.replacement, spare.state) == (
        RmaStatus.SHIPPED,
        spare,
        ItemState.SHIPPED,
    )
    assert (spare.client, spare.site, spare.delivered_on) == (
        tenant.client,
        tenant.site,
        item.delivered_on,
    )  # same warranty
    back = shipped.equipment_return
    assert (back.reason, back.due_date) == (ReturnReason.RMA, date(2026, 12, 28))
    # The defective item comes back (not working, as expected): the RMA is closed.
    returns.return_receive(line=back.lines.get(), working=False, actor=staff)
    shipped.refresh_from_db()
    assert shipped.status == RmaStatus.CLOSED
    assert Item.objects.get(pk=item.pk).state == ItemState.RETURNED


# EQP-4 (failure paths): a failure after the first photo is stored (here the audit record, the
# last step, raising) rolls the RMA back — and its photos' files too: none is left in the media
# folder without a row (personal data nobody can see, list or delete).
def test_a_failure_after_the_photos_leaves_no_file(tenant, settings, monkeypatch):
    from pathlib import Path

    from equipment.models import Rma, RmaPhoto

    item = _delivered_sale(tenant)

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(rma, "audit_record", broken)
    before = {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    with time_machine.travel("2026-06-01 10:00 +02:00", tick=False):
        with pytest.raises(RuntimeError):
            rma.rma_request(
                client=tenant.client,
                item=item,
                description="Plus de tonalité.",
                photos=[
                    SimpleUploadedFile("a.png", PNG, content_type="image/png"),
                    SimpleUploadedFile("b.png", PNG, content_type="image/png"),
                ],
                actor=tenant.members[Role.TECHNICAL].user,
            )
    assert not Rma.objects.exists() and not RmaPhoto.objects.exists()
    assert {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()} == before
