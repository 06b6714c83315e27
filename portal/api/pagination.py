"""The API's page-number pagination (``?page=``, ``?page_size=`` up to 200), in two narrow steps.

A list's page used to be two queries: ``COUNT(*)`` of the partner's rows, then every row joined
to its related rows (``select_related``), sorted whole and cut to the page. With thousands of
rows a partner paid the join and the sort of wide rows on every request (issue 13: 10–25 ms of
PostgreSQL for a page of invoices, charges or availability reports). ``NarrowPagePaginator``
asks instead for the page's primary keys, with the total beside them (one statement: the count is
an uncorrelated subquery PostgreSQL runs once), then for those rows by primary key with the
view's ``select_related`` and ``prefetch_related``. Same rows in the same order, same count, and
as many queries as before.

Only pages joined to a nullable relation (``select_related`` of an optional foreign key: an outer
join of every row before the cut) take the narrow path; the others keep Django's paginator, their
page query being cheap already (the second step would cost ~0.5 ms of Python and a second join),
as do querysets whose count is not a plain ``COUNT(*)`` of their rows: ``distinct()``,
``GROUP BY``, unions, ``values()``, sliced querysets, ``orphans``, lists. Measured with
``make bench-api`` (bench/results/): PostgreSQL CPU per page of availability reports 13.9 →
5.2 ms, charges 12.7 → 3.4 ms, invoices 13.3 → 7.8 ms, tickets 5.9 → 2.9 ms.

A page written by PostgreSQL (``KeysPaginator``) is kept and served again while no committed
change touches the tables it reads (``kernel.changes``): one short query instead of two
statements (``make bench-api``: every list at 380–730 req/s, 210–440 without).
"""

import datetime
import functools
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Func, IntegerField, QuerySet, Subquery, TextField
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination

from kernel import api_fields, changes, prepared
from kernel.inputs import MAX_ID, parse_whole_number

TOTAL = "_page_total"
SNAPSHOT = "_page_snapshot"


class NarrowPagePaginator(Paginator):
    """``Paginator`` reading a page's keys and the total in one query, then the page's rows."""

    snapshot = False  # whether the keys' statement also says its snapshot (``KeysPaginator``)

    def __init__(self, *args, cache=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cache = cache
        self.compiled = None  # the keys' statement that ran: (SQL, parameters)

    def page(self, number):
        queryset = self.object_list
        if self.orphans or not narrowable(queryset):
            return super().page(number)
        number, keys = self._page_keys(queryset, number)
        if not keys:
            return self._get_page([], number, self)
        found = {row.pk: row for row in queryset.filter(pk__in=set(keys)).order_by()}
        return self._get_page([found[key] for key in keys if key in found], number, self)

    def _page_keys(self, queryset, number) -> tuple[int, list]:
        """(page number, the page's primary keys in order), the total counted beside them."""
        if "count" in self.__dict__:  # already counted (``?page=last``)
            number = self.validate_number(number)
            return number, self._keys(queryset, number, with_total=False)
        number = self._page_number(number)
        rows = self._keys(queryset, number, with_total=True)
        if rows:
            self.count = rows[0][1]
        elif number == 1:
            self.count = 0  # nothing at all: an empty first page, without a query
        number = self.validate_number(number)  # past the last page: counts, EmptyPage
        return number, [row[0] for row in rows]

    def _page_number(self, number) -> int:
        """The first half of ``validate_number``, which needs no count: the same errors for a
        page that is not an integer ≥ 1."""
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def _keys(self, queryset, number: int, *, with_total: bool) -> list:
        """The page's keys (with the total beside each when ``with_total``). With ``cache``
        (what makes the statement, ``page_statement_key`` of the view), the compiled statement
        of a page is kept for the next request of the same page: the ORM compiles a scoped,
        ordered, counted query in 0.5–1.5 ms. The statement is prepared (``kernel.prepared``)."""
        bottom = (number - 1) * self.per_page
        key = (
            None
            if self.cache is None
            else (self.cache, with_total, self.snapshot, bottom, self.per_page)
        )
        snapshot = self.snapshot and with_total
        compiled = prepared.kept(
            _COMPILED,
            key,
            connections[queryset.db],
            lambda: _keys_query(queryset, with_total, snapshot)[
                bottom : bottom + self.per_page
            ].query.sql_with_params(),
        )
        self.compiled = compiled
        found = prepared.rows(connections[queryset.db], *compiled)
        return found if with_total else [key for (key,) in found]


def _keys_query(queryset, with_total: bool, snapshot: bool = False):
    """The primary keys of ``queryset`` in its order, with the total beside each (and the
    statement's snapshot, ``kernel.changes``, with ``snapshot``)."""
    if not with_total:
        return queryset.values_list("pk", flat=True)
    # COUNT of the same rows, unordered, as ``queryset.count()`` says it: an uncorrelated scalar
    # subquery (a ``Func``, not ``Count``, so that no GROUP BY is added), run once while the page
    # itself may still stop after its rows on an ordered index.
    count = Func("pk", function="COUNT", output_field=IntegerField())
    total = Subquery(queryset.order_by().annotate(**{TOTAL: count}).values(TOTAL))
    if not snapshot:
        return queryset.annotate(**{TOTAL: total}).values_list("pk", TOTAL)
    taken = RawSQL(changes.SNAPSHOT_SQL, (), output_field=TextField())
    return queryset.annotate(**{TOTAL: total, SNAPSHOT: taken}).values_list("pk", TOTAL, SNAPSHOT)


_COMPILED: OrderedDict = OrderedDict()  # the keys statements of recent pages (see KeysPaginator)


class KeysPaginator(NarrowPagePaginator):
    """Pages of primary keys (in the list's order) whose rows are written elsewhere
    (``kernel.sql_lists``): ``writer.write(keys)`` writes their rows (``rows``: by key). Only
    for querysets whose count is ``COUNT(*)`` of their rows.

    Its keys' statement is compiled and kept as ``NarrowPagePaginator``'s. A page whose
    statement is kept is itself kept (``_PAGES``: its count, keys and rows, by the statement's
    key and what the writer's statement depends on) with the snapshot its keys were read under,
    and served again while no transaction has since committed a change to a table its two
    statements read (``kernel.changes``): the same answer the two statements would give, from
    one short query. Not a page whose rows depend on the moment of the request (``now``), nor
    one read in a transaction that has written, nor a page past ``changes.MAX_AGE`` seconds."""

    def __init__(self, *args, writer, **kwargs):
        super().__init__(*args, **kwargs)
        self.writer = writer
        self.rows: dict = {}
        self.snapshot = connections[self.object_list.db].vendor == "postgresql"
        self.taken = None  # the snapshot of the keys' statement (None: it had written)

    def _keys(self, queryset, number: int, *, with_total: bool) -> list:
        found = super()._keys(queryset, number, with_total=with_total)
        if with_total:
            self.taken = found[0][2] if found and self.snapshot else None
            keys = [row[0] for row in found]
        else:
            self.taken, keys = None, found
        self.rows = self.writer.write(keys)
        return found

    def page(self, number):
        memo = self._memo()
        kept = _kept(self.object_list.db, memo)
        if kept is not None:
            self.count, self.rows = kept.count, kept.rows
            return self._get_page(kept.keys, kept.number, self)
        number, keys = self._page_keys(self.object_list, number)
        if memo is not None and self.taken is not None:
            self._keep(memo, number, keys)
        return self._get_page(keys, number, self)

    def _memo(self):
        """What the page's answer depends on besides the data: the keys' statement (the view,
        the owner, the request's parameters), the rows' statement and its values, the zone
        its times are written in. None for a page that is not kept."""
        memo = self.writer.memo()
        if self.cache is None or memo is None or not getattr(settings, "API_PAGE_CACHE", True):
            return None
        return (self.cache, self.per_page, memo, timezone.get_current_timezone_name())

    def _keep(self, memo, number: int, keys: list) -> None:
        connection = connections[self.object_list.db]
        tables = changes.watched(connection, self.compiled[0], self.writer.plan.sql)
        if tables is None:
            return
        _PAGES[memo] = _Kept(
            at=time.monotonic(),
            snapshot=self.taken,
            tables=tables,
            count=self.count,
            number=number,
            keys=keys,
            rows=self.rows,
            until=self.writer.until,
        )
        prepared.bound(_PAGES, _PAGES_MOST)


@dataclass(frozen=True)
class _Kept:
    at: float  # time.monotonic() when its keys were read
    snapshot: str
    tables: tuple
    count: int
    number: int
    keys: list
    rows: dict
    until: datetime.datetime | None  # when a row may read differently by the moment alone


_PAGES: OrderedDict = OrderedDict()  # kept pages (``KeysPaginator``), the least recent first
_PAGES_MOST = 128  # ~80 kB a page of contracts or invoices


def _kept(alias: str, memo) -> _Kept | None:
    """The kept page of ``memo`` if it is still what its statements would answer."""
    if memo is None:
        return None
    kept = _PAGES.get(memo)
    if kept is None:
        return None
    if (
        time.monotonic() - kept.at > changes.MAX_AGE
        or (kept.until is not None and timezone.now() >= kept.until)
        or not changes.unchanged(connections[alias], kept.tables, kept.snapshot)
    ):
        _PAGES.pop(memo, None)
        return None
    try:
        _PAGES.move_to_end(memo)
    except KeyError:  # another thread (gthread workers) dropped it meanwhile: still exact
        pass
    return kept


def countable(queryset) -> bool:
    """A queryset of model rows whose count is ``COUNT(*)`` of its rows."""
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or query.is_sliced
        or query.is_empty()
    )


def narrowable(queryset) -> bool:
    """A countable queryset that ``select_related`` joins to a nullable relation (a LEFT OUTER
    JOIN of every row of the partner before the sort and the cut: what the narrow step
    saves)."""
    if not countable(queryset):
        return False
    related = queryset.query.select_related
    return isinstance(related, dict) and _outer_join(queryset.model, related)


def _outer_join(model, related: dict) -> bool:
    """Whether ``select_related``'s tree (``{"corrects": {}, "invoice_line": {"invoice": {}}}``)
    follows a nullable foreign key or a reverse one-to-one: a LEFT OUTER JOIN. Joins on
    required foreign keys are inner joins the scoping filter mostly makes anyway (the narrow
    step would only add ~0.5 ms of Python and a second join to them)."""
    for name, below in related.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return True  # not a plain field: the narrow page is always correct
        if field.null or not field.concrete:
            return True
        if below and _outer_join(field.related_model, below):
            return True
    return False


class StandardPagination(PageNumberPagination):
    """``?page=`` (a number from 1, or ``last``) and ``?page_size=`` (from 1; more than
    ``max_page_size`` gives ``max_page_size``): anything else is a 400 naming the parameter
    (DRF ignored a bad page size and answered a bad page number 404). A page beyond the last
    one is a 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = NarrowPagePaginator

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        return min(
            parse_whole_number(value, parameter=self.page_size_query_param), self.max_page_size
        )

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param, "")
        if value == "":
            return 1
        if value in self.last_page_strings:
            return paginator.num_pages
        number = parse_whole_number(value, parameter=self.page_query_param)
        if number > MAX_ID // paginator.per_page:  # no list has rows that far (bigint offset)
            raise NotFound(self.invalid_page_message.format(page_number=value, message=""))
        return number

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters

    def get_paginated_response_schema(self, schema):
        return api_fields.page_schema(super().get_paginated_response_schema(schema))

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's, the keys' statement of the page kept per ``view.page_statement_key()``."""
        return self._paginate(NarrowPagePaginator, queryset, request, view)

    def paginate_keys(self, build, request, view, writer) -> tuple | None:
        """``paginate_queryset`` giving the page's primary keys instead of its rows (the same
        page, count and links) and the rows ``writer`` wrote for them (by key), or None for a
        queryset that ``KeysPaginator`` cannot page. ``build()`` makes the view's filtered
        queryset, only when needed: not for a page whose keys' statement is kept."""
        key = view.page_statement_key()
        queryset = Deferred(build, view)
        if (key is None or key not in _KEYED) and not countable(queryset.built):
            return None
        keys = self._paginate(
            functools.partial(KeysPaginator, writer=writer), queryset, request, view, key
        )
        if key is not None:
            _KEYED[key] = True
            prepared.bound(_KEYED, prepared.KEPT_MOST)
        return keys, self.page.paginator.rows

    def _paginate(self, paginator, queryset, request, view, key=None):
        if key is None and hasattr(view, "page_statement_key"):
            key = view.page_statement_key()
        # This paginator serves one request.
        self.django_paginator_class = functools.partial(paginator, cache=key)
        try:
            return super().paginate_queryset(queryset, request, view)
        finally:
            del self.django_paginator_class


class Deferred:
    """A view's scoped and filtered queryset, built at its first use. A page whose keys'
    statement is kept (``page_statement_key``) needs neither: the statement says the scope and
    the keys say the rows (building the scope of outages costs ~1 ms of Python a request)."""

    def __init__(self, build, view):
        self._build = build
        self.db = view.queryset.db

    @functools.cached_property
    def built(self):
        return self._build()

    @property
    def ordered(self) -> bool:
        """``Paginator``'s check, on the queryset once built (a view's lists are ordered)."""
        return self.built.ordered if "built" in self.__dict__ else True

    def __getattr__(self, name):
        return getattr(self.built, name)


_KEYED: OrderedDict = OrderedDict()  # the ``page_statement_key`` of pages KeysPaginator served
