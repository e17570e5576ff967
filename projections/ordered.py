"""Rows handed out on demand: a table too large to hold in memory whole is written as produced."""

from __future__ import annotations

from collections.abc import Callable, Iterator

Row = tuple[object, ...]


class Ordered:
    """One table's rows, made when iterated, already sorted by the table's key (so the writer
    neither sorts nor holds them). Iterable more than once; picklable when `make` is (a
    `functools.partial` of a module-level function or method)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Iterator[Row]]) -> None:
        self.make = make

    def __iter__(self) -> Iterator[Row]:
        return self.make()


def size(rows: list[Row] | Ordered) -> str:
    """How many rows, for progress lines ('streamed' when not known before writing)."""
    return f"{len(rows):,}" if isinstance(rows, list) else "streamed"
