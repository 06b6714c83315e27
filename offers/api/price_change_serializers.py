"""Partner API of price changes (CON-6): a contract's pending price changes, as its detail
shows them, and the input of the refusal command. Money is a string with 4 decimals."""

from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel import api_fields
from kernel.clock import paris_today
from kernel.inputs import MAX_ID, AtMostYearsAhead
from offers.choices import PRICE_CHANGE_ACCEPT, PriceChangeRefusal, PriceChangeResponse

# The answer's text, the same on a pending change and on the answer to the refusal and
# acceptance commands.
PRICE_CHANGE_RESPONSE = _(
    "The customer's answer (CON-6): none, refused (HOSTED-A 6) or objected, either recorded as "
    "a termination without fee (none again once an objection is withdrawn or its termination "
    "cancelled), or accepted (PLATFORM 7.1.2: the amendment signed, the new price applies)."
)


class PendingPriceChangeSerializer(api_fields.Serializer):
    """A notified price change that will change this contract's price on its effective date
    (``offers.services.price_change_answers.PendingPriceChange``)."""

    id = serializers.IntegerField(source="change.pk", help_text=_("The price change's id."))
    product = serializers.CharField(
        source="change.product.code", help_text=_("The product's code.")
    )
    product_name = serializers.CharField(
        source="change.product.display_name",
        help_text=_(
            "The product's name in the request's language: its English name with "
            "Accept-Language: en when one was entered, else its French name."
        ),
    )
    effective_date = serializers.DateField(
        source="change.effective_date",
        help_text=_("The day the new price takes effect: the first day of a month (CON-6)."),
    )
    old_monthly_price = serializers.DecimalField(
        source="change.old_monthly_price",
        max_digits=12,
        decimal_places=4,
        help_text=_(
            "The catalogue's monthly price per unit before the change (€ excl. VAT): only "
            "lines at this price change."
        ),
    )
    new_monthly_price = serializers.DecimalField(
        source="change.new_monthly_price",
        max_digits=12,
        decimal_places=4,
        help_text=_("The monthly price per unit from effective_date (€ excl. VAT)."),
    )
    is_increase = serializers.BooleanField(
        source="change.is_increase",
        help_text=_("true: the new price is higher than the old one."),
    )
    # Plain labels: the terms' ``price_change_refusal`` documents the same values.
    refusal_right = serializers.ChoiceField(
        source="right",
        choices=[(value, value) for value in [*PriceChangeRefusal.values, PRICE_CHANGE_ACCEPT]],
        help_text=_(
            "What the contract allows against this change: none (no right, or a decrease), "
            "terminate (HOSTED-A 6: refuse, the contract ends 30 days later without fee), "
            "accept (PLATFORM 7.1.2: an increase is an amendment; it applies only if accepted "
            "before the effective date, accept-price-change, else the price stays)."
        ),
    )
    answer_by = serializers.DateField(help_text=_("The last day to refuse or object."))
    can_refuse = serializers.SerializerMethodField(
        help_text=_(
            "true: the contract may refuse it now (refuse-price-change): it has the right, the "
            "effective date is ahead and it has not answered yet."
        )
    )
    response = serializers.SerializerMethodField(help_text=PRICE_CHANGE_RESPONSE)
    termination_effective_date = serializers.SerializerMethodField(
        help_text=_(
            "The first day without service of the termination the answer recorded; null "
            "without an answer."
        )
    )

    can_accept = serializers.SerializerMethodField(
        help_text=_(
            "true: the increase waits for the customer's acceptance (PLATFORM 7.1.2, "
            "accept-price-change): the effective date is ahead and it has not accepted yet."
        )
    )

    def get_can_refuse(self, pending) -> bool:
        return pending.can_answer(paris_today())

    def get_can_accept(self, pending) -> bool:
        return pending.can_accept(paris_today())

    @extend_schema_field(serializers.ChoiceField(choices=PriceChangeResponse.choices))
    def get_response(self, pending) -> str:
        if pending.answered or pending.accepted:
            return pending.notice.response
        return PriceChangeResponse.NONE

    @extend_schema_field(OpenApiTypes.DATE)
    def get_termination_effective_date(self, pending) -> date | None:
        return pending.notice.termination.effective_date if pending.answered else None


class PriceChangeAcceptSerializer(api_fields.Serializer):
    price_change = api_fields.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The id of a pending price change of this contract."),
    )


class PriceChangeRefusalSerializer(api_fields.Serializer):
    price_change = api_fields.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text=_("The id of a pending price change of this contract."),
    )
    # The refusal records a termination: its dates have a termination's bounds (CON-4).
    requested_date = api_fields.DateField(
        required=False,
        allow_null=True,
        validators=[AtMostYearsAhead(10)],
        help_text=_(
            "Optional: a later end date. HOSTED-A: the later of this date and the refusal + 30 "
            "days; PLATFORM: one month after the objection at the earliest, and not before the "
            "effective date."
        ),
    )
    expected_effective_date = api_fields.DateField(
        required=False,
        allow_null=True,
        validators=[AtMostYearsAhead(10)],
        help_text=_(
            "Optional: the end date the customer accepted; if the contract would end on another "
            "day, nothing is recorded (400)."
        ),
    )
