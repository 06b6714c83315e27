"""Partner API of usage (reads): the rated calls of the partner's customers, newest first with
cursor pagination (stable under inserts, cheap at any depth: the index (client, started_at,
id)), filtered by customer, dates, month, call type or account; and the consumption summary of
one customer for a month. CDR upload is ``usage.api.upload`` (ucore)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from accounts.api.viewsets import PartnerReadOnlyViewSet
from billing.api.views import LookupBeforeRefusingMixin
from kernel.inputs import parse_month
from usage import selectors
from usage.api.filtersets import CallFilterSet
from usage.api.serializers import CallSerializer, SummarySerializer
from usage.models import CallRecord


class CallCursorPagination(CursorPagination):
    ordering = ("-started_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = _("Invalid cursor: use the next or previous link of a page.")

    def decode_cursor(self, request):
        """A cursor that does not decode is bad input (400 on the ``cursor`` field), not a
        missing page (DRF answers 404)."""
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise serializers.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


class SummaryQuery(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    month = serializers.CharField(required=False, max_length=7)

    def validate_month(self, value):
        from django.core.exceptions import ValidationError

        try:
            return parse_month(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class CallViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """Rated calls (USE-1..4) of the partner's customers."""

    queryset = CallRecord.objects.all()
    serializer_class = CallSerializer
    filterset_class = CallFilterSet
    pagination_class = CallCursorPagination
    partner_lookup = "client__partner"
    filter_backends = [
        b for b in PartnerReadOnlyViewSet.filter_backends if "Ordering" not in b.__name__
    ]

    @extend_schema(
        parameters=[
            OpenApiParameter("customer", int, required=True),
            OpenApiParameter("month", str, description="YYYY-MM (default: the current month)"),
        ],
        responses={200: SummarySerializer},
        summary="Consumption summary of a customer for a month",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        query = SummaryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        client = self.partner.clients.filter(pk=query.validated_data["customer"]).first()
        if client is None:
            raise serializers.ValidationError({"customer": [_("Unknown customer.")]})
        month = query.validated_data.get("month") or selectors.current_month()
        summary = selectors.consumption_summary(client=client, month=month)
        data = {
            "customer": client.pk,
            "month": month.strftime("%Y-%m"),
            "total": summary.total,
            "by_destination": summary.by_class,
            "by_account": summary.accounts,
            "by_day": [{"day": d, "amount": a, "calls": n} for d, a, n in summary.days],
        }
        return Response(SummarySerializer(data).data)
