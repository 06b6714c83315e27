"""Serializers of the usage read API: rated calls and the consumption summary of a month."""

from rest_framework import serializers

from kernel import representation
from usage.models import CallRecord


class CallSerializer(representation.ModelSerializer):
    """A call as received and as rated (USE-1..4): ``cost`` is what is billable (€ HT, 4
    decimals), ``list_cost`` the call at the tariff without the plan; trial calls (CON-7) are
    shown, never invoiced."""

    customer = serializers.IntegerField(source="client_id", read_only=True)
    contract = serializers.IntegerField(source="contract_id", read_only=True)
    sip_account = serializers.IntegerField(source="sip_account_id", read_only=True)
    trunk = serializers.IntegerField(source="trunk_id", read_only=True)
    month = serializers.DateField(source="billing_month", read_only=True)

    class Meta:
        model = CallRecord
        fields = [
            "id",
            "call_id",
            "started_at",
            "account_ref",
            "customer",
            "contract",
            "sip_account",
            "trunk",
            "call_type",
            "answered",
            "duration",
            "caller",
            "called",
            "month",
            "country",
            "line_type",
            "price_class",
            "plan",
            "rate",
            "billed_seconds",
            "included_seconds",
            "list_cost",
            "cost",
            "included",
            "blocked",
            "trial",
            "late",
            "breach",
        ]
        read_only_fields = fields


class SummaryLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    calls = serializers.IntegerField()
    answered = serializers.IntegerField()
    minutes = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)


class SummaryAccountSerializer(serializers.Serializer):
    account = serializers.CharField(source="label")
    plan = serializers.CharField()
    distinct_numbers = serializers.IntegerField(source="distinct")
    fair_use_limit = serializers.IntegerField(allow_null=True)
    calls = serializers.IntegerField(source="line.calls")
    amount = serializers.DecimalField(source="line.amount", max_digits=12, decimal_places=2)


class SummaryDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    calls = serializers.IntegerField()


class SummarySerializer(serializers.Serializer):
    """The month to date of one customer (€ HT, rounded per line)."""

    customer = serializers.IntegerField()
    month = serializers.CharField()
    total = SummaryLineSerializer()
    by_destination = SummaryLineSerializer(many=True)
    by_account = SummaryAccountSerializer(many=True)
    by_day = SummaryDaySerializer(many=True)
    alert_threshold = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The customer's monthly alert threshold (€ excl. VAT), null when none is set.",
    )
    outgoing_blocked_since = serializers.DateTimeField(
        allow_null=True,
        help_text="When the 100 % alert blocked the customer's outgoing calls, if they are "
        "blocked now (current month only; a raised threshold lifts the block); else null.",
    )
