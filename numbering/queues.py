"""Numbering's staff work queue (issue 17, ``kernel.queues``): port-in requests waiting on
staff (NUM-3): submitted ones to accept or reject, accepted ones to complete on their date."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.queues import QueueItem, Team, end_of_paris_day, register
from numbering.choices import PortStatus
from numbering.models import PortRequest


def port_requests_for_staff(*, partner_id=None):
    requests = PortRequest.objects.filter(
        status__in=[PortStatus.SUBMITTED, PortStatus.ACCEPTED]
    ).select_related("client")
    if partner_id is not None:
        requests = requests.filter(client__partner_id=partner_id)
    return [
        QueueItem.of(
            pk=port.pk,
            title=f"{port.reference} — {port.current_operator}",
            client=port.client,
            created_at=port.created_at,
            deadline=end_of_paris_day(port.scheduled_date or port.desired_date),
            detail=port.get_status_display(),
            url=reverse("admin:numbering_portrequest_change", args=[port.pk]),
        )
        for port in requests
    ]


register(
    "numbering.port_requests",
    label=_("Port requests"),
    team=Team.SUPPORT,
    fetch=port_requests_for_staff,
    order=90,
)
