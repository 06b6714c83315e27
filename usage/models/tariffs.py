"""USE-2 tariffs and the destinations a plan includes (USE-3, USE-4)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Client, TimeStampedModel, User
from kernel.languages import NamedInEnglish, english_name_field
from offers.models import Contract, Termination, Terms
from telephony import prefixes
from usage.choices import LineType, PriceClass

RATE = {"max_digits": 12, "decimal_places": 4}


class Tariff(NamedInEnglish, TimeStampedModel):
    """USE-2: the price per minute of a destination — a (country, line type, price class) or a
    prefix (the longest matching prefix wins over the (country, type) rows) — with its first and
    next increments and minimum billed duration, valid from ``valid_from`` (included) to
    ``valid_to`` (excluded, empty = open). ``name_en``: the destination's English name (SPEC §9;
    empty: ``usage.destinations`` names it from its country and kind of number)."""

    name = models.CharField(_("destination"), max_length=120)
    name_en = english_name_field(
        _(
            "Shown on English pages and in the API in English; empty: the country and kind of "
            "number in English, or the prefix."
        )
    )
    prefix = models.CharField(
        _("prefix"), max_length=16, blank=True, help_text=_("E.164 prefix, e.g. +3389.")
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    line_type = models.CharField(_("line type"), max_length=12, choices=LineType, blank=True)
    price_class = models.CharField(
        _("price class"), max_length=12, choices=PriceClass, default=PriceClass.STANDARD
    )
    rate_per_minute = models.DecimalField(_("rate per minute (€ excl. VAT)"), **RATE)
    first_increment = models.PositiveSmallIntegerField(_("first increment (s)"), default=1)
    next_increment = models.PositiveSmallIntegerField(_("next increment (s)"), default=1)
    min_duration = models.PositiveSmallIntegerField(_("minimum billed duration (s)"), default=0)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Exclusive."))
    announcement = models.ForeignKey(
        "usage.TariffAnnouncement",
        verbose_name=_("announced to customers"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tariffs",
        editable=False,
    )

    class Meta:
        ordering = ["country", "line_type", "price_class", "prefix", "-valid_from"]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        constraints = [
            models.CheckConstraint(
                condition=~Q(prefix="") | ~Q(country=""), name="tariff_prefix_or_country"
            ),
            models.CheckConstraint(condition=Q(rate_per_minute__gte=0), name="tariff_rate_ge_0"),
            models.CheckConstraint(
                condition=Q(first_increment__gte=1, next_increment__gte=1),
                name="tariff_increments_ge_1",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="tariff_validity_not_empty",
            ),
        ]

    def clean(self):
        if self.prefix:
            try:
                prefixes.validate_prefix(self.prefix)
            except ValidationError as error:
                raise ValidationError({"prefix": error.messages}) from error


class IncludedDestination(models.Model):
    """USE-3/USE-4: a destination an unlimited plan includes — data on the offer's terms
    (41 for SIP-UNL, 40 for HOSTED-A, the order form's list for HOSTED-W). A call is included
    when its (country, line type) is listed; French fixed/09/mobile are decided by the plan.

    The list keeps its history (CON-6: what the customer signed): a row is on the list from
    ``valid_from`` (empty: since always) to ``valid_to`` (excluded; empty: still on it). A call
    is included when its destination was on the list on the call's day, or on its contract's
    signature day (a destination taken off the list stays included for the contracts signed
    before: a smaller plan is a change of the contract, never applied to it unannounced). A
    past month rated again reads the list of its days."""

    terms = models.ForeignKey(
        Terms,
        verbose_name=_("terms"),
        on_delete=models.CASCADE,
        related_name="included_destinations",
    )
    name = models.CharField(_("destination"), max_length=120)
    country = models.CharField(_("country"), max_length=2)
    line_type = models.CharField(_("line type"), max_length=12, choices=LineType)
    valid_from = models.DateField(
        _("included from"), null=True, blank=True, help_text=_("Empty: since always.")
    )
    valid_to = models.DateField(
        _("included until"),
        null=True,
        blank=True,
        help_text=_("Excluded; empty: still included."),
    )

    class Meta:
        ordering = ["terms", "country", "line_type"]
        verbose_name = _("included destination")
        verbose_name_plural = _("included destinations")
        constraints = [
            models.UniqueConstraint(
                fields=["terms", "name"],
                condition=Q(valid_to__isnull=True),
                name="one_included_destination",
            ),
        ]

    def __str__(self):
        return self.name


class TariffAnnouncement(TimeStampedModel):
    """CON-6 for call tariffs (HOSTED-A 6, PLATFORM 12.2): the tariffs entered since the last
    announcement, told to every customer with a live contract in one e-mail each
    (``usage.services.tariff_changes``). ``first_day``: the earliest day one of them starts;
    ``increase``: one of them raises a price (a rate or an increment), which HOSTED-A customers
    may refuse and PLATFORM customers object to before ``increase_from``, the first day of the
    earliest of those increases (a decrease told with them may start sooner)."""

    first_day = models.DateField(_("first day in force"))
    increase = models.BooleanField(_("price increase"), default=False)
    increase_from = models.DateField(_("first day of the increases"), null=True, blank=True)
    tariffs_count = models.PositiveIntegerField(_("tariffs"), default=0)
    customers_count = models.PositiveIntegerField(_("customers told"), default=0)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("announced by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tariff change announcement")
        verbose_name_plural = _("tariff change announcements")

    def __str__(self):
        return _("Tariffs from %(day)s") % {"day": self.first_day.strftime("%d/%m/%Y")}

    def save(self, *args, **kwargs):
        if self.increase and self.increase_from is None:
            self.increase_from = self.first_day
        super().save(*args, **kwargs)


class TariffNotice(TimeStampedModel):
    """One customer told of an announcement (its admin and billing members e-mailed)."""

    announcement = models.ForeignKey(
        TariffAnnouncement,
        verbose_name=_("announcement"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["announcement", "client"]
        verbose_name = _("tariff change notice")
        verbose_name_plural = _("tariff change notices")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "client"], name="one_tariff_notice_per_customer"
            ),
        ]

    def __str__(self):
        return f"{self.announcement} — {self.client}"


class TariffRefusal(TimeStampedModel):
    """A contract's refusal of (HOSTED-A 6) or objection to (PLATFORM 12.2) an announced
    increase: its termination without fees. While the termination stands, a refused contract's
    calls keep the tariffs in force the day before the announcement's first day (``keeps_day``);
    an objection is withdrawn by traffic from that day."""

    announcement = models.ForeignKey(
        TariffAnnouncement,
        verbose_name=_("announcement"),
        on_delete=models.PROTECT,
        related_name="refusals",
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    termination = models.OneToOneField(
        Termination, verbose_name=_("termination"), on_delete=models.PROTECT, related_name="+"
    )
    objection = models.BooleanField(_("objection (PLATFORM 12.2)"), default=False)
    keeps_day = models.DateField(
        _("keeps the tariffs of"),
        null=True,
        blank=True,
        help_text=_("A refusal: the contract's calls are priced at the tariffs of this day."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_note = models.CharField(_("withdrawal"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("api key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tariff increase refusal")
        verbose_name_plural = _("tariff increase refusals")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "contract"], name="one_tariff_refusal_per_contract"
            ),
        ]

    def __str__(self):
        return f"{self.contract} — {self.announcement}"
