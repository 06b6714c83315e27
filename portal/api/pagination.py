"""The API's page-number pagination (``?page=``, ``?page_size=`` up to 200), in two narrow steps.

A list's page used to be two queries: ``COUNT(*)`` of the partner's rows, then every row joined
to its related rows (``select_related``), sorted whole and cut to the page. With thousands of
rows a partner paid the join and the sort of wide rows on every request (issue 13: 10–25 ms of
PostgreSQL for a page of invoices, charges or availability reports). ``NarrowPagePaginator``
asks instead for the page's primary keys, with the total beside them (one statement: the count is
an uncorrelated subquery PostgreSQL runs once), then for those rows by primary key with the
view's ``select_related`` and ``prefetch_related``. Same rows in the same order, same count, and
as many queries as before.

Querysets without ``select_related`` keep Django's paginator (their page query is narrow
already: the second step would only cost ~0.5 ms of Python), as do those whose count is not a
plain ``COUNT(*)`` of their rows: ``distinct()``, ``GROUP BY``, unions, ``values()``, sliced
querysets, ``orphans``, lists.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Func, IntegerField, QuerySet, Subquery
from django.db.models.query import ModelIterable
from rest_framework.pagination import PageNumberPagination

TOTAL = "_page_total"


class NarrowPagePaginator(Paginator):
    """``Paginator`` reading a page's keys and the total in one query, then the page's rows."""

    def page(self, number):
        queryset = self.object_list
        if self.orphans or not narrowable(queryset):
            return super().page(number)
        if "count" in self.__dict__:  # already counted (``?page=last``)
            number = self.validate_number(number)
            keys = self._keys(queryset, number, with_total=False)
        else:
            number = self._page_number(number)
            rows = self._keys(queryset, number, with_total=True)
            if rows:
                self.count = rows[0][1]
            elif number == 1:
                self.count = 0  # nothing at all: an empty first page, without a query
            number = self.validate_number(number)  # past the last page: counts, EmptyPage
            keys = [key for key, _total in rows]
        if not keys:
            return self._get_page([], number, self)
        found = {row.pk: row for row in queryset.filter(pk__in=set(keys)).order_by()}
        return self._get_page([found[key] for key in keys if key in found], number, self)

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
        bottom = (number - 1) * self.per_page
        if with_total:
            # COUNT of the same rows, unordered, as ``queryset.count()`` says it: an uncorrelated
            # scalar subquery (a ``Func``, not ``Count``, so that no GROUP BY is added), run once
            # while the page itself may still stop after its rows on an ordered index.
            count = Func("pk", function="COUNT", output_field=IntegerField())
            total = Subquery(queryset.order_by().annotate(**{TOTAL: count}).values(TOTAL))
            keys = queryset.annotate(**{TOTAL: total}).values_list("pk", TOTAL)
        else:
            keys = queryset.values_list("pk", flat=True)
        return list(keys[bottom : bottom + self.per_page])


def narrowable(queryset) -> bool:
    """A queryset of model rows joined to related rows (``select_related``: what the narrow
    step saves; without it, the page query is already narrow enough) whose count is
    ``COUNT(*)`` of its rows."""
    if not isinstance(queryset, QuerySet) or queryset._iterable_class is not ModelIterable:
        return False
    query = queryset.query
    return bool(query.select_related) and not (
        query.distinct
        or query.combinator
        or query.group_by is not None
        or query.is_sliced
        or query.is_empty()
    )


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = NarrowPagePaginator
