"""Numbers (NUM-1, NUM-2) and port requests (NUM-3): the reseller's ranges and every number in
them with its state and where it is assigned; a customer's request to bring numbers, line by
line with each line's RIO, and the dated steps of its life."""

import secrets

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import ApiKey, Client, Site, TimeStampedModel, User
from numbering import phone
from numbering.choices import NumberState, NumberType, PortStatus, PriceClass, RejectionReason
from offers.models import Contract
from telephony.models import SipAccount, Trunk

E164_LENGTH = 16


class ServedBy(models.Model):
    """Where numbers serve: a site and one of the customer's services (a contract, and possibly
    one of its SIP accounts or trunks) — of a number, or of a port-in request's numbers."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sip_account = models.ForeignKey(
        SipAccount,
        verbose_name=_("SIP account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    trunk = models.ForeignKey(
        Trunk,
        verbose_name=_("trunk"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class NumberRange(TimeStampedModel):
    """A block of consecutive numbers allotted to the reseller (ARCEP plan), imported by staff."""

    first = models.CharField(_("first number"), max_length=E164_LENGTH, unique=True)
    last = models.CharField(_("last number"), max_length=E164_LENGTH)
    region = models.CharField(_("region"), max_length=2, default="FR")
    number_type = models.CharField(_("type"), max_length=12, choices=NumberType)
    # NUM-1: an 08 block's price class (what its callers pay); empty for the other types
    price_class = models.CharField(
        _("price class"), max_length=12, choices=PriceClass, blank=True, default=""
    )
    zne = models.CharField(_("ZNE"), max_length=40, blank=True)
    # HOSTED-W 5.4.1, lifted by ARCEP for mainland 01–05 on 1 January 2023: off for mainland
    # ranges, on for overseas ones (NUM-1).
    zne_restricted = models.BooleanField(_("restricted to its ZNE"), default=False)
    operator_code = models.CharField(_("operator code"), max_length=10, blank=True)
    territory = models.CharField(_("territory"), max_length=60, blank=True)
    source = models.CharField(_("imported from"), max_length=200, blank=True)

    class Meta:
        ordering = ["first"]
        verbose_name = _("number range")
        verbose_name_plural = _("number ranges")

    def __str__(self):
        return f"{phone.display(self.first)} – {phone.display(self.last)}"

    @property
    def size(self) -> int:
        return int(self.last[1:]) - int(self.first[1:]) + 1


class PhoneNumber(ServedBy, TimeStampedModel):
    e164 = models.CharField(_("number"), max_length=E164_LENGTH, unique=True)
    number_range = models.ForeignKey(
        NumberRange,
        verbose_name=_("range"),
        on_delete=models.PROTECT,
        related_name="numbers",
        null=True,
        blank=True,
    )
    number_type = models.CharField(_("type"), max_length=12, choices=NumberType)
    # NUM-1: an 08 number's price class (what its callers pay); empty for the other types
    price_class = models.CharField(
        _("price class"), max_length=12, choices=PriceClass, blank=True, default=""
    )
    region = models.CharField(_("region"), max_length=2, default="FR")
    zne = models.CharField(_("ZNE"), max_length=40, blank=True)
    zne_restricted = models.BooleanField(_("restricted to its ZNE"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=NumberState, default=NumberState.AVAILABLE
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    quarantine_until = models.DateField(_("in quarantine until"), null=True, blank=True)
    ported_out_on = models.DateField(_("ported out on"), null=True, blank=True)

    class Meta:
        ordering = ["e164"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        indexes = [models.Index(fields=["state", "number_type", "zne"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["available", "quarantine", "ported_out"])
                | Q(client__isnull=False),
                name="number_held_has_a_customer",
            )
        ]

    def __str__(self):
        return self.display

    @property
    def display(self) -> str:
        return phone.display(self.e164)

    @property
    def national(self) -> str:
        return phone.national(self.e164)

    @property
    def type_label(self) -> str:
        """NUM-1: its type, and for an 08 number what its callers pay: « Tarification spéciale
        (08) : gratuit pour l'appelant (0800 à 0805) »."""
        if not self.price_class:
            return self.get_number_type_display()
        return _("%(type)s: %(price_class)s") % {
            "type": self.get_number_type_display(),
            "price_class": self.get_price_class_display(),
        }


class NumberEvent(models.Model):
    """Every state change of a number, with who made it."""

    number = models.ForeignKey(
        PhoneNumber, verbose_name=_("number"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("from state"), max_length=12, choices=NumberState, blank=True)
    to_state = models.CharField(_("to state"), max_length=12, choices=NumberState)
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
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
        verbose_name = _("number event")
        verbose_name_plural = _("number events")
        ordering = ["number", "at", "pk"]

    def __str__(self):
        return f"{self.number_id}: {self.from_state} → {self.to_state}"


def mandate_path(instance, filename: str) -> str:
    return f"port-mandates/{instance.client_id}/{secrets.token_hex(8)}.pdf"


class PortRequest(ServedBy, TimeStampedModel):
    """NUM-3: a customer's request to bring its numbers from another operator."""

    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=PortStatus, default=PortStatus.DRAFT
    )
    holder_name = models.CharField(_("holder's name"), max_length=200)
    holder_siret = models.CharField(_("holder's SIRET"), max_length=14)
    current_operator = models.CharField(_("current operator"), max_length=100)
    desired_date = models.DateField(_("desired date"))
    scheduled_date = models.DateField(_("scheduled date"), null=True, blank=True)
    mandate = models.FileField(_("signed mandate"), upload_to=mandate_path, blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=20, choices=RejectionReason, blank=True
    )
    rejection_note = models.CharField(_("rejection note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
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
        ordering = ["-created_at", "-pk"]
        verbose_name = _("port-in request")
        verbose_name_plural = _("port-in requests")

    def __str__(self):
        return self.reference


class PortRequestLine(models.Model):
    request = models.ForeignKey(
        PortRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="lines"
    )
    e164 = models.CharField(_("number"), max_length=E164_LENGTH)
    rio = models.CharField(_("RIO"), max_length=12)
    number = models.ForeignKey(
        PhoneNumber,
        verbose_name=_("number"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("port request line")
        verbose_name_plural = _("port request lines")
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "e164"], name="one_line_per_number")
        ]

    def __str__(self):
        return phone.display(self.e164)

    @property
    def display(self) -> str:
        return phone.display(self.e164)


class PortRequestStep(models.Model):
    """The timeline of a request: one row per status it entered, with its date."""

    request = models.ForeignKey(
        PortRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="steps"
    )
    status = models.CharField(_("status"), max_length=12, choices=PortStatus)
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(
        _("note"), max_length=500, blank=True, validators=[MaxLengthValidator(500)]
    )
    reason = models.CharField(_("reason"), max_length=20, choices=RejectionReason, blank=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
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
        verbose_name = _("port request step")
        verbose_name_plural = _("port request steps")
        ordering = ["request", "at", "pk"]

    def __str__(self):
        return f"{self.request_id}: {self.status}"


class NumberReservation(models.Model):
    """NUM-2, PLATFORM 24.1.3: a number assigned to a prepaid PLATFORM contract is paid for the
    rest of the contract's period at once, from the prepaid ledger; the months it covers are
    invoiced as already paid."""

    number = models.ForeignKey(
        PhoneNumber, verbose_name=_("number"), on_delete=models.PROTECT, related_name="reservations"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="+"
    )
    first_month = models.DateField(_("first month covered"))
    end = models.DateField(_("covered until (excluded)"))
    amount_gross = models.DecimalField(
        _("amount debited (€ incl. VAT)"), max_digits=12, decimal_places=2
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["number", "first_month"]
        verbose_name = _("prepaid number reservation")
        verbose_name_plural = _("prepaid number reservations")

    def __str__(self):
        return f"{self.number} {self.first_month} → {self.end}"
