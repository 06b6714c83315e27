"""Partner API of numbers (NUM-2) and port-in requests (NUM-3, in
``numbering.api.port_serializers``). Numbers are given in E.164 (``+33172700012``) with their
French display (``01 72 70 00 12``); input numbers may be national or E.164, spaces allowed.
Output and input serializers are separate: every write goes through ``numbering.services``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from kernel import api_fields, representation
from numbering.choices import NumberState, NumberType, PriceClass
from numbering.models import PhoneNumber
from numbering.phone import display_sql
from numbering.services.assignment import MAX_PER_ASSIGNMENT
from offers.api.serializers import PartnerSiteField
from support.api.serializers import PartnerContractField
from telephony.api.serializers import PartnerTrunkField
from telephony.models import SipAccount

# A number as typed: "+262 262 12 34 56" is 17 characters; room for a few more spaces.
MAX_NUMBER_INPUT = 20


# kernel.sql_lists: a number's ``display`` (NUM-1), written by PostgreSQL.
DISPLAY_SQL = {"display": lambda ctx, p: display_sql(f"{p}e164")}


class PartnerSipAccountField(api_fields.IdField):
    """One of the calling partner's SIP accounts; another partner's and an id that does not
    exist are the same field error (ACC-3)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return SipAccount.objects.none()
        return SipAccount.objects.select_related("contract").filter(
            contract__client__partner=request.auth.partner
        )


# The same field of numbers, and of port-in lines, says the same thing (NUM-1).
E164_TEXT = _(
    "The number in E.164, e.g. +33172700012 (overseas numbers have their own country code: "
    "+262, +590, +594, +596, never +33) (NUM-1)."
)
DISPLAY_TEXT = _("The French way: 01 72 70 00 12.")
NUMBER_TYPE_TEXT = _(
    "geographic (01–05), mobile (06, 07), polyvalent (non-geographic 09) or special "
    "(special rate 08) (NUM-1)."
)
PRICE_CLASS_TEXT = _(
    "What the callers of an 08 number pay (NUM-1, ARCEP's plan): toll_free (0800–0805, free "
    "for the caller), uan (0806–0809, the price of a normal call), shared_cost (081, 082, 084) "
    "or premium (0836, 085–089); empty for a number that is not special."
)
NUMBER_TEXTS = {
    "id": _("The number's id."),
    "e164": E164_TEXT,
    "region": _(
        "Where it belongs, ISO 3166: FR for mainland France; RE, YT, GP, MQ or GF overseas (NUM-1)."
    ),
    "zne": _(
        "Its elementary numbering zone (ZNE) as ARCEP names it, in capitals, e.g. PARIS; for "
        "one ported in, the ZNE of the site it serves; empty for a number that is not "
        "geographic (NUM-1)."
    ),
}


class PhoneNumberSerializer(representation.ModelSerializer):
    """A number of one of the partner's customers (NUM-2): where it is assigned (a contract,
    and a SIP account or a trunk of it), since when; a number released is no longer the
    customer's, in quarantine until ``quarantine_until``: then a number of our ranges returns to
    the pool, one ported in goes back to the operator holding its range (NUM-1)."""

    display = serializers.CharField(read_only=True, help_text=DISPLAY_TEXT)
    number_type = api_fields.inline_choice(
        NumberType.choices, read_only=True, help_text=NUMBER_TYPE_TEXT
    )
    price_class = api_fields.inline_choice(
        [("", ""), *PriceClass.choices], read_only=True, help_text=PRICE_CLASS_TEXT
    )
    state = api_fields.inline_choice(
        NumberState.choices,
        read_only=True,
        help_text=_(
            "Its state (NUM-1): assigned (it serves the customer), ported_out (gone to another "
            "operator on ported_out_on, or, ported in and released, returned to the operator "
            "holding its range after its quarantine; never reused), quarantine (released: "
            "answered once, by release, until quarantine_until); reserved and porting_in are the "
            "other states a number held for a customer may be in."
        ),
    )
    customer = serializers.IntegerField(
        source="client_id",
        read_only=True,
        allow_null=True,
        help_text=_("The customer's id; null once released."),
    )
    site = serializers.IntegerField(
        source="site_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the site where it is used (by default its contract's site); null if none."
        ),
    )
    contract = serializers.IntegerField(
        source="contract_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the contract it serves; null once released."),
    )
    contract_reference = serializers.CharField(
        source="contract.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("That contract's reference, e.g. CT-2026-000042; null if none."),
    )
    sip_account = serializers.IntegerField(
        source="sip_account_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the SIP account it is assigned to, of that contract; null if none."),
    )
    trunk = serializers.IntegerField(
        source="trunk_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the trunk it is assigned to, of that contract; null if none."),
    )

    class Meta:
        model = PhoneNumber
        fields = [
            "id",
            "e164",
            "display",
            "number_type",
            "price_class",
            "region",
            "zne",
            "state",
            "customer",
            "site",
            "contract",
            "contract_reference",
            "sip_account",
            "trunk",
            "assigned_at",
            "quarantine_until",
            "ported_out_on",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            **NUMBER_TEXTS,
            assigned_at=_(
                "When it was assigned to the customer, with its UTC offset; null once released."
            ),
            quarantine_until=_(
                "The Paris date its quarantine ends once released (NUM-2): a number of our ranges "
                "then returns to the pool, one ported in goes back to the operator holding its "
                "range (ported_out); null otherwise."
            ),
            ported_out_on=_(
                "The Paris date it leaves (or left) for another operator, as the port-out notice "
                "gives it (NUM-4); null if none."
            ),
            updated_at=api_fields.UPDATED_AT,
        )

    sql_fields = DISPLAY_SQL


class AvailableNumberSerializer(representation.ModelSerializer):
    """A number of the pool, free to assign (NUM-2). ``zne_restricted``: it may only be used at
    a site of its ZNE (overseas ranges)."""

    display = serializers.CharField(read_only=True, help_text=DISPLAY_TEXT)
    number_type = api_fields.inline_choice(
        NumberType.choices, read_only=True, help_text=NUMBER_TYPE_TEXT
    )
    price_class = api_fields.inline_choice(
        [("", ""), *PriceClass.choices], read_only=True, help_text=PRICE_CLASS_TEXT
    )

    class Meta:
        model = PhoneNumber
        fields = [
            "id", "e164", "display", "number_type", "price_class", "region", "zne",
            "zne_restricted",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            **NUMBER_TEXTS,
            zne_restricted=_(
                "true: it may only be used at a site of its ZNE (by default, overseas ranges); "
                "false: at any site (NUM-1)."
            ),
        )

    sql_fields = DISPLAY_SQL


class AssignSerializer(api_fields.Serializer):
    """NUM-2: numbers of the pool for one service of the customer — a contract, a SIP account
    or a trunk (one of the three). All or nothing: a number taken meanwhile refuses the whole
    assignment, naming it (400 on ``numbers``)."""

    customer = PartnerClientField(help_text=_("The id of one of your customers."))
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=MAX_NUMBER_INPUT),
        max_length=MAX_PER_ASSIGNMENT,
        help_text=_("National (0172700012) or E.164 numbers, at most 100."),
    )
    contract = PartnerContractField(
        required=False,
        allow_null=True,
        help_text=_(
            "The id of the customer's contract (in service) to assign them to; give exactly one of "
            "contract, sip_account and trunk."
        ),
    )
    sip_account = PartnerSipAccountField(
        required=False,
        allow_null=True,
        help_text=_(
            "The id of the customer's SIP account to assign them to; give exactly one of "
            "contract, sip_account and trunk."
        ),
    )
    trunk = PartnerTrunkField(required=False, allow_null=True)
    site = PartnerSiteField(
        required=False,
        allow_null=True,
        help_text=_("Where the numbers are used (by default the contract's site): its ZNE."),
    )

    def validate(self, attrs):
        targets = [name for name in ("contract", "sip_account", "trunk") if attrs.get(name)]
        if len(targets) != 1:
            raise serializers.ValidationError(
                {"contract": [_("Choose one contract, SIP account or trunk for these numbers.")]}
            )
        (name,) = targets
        target = attrs[name]
        contract = target if name == "contract" else target.contract
        client = attrs["customer"]
        if contract.client_id != client.pk:
            raise serializers.ValidationError({name: [_("This service is not this customer's.")]})
        site = attrs.get("site")
        if site is not None and site.client_id != client.pk:
            raise serializers.ValidationError({"site": [_("This site is not this customer's.")]})
        return attrs
