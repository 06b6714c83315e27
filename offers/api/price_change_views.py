"""The contract command of CON-6 in the partner API: refusing a price increase (HOSTED-A 6)
or objecting to it (PLATFORM 12.2). A mixin of ``ContractViewSet``."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kernel import api_fields
from offers.api.price_change_serializers import (
    PRICE_CHANGE_RESPONSE,
    PendingPriceChangeSerializer,
    PriceChangeAcceptSerializer,
    PriceChangeRefusalSerializer,
)
from offers.api.serializers import (
    CommandErrorSerializer,
    ContractSerializer,
)
from offers.api.termination_serializers import TerminationSerializer
from offers.choices import ContractStatus, PriceChangeResponse, PriceChangeStatus
from offers.models import PriceChange, PriceChangeNotice
from offers.services.price_change_answers import (
    pending_price_changes,
    price_change_accept,
    price_change_refuse,
)

REFUSAL_CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The contract may not refuse this change now. Codes: price_change_not_pending (not a "
        "notified change of this contract, or already applied or cancelled), no_refusal_right "
        "(TRUNK, SIP-UNL, HOSTED-W, or an increase imposed by an authority), not_an_increase, "
        "too_late (on or after the effective date), already_refused, ends_before_change (the "
        "contract's scheduled termination takes effect by the effective date: it never pays "
        "the new price), termination_scheduled (a termination other than the customer's own "
        "notice, which a refusal replaces), invalid_transition."
    ),
)
ACCEPTANCE_CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=_(
        "The contract may not accept this change now. Codes: price_change_not_pending (not a "
        "notified change of this contract, or already applied or cancelled), "
        "no_acceptance_needed (a decrease, or terms other than PLATFORM's: the change applies "
        "without acceptance), too_late (on or after the effective date), already_accepted."
    ),
)


class ContractDetailSerializer(ContractSerializer):
    """A contract as its detail shows it: ``ContractSerializer`` plus its pending price changes
    (CON-6), read with one query (the list does without them)."""

    # The same values as the list's; plain labels keep the schema's enum names unambiguous
    # (one choice set in two components cannot be named after either).
    status = serializers.ChoiceField(
        choices=[(value, value) for value in ContractStatus.values],
        read_only=True,
        help_text=_(
            "Where it stands: draft → ordered → active → suspended → terminating → terminated "
            "(CON-2)."
        ),
    )
    pending_price_changes = serializers.SerializerMethodField(
        help_text=_(
            "Notified price changes that will change its price (CON-6), with what the contract "
            "allows against each."
        )
    )

    class Meta(ContractSerializer.Meta):
        fields = [*ContractSerializer.Meta.fields, "pending_price_changes"]

    @extend_schema_field(PendingPriceChangeSerializer(many=True))
    def get_pending_price_changes(self, contract):
        """CON-6: notified price changes that will change this contract's price, with what
        the contract allows against each."""
        if getattr(contract, "has_pending_price_change", True) is False:
            return []
        return PendingPriceChangeSerializer(pending_price_changes(contract), many=True).data


class PriceChangeAcceptanceSerializer(api_fields.Serializer):
    """CON-6, PLATFORM 7.1.2: the acceptance recorded on the contract's notice of the change."""

    price_change = serializers.IntegerField(
        source="price_change_id", help_text=_("The price change's id.")
    )
    response = serializers.ChoiceField(
        choices=PriceChangeResponse.choices, help_text=PRICE_CHANGE_RESPONSE
    )
    responded_at = serializers.DateTimeField(
        help_text=_("When the acceptance was recorded, with its UTC offset.")
    )


class PriceChangeAnswerSerializer(PriceChangeAcceptanceSerializer):
    """CON-6: the refusal (or objection) recorded on the contract's notice of the change."""

    responded_at = serializers.DateTimeField(
        help_text=_("When the answer was recorded (its termination's notice), with its UTC offset.")
    )
    termination = TerminationSerializer(
        help_text=_(
            "The termination without fee the answer recorded (reason price_increase_refused)."
        )
    )


class PriceChangeCommandsMixin:
    """The contract detail with its pending price changes,
    ``POST /contracts/{id}/refuse-price-change/`` and ``POST
    /contracts/{id}/accept-price-change/``."""

    def get_serializer_class(self):
        if getattr(self, "action", None) == "retrieve":
            return ContractDetailSerializer
        return super().get_serializer_class()

    def filter_queryset(self, queryset):
        """The detail knows in its own row whether the contract was told of a pending change
        (no query for the pending changes of a contract that has none)."""
        queryset = super().filter_queryset(queryset)
        if getattr(self, "action", None) == "retrieve":
            told = PriceChangeNotice.objects.filter(
                contract=OuterRef("pk"), price_change__status=PriceChangeStatus.NOTIFIED
            )
            queryset = queryset.annotate(has_pending_price_change=Exists(told))
        return queryset

    @extend_schema(
        request=PriceChangeRefusalSerializer,
        responses={
            201: PriceChangeAnswerSerializer,
            409: REFUSAL_CONFLICT,
        },
        summary="Refuse a price increase (CON-6)",
        description="HOSTED-A 6: the contract ends without termination fee at the later of the "
        "requested date and the refusal + 30 days, at its current price until then. PLATFORM "
        "7.1.2: an increase is an amendment to accept (accept-price-change), not to refuse "
        "(no_refusal_right). Recorded as a termination without fee (reason "
        "price_increase_refused). The contract's pending_price_changes say what it may do.",
    )
    @action(detail=True, methods=["post"], url_path="refuse-price-change")
    def refuse_price_change(self, request, pk=None):
        contract = self.get_object()
        payload = PriceChangeRefusalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        change = PriceChange.objects.filter(pk=data["price_change"]).first()
        if change is None:
            raise exceptions.ValidationError({"price_change": [_("No such price change.")]})
        notice = price_change_refuse(
            price_change=change,
            contract=contract,
            requested_date=data.get("requested_date"),
            api_key=self.api_key,
            expected_effective_date=data.get("expected_effective_date"),
        )
        return Response(PriceChangeAnswerSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PriceChangeAcceptSerializer,
        responses={201: PriceChangeAcceptanceSerializer, 409: ACCEPTANCE_CONFLICT},
        summary="Accept a price increase (CON-6, PLATFORM 7.1.2)",
        description="PLATFORM 7.1.2: an increase of a monthly price is an amendment to the "
        "contract; it applies to the contract's lines on its effective date only if the "
        "customer accepts it before that date. Without acceptance the contract keeps its "
        "current price. A decrease, and the other terms' changes, apply without acceptance "
        "(no_acceptance_needed).",
    )
    @action(detail=True, methods=["post"], url_path="accept-price-change")
    def accept_price_change(self, request, pk=None):
        contract = self.get_object()
        payload = PriceChangeAcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = PriceChange.objects.filter(pk=payload.validated_data["price_change"]).first()
        if change is None:
            raise exceptions.ValidationError({"price_change": [_("No such price change.")]})
        notice = price_change_accept(price_change=change, contract=contract, api_key=self.api_key)
        return Response(
            PriceChangeAcceptanceSerializer(notice).data, status=status.HTTP_201_CREATED
        )
