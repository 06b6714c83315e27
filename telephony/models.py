"""SIP trunks and their channel packs (TRK-1..5), SIP accounts and their devices (ACC-7, CON-8),
destination groups and their blocking (TRK-6).

A trunk's packs are an append-only ledger (``PackLedgerEntry``): capacity is derived from it,
never stored. The packs billed are the TRUNK contract's ``ContractLine`` rows, kept in step with
the ledger by ``telephony.services`` (billing only reads contract lines).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, TimeStampedModel, User
from kernel.languages import NamedInEnglish, english_name_field
from offers.models import Contract, Offer, Product, SuspensionRecord
from telephony.choices import DecreaseStatus, LedgerCause, OrderStatus, PaymentChoice, SipStatus
from telephony.packs import DEFAULT_CAP, PackOption
from telephony.prefixes import validate_prefix

PRICE = {"max_digits": 12, "decimal_places": 4}  # unit prices keep 4 decimals (SPEC, Money)
MONEY = {"max_digits": 12, "decimal_places": 2}


# --- TRK-1 pack tables ------------------------------------------------------------------------


class PackTable(TimeStampedModel):
    """TRK-1: the channel packs an offer sells, and the most channels a trunk may hold."""

    offer = models.OneToOneField(
        Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="pack_table"
    )
    # At most TRUNK 2's cap, the bound the API documents and the portal's form applies.
    max_channels = models.PositiveSmallIntegerField(
        _("maximum channels per trunk"),
        default=DEFAULT_CAP,
        validators=[MaxValueValidator(DEFAULT_CAP)],
        help_text=_("TRUNK 2: 200."),
    )

    class Meta:
        ordering = ["offer__name"]
        verbose_name = _("pack table")
        verbose_name_plural = _("pack tables")
        constraints = [
            models.CheckConstraint(condition=Q(max_channels__gte=1), name="pack_table_cap_ge_1"),
        ]

    def __str__(self):
        return str(self.offer)

    def options(self):
        """The packs on sale, as plain values for ``telephony.packs.best_packs``."""
        return [PackOption(p.channels, p.monthly_price) for p in self.packs.all() if p.is_active]


class Pack(TimeStampedModel):
    """TRK-1: one row of a pack table: ``channels`` at ``monthly_price`` (€ HT per month).

    ``product`` names the pack on the contract lines and invoices. A pack withdrawn from sale
    (``is_active`` off) stays on the trunks that hold it until the next re-optimisation.
    """

    table = models.ForeignKey(
        PackTable, verbose_name=_("pack table"), on_delete=models.CASCADE, related_name="packs"
    )
    channels = models.PositiveSmallIntegerField(_("channels"))
    monthly_price = models.DecimalField(_("monthly price (€ excl. VAT)"), **PRICE)
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="packs"
    )
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["table", "channels"]
        verbose_name = _("channel pack")
        verbose_name_plural = _("channel packs")
        constraints = [
            models.UniqueConstraint(fields=["table", "channels"], name="one_pack_per_size"),
            models.UniqueConstraint(fields=["table", "product"], name="one_pack_per_product"),
            models.CheckConstraint(condition=Q(channels__gte=1), name="pack_channels_ge_1"),
            models.CheckConstraint(condition=Q(monthly_price__gte=0), name="pack_price_ge_0"),
        ]

    def __str__(self):
        return ngettext("%(n)s-channel pack", "%(n)s-channel pack", self.channels) % {
            "n": self.channels
        }


# --- SIP credentials (ACC-7) ------------------------------------------------------------------


class SipCredentials(models.Model):
    """ACC-7: a username and a secret encrypted at rest (``telephony.credentials``). The secret
    is shown once, by the service that issues it; ``status`` is derived (``SipStatus``)."""

    username = models.CharField(_("username"), max_length=40, unique=True, editable=False)
    secret_encrypted = models.TextField(_("secret encrypted"), editable=False)
    secret_issued_at = models.DateTimeField(_("secret issued at"), null=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=SipStatus, default=SipStatus.ACTIVE, editable=False
    )
    disabled_at = models.DateTimeField(
        _("disabled at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Credentials declared compromised and not re-enabled yet."),
    )

    class Meta:
        abstract = True


# --- Trunks and their pack ledger -------------------------------------------------------------


class Trunk(SipCredentials, TimeStampedModel):
    """TRK-1: the SIP trunk of a TRUNK contract, with its registration credentials (ACC-7).

    Its packs are the ledger's running sum; its row is locked for every capacity change."""

    contract = models.OneToOneField(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="trunk"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SIP trunk")
        verbose_name_plural = _("SIP trunks")
        # The partner API's list order (kernel.sql_lists pages on it: issue 13).
        indexes = [models.Index(fields=["-created_at", "-id"], name="trunk_newest")]

    def __str__(self):
        return _("Trunk %(ref)s") % {"ref": self.contract.reference}

    @property
    def client(self):
        return self.contract.client


class ChannelOrder(TimeStampedModel):
    """TRK-3: more channels for a trunk. The packs added and the pro-rata are quoted when it is
    created and fixed when it is paid (the activation day); channels are active only then."""

    trunk = models.ForeignKey(
        Trunk, verbose_name=_("trunk"), on_delete=models.PROTECT, related_name="orders"
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus,
        default=OrderStatus.QUOTED,
        db_index=True,
    )
    channels_requested = models.PositiveSmallIntegerField(_("channels added"))
    packs = models.JSONField(
        _("packs added"),
        default=list,
        help_text=_("[{channels, count, monthly_price}] — quoted, then as activated."),
    )
    channels_added = models.PositiveSmallIntegerField(_("capacity added"))
    monthly_price_added = models.DecimalField(_("monthly price of the packs added"), **PRICE)
    activation_day = models.DateField(_("activation day"), null=True, blank=True)
    period_end = models.DateField(
        _("billing period end"), null=True, blank=True, help_text=_("Exclusive.")
    )
    prorata_days = models.PositiveSmallIntegerField(_("days charged"), default=0)
    period_days = models.PositiveSmallIntegerField(_("days in the billing period"), default=0)
    prorata_price = models.DecimalField(_("pro-rata (€ excl. VAT)"), default=0, **PRICE)
    amount_gross = models.DecimalField(
        _("amount paid (€ incl. VAT)"), null=True, blank=True, editable=False, **MONEY
    )
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentChoice, blank=True
    )
    payment_reference = models.CharField(_("payment reference"), max_length=64, blank=True)
    expires_on = models.DateField(_("expires on"), help_text=_("7 days unpaid."))
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("created by api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("channel order")
        verbose_name_plural = _("channel orders")
        constraints = [
            models.CheckConstraint(
                condition=Q(channels_requested__gte=1), name="order_adds_a_channel"
            ),
            models.CheckConstraint(
                condition=Q(channels_added__gte=models.F("channels_requested")),
                name="order_packs_cover_request",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "active"]) | Q(paid_at__isnull=False),
                name="order_paid_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_on"]),
            # The partner API's list order (kernel.sql_lists pages on it: issue 13).
            models.Index(fields=["-created_at", "-id"], name="channel_order_newest"),
        ]

    def __str__(self):
        return self.reference

    @property
    def client(self):
        return self.trunk.contract.client


class ChannelDecrease(TimeStampedModel):
    """TRK-4: fewer channels from the next renewal date; pending and cancellable until then."""

    trunk = models.ForeignKey(
        Trunk, verbose_name=_("trunk"), on_delete=models.PROTECT, related_name="decreases"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DecreaseStatus, default=DecreaseStatus.PENDING
    )
    channels_to_remove = models.PositiveSmallIntegerField(_("channels to remove"))
    channels_before = models.PositiveSmallIntegerField(_("channels when requested"))
    effective_on = models.DateField(_("effective on"), help_text=_("The next renewal date."))
    requested_by = models.ForeignKey(
        User,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_by_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("requested by api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        verbose_name=_("cancelled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("channel decrease")
        verbose_name_plural = _("channel decreases")
        constraints = [
            models.UniqueConstraint(
                fields=["trunk"], condition=Q(status="pending"), name="one_pending_decrease"
            ),
            models.CheckConstraint(
                condition=Q(channels_to_remove__gte=1), name="decrease_removes_a_channel"
            ),
            models.CheckConstraint(
                condition=Q(channels_before__gt=models.F("channels_to_remove")),
                name="decrease_keeps_one_channel",
            ),
        ]

    def __str__(self):
        return f"−{self.channels_to_remove} @ {self.effective_on}"

    @property
    def channels_after(self) -> int:
        return self.channels_before - self.channels_to_remove


class PackLedgerEntry(models.Model):
    """TRK-1: one change to the packs a trunk holds (append-only). The packs held on a day are
    the sums of ``count`` per pack over the rows effective by then."""

    trunk = models.ForeignKey(
        Trunk, verbose_name=_("trunk"), on_delete=models.PROTECT, related_name="ledger"
    )
    pack = models.ForeignKey(
        Pack, verbose_name=_("pack"), on_delete=models.PROTECT, related_name="+"
    )
    count = models.SmallIntegerField(_("packs (+/−)"))
    effective_on = models.DateField(_("effective on"))
    cause = models.CharField(_("cause"), max_length=20, choices=LedgerCause)
    order = models.ForeignKey(
        ChannelOrder,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
    )
    decrease = models.ForeignKey(
        ChannelDecrease,
        verbose_name=_("decrease"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger",
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["trunk", "effective_on", "id"]
        verbose_name = _("pack ledger entry")
        verbose_name_plural = _("pack ledger")
        constraints = [
            models.CheckConstraint(condition=~Q(count=0), name="ledger_count_not_zero"),
            models.CheckConstraint(
                condition=~Q(cause="order") | Q(order__isnull=False, count__gt=0),
                name="ledger_order_adds",
            ),
            # One order adds each pack size once: a replayed activation cannot add it twice.
            models.UniqueConstraint(fields=["order", "pack"], name="one_ledger_row_per_order_pack"),
        ]

    def __str__(self):
        return f"{self.count:+d} × {self.pack} @ {self.effective_on}"


# --- SIP accounts -------------------------------------------------------------------------------


class SipAccount(SipCredentials, TimeStampedModel):
    """ACC-7: a SIP account of a SIP-UNL or hosted contract: credentials, devices, mobility."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="sip_accounts"
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    mobility = models.BooleanField(
        _("mobility"), default=False, help_text=_("May register from outside the customer's site.")
    )

    class Meta:
        ordering = ["contract", "username"]
        verbose_name = _("SIP account")
        verbose_name_plural = _("SIP accounts")

    def __str__(self):
        return self.label or self.username

    @property
    def client(self):
        return self.contract.client


class SipDevice(TimeStampedModel):
    """ACC-7: a device registered on a SIP account."""

    account = models.ForeignKey(
        SipAccount, verbose_name=_("SIP account"), on_delete=models.CASCADE, related_name="devices"
    )
    device_id = models.CharField(_("device id"), max_length=64, help_text=_("MAC or instance id."))
    user_agent = models.CharField(_("user agent"), max_length=200, blank=True)
    supplied_by_reseller = models.BooleanField(_("supplied by us"), default=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["account", "device_id"]
        verbose_name = _("SIP device")
        verbose_name_plural = _("SIP devices")
        constraints = [
            models.UniqueConstraint(fields=["account", "device_id"], name="one_device_per_id"),
        ]

    def __str__(self):
        return self.device_id


class SipSuspension(SuspensionRecord):
    """CON-8: the suspension of one SIP account with its reason; lifting it is one action."""

    account = models.ForeignKey(
        SipAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="suspensions"
    )

    class Meta(SuspensionRecord.Meta):
        verbose_name = _("SIP account suspension")
        verbose_name_plural = _("SIP account suspensions")
        constraints = [SuspensionRecord.one_open_per("account", "one_open_sip_suspension")]

    def __str__(self):
        return f"{self.account} ({self.get_reason_display()})"


# --- TRK-6 destinations -----------------------------------------------------------------------


# Groups whose label already says they are risky: no "risky" badge after it.
RISK_IN_LABEL = {"high-risk"}
# TRK-6: the group of every premium-rate number, wherever its prefix falls (a number the
# numbering plan marks premium rate, USE-1: France's 083x–089x as well as the UK's 09, Belgium's
# 090x…), so that the rating refuses them by default and the customer unblocks them at once.
PREMIUM_RATE_GROUP = "premium-rate"


class DestinationGroup(NamedInEnglish, TimeStampedModel):
    """TRK-6: a group of destinations that can be blocked as a whole (premium-rate and
    high-risk international are blocked by default on a new trunk or SIP account). Its French
    ``name`` and English ``name_en`` (SPEC §9), as the catalogue's (``kernel.languages``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = english_name_field()
    prefixes = models.JSONField(
        _("prefixes"), default=list, blank=True, help_text=_("E.164 prefixes, for rating.")
    )
    blocked_by_default = models.BooleanField(_("blocked by default"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("destination group")
        verbose_name_plural = _("destination groups")

    @property
    def label(self) -> str:
        """The group's name in the active language (``display_name``)."""
        return self.display_name

    @property
    def shows_risky_badge(self) -> bool:
        """Blocked by default and not already named risky ("… à risque à risque")."""
        return self.blocked_by_default and self.code not in RISK_IN_LABEL

    def clean(self):
        if not isinstance(self.prefixes, list) or not all(
            isinstance(p, str) for p in self.prefixes
        ):
            raise ValidationError(
                {"prefixes": _('A list of prefixes in quotes: ["+3389", "+882"].')}
            )
        problems = []
        for prefix in self.prefixes:
            try:
                validate_prefix(prefix)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError({"prefixes": problems})


class DestinationSetting(TimeStampedModel):
    """TRK-6: whether one trunk or one SIP account (exactly one of the two) may call a group.
    Created with the group's default when the trunk or account is created."""

    trunk = models.ForeignKey(
        Trunk,
        verbose_name=_("trunk"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="destinations",
    )
    sip_account = models.ForeignKey(
        SipAccount,
        verbose_name=_("sip account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="destinations",
    )
    group = models.ForeignKey(
        DestinationGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    blocked = models.BooleanField(_("blocked"))

    class Meta:
        ordering = ["group__position", "group__code"]
        verbose_name = _("destination setting")
        verbose_name_plural = _("destination settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(trunk__isnull=False, sip_account__isnull=True)
                | Q(trunk__isnull=True, sip_account__isnull=False),
                name="destination_one_owner",
            ),
            models.UniqueConstraint(fields=["trunk", "group"], name="one_setting_per_trunk_group"),
            models.UniqueConstraint(
                fields=["sip_account", "group"], name="one_setting_per_account_group"
            ),
        ]

    def __str__(self):
        if self.blocked:
            return gettext("%(group)s: blocked") % {"group": self.group}
        return gettext("%(group)s: allowed") % {"group": self.group}


class DestinationSettingChange(models.Model):
    """TRK-6: a change of a trunk's or SIP account's setting for a group, with the setting it
    replaced. A call is rated with the setting in force when it started, whenever its month is
    rated again: the ``blocked_before`` of the first change after its start (None: the group's
    default then, the owner having no setting of its own), else the setting now. A call refused
    while its group was blocked stays refused (never billed) once the group is unblocked; a
    call carried while it was allowed stays billed once it is blocked."""

    setting = models.ForeignKey(
        DestinationSetting,
        verbose_name=_("destination setting"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    at = models.DateTimeField(_("changed at"))
    # None: the owner had no setting of its own for the group — its default applied (TRK-6)
    blocked_before = models.BooleanField(_("blocked before"), null=True)

    class Meta:
        ordering = ["setting", "at", "id"]
        verbose_name = _("destination setting change")
        verbose_name_plural = _("destination setting changes")
        # a rating pass reads the changes made after its first call
        indexes = [models.Index(fields=["at"], name="destination_change_at")]

    def __str__(self):
        return f"{self.setting.group} @ {self.at:%Y-%m-%d %H:%M}: was {self.blocked_before}"


class DestinationGroupChange(models.Model):
    """TRK-6: a change of a destination group's own rules — its default, its prefixes, its
    position (the tie-break between prefixes of one length) — with what it replaced. A call is
    judged by the groups as they stood when it started, whenever its month is rated again: each
    group's ``*_before`` of its first change after the call's start, else the group now. A group
    created by staff starts with a change whose ``prefixes_before`` is empty: it matched no call
    before it existed."""

    group = models.ForeignKey(
        DestinationGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="changes"
    )
    at = models.DateTimeField(_("changed at"))
    blocked_by_default_before = models.BooleanField(_("blocked by default before"))
    prefixes_before = models.JSONField(_("prefixes before"), default=list, blank=True)
    position_before = models.PositiveSmallIntegerField(_("position before"), default=0)

    class Meta:
        ordering = ["group", "at", "id"]
        verbose_name = _("destination group change")
        verbose_name_plural = _("destination group changes")
        # a rating pass reads the changes made after its first call
        indexes = [models.Index(fields=["at"], name="destination_group_change_at")]

    def __str__(self):
        return f"{self.group} @ {timezone.localtime(self.at):%d/%m/%Y %H:%M}"
