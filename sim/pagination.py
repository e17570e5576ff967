"""`page`/`per_page` pagination with GitHub's `Link` header."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
MAX_PER_PAGE = 100


def page_params(
    query: dict[str, str], default: int = 30, maximum: int = MAX_PER_PAGE
) -> tuple[int, int]:
    """(page, per_page) as GitHub reads them: invalid values fall back, per_page is clamped."""
    try:
        page = max(1, int(query.get("page", "1")))
    except ValueError:
        page = 1
    try:
        per_page = int(query.get("per_page", str(default)))
    except ValueError:
        per_page = default
    if per_page < 1:
        per_page = default
    return page, min(per_page, maximum)


def page_slice(items: Sequence[T], page: int, per_page: int) -> list[T]:
    """The items of one page."""
    start = (page - 1) * per_page
    return list(items[start : start + per_page])


def last_page(total: int, per_page: int) -> int:
    """Number of the last page (1 for an empty list)."""
    return max(1, math.ceil(total / per_page))


def link_header(url: str, query_items: list[tuple[str, str]], page: int, last: int) -> str | None:
    """`<…page=2>; rel="next", <…page=5>; rel="last"` etc.; None when everything fits one page."""
    if last <= 1 and page <= 1:
        return None
    base = [(k, v) for k, v in query_items if k != "page"]

    def href(n: int) -> str:
        return f"<{url}?{urlencode([*base, ('page', str(n))])}>"

    rels: list[str] = []
    if page > 1:
        rels.append(f'{href(min(page - 1, last))}; rel="prev"')
    if page < last:
        rels.append(f'{href(page + 1)}; rel="next"')
        rels.append(f'{href(last)}; rel="last"')
    if page > 1:
        rels.append(f'{href(1)}; rel="first"')
    return ", ".join(rels) or None
