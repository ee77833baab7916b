"""Paging a long list without counting it."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

MAX_PAGE = 100_000


class UncountedPage:
    """A page of `size` rows read as `size + 1`: it knows whether a next page exists without a COUNT(*)
    over every row (the templates' `has_next`, `has_previous`, `*_page_number` and `number`)."""

    def __init__(self, queryset: QuerySet, size: int, number: Any) -> None:
        try:
            number = min(max(1, int(number)), MAX_PAGE)
        except (TypeError, ValueError):
            number = 1
        rows = list(queryset[(number - 1) * size : number * size + 1])
        self.number = number
        self.object_list = rows[:size]
        self.has_next = len(rows) > size
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self.next_page_number = number + 1
        self.previous_page_number = number - 1
