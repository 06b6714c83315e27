"""Partner API of offers and contracts: the catalogue (CON-1), contracts (CON-2) and the
termination commands (CON-4, CON-5). Every write calls ``offers.services``."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import (
    KnownQueryParametersMixin,
    LookupBeforeRefusingMixin,
    PartnerModelViewSet,
    SqlListMixin,
)
from kernel.errors import InvalidTransition
from offers.api.catalogue_serializers import OfferSerializer
from offers.api.filtersets import ContractFilterSet, OfferFilterSet
from offers.api.price_change_views import PriceChangeCommandsMixin
from offers.api.quantity_views import LineQuantityCommandsMixin
from offers.api.serializers import (
    CommandErrorSerializer,
    ContractCreateSerializer,
    ContractSerializer,
)
from offers.api.termination_serializers import (
    TerminationQuoteSerializer,
    TerminationRequestSerializer,
    TerminationSerializer,
)
from offers.choices import TerminationStatus
from offers.models import Contract, ContractLine, Offer, Product, Suspension, Termination
from offers.services.contracts import LineRequest, contract_create, contract_order
from offers.services.terminations import (
    contract_request_termination,
    termination_cancel,
    termination_quote,
)

CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The contract's state does not allow it. Codes: invalid_transition, "
        "termination_scheduled, no_scheduled_termination, too_late."
    ),
)


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter(
                "code", str, OpenApiParameter.PATH, description="The offer's code, e.g. sip-unl."
            )
        ]
    )
)
class OfferViewSet(KnownQueryParametersMixin, SqlListMixin, viewsets.ReadOnlyModelViewSet):
    """CON-1: the offers on sale, with their main product, options and terms.

    Deliberately not partner-scoped (no ``PartnerScopedViewSetMixin``): offers are the reseller's
    catalogue, the same for every partner, and hold no customer data. The default permission
    still applies, so only a valid partner key reads it.
    """

    queryset = (
        Offer.objects.filter(is_active=True)
        .select_related("main_product", "terms")
        .prefetch_related(Prefetch("options", queryset=Product.objects.filter(is_active=True)))
    )
    serializer_class = OfferSerializer
    filterset_class = OfferFilterSet
    lookup_field = "code"
    ordering_fields = ["code", "name", "preset"]
    ordering = ["preset", "name"]


class ContractViewSet(
    LookupBeforeRefusingMixin,
    LineQuantityCommandsMixin,
    PriceChangeCommandsMixin,
    PartnerModelViewSet,
):
    """CON-2: the contracts of the partner's customers, and their termination commands.

    A partner's ``POST`` is an order, not a draft: the contract is created and ordered in one
    transaction (``contract_create`` then ``contract_order``), as a signed order form would be.
    Contracts never change by ``PATCH``: state changes are commands (CON-4).
    """

    queryset = Contract.objects.select_related("offer").prefetch_related(
        Prefetch("lines", queryset=ContractLine.objects.select_related("product")),
        Prefetch(
            "terminations",
            queryset=Termination.objects.filter(status=TerminationStatus.SCHEDULED),
            to_attr="scheduled_terminations",
        ),
        Prefetch(
            "suspensions",
            queryset=Suspension.objects.filter(lifted_at__isnull=True),
            to_attr="open_suspensions",
        ),
    )
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    partner_lookup = "client__partner"
    ordering_fields = [
        "reference",
        "status",
        "signature_date",
        "order_date",
        "service_start_date",
        "current_period_end",
        "created_at",
    ]
    ordering = ["-created_at", "-id"]

    @extend_schema(
        request=ContractCreateSerializer,
        responses={201: ContractSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = ContractCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        options = [
            LineRequest(
                product=option["product"],
                quantity=option["quantity"],
                unit_monthly_price=option.get("unit_monthly_price"),
            )
            for option in data["options"]
        ]
        with transaction.atomic():
            contract = contract_create(
                client=data["client"],
                offer=data["offer"],
                site=data.get("site"),
                signature_date=data["signature_date"],
                order_date=data["order_date"],
                options=options,
                quantity=data["quantity"],
                purchase_order_ref=data["purchase_order_ref"],
                api_key=self.api_key,
            )
            contract_order(contract=contract, api_key=self.api_key)
        contract = self.get_queryset().get(pk=contract.pk)
        return Response(self.get_serializer(contract).data, status=status.HTTP_201_CREATED)

    def _payload(self, request) -> dict:
        payload = TerminationRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @staticmethod
    def _scheduled_termination(contract: Contract) -> Termination | None:
        return next(iter(contract.scheduled_terminations), None)

    def _check_can_terminate(self, contract: Contract) -> None:
        # A contract suspended after its termination was requested is "suspended" again, yet
        # its termination is still scheduled: answer 409, not the unique constraint's 500.
        if self._scheduled_termination(contract) is not None:
            raise InvalidTransition(
                _("A termination is already scheduled for this contract."),
                code="termination_scheduled",
            )
        if not contract.can_request_termination():
            raise InvalidTransition(
                _("This contract cannot be terminated in its current state."),
                code="invalid_transition",
            )

    @extend_schema(
        request=TerminationRequestSerializer,
        responses={200: TerminationQuoteSerializer, 409: CONFLICT},
        summary="Quote a termination (CON-4, CON-5)",
        description="The effective date and fee a termination requested now would have. "
        "Nothing is written. PLATFORM without requested_date: `options` lists the dates to "
        "choose between (the earliest, with its fee; the first anniversary at least 3 months "
        "away, without fee).",
    )
    @action(detail=True, methods=["post"], url_path="termination-quote")
    def termination_quote(self, request, pk=None):
        contract = self.get_object()
        requested_date = self._payload(request).get("requested_date")
        self._check_can_terminate(contract)
        quote = termination_quote(contract=contract, requested_date=requested_date)
        return Response(
            TerminationQuoteSerializer(TerminationQuoteSerializer.from_quote(quote)).data
        )

    @extend_schema(
        request=TerminationRequestSerializer,
        responses={201: TerminationSerializer, 409: CONFLICT},
        summary="Request a termination (CON-4)",
        description="The request is the written notice: the fee is computed at this moment "
        "and stored with its breakdown. PLATFORM: send the chosen option's effective_date as "
        "requested_date; expected_effective_date / expected_fee_amount refuse the request "
        "(400) if the quote has changed meanwhile. Every termination recorded (here, in the "
        "portal, by our staff) is announced by one termination.scheduled webhook event.",
    )
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        contract = self.get_object()
        payload = self._payload(request)
        self._check_can_terminate(contract)
        termination = contract_request_termination(
            contract=contract,
            requested_date=payload.get("requested_date"),
            api_key=self.api_key,
            expected_effective_date=payload.get("expected_effective_date"),
            expected_fee=payload.get("expected_fee_amount"),
        )
        return Response(TerminationSerializer(termination).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: TerminationSerializer, 409: CONFLICT},
        summary="Cancel the scheduled termination (CON-4)",
        description="Possible until the effective date; the contract returns to its status. "
        "Every cancellation is announced by one termination.cancelled webhook event.",
    )
    @action(detail=True, methods=["post"], url_path="cancel-termination")
    def cancel_termination(self, request, pk=None):
        contract = self.get_object()
        termination = self._scheduled_termination(contract)
        if termination is None:
            raise InvalidTransition(
                _("No termination is scheduled for this contract."),
                code="no_scheduled_termination",
            )
        termination = termination_cancel(termination=termination, api_key=self.api_key)
        return Response(TerminationSerializer(termination).data)
