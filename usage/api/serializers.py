"""Serializers of the usage read API: rated calls and the consumption summary of a month."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from kernel import api_fields, representation
from usage.models import CallRecord


class CallSerializer(representation.ModelSerializer):
    """A call as received and as rated (USE-1..4): ``cost`` is what is billable (€ HT, 4
    decimals), ``list_cost`` the call at the tariff without the plan; trial calls (CON-7) are
    shown, never invoiced."""

    customer = serializers.IntegerField(
        source="client_id", read_only=True, help_text=_("The id of the customer whose call it is.")
    )
    contract = serializers.IntegerField(
        source="contract_id", read_only=True, help_text=_("The id of the contract that rated it.")
    )
    sip_account = serializers.IntegerField(
        source="sip_account_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the SIP account that placed it; null for a trunk's or a PLATFORM call."
        ),
    )
    trunk = serializers.IntegerField(
        source="trunk_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the SIP trunk that placed it; null otherwise."),
    )
    month = serializers.DateField(
        source="billing_month",
        read_only=True,
        help_text=_("The first day of the call's month in Paris time: the month it counts in."),
    )

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
        extra_kwargs = api_fields.described(
            id=_("The rated call's id (pages go by start time, then id)."),
            call_id=_("The carrier's id of the call, as sent."),
            started_at=_("When the call started, with its UTC offset."),
            account_ref=_(
                "The account as the call record names it: a SIP username, a trunk's, or a PLATFORM "
                "contract's reference."
            ),
            call_type=_("The direction of the call."),
            answered=_("false: not answered; such a call costs nothing."),
            duration=_("Seconds of conversation, as sent."),
            caller=_("The calling number, as presented."),
            called=_("The number dialled, as sent."),
            country=_("The country of the number dialled, ISO 3166 (USE-1)."),
            line_type=_("The kind of number dialled (USE-1)."),
            price_class=_("The price class of a special number (USE-1)."),
            plan=_("The plan that rated the call (USE-3, USE-4)."),
            rate=_(
                "The tariff's price per minute (€ excl. VAT) the call was rated at; null when no "
                "tariff applied."
            ),
            billed_seconds=_(
                "The seconds priced at the tariff, after its increments and minimum duration "
                "(USE-2)."
            ),
            included_seconds=_("The seconds the plan covered (60 minutes a call at most, USE-3)."),
            list_cost=_("The call at the tariff without any plan (€ excl. VAT, 4 decimals)."),
            cost=_(
                "What is billable after the plan (€ excl. VAT, 4 decimals; an invoice line is "
                "rounded once, half up)."
            ),
            included=_(
                "true: the plan covered the call, fully or up to its 60 minutes (cost is then the "
                "part beyond)."
            ),
            trial=_("true: trial traffic (CON-7), rated and shown, never invoiced."),
        )


class SummaryLineSerializer(api_fields.Serializer):
    label = serializers.CharField(help_text=_("The destination, e.g. Mobile, France."))
    calls = serializers.IntegerField(help_text=_("Calls, answered or not."))
    answered = serializers.IntegerField(help_text=_("Answered calls."))
    minutes = serializers.IntegerField(help_text=_("Minutes of conversation, rounded up."))
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Billable amount (€ excl. VAT).")
    )


class BreachReasonSerializer(api_fields.Serializer):
    code = serializers.CharField(
        help_text=_(
            "Why: distinct_numbers, forwarding, simultaneous, devices, third_party_device, "
            "mobility or telecom_professional (USE-4)."
        )
    )
    value = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "The measure of the month (numbers, seconds forwarded, calls at once, devices, "
            "devices not supplied by us); 1 for a reason that is a fact."
        ),
    )
    limit = serializers.IntegerField(
        allow_null=True, help_text=_("The limit it went over; null for a reason that is a fact.")
    )


class FairUseBreachSerializer(api_fields.Serializer):
    detected_at = serializers.DateTimeField(
        help_text=_("When the breach was found, with its UTC offset.")
    )
    reasons = BreachReasonSerializer(many=True, help_text=_("Every reason found."))


class SummaryAccountSerializer(api_fields.Serializer):
    account = serializers.CharField(
        source="label", help_text=_("The account: a SIP account's label and username, a trunk.")
    )
    plan = serializers.CharField(
        help_text=_(
            "Its plan: sip_unl, hosted_w, hosted_a; empty when its calls are at the tariff."
        )
    )
    distinct_numbers = serializers.IntegerField(
        source="distinct",
        help_text=_("Distinct numbers of the month that took a fair-use slot (USE-3, USE-4)."),
    )
    fair_use_limit = serializers.IntegerField(
        allow_null=True,
        help_text=_("The plan's limit of distinct numbers (99, 150); null for no limit."),
    )
    calls = serializers.IntegerField(source="line.calls", help_text=_("Calls, answered or not."))
    amount = serializers.DecimalField(
        source="line.amount",
        max_digits=12,
        decimal_places=2,
        help_text=_("Billable amount (€ excl. VAT)."),
    )
    fair_use_breach = FairUseBreachSerializer(
        source="breach",
        allow_null=True,
        help_text=_(
            "USE-4: the account lost its unlimited for the month (its calls billed at the "
            "tariff, per minute); null when not, or when staff waived it."
        ),
    )


class LimitBreachSerializer(api_fields.Serializer):
    kind = serializers.CharField(
        help_text=_("simultaneous (calls at once) or caps (call attempts per second), USE-5.")
    )
    hour = serializers.DateTimeField(
        help_text=_("The hour the limit was exceeded in (its start, with its UTC offset).")
    )
    peak = serializers.IntegerField(help_text=_("The highest value reached in that hour."))
    limit = serializers.IntegerField(help_text=_("The limit then in force (options included)."))


class QualityPenaltySerializer(api_fields.Serializer):
    hour = serializers.DateTimeField(
        help_text=_("The hour of the calls measured (its start, with its UTC offset).")
    )
    asr = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text=_("Answer-seizure ratio, %.")
    )
    acd = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        allow_null=True,
        help_text=_("Average call duration of the answered calls, seconds."),
    )
    short_call_rate = serializers.DecimalField(
        source="short_rate",
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text=_("Share of answered calls shorter than the contract's short call, %."),
    )
    penalty = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_("The hour's penalties (USE-6), outside the scope of VAT (€)."),
    )


class SummaryDaySerializer(api_fields.Serializer):
    day = serializers.DateField(help_text=_("A day of the month, in Paris time."))
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("Billable amount (€ excl. VAT).")
    )
    calls = serializers.IntegerField(help_text=_("Calls, answered or not."))


class SummarySerializer(api_fields.Serializer):
    """The month to date of one customer (€ HT, rounded per line)."""

    customer = serializers.IntegerField(help_text=_("The customer's id."))
    month = serializers.CharField(help_text=_("The month, YYYY-MM."))
    total = SummaryLineSerializer(help_text=_("The month (to date, for the current one)."))
    by_destination = SummaryLineSerializer(many=True, help_text=_("By kind of destination."))
    by_account = SummaryAccountSerializer(many=True, help_text=_("By account, with fair use."))
    by_day = SummaryDaySerializer(many=True, help_text=_("By day (days with calls only)."))
    alert_threshold = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text=_("The customer's monthly alert threshold (€ excl. VAT), null when none is set."),
    )
    outgoing_blocked_since = serializers.DateTimeField(
        allow_null=True,
        help_text=_(
            "When the 100% alert blocked the customer's outgoing calls, if they are blocked "
            "now (current month only; a raised threshold lifts the block); else null."
        ),
    )
    limit_breaches = LimitBreachSerializer(
        many=True, help_text=_("USE-5: the hours a platform limit was exceeded, in order.")
    )
    quality_penalties = QualityPenaltySerializer(
        many=True, help_text=_("USE-6: the hours whose traffic quality was penalised, in order.")
    )
    quality_penalties_total = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text=_("The month's quality penalties (€).")
    )
