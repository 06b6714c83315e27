"""The base of every partner API viewset: scoping to the calling partner lives here, once."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets

from accounts.models import Partner
from kernel import sql_lists
from kernel.filters import FilterBackend
from kernel.languages import reads_english


class SqlListMixin:
    """Lists whose page PostgreSQL writes as JSON when it can (``kernel.sql_lists``), the keys'
    statement of a page kept per ``page_statement_key`` (``portal.api.pagination``)."""

    def sql_list_params(self) -> dict:
        """The request's values a list's SQL may name (``kernel.sql_lists``): whether it reads
        English (``kernel.languages``: the catalogue's names)."""
        return {"english": reads_english()}

    def statement_owner(self):
        """Whose rows the view lists (a partner's key), None for rows that are everyone's."""
        return None

    def list(self, request, *args, **kwargs):
        response = self.sql_list(request)
        return response if response is not None else super().list(request, *args, **kwargs)

    def sql_list(self, request):
        """The page with its rows written by PostgreSQL as JSON (``kernel.sql_lists``) when it
        can write every field of the serializer, else None (DRF's list)."""
        paginate_keys = getattr(self.paginator, "paginate_keys", None)
        writer = sql_lists.writer(self) if paginate_keys is not None else None
        if writer is None:
            return None
        page = paginate_keys(
            lambda: self.filter_queryset(self.get_queryset()), request, self, writer
        )
        if page is None:
            return None
        return self.get_paginated_response(sql_lists.RawJSON(writer.join(*page)))

    def page_statement_key(self):
        """What makes the statement of a list page's keys (``portal.api.pagination``): the
        view and its action, the rows' owner, the URL's arguments and the request's
        parameters, when none of them is a filter (then the statement is the same for the same
        page); None otherwise. A view whose rows depend on anything else says None."""
        params = self.request.query_params
        if not FilterBackend.PASSIVE.issuperset(params.keys()):
            return None
        return (
            type(self),
            self.action,
            self.statement_owner(),
            tuple(sorted(self.kwargs.items())),
            tuple((k, tuple(v)) for k, v in sorted(params.lists())),
        )


class PartnerScopedViewSetMixin(SqlListMixin):
    """Filters ``queryset`` by ``partner_lookup`` = the partner of the API key.

    Every viewset of the API inherits from this; none filters by owner on its own. An object of
    another partner is therefore never listed and answers 404.
    """

    partner_lookup = "partner"

    @property
    def partner(self) -> Partner:
        return self.request.auth.partner

    def get_queryset(self):
        """The one scoping of the API: subclasses never override this, they may only narrow
        ``scope`` (an object with two possible owners says so there)."""
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return queryset.none()
        return self.scope(queryset, self.partner)

    def scope(self, queryset, partner: Partner):
        """The rows of ``partner``: by default those whose ``partner_lookup`` is the partner."""
        return queryset.filter(**{self.partner_lookup: partner})

    @property
    def api_key(self):
        return self.request.auth

    def sql_list_params(self) -> dict:
        """The request's values a list's SQL may name (``kernel.sql_lists``)."""
        return {**super().sql_list_params(), "partner": self.partner.pk}

    def statement_owner(self):
        return self.partner.pk


class PartnerReadOnlyViewSet(PartnerScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class LookupBeforeRefusingMixin:
    """Writes a resource does not take answer 405 — after the lookup, so that another partner's
    object answers 404 on every verb, as on a read (ACC-3).

    The refusing actions are routed (that is how the lookup runs first) but are not offered:
    ``Allow`` (on every answer, a 405's too) and ``OPTIONS`` list only the methods that work."""

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        self.get_object()
        raise exceptions.MethodNotAllowed(request.method)

    partial_update = update
    destroy = update

    def _allowed_methods(self):
        # Read by DRF's ``allowed_methods`` (the Allow header, OPTIONS's "actions") and Django's.
        refused = {
            method.upper()
            for method, action in getattr(self, "action_map", {}).items()
            if getattr(type(self), action, None) is LookupBeforeRefusingMixin.update
        }
        return [method for method in super()._allowed_methods() if method not in refused]


class PartnerModelViewSet(
    PartnerScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create, update. Writes go through services from ``perform_*``."""

    http_method_names = ["get", "post", "patch", "head", "options"]
