"""Partner API of payments and collection: payments (BIL-4), disputes (BIL-8), a customer's
balance and its prepaid ledger (BIL-10). Scoped to the partner's customers; every write calls
``payments.services``."""

from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import PartnerReadOnlyViewSet, PartnerScopedViewSetMixin
from accounts.models import Client
from billing.api.views import LookupBeforeRefusingMixin
from kernel.clock import paris_today
from kernel.parsers import PARSERS
from payments import selectors
from payments.api.filtersets import DisputeFilterSet, PaymentFilterSet, PrepaidEntryFilterSet
from payments.api.serializers import (
    BalanceSerializer,
    DisputeCreateSerializer,
    DisputeSerializer,
    PaymentSerializer,
    PrepaidEntrySerializer,
)
from payments.models import Allocation, Dispute, Payment, PrepaidEntry
from payments.services.disputes import dispute_open


class PaymentViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """BIL-4: the payments received from the partner's customers and, partner-billed, the
    partner's own payments of its monthly invoices, with the invoices each settled. Read-only:
    payments are recorded by staff, by direct-debit batches and by the prepaid ledger."""

    queryset = Payment.objects.prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("invoice")), "refunds"
    )
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilterSet
    ordering_fields = ["received_on", "amount", "created_at"]
    ordering = ["-received_on", "-id"]

    def scope(self, queryset, partner):
        """ACC-3: a payment has one of two payers, as an invoice has one of two buyers
        (``InvoiceViewSet``): the partner's customers, and the partner itself paying its own
        monthly invoices. Another partner's, and its customers', are not in it: 404."""
        clients = Client.objects.filter(partner=partner).values("pk")
        return queryset.filter(Q(client__in=clients) | Q(partner=partner))


class DisputeViewSet(
    LookupBeforeRefusingMixin,
    PartnerScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """BIL-8: the disputes of the partner's customers' invoices and of its own monthly invoices
    (partner-billed, PLATFORM 12.6). ``POST`` opens one while today ≤ the invoice's issue date
    + 60 days; a decision is staff's (accepted: a credit note to the invoice's buyer; rejected:
    due again)."""

    queryset = Dispute.objects.select_related("invoice", "credit_note").prefetch_related(
        "documents"
    )
    serializer_class = DisputeSerializer
    filterset_class = DisputeFilterSet
    parser_classes = PARSERS
    ordering_fields = ["opened_at", "amount"]
    ordering = ["-opened_at", "-id"]

    def scope(self, queryset, partner):
        """ACC-3: a dispute has one of two buyers, as an invoice does (``InvoiceViewSet``): the
        disputes of the partner's customers and those of its own monthly invoices. Another
        partner's, and its customers', are not in it: 404."""
        clients = Client.objects.filter(partner=partner).values("pk")
        return queryset.filter(Q(client__in=clients) | Q(partner=partner))

    @extend_schema(
        request={
            "application/json": DisputeCreateSerializer,
            "multipart/form-data": DisputeCreateSerializer,
        },
        responses={201: DisputeSerializer},
        summary="Dispute part of an invoice (BIL-8)",
        description="An invoice of one of your customers, or your own monthly invoice "
        "(partner-billed, PLATFORM 12.6), while today ≤ its issue date + 60 days: the amount "
        "disputed (incl. VAT), the reason and supporting documents. The rest stays due.",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = DisputeCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        dispute = dispute_open(
            invoice=data["invoice"],
            amount=data["amount"],
            reason=data["reason"],
            documents=data.get("documents") or (),
            api_key=self.api_key,
        )
        dispute = self.get_queryset().get(pk=dispute.pk)
        return Response(self.get_serializer(dispute).data, status=status.HTTP_201_CREATED)


class CustomerBalanceViewSet(PartnerScopedViewSetMixin, viewsets.GenericViewSet):
    """BIL-4, BIL-8, BIL-10: what one of the partner's customers owes today."""

    queryset = Client.objects.all()
    serializer_class = BalanceSerializer
    partner_lookup = "partner"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", int, OpenApiParameter.PATH, description="The id of one of your customers."
            )
        ],
        responses={200: BalanceSerializer},
        summary="A customer's balance (BIL-4, BIL-10)",
        description="Due (undisputed, left to pay), overdue, disputed, the prepaid balance and "
        "the open invoices with their open amounts. Only the customer's own invoices count: "
        "a partner-billed partner's customers are invoiced through the partner (ACC-3).",
    )
    def retrieve(self, request, pk=None):
        client = self.get_object()
        today = paris_today()
        summary = selectors.account_summary(client, today)
        data = {
            "client": client.pk,
            "today": today,
            "due": summary.due,
            "overdue": summary.overdue,
            "disputed": summary.disputed,
            "prepaid": summary.prepaid,
            "credit": summary.credit,
            "open_invoices": summary.open_invoices,
        }
        context = {**self.get_serializer_context(), "today": today}
        return Response(BalanceSerializer(data, context=context).data)


class PrepaidEntryViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """BIL-10: the prepaid ledgers of the partner's customers (append-only)."""

    queryset = PrepaidEntry.objects.select_related("account")
    serializer_class = PrepaidEntrySerializer
    filterset_class = PrepaidEntryFilterSet
    partner_lookup = "account__client__partner"
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]
