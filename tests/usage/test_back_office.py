"""Back office of the money side: penalties (USE-7) added with evidence through the service,
breaches waived by an action with confirmation (USE-4), quality and limits listed; the staff
work queue of open breaches."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from kernel.queues import REGISTRY
from tests.conftest import admin_confirmation
from tests.offers.factories import make_contract
from tests.telephony.factories import customer, make_sip_account
from tests.usage.money_helpers import OCT
from usage.choices import BreachStatus
from usage.models import FairUseBreach, Penalty

pytestmark = pytest.mark.django_db


# USE-7 — the form computes nothing itself: 2 consumer complaints = 2 × 200 = 400.00 €.
def test_penalty_added_with_evidence(staff):
    target = customer()
    make_contract(target, "platform")  # PLATFORM 27: the contract stating the penalties
    url = reverse("admin:usage_penalty_add")
    assert staff.get(url).status_code == 200
    response = staff.post(
        url,
        {
            "client": target.pk,
            "kind": "consumer_complaint",
            "occurred_on": "2026-10-12",
            "quantity": "2",
            "evidence_note": "Plaintes DGCCRF n° 77 et 78",
            "evidence": SimpleUploadedFile("plainte.pdf", b"%PDF-1.4 test"),
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    penalty = Penalty.objects.get()
    assert (penalty.amount, penalty.created_by.is_superuser) == (Decimal("400.00"), True)
    assert penalty.evidence.name.endswith(".pdf")
    for name in ("penalty", "qualityhour", "limitbreach", "fairusebreach", "consumptionalert"):
        assert staff.get(reverse(f"admin:usage_{name}_changelist")).status_code == 200


# USE-7 — the penalty drop-down wrote « Manquement à une décision du régulateur — 10000.00 € »
# on the French back office, and its labels stayed French on the English one (built once, at
# import). Now in the page's language and format: « 10 000,00 € », « 10,000.00 € ».
def test_penalty_choices_in_the_pages_language(staff):
    url = reverse("admin:usage_penalty_add")
    french = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = staff.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Manquement à une décision du régulateur — 10\u00a0000,00\u00a0€" in french
    assert "10000.00" not in french
    assert "Breach of a regulator&#x27;s decision — 10,000.00\u00a0€" in english
    assert "Consumer complaint — 200.00\u00a0€" in english


# USE-4 — the console's queue says why in words, as the breach's own page does: it showed the
# stored code (« devices », « distinct_numbers ») under each breach.
def test_breach_queue_names_the_reasons_in_words():
    target = customer()
    account, _secret = make_sip_account(target, offer_code="hosted-w")
    FairUseBreach.objects.create(
        client=target, sip_account=account, month=OCT, plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}, {"code": "mobility", "value": True}],
        detected_at=timezone.now(),
    )  # fmt: skip
    with translation.override("fr"):
        (item,) = REGISTRY["usage.breaches"].items()
        assert item.detail == (
            "Plus de 3 équipements enregistrés en même temps (4 / 3), Identifiants de mobilité"
        )


# USE-4 — the open breach is in the billing team's queue; the waive action asks for a reason
# and a confirmation, then waives (nothing invoiced yet: no credit note).
def test_breach_queue_and_waive_action(staff, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    target = customer()
    account, _secret = make_sip_account(target, offer_code="hosted-w")
    breach = FairUseBreach.objects.create(
        client=target,
        sip_account=account,
        month=OCT,
        plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}],
        detected_at=timezone.now(),
    )
    items = REGISTRY["usage.breaches"].items()
    assert [item.pk for item in items] == [breach.pk]
    assert items[0].deadline.date() == date(2026, 11, 1)  # end of 31/10, Paris
    url = reverse("admin:usage_fairusebreach_changelist")
    # the list names the month and the plan as people read them
    row = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "octobre 2026" in row and "1er octobre 2026" not in row
    assert "Illimité hébergé (par utilisateur)" in row and ">hosted_w<" not in row
    # its own page says why in words, not as the stored JSON
    detail = staff.get(
        reverse("admin:usage_fairusebreach_change", args=[breach.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert '"code"' not in detail and "&quot;code&quot;" not in detail
    assert "(4 / 3)" in detail and "octobre 2026" in detail and "1er octobre" not in detail
    page = staff.post(url, {"action": "waive", "_selected_action": [breach.pk]})
    assert page.status_code == 200 and breach.status == BreachStatus.OPEN
    page = staff.post(
        url,
        {
            "action": "waive",
            "_selected_action": [breach.pk],
            "apply": "1",
            "note": "Terminal fourni par nos soins",
        },
    )
    staff.post(url, admin_confirmation(page.content.decode()))
    breach.refresh_from_db()
    assert breach.status == BreachStatus.WAIVED
    assert REGISTRY["usage.breaches"].items() == []


# USE-6 — the quality hours read as French numbers (ASR 40,0 %, ACD 5,0 s, 1,08 €) in Paris
# time ("hours as UTC hours, shown in Paris time"), and staff
# can keep the hours that cost a penalty: 30 attempts, 12 answered of 5 s = ASR 12/30 = 40 %
# → 30 × 0.02 = 0.60; ACD 5 s → 12 × 0.02 = 0.24; short calls 100 % → 0.24; 1.08 € in all.
def test_quality_hours_in_french_and_the_penalised_ones(staff):
    from datetime import UTC, datetime

    from usage.models import QualityHour
    from usage.services.quality import penalties_for

    target = customer()
    penalty = penalties_for(30, 12, 60, 12)
    bad = QualityHour.objects.create(
        client=target, hour=datetime(2026, 10, 6, 11, tzinfo=UTC), month=OCT, attempts=30,
        answered=12, answered_seconds=60, short_calls=12, asr_penalty=penalty["asr"],
        acd_penalty=penalty["acd"], short_penalty=penalty["short"],
    )  # fmt: skip
    QualityHour.objects.create(
        client=target, hour=datetime(2026, 10, 6, 12, tzinfo=UTC), month=OCT, attempts=4,
        answered=4, answered_seconds=480, short_calls=0,
    )  # fmt: skip
    url = reverse("admin:usage_qualityhour_changelist")
    page = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "40,0\u00a0%" in page and "5,0\u00a0s" in page and "1,08\u00a0€" in page
    assert "120,0\u00a0s" in page and "40.0" not in page
    # the UTC hour 11:00 of 6 October is 13h–14h in Paris (summer time), under a Paris label
    assert "6 octobre 2026, 13h–14h" in page and "heure (heure de paris)" in page.lower()
    assert "(UTC)" not in page
    penalised = staff.get(url, {"penalised": "yes"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert [row.pk for row in penalised.context["cl"].result_list] == [bad.pk]
    clean = staff.get(url, {"penalised": "no"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert [row.attempts for row in clean.context["cl"].result_list] == [4]


# The month filters of the back office's usage lists name the months ("novembre 2026"), the
# current one first and twelve before it (calls are kept 12 months, PLATFORM 6.7), instead of
# Django's date choices ("Aujourd'hui", "Les 7 derniers jours") that mean nothing for a month.
def test_month_filter_lists_months_by_name(staff):
    import time_machine

    target = customer()
    account, _secret = make_sip_account(target, offer_code="hosted-w")
    FairUseBreach.objects.create(
        client=target, sip_account=account, month=OCT, plan="hosted_w",
        reasons=[{"code": "devices", "value": 4, "limit": 3}], detected_at=timezone.now(),
    )  # fmt: skip
    url = reverse("admin:usage_fairusebreach_changelist")
    with time_machine.travel(date(2026, 12, 4), tick=False):
        page = staff.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "décembre 2026" in page and "décembre 2025" in page
        assert "novembre 2025" not in page and "Aujourd’hui" not in page
        assert "Aujourd'hui" not in page
        october = staff.get(url, {"month": "2026-10"}, HTTP_ACCEPT_LANGUAGE="fr")
        november = staff.get(url, {"month": "2026-11"}, HTTP_ACCEPT_LANGUAGE="fr")
        assert october.context["cl"].result_count == 1
        assert november.context["cl"].result_count == 0
        # a month older than the list, given in the address, is listed and chosen
        old = staff.get(url, {"month": "2024-03"}, HTTP_ACCEPT_LANGUAGE="fr")
        assert "mars 2024" in old.content.decode() and old.context["cl"].result_count == 0
        # not a month: no row, no error page
        wrong = staff.get(url, {"month": "2026-13"}, HTTP_ACCEPT_LANGUAGE="fr")
        assert wrong.status_code == 200 and wrong.context["cl"].result_count == 0
        # with the counts Django's facets show
        faceted = staff.get(url, {"_facets": "True"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "octobre 2026 (1)" in faceted and "novembre 2026 (0)" in faceted


# USE-6 — the night the clocks go back (25/10/2026, 03h CEST → 02h CET), the UTC hours 00h and
# 01h are both 02h–03h in Paris: each says which, else the back office (and the invoice lines)
# show the same hour twice; the hours around them read as usual.
def test_hours_of_the_night_the_clocks_go_back_say_which():
    from datetime import UTC, datetime

    from django.utils import translation

    from kernel.templatetags.hours import hour_slot

    with translation.override("fr"):
        slots = [hour_slot(datetime(2026, 10, 24, h, tzinfo=UTC)) for h in (23,)]
        slots += [hour_slot(datetime(2026, 10, 25, h, tzinfo=UTC)) for h in (0, 1, 2)]
        spring = hour_slot(datetime(2026, 3, 29, 0, tzinfo=UTC))
    assert slots == [
        "25 octobre 2026, 01h–02h",
        "25 octobre 2026, 02h–03h, heure d'été",
        "25 octobre 2026, 02h–03h, heure d'hiver",
        "25 octobre 2026, 03h–04h",
    ]
    assert spring == "29 mars 2026, 01h–02h"  # then 03h: the clocks jumped from 02h


# USE-7 — the back office confirmed a penalty of 10 000 € with « Pénalité de 10000.00 €
# enregistrée. » (a raw Decimal in a French sentence); now « Pénalité de 10 000,00 € enregistrée. »
def test_penalty_recorded_message_in_french_figures(staff):
    target = customer()
    make_contract(target, "platform")
    response = staff.post(
        reverse("admin:usage_penalty_add"),
        {
            "client": target.pk,
            "kind": "regulator",
            "occurred_on": "2026-10-12",
            "quantity": "1",
            "evidence_note": "Décision ARCEP n° 2026-1234",
            "confirm": "on",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    text = response.content.decode().replace("\u202f", " ").replace("\u00a0", " ")
    assert "Pénalité de 10 000,00 € enregistrée." in text
    assert "10000.00" not in text


# USE-7, BIL-9 — cancelling penalties moves money: a regulator breach (10 000.00 €) invoiced
# on October's penalty invoice is credited by a credit note of 10 000.00 €; a consumer
# complaint (200.00 €) not invoiced yet is withdrawn. Before, the page asking for the reason
# named « Manquement à une décision du régulateur — Acme » and said « an invoiced one is
# credited », without an amount; now it says what each cancellation credits or withdraws, and
# on which invoice, before anything moves (and nothing has moved).
def test_penalty_cancel_page_shows_what_it_credits(staff):
    from billing import services as billing
    from billing.models import Invoice
    from kernel.money import money_number
    from usage.money_choices import PenaltyKind
    from usage.services import penalties

    target = customer()
    make_contract(target, "platform", signature=date(2026, 9, 1), service_start=date(2026, 9, 1))
    regulator = penalties.penalty_record(
        client=target, kind=PenaltyKind.REGULATOR, occurred_on=date(2026, 10, 12),
        evidence_note="Décision ARCEP n° 2026-1234",
    )  # fmt: skip
    billing.run_month_sync(month=OCT)
    invoice = Invoice.objects.get(client=target, month=OCT, purpose="late_charges")
    complaint = penalties.penalty_record(
        client=target, kind=PenaltyKind.CONSUMER_COMPLAINT, occurred_on=date(2026, 11, 3),
        evidence_note="Plainte DGCCRF n° 42",
    )  # fmt: skip
    url = reverse("admin:usage_penalty_changelist")
    page = staff.post(
        url,
        {"action": "cancel", "_selected_action": [regulator.pk, complaint.pk]},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()
    with translation.override("fr"):
        credited, withdrawn = money_number(Decimal("10000.00")), money_number(Decimal("200.00"))
    assert f"avoir de {credited}\u00a0€ sur la facture {invoice.number}" in page
    assert f"{withdrawn}\u00a0€ retirés avant facturation, sans avoir" in page
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert set(Penalty.objects.values_list("status", flat=True)) == {"posted"}
    # the reason given, a confirmation states it first — a credit note of 10 000.00 € HT, VAT
    # 0.00 (outside the scope of VAT, O), 10 000.00 € TTC on the penalty invoice; 200.00 €
    # withdrawn —, nothing moved before « Confirm »; its confirmation cancels once
    page = staff.post(
        url,
        {"action": "cancel", "_selected_action": [regulator.pk, complaint.pk], "apply": "1",
         "reason": "Recours gagné"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()  # fmt: skip
    assert "Confirm cancelling 2 penalties: 10,000.00\xa0€ incl. VAT credited?" in page
    assert "0.00\xa0€ (O 0%)" in page and invoice.number in page and target.legal_name in page
    assert "Nothing invoiced yet: 200.00\xa0€ withdrawn, no credit note." in page
    assert set(Penalty.objects.values_list("status", flat=True)) == {"posted"}
    for _twice in range(2):
        staff.post(url, admin_confirmation(page), HTTP_ACCEPT_LANGUAGE="en")
    assert set(Penalty.objects.values_list("status", flat=True)) == {"cancelled"}
    [note] = Invoice.objects.filter(kind="credit_note")
    assert (note.total_net, note.total_gross) == (Decimal("10000.00"), Decimal("10000.00"))
