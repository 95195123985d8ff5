"""Paging for the player API's lists: `page` and `page_size`, and nothing that looks like it.

Django Ninja's PageNumberPagination ignores query parameters it does not know, so a client that
asks for `?offset=50&limit=10` silently gets the first page again. `PagePagination` answers such
a request 400 and says what to use instead.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination

# Paging words of other APIs (offset/limit, per_page, cursors): refused, never silently ignored.
FOREIGN_PAGING_PARAMS = frozenset({"offset", "limit", "per_page", "cursor"})
PAGING_PARAMS_REFUSED = (
    "This list pages with ?page=N&page_size=M (page from 1, page_size at most {max}); "
    "{given} {verb} not supported."
)


def paging_params_refused(request: HttpRequest, *, max_page_size: int) -> None:
    """Raise a 400 naming page/page_size when the request uses another API's paging words."""
    given = sorted(FOREIGN_PAGING_PARAMS & set(request.GET))
    if given:
        raise HttpError(
            400,
            PAGING_PARAMS_REFUSED.format(
                max=max_page_size, given=", ".join(given), verb="is" if len(given) == 1 else "are"
            ),
        )


class PagePagination(PageNumberPagination):
    """PageNumberPagination (`{"items": [...], "count": N}`) that refuses offset/limit & co. with a 400."""

    def paginate_queryset(self, queryset, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        paging_params_refused(request, max_page_size=self.max_page_size)
        return super().paginate_queryset(queryset, pagination, request, **params)
