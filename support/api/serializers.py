"""Partner API of support: tickets and their messages (SLA-1, SLA-3, SLA-4), outages (SLA-5,
read-only) and monthly availability reports with the credit request (SLA-6..10).

Money is a string; times are ISO 8601 with their offset (Paris time). ``*_met`` is
``true``/``false`` once known and ``null`` while the deadline is still ahead (or there is
none). Staff internal notes never appear.
"""

from django.db.models import Case, DateTimeField, F, OuterRef, Q, Value, When
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import PartnerClientField
from kernel import api_fields, representation, sql_lists
from kernel.inputs import MAX_FILES, MAX_TEXT
from kernel.stored_texts import in_language_sql
from offers.choices import SlaPolicy
from offers.models import Contract
from support.choices import (
    SLA_NOT_APPLICABLE,
    ExcuseReason,
    OutageScope,
    ReportStatus,
    TicketKind,
    TicketSource,
    TicketStatus,
)
from support.models import (
    Attachment,
    AvailabilityReport,
    Outage,
    OutageAnnouncement,
    Ticket,
    TicketMessage,
)


def _met_sql(deadline: str, done: str, now, closed: str):
    """SQL twin of ``Ticket._met``: true/false once known, null while the deadline is ahead
    (or there is none, or the ticket was closed before it without the step)."""
    return Case(
        When(**{f"{deadline}__isnull": True}, then=Value(None)),
        When(
            **{f"{done}__isnull": False},
            then=sql_lists.boolean(Q(**{f"{done}__lte": F(deadline)})),
        ),
        When(**{f"{closed}__lte": F(deadline)}, then=Value(None)),
        When(**{f"{deadline}__lt": now}, then=Value(False)),
        default=Value(None),
    )


def _met_horizon(deadline: str, done: str, now, closed: str):
    """The moment ``_met_sql`` may read differently without a change to the row: the deadline
    still ahead of an unfinished step of an open ticket (from null to false), else null
    (never)."""
    return Case(
        When(
            **{f"{done}__isnull": True, f"{closed}__isnull": True, f"{deadline}__gte": now},
            then=F(deadline),
        ),
        default=None,
        output_field=DateTimeField(),
    )


class CustomerField(PartnerClientField):
    """One of the calling partner's customers (an id); another partner's is 'not found'."""


class PartnerContractField(api_fields.IdField):
    """A contract of one of the calling partner's customers; another partner's is 'not found'."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or request.auth is None:
            return Contract.objects.none()
        return Contract.objects.filter(client__partner=request.auth.partner).select_related("site")


class TicketSerializer(representation.ModelSerializer):
    """A ticket. For a failure notification: ``intervention_deadline`` (SLA-3, PLATFORM: 4
    business hours from the report) and ``restoration_target`` (SLA-4), with whether each was
    met — each null when the contract's terms state no such clause (TRUNK, SIP-UNL)."""

    customer = serializers.IntegerField(
        source="client_id", read_only=True, help_text=_("The id of the customer.")
    )
    contract = serializers.IntegerField(
        source="contract_id",
        read_only=True,
        allow_null=True,
        help_text=_(
            "The id of the contract concerned: the failing service's for a failure; null for a "
            "question about no contract."
        ),
    )
    contract_reference = serializers.CharField(
        source="contract.reference",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("That contract's reference."),
    )
    kind = api_fields.inline_choice(
        TicketKind.choices,
        as_pattern=True,
        read_only=True,
        help_text=_("question, or failure_notification: a service is failing (SLA-1)."),
    )
    status = api_fields.inline_choice(
        TicketStatus.choices,
        read_only=True,
        help_text=_(
            "new → acknowledged → in_progress → waiting_customer → resolved → closed (SLA-1)."
        ),
    )
    source = api_fields.inline_choice(
        TicketSource.choices, read_only=True, help_text=_("Where it was opened from.")
    )
    intervention_met = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Whether work started by the intervention deadline; null while it is ahead, "
            "when there is none, or when the ticket was closed before it (withdrawn)."
        ),
    )
    restoration_met = serializers.BooleanField(
        read_only=True,
        allow_null=True,
        help_text=_(
            "Whether the service was restored by the restoration target; null while it is "
            "ahead, when there is none, or when the ticket was closed before it (withdrawn)."
        ),
    )

    sql_fields = {  # kernel.sql_lists: the properties above, in SQL
        "intervention_met": lambda ctx, p: _met_sql(
            p + "intervention_deadline", p + "intervention_started_at", ctx.now, p + "closed_at"
        ),
        "restoration_met": lambda ctx, p: _met_sql(
            p + "restoration_target", p + "restored_at", ctx.now, p + "closed_at"
        ),
    }
    sql_horizons = {  # kernel.sql_lists: when each flag may turn from null to false
        "intervention_met": lambda ctx, p: _met_horizon(
            p + "intervention_deadline", p + "intervention_started_at", ctx.now, p + "closed_at"
        ),
        "restoration_met": lambda ctx, p: _met_horizon(
            p + "restoration_target", p + "restored_at", ctx.now, p + "closed_at"
        ),
    }

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "customer",
            "contract",
            "contract_reference",
            "kind",
            "subject",
            "status",
            "source",
            "reported_at",
            "detected_at",
            "acknowledged_at",
            "intervention_started_at",
            "first_response_at",
            "intervention_deadline",
            "intervention_met",
            "restoration_target",
            "restoration_met",
            "restored_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            id=_("The ticket's id."),
            number=_("The number shown to the customer, e.g. T2026-000123 (SLA-1)."),
            subject=_("Its subject."),
            reported_at=_("When it was reported: deadlines count from here (SLA-3)."),
            acknowledged_at=_("When support acknowledged it; null until then."),
            intervention_started_at=_("When work on the failure started; null until then."),
            first_response_at=_("When support first answered; null until then."),
            intervention_deadline=_(
                "SLA-3 (PLATFORM): work must start by then — 4 business hours from the report; "
                "null for offers without that clause."
            ),
            restoration_target=_(
                "SLA-4: the service should be restored by then (HOSTED-W: 4 hours from "
                "detection; HOSTED-A: 8 business hours from the report); null without it."
            ),
            restored_at=_("When the service was restored; null until then."),
            resolved_at=_("When it was resolved; null until then."),
            closed_at=_("When it was closed; null until then."),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )


class TicketCreateSerializer(api_fields.Serializer):
    """SLA-1: a ticket opened by the partner for one of its customers. A failure notification
    names the failing service (``contract``, a contract of that customer)."""

    customer = CustomerField(help_text=_("The id of one of your customers."))
    kind = api_fields.inline_choice(
        TicketKind.choices,
        as_pattern=True,
        help_text=_("question, or failure_notification: a service is failing (SLA-1)."),
    )
    contract = PartnerContractField(
        required=False,
        allow_null=True,
        help_text=_(
            "The id of the failing service's contract, one of that customer's: required for a "
            "failure_notification, optional for a question. A question may also name a "
            "contract terminated within the last 12 months (its final invoice, a credit, an "
            "item to return); a failure_notification about it is refused (SLA-1)."
        ),
    )
    subject = serializers.CharField(
        max_length=Ticket._meta.get_field("subject").max_length, help_text=_("Its subject.")
    )
    body = serializers.CharField(max_length=MAX_TEXT, help_text=_("The first message."))
    detected_at = api_fields.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When the failure was detected, if before the report (HOSTED-W, SLA-4)."),
    )


class AttachmentSerializer(representation.ModelSerializer):
    name = serializers.CharField(
        source="original_name", read_only=True, help_text=_("The file's name, as it was sent.")
    )
    url = serializers.SerializerMethodField(help_text=_("Where to download it, with your API key."))

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "url"]
        extra_kwargs = api_fields.described(
            id=_("The file's id."),
            content_type=_(
                "Its media type, from its extension and checked against its first bytes: "
                "application/pdf, image/png, image/jpeg, text/plain, "
                "application/vnd.tcpdump.pcap or application/zip."
            ),
            size=_("Its size in bytes."),
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment) -> str:
        return representation.object_url(
            self, "api:ticket-attachment", attachment.message.ticket_id, attachment.pk
        )


class TicketMessageSerializer(representation.ModelSerializer):
    """A message: ``from_staff`` is support's answer; otherwise the customer's or the
    partner's."""

    author = serializers.SerializerMethodField(
        help_text=_(
            "Who wrote it: Support, Partner API (sent with one of your API keys), or the name "
            "(else the e-mail) of the customer's user; empty if that user was deleted."
        )
    )
    attachments = AttachmentSerializer(
        many=True, read_only=True, help_text=_("The files attached to it.")
    )

    class Meta:
        model = TicketMessage
        fields = ["id", "from_staff", "author", "body", "attachments", "created_at"]
        extra_kwargs = api_fields.described(
            id=_("The message's id."),
            from_staff=_("true: support's answer; false: the customer's or yours."),
            body=_("The message's text."),
            created_at=api_fields.CREATED_AT,
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_author(self, message) -> str:
        if message.from_staff:
            return str(_("Support"))
        if message.api_key_id is not None:
            return str(_("Partner API"))
        return message.author.get_full_name() or message.author.email if message.author else ""


def _attachments_help() -> str:
    return gettext(
        "Up to %(files)s files of 10 MB each: PDF, PNG, JPEG, TXT, LOG, PCAP or ZIP (multipart)."
    ) % {"files": MAX_FILES}


class TicketMessageCreateSerializer(api_fields.Serializer):
    body = serializers.CharField(max_length=MAX_TEXT, help_text=_("The message's text."))
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=MAX_FILES,
        help_text=lazy(_attachments_help, str)(),
    )


class OutageSerializer(representation.ModelSerializer):
    """SLA-5: an outage affecting the partner's customers. ``contracts`` lists the partner's
    contracts named by the outage; an outage of a whole offer (``scope=offer``) affects every
    contract of ``offer``. Excusable outages do not count in the availability (SLA-6)."""

    offer = serializers.CharField(
        source="offer.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_(
            "With scope offer: the code of the offer whose contracts are all affected; null "
            "otherwise."
        ),
    )
    ongoing = serializers.BooleanField(
        source="is_ongoing",
        read_only=True,
        help_text=_("true while it has no end (ended_at null)."),
    )
    excuse_reason = api_fields.inline_choice(
        [("", "—"), *ExcuseReason.choices],
        read_only=True,
        help_text=_("Why it is excusable (SLA-5); empty when it is not."),
    )
    scope = api_fields.inline_choice(
        OutageScope.choices,
        read_only=True,
        help_text=_(
            "contracts: it affects the contracts listed in contracts; offer: every contract of "
            "offer (SLA-5)."
        ),
    )
    contracts = serializers.SerializerMethodField(
        help_text=_(
            "With scope contracts: the ids of your customers' contracts it affects, newest "
            "first; empty with scope offer."
        )
    )
    announced_at = serializers.SerializerMethodField()

    sql_fields = {  # kernel.sql_lists: the property and the methods below, in SQL
        "ongoing": lambda ctx, p: sql_lists.boolean(Q(**{f"{p}ended_at__isnull": True})),
        "contracts": lambda ctx, p: sql_lists.json_array(
            Outage.contracts.through.objects.filter(
                outage_id=OuterRef(f"{p}pk"), contract__client__partner_id=ctx.param("partner")
            ),
            "outage_id",
            F("contract_id"),
            [F("contract__created_at").desc(), F("contract_id").desc()],
        ),
        "announced_at": lambda ctx, p: sql_lists.first(
            OutageAnnouncement.objects.filter(outage_id=OuterRef(f"{p}pk")).order_by("sent_at"),
            sql_lists.IsoDateTime("sent_at"),
        ),
    }

    class Meta:
        model = Outage
        fields = [
            "id",
            "title",
            "description",
            "started_at",
            "ended_at",
            "ongoing",
            "excusable",
            "excuse_reason",
            "scope",
            "offer",
            "contracts",
            "announced_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = api_fields.described(
            id=_("The outage's id."),
            title=_("Its title, as the affected customers read it."),
            started_at=_("When it started, with its UTC offset."),
            excusable=_(
                "true: excusable (excuse_reason says why): it does not count against the "
                "availability (SLA-5, SLA-6)."
            ),
            created_at=api_fields.CREATED_AT,
            updated_at=api_fields.UPDATED_AT,
        )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_contracts(self, outage) -> list[int]:
        return list(getattr(outage, "partner_contract_ids", []))

    @extend_schema_field(
        serializers.DateTimeField(
            allow_null=True,
            help_text=_("When the affected customers were told (SLA-5), null if they were not."),
        )
    )
    def get_announced_at(self, outage):
        """When the affected customers were told (SLA-5), null if they were not."""
        announcements = list(outage.announcements.all())
        if not announcements:
            return None
        return serializers.DateTimeField().to_representation(announcements[0].sent_at)


class AvailabilityReportSerializer(representation.ModelSerializer):
    """SLA-6..10: one contract's availability in one calendar month (``month`` is its first
    day) and the credit due. ``availability`` is the exact percentage truncated to 6 decimals
    (the tier was chosen on the exact value); ``credit_amount`` is 0 when the SLA does not apply
    (SLA-9, ``not_applicable_reason``). ``approved_amount`` is what was granted after the 20 %
    cap over 30 days (SLA-8) and ``credit_note`` the credit note that carries it."""

    contract = serializers.IntegerField(
        source="contract_id", read_only=True, help_text=_("The contract's id.")
    )
    contract_reference = serializers.CharField(
        source="contract.reference", read_only=True, help_text=_("That contract's reference.")
    )
    customer = serializers.IntegerField(
        source="contract.client_id", read_only=True, help_text=_("The id of the customer.")
    )
    policy = api_fields.inline_choice(
        SlaPolicy.choices,
        read_only=True,
        help_text=_("The contract's SLA policy (SLA-7): hosted_w, target 99.85%; hosted_a, 99%."),
    )
    status = api_fields.inline_choice(
        ReportStatus.choices,
        read_only=True,
        help_text=_(
            "computed → requested → approved or refused (SLA-10): computed on the 1st of the "
            "next month, requested by the customer or you, decided by staff."
        ),
    )
    can_request = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "true: the credit can be requested now (POST /availability-reports/{id}/request/): "
            "computed, the SLA applies and credit_amount > 0."
        ),
    )
    not_applicable_reason = serializers.CharField(
        source="not_applicable_text",
        read_only=True,
        help_text=_(
            "Why the SLA does not apply (SLA-9), in the language asked; empty when it does."
        ),
    )
    credit_note = serializers.IntegerField(
        source="credit_note_id",
        read_only=True,
        allow_null=True,
        help_text=_("The id of the credit note issued for it (BIL-9); null if none."),
    )
    credit_note_number = serializers.CharField(
        source="credit_note.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("That credit note's number; null if none."),
    )

    sql_fields = {  # kernel.sql_lists: ``can_request`` and ``not_applicable_text`` in SQL
        "not_applicable_reason": lambda ctx, p: in_language_sql(
            ctx, f"{p}not_applicable_reason", (SLA_NOT_APPLICABLE,)
        ),
        "can_request": lambda ctx, p: sql_lists.boolean(
            Q(
                **{
                    f"{p}status": ReportStatus.COMPUTED,
                    f"{p}applicable": True,
                    f"{p}credit_amount__gt": 0,
                }
            )
        ),
    }

    class Meta:
        model = AvailabilityReport
        fields = [
            "id",
            "contract",
            "contract_reference",
            "customer",
            "month",
            "policy",
            "minutes_in_month",
            "unavailable_minutes",
            "availability",
            "credit_percent",
            "base",
            "credit_amount",
            "applicable",
            "not_applicable_reason",
            "status",
            "can_request",
            "requested_at",
            "decided_at",
            "refusal_reason",
            "approved_amount",
            "credit_note",
            "credit_note_number",
            "computed_at",
        ]
        read_only_fields = fields
        extra_kwargs = api_fields.described(
            id=_("The report's id."),
            minutes_in_month=_(
                "Days in the month × 1 440; a DST change does not change it (SLA-6)."
            ),
            unavailable_minutes=_(
                "The unavailable minutes counted, elapsed time within the month and the service, "
                "to 2 decimals (SLA-6): HOSTED-W, the non-excusable outages of the contract, "
                "merged; HOSTED-A, its failure notifications, from the report to the restoration."
            ),
            credit_percent=_(
                "The credit tier reached, per cent of the base: 5, 10 or 20; 0 when the target "
                "was met (SLA-7)."
            ),
            base=_(
                "The credit's base (€ excl. VAT, 4 decimals, SLA-7): HOSTED-W, the contract's "
                "subscriptions invoiced for the month; HOSTED-A, its fixed fees invoiced for the "
                "month + the average consumption invoiced in each of the 3 months before."
            ),
            credit_amount=_(
                "base × credit_percent, rounded half up to the cent (€ excl. VAT); 0 when the "
                "SLA does not apply (SLA-9)."
            ),
            applicable=_("false: the SLA does not apply to the contract (SLA-9)."),
            requested_at=_("When the credit was requested, with its UTC offset; null until then."),
            decided_at=_(
                "When staff approved or refused the credit, with its UTC offset; null until then."
            ),
            refusal_reason=_("Why staff refused the credit; empty otherwise."),
            computed_at=_(
                "When it was last computed, with its UTC offset (a report still computed may be "
                "computed again)."
            ),
        )
