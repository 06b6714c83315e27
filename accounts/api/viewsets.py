"""The base of every partner API viewset: scoping to the calling partner lives here, once."""

import functools

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework import filters as drf_filters

from accounts.models import Partner
from kernel import sql_lists
from kernel.filters import FilterBackend
from kernel.languages import reads_english


class KnownQueryParametersMixin:
    """ACC-3, input read one way: a GET naming a query parameter the endpoint does not read is
    a 400 naming it and the parameters the endpoint takes. ``?customr=5`` (a misspelt filter)
    answered 200 with every row, as if no filter had been asked.

    The parameters an endpoint takes, as its OpenAPI operation documents them: on a list route,
    its filterset's filters, ``ordering`` (``OrderingFilter``), ``search`` (``SearchFilter``) and
    its pagination's (``page``, ``page_size``, ``cursor``…); the ones the view reads itself,
    said in ``query_parameters`` (a class attribute, or an ``@action``'s keyword:
    ``@action(…, query_parameters=("add", "total"))``); and ``format`` everywhere
    (``portal.api.negotiation``). Checked after authentication, permissions and throttling."""

    query_parameters: tuple = ()
    ALWAYS_KNOWN = ("format",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            self.check_query_parameters(request)

    def check_query_parameters(self, request) -> None:
        names = list(request.query_params.keys())
        if not names:
            return
        known = self.known_query_parameters()
        unknown = [name for name in names if name not in known]
        if not unknown:
            return
        message = _("Unknown parameter. The parameters of this request are: %(known)s.") % {
            "known": ", ".join(known)
        }
        raise exceptions.ValidationError({str(name): [message] for name in unknown})

    def known_query_parameters(self) -> list[str]:
        """The query parameters this request's endpoint reads, in the document's order."""
        known: list[str] = []
        detail = getattr(self, "detail", None)  # None: routed by hand (``as_view({…})``)
        if (not detail) if detail is not None else self.action == "list":
            # A list route: a detail's lookup is filtered too, but the document says no filter.
            for backend in getattr(self, "filter_backends", ()):
                known += _backend_parameters(backend, self)
            paginator = getattr(self, "paginator", None)
            if paginator is not None:
                known += [
                    name
                    for name in (
                        getattr(paginator, "cursor_query_param", None),
                        getattr(paginator, "page_query_param", None),
                        getattr(paginator, "page_size_query_param", None),
                    )
                    if name
                ]
        known += [*self.query_parameters, *self.ALWAYS_KNOWN]
        return list(dict.fromkeys(known))


def _backend_parameters(backend, view) -> list[str]:
    if issubclass(backend, drf_filters.OrderingFilter):
        return [backend.ordering_param]
    if issubclass(backend, drf_filters.SearchFilter):
        return [backend.search_param] if getattr(view, "search_fields", None) else []
    if issubclass(backend, FilterBackend):
        queryset = getattr(view, "queryset", None)
        filterset_class = backend().get_filterset_class(view, queryset)
        return list(_filterset_parameters(filterset_class)) if filterset_class else []
    return []


@functools.cache
def _filterset_parameters(filterset_class) -> tuple[str, ...]:
    """The names a filterset reads: a filter's own, or its widget's suffixed ones (a range's
    ``_min`` and ``_max``)."""
    names = []
    for name, filter_ in filterset_class.base_filters.items():
        # Not ``filter_.field``: built here, a field would keep a queryset made without request.
        widget = filter_.extra.get("widget") or getattr(filter_.field_class, "widget", None)
        suffixes = getattr(widget, "suffixes", None)
        names += [f"{name}_{suffix}" if suffix else name for suffix in suffixes or [""]]
    return tuple(names)


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


class PartnerScopedViewSetMixin(KnownQueryParametersMixin, SqlListMixin):
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
