"""Partner API: CDR batches (SPEC §4) — ``POST /cdr-imports/`` with a CSV file (multipart,
``file``; the columns of docs/cdr-format.md) or a JSON body ``{"calls": [{call_id, account,
start_time, answered, duration, caller, called, call_type, device_id}, …]}``. The batch is
imported by a worker (202 Accepted); ``GET /cdr-imports/{id}/`` is its report: status, counts
and the rejected rows with their line (JSON: call n of ``calls`` is line n + 1, the header
being line 1). Only the partner's own customers' accounts are accepted; a re-sent call (same
call id and start time) is counted as a duplicate and changes nothing. With an
``Idempotency-Key`` a retried POST answers the first batch again (no second batch)."""

import csv
import io

from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Least
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent_response
from accounts.api.viewsets import PartnerScopedViewSetMixin
from billing.api.views import LookupBeforeRefusingMixin
from kernel import api_fields, representation
from kernel.parsers import PARSERS, BoundedJSONParser
from kernel.stored_texts import in_language_sql
from usage.choices import CallType, ImportSource, ImportStatus
from usage.models import ImportBatch, ImportRejection
from usage.services import import_errors, imports

MAX_FILE = 20 * 1024 * 1024
MAX_CALLS = 10_000
# A JSON batch of MAX_CALLS calls whose texts are at their longest is about 4 MB: the body limit
# of the other endpoints (2.5 MB) refused a batch the schema says is valid.
MAX_JSON_BODY = 8 * 1024 * 1024


class BatchJSONParser(BoundedJSONParser):
    """A batch's body within its limit. A list of more calls than a batch takes is refused by
    ``BatchInput`` at once (its length): the depth of the document is measured on the calls a
    batch may hold, not on all of them — walking 1 900 000 empty objects of a 7.6 MB body took
    ~10 s of a worker for a request refused anyway."""

    body_limit = MAX_JSON_BODY

    def trim(self, data):
        if isinstance(data, dict) and isinstance(data.get("calls"), list):
            # past MAX_CALLS + 1 the list is refused by its length, never read further
            data["calls"] = data["calls"][: MAX_CALLS + 1]
        return data


# A call's texts become one CSV line each: a line break (or another control character) would
# split it and shift the report's line numbers.
ONE_LINE = RegexValidator(
    r"^[^\x00-\x1f\x7f]*\Z", _("No line break or other control character allowed.")
)


def _text(max_length: int, **kwargs):
    return serializers.CharField(max_length=max_length, validators=[ONE_LINE], **kwargs)


class CallInput(api_fields.Serializer):
    """One call, with the columns of a CDR file (docs/cdr-format.md)."""

    call_id = _text(
        64, help_text=_("The carrier's id of the call; with start_time, what makes it unique.")
    )
    account = _text(
        64,
        help_text=_(
            "A SIP account's or a trunk's username, or a PLATFORM contract's reference, of one "
            "of your customers."
        ),
    )
    start_time = _text(
        40,
        help_text=_(
            "When the call started, ISO 8601 with seconds, e.g. 2026-10-02T09:15:00Z; UTC when "
            "no offset is given."
        ),
    )
    answered = serializers.BooleanField(help_text=_("Whether the call was answered."))
    duration = api_fields.IntegerField(
        min_value=0,
        max_value=9_999_999,
        help_text=_("Seconds of conversation (0 for an unanswered call)."),
    )
    caller = _text(
        32,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("The calling number, as presented."),
    )
    called = _text(
        32,
        help_text=_(
            "The number dialled: E.164 (+33123456789), 00…, a French national 0… number, or a "
            "short number (15, 112, 3949)."
        ),
    )
    call_type = serializers.ChoiceField(
        choices=CallType.choices, help_text=_("The direction of the call.")
    )
    device_id = _text(
        64,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("The registered device that placed the call (MAC or instance id), if known."),
    )

    class Meta:
        list_serializer_class = api_fields.BoundedListSerializer  # maxItems in the schema


class BatchInput(api_fields.Serializer):
    calls = CallInput(
        many=True,
        required=False,
        max_length=MAX_CALLS,
        help_text=_("The calls (JSON body), at most 10 000; or send a file instead."),
    )
    file = serializers.FileField(
        required=False,
        help_text=_(
            "A CSV file of CDRs (multipart body), at most 20 MB, its first line the header."
        ),
    )

    def validate_calls(self, calls):
        if len(calls) > MAX_CALLS:
            raise serializers.ValidationError(
                _("At most %(n)s calls per batch.") % {"n": MAX_CALLS}
            )
        return calls

    def validate_file(self, file):
        if file.size > MAX_FILE:
            raise serializers.ValidationError(_("The file is larger than 20 MB."))
        return file

    def validate(self, data):
        if data.get("file"):  # a list beside it (a multipart field, say) is not ignored
            extra = data.get("calls") or self.initial_data.get("calls") not in (None, "", [])
        else:
            extra = not data.get("calls")
        if extra:
            raise serializers.ValidationError(_("Send either a CSV file or a list of calls."))
        return data


class RejectionSerializer(representation.ModelSerializer):
    class Meta:
        model = ImportRejection
        fields = ["line", "reason", "raw"]
        extra_kwargs = api_fields.described(
            line=_("Its line in the file (1 = the header); call n of a JSON batch is line n + 1."),
            reason=_("Why it was not imported."),
            raw=_("The line as it was sent."),
        )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["reason"] = imports.reason_in_language(data["reason"])  # Accept-Language
        return data


def _progress_sql(ctx, p: str):
    """``ImportBatch.progress`` in SQL (integer division truncates toward zero, as ``int``)."""
    done_lines = ExpressionWrapper(  # bigint: 100 × a row count may pass 2**31
        Value(100) * Cast(F(f"{p}rows_read"), BigIntegerField()),
        output_field=BigIntegerField(),
    )
    lines = Greatest(Value(1), F(f"{p}total_lines") - Value(1), output_field=IntegerField())
    return Case(
        When(**{f"{p}status": ImportStatus.DONE}, then=Value(100)),
        When(Q(**{f"{p}total_lines__isnull": True}) | Q(**{f"{p}total_lines": 0}), then=0),
        default=Least(Value(100), done_lines / lines, output_field=BigIntegerField()),
        output_field=IntegerField(),
    )


class ErrorField(serializers.CharField):
    """A failed import's stored reason, in the language asked (ACC-3, ``Accept-Language``)."""

    def to_representation(self, value):
        return import_errors.error_in_language(value)


def _error_sql(ctx, p: str):
    return in_language_sql(ctx, f"{p}error", import_errors.ERRORS)


class ImportBatchSerializer(representation.ModelSerializer):
    progress = serializers.IntegerField(
        read_only=True, help_text=_("Per cent of the file's lines done (0–100).")
    )
    error = ErrorField(read_only=True, help_text=_("Why the whole import failed, if it did."))

    # kernel.sql_lists: the property and the reason in the language asked, in SQL
    sql_fields = {"progress": _progress_sql, "error": _error_sql}

    class Meta:
        model = ImportBatch
        fields = ["id", "status", "filename", "progress", "rows_read", "imported"]
        fields += ["duplicates", "rejected", "error", "created_at", "finished_at"]
        extra_kwargs = api_fields.described(
            id=_("The import's id: GET /cdr-imports/{id}/ is its report."),
            status=_("Where the import stands."),
            filename=_("The file's name; api.csv for a JSON batch."),
            rows_read=_("Calls read so far."),
            imported=_("Calls imported and rated."),
            duplicates=_("Calls already imported (same call_id and start_time): unchanged."),
            rejected=_("Calls refused, each with its line and reason."),
            created_at=_("When it was received."),
            finished_at=_("When it ended; null while it runs."),
        )


REPORT_REJECTIONS = 1000  # rows of the report; the rest by ``rejections/?after=<line>``


def _rejections_page(batch, after: int = 0) -> tuple[list, bool]:
    """Up to ``REPORT_REJECTIONS`` refused calls after line ``after``, and whether more follow."""
    rows = list(batch.rejections.filter(line__gt=after).order_by("line")[: REPORT_REJECTIONS + 1])
    return rows[:REPORT_REJECTIONS], len(rows) > REPORT_REJECTIONS


def _rejections_next(request, batch, rows, more: bool) -> str | None:
    if not more:
        return None
    url = reverse("api:cdr-import-rejections", args=[batch.pk])
    return request.build_absolute_uri(f"{url}?after={rows[-1].line}")


class ImportReportSerializer(ImportBatchSerializer):
    rejections = serializers.SerializerMethodField(
        help_text=_("The refused calls, by line (the first 1 000: see rejections_next).")
    )
    rejections_next = serializers.SerializerMethodField(
        help_text=_(
            "The refused calls after the first 1 000 (GET, 1 000 a page, each page with its "
            "next); null when the report holds them all."
        )
    )

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "rejections", "rejections_next"]

    def _page(self, batch):
        if getattr(self, "_rejections", None) is None:
            self._rejections = _rejections_page(batch)
        return self._rejections

    @extend_schema_field(RejectionSerializer(many=True))
    def get_rejections(self, batch) -> list[dict]:
        return RejectionSerializer(self._page(batch)[0], many=True).data

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_rejections_next(self, batch) -> str | None:
        rows, more = self._page(batch)
        return _rejections_next(self.context["request"], batch, rows, more)


class RejectionPageSerializer(api_fields.Serializer):
    results = RejectionSerializer(many=True, help_text=_("The refused calls, by line."))
    next = serializers.URLField(allow_null=True, help_text=_("The next page; null at the end."))


class AfterLineInput(api_fields.Serializer):
    after = serializers.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        default=0,
        help_text=_("The refused calls after this line (the last line of the page before)."),
    )


def to_csv(calls) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(imports.COLUMNS)
    for c in calls:
        writer.writerow(
            [
                c["call_id"],
                c["account"],
                c["start_time"],
                "yes" if c["answered"] else "no",
                c["duration"],
                c.get("caller", ""),
                c["called"],
                c["call_type"],
                c.get("device_id", ""),
            ]
        )
    return out.getvalue().encode()


class CdrImportViewSet(
    LookupBeforeRefusingMixin,
    PartnerScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """CDR batches of the partner (SPEC §4): upload, then read the import's report."""

    queryset = ImportBatch.objects.all()
    serializer_class = ImportBatchSerializer
    parser_classes = [BatchJSONParser, *PARSERS[1:]]
    partner_lookup = "partner"
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        return ImportReportSerializer if self.action == "retrieve" else ImportBatchSerializer

    @extend_schema(
        parameters=[AfterLineInput],
        responses={200: RejectionPageSerializer},
        summary="Every refused call of an import, 1 000 a page, by line",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="rejections",
        url_name="rejections",
        query_parameters=("after",),
    )
    def rejections(self, request, pk=None):
        batch = self.get_object()
        params = AfterLineInput(data=request.query_params, context={"query_string": True})
        params.is_valid(raise_exception=True)
        rows, more = _rejections_page(batch, params.validated_data["after"])
        return Response(
            {
                "results": RejectionSerializer(rows, many=True).data,
                "next": _rejections_next(request, batch, rows, more),
            }
        )

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={"application/json": BatchInput, "multipart/form-data": BatchInput},
        responses={202: ImportBatchSerializer},
        summary="Upload a batch of call records (CSV or JSON)",
    )
    def create(self, request, *args, **kwargs):
        # SPEC §9: a retry with the same Idempotency-Key answers the first batch
        return idempotent_response(request, lambda: self._create(request))

    def _create(self, request):
        payload = BatchInput(data=request.data)
        payload.is_valid(raise_exception=True)
        if payload.validated_data.get("file"):
            upload = payload.validated_data["file"]
            name, content = upload.name, upload  # by chunks (``import_create``), not read whole
        else:
            name, content = "api.csv", to_csv(payload.validated_data["calls"])
        with transaction.atomic():
            batch = imports.import_create(
                source=ImportSource.API,
                filename=name,
                content=content,
                api_key=self.api_key,
                partner=self.partner,
            )
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)
