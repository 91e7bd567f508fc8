import json
from typing import Any

from django.db import connection
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .params import is_id


class Pagination(PageNumberPagination):
    """DRF pages of 50 by default; ``page_size`` lets a client ask for 1 to 200.

    A page past the end (or ``page=0``) is 404, as DRF has it; a ``page_size``
    that is not a whole number from 1 to 200 is 400 rather than silently the default.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        if len(raw) > 1 or not is_id(raw[0]) or not 1 <= int(raw[0]) <= self.max_page_size:
            message = f"page_size must be a whole number from 1 to {self.max_page_size}."
            raise ValidationError({self.page_size_query_param: [message]})
        return int(raw[0])

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class LargeListPagination(Pagination):
    """Pages of a list that can hold a million rows, in the same shape as ``Pagination``.

    Counting every match on each request costs more than the page itself at that
    size, so ``count`` is exact up to ``COUNT_CAP`` matches; above it, it is
    PostgreSQL's estimate for the query (never below ``COUNT_CAP + 1``). ``next``
    does not depend on the count: one row beyond the page is read to know whether
    there is another, so a client that follows ``next`` reads every row. A first
    page that is not full is its own count (no count query at all). A page past
    the end, or a page that is not a whole number from 1, is 404 as DRF has it.
    """

    COUNT_CAP = 1_000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        self.request = self.page_request = request
        size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1").strip() or "1"
        if not is_id(raw) or int(raw) < 1:
            raise NotFound("Invalid page.")
        self.number = int(raw)
        offset = (self.number - 1) * size
        rows = list(queryset[offset : offset + size + 1])
        self.more = len(rows) > size
        rows = rows[:size]
        if not rows and self.number > 1:
            raise NotFound("Invalid page.")
        self.total = (
            len(rows) if self.number == 1 and not self.more else capped_count(queryset, self.COUNT_CAP)
        )
        return rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.total,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self) -> str | None:
        if not self.more:
            return None
        return replace_query_param(
            self.page_request.build_absolute_uri(), self.page_query_param, self.number + 1
        )

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self.page_request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            f"Matching rows: exact up to {self.COUNT_CAP:,}; above that, the database's estimate. "
            "Follow `next` to read every row."
        )
        return answer


def capped_count(queryset: Any, cap: int) -> int:
    """How many rows ``queryset`` has, counting at most ``cap + 1``; beyond, the planner's estimate."""
    # Unordered: counted in the page's order, a filter that is selective but not indexed (kind)
    # sorted every match first (800 ms at 300,000 claims); unordered, the count stops at the cap.
    unordered = queryset.order_by()
    counted = int(unordered[: cap + 1].count())
    if counted <= cap or connection.vendor != "postgresql":
        return counted if counted <= cap else int(unordered.count())
    plan = json.loads(unordered.explain(format="json"))
    return max(cap + 1, int(plan[0]["Plan"]["Plan Rows"]))
