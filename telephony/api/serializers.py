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
from telephony.choices import DecreaseStatus, PaymentChoice, SipStatus
from telephony.models import (
    ChannelDecrease,
    ChannelOrder,
    Pack,
    PackLedgerEntry,
    Trunk,
)
from telephony.packs import DEFAULT_CAP

# TRK-1: the most channels a trunk holds (TRUNK 2), the bound of every channel count asked.
CHANNELS = {"max_value": DEFAULT_CAP}

# The descriptions of the fields that several components share (one text per field name).
TRUNK_ID = _("The trunk's id.")
CONTRACT_REFERENCE = _("The reference of the contract it belongs to, e.g. CT-2026-000042.")
CUSTOMER_ID = _("The customer's id.")
USERNAME = _(
    "The SIP username it registers with (ACC-7): trk then 10 digits for a trunk, sip then 10 "
    "digits for a SIP account."
)
SIP_STATUS = _(
    "The state of its SIP credentials, derived (ACC-7, CON-8): active; disabled while "
    "credentials declared compromised have not been re-enabled; suspended while its contract "
    "is suspended or, for a SIP account, a suspension of the account itself is open; closed "
    "once its contract is terminated (CON-4, CON-5)."
)


def sip_status_field(**kwargs):
    """The derived status of SIP credentials (``SipStatus``), its values in the schema."""
    return api_fields.inline_choice(
        SipStatus.choices, as_pattern=True, help_text=SIP_STATUS, **kwargs
    )


SECRET_ISSUED_AT = _(
    "When its current secret was issued, with its UTC offset (ACC-7: a secret is shown at most "
    "once, when issued); null if none was ever issued."
)
CANCELLED_AT = _("When it was cancelled, with its UTC offset; null if it was not.")
CHANNELS_REQUESTED = _(
    "The channels asked for on top of those held: add, or total minus the channels the trunk "
    "held when asked (TRK-3)."
)
MONTHLY_PRICE_ADDED = _(
    "What the packs added cost a month (€ excl. VAT, a decimal string with 4 decimals)."
)
ACTIVATION_DAY = _(
    "The first day charged, the day the channels start (Paris date): today for a quote; for "
    "an order, the day it was quoted, then the day it was paid (TRK-3)."
)
PRORATA_DAYS = _("The days charged: from activation_day, inclusive, to period_end, exclusive.")
PERIOD_DAYS = _("The days of the billing period (the calendar month of activation_day).")
PRORATA_PRICE = _(
    "monthly_price_added × prorata_days / period_days (€ excl. VAT, a decimal string with 4 "
    "decimals, half up; the invoice line rounds it to the cent once) (TRK-3)."
)
CHANNELS_TO_REMOVE = _(
    "The channels removed at the next renewal date (TRK-4); the trunk keeps at least one."
)
CHANNELS_BEFORE = _("The channels the trunk held when the decrease was asked.")
CHANNELS_AFTER = _(
    "channels_before − channels_to_remove: what the trunk holds from effective_on if nothing "
    "else changes (an increase paid meanwhile stays on top)."
)
DECREASE_ID = _("The decrease's id.")
ADD = _(
    "The channels to add to those the trunk holds today, within its cap (200 at most, TRK-1); "
    "give either add or total."
)
TOTAL = _(
    "The channels wanted in all, more than the trunk holds today and within its cap (200 at "
    "most, TRK-1); give either add or total."
)


class PackLineSerializer(api_fields.Serializer):
    """``count`` packs of ``channels`` channels at ``monthly_price`` each (€ HT a month)."""

    channels = serializers.IntegerField(help_text=_("The channels of one pack."))
    count = serializers.IntegerField(help_text=_("How many of these packs."))
    monthly_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text=_(
            "The price of one pack a month (€ excl. VAT, a decimal string with 4 decimals)."
        ),
    )


# kernel.sql_lists: ``ChannelDecrease.channels_after`` in SQL
CHANNELS_AFTER_SQL = {
    "channels_after": lambda ctx, p: F(f"{p}channels_before") - F(f"{p}channels_to_remove"),
}


class PendingDecreaseSerializer(representation.ModelSerializer):
    channels_after = serializers.IntegerField(read_only=True, help_text=CHANNELS_AFTER)

    sql_fields = CHANNELS_AFTER_SQL

    class Meta:
        model = ChannelDecrease
        fields = ["id", "channels_to_remove", "channels_before", "channels_after", "effective_on"]
        extra_kwargs = api_fields.described(
            id=DECREASE_ID,
            channels_to_remove=CHANNELS_TO_REMOVE,
            channels_before=CHANNELS_BEFORE,
        )


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

    contract = serializers.CharField(
        source="contract.reference", read_only=True, help_text=CONTRACT_REFERENCE
    )
    status = sip_status_field(read_only=True)
    customer = serializers.IntegerField(
        source="contract.client_id", read_only=True, help_text=CUSTOMER_ID
    )
    channels = serializers.SerializerMethodField(
        help_text=_(
            "The channels it holds today (Paris date): the sum of its packs' channels (TRK-1)."
        )
    )
    packs = serializers.SerializerMethodField(
        help_text=_("The packs it holds today (Paris date), largest first (TRK-1).")
    )
    monthly_price = serializers.SerializerMethodField(
        help_text=_(
            "What the packs it holds today cost a month, at its pack table's prices (€ excl. "
            "VAT, a decimal string with 4 decimals)."
        )
    )
    pending_decrease = serializers.SerializerMethodField(
        help_text=_(
            "Its decrease waiting for the next renewal date (TRK-4); null when none is pending."
        )
    )

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
        extra_kwargs = api_fields.described(
            id=TRUNK_ID,
            username=USERNAME,
            secret_issued_at=SECRET_ISSUED_AT,
            created_at=api_fields.CREATED_AT,
        )

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


class ChannelQuoteInputSerializer(api_fields.Serializer):
    """TRK-3: either ``add`` (channels to add) or ``total`` (channels wanted in all)."""

    add = api_fields.IntegerField(min_value=1, required=False, help_text=ADD, **CHANNELS)
    total = api_fields.IntegerField(min_value=1, required=False, help_text=TOTAL, **CHANNELS)

    def validate(self, attrs):
        if ("add" in attrs) == ("total" in attrs):
            raise serializers.ValidationError(
                {"add": [_("Give either the channels to add or the new total.")]}
            )
        return attrs


class ChannelQuoteSerializer(api_fields.Serializer):
    """TRK-3: the live quote: packs added and their pro-rata now, the price from next period
    (the best tariff for the new total, TRK-5)."""

    trunk = serializers.IntegerField(source="trunk.pk", help_text=TRUNK_ID)
    max_channels = serializers.IntegerField(
        help_text=_("The most channels the trunk may hold: its offer's cap, 200 at most (TRK-1).")
    )
    current_channels = serializers.IntegerField(
        help_text=_("The channels the trunk holds today (Paris date).")
    )
    current_packs = PackLineSerializer(
        many=True, help_text=_("The packs the trunk holds today, largest first.")
    )
    current_monthly_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text=_(
            "What the packs held today cost a month (€ excl. VAT, a decimal string with 4 "
            "decimals)."
        ),
    )
    channels_requested = serializers.IntegerField(help_text=CHANNELS_REQUESTED)
    packs_added = PackLineSerializer(
        many=True,
        help_text=_(
            "The packs the order would add, at the best tariff for channels_requested (TRK-2), "
            "largest first; the packs held are kept until the period ends (TRK-3)."
        ),
    )
    monthly_price_added = serializers.DecimalField(
        max_digits=12, decimal_places=4, help_text=MONTHLY_PRICE_ADDED
    )
    new_channels = serializers.IntegerField(
        help_text=_(
            "The channels held once the order is paid, until the period ends: current_channels "
            "plus the channels of packs_added (at least channels_requested more)."
        )
    )
    current_period_monthly_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text=_(
            "current_monthly_price + monthly_price_added: what the packs held cost a month once "
            "the order is paid, until the period ends (€ excl. VAT, a decimal string with 4 "
            "decimals)."
        ),
    )
    activation_day = serializers.DateField(help_text=ACTIVATION_DAY)
    period_end = serializers.DateField(help_text=_("Exclusive: the next renewal date."))
    prorata_days = serializers.IntegerField(help_text=PRORATA_DAYS)
    period_days = serializers.IntegerField(help_text=PERIOD_DAYS)
    prorata_price = serializers.DecimalField(
        max_digits=12, decimal_places=4, help_text=PRORATA_PRICE
    )
    prorata_net = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "prorata_price rounded to the cent, half up, as the invoice line will show it "
            "(€ excl. VAT, a decimal string)."
        ),
    )
    prorata_gross = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "prorata_net with the VAT of the customer's regime, rounded to the cent (€ incl. "
            "VAT, a decimal string): what paying the order takes, e.g. from the prepaid balance."
        ),
    )
    next_packs = PackLineSerializer(
        many=True,
        help_text=_(
            "The packs from the next period, as the renewal will hold them (TRK-5): the best "
            "tariff (TRK-2) for new_channels less a decrease pending by then, largest first."
        ),
    )
    next_channels = serializers.IntegerField(
        help_text=_("The channels of next_packs: the capacity quoted from the next period.")
    )
    next_monthly_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=4,
        help_text=_(
            "What next_packs cost a month (€ excl. VAT, a decimal string with 4 decimals)."
        ),
    )
    contract_ends_on = serializers.DateField(
        allow_null=True,
        help_text=_(
            "The first day without service of a terminating contract (CON-4), null when no "
            "termination is scheduled. Channels may be added until then (TRK-3, TRUNK 7); when "
            "it is period_end, nothing is billed from then: next_packs is empty and "
            "next_channels 0."
        ),
    )


class ChannelOrderSerializer(representation.ModelSerializer):
    """TRK-3: an order and where it stands."""

    trunk = serializers.IntegerField(source="trunk_id", read_only=True, help_text=TRUNK_ID)
    packs = PackLineSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The packs it adds at the best tariff (TRK-2), largest first: as quoted, then as "
            "activated when paid."
        ),
    )

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
        extra_kwargs = api_fields.described(
            id=_("The order's id."),
            reference=_("Its reference, e.g. CH-2026-000042."),
            status=_(
                "quoted → awaiting_payment → paid → active (TRK-3). An order created through the "
                "API starts awaiting_payment; paying it makes it paid, then active at once. An "
                "unpaid order is cancelled on request, or expired the day after expires_on, "
                "its last day to pay."
            ),
            channels_requested=CHANNELS_REQUESTED,
            channels_added=_(
                "The channels its packs add: at least channels_requested, more when the best "
                "tariff covers more (TRK-2)."
            ),
            monthly_price_added=MONTHLY_PRICE_ADDED,
            activation_day=ACTIVATION_DAY,
            prorata_days=PRORATA_DAYS,
            period_days=PERIOD_DAYS,
            prorata_price=PRORATA_PRICE,
            amount_gross=_(
                "prorata_price rounded to the cent with the VAT of the customer's regime (€ incl. "
                "VAT, a decimal string): what paying the order takes; as quoted, then as paid."
            ),
            payment_method=_(
                "How it was paid (TRK-3): prepaid (the prepaid balance was debited), "
                "direct_debit (the charge joins the next direct-debit batch) or "
                "recorded_payment (a card or transfer payment recorded by staff); empty until "
                "paid."
            ),
            created_at=api_fields.CREATED_AT,
            paid_at=_("When it was paid, with its UTC offset; null until then."),
            activated_at=_(
                "When its channels became active (right after payment), with its UTC offset; "
                "null until then."
            ),
            cancelled_at=CANCELLED_AT,
            expired_at=_("When it expired unpaid, with its UTC offset; null if it did not."),
        )


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


class ChannelOrderPaySerializer(api_fields.Serializer):
    """A partner pays from the customer's prepaid balance or by the customer's direct debit;
    payments by transfer or card are recorded by staff."""

    method = serializers.ChoiceField(
        choices=[
            (PaymentChoice.PREPAID.value, PaymentChoice.PREPAID.label),
            (PaymentChoice.DIRECT_DEBIT.value, PaymentChoice.DIRECT_DEBIT.label),
        ],
        help_text=_(
            "prepaid: the customer's prepaid balance is debited the pro-rata incl. VAT, "
            "re-quoted on the day of payment (insufficient_balance when short); direct_debit: "
            "the customer needs an active SEPA mandate and no unpaid invoice being chased, and "
            "the charge joins the next direct-debit batch (TRK-3)."
        ),
    )
    expected_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_(
            "Optional: the pro-rata incl. VAT the customer was shown (amount_gross of the quote). "
            "When today's amount differs (the quote was read before midnight, say), nothing is "
            "paid nor debited: 400 on expected_amount, with today's amount."
        ),
    )


class ChannelDecreaseSerializer(representation.ModelSerializer):
    trunk = serializers.IntegerField(source="trunk_id", read_only=True, help_text=TRUNK_ID)
    channels_after = serializers.IntegerField(read_only=True, help_text=CHANNELS_AFTER)

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
        extra_kwargs = api_fields.described(
            id=DECREASE_ID,
            status=_(
                "pending until effective_on, then applied by the renewal (TRK-4); cancelled when "
                "withdrawn before effective_on."
            ),
            channels_to_remove=CHANNELS_TO_REMOVE,
            channels_before=CHANNELS_BEFORE,
            created_at=api_fields.CREATED_AT,
            cancelled_at=CANCELLED_AT,
            applied_at=_(
                "When the renewal applied it, with its UTC offset; null unless it was applied."
            ),
        )


class ChannelDecreaseCreateSerializer(api_fields.Serializer):
    """TRK-4: either ``new_total`` or ``channels_to_remove``."""

    trunk = PartnerTrunkField()
    new_total = api_fields.IntegerField(
        min_value=1,
        required=False,
        error_messages={"min_value": _("A trunk keeps at least one channel.")},
        help_text=_(
            "The channels to keep from the next renewal date: at least 1, fewer than the trunk "
            "holds today (TRK-4); give either new_total or channels_to_remove."
        ),
        **CHANNELS,
    )
    channels_to_remove = api_fields.IntegerField(
        min_value=1, required=False, help_text=CHANNELS_TO_REMOVE, **CHANNELS
    )

    def validate(self, attrs):
        if ("new_total" in attrs) == ("channels_to_remove" in attrs):
            raise serializers.ValidationError(
                {"new_total": [_("Give either the new total or the channels to remove.")]}
            )
        return attrs
