"""Audit of what the trunk pages say about a pending decrease once channels were added on top
of it (TRK-3 over TRK-4)."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.choices import Role
from tests.factories import MembershipFactory
from tests.telephony.factories import customer, make_trunk, top_up
from tests.telephony.test_views import page_of, paris, text_of

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


# TRK-4 / TRK-5 — 12 channels (10 + 2×1); a decrease to 8 asked on 2026-11-05 removes 4; then 4
# channels are added and paid on 2026-11-21 (16 held). The renewal of 1 December removes the 4
# asked: 16 − 4 = 12 channels (10 + 2×1, 49.00). The pages said « from 01/12/2026 the trunk has
# 8 channels » (and « Decrease to 8 channels », « Cancel the decrease to 8 channels »): the
# customer expected 8 channels and 34.00 a month and got 12 and 49.00.
def test_trk4_pages_tell_the_channels_after_the_renewal_when_channels_were_added_since(client):
    from telephony import services

    acme = customer(legal_name="Acme SAS")
    trunk = make_trunk(acme, channels=12, start=date(2026, 10, 1), renew_to=NOV)
    top_up(acme, "50.00")
    decrease = services.channel_decrease_request(trunk=trunk, new_total=8, today=date(2026, 11, 5))
    order = services.channel_order_create(trunk=trunk, add=4, today=date(2026, 11, 21))
    services.channel_order_pay(order=order, method="prepaid", today=date(2026, 11, 21))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(MembershipFactory(client=acme, role=Role.ADMIN).user)
    with paris(date(2026, 11, 22)):
        detail = text_of(page_of(client.get(reverse("telephony:trunk", args=[trunk.pk]))))
        index = text_of(page_of(client.get(reverse("telephony:index"))))
        cancel = text_of(
            page_of(client.get(reverse("telephony:decrease_cancel", args=[decrease.pk])))
        )
        error = text_of(
            page_of(client.get(reverse("telephony:trunk_quote", args=[trunk.pk]), {"total": 10}))
        )
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
        detail_fr = text_of(page_of(client.get(reverse("telephony:trunk", args=[trunk.pk]))))
    assert "from 01/12/2026 the trunk has 12 channels (4 fewer than today)" in detail
    assert "has 8 channels" not in detail
    assert "Decrease to 12 channels on 01/12/2026" in index
    assert "Cancel the decrease to 12 channels planned for" in cancel
    assert "A decrease to 12 channels is already pending" in error
    assert (
        "à partir du 01/12/2026, le trunk comptera 12 canaux (4 de moins qu'aujourd'hui)"
        in detail_fr
    )
