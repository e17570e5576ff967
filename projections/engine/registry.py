"""The registry: which collector reads which kinds and feeds which tables.

A family is read in one pass and hands out the rows of its tables. Its collector comes from its
definition folder (`projections.definitions`); the delivery family (DORA and velocity, computed
per repository in shares) runs through `engine.delivery`. Definition versions: `engine.versions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from projections.definitions import dora, premium, runs, seats, velocity
from projections.definitions.activity import snapshot as activity
from projections.definitions.copilot import reports
from projections.definitions.copilot.family import ReportsFamily
from projections.definitions.premium.usage import KINDS as PREMIUM_KINDS
from projections.definitions.premium.usage import PremiumCollector
from projections.definitions.runs.collection import KINDS as RUNS_KINDS
from projections.definitions.runs.collection import RunsCollector
from projections.definitions.seats.snapshots import KINDS as SEATS_KINDS
from projections.definitions.seats.snapshots import SeatsCollector
from projections.engine import delivery
from projections.engine.events import Fetched
from projections.engine.ordered import Ordered
from projections.settings import Settings

Rows = dict[str, list[tuple[object, ...]] | Ordered]
"""Table name → rows (tuples in the table's column order), or rows made on demand in key order."""
TableRows = Mapping[str, list[tuple[object, ...]] | Ordered]
"""What a family hands out: read-only, so a family may type its values more narrowly."""


class Collector(Protocol):
    """Reads events of a family's kinds, then hands out that family's rows."""

    def add(self, ev: Fetched) -> None:
        """Observe one event."""

    def finish(self) -> TableRows:
        """All rows of the family's tables."""
        ...


class SplitCollector(Collector, Protocol):
    """A collector of a family computed in shares (see `partition`)."""

    def finish_part(self) -> Any:
        """This share's result, for the family's `merge`."""
        ...


class _RowSource(Protocol):
    def add(self, ev: Fetched) -> None: ...
    def rows(self) -> list[tuple[object, ...]]: ...


class Single:
    """A collector whose rows fill one table."""

    def __init__(self, inner: Any, table: str) -> None:
        self.inner: _RowSource = inner
        self.table = table

    def add(self, ev: Fetched) -> None:
        """Pass the event on."""
        self.inner.add(ev)

    def finish(self) -> dict[str, list[tuple[object, ...]]]:
        """The one table's rows."""
        return {self.table: self.inner.rows()}


@dataclass(frozen=True, slots=True)
class Family:
    """Tables computed together from the same kinds."""

    name: str
    kinds: frozenset[str]
    tables: tuple[str, ...]
    uses_settings: bool
    make: Callable[[Settings], Collector]
    merge: Callable[[list[Any], Settings], TableRows] | None = None
    """For a family computed in shares (see `partition`): folds the shares' `finish_part()`."""


FAMILIES: tuple[Family, ...] = (
    Family(
        "copilot",
        reports.KINDS,
        reports.tables_of(reports.OTHER_KINDS),
        False,
        lambda _s: ReportsFamily(reports.OTHER_KINDS),
    ),
    Family(
        "copilot_users",
        reports.KINDS,
        reports.tables_of(reports.PER_USER_KINDS),
        False,
        lambda _s: ReportsFamily(reports.PER_USER_KINDS),
    ),
    Family(
        "seats",
        SEATS_KINDS,
        seats.TABLES,
        False,
        lambda _s: Single(SeatsCollector(), "copilot_seats"),
    ),
    Family(
        "premium",
        PREMIUM_KINDS,
        premium.TABLES,
        False,
        lambda _s: Single(PremiumCollector(), "copilot_premium_requests"),
    ),
    Family(
        "delivery",
        activity.KINDS,
        dora.TABLES + velocity.TABLES,
        True,
        delivery.DeliveryFamily,
        delivery.merge_parts,
    ),
    Family(
        "runs",
        RUNS_KINDS,
        runs.TABLES,
        False,
        lambda _s: Single(RunsCollector(), "collection_runs"),
    ),
)
FAMILY_OF: dict[str, Family] = {t: f for f in FAMILIES for t in f.tables}
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
