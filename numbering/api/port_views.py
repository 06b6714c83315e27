"""Partner API of port-in requests (NUM-3): a request lists the numbers to bring with the RIO of
each — every RIO checked against its own line, an error naming the line (``lines``:
``["Line 2 (01 72 70 00 13): …"]``) — the holder, the current operator, the desired date and
the signed mandate (a PDF, in a multipart body). ``draft → submitted → accepted (date) →
completed``, or ``rejected`` (a reason from a closed list) → fixed (``PATCH``) and relaunched,
or ``cancelled``; ``steps`` is the dated timeline. Staff accept, reject and complete; every
change is announced by the ``port_request.updated`` webhook event.

Another partner's request answers 404 on every route, nothing written; a command the request's
status does not allow is a 409 ``invalid_transition`` (``not_editable`` for a ``PATCH`` of a
request neither draft nor rejected).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from accounts.api.viewsets import PartnerModelViewSet
from kernel.errors import InvalidTransition
from kernel.parsers import PARSERS
from numbering.api.filtersets import PortRequestFilterSet
from numbering.api.port_serializers import (
    NO_DATE_GUARANTEED,
    PortRequestCreateFormSerializer,
    PortRequestCreateSerializer,
    PortRequestFieldsFormSerializer,
    PortRequestFieldsSerializer,
    PortRequestSerializer,
)
from numbering.choices import PortStatus
from numbering.models import PortRequest, PortRequestLine, PortRequestStep
from numbering.services.porting import (
    expected_delay_days,
    port_request_cancel,
    port_request_create,
    port_request_submit,
    port_request_update,
)
from offers.api.serializers import CommandErrorSerializer

CONFLICT = OpenApiResponse(
    CommandErrorSerializer,
    description=gettext_lazy(
        "The request's status does not allow it. Codes: invalid_transition, not_editable."
    ),
)


def _bodies(json_serializer, form_serializer) -> dict:
    return {"application/json": json_serializer, "multipart/form-data": form_serializer}


class PortRequestViewSet(PartnerModelViewSet):
    """NUM-3: the port-in requests of the partner's customers, with their lines and timeline.
    ``POST`` creates a draft (``submit: true`` submits it at once); ``PATCH`` fixes a draft or
    a rejected request; ``submit`` a draft, ``relaunch`` a rejected request once fixed,
    ``cancel`` one not completed."""

    queryset = PortRequest.objects.prefetch_related(
        Prefetch("lines", queryset=PortRequestLine.objects.order_by("pk")),
        Prefetch("steps", queryset=PortRequestStep.objects.order_by("at", "pk")),
    )
    serializer_class = PortRequestSerializer
    filterset_class = PortRequestFilterSet
    partner_lookup = "client__partner"
    parser_classes = PARSERS
    ordering_fields = ["created_at", "desired_date", "status"]
    ordering = ["-created_at", "-id"]

    def sql_list_params(self) -> dict:
        """The delay and the warning each request states (the setting, the active language)."""
        return {
            **super().sql_list_params(),
            "expected_delay_days": expected_delay_days(),
            "no_date_guaranteed": str(NO_DATE_GUARANTEED),
        }

    def _answer(self, port_request, code=status.HTTP_200_OK) -> Response:
        port_request = self.get_queryset().get(pk=port_request.pk)
        return Response(self.get_serializer(port_request).data, status=code)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=_bodies(PortRequestCreateSerializer, PortRequestCreateFormSerializer),
        responses={201: PortRequestSerializer},
        summary="Create a port-in request (NUM-3)",
        description="A draft, or with `submit: true` a submitted request (the mandate is then "
        "required). Each RIO is checked against its own number: a wrong one is a 400 on "
        "`lines` naming the line; nothing is written on any error.",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        payload = PortRequestCreateFormSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        port_request = port_request_create(
            client=data.pop("customer"), api_key=self.api_key, **data
        )
        return self._answer(port_request, status.HTTP_201_CREATED)

    @extend_schema(
        request=_bodies(PortRequestFieldsSerializer, PortRequestFieldsFormSerializer),
        responses={200: PortRequestSerializer, 409: CONFLICT},
        summary="Fix a draft or a rejected request (NUM-3)",
        description="Only the fields given change; `lines` replaces every line. Then `submit` "
        "a draft, or `relaunch` a rejected request.",
    )
    def partial_update(self, request, *args, **kwargs):
        port_request = self.get_object()
        payload = PortRequestFieldsFormSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        port_request = port_request_update(
            request=port_request, api_key=self.api_key, **payload.validated_data
        )
        return self._answer(port_request)

    def _command(self, expected: str, message: str, service):
        port_request = self.get_object()
        if port_request.status != expected:
            raise InvalidTransition(message, code="invalid_transition")
        return self._answer(service(request=port_request, api_key=self.api_key))

    @extend_schema(
        request=None,
        responses={200: PortRequestSerializer, 409: CONFLICT},
        summary="Submit a draft (NUM-3)",
        description="The mandate must be attached (400 on `mandate` otherwise).",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def submit(self, request, pk=None):
        return self._command(
            PortStatus.DRAFT,
            _("Only a draft is submitted; relaunch a rejected request."),
            port_request_submit,
        )

    @extend_schema(
        request=None,
        responses={200: PortRequestSerializer, 409: CONFLICT},
        summary="Relaunch a rejected request once fixed (NUM-3)",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def relaunch(self, request, pk=None):
        return self._command(
            PortStatus.REJECTED, _("Only a rejected request is relaunched."), port_request_submit
        )

    @extend_schema(
        request=None,
        responses={200: PortRequestSerializer, 409: CONFLICT},
        summary="Cancel a request (NUM-3)",
        description="A completed or cancelled request cannot be cancelled (409).",
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def cancel(self, request, pk=None):
        port_request = self.get_object()
        return self._answer(port_request_cancel(request=port_request, api_key=self.api_key))
