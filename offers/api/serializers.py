"""Partner API of the offers domain: contracts (CON-2, CON-4, CON-5); the catalogue (CON-1) is
in ``catalogue_serializers``, terminations and their quotes in ``termination_serializers``.

Money is always a string (``COERCE_DECIMAL_TO_STRING``); unit prices keep 4 decimals, amounts 2.
Output and input serializers are separate: contracts are written only through ``offers.services``.
"""

from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from accounts.models import Site
from kernel import api_fields, representation, sql_lists
from kernel.clock import paris_today
from kernel.inputs import MAX_QUANTITY
from kernel.languages import display_name_sql
from offers.api.catalogue_serializers import TermsSerializer
from offers.api.termination_serializers import TerminationSerializer
from offers.choices import (
    LIVE_STATUSES,
    TerminationStatus,
)
from offers.models import (
    Contract,
    ContractLine,
    Offer,
    Product,
    Suspension,
    Termination,
)

# --- Contracts: output ----------------------------------------------------------------------


def _line_total(p: str):
    """``ContractLine.monthly_total`` in SQL (4 decimals: a price of 4 times an integer)."""
    return ExpressionWrapper(
        F(f"{p}unit_monthly_price") * F(f"{p}quantity"), output_field=DecimalField()
    )


def _monthly_fees_sql(p: str):
    """``Contract.monthly_fees``: the current lines' monthly totals, 0.0000 without any."""
    totals = (
        ContractLine.objects.filter(contract=OuterRef(f"{p}pk"), ended_on__isnull=True)
        .order_by()
        .values("contract")
        .annotate(total=Sum(_line_total("")))
        .values("total")
    )
    zero = Value(Decimal("0"), output_field=DecimalField())
    total = Coalesce(Subquery(totals, output_field=DecimalField()), zero)
    rounded = Func(total, template="ROUND(%(expressions)s, 4)", output_field=DecimalField())
    return Cast(rounded, TextField())


def _current_period_sql(p: str):
    """``get_current_period``: ``{start, end}``, null unless both are known."""
    start, end = f"{p}current_period_start", f"{p}current_period_end"
    return Case(
        When(Q(**{f"{start}__isnull": True}) | Q(**{f"{end}__isnull": True}), then=Value(None)),
        default=sql_lists.JsonObject(
            [("start", sql_lists.IsoDate(start)), ("end", sql_lists.IsoDate(end))]
        ),
        output_field=TextField(),
    )


def _scheduled_sql(p: str):
    """The contract's scheduled terminations, as the viewset prefetches them."""
    return Termination.objects.filter(
        contract=OuterRef(f"{p}pk"), status=TerminationStatus.SCHEDULED
    )


def _next_renewal_sql(p: str):
    """``get_next_renewal`` in SQL."""
    end = f"{p}current_period_end"
    effective = sql_lists.first(_scheduled_sql(p), "effective_date", DateField())
    return Case(
        When(Q(**{f"{end}__isnull": True}) | ~Q(**{f"{p}status__in": LIVE_STATUSES}), then=None),
        When(Q(**{f"{end}__gte": effective}), then=None),
        default=sql_lists.IsoDate(end),
        output_field=TextField(),
    )


class ContractLineSerializer(representation.ModelSerializer):
    product = serializers.CharField(
        source="product.code", read_only=True, help_text=_("The product's code.")
    )
    product_name = serializers.CharField(
        source="product.display_name",
        read_only=True,
        help_text=_(
            "The product's name in the request's language: its English name with "
            "Accept-Language: en when one was entered, else its French name."
        ),
    )
    kind = serializers.CharField(
        source="product.kind", read_only=True, help_text=_("The product's kind: main or option.")
    )
    monthly_total = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        read_only=True,
        help_text=_("Quantity × unit monthly price (€ excl. VAT, not rounded)."),
    )

    sql_fields = {  # kernel.sql_lists: ``ContractLine.monthly_total`` and the name in SQL
        "monthly_total": lambda ctx, p: Cast(_line_total(p), TextField()),
        "product_name": lambda ctx, p: display_name_sql(ctx, f"{p}product__"),
    }

    class Meta:
        model = ContractLine
        fields = [
            "id",
            "product",
            "product_name",
            "kind",
            "quantity",
            "unit_setup_price",
            "unit_monthly_price",
            "monthly_total",
            "started_on",
            "ended_on",
        ]
        extra_kwargs = api_fields.described(
            id=_("The line's id."),
            quantity=_("Users, lines, channels… as the product counts them (CON-2)."),
            unit_setup_price=_("The one-off setup price per unit (€ excl. VAT)."),
            unit_monthly_price=_("The monthly price per unit (€ excl. VAT)."),
            started_on=_("The day the line started."),
            ended_on=_("The day the line ended (an option ends with its contract); null if live."),
        )


class PeriodSerializer(api_fields.Serializer):
    """A commitment period ``[start, end)``: ``end`` is the first day of the next one."""

    start = serializers.DateField(help_text=_("The period's first day."))
    end = serializers.DateField(help_text=_("The first day of the next period."))


class SuspensionSerializer(representation.ModelSerializer):
    class Meta:
        model = Suspension
        fields = ["id", "reason", "note", "started_at", "lifted_at"]
        extra_kwargs = api_fields.described(
            id=_("The suspension's id."),
            reason=_(
                "Why (CON-8): non_payment, fraud (or suspected hacking), abnormal_traffic, "
                "breach, authority_order or prepaid_exhausted (USE-8)."
            ),
            note=_(
                "A free-text note on the suspension, by staff or the system (e.g. an exhausted "
                "prepaid balance); may be empty."
            ),
            started_at=_("When the service was suspended, with its UTC offset."),
            lifted_at=_(
                "When the suspension was lifted, with its UTC offset; null while in force."
            ),
        )


class ContractSerializer(representation.ModelSerializer):
    """A contract with its lines, the terms it was signed with and what is scheduled.

    ``scheduled_termination`` and ``active_suspension`` read the lists prefetched by the viewset
    (``scheduled_terminations``, ``open_suspensions``): no query per contract.
    """

    client = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The id of the customer.")
    )
    site = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The id of the site served; null if none.")
    )
    offer = serializers.CharField(
        source="offer.code", read_only=True, help_text=_("The offer's code, e.g. sip-unl.")
    )
    preset = serializers.CharField(
        source="offer.preset", read_only=True, help_text=_("The offer's family (CON-1).")
    )
    lines = ContractLineSerializer(
        many=True, read_only=True, help_text=_("The main product and its options (CON-2).")
    )
    monthly_fees = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        read_only=True,
        help_text=_("The monthly subscriptions of its live lines (€ excl. VAT, not rounded)."),
    )
    terms_snapshot = TermsSerializer(
        read_only=True,
        help_text=_("The offer's terms as signed: a later change of the offer leaves them."),
    )
    current_period = serializers.SerializerMethodField(
        help_text=_("The commitment period running today; null before the service starts.")
    )
    next_renewal = serializers.SerializerMethodField()
    scheduled_termination = serializers.SerializerMethodField(
        help_text=_("The termination scheduled (CON-4), with its fee; null if none.")
    )
    active_suspension = serializers.SerializerMethodField(
        help_text=_("The suspension in force (CON-8); null if none.")
    )

    sql_fields = {  # kernel.sql_lists: the property and the methods below, in SQL
        "monthly_fees": lambda ctx, p: _monthly_fees_sql(p),
        "current_period": lambda ctx, p: _current_period_sql(p),
        "next_renewal": lambda ctx, p: _next_renewal_sql(p),
        "scheduled_termination": lambda ctx, p: sql_lists.first_row(
            _scheduled_sql(p), TerminationSerializer, ctx
        ),
        "active_suspension": lambda ctx, p: sql_lists.first_row(
            Suspension.objects.filter(contract=OuterRef(f"{p}pk"), lifted_at__isnull=True),
            SuspensionSerializer,
            ctx,
        ),
    }

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "client",
            "site",
            "offer",
            "preset",
            "status",
            "signature_date",
            "order_date",
            "service_start_date",
            "purchase_order_ref",
            "sla_applicable",
            "is_trial",
            "trial_ends_on",
            "last_traffic_on",
            "lines",
            "monthly_fees",
            "terms_snapshot",
            "current_period",
            "next_renewal",
            "scheduled_termination",
            "active_suspension",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The contract's id."),
            reference=_("Its reference, e.g. CT-2026-000042."),
            status=_(
                "Where it stands: draft → ordered → active → suspended → terminating → "
                "terminated (CON-2)."
            ),
            signature_date=_("The day it was signed."),
            order_date=_("The day it was ordered."),
            service_start_date=_("The day the service started; null until then."),
            purchase_order_ref=_("The customer's purchase order reference, printed on invoices."),
            sla_applicable=_(
                "false when the access link, terminals or router were not ordered from us: the "
                "SLA then does not apply to a HOSTED-W contract (HOSTED-W 7, SLA-9); the other "
                "offers keep their SLA."
            ),
            is_trial=_("true: a trial (CON-7): its calls before trial_ends_on are never invoiced."),
            trial_ends_on=_(
                "The day the trial ends, excluded: calls from that day on are invoiced; null for a "
                "contract that is no trial."
            ),
            last_traffic_on=_("The day of its last call, inbound included (ACC-6); null if none."),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )

    @staticmethod
    def _scheduled(contract):
        terminations = getattr(contract, "scheduled_terminations", None)
        if terminations is None:  # not prefetched (e.g. right after a create)
            terminations = list(contract.terminations.filter(status=TerminationStatus.SCHEDULED))
        return terminations[0] if terminations else None

    @extend_schema_field(PeriodSerializer(allow_null=True))
    def get_current_period(self, contract):
        if contract.current_period_start is None or contract.current_period_end is None:
            return None
        return representation.nested(self, PeriodSerializer)(
            {"start": contract.current_period_start, "end": contract.current_period_end}
        )

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text=_(
                "CON-3: the day the contract renews tacitly, unless a termination takes "
                "effect by then (null for a contract not in service yet, or one ending before)."
            ),
        )
    )
    def get_next_renewal(self, contract):
        """CON-3: the day the contract renews tacitly, unless a termination takes effect by
        then (null for a contract not in service yet, or one ending before)."""
        end = contract.current_period_end
        if end is None or contract.status not in LIVE_STATUSES:
            return None
        termination = self._scheduled(contract)
        if termination is not None and termination.effective_date <= end:
            return None
        return end.isoformat()

    @extend_schema_field(TerminationSerializer(allow_null=True))
    def get_scheduled_termination(self, contract):
        termination = self._scheduled(contract)
        return (
            representation.nested(self, TerminationSerializer)(termination) if termination else None
        )

    @extend_schema_field(SuspensionSerializer(allow_null=True))
    def get_active_suspension(self, contract):
        suspensions = getattr(contract, "open_suspensions", None)
        if suspensions is None:
            suspensions = list(contract.suspensions.filter(lifted_at__isnull=True))
        return (
            representation.nested(self, SuspensionSerializer)(suspensions[0])
            if suspensions
            else None
        )


# --- Contracts: input -----------------------------------------------------------------------

MAX_OPTIONS = 50  # option lines of one order (the catalogue has a dozen options per offer)


class CustomerField(PartnerClientField):
    """One of the calling partner's customers (an id); another partner's is 'not found'."""


class PartnerSiteField(api_fields.IdField):
    """A site of one of the calling partner's customers; another partner's is 'not found'."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Site.objects.none()
        return Site.objects.filter(client__partner=request.auth.partner)


class OptionRequestSerializer(api_fields.Serializer):
    product = api_fields.CodeField(
        queryset=Product.objects.filter(is_active=True),
        help_text=_("Code of an option of the offer."),
    )
    quantity = api_fields.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        default=1,
        help_text=_("Users, lines, channels… as the product counts them (CON-2)."),
    )
    unit_monthly_price = api_fields.DecimalField(
        max_digits=12,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        help_text=_("Only for options priced on quote, and required for them (€ excl. VAT)."),
    )

    def validate(self, attrs):
        product = attrs["product"]
        if attrs.get("unit_monthly_price") is not None and not product.price_on_quote:
            # Catalogue prices are the reseller's: a partner sets a price only where the
            # catalogue has none (on-quote options, SPEC §3.4).
            raise serializers.ValidationError(
                {"unit_monthly_price": _("This option has a catalogue price: leave it out.")}
            )
        return attrs

    class Meta:
        list_serializer_class = api_fields.BoundedListSerializer


class ContractCreateSerializer(api_fields.Serializer):
    """CON-2: what a partner orders. The service checks the rest (site of that customer, offer
    on sale, options of the offer, on-quote prices given) and answers with field errors."""

    client = CustomerField(help_text=_("The id of one of your customers."))
    site = PartnerSiteField(
        required=False,
        allow_null=True,
        help_text=_("The id of the site it serves, a site of that customer; null or absent: none."),
    )
    offer = api_fields.CodeField(
        queryset=Offer.objects.all(), help_text=_("The code of an offer on sale, e.g. sip-unl.")
    )
    quantity = api_fields.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        default=1,
        help_text=_("The main product's quantity: users, lines, channels… as it counts them."),
    )
    options = OptionRequestSerializer(
        many=True,
        required=False,
        default=list,
        max_length=MAX_OPTIONS,
        help_text=_("The options ordered with it, each an option of the offer; none if absent."),
    )
    # 2000–2100 (year 1 and 9999 were accepted)
    signature_date = api_fields.DateField(
        help_text=_("The day it was signed: today at the latest (Paris date).")
    )
    order_date = api_fields.DateField(
        help_text=_("The day it was ordered, not before the signature.")
    )
    purchase_order_ref = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("The customer's purchase order reference, printed on invoices."),
    )

    def validate_signature_date(self, value):
        # CON-2: a contract is signed, then ordered: a signature of tomorrow is not one yet.
        today = paris_today()
        if value > today:
            raise serializers.ValidationError(
                _("A contract cannot be signed after today (%(today)s).")
                % {"today": today.strftime("%d/%m/%Y")}
            )
        return value

    def validate_offer(self, offer):
        if not offer.telephone_service:  # EQP-3: a rental contract comes with its items
            raise serializers.ValidationError(
                _(
                    "An equipment rental is ordered with its equipment: "
                    "POST /api/v1/equipment-orders/ (EQP-3)."
                )
            )
        return offer


# --- Errors ---------------------------------------------------------------------------------


class ErrorBodySerializer(api_fields.Serializer):
    code = serializers.CharField(
        help_text=_(
            "A stable code for programs, listed in the answer's description, e.g. "
            "invalid_transition."
        )
    )
    message = serializers.CharField(help_text=_("A message for a person, in the user's language."))


class CommandErrorSerializer(api_fields.Serializer):
    """The API's error envelope (portal.api.errors) as a command answers it on a conflict."""

    error = ErrorBodySerializer(help_text=_("What went wrong."))
