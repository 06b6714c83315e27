"""Partner API of numbers: the partner's customers' numbers (NUM-2), the pool to choose from,
assignment (with ``Idempotency-Key``) and release; port-in requests (NUM-3) in
``numbering.api.port_views``. Every write calls ``numbering.services`` with the partner's API
key; scoping to the partner lives in the base viewset.

Another partner's number answers 404 on every route; a customer, contract, SIP account, trunk
or site named in a body or a filter that is another partner's is a 400 on that field, the same
as an id that does not exist. A number taken meanwhile refuses the whole assignment: 400 on
``numbers``, naming it. A number that cannot be released in its state is a 409
``invalid_transition``.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import PartnerReadOnlyViewSet, PartnerScopedViewSetMixin
from billing.api.views import LookupBeforeRefusingMixin
from numbering.api.filtersets import AvailableNumberFilterSet, PhoneNumberFilterSet
from numbering.api.serializers import (
    AssignSerializer,
    AvailableNumberSerializer,
    PhoneNumberSerializer,
)
from numbering.choices import NumberState
from numbering.models import PhoneNumber
from numbering.services.assignment import assign_numbers, release_numbers
from offers.api.serializers import CommandErrorSerializer

CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_("The number's state does not allow it. Code: invalid_transition."),
)


class PhoneNumberViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """NUM-2: the numbers of the partner's customers — assigned, and those ported out — with
    the service each serves. ``assign`` takes numbers from the pool (``/available-numbers/``);
    ``release`` gives one back: it spends the quarantine, then a number of our ranges returns to
    the pool and one ported in goes back to the operator holding its range (NUM-1)."""

    queryset = PhoneNumber.objects.select_related("contract")
    serializer_class = PhoneNumberSerializer
    filterset_class = PhoneNumberFilterSet
    partner_lookup = "client__partner"
    ordering_fields = ["e164", "assigned_at", "state"]
    ordering = ["e164"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=AssignSerializer,
        responses={200: PhoneNumberSerializer(many=True)},
        summary="Assign numbers of the pool to a service of a customer (NUM-2)",
        description="All or nothing, at most 100 numbers: a number no longer available (just "
        "taken by someone else) refuses the whole assignment with a 400 on `numbers` naming "
        "it. Answers the numbers assigned.",
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    @idempotent
    def assign(self, request):
        payload = AssignSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rows = assign_numbers(
            client=data["customer"],
            numbers=data["numbers"],
            contract=data.get("contract"),
            sip_account=data.get("sip_account"),
            trunk=data.get("trunk"),
            site=data.get("site"),
            api_key=self.api_key,
        )
        numbers = self.get_queryset().filter(pk__in=[row.pk for row in rows]).order_by("e164")
        return Response(self.get_serializer(numbers, many=True).data)

    @extend_schema(
        request=None,
        responses={200: PhoneNumberSerializer, 409: CONFLICT},
        summary="Release a number: quarantine, then the pool or its range holder (NUM-2)",
        description="The number is no longer the customer's: it is answered once more, in "
        "quarantine until `quarantine_until`, and is not listed any more; it cannot be "
        "recovered. Once the quarantine is over, a number of our ranges returns to the pool "
        "(`/available-numbers/`, offered to any customer); a number ported in from another "
        "operator goes back to the operator holding its range (state `ported_out`, final): it "
        "is never offered again.",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def release(self, request, pk=None):
        number = self.get_object()
        (row,) = release_numbers(client=number.client, numbers=[number], api_key=self.api_key)
        return Response(self.get_serializer(row).data)


class AvailableNumberViewSet(
    PartnerScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """NUM-2: the pool — numbers no one holds, offered to every partner's customers alike —
    searched by type, ZNE, site (a site of one of the partner's customers keeps the numbers
    allowed there) and pattern (``ends_with=00``, ``starts_with=0172``)."""

    queryset = PhoneNumber.objects.all()
    serializer_class = AvailableNumberSerializer
    filterset_class = AvailableNumberFilterSet
    ordering_fields = ["e164"]
    ordering = ["e164"]

    def scope(self, queryset, partner):
        """The pool is no one's: what the partner sees of it is the available numbers, the same
        for every partner (and never a number someone holds)."""
        return queryset.filter(state=NumberState.AVAILABLE, client__isnull=True)
