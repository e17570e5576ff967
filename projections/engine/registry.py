"""The registry: which collector reads which kinds and feeds which tables, and from what code.

A family is read in one pass; its tables' definition versions hash the code that defines them
(the family's modules and the shared ones) plus the table DDL and, where the definition depends on
config, the settings fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from projections import (
    activity,
    copilot,
    delivery,
    dora,
    dora_levels,
    dora_metrics,
    observe,
    premium,
    runs,
    schema,
    seats,
    stats,
    timeutil,
    velocity,
)
from projections.events import Fetched
from projections.ordered import Ordered
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


@dataclass(frozen=True, slots=True)
class Family:
    """Tables computed together from the same kinds."""

    name: str
    kinds: frozenset[str]
    tables: tuple[str, ...]
    modules: tuple[ModuleType, ...]
    uses_settings: bool
    make: Callable[[Settings], Collector]
    merge: Callable[[list[Any], Settings], TableRows] | None = None
    """For a family computed in shares (see `partition`): folds the shares' `finish_part()`."""


SHARED = (observe, stats, timeutil, schema)
FAMILIES: tuple[Family, ...] = (
    Family(
        "copilot",
        copilot.KINDS,
        copilot.tables_of(copilot.OTHER_KINDS),
        (copilot,),
        False,
        lambda _s: delivery.ReportsFamily(copilot.OTHER_KINDS),
    ),
    Family(
        "copilot_users",
        copilot.KINDS,
        copilot.tables_of(copilot.PER_USER_KINDS),
        (copilot,),
        False,
        lambda _s: delivery.ReportsFamily(copilot.PER_USER_KINDS),
    ),
    Family(
        "seats",
        seats.KINDS,
        ("copilot_seats",),
        (seats,),
        False,
        lambda _s: delivery.Single(seats.SeatsCollector(), "copilot_seats"),
    ),
    Family(
        "premium",
        premium.KINDS,
        ("copilot_premium_requests",),
        (premium,),
        False,
        lambda _s: delivery.Single(premium.PremiumCollector(), "copilot_premium_requests"),
    ),
    Family(
        "delivery",
        activity.KINDS,
        (
            "dora_deployments",
            "dora_changes",
            "dora_incidents",
            "dora_metrics",
            "velocity_pull_requests",
            "velocity_metrics",
        ),
        (activity, delivery, dora, dora_metrics, dora_levels, velocity),
        True,
        delivery.DeliveryFamily,
        delivery.merge_parts,
    ),
    Family(
        "runs",
        runs.KINDS,
        ("collection_runs",),
        (runs,),
        False,
        lambda _s: delivery.Single(runs.RunsCollector(), "collection_runs"),
    ),
)
FAMILY_OF: dict[str, Family] = {t: f for f in FAMILIES for t in f.tables}
BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}


def _source_hash(modules: tuple[ModuleType, ...]) -> str:
    h = hashlib.sha256()
    for mod in modules:
        h.update(mod.__name__.encode() + b"\0")
        h.update(Path(str(mod.__file__)).read_bytes())
    return h.hexdigest()


def definition_versions(settings: Settings) -> dict[str, str]:
    """table → sha256 (first 16 hex) of its DDL, its family's code, the shared code and config."""
    out: dict[str, str] = {}
    for fam in FAMILIES:
        code = _source_hash(fam.modules + SHARED)
        for table in fam.tables:
            h = hashlib.sha256(code.encode())
            h.update(schema.TABLES[table].ddl().encode())
            if fam.uses_settings:
                h.update(settings.fingerprint().encode())
            out[table] = h.hexdigest()[:16]
    return out
