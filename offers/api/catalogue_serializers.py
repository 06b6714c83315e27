"""Partner API of the catalogue (CON-1): products, offers and the terms a contract is signed
with. Money is always a string; unit prices keep 4 decimals."""

from django.db.models import (
    Case,
    F,
    IntegerField,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel import representation, sql_lists
from offers.choices import (
    PRICE_CHANGE_DEFAULT_RULES,
    PRICE_CHANGE_PRESET_RULES,
    Anchor,
    BillingTiming,
    FairUsePolicy,
    FeeRule,
    FirstMonth,
    NoticeRule,
    Preset,
    PriceChangeRefusal,
    SlaPolicy,
)
from offers.models import (
    Offer,
    Product,
    Terms,
)


class ProductSerializer(representation.ModelSerializer):
    class Meta:
        model = Product
        fields = ["code", "name", "kind", "unit", "setup_price", "monthly_price", "price_on_quote"]


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?$",
        "example": "09:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day in Paris, ``HH:MM:SS``. Without a UTC offset, so not JSON Schema's ``time``
    format (RFC 3339's ``full-time`` has one): the schema gives its pattern instead."""


class TermsSerializer(serializers.Serializer):
    """Every number of an offer's conditions. Reads a ``Terms`` row as well as a contract's
    ``terms_snapshot`` (the same keys, CON-6), so both are documented by one schema."""

    preset = serializers.ChoiceField(choices=Preset.choices, read_only=True)
    anchor = serializers.ChoiceField(choices=Anchor.choices, read_only=True)
    initial_months = serializers.IntegerField(read_only=True)
    renewal_months = serializers.IntegerField(read_only=True)
    notice_rule = serializers.ChoiceField(choices=NoticeRule.choices, read_only=True)
    notice_months = serializers.IntegerField(read_only=True)
    subscription_timing = serializers.ChoiceField(choices=BillingTiming.choices, read_only=True)
    # Plain labels here: one choice set under two field names is a schema warning, and distinct
    # labels make the two timings two enums of the same values.
    consumption_timing = serializers.ChoiceField(
        choices=[(value, value) for value in BillingTiming.values], read_only=True
    )
    first_month = serializers.ChoiceField(choices=FirstMonth.choices, read_only=True)
    fee_rule = serializers.ChoiceField(choices=FeeRule.choices, read_only=True)
    minimum_monthly_commitment = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True
    )
    sla_policy = serializers.ChoiceField(choices=SlaPolicy.choices, read_only=True)
    support_days = serializers.CharField(read_only=True)
    support_start = LocalTimeField(read_only=True, allow_null=True)
    support_end = LocalTimeField(read_only=True, allow_null=True)
    fair_use_policy = serializers.ChoiceField(choices=FairUsePolicy.choices, read_only=True)
    intervention_business_hours = serializers.IntegerField(read_only=True, allow_null=True)
    restoration_target_hours = serializers.IntegerField(read_only=True, allow_null=True)
    restoration_in_business_hours = serializers.BooleanField(read_only=True)
    # CON-6: the notice of a price change, and what a customer facing an increase may do.
    price_change_notice_days = serializers.IntegerField(read_only=True)
    price_change_refusal = serializers.ChoiceField(
        choices=PriceChangeRefusal.choices, read_only=True
    )

    # kernel.sql_lists, over a ``Terms`` row (a contract's snapshot already holds the values):
    # ``Terms.price_change_rules``, the row's own values else its preset's (CON-6).
    sql_fields = {
        "price_change_notice_days": lambda ctx, p: Coalesce(
            F(f"{p}price_change_notice_days"), _by_preset(p, 0, IntegerField())
        ),
        "price_change_refusal": lambda ctx, p: Coalesce(
            NullIf(F(f"{p}price_change_refusal"), Value("")), _by_preset(p, 1, TextField())
        ),
    }


def _by_preset(p: str, index: int, output_field):
    """``PRICE_CHANGE_PRESET_RULES[preset][index]``, the default rules' for another preset."""
    return Case(
        *(
            When(**{f"{p}preset": preset}, then=Value(rules[index]))
            for preset, rules in PRICE_CHANGE_PRESET_RULES.items()
        ),
        default=Value(PRICE_CHANGE_DEFAULT_RULES[index]),
        output_field=output_field,
    )


class OfferSerializer(representation.ModelSerializer):
    main_product = ProductSerializer(read_only=True)
    options = ProductSerializer(many=True, read_only=True)
    # The terms as a contract signed today would copy them (CON-6 rules resolved by preset).
    terms = TermsSerializer(source="terms.snapshot", read_only=True)

    sql_fields = {  # kernel.sql_lists: ``Terms.snapshot`` from the offer's terms row
        "terms": lambda ctx, p: sql_lists.related_row(TermsSerializer, Terms, f"{p}terms__", ctx),
    }

    class Meta:
        model = Offer
        fields = ["code", "name", "preset", "description", "main_product", "options", "terms"]
