"""The contract line commands of CON-2 in the partner API: a line's quantity changes (more
units at once, charged pro rata; fewer from the next period), their quote, and the
cancellation of a pending decrease. A mixin of ``ContractViewSet``.

- ``GET  /contracts/{id}/lines/{line_id}/quantity/``: the line's quantity changes;
- ``POST /contracts/{id}/lines/{line_id}/quantity/``: change it (honours ``Idempotency-Key``);
- ``POST /contracts/{id}/lines/{line_id}/quantity-quote/``: what it would do, nothing written;
- ``POST /contracts/{id}/lines/{line_id}/cancel-quantity-decrease/``.

Another partner's contract, or a line of another contract, is a 404; a quantity below 1 a 400
naming ``quantity``; a contract or line that cannot change now a 409 with a stable code.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from kernel.errors import InvalidTransition
from offers.api.quantity_serializers import (
    LineQuantityChangeSerializer,
    LineQuantityQuoteSerializer,
    LineQuantityRequestSerializer,
)
from offers.api.serializers import CommandErrorSerializer
from offers.choices import QuantityChangeStatus
from offers.models import ContractLine, LineQuantityChange
from offers.services.quantities import (
    line_quantity_change,
    line_quantity_decrease_cancel,
    line_quantity_quote,
)

LINE_ID = OpenApiParameter(
    "line_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The id of one of its lines."
)
QUANTITY_CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The line's quantity cannot change now. Codes: contract_not_active (draft, ordered, "
        "suspended, terminating or terminated), trunk_line (a trunk's channels change through "
        "channel orders), rental_line (an equipment rental changes with its equipment, EQP-3), "
        "line_not_in_service, decrease_pending (cancel it first), "
        "no_next_period, invalid_transition (no pending decrease, or too late to cancel it)."
    ),
)


class LineQuantityCommandsMixin:
    """CON-2: the quantity commands of a contract's lines (see the module docstring)."""

    def _line(self, line_id) -> ContractLine:
        contract = self.get_object()
        line = next((line for line in contract.lines.all() if str(line.pk) == str(line_id)), None)
        if line is None:
            raise Http404("No such line on this contract.")
        return line

    def _quantity(self, request) -> int:
        payload = LineQuantityRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data["quantity"]

    @extend_schema(
        methods=["GET"],
        parameters=[LINE_ID],
        request=None,
        filters=False,  # the line's own changes: neither filtered, ordered nor paginated
        responses={200: LineQuantityChangeSerializer(many=True)},
        summary="The quantity changes of a contract line (CON-2)",
        description="Newest first: increases (applied at once) and decreases (pending until "
        "the next period start, then applied, or cancelled). PLATFORM (28, 7.2.1): an increase "
        "asked is requested until we accept it (applied) or refuse it (refused, with "
        "decided_at and refusal_reason); the contract's termination, once recorded, refuses "
        "the increases still asked.",
    )
    @extend_schema(
        methods=["POST"],
        parameters=[LINE_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=LineQuantityRequestSerializer,
        responses={201: LineQuantityChangeSerializer, 409: QUANTITY_CONFLICT},
        summary="Change a contract line's quantity (CON-2)",
        description="More units: effective today; the added units are charged pro rata by days "
        "for the rest of the month (prorata_amount, with their setup fee) on the next invoice, "
        "and every following month is billed at the new quantity. PLATFORM (28, 7.2.1): more "
        "units are only asked (status requested, announced by the quantity_increase.requested "
        "webhook event): nothing changes nor is billed until we accept "
        "them — then as above from the day accepted — or refuse them (refused, with "
        "refusal_reason); the quantity_increase.accepted or quantity_increase.refused webhook "
        "event tells which. Fewer units: a pending decrease, effective at the contract's next "
        "period start, cancellable until then. Not for trunk lines (channel orders).",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path=r"lines/(?P<line_id>\d+)/quantity",
        pagination_class=None,  # the GET answers a plain list, as documented
    )
    def line_quantity(self, request, pk=None, line_id=None):
        if request.method == "GET":
            line = self._line(line_id)
            changes = LineQuantityChange.objects.filter(line=line).order_by("-created_at", "-id")
            return Response(LineQuantityChangeSerializer(changes, many=True).data)
        return self._change_quantity(request, pk=pk, line_id=line_id)

    @idempotent
    def _change_quantity(self, request, pk=None, line_id=None):
        line = self._line(line_id)
        change = line_quantity_change(
            line=line, quantity=self._quantity(request), api_key=self.api_key
        )
        return Response(LineQuantityChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[LINE_ID],
        request=LineQuantityRequestSerializer,
        responses={200: LineQuantityQuoteSerializer, 409: QUANTITY_CONFLICT},
        summary="Quote a change of a contract line's quantity (CON-2)",
        description="What the change would do today; nothing is written.",
    )
    @action(detail=True, methods=["post"], url_path=r"lines/(?P<line_id>\d+)/quantity-quote")
    def line_quantity_quote(self, request, pk=None, line_id=None):
        line = self._line(line_id)
        quote = line_quantity_quote(line=line, quantity=self._quantity(request))
        return Response(LineQuantityQuoteSerializer(quote).data)

    @extend_schema(
        parameters=[LINE_ID],
        request=None,
        responses={200: LineQuantityChangeSerializer, 409: QUANTITY_CONFLICT},
        summary="Cancel the pending decrease of a contract line (CON-2)",
        description="Possible until the decrease takes effect; the line keeps its quantity.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"lines/(?P<line_id>\d+)/cancel-quantity-decrease",
    )
    def cancel_line_quantity_decrease(self, request, pk=None, line_id=None):
        line = self._line(line_id)
        change = line.quantity_changes.filter(status=QuantityChangeStatus.PENDING).first()
        if change is None:
            raise InvalidTransition(
                _("No decrease of this line is pending."), code="invalid_transition"
            )
        change = line_quantity_decrease_cancel(change=change, api_key=self.api_key)
        return Response(LineQuantityChangeSerializer(change).data)
