"""SLA-6, SLA-10: the availability chart's bars carry their value as a percentage."""

import re

import pytest
import time_machine
from django.urls import reverse

from accounts.choices import Role
from tests.offers.factories import make_contract
from tests.support.factories import incident, paris

pytestmark = pytest.mark.django_db

TODAY = paris(2026, 11, 20, 10)  # November 2026 is the month in progress


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.BILLING_RENDER_PDF = False


# SLA-6 — the value above each bar of the chart read « 99,791 » with no unit (the axis and the
# table say « 99,791 % »): a figure that could be minutes or euros. A failure notified at 08:00
# and restored at 09:30 today counts 90 min: 100 × (43 200 − 90) / 43 200 = 99,7916… → 99,791
# (3 decimals, truncated); the bar now reads « 99,791 % » (no-break space before %).
def test_chart_bar_label_reads_as_a_percentage(as_role, tenant):
    contract = make_contract(tenant.client, "hosted-a")
    with time_machine.travel(TODAY, tick=False):
        incident(contract, paris(2026, 11, 20, 8), paris(2026, 11, 20, 9, 30))
        page = as_role(Role.READ_ONLY).get(
            reverse("support:availability_contract", args=[contract.pk])
        )
    html = page.content.decode()
    labels = re.findall(r'<text [^>]*class="sup-value[^"]*">([^<]*)</text>', html)
    assert "99,791\u00a0%" in labels, labels
    assert all(label == "—" or label.endswith("\u00a0%") for label in labels), labels
