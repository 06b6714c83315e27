"""Parties of the portal (ACC-1..5): users, partners, customers, sites, memberships, API keys
and the audit log."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import identifiers
from accounts import scopes as key_scopes
from accounts.choices import (
    ROLE_PERMISSIONS,
    BillingMode,
    ClientStatus,
    PaymentMethod,
    Role,
    VatRegime,
)

# ACC-3: the idempotent responses of the partner API, in their own module, re-exported here.
from accounts.idempotency_models import IdempotencyRecord as IdempotencyRecord
from accounts.logos import validate_logo

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour is written #RRGGBB."))


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address: a customer's member or reseller staff."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    @property
    def membership(self):
        """The user's membership in a customer company, or None (staff)."""
        return Membership.objects.select_related("client__partner").filter(user=self).first()


class Partner(TimeStampedModel):
    """ACC-3: a white-label reseller with its own brand, API keys and customers."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    logo = models.ImageField(
        _("logo"), upload_to="partners/logos/", blank=True, validators=[validate_logo]
    )
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#0b5cad", validators=[hex_colour]
    )
    secondary_color = models.CharField(
        _("secondary colour"), max_length=7, default="#f2a900", validators=[hex_colour]
    )
    support_email = models.EmailField(_("support e-mail"))
    host_name = models.CharField(
        _("portal host name"),
        max_length=253,
        blank=True,
        null=True,
        unique=True,
        help_text=_("Host name of the partner's branded portal, e.g. portail.example.fr"),
    )
    billing_mode = models.CharField(
        _("billing mode"), max_length=20, choices=BillingMode, default=BillingMode.PARTNER_BILLED
    )
    wholesale_discount_percent = models.DecimalField(
        _("wholesale discount (%)"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Default discount on retail prices in partner-billed mode."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Legal identity: the buyer of the monthly invoice in partner-billed mode (ACC-3).
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    vat_number = models.CharField(_("intra-EU VAT number"), max_length=20, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    # SPEC Money, ACC-3: a partner-billed partner is the buyer of its monthly invoice; the rate
    # of that invoice follows its regime, checked against its address as a customer's is.
    vat_regime = models.CharField(
        _("VAT regime"), max_length=20, choices=VatRegime, default=VatRegime.STANDARD
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(
                condition=Q(wholesale_discount_percent__gte=0)
                & Q(wholesale_discount_percent__lte=100),
                name="partner_discount_between_0_and_100",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = identifiers.normalize_fields(
            self,
            (
                ("siren", identifiers.normalize_siren),
                ("vat_number", identifiers.normalize_vat_number),
            ),
        )
        if self.billing_mode == BillingMode.PARTNER_BILLED and not (
            self.legal_name and self.siren and self.address_line1
        ):
            errors["legal_name"] = _(
                "A partner-billed partner is invoiced: give its legal name, SIREN and address."
            )
        for field, message in identifiers.check_consistency(
            siren=self.siren, siret="", vat_number=self.vat_number
        ).items():
            errors.setdefault(field, message)
        if self.billing_mode == BillingMode.PARTNER_BILLED:  # invoiced: its regime fits it
            for field, message in identifiers.check_vat_regime(
                vat_regime=self.vat_regime,
                country=self.country,
                postal_code=self.postal_code,
                vat_number=self.vat_number,
            ).items():
                errors.setdefault(field, message)
            # ACC-3, USE-8: its customers are then invoiced to it; a prepaid one would keep a
            # ledger nobody tops up (see Client.clean).
            prepaid = self.pk and self.clients.filter(payment_method=PaymentMethod.PREPAID).count()
            if prepaid:
                errors.setdefault(
                    "billing_mode",
                    ngettext(
                        "%(count)d customer of this partner is prepaid: move it to another "
                        "payment method before the partner is billed for its customers.",
                        "%(count)d customers of this partner are prepaid: move them to another "
                        "payment method before the partner is billed for its customers.",
                        prepaid,
                    )
                    % {"count": prepaid},
                )
        if errors:
            raise ValidationError(errors)


class Client(TimeStampedModel):
    """ACC-1: a customer company (B2B only), directly or through a partner."""

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, db_index=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    vat_number = models.CharField(_("intra-EU VAT number"), max_length=20, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="FR")
    vat_regime = models.CharField(
        _("VAT regime"), max_length=20, choices=VatRegime, default=VatRegime.STANDARD
    )
    invoice_recipients = models.JSONField(
        _("invoice recipients"),
        default=list,
        blank=True,
        help_text=_("E-mail addresses that receive the invoices."),
    )
    payment_method = models.CharField(
        _("payment method"),
        max_length=20,
        choices=PaymentMethod,
        default=PaymentMethod.SEPA_DIRECT_DEBIT,
    )
    security_deposit = models.DecimalField(
        _("security deposit"), max_digits=12, decimal_places=2, default=0
    )
    is_telecom_professional = models.BooleanField(
        _("telecom professional"),
        default=False,
        help_text=_("Operator, call shop, call centre…: unlimited plans do not apply."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ClientStatus, default=ClientStatus.ACTIVE
    )

    class Meta:
        ordering = ["legal_name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(siren="") | ~Q(siret=""), name="client_has_siren_or_siret"
            ),
            models.CheckConstraint(
                condition=Q(security_deposit__gte=0), name="client_deposit_not_negative"
            ),
        ]
        indexes = [
            # The partner API's list order (kernel.sql_lists pages on it: issue 13).
            models.Index(fields=["legal_name", "id"], name="client_by_name"),
            # A partner's customers read from the index alone (the API's scoping joins).
            models.Index(fields=["partner", "id"], name="client_owner"),
        ]

    def __str__(self):
        return self.legal_name

    def clean_fields(self, exclude=None):
        """Identifiers are normalised (spaces removed, keys checked) before the length checks."""
        errors = {
            field: error.error_list
            for field, error in identifiers.normalize_fields(
                self,
                (
                    ("siren", identifiers.normalize_siren),
                    ("siret", identifiers.normalize_siret),
                    ("vat_number", identifiers.normalize_vat_number),
                ),
            ).items()
        }
        try:
            super().clean_fields(exclude=[*(exclude or []), *errors])
        except ValidationError as error:
            errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        errors = {}
        if not self.siren and self.siret:
            self.siren = self.siret[:9]
        if not self.siren and not self.siret:
            errors["siren"] = ValidationError(_("Give a SIREN or a SIRET."), code="required")
        # a billing address abroad (a reverse-charge customer) keeps its own country's format
        if self.postal_code and (self.country or "FR") == "FR":
            try:
                self.postal_code = identifiers.normalize_postal_code(self.postal_code)
            except ValidationError as error:
                errors["postal_code"] = error
        errors.update(
            identifiers.check_consistency(
                siren=self.siren, siret=self.siret, vat_number=self.vat_number
            )
        )
        for field, message in identifiers.check_vat_regime(
            vat_regime=self.vat_regime,
            country=self.country,
            postal_code=self.postal_code,
            vat_number=self.vat_number,
        ).items():
            errors.setdefault(field, ValidationError(message, code="vat_regime"))
        # The partner of a partner-billed customer is invoiced for it and collects its payments:
        # the customer has no ledger of its own to debit, nor anybody to record its top-ups.
        if (
            self.payment_method == PaymentMethod.PREPAID
            and self.partner_id
            and self.partner.billing_mode == BillingMode.PARTNER_BILLED
        ):
            errors["payment_method"] = ValidationError(
                _(
                    "A customer billed through its partner cannot be prepaid: the partner is "
                    "invoiced for it and collects its payments."
                ),
                code="partner_billed",
            )
        recipients = []
        for address in self.invoice_recipients or []:
            try:
                validate_email(address)
            except ValidationError:
                errors["invoice_recipients"] = ValidationError(
                    _("%(address)s is not an e-mail address."), params={"address": address}
                )
                break
            recipients.append(address.strip().lower())
        self.invoice_recipients = recipients
        if errors:
            raise ValidationError(errors)

    @property
    def brand_partner(self):
        return self.partner


class Site(TimeStampedModel):
    """ACC-1: premises where services are installed (INSEE code for numbering and emergency)."""

    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=120)
    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    insee_code = models.CharField(_("INSEE commune code"), max_length=5)
    cost_centre = models.CharField(_("cost centre"), max_length=50, blank=True)

    class Meta:
        ordering = ["client", "name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="site_name_unique_per_client")
        ]

    def __str__(self):
        return f"{self.name} ({self.city})"

    def clean(self):
        # ACC-1: sites are in France (overseas included): a French postal code
        errors = identifiers.normalize_fields(
            self,
            (
                ("postal_code", identifiers.normalize_postal_code),
                ("insee_code", identifiers.normalize_insee_code),
            ),
        )
        if errors:
            raise ValidationError(errors)


class Membership(TimeStampedModel):
    """ACC-2: a user's place in one customer company, with a role."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.READ_ONLY)
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["client", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} — {self.client} ({self.get_role_display()})"

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[Role(self.role)]

    @property
    def permissions(self) -> set[str]:
        """For templates: ``{% if "billing" in membership.permissions %}``."""
        return ROLE_PERMISSIONS[Role(self.role)]


class ApiKey(models.Model):
    """ACC-3: a partner's API key. Only a SHA-256 of the secret is stored; the key is shown once.

    The secret carries 256 bits of randomness, so a fast hash is enough (no password stretching
    needed) and lets every request be checked in one indexed lookup. What the key may do
    (``scopes``, ``accounts.scopes``) and where from (``allowed_ips``) are stored on the row, so
    that lookup is all a request costs. A rotation links the new key to the one it replaces
    (``rotated_from``): one successor per key, at most two live keys per chain.
    """

    PREFIX_LENGTH = 8

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=PREFIX_LENGTH, unique=True, editable=False)
    hashed_key = models.CharField(_("hashed key"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(
        _("scopes"),
        default=list,
        help_text=_("family:read or family:write; * is every family except keys."),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    allowed_ips = models.JSONField(
        _("allowed addresses"),
        default=list,
        blank=True,
        help_text=_("IP addresses or CIDR networks the key may call from; empty: any."),
    )
    rotated_from = models.OneToOneField(
        "self",
        verbose_name=_("rotated from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="rotated_to",
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
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["partner", "-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def is_live(self, now=None) -> bool:
        """Neither revoked nor expired: the key authenticates."""
        return self.revoked_at is None and not self.is_expired(now)

    @property
    def is_active(self) -> bool:
        return self.is_live()

    def allows(self, family: str, access: str) -> bool:
        return key_scopes.allows(self.scopes, family, access)

    def allows_ip(self, ip: str | None) -> bool:
        return key_scopes.ip_allowed(self.allowed_ips, ip)

    def clean(self):
        errors = {}
        for name, clean in (
            ("scopes", key_scopes.clean_scopes),
            ("allowed_ips", key_scopes.clean_allowlist),
        ):
            try:
                setattr(self, name, clean(getattr(self, name)))
            except ValidationError as error:
                errors[name] = error.messages
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def hash(raw_key: str) -> str:
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str]:
        """A new (prefix, raw key); the raw key is ``<prefix>.<secret>``."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"


class AuditLog(models.Model):
    """ACC-4: who changed what (money, status, terms), when, with the values before and after.

    Append-only: rows are never updated or deleted by the application.
    """

    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    client = models.ForeignKey(
        Client,
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    before = models.JSONField(_("values before"), default=dict, blank=True)
    after = models.JSONField(_("values after"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit log entries are append-only.")
        super().save(*args, **kwargs)


class Heartbeat(models.Model):
    """Last run of the periodic demo task: proves the worker and beat are alive."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beats = models.PositiveIntegerField(_("beats"), default=0)
    last_beat_at = models.DateTimeField(_("last beat at"), null=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}: {self.beats}"
