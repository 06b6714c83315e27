"""Audit of numbers and portability (NUM-1..4): cases no other test showed."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from numbering.choices import PortStatus, RejectionReason
from numbering.models import PortRequest
from numbering.services import porting
from tests.numbering.test_porting import _create, _rio
from tests.offers.factories import make_contract
from tests.support.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return make_contract(tenant.client, "hosted-w")


# NUM-3 — the desired date is from today to a year ahead when the request leaves, not only when
# it was typed: a request rejected on 2026-03-10 (holder mismatch) for Monday 2026-03-16 and
# relaunched as it is on 2026-03-20 would reach the operator asking for a day gone by. The
# relaunch is refused with a 400 on desired_date (the request stays rejected) until the date
# is fixed; fixed to 2026-04-01, it is relaunched.
def test_relaunch_with_a_desired_date_gone_by_is_refused(api, tenant, contract):
    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 16), submit=True)
    with time_machine.travel("2026-03-10 10:00 +01:00", tick=False):
        porting.port_request_reject(
            request=request, reason=RejectionReason.HOLDER_MISMATCH, actor=make_staff()
        )
    relaunch = reverse("api:port-request-relaunch", args=[request.pk])
    with time_machine.travel("2026-03-20 10:00 +01:00", tick=False):
        response = api.post(relaunch, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, response.content
        assert "desired_date" in response.json()["error"]["fields"]
        request.refresh_from_db()
        assert request.status == PortStatus.REJECTED
        detail = reverse("api:port-request-detail", args=[request.pk])
        assert api.patch(detail, {"desired_date": "2026-04-01"}, format="json").status_code == 200
        assert api.post(relaunch).json()["status"] == "submitted"


# NUM-3 — the same for a draft saved on 2026-03-02 for 2026-03-16 and sent from the portal on
# 2026-03-20: refused, the request stays a draft, the page says why.
def test_draft_sent_after_its_desired_date_is_refused(client, tenant, contract):
    from accounts.choices import Role
    from tests.conftest import login

    lines = [{"number": "0172700012", "rio": _rio("02FAB1234", "0172700012")}]
    with time_machine.travel("2026-03-02 10:00 +01:00", tick=False):
        request = _create(tenant, contract, lines, desired_date=date(2026, 3, 16))
    login(client, tenant.members[Role.TECHNICAL])
    with time_machine.travel("2026-03-20 10:00 +01:00", tick=False):
        response = client.post(reverse("numbering:port_submit", args=[request.pk]), follow=True)
    assert PortRequest.objects.get(pk=request.pk).status == PortStatus.DRAFT
    assert "La date souhaitée 16/03/2026 est passée" in response.content.decode()
