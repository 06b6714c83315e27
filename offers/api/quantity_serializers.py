"""Partner API of contract lines' quantity changes (CON-2): the request, the quote, the change.

Money is a string; unit prices keep 4 decimals, amounts 2.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from kernel.inputs import MAX_QUANTITY
from offers.choices import QuantityChangeKind, QuantityChangeStatus
from offers.models import LineQuantityChange


class LineQuantityRequestSerializer(serializers.Serializer):
    """CON-2: the new quantity of a contract line (at least 1)."""

    quantity = api_fields.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        help_text=_(
            "The line's new total. More: effective today, the added units charged pro rata "
            "for the rest of the month. Fewer: effective at the contract's next period start."
        ),
    )


class LineQuantityQuoteSerializer(serializers.Serializer):
    """CON-2: what a quantity change does. An increase: ``prorata_amount`` = ``units`` ×
    ``unit_monthly_price`` × ``prorata_days`` / ``period_days`` (rounded once) and the added
    units' ``setup_amount``, on the next invoice. Either way, from ``from_date`` each month is
    billed ``from_quantity`` × ``unit_monthly_price`` = ``from_monthly``."""

    line = serializers.IntegerField(source="line.pk")
    # The values of the change's kind with plain labels: one choice set in two components
    # under one name is a schema warning; distinct labels make two enums.
    kind = serializers.ChoiceField(choices=[(value, value) for value in QuantityChangeKind.values])
    current = serializers.IntegerField()
    requested = serializers.IntegerField()
    units = serializers.IntegerField()
    effective_on = serializers.DateField()
    unit_monthly_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    prorata_days = serializers.IntegerField()
    period_days = serializers.IntegerField()
    prorata_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    setup_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    from_date = serializers.DateField()
    from_quantity = serializers.IntegerField()
    from_monthly = serializers.DecimalField(max_digits=14, decimal_places=2)


class LineQuantityChangeSerializer(representation.ModelSerializer):
    """CON-2: a quantity change: an increase is ``applied`` at once; a decrease is ``pending``
    until ``effective_on``, then ``applied`` (or ``cancelled``)."""

    # Plain labels: a channel decrease's status has the same values and labels, and one choice
    # set in two components under one name is a schema warning.
    status = serializers.ChoiceField(
        choices=[(value, value) for value in QuantityChangeStatus.values], read_only=True
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
        ]
        read_only_fields = fields
