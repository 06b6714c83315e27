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
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel import api_fields, representation, sql_lists
from kernel.languages import display_name_sql
from offers.api.termination_serializers import FEE_RULE
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
    name = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text=_(
            "The product's name in the request's language: its English name with "
            "Accept-Language: en when one was entered, else its French name."
        ),
    )

    sql_fields = {"name": display_name_sql}  # kernel.sql_lists: ``display_name`` in SQL

    class Meta:
        model = Product
        fields = ["code", "name", "kind", "unit", "setup_price", "monthly_price", "price_on_quote"]
        extra_kwargs = api_fields.described(
            code=_("The product's code."),
            kind=_("The product's kind: main or option."),
            setup_price=_("The catalogue's one-off setup price per unit (€ excl. VAT)."),
            monthly_price=_(
                "The catalogue's monthly price per unit (€ excl. VAT); for a product priced on "
                "quote, each contract gets its own."
            ),
        )


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


class TermsSerializer(api_fields.Serializer):
    """Every number of an offer's conditions. Reads a ``Terms`` row as well as a contract's
    ``terms_snapshot`` (the same keys, CON-6), so both are documented by one schema."""

    preset = serializers.ChoiceField(
        choices=Preset.choices, read_only=True, help_text=_("The offer's family (CON-1).")
    )
    anchor = serializers.ChoiceField(
        choices=Anchor.choices,
        read_only=True,
        help_text=_(
            "What commitment periods count from: signature (PLATFORM), service_start "
            "(HOSTED-A), order (HOSTED-W) or calendar_month (TRUNK, SIP-UNL: calendar months "
            "from the service start, renewed on the 1st)."
        ),
    )
    initial_months = serializers.IntegerField(
        read_only=True,
        help_text=_("The initial commitment period, in months from the anchor (CON-2)."),
    )
    renewal_months = serializers.IntegerField(
        read_only=True,
        help_text=_("The length of each tacit renewal period, in months (CON-3)."),
    )
    notice_rule = serializers.ChoiceField(
        choices=NoticeRule.choices,
        read_only=True,
        help_text=_(
            "How a termination's effective date follows from its notice (CON-4): months "
            "(notice_months after the notice at the earliest), end_of_month (the 1st of the "
            "month after the notice at the earliest) or platform (3 months; without fee only "
            "at an anniversary, PLATFORM 8.2 and 17.1)."
        ),
    )
    notice_months = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "The notice period in calendar months, under the months rule; the other rules do "
            "not read it (platform always counts 3 months)."
        ),
    )
    subscription_timing = serializers.ChoiceField(
        choices=BillingTiming.choices,
        read_only=True,
        help_text=_("When subscriptions are billed: advance (each month before it) or arrears."),
    )
    # Plain labels here: one choice set under two field names is a schema warning, and distinct
    # labels make the two timings two enums of the same values.
    consumption_timing = serializers.ChoiceField(
        choices=[(value, value) for value in BillingTiming.values],
        read_only=True,
        help_text=_("When consumption is billed: advance or arrears (after the month)."),
    )
    first_month = serializers.ChoiceField(
        choices=FirstMonth.choices,
        read_only=True,
        help_text=_(
            "How the month the service starts in is billed: pro_rata (by days) or "
            "free_order_month (billed from the month after the order, HOSTED-W 9)."
        ),
    )
    fee_rule = serializers.ChoiceField(choices=FeeRule.choices, read_only=True, help_text=FEE_RULE)
    minimum_monthly_commitment = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        read_only=True,
        help_text=_(
            "The minimum monthly billing commitment (€ excl. VAT): a month billed below it owes "
            "the difference (BIL-5) and the commitment_max fee counts it (CON-5); 0.00: none."
        ),
    )
    sla_policy = serializers.ChoiceField(
        choices=SlaPolicy.choices,
        read_only=True,
        help_text=_(
            "The availability commitment (SLA-6, SLA-7): none, hosted_w (99.85%) or hosted_a "
            "(99%), with credits of 5, 10 or 20% below it."
        ),
    )
    support_days = serializers.CharField(
        read_only=True,
        help_text=_(
            "The support's business days as ISO weekday digits, e.g. 12345 for Monday to "
            "Friday, French public holidays excluded; empty: no business hours, deadlines run "
            "in elapsed time (SLA-2)."
        ),
    )
    support_start = LocalTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("When support opens on those days (Paris time); null without business hours."),
    )
    support_end = LocalTimeField(
        read_only=True,
        allow_null=True,
        help_text=_("When support closes on those days (Paris time); null without business hours."),
    )
    fair_use_policy = serializers.ChoiceField(
        choices=FairUsePolicy.choices,
        read_only=True,
        help_text=_(
            "The fair use of unlimited calls (USE-3, USE-4): none, sip_unl (99 fixed numbers a "
            "month, 60 minutes a call), hosted_w (150 numbers, 2 h forwarded, 3 calls, 3 "
            "devices) or hosted_a (150 numbers, forwarded calls excluded)."
        ),
    )
    intervention_business_hours = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "SLA-3: work on an incident starts within this many hours of the report, counted "
            "in business hours (elapsed hours without them); null: no such clause."
        ),
    )
    restoration_target_hours = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "SLA-4: the service should be restored within this many hours; null: no target."
        ),
    )
    restoration_in_business_hours = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "true: the restoration target counts business hours from the failure notification "
            "(HOSTED-A); false: elapsed hours from the detection (HOSTED-W)."
        ),
    )
    # CON-6: the notice of a price change, and what a customer facing an increase may do.
    price_change_notice_days = serializers.IntegerField(
        read_only=True,
        help_text=_(
            "CON-6: customers are told of a price change at least this many days before it "
            "takes effect (by the preset: 7 under HOSTED-A 6, 30 under the others)."
        ),
    )
    price_change_refusal = serializers.ChoiceField(
        choices=PriceChangeRefusal.choices,
        read_only=True,
        help_text=_(
            "What a customer facing a price increase may do (CON-6): none, terminate (HOSTED-A "
            "6: refuse it, the contract ends 30 days later without fee) or object (PLATFORM "
            "12.2: object before the effective date and stop using the service)."
        ),
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
    main_product = ProductSerializer(
        read_only=True,
        help_text=_("The main product: the first line of every contract of the offer (CON-2)."),
    )
    options = ProductSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The options on sale a contract of the offer may add; they end with it (PLATFORM 3.3)."
        ),
    )
    # The terms as a contract signed today would copy them (CON-6 rules resolved by preset).
    terms = TermsSerializer(
        source="terms.snapshot",
        read_only=True,
        help_text=_("The terms a contract signed today copies (CON-1, CON-6)."),
    )

    name = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text=_(
            "The offer's name in the request's language: its English name with "
            "Accept-Language: en when one was entered, else its French name."
        ),
    )

    description = serializers.CharField(
        source="display_description",
        read_only=True,
        help_text=_(
            "What the offer is, in the catalogue's words and the request's language (its English "
            "description with Accept-Language: en when one was entered, else its French one); "
            "may be empty."
        ),
    )

    sql_fields = {  # kernel.sql_lists: ``Terms.snapshot`` from the offer's terms row
        "terms": lambda ctx, p: sql_lists.related_row(TermsSerializer, Terms, f"{p}terms__", ctx),
        "name": display_name_sql,
        "description": lambda ctx, p: display_name_sql(ctx, p, "description"),
    }

    class Meta:
        model = Offer
        fields = [
            "code",
            "name",
            "preset",
            "description",
            "telephone_service",
            "main_product",
            "options",
            "terms",
        ]
        extra_kwargs = api_fields.described(
            code=_("The offer's code, e.g. sip-unl."),
            telephone_service=_(
                "False for an equipment rental (EQP-3): ordered with its equipment "
                "(POST /api/v1/equipment-orders/), its contract takes no number or SIP account."
            ),
            preset=_("The offer's family (CON-1)."),
        )
