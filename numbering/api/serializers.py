"""Partner API of numbers (NUM-2) and port-in requests (NUM-3). Numbers are given in E.164
(``+33172700012``) with their French display (``01 72 70 00 12``); input numbers may be
national or E.164, spaces allowed. Output and input serializers are separate: every write goes
through ``numbering.services``."""

import json

from django.core.validators import MaxLengthValidator
from django.db.models import Q, TextField
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from kernel import api_fields, representation, sql_lists
from numbering.choices import NumberState, NumberType, PortStatus, RejectionReason
from numbering.models import PhoneNumber, PortRequest, PortRequestLine, PortRequestStep
from numbering.phone import display_sql
from numbering.services.assignment import MAX_PER_ASSIGNMENT
from numbering.services.porting import MAX_LINES, expected_delay_days
from offers.api.serializers import PartnerSiteField
from support.api.serializers import PartnerContractField, inline_choice
from telephony.api.serializers import PartnerTrunkField
from telephony.models import SipAccount

# A number as typed: "+262 262 12 34 56" is 17 characters; room for a few more spaces.
MAX_NUMBER_INPUT = 20
# A RIO is 12 characters; typed with spaces ("01 P 123456 36Q") it is longer.
MAX_RIO_INPUT = 20
# ``lines`` as a JSON text (multipart): 100 lines of {"number": …, "rio": …}.
MAX_LINES_JSON = MAX_LINES * (MAX_NUMBER_INPUT + MAX_RIO_INPUT + 30)


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


class PhoneNumberSerializer(representation.ModelSerializer):
    """A number of one of the partner's customers (NUM-2): where it is assigned (a contract,
    and a SIP account or a trunk of it), since when; a number released is in quarantine until
    ``quarantine_until`` and then no longer the customer's."""

    display = serializers.CharField(read_only=True, help_text=_("The French way: 01 72 70 00 12."))
    number_type = inline_choice(NumberType.choices, read_only=True)
    state = inline_choice(NumberState.choices, read_only=True)
    customer = serializers.IntegerField(source="client_id", read_only=True, allow_null=True)
    site = serializers.IntegerField(source="site_id", read_only=True, allow_null=True)
    contract = serializers.IntegerField(source="contract_id", read_only=True, allow_null=True)
    contract_reference = serializers.CharField(
        source="contract.reference", read_only=True, allow_null=True, default=None
    )
    sip_account = serializers.IntegerField(source="sip_account_id", read_only=True, allow_null=True)
    trunk = serializers.IntegerField(source="trunk_id", read_only=True, allow_null=True)

    class Meta:
        model = PhoneNumber
        fields = [
            "id",
            "e164",
            "display",
            "number_type",
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

    sql_fields = DISPLAY_SQL


class AvailableNumberSerializer(representation.ModelSerializer):
    """A number of the pool, free to assign (NUM-2). ``zne_restricted``: it may only be used at
    a site of its ZNE (overseas ranges)."""

    display = serializers.CharField(read_only=True)
    number_type = inline_choice(NumberType.choices, read_only=True)

    class Meta:
        model = PhoneNumber
        fields = ["id", "e164", "display", "number_type", "region", "zne", "zne_restricted"]
        read_only_fields = fields

    sql_fields = DISPLAY_SQL


class AssignSerializer(serializers.Serializer):
    """NUM-2: numbers of the pool for one service of the customer — a contract, a SIP account
    or a trunk (one of the three). All or nothing: a number taken meanwhile refuses the whole
    assignment, naming it (400 on ``numbers``)."""

    customer = PartnerClientField()
    numbers = serializers.ListField(
        child=serializers.CharField(max_length=MAX_NUMBER_INPUT),
        max_length=MAX_PER_ASSIGNMENT,
        help_text=_("National (0172700012) or E.164 numbers, at most 100."),
    )
    contract = PartnerContractField(required=False, allow_null=True)
    sip_account = PartnerSipAccountField(required=False, allow_null=True)
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


class PortLineSerializer(representation.ModelSerializer):
    """One number to bring, with its RIO."""

    display = serializers.CharField(read_only=True)

    class Meta:
        model = PortRequestLine
        fields = ["id", "e164", "display", "rio"]
        read_only_fields = fields

    sql_fields = DISPLAY_SQL


class PortStepSerializer(representation.ModelSerializer):
    """One step of the timeline: the status the request entered and when; a rejection says
    why (``reason``, from a closed list)."""

    status = inline_choice(PortStatus.choices, as_pattern=True, read_only=True)
    reason = inline_choice([("", "—"), *RejectionReason.choices], as_pattern=True, read_only=True)

    class Meta:
        model = PortRequestStep
        fields = ["status", "at", "note", "reason"]
        read_only_fields = fields


NO_DATE_GUARANTEED = _(
    "No porting date is guaranteed: the current operator sets it; the desired date and the "
    "expected delay are indications."
)


class PortRequestSerializer(representation.ModelSerializer):
    """NUM-3: a port-in request, its lines and its timeline (``steps``, oldest first).
    ``expected_delay_days`` is the usual delay from submission; no date is guaranteed
    (``no_date_guaranteed``). A rejected request names its reason; fix what it names
    (``PATCH``) and relaunch it."""

    customer = serializers.IntegerField(source="client_id", read_only=True)
    status = inline_choice(PortStatus.choices, as_pattern=True, read_only=True)
    rejection_reason = inline_choice(
        [("", "—"), *RejectionReason.choices], as_pattern=True, read_only=True
    )
    contract = serializers.IntegerField(source="contract_id", read_only=True, allow_null=True)
    sip_account = serializers.IntegerField(source="sip_account_id", read_only=True, allow_null=True)
    trunk = serializers.IntegerField(source="trunk_id", read_only=True, allow_null=True)
    site = serializers.IntegerField(source="site_id", read_only=True, allow_null=True)
    mandate_attached = serializers.SerializerMethodField()
    lines = PortLineSerializer(many=True, read_only=True)
    steps = PortStepSerializer(many=True, read_only=True)
    expected_delay_days = serializers.SerializerMethodField()
    no_date_guaranteed = serializers.SerializerMethodField()

    class Meta:
        model = PortRequest
        fields = [
            "id",
            "reference",
            "customer",
            "status",
            "holder_name",
            "holder_siret",
            "current_operator",
            "desired_date",
            "scheduled_date",
            "contract",
            "sip_account",
            "trunk",
            "site",
            "mandate_attached",
            "rejection_reason",
            "rejection_note",
            "lines",
            "steps",
            "expected_delay_days",
            "no_date_guaranteed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    sql_fields = {  # kernel.sql_lists: the methods below, in SQL
        "mandate_attached": lambda ctx, p: sql_lists.boolean(
            ~Q(**{f"{p}mandate": ""}) & Q(**{f"{p}mandate__isnull": False})
        ),
        "expected_delay_days": lambda ctx, p: ctx.param("expected_delay_days"),
        "no_date_guaranteed": lambda ctx, p: ctx.param("no_date_guaranteed", TextField()),
    }

    def get_mandate_attached(self, request) -> bool:
        return bool(request.mandate)

    def get_expected_delay_days(self, request) -> int:
        return expected_delay_days()

    def get_no_date_guaranteed(self, request) -> str:
        return str(NO_DATE_GUARANTEED)


class PortLineInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=MAX_NUMBER_INPUT)
    rio = serializers.CharField(
        max_length=MAX_RIO_INPUT,
        help_text=_("12 characters; spaces and lower case are accepted."),
    )


class LinesField(serializers.ListField):
    """The lines to bring: a JSON array, or in a multipart body the same array as a JSON text
    (``lines=[{"number": "0172700012", "rio": "02FAB12341XY"}]``). Each RIO is checked against
    its own line by the service, which names the line of an error."""

    default_error_messages = {"invalid_json": _("Give the lines as a JSON array.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("child", PortLineInputSerializer())
        kwargs.setdefault("max_length", MAX_LINES)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = data[0]  # a form field: the list of its values
        if isinstance(data, str):
            if len(data) > MAX_LINES_JSON:
                self.fail("max_length", max_length=MAX_LINES)
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid_json")
        return super().to_internal_value(data)


class JsonLinesField(LinesField):
    """``LinesField`` as a multipart body documents it: a JSON text. Its count of lines is
    checked here rather than by a length validator, which the schema would read as the
    text's length."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]

    def to_internal_value(self, data):
        lines = super().to_internal_value(data)
        if len(lines) > MAX_LINES:
            self.fail("max_length", max_length=MAX_LINES)
        return lines


class JsonLinesFieldExtension(OpenApiSerializerFieldExtension):
    """drf-spectacular: in a multipart body, ``lines`` is a JSON text of at most
    ``MAX_LINES_JSON`` characters (its ``max_length`` counts lines, not characters)."""

    target_class = JsonLinesField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "maxLength": MAX_LINES_JSON,
            "description": 'The lines as a JSON array: [{"number": "0172700012", "rio": '
            '"02FAB12341XY"}], at most 100.',
        }


class PortRequestFieldsSerializer(serializers.Serializer):
    """The fields of a request that the customer may fix (``PATCH``: only those given)."""

    holder_name = serializers.CharField(
        max_length=PortRequest._meta.get_field("holder_name").max_length,
        help_text=_("As the current operator knows the holder."),
    )
    holder_siret = serializers.CharField(max_length=20, help_text=_("14 digits, spaces allowed."))
    current_operator = serializers.CharField(
        max_length=PortRequest._meta.get_field("current_operator").max_length
    )
    desired_date = api_fields.DateField(help_text=_("From today on, within a year."))
    lines = LinesField(help_text=_("The numbers to bring with the RIO of each, at most 100."))


class PortRequestFieldsFormSerializer(PortRequestFieldsSerializer):
    """The same in a multipart body, with the signed mandate (a PDF)."""

    lines = JsonLinesField()
    mandate = serializers.FileField(
        required=False, help_text=_("The mandate signed by the holder: a PDF of 10 MB at most.")
    )


class PortRequestCreateSerializer(PortRequestFieldsSerializer):
    """NUM-3: a draft request for one of the partner's customers, or with ``submit`` a
    submitted one (the mandate is then required: send it in a multipart body, or attach it
    later with ``PATCH``). The numbers come to ``contract`` (in service), and to one of its SIP
    accounts or trunks if named."""

    customer = PartnerClientField()
    contract = PartnerContractField()
    sip_account = PartnerSipAccountField(required=False, allow_null=True)
    trunk = PartnerTrunkField(required=False, allow_null=True)
    submit = serializers.BooleanField(
        default=False, help_text=_("true: submit at once (the mandate is then required).")
    )

    def validate(self, attrs):
        client, contract = attrs["customer"], attrs["contract"]
        if contract.client_id != client.pk:
            raise serializers.ValidationError(
                {"contract": [_("This contract is not this customer's.")]}
            )
        for name in ("sip_account", "trunk"):
            service = attrs.get(name)
            if service is not None and service.contract_id != contract.pk:
                raise serializers.ValidationError(
                    {name: [_("The SIP account or trunk is not of this contract.")]}
                )
        return attrs


class PortRequestCreateFormSerializer(PortRequestCreateSerializer):
    """The same in a multipart body, with the signed mandate (a PDF)."""

    lines = JsonLinesField()
    mandate = serializers.FileField(
        required=False, help_text=_("The mandate signed by the holder: a PDF of 10 MB at most.")
    )
