"""Catalogue (products, offers and their terms) and contracts (CON-1..8, ACC-6)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Client, Site, TimeStampedModel, User
from kernel import languages
from kernel.languages import NamedInEnglish, english_name_field
from offers import periods
from offers.choices import (
    PRICE_CHANGE_DEFAULT_RULES,
    PRICE_CHANGE_PRESET_RULES,
    SLA_VOID_WITHOUT_OUR_ACCESS,
    Anchor,
    BillingTiming,
    ContractStatus,
    FairUsePolicy,
    FeeRule,
    FirstMonth,
    NoticeRule,
    Preset,
    PriceChangeRefusal,
    ProductKind,
    SlaPolicy,
    TerminationReason,
    TerminationStatus,
)

# CON-6: the price change models live in their own module, re-exported here.
from offers.price_change_models import PriceChange as PriceChange
from offers.price_change_models import PriceChangeEvent as PriceChangeEvent
from offers.price_change_models import PriceChangeLine as PriceChangeLine
from offers.price_change_models import PriceChangeNotice as PriceChangeNotice

# CON-2: the quantity changes of contract lines, in their own module, re-exported here.
from offers.quantity_change_models import LineQuantityChange as LineQuantityChange

# CON-8: suspensions, in their own module, re-exported here.
from offers.suspension_models import Suspension as Suspension
from offers.suspension_models import SuspensionRecord as SuspensionRecord
from offers.suspension_models import who as _who

PRICE = {"max_digits": 12, "decimal_places": 4}  # unit prices keep 4 decimals (SPEC, Money)
MONEY = {"max_digits": 12, "decimal_places": 2}


class Terms(TimeStampedModel):
    """Every number of an offer's conditions (CON-1). A contract copies them when it is signed
    (``Contract.terms_snapshot``): changing an offer's terms never changes signed contracts."""

    SNAPSHOT_FIELDS = [
        "preset",
        "anchor",
        "initial_months",
        "renewal_months",
        "notice_rule",
        "notice_months",
        "subscription_timing",
        "consumption_timing",
        "first_month",
        "fee_rule",
        "minimum_monthly_commitment",
        "sla_policy",
        "support_days",
        "support_start",
        "support_end",
        "fair_use_policy",
        "intervention_business_hours",
        "restoration_target_hours",
        "restoration_in_business_hours",
        "price_change_notice_days",
        "price_change_refusal",
    ]

    name = models.CharField(_("name"), max_length=120)
    preset = models.CharField(_("preset"), max_length=10, choices=Preset)
    is_preset = models.BooleanField(
        _("is a preset"), default=False, help_text=_("The reference terms of a preset.")
    )
    anchor = models.CharField(_("periods counted from"), max_length=20, choices=Anchor)
    initial_months = models.PositiveSmallIntegerField(_("initial period (months)"))
    renewal_months = models.PositiveSmallIntegerField(_("renewal period (months)"))
    notice_rule = models.CharField(_("notice rule"), max_length=20, choices=NoticeRule)
    notice_months = models.PositiveSmallIntegerField(_("notice (months)"), default=0)
    subscription_timing = models.CharField(
        _("subscriptions billed"),
        max_length=10,
        choices=BillingTiming,
        default=BillingTiming.ADVANCE,
    )
    consumption_timing = models.CharField(
        _("consumption billed"),
        max_length=10,
        choices=BillingTiming,
        default=BillingTiming.ARREARS,
    )
    first_month = models.CharField(
        _("first month"), max_length=20, choices=FirstMonth, default=FirstMonth.PRO_RATA
    )
    fee_rule = models.CharField(_("termination fee rule"), max_length=20, choices=FeeRule)
    minimum_monthly_commitment = models.DecimalField(
        _("minimum monthly commitment (€ excl. VAT)"), default=Decimal("0"), **MONEY
    )
    sla_policy = models.CharField(
        _("SLA policy"), max_length=10, choices=SlaPolicy, default=SlaPolicy.NONE
    )
    support_days = models.CharField(
        _("support days"),
        max_length=20,
        blank=True,
        help_text=_("ISO weekdays, e.g. 12345 for Monday to Friday; empty = no business hours."),
    )
    support_start = models.TimeField(_("support opens"), null=True, blank=True)
    support_end = models.TimeField(_("support closes"), null=True, blank=True)
    fair_use_policy = models.CharField(
        _("fair-use policy"), max_length=10, choices=FairUsePolicy, default=FairUsePolicy.NONE
    )
    intervention_business_hours = models.PositiveSmallIntegerField(
        _("intervention deadline (business hours)"), null=True, blank=True
    )
    restoration_target_hours = models.PositiveSmallIntegerField(
        _("restoration target (hours)"), null=True, blank=True
    )
    restoration_in_business_hours = models.BooleanField(
        _("restoration counted in business hours"), default=False
    )
    # CON-6: the notice of a price change and what a customer facing an increase may do; empty,
    # the preset's (``price_change_rules``).
    price_change_notice_days = models.PositiveSmallIntegerField(
        _("price change notice (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the preset's (HOSTED-A 6: 7 days; the others: 30 days)."),
    )
    price_change_refusal = models.CharField(
        _("refusal of a price increase"),
        max_length=10,
        choices=PriceChangeRefusal,
        blank=True,
        help_text=_(
            "Empty: the preset's (HOSTED-A 6: refusal and termination without fee; PLATFORM "
            "12.2: objection; the others: none)."
        ),
    )

    class Meta:
        ordering = ["-is_preset", "preset", "name"]
        verbose_name = _("terms")
        verbose_name_plural = _("terms")
        constraints = [
            models.CheckConstraint(condition=Q(initial_months__gte=1), name="terms_initial_ge_1"),
            models.CheckConstraint(condition=Q(renewal_months__gte=1), name="terms_renewal_ge_1"),
            models.CheckConstraint(
                condition=Q(minimum_monthly_commitment__gte=0), name="terms_commitment_not_negative"
            ),
            models.UniqueConstraint(
                fields=["preset"],
                condition=Q(is_preset=True),
                name="one_reference_terms_per_preset",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.support_days and (self.support_start is None or self.support_end is None):
            raise ValidationError(_("Business hours need an opening and a closing time."))
        if self.support_start and self.support_end and self.support_start >= self.support_end:
            raise ValidationError({"support_end": _("Closing time must follow opening time.")})
        if self.notice_rule == NoticeRule.MONTHS and self.notice_months == 0:
            raise ValidationError({"notice_months": _("Give the notice period in months.")})

    def snapshot(self) -> dict:
        values = {}
        for name in self.SNAPSHOT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, Decimal):
                value = str(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            values[name] = value
        values["price_change_notice_days"], values["price_change_refusal"] = (
            self.price_change_rules()
        )
        return values

    def price_change_rules(self) -> tuple[int, str]:
        """CON-6: (notice in days, refusal right) — these terms', else their preset's."""
        days, refusal = PRICE_CHANGE_PRESET_RULES.get(self.preset, PRICE_CHANGE_DEFAULT_RULES)
        if self.price_change_notice_days is not None:
            days = self.price_change_notice_days
        return days, self.price_change_refusal or refusal


class Product(NamedInEnglish, TimeStampedModel):
    """Something sold: a main product (user, line, site, account, trunk) or an option."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = english_name_field()
    kind = models.CharField(_("kind"), max_length=10, choices=ProductKind, default=ProductKind.MAIN)
    unit = models.CharField(
        _("unit"),
        max_length=40,
        default="unit",
        help_text=_("What the quantity counts: user, line, site, channel…"),
    )
    setup_price = models.DecimalField(_("setup price (€ excl. VAT)"), default=0, **PRICE)
    monthly_price = models.DecimalField(_("monthly price (€ excl. VAT)"), default=0, **PRICE)
    price_on_quote = models.BooleanField(
        _("price on quote"),
        default=False,
        help_text=_("The price is entered by staff on each contract."),
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(setup_price__gte=0) & Q(monthly_price__gte=0),
                name="product_prices_not_negative",
            ),
        ]


class Offer(NamedInEnglish, languages.DescribedInEnglish, TimeStampedModel):
    """What customers subscribe to: a main product, allowed options, and its terms."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = english_name_field()
    preset = models.CharField(_("preset"), max_length=10, choices=Preset)
    main_product = models.ForeignKey(
        Product, verbose_name=_("main product"), on_delete=models.PROTECT, related_name="offers"
    )
    options = models.ManyToManyField(
        Product, verbose_name=_("options"), blank=True, related_name="option_of"
    )
    terms = models.OneToOneField(
        Terms, verbose_name=_("terms"), on_delete=models.PROTECT, related_name="offer"
    )
    description = models.TextField(_("description"), blank=True)
    description_en = languages.english_description_field()
    is_active = models.BooleanField(_("on sale"), default=True)
    telephone_service = models.BooleanField(
        _("telephone service"),
        default=True,
        help_text=_(
            "Its contracts take numbers (NUM-2, NUM-3) and SIP accounts; off for an equipment "
            "rental (EQP-3)."
        ),
    )

    class Meta:
        ordering = ["preset", "name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")


class Contract(TimeStampedModel):
    """CON-2: a customer's subscription to an offer, at a site, with the terms it was signed
    with. Commitment periods are computed from the anchor, never typed."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="contracts"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ContractStatus,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    terms_snapshot = models.JSONField(_("terms signed"), editable=False)
    signature_date = models.DateField(_("signature date"))
    order_date = models.DateField(_("order date"))
    service_start_date = models.DateField(_("service start date"), null=True, blank=True)
    current_period_start = models.DateField(_("current period start"), null=True, blank=True)
    current_period_end = models.DateField(
        _("current period end"),
        null=True,
        blank=True,
        help_text=_("Exclusive: the first day of the next."),
    )
    purchase_order_ref = models.CharField(_("purchase order reference"), max_length=50, blank=True)
    sla_applicable = models.BooleanField(
        _("SLA applies"),
        default=True,
        help_text=_("False when the access link, terminals or router were not ordered from us."),
    )
    is_trial = models.BooleanField(_("trial"), default=False)
    trial_ends_on = models.DateField(_("trial ends on"), null=True, blank=True)
    last_traffic_on = models.DateField(_("last traffic"), null=True, blank=True)
    inactive_flagged_on = models.DateField(_("flagged inactive on"), null=True, blank=True)
    ordered_at = models.DateTimeField(_("ordered at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__isnull=True)
                | Q(current_period_end__gt=models.F("current_period_start")),
                name="contract_period_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(is_trial=False) | Q(trial_ends_on__isnull=False),
                name="contract_trial_has_end",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "current_period_end"]),
            # The partner API's list order (kernel.sql_lists pages on it: issue 13).
            models.Index(fields=["-created_at", "-id"], name="contract_newest"),
            # A customer's contracts read from the index alone (the API's scoping joins).
            models.Index(fields=["client", "id"], name="contract_owner"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.offer}"

    # --- terms as signed ---
    def term(self, name):
        return self.terms_snapshot[name]

    @property
    def preset(self) -> str:
        return self.term("preset")

    @property
    def sla_applies(self) -> bool:
        """SLA-9: the flag voids the SLA only under HOSTED-W 7 (SLA_VOID_WITHOUT_OUR_ACCESS)."""
        return self.sla_applicable or self.term("sla_policy") not in SLA_VOID_WITHOUT_OUR_ACCESS

    @property
    def anchor_date(self) -> date | None:
        """The day commitment periods are counted from (SPEC, Time)."""
        anchor = self.term("anchor")
        if anchor == Anchor.SIGNATURE:
            return self.signature_date
        if anchor == Anchor.ORDER:
            return self.order_date
        return self.service_start_date  # service start, and calendar months from it

    def period_at(self, day: date) -> periods.CommitmentPeriod | None:
        """The commitment period containing ``day`` (CON-2, CON-3)."""
        anchor = self.anchor_date
        if anchor is None or day < anchor:
            return None
        if self.term("anchor") == Anchor.CALENDAR_MONTH:
            # TRUNK/SIP-UNL: a first partial month, then calendar months renewed on the 1st.
            month = periods.month_period(day)
            start = max(month.start, anchor)
            index = periods.months_between(periods.month_start(anchor), month.start)
            return periods.CommitmentPeriod(start=start, end=month.end, index=index)
        return periods.commitment_period_at(
            anchor, self.term("initial_months"), self.term("renewal_months"), day
        )

    @property
    def monthly_fees(self) -> Decimal:
        """Monthly subscriptions of the contract's current lines (€ HT, unrounded)."""
        return sum(
            (
                line.unit_monthly_price * line.quantity
                for line in self.lines.all()
                if line.ended_on is None
            ),
            Decimal("0"),
        )

    def can_request_termination(self) -> bool:
        return self.status in {
            ContractStatus.ORDERED,
            ContractStatus.ACTIVE,
            ContractStatus.SUSPENDED,
        }


class ContractLine(TimeStampedModel):
    """CON-2: the main product or an option of a contract, its quantity and agreed prices."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_setup_price = models.DecimalField(_("unit setup price (€ excl. VAT)"), **PRICE)
    unit_monthly_price = models.DecimalField(_("unit monthly price (€ excl. VAT)"), **PRICE)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        constraints = [
            models.CheckConstraint(  # ≥ 1; an option ended alone (CON-2): 0
                condition=Q(quantity__gte=1) | Q(quantity=0, ended_on__isnull=False),
                name="line_quantity_ge_1",
            ),
            models.CheckConstraint(
                condition=Q(unit_setup_price__gte=0) & Q(unit_monthly_price__gte=0),
                name="line_prices_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def monthly_total(self) -> Decimal:
        return self.unit_monthly_price * self.quantity


class ContractEvent(models.Model):
    """One row per status change of a contract (the pipeline's history)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from status"), max_length=12, choices=ContractStatus, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=12, choices=ContractStatus)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = _who(User, _("actor"))
    api_key = _who(ApiKey, _("api key"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract event")
        verbose_name_plural = _("contract events")
        ordering = ["contract", "created_at", "id"]

    def __str__(self):
        moves = [self.get_from_status_display(), self.get_to_status_display()]  # names, not codes
        return f"{self.contract.reference} — {' → '.join(str(name) for name in moves if name)}"


class Renewal(models.Model):
    """CON-3: one row per tacit renewal. The unique (contract, period start) is the final guard
    that a period is never renewed twice, whatever the job does."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="renewals"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["contract", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_start"], name="one_renewal_per_contract_period"
            ),
        ]

    def __str__(self):
        return f"{self.contract.reference} renewed {self.period_start} → {self.period_end}"


class Termination(TimeStampedModel):
    """CON-4/CON-5: a termination request, its effective date and its fee with the breakdown.
    The billing capability reads terminations to invoice their fee; contracts never call billing."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="terminations"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TerminationStatus, default=TerminationStatus.SCHEDULED
    )
    reason = models.CharField(
        _("reason"),
        max_length=30,
        choices=TerminationReason,
        default=TerminationReason.CUSTOMER_REQUEST,
    )
    notice_at = models.DateTimeField(_("notice received at"))
    notice_date = models.DateField(_("notice date"))
    letter_sent_on = models.DateField(
        _("letter sent on"),
        null=True,
        blank=True,
        help_text=_(
            "PLATFORM 8.2 / 17.1: the day the customer's registered letter was sent, which its "
            "notice counts from (then the notice date)."
        ),
    )
    force_majeure_notified_on = models.DateField(
        _("force majeure notified on"),
        null=True,
        blank=True,
        help_text=_(
            "PLATFORM 16.3 / 16.4: the day the force majeure was notified; the contract may be "
            "ended for it once it lasts beyond a calendar month from that day."
        ),
    )
    requested_date = models.DateField(_("requested date"), null=True, blank=True)
    effective_date = models.DateField(
        _("effective date"), help_text=_("The first day without service.")
    )
    fee_rule = models.CharField(_("fee rule"), max_length=20, choices=FeeRule)
    fee_start = models.DateField(_("fees counted from"))
    fee_amount = models.DecimalField(_("termination fee (€ excl. VAT)"), **MONEY)
    fee_breakdown = models.JSONField(_("fee breakdown"), default=list)
    previous_status = models.CharField(_("previous status"), max_length=12, choices=ContractStatus)
    requested_by = _who(User, _("requested by"))
    requested_by_api_key = _who(ApiKey, _("requested by api key"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = _who(User, _("cancelled by"))
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("termination")
        verbose_name_plural = _("terminations")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(status__in=["scheduled", "effective"]),
                name="one_live_termination_per_contract",
            ),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="fee_not_negative"),
        ]

    def __str__(self):
        return f"{self.contract.reference} → {self.effective_date}"
