"""Partner API of port-in requests (NUM-3): a request, its lines and its timeline, and the
bodies that create and fix one (JSON, or multipart with the signed mandate). Numbers read as in
``numbering.api.serializers``: E.164 with their French display."""

import json

from django.core.validators import MaxLengthValidator
from django.db.models import Q, TextField
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from kernel import api_fields, representation, sql_lists
from numbering.api.serializers import (
    DISPLAY_SQL,
    DISPLAY_TEXT,
    E164_TEXT,
    MAX_NUMBER_INPUT,
    PartnerSipAccountField,
)
from numbering.choices import PortStatus, RejectionReason
from numbering.models import PortRequest, PortRequestLine, PortRequestStep
from numbering.services.porting import MAX_LINES, expected_delay_days
from support.api.serializers import PartnerContractField
from telephony.api.serializers import PartnerTrunkField

# A RIO is 12 characters; typed with spaces ("01 P 123456 36Q") it is longer.
MAX_RIO_INPUT = 20
# ``lines`` as a JSON text (multipart): 100 lines of {"number": …, "rio": …}.
MAX_LINES_JSON = MAX_LINES * (MAX_NUMBER_INPUT + MAX_RIO_INPUT + 30)


class PortLineSerializer(representation.ModelSerializer):
    """One number to bring, with its RIO."""

    display = serializers.CharField(read_only=True, help_text=DISPLAY_TEXT)

    class Meta:
        model = PortRequestLine
        fields = ["id", "e164", "display", "rio"]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            id=_("The line's id."),
            e164=E164_TEXT,
            rio=_(
                "Its RIO as checked against the number: 12 characters OO Q RRRRRR CCC, in "
                "capitals without spaces (NUM-3)."
            ),
        )

    sql_fields = DISPLAY_SQL


class PortStepSerializer(representation.ModelSerializer):
    """One step of the timeline: the status the request entered and when; a rejection says
    why (``reason``, from a closed list)."""

    status = api_fields.inline_choice(
        PortStatus.choices,
        as_pattern=True,
        read_only=True,
        help_text=_("The status the request entered at this step (NUM-3)."),
    )
    reason = api_fields.inline_choice(
        [("", "—"), *RejectionReason.choices],
        as_pattern=True,
        read_only=True,
        help_text=_("On a rejected step, why (as rejection_reason); empty on any other step."),
    )

    class Meta:
        model = PortRequestStep
        fields = ["status", "at", "note", "reason"]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            at=_("When the request entered it, with its UTC offset."),
            note=_(
                "What the step says, as written then: the porting date scheduled on accepted "
                "(YYYY-MM-DD), the explanation given on rejected, a remark on a relaunch; "
                "often empty."
            ),
        )


CURRENT_OPERATOR_TEXT = _("The operator the numbers come from.")

NO_DATE_GUARANTEED = _(
    "No porting date is guaranteed: the current operator sets it; the desired date and the "
    "expected delay are indications."
)


class PortRequestSerializer(representation.ModelSerializer):
    """NUM-3: a port-in request, its lines and its timeline (``steps``, oldest first).
    ``expected_delay_days`` is the usual delay from submission; no date is guaranteed
    (``no_date_guaranteed``). A rejected request names its reason; fix what it names
    (``PATCH``) and relaunch it."""

    customer = serializers.IntegerField(
        source="client_id", read_only=True, help_text=_("The customer's id.")
    )
    status = api_fields.inline_choice(
        PortStatus.choices,
        as_pattern=True,
        read_only=True,
        help_text=_(
            "Where it stands: draft → submitted → accepted (date scheduled) → completed, or "
            "rejected (fix it, then relaunch it: submitted again), or cancelled (NUM-3)."
        ),
    )
    rejection_reason = api_fields.inline_choice(
        [("", "—"), *RejectionReason.choices],
        as_pattern=True,
        read_only=True,
        help_text=_(
            "Why it was rejected: rio_mismatch (a RIO does not match its line), holder_mismatch "
            "(the holder's name or SIRET), line_inactive (at the current operator), "
            "not_portable, date_unavailable (the desired date cannot be met), mandate_invalid "
            "(missing, unsigned or unreadable); empty if not rejected, or once relaunched "
            "(NUM-3)."
        ),
    )
    contract = serializers.IntegerField(
        source="contract_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the contract the numbers come to."),
    )
    sip_account = serializers.IntegerField(
        source="sip_account_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the SIP account of that contract the numbers come to; null if none."
        ),
    )
    trunk = serializers.IntegerField(
        source="trunk_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the trunk of that contract the numbers come to; null if none."),
    )
    site = serializers.IntegerField(
        source="site_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the contract's site when the request was created, where the numbers will "
            "be used; null if none."
        ),
    )
    mandate_attached = serializers.SerializerMethodField(
        help_text=_("true: the mandate signed by the holder is attached; submitting requires it.")
    )
    lines = PortLineSerializer(
        many=True,
        read_only=True,
        help_text=_("The numbers to bring, each with its RIO, in the order given."),
    )
    steps = PortStepSerializer(
        many=True,
        read_only=True,
        help_text=_("Its timeline: each status it entered and when, oldest first."),
    )
    expected_delay_days = serializers.SerializerMethodField(
        help_text=_(
            "The usual delay from submission, in days (a setting, the same for every request): "
            "an indication, not a commitment (NUM-3)."
        )
    )
    no_date_guaranteed = serializers.SerializerMethodField(
        help_text=_(
            "A notice to show the customer, in the language of the request: no porting date is "
            "guaranteed (NUM-3)."
        )
    )

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
        extra_kwargs = api_fields.described(
            id=_("The request's id."),
            reference=_(
                "Its reference: PORT-, the year of its creation, its id on 6 digits, e.g. "
                "PORT-2026-000042."
            ),
            holder_name=_("The holder's name, as the current operator knows it."),
            holder_siret=_("The holder's SIRET: 14 digits."),
            current_operator=CURRENT_OPERATOR_TEXT,
            desired_date=_(
                "The porting date asked for (Paris date): an indication, not a commitment."
            ),
            scheduled_date=_(
                "The porting date set when the request was accepted (Paris date); null until then."
            ),
            rejection_note=_(
                "The explanation given with the rejection; empty if none, or once relaunched."
            ),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )

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


class PortLineInputSerializer(api_fields.Serializer):
    number = serializers.CharField(
        max_length=MAX_NUMBER_INPUT,
        help_text=_("A number to bring: national (0172700012) or E.164, spaces allowed."),
    )
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
            "description": str(
                _(
                    'The lines as a JSON array: [{"number": "0172700012", "rio": '
                    '"02FAB12341XY"}], at most 100.'
                )
            ),
        }


class PortRequestFieldsSerializer(api_fields.Serializer):
    """The fields of a request that the customer may fix (``PATCH``: only those given)."""

    holder_name = serializers.CharField(
        max_length=PortRequest._meta.get_field("holder_name").max_length,
        help_text=_("As the current operator knows the holder."),
    )
    holder_siret = serializers.CharField(max_length=20, help_text=_("14 digits, spaces allowed."))
    current_operator = serializers.CharField(
        max_length=PortRequest._meta.get_field("current_operator").max_length,
        help_text=CURRENT_OPERATOR_TEXT,
    )
    desired_date = api_fields.DateField(
        help_text=_(
            "A business day (Monday to Friday, French public holidays excluded), from today "
            "on, within a year."
        )
    )
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

    customer = PartnerClientField(help_text=_("The id of one of your customers."))
    contract = PartnerContractField(
        help_text=_("The id of the customer's contract the numbers come to; it must be in service.")
    )
    sip_account = PartnerSipAccountField(
        required=False,
        allow_null=True,
        help_text=_("The id of a SIP account of that contract the numbers come to; optional."),
    )
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
