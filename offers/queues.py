"""Offers' staff work queue (issue 17, ``kernel.queues``): price-change refusals and objections
(CON-6) still counting, the nearest effective date first: each one is a termination without fee
and a contract that keeps its old price."""

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.money import money, price_places
from kernel.queues import QueueItem, Team, end_of_paris_day, register
from offers.choices import PriceChangeResponse, TerminationStatus
from offers.price_change_models import PriceChangeNotice


def _change_text(change) -> str:
    """« Hébergé A → 49,00 € HT à partir du 01/01/2027 », in the page's language."""
    price = change.new_monthly_price
    return gettext("%(product)s → %(price)s excl. VAT from %(date)s") % {
        "product": change.product,
        "price": money(price, price_places(price)),
        "date": date_format(change.effective_date, "SHORT_DATE_FORMAT"),
    }


def price_change_refusals(*, partner_id=None):
    notices = (
        PriceChangeNotice.objects.exclude(response=PriceChangeResponse.NONE)
        .filter(withdrawn_at__isnull=True, termination__status=TerminationStatus.SCHEDULED)
        .select_related("contract__client", "contract__offer", "price_change__product")
    )
    if partner_id is not None:
        notices = notices.filter(contract__client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=notice.pk,
            title=f"{notice.contract} — {notice.get_response_display()}",
            client=notice.contract.client,
            created_at=notice.responded_at or notice.notified_at,
            deadline=end_of_paris_day(notice.price_change.effective_date),
            detail=_change_text(notice.price_change),
            url=reverse("admin:offers_pricechangenotice_change", args=[notice.pk]),
        )
        for notice in notices
    ]


register(
    "offers.price_change_refusals",
    label=_("Price-change refusals"),
    team=Team.BILLING,
    fetch=price_change_refusals,
    order=80,
)
