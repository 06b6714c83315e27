"""Partner API of contract lines' quantity changes (CON-2): the request, the quote, the change.

Money is a string; unit prices keep 4 decimals, amounts 2.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from kernel.inputs import MAX_QUANTITY
from offers.choices import QuantityChangeKind, QuantityChangeStatus
from offers.models import LineQuantityChange

# One text per field name, the same on the quote and on the change it quotes.
LINE = _("The line's id.")
KIND = _(
    "increase (effective at once, the added units charged pro rata; PLATFORM: once we accept "
    "it, 28) or decrease (effective at the contract's next period start) (CON-2)."
)
UNITS = _(
    "The units added or removed: the difference between the two quantities (kind says which)."
)
EFFECTIVE_ON = _(
    "The day it takes effect (Paris date): the day it is made for an increase (PLATFORM: the "
    "day we accepted it; the day asked while it awaits our decision), the contract's "
    "next period start for a decrease (TRK-4) — for a contract with a notice the first period "
    "start at least that notice away: 3 months for PLATFORM (8.2), the terms' notice_months for "
    "HOSTED-W and HOSTED-A (HOSTED-W 8.1: the service ends in part on the contract's notice)."
)
UNIT_MONTHLY_PRICE = _("The monthly price per unit (€ excl. VAT).")
PRORATA_DAYS = _(
    "Increase: the days charged, from effective_on (included) to the end of its calendar month; "
    "0 for a decrease, or when the order month is free (HOSTED-W 9)."
)
PERIOD_DAYS = _("Increase: the number of days of that calendar month; 0 for a decrease.")
PRORATA_AMOUNT = _(
    "Increase: units × unit_monthly_price × prorata_days / period_days, rounded once to the "
    "cent, billed on the next invoice (€ excl. VAT, TRK-3); 0.00 for a decrease."
)
SETUP_AMOUNT = _(
    "Increase: the line's unit setup price × the units added, rounded to the cent, billed on "
    "the next invoice (€ excl. VAT); 0.00 for a decrease."
)
REQUESTED = _("The quantity asked for: the line's new total.")


class LineQuantityRequestSerializer(api_fields.Serializer):
    """CON-2: the new quantity of a contract line (at least 1; 0 ends a PLATFORM or HOSTED-W
    option)."""

    quantity = api_fields.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        help_text=_(
            "The line's new total. More: effective today, the added units charged pro rata "
            "for the rest of the month — PLATFORM (28, 7.2.1): only asked, in effect once we "
            "accept it; HOSTED-W (9): no pro rata, billed from the 1st of the next month. "
            "Fewer: effective at the contract's next period start. "
            "At least 1, except 0 for an option of a PLATFORM or HOSTED-W contract: the "
            "option ends then (PLATFORM 17.1, HOSTED-W 8.1)."
        ),
    )


class LineQuantityQuoteSerializer(api_fields.Serializer):
    """CON-2: what a quantity change does. An increase: ``prorata_amount`` = ``units`` ×
    ``unit_monthly_price`` × ``prorata_days`` / ``period_days`` (rounded once) and the added
    units' ``setup_amount``, on the next invoice. Either way, from ``from_date`` each month is
    billed ``from_quantity`` × ``unit_monthly_price`` = ``from_monthly``."""

    line = serializers.IntegerField(source="line.pk", help_text=LINE)
    # The values of the change's kind with plain labels: one choice set in two components
    # under one name is a schema warning; distinct labels make two enums.
    kind = serializers.ChoiceField(
        choices=[(value, value) for value in QuantityChangeKind.values], help_text=KIND
    )
    current = serializers.IntegerField(help_text=_("The line's quantity now."))
    requested = serializers.IntegerField(help_text=REQUESTED)
    units = serializers.IntegerField(help_text=UNITS)
    effective_on = serializers.DateField(help_text=EFFECTIVE_ON)
    unit_monthly_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, help_text=UNIT_MONTHLY_PRICE
    )
    prorata_days = serializers.IntegerField(help_text=PRORATA_DAYS)
    period_days = serializers.IntegerField(help_text=PERIOD_DAYS)
    prorata_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=PRORATA_AMOUNT
    )
    setup_amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text=SETUP_AMOUNT)
    from_date = serializers.DateField(
        help_text=_(
            "The first day of the first month billed in full at the new quantity: the 1st of "
            "next month for an increase, effective_on for a decrease."
        )
    )
    from_quantity = serializers.IntegerField(
        help_text=_(
            "The quantity billed from from_date: the new total, less a decrease already "
            "pending by then."
        )
    )
    awaits_acceptance = serializers.BooleanField(
        help_text=_(
            "PLATFORM (28, 7.2.1): true for an increase, which takes effect only once we accept "
            "it — until then nothing changes nor is billed; prorata_amount is what it costs if "
            "accepted today."
        )
    )
    from_monthly = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text=_(
            "from_quantity × unit_monthly_price, rounded to the cent: the line's monthly "
            "subscription from from_date (€ excl. VAT)."
        ),
    )


class LineQuantityChangeSerializer(representation.ModelSerializer):
    """CON-2: a quantity change: an increase is ``applied`` at once; a decrease is ``pending``
    until ``effective_on``, then ``applied`` (or ``cancelled``)."""

    # Plain labels: a channel decrease's status has the same values and labels, and one choice
    # set in two components under one name is a schema warning.
    status = serializers.ChoiceField(
        choices=[(value, value) for value in QuantityChangeStatus.values],
        read_only=True,
        help_text=_(
            "An increase is applied when made; a decrease is pending until effective_on, then "
            "applied, or cancelled before (CON-2). PLATFORM (28, 7.2.1): an increase asked is "
            "requested until we accept it (applied, effective_on the day accepted, its pro rata "
            "from then) or refuse it (refused, with decided_at and refusal_reason); nothing is "
            "billed before."
        ),
    )

    class Meta:
        model = LineQuantityChange
        fields = [
            "id",
            "contract",
            "line",
            "kind",
            "status",
            "quantity_before",
            "quantity_after",
            "units",
            "effective_on",
            "unit_monthly_price",
            "prorata_days",
            "period_days",
            "prorata_amount",
            "setup_amount",
            "created_at",
            "applied_at",
            "cancelled_at",
            "decided_at",
            "refusal_reason",
        ]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            id=_("The quantity change's id."),
            contract=_("The contract's id."),
            line=LINE,
            kind=KIND,
            quantity_before=_("The line's quantity when the change was made."),
            quantity_after=REQUESTED,
            units=UNITS,
            effective_on=EFFECTIVE_ON,
            unit_monthly_price=UNIT_MONTHLY_PRICE,
            prorata_days=PRORATA_DAYS,
            period_days=PERIOD_DAYS,
            prorata_amount=PRORATA_AMOUNT,
            setup_amount=SETUP_AMOUNT,
            created_at=api_fields.CREATED_AT,
            applied_at=_("When it was applied, with its UTC offset; null until then."),
            cancelled_at=_(
                "When it was cancelled, or refused by us, with its UTC offset; null otherwise."
            ),
            decided_at=_(
                "PLATFORM (28, 7.2.1): when we accepted or refused the increase asked, with its "
                "UTC offset; null for any other change and while it awaits our decision."
            ),
            refusal_reason=_(
                "PLATFORM (28, 7.2.1): why we refused the increase asked, as written to the "
                "customer; empty unless refused (or refused without a reason). An increase "
                "still asked when the contract's termination is recorded is refused by it: "
                "« Le contrat est résilié au DD/MM/YYYY (premier jour sans service) : … »."
            ),
        )
