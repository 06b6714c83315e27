"""Partner API of support (SLA-1, SLA-5, SLA-10). Every write calls ``support.services`` with
the partner's API key; scoping to the partner lives in the base viewset."""

from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import (
    IDEMPOTENCY_KEY_PARAMETER,
    idempotent,
    idempotent_response,
)
from accounts.api.viewsets import (
    LookupBeforeRefusingMixin,
    PartnerModelViewSet,
    PartnerReadOnlyViewSet,
)
from kernel.parsers import PARSERS
from offers.api.serializers import CommandErrorSerializer
from offers.models import Contract
from support import selectors
from support.api.filtersets import (
    AvailabilityReportFilterSet,
    OutageFilterSet,
    TicketFilterSet,
)
from support.api.serializers import (
    AvailabilityReportSerializer,
    OutageSerializer,
    TicketCreateSerializer,
    TicketMessageCreateSerializer,
    TicketMessageSerializer,
    TicketSerializer,
)
from support.choices import TicketSource
from support.models import AvailabilityReport, Outage, OutageAnnouncement, Ticket
from support.services.attachments import ALLOWED_ATTACHMENTS
from support.services.credits import credit_request
from support.services.replies import ticket_reply
from support.services.tickets import ticket_open

CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The state does not allow it. Codes: invalid_transition, ticket_closed, no_credit, "
        "not_applicable."
    ),
)
ATTACHMENT_TYPES = sorted({content_type for content_type, _check in ALLOWED_ATTACHMENTS.values()})


class TicketViewSet(LookupBeforeRefusingMixin, PartnerModelViewSet):
    """SLA-1: the tickets of the partner's customers. ``POST`` opens one for a customer (a
    question, or a failure notification of one of its contracts); messages are read and added
    under ``/tickets/{id}/messages/``. Tickets never change by ``PATCH``."""

    queryset = Ticket.objects.select_related("contract")
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    partner_lookup = "client__partner"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["reported_at", "intervention_deadline", "status", "number"]
    ordering = ["-reported_at", "-id"]

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = TicketCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        ticket = ticket_open(
            client=data["customer"],
            kind=data["kind"],
            subject=data["subject"],
            body=data["body"],
            contract=data.get("contract"),
            detected_at=data.get("detected_at"),
            source=TicketSource.API,
            api_key=self.api_key,
        )
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(self.get_serializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        responses={200: TicketMessageSerializer(many=True)},
        summary="The ticket's messages",
        description="Oldest first; support's internal notes are never listed.",
    )
    @extend_schema(
        methods=["POST"],
        request={
            "application/json": TicketMessageCreateSerializer,
            "multipart/form-data": TicketMessageCreateSerializer,
        },
        responses={201: TicketMessageSerializer, 409: CONFLICT},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Answer the ticket",
        description="An answer to a ticket waiting for the customer, or to a resolved one, "
        "puts it back in progress. A closed ticket takes no message (409).",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=PARSERS,
        pagination_class=None,
        filterset_class=None,
        # Oldest first, always: no filter backend, so no ``ordering`` to take (a 400, as on
        # every list for a parameter it does not read).
        filter_backends=[],
    )
    def messages(self, request, pk=None):
        ticket = self.get_object()
        if request.method == "POST":
            return idempotent_response(request, lambda: self._answer(request, ticket))
        messages = selectors.public_messages().filter(ticket=ticket).select_related("ticket")
        return Response(
            TicketMessageSerializer(messages, many=True, context=self.get_serializer_context()).data
        )

    def _answer(self, request, ticket):
        """A message of the partner on ``ticket`` (``messages``' POST)."""
        payload = TicketMessageCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        message = ticket_reply(
            ticket=ticket,
            body=payload.validated_data["body"],
            attachments=payload.validated_data["attachments"],
            api_key=self.api_key,
        )
        message = selectors.public_messages().get(pk=message.pk)
        return Response(
            TicketMessageSerializer(message, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="A file attached to the ticket",
        parameters=[
            OpenApiParameter(
                "attachment_pk",
                OpenApiTypes.INT,
                OpenApiParameter.PATH,
                description="The id of a file attached to one of the ticket's messages.",
            )
        ],
        # The file with the type it was accepted as (support.services.attachments).
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file, as it was sent.")
            )
            for content_type in ATTACHMENT_TYPES
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>\d+)",
        url_name="attachment",
        filterset_class=None,
    )
    def attachment(self, request, pk=None, attachment_pk=None):
        ticket = self.get_object()
        try:
            attachment = selectors.attachment_get(client=ticket.client, pk=int(attachment_pk))
        except Http404 as error:
            raise exceptions.NotFound() from error
        if attachment.message.ticket_id != ticket.pk:
            raise exceptions.NotFound()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as error:  # lost on the disk: as the portal, 404
            raise exceptions.NotFound() from error
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


class OutageViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """SLA-5: the outages affecting the partner's customers' contracts (never support's
    internal notes)."""

    queryset = Outage.objects.all()
    serializer_class = OutageSerializer
    filterset_class = OutageFilterSet
    ordering_fields = ["started_at", "ended_at"]
    ordering = ["-started_at", "-id"]

    def scope(self, queryset, partner):
        """An outage has no owner: it is the partner's when it affects one of its customers'
        contracts — listed, or all contracts of the outage's offer. Another partner's outage
        is not in it, so it answers 404."""
        contracts = Contract.objects.filter(client__partner=partner)
        return (
            selectors.outages_affecting(contracts, queryset)
            .select_related("offer")
            .prefetch_related(
                Prefetch("announcements", queryset=OutageAnnouncement.objects.order_by("sent_at")),
            )
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._with_contract_ids(page)
        return page

    def get_object(self):
        outage = super().get_object()
        self._with_contract_ids([outage])
        return outage

    def _with_contract_ids(self, outages) -> None:
        """The ids of the partner's contracts each outage names, newest first, read from the
        link table in one query (a prefetch made a contract object per id: 400 a page)."""
        ids = {outage.pk: [] for outage in outages}
        links = (
            Outage.contracts.through.objects.filter(
                outage_id__in=ids, contract__client__partner=self.partner
            )
            .order_by("-contract__created_at", "-contract_id")
            .values_list("outage_id", "contract_id")
        )
        for outage_id, contract_id in links:
            ids[outage_id].append(contract_id)
        for outage in outages:
            outage.partner_contract_ids = ids[outage.pk]


class AvailabilityReportViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """SLA-6..10: the monthly availability reports of the partner's customers' contracts,
    computed on the 1st of each month for the month before, and the credit request."""

    queryset = AvailabilityReport.objects.select_related("contract", "credit_note")
    serializer_class = AvailabilityReportSerializer
    filterset_class = AvailabilityReportFilterSet
    partner_lookup = "contract__client__partner"
    ordering_fields = ["month", "availability", "credit_amount"]
    ordering = ["-month", "-id"]

    @extend_schema(
        request=None,
        responses={200: AvailabilityReportSerializer, 409: CONFLICT},
        summary="Request the credit (SLA-10)",
        description="One call asks for the month's credit; staff approve it (capped at 20 % "
        "of the base over 30 days, SLA-8) and it becomes a credit note deducted from the next "
        "invoice, or refuse it with a reason.",
    )
    @action(detail=True, methods=["post"], url_path="request", url_name="request")
    def request_credit(self, request, pk=None):
        report = self.get_object()
        with transaction.atomic():
            report = credit_request(report=report, api_key=self.api_key)
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data)
