"""Partner API of trunks and SIP accounts (TRK-1..6, ACC-7). Money is a string; unit prices
keep 4 decimals, amounts 2. Output and input serializers are separate: every write goes
through ``telephony.services``."""

from decimal import Decimal

from django.db.models import F, OuterRef, TextField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kernel import api_fields, representation, sql_lists
from telephony.choices import DecreaseStatus, PaymentChoice
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    DestinationGroup,
    Pack,
    PackLedgerEntry,
    SipAccount,
    SipDevice,
    Trunk,
)
from telephony.packs import DEFAULT_CAP

# TRK-1: the most channels a trunk holds (TRUNK 2), the bound of every channel count asked.
CHANNELS = {"max_value": DEFAULT_CAP}


class PackLineSerializer(serializers.Serializer):
    """``count`` packs of ``channels`` channels at ``monthly_price`` each (€ HT a month)."""

    channels = serializers.IntegerField()
    count = serializers.IntegerField()
    monthly_price = serializers.DecimalField(max_digits=12, decimal_places=4)


# kernel.sql_lists: ``ChannelDecrease.channels_after`` in SQL
CHANNELS_AFTER_SQL = {
    "channels_after": lambda ctx, p: F(f"{p}channels_before") - F(f"{p}channels_to_remove"),
}


class PendingDecreaseSerializer(representation.ModelSerializer):
    channels_after = serializers.IntegerField(read_only=True)

    sql_fields = CHANNELS_AFTER_SQL

    class Meta:
        model = ChannelDecrease
        fields = ["id", "channels_to_remove", "channels_before", "channels_after", "effective_on"]


def _held_sql(ctx, p: str, value: str):
    """``value`` over the packs the trunk holds today (``selectors.packs_held_many``: the
    ledger's counts summed per pack size and price, zero sums left out), as ``g``."""
    if p:
        raise sql_lists.Unsupported("held packs of a nested trunk")
    return RawSQL(
        f"SELECT {value} FROM (SELECT p.channels, p.monthly_price, SUM(l.count) AS total "
        f"FROM {PackLedgerEntry._meta.db_table} l JOIN {Pack._meta.db_table} p "
        f"ON p.id = l.pack_id WHERE l.trunk_id = {Trunk._meta.db_table}.id "
        "AND l.effective_on <= %s GROUP BY p.channels, p.monthly_price "
        "HAVING SUM(l.count) <> 0) g",
        (ctx.raw_param("today"),),
        output_field=TextField(),
    )


class TrunkSerializer(representation.ModelSerializer):
    """TRK-1: a trunk with its capacity and packs today (from the ledger), and its pending
    decrease (TRK-4). The registration secret is never shown here (ACC-7)."""

    contract = serializers.CharField(source="contract.reference", read_only=True)
    customer = serializers.IntegerField(source="contract.client_id", read_only=True)
    channels = serializers.SerializerMethodField()
    packs = serializers.SerializerMethodField()
    monthly_price = serializers.SerializerMethodField()
    pending_decrease = serializers.SerializerMethodField()

    class Meta:
        model = Trunk
        fields = [
            "id",
            "contract",
            "customer",
            "username",
            "status",
            "channels",
            "packs",
            "monthly_price",
            "pending_decrease",
            "secret_issued_at",
            "created_at",
        ]

    sql_fields = {  # kernel.sql_lists: the methods below, in SQL
        "channels": lambda ctx, p: _held_sql(ctx, p, "COALESCE(SUM(g.channels * g.total), 0)"),
        "packs": lambda ctx, p: _held_sql(
            ctx,
            p,
            "COALESCE(JSON_AGG(JSON_BUILD_OBJECT('channels', g.channels, 'count', g.total, "
            "'monthly_price', g.monthly_price::text) ORDER BY g.channels DESC), '[]'::json)",
        ),
        "monthly_price": lambda ctx, p: _held_sql(
            ctx, p, "ROUND(COALESCE(SUM(g.monthly_price * g.total), 0), 4)::text"
        ),
        "pending_decrease": lambda ctx, p: sql_lists.first_row(
            ChannelDecrease.objects.filter(
                trunk=OuterRef(f"{p}pk"), status=DecreaseStatus.PENDING
            ).order_by("-created_at", "-id"),
            PendingDecreaseSerializer,
            ctx,
        ),
    }

    def _held(self, trunk) -> list[dict]:
        return self.context.get("held", {}).get(trunk.pk, [])

    def get_channels(self, trunk) -> int:
        return sum(row["channels"] * row["count"] for row in self._held(trunk))

    @extend_schema_field(PackLineSerializer(many=True))
    def get_packs(self, trunk):
        write = representation.nested(self, PackLineSerializer)
        return [write(row) for row in self._held(trunk)]

    @extend_schema_field(serializers.DecimalField(max_digits=12, decimal_places=4))
    def get_monthly_price(self, trunk):
        total = sum((row["monthly_price"] * row["count"] for row in self._held(trunk)), Decimal(0))
        return f"{total:.4f}"

    @extend_schema_field(PendingDecreaseSerializer(allow_null=True))
    def get_pending_decrease(self, trunk):
        pending = next(iter(getattr(trunk, "pending_decreases", [])), None)
        return representation.nested(self, PendingDecreaseSerializer)(pending) if pending else None


class ChannelQuoteInputSerializer(serializers.Serializer):
    """TRK-3: either ``add`` (channels to add) or ``total`` (channels wanted in all)."""

    add = api_fields.IntegerField(min_value=1, required=False, **CHANNELS)
    total = api_fields.IntegerField(min_value=1, required=False, **CHANNELS)

    def validate(self, attrs):
        if ("add" in attrs) == ("total" in attrs):
            raise serializers.ValidationError(
                {"add": [_("Give either the channels to add or the new total.")]}
            )
        return attrs


class ChannelQuoteSerializer(serializers.Serializer):
    """TRK-3: the live quote: packs added and their pro-rata now, the price from next period
    (the best tariff for the new total, TRK-5)."""

    trunk = serializers.IntegerField(source="trunk.pk")
    max_channels = serializers.IntegerField()
    current_channels = serializers.IntegerField()
    current_packs = PackLineSerializer(many=True)
    current_monthly_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    channels_requested = serializers.IntegerField()
    packs_added = PackLineSerializer(many=True)
    monthly_price_added = serializers.DecimalField(max_digits=12, decimal_places=4)
    new_channels = serializers.IntegerField()
    current_period_monthly_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    activation_day = serializers.DateField()
    period_end = serializers.DateField(help_text=_("Exclusive: the next renewal date."))
    prorata_days = serializers.IntegerField()
    period_days = serializers.IntegerField()
    prorata_price = serializers.DecimalField(max_digits=12, decimal_places=4)
    prorata_net = serializers.DecimalField(max_digits=12, decimal_places=2)
    prorata_gross = serializers.DecimalField(max_digits=12, decimal_places=2)
    next_packs = PackLineSerializer(many=True)
    next_channels = serializers.IntegerField()
    next_monthly_price = serializers.DecimalField(max_digits=12, decimal_places=4)


class ChannelOrderSerializer(representation.ModelSerializer):
    """TRK-3: an order and where it stands."""

    trunk = serializers.IntegerField(source="trunk_id", read_only=True)
    packs = PackLineSerializer(many=True, read_only=True)

    class Meta:
        model = ChannelOrder
        fields = [
            "id",
            "reference",
            "trunk",
            "status",
            "channels_requested",
            "channels_added",
            "packs",
            "monthly_price_added",
            "activation_day",
            "period_end",
            "prorata_days",
            "period_days",
            "prorata_price",
            "amount_gross",
            "payment_method",
            "expires_on",
            "created_at",
            "paid_at",
            "activated_at",
            "cancelled_at",
            "expired_at",
        ]


class PartnerTrunkField(api_fields.IdField):
    """One of the calling partner's trunks. Another partner's and an id that does not exist
    are the same field error (ACC-3)."""

    default_error_messages = {"does_not_exist": _("This trunk does not exist.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("The trunk's id."))
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Trunk.objects.none()
        return Trunk.objects.select_related("contract__client", "contract__offer").filter(
            contract__client__partner=request.auth.partner
        )


class ChannelOrderCreateSerializer(ChannelQuoteInputSerializer):
    trunk = PartnerTrunkField()


class ChannelOrderPaySerializer(serializers.Serializer):
    """A partner pays from the customer's prepaid balance or by the customer's direct debit;
    payments by transfer or card are recorded by staff."""

    method = serializers.ChoiceField(
        choices=[
            (PaymentChoice.PREPAID.value, PaymentChoice.PREPAID.label),
            (PaymentChoice.DIRECT_DEBIT.value, PaymentChoice.DIRECT_DEBIT.label),
        ]
    )


class ChannelDecreaseSerializer(representation.ModelSerializer):
    trunk = serializers.IntegerField(source="trunk_id", read_only=True)
    channels_after = serializers.IntegerField(read_only=True)

    sql_fields = CHANNELS_AFTER_SQL

    class Meta:
        model = ChannelDecrease
        fields = [
            "id",
            "trunk",
            "status",
            "channels_to_remove",
            "channels_before",
            "channels_after",
            "effective_on",
            "created_at",
            "cancelled_at",
            "applied_at",
        ]


class ChannelDecreaseCreateSerializer(serializers.Serializer):
    """TRK-4: either ``new_total`` or ``channels_to_remove``."""

    trunk = PartnerTrunkField()
    new_total = api_fields.IntegerField(min_value=0, required=False, **CHANNELS)
    channels_to_remove = api_fields.IntegerField(min_value=1, required=False, **CHANNELS)

    def validate(self, attrs):
        if ("new_total" in attrs) == ("channels_to_remove" in attrs):
            raise serializers.ValidationError(
                {"new_total": [_("Give either the new total or the channels to remove.")]}
            )
        return attrs


class SipDeviceSerializer(representation.ModelSerializer):
    class Meta:
        model = SipDevice
        fields = ["device_id", "user_agent", "supplied_by_reseller", "last_seen_at"]


class SipAccountSerializer(representation.ModelSerializer):
    """ACC-7: a SIP account; its secret is never shown here (only once, when issued)."""

    contract = serializers.CharField(source="contract.reference", read_only=True)
    customer = serializers.IntegerField(source="contract.client_id", read_only=True)
    devices = SipDeviceSerializer(many=True, read_only=True)

    class Meta:
        model = SipAccount
        fields = [
            "id",
            "username",
            "label",
            "contract",
            "customer",
            "status",
            "mobility",
            "devices",
            "secret_issued_at",
            "created_at",
        ]


class CredentialsResetSerializer(serializers.Serializer):
    compromised = serializers.BooleanField(
        default=False,
        help_text=_(
            "True: the credentials are declared compromised (ACC-7): disabled at once until "
            "re-enabled, devices dropped, the customer told."
        ),
    )


class IssuedCredentialsSerializer(serializers.Serializer):
    """ACC-7: the new secret, shown this once."""

    username = serializers.CharField()
    secret = serializers.CharField()
    status = serializers.CharField()


class DestinationSerializer(serializers.Serializer):
    """TRK-6: a destination group and whether this trunk or SIP account blocks it."""

    group = serializers.CharField(source="group.code")
    name = serializers.CharField(source="group.name")
    blocked_by_default = serializers.BooleanField(source="group.blocked_by_default")
    blocked = serializers.BooleanField()


class DestinationChangeSerializer(serializers.Serializer):
    group = serializers.SlugField(
        max_length=DestinationGroup._meta.get_field("code").max_length,
        help_text=_("The destination group's code."),
    )
