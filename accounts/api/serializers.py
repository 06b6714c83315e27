from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import Role
from accounts.models import Client, Membership, Site, User
from kernel import api_fields, representation
from kernel.inputs import MAX_EMAIL, MAX_RECIPIENTS

NAME_LENGTH = User._meta.get_field("first_name").max_length

# The same field reads the same in every component of the app.
OWNER = _("The id of the customer it belongs to, one of yours (ACC-3); it never changes.")
ROLE = _(
    "What the person may do in the portal (ACC-2): admin (users, orders, terminations and "
    "everything below), billing (invoices, disputes, payment), technical (tickets, SIP accounts, "
    "numbers, equipment) or read_only. A customer always keeps at least one admin."
)


class ClientSerializer(representation.ModelSerializer):
    # Identifiers are accepted with spaces and normalised by the model (python-stdnum).
    siren = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_(
            "The SIREN, 9 digits with a valid check digit (ACC-1), stored without spaces; taken "
            "from the SIRET when left empty. A SIREN or a SIRET is required."
        ),
    )
    siret = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=25,
        help_text=_(
            "The SIRET, 14 digits with a valid check digit, starting with the SIREN (ACC-1), "
            "stored without spaces; empty if not given."
        ),
    )
    vat_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=25,
        help_text=_(
            "The intra-EU VAT number, checked and stored in compact form (e.g. FR44732829320); a "
            "French one must embed the SIREN (ACC-1). Empty if not given."
        ),
    )
    invoice_recipients = serializers.ListField(
        child=serializers.EmailField(max_length=MAX_EMAIL),
        required=False,
        allow_empty=True,
        max_length=MAX_RECIPIENTS,
        help_text=_(
            "The e-mail addresses for the customer's invoices (ACC-1), 20 at most, stored in "
            "lower case; an invoice issued to the customer records them."
        ),
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "legal_name",
            "siren",
            "siret",
            "vat_number",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "vat_regime",
            "invoice_recipients",
            "payment_method",
            "is_telecom_professional",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "created_at", "updated_at"]
        extra_kwargs = api_fields.described(
            id=_("The customer's id."),
            legal_name=_("The company's legal name (raison sociale), printed on its invoices."),
            address_line1=_("The first line of the billing address."),
            address_line2=_("The second line of the billing address; empty if none."),
            postal_code=_("The postal code of the billing address."),
            city=_("The city of the billing address."),
            country=_(
                "The country of the billing address, two-letter ISO 3166-1 code (FR by default)."
            ),
            vat_regime=_(
                "The VAT on its invoices: standard 20% (mainland France, the default), overseas "
                "8.5% (Guadeloupe, Martinique, Réunion), reverse_charge 0% with the "
                "autoliquidation mention (EU business outside France), or exempt."
            ),
            payment_method=_(
                "How the customer pays: sepa_direct_debit (the default; collected under its SEPA "
                "mandate), transfer (bank transfer) or prepaid (consumption is debited from its "
                "prepaid balance, USE-8)."
            ),
            is_telecom_professional=_(
                "true: an operator, call shop, call centre or other telecom professional; the "
                "hosted unlimited plans do not apply to its users, whose calls are billed per "
                "minute (USE-4)."
            ),
            status=_(
                "active, or closed by the reseller's staff: the users of a closed customer can no "
                "longer sign in to the portal."
            ),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )


class PartnerClientField(api_fields.IdField):
    """A customer of the calling partner only: another partner's id is 'does not exist'."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Client.objects.none()
        return Client.objects.filter(partner=request.auth.partner)


class SiteSerializer(representation.ModelSerializer):
    client = PartnerClientField(help_text=OWNER)

    class Meta:
        model = Site
        fields = [
            "id",
            "client",
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "insee_code",
            "cost_centre",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = api_fields.described(
            id=_("The site's id."),
            name=_("The site's name, unique among its customer's sites."),
            address_line1=_("The first line of the site's address."),
            address_line2=_("The second line of the site's address; empty if none."),
            postal_code=_("The postal code of the site."),
            city=_("The city of the site."),
            insee_code=_(
                "The INSEE code of the site's commune (ACC-1): 5 characters, Corsica as 2A/2B "
                "(e.g. 2A004), not the postal code. The site's numbering zone (NUM-1) and public "
                "holidays (Alsace-Moselle) follow from it."
            ),
            cost_centre=_("The customer's cost centre for this site, free text; empty if none."),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )

    def validate_client(self, value):
        if self.instance is not None and value != self.instance.client:
            raise serializers.ValidationError(_("A site cannot move to another customer."))
        return value


class CustomerUserSerializer(representation.ModelSerializer):
    client = PartnerClientField(help_text=OWNER)
    email = serializers.EmailField(
        source="user.email",
        max_length=MAX_EMAIL,
        help_text=_(
            "The person's e-mail address, with which they sign in, stored in lower case; it "
            "receives the invitation to choose a password. An address that already has an "
            "account (someone removed from a customer) keeps its language, and its names "
            "unless new ones are given."
        ),
    )
    first_name = serializers.CharField(
        source="user.first_name",
        required=False,
        allow_blank=True,
        max_length=NAME_LENGTH,
        help_text=_("The person's first name; empty if not given."),
    )
    last_name = serializers.CharField(
        source="user.last_name",
        required=False,
        allow_blank=True,
        max_length=NAME_LENGTH,
        help_text=_("The person's last name; empty if not given."),
    )
    language = serializers.ChoiceField(
        source="user.language",
        choices=["fr", "en"],
        required=False,
        help_text=_("The language of the e-mails sent to the person: fr (the default) or en."),
    )
    is_active = serializers.BooleanField(
        source="user.is_active",
        read_only=True,
        help_text=_("false: the person's account is deactivated and cannot sign in."),
    )
    role = serializers.ChoiceField(choices=Role.choices, help_text=ROLE)

    class Meta:
        model = Membership
        fields = [
            "id",
            "client",
            "email",
            "first_name",
            "last_name",
            "language",
            "role",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = api_fields.described(
            id=_("The customer user's id: the person's membership of the customer (ACC-2)."),
            created_at=api_fields.CREATED_AT,
        )


# The body of PATCH /customer-users/{id}/: the new role, the one thing the API changes on a
# customer user (ACC-2). Never partial: a PATCH without a role would change nothing, so it is a
# 400 and the schema says role is required (drf-spectacular makes a PATCH body partial by
# setting ``partial``, which this serializer ignores). No docstring: it would be the schema's
# description of the body.
class CustomerUserRoleSerializer(api_fields.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, help_text=ROLE)

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value) -> None:
        pass
