"""Partner API of call tariff changes (CON-6, HOSTED-A 6, PLATFORM 12.2): the announcements told
to the partner's customers, each with its tariffs (the price each replaces) and the partner's
contracts that may still refuse or object; and the refusal command. Money: strings, 4 decimals.

- ``GET /tariff-changes/`` (and ``/{id}/``): announcements told to at least one of the
  partner's customers, newest first; another partner's answers 404.
- ``POST /tariff-changes/{id}/refuse/``: a contract of the partner's customers refuses (HOSTED-A)
  or objects to (PLATFORM) the announcement's increases: a termination without fee."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.viewsets import LookupBeforeRefusingMixin, PartnerReadOnlyViewSet
from kernel import api_fields, representation
from kernel.clock import paris_today
from kernel.inputs import MAX_ID
from offers.api.price_change_serializers import PriceChangeRefusalSerializer
from offers.api.serializers import CommandErrorSerializer
from offers.api.termination_serializers import TerminationSerializer
from offers.choices import PriceChangeRefusal
from offers.models import Contract
from usage.models import Tariff, TariffAnnouncement, TariffRefusal
from usage.services import tariff_changes

RATE = {"max_digits": 12, "decimal_places": 4}


class TariffChangeSerializer(api_fields.Serializer):
    """One tariff of an announcement, with the one it replaces (``tariff_changes.Change``)."""

    name = serializers.CharField(
        source="destination",
        help_text=_(
            "The destination in the request's language: its French name, or with "
            "Accept-Language: en its English name (without one, the country and kind of number "
            "in English, or the prefix)."
        ),
    )
    prefix = serializers.CharField(
        source="tariff.prefix", help_text=_("Its E.164 prefix; empty for a country's row.")
    )
    country = serializers.CharField(source="tariff.country", help_text=_("ISO country code."))
    line_type = serializers.CharField(source="tariff.line_type", help_text=_("Line type."))
    price_class = serializers.CharField(source="tariff.price_class", help_text=_("Price class."))
    valid_from = serializers.DateField(
        source="tariff.valid_from", help_text=_("The first day it prices calls.")
    )
    valid_to = serializers.DateField(
        source="tariff.valid_to",
        allow_null=True,
        help_text=_("The day it stops (excluded); null: open."),
    )
    rate_per_minute = serializers.DecimalField(
        source="tariff.rate_per_minute", help_text=_("€ excl. VAT per minute."), **RATE
    )
    first_increment = serializers.IntegerField(
        source="tariff.first_increment", help_text=_("Seconds billed for the first increment.")
    )
    next_increment = serializers.IntegerField(
        source="tariff.next_increment", help_text=_("Seconds of each next increment.")
    )
    min_duration = serializers.IntegerField(
        source="tariff.min_duration", help_text=_("The minimum billed duration of a call (s).")
    )
    previous_rate_per_minute = serializers.DecimalField(
        source="before.rate_per_minute",
        allow_null=True,
        help_text=_("The price it replaces (€ excl. VAT per minute); null: none of its own."),
        **RATE,
    )
    increase = serializers.BooleanField(
        help_text=_("A higher rate, a longer increment or minimum, or a first price.")
    )


class AnswerableSerializer(api_fields.Serializer):
    contract = serializers.IntegerField(source="contract.pk", help_text=_("The contract's id."))
    reference = serializers.CharField(
        source="contract.reference", help_text=_("The contract's reference.")
    )
    customer = serializers.IntegerField(
        source="contract.client_id", help_text=_("The id of the contract's customer.")
    )
    right = serializers.ChoiceField(
        choices=[PriceChangeRefusal.TERMINATE.value, PriceChangeRefusal.OBJECT.value],
        help_text=_(
            "terminate (HOSTED-A 6: refuse, the contract ends 30 days later without fee, its "
            "calls at the old tariffs meanwhile) or object (PLATFORM 12.2: the contract ends "
            "without fee; a call from increase_from withdraws the objection)."
        ),
    )
    answer_by = serializers.DateField(help_text=_("The last day to refuse or object."))


class TariffAnnouncementSerializer(representation.ModelSerializer):
    announced_at = serializers.DateTimeField(source="created_at", help_text=_("When it was told."))
    tariffs = serializers.SerializerMethodField(
        help_text=_("The tariffs announced, each with the price it replaces.")
    )
    answerable = serializers.SerializerMethodField(
        help_text=_("Your customers' contracts that may still refuse or object (refuse).")
    )

    class Meta:
        model = TariffAnnouncement
        fields = ["id", "first_day", "increase", "increase_from", "announced_at", "tariffs"]
        fields += ["answerable"]
        extra_kwargs = {
            "id": {"help_text": _("The tariff change's id.")},
            "first_day": {"help_text": _("The first day one of its tariffs prices calls.")},
            "increase": {
                "help_text": _("true: one of its tariffs raises a price (it may be refused).")
            },
            "increase_from": {
                "help_text": _(
                    "The first day of its earliest increase: it may be refused or objected to "
                    "until the day before; null: no increase."
                )
            },
        }

    @extend_schema_field(TariffChangeSerializer(many=True))
    def get_tariffs(self, announcement):
        changes = self.context.get("changes", {}).get(announcement.pk)
        if changes is None:  # one announcement (its detail)
            changes = tariff_changes.changes_of(
                announcement.tariffs.order_by("valid_from", "name", "pk")
            )
        return TariffChangeSerializer(changes, many=True).data

    @extend_schema_field(AnswerableSerializer(many=True))
    def get_answerable(self, announcement):
        items = self.context.get("answerable", {}).get(announcement.pk, [])
        return AnswerableSerializer(items, many=True).data


class RefuseSerializer(PriceChangeRefusalSerializer):
    """The refusal command's input: a price change's (the dates, their bounds), naming the
    contract instead of the change (the change is the URL's)."""

    price_change = None
    contract = api_fields.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The id of one of your customers' contracts.")
    )


class TariffRefusalSerializer(representation.ModelSerializer):
    tariff_change = serializers.IntegerField(
        source="announcement_id", help_text=_("The tariff change's id.")
    )
    contract = serializers.IntegerField(source="contract_id", help_text=_("The contract's id."))
    termination = TerminationSerializer(
        help_text=_("The termination without fee recorded (reason price_increase_refused).")
    )

    class Meta:
        model = TariffRefusal
        fields = ["tariff_change", "contract", "objection", "keeps_day", "termination"]
        extra_kwargs = {
            "objection": {"help_text": _("true: a PLATFORM objection; false: a HOSTED-A refusal.")},
            "keeps_day": {
                "help_text": _(
                    "A refusal: the contract's calls are priced at the tariffs of this day until "
                    "its termination; null for an objection."
                )
            },
        }


class TariffChangeViewSet(LookupBeforeRefusingMixin, PartnerReadOnlyViewSet):
    """CON-6: the tariff changes told to the partner's customers."""

    queryset = TariffAnnouncement.objects.all()
    serializer_class = TariffAnnouncementSerializer
    ordering = ["-created_at", "-id"]

    def scope(self, queryset, partner):
        """An announcement is the partner's when one of its customers was told of it."""
        return (
            queryset.filter(notices__client__partner=partner)
            .distinct()
            .order_by("-created_at", "-id")
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "answerable": self._answerable()}

    def paginate_queryset(self, queryset):
        """A page's announcements with their tariffs and the prices these replace, read at
        once (two queries for the page, not two per announcement)."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            tariffs = Tariff.objects.filter(announcement__in=page).order_by(
                "valid_from", "name", "pk"
            )
            changes: dict[int, list] = {a.pk: [] for a in page}
            for change in tariff_changes.changes_of(tariffs):
                changes[change.tariff.announcement_id].append(change)
            self._changes = changes
        return page

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        serializer.context["changes"] = getattr(self, "_changes", {})
        return serializer

    def _answerable(self) -> dict[int, list]:
        """The partner's contracts that may answer each announcement not yet in force."""
        if getattr(self, "swagger_fake_view", False):
            return {}
        found: dict[int, list] = {}
        clients = self.partner.clients.values("pk")
        for item in tariff_changes.answerable_for(clients, today=paris_today()):
            found.setdefault(item.announcement.pk, []).append(item)
        return found

    @extend_schema(
        request=RefuseSerializer,
        responses={
            201: TariffRefusalSerializer,
            409: OpenApiResponse(
                CommandErrorSerializer,
                description=_(
                    "The contract may not refuse these tariffs now (code no_refusal: no "
                    "increase, in force already, no right, not told, or answered already; "
                    "termination_scheduled)."
                ),
            ),
        },
        summary="Refuse announced tariff increases (CON-6)",
        description="HOSTED-A 6: the contract ends without termination fee at the later of "
        "the requested date and the refusal + 30 days, its calls priced at the tariffs of the "
        "eve of increase_from until then. PLATFORM 12.2: the objection ends it without fee "
        "one month later at the earliest, not before increase_from; a call from increase_from "
        "withdraws it.",
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        announcement = self.get_object()
        payload = RefuseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        contract = Contract.objects.filter(
            pk=data["contract"], client__partner=self.partner
        ).first()
        if contract is None:
            raise serializers.ValidationError({"contract": [_("Unknown contract.")]})
        refusal = tariff_changes.tariff_refuse(
            announcement=announcement,
            contract=contract,
            requested_date=data.get("requested_date"),
            api_key=self.api_key,
            expected_effective_date=data.get("expected_effective_date"),
        )
        return Response(TariffRefusalSerializer(refusal).data, status=status.HTTP_201_CREATED)
