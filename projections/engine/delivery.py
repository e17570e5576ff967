"""The delivery family's plumbing: DORA and velocity computed per repository in one pass.

`DeliveryFamily` slices the activity snapshot (`definitions.activity`) per repository, asks the
DORA and velocity definitions for each repository's rows and aggregate inputs, and keeps the rows
packed in key order until they are written; with shares (`partition`), `merge_parts` merges the
shares' results. Which rows and values come out is decided in `definitions.dora` and
`definitions.velocity`, not here.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from projections.definitions.activity.snapshot import ActivityCollector, RepoSlice, Review, slices
from projections.definitions.dora import repo as dora
from projections.definitions.dora import tables as dora_tables
from projections.definitions.dora.metrics import MetricsBuilder
from projections.definitions.velocity import stages as velocity
from projections.engine.events import Fetched
from projections.engine.ordered import Ordered, pack, unpack
from projections.schema import TABLES
from projections.settings import Settings

Row = tuple[object, ...]
Rows = dict[str, list[Row]]


def repo_rows(
    sl: RepoSlice, settings: Settings
) -> tuple[
    list[dora.Deploy],
    list[dora.Change],
    list[dora.Incident],
    list[velocity.PrRow],
    list[list[Review]],
]:
    """Deployments, changes, incidents, PR stages and (per PR) human reviews of one repository."""
    deploys, changes, incidents = dora_tables.repo_records(sl, settings)
    prs, reviews = velocity.repo_prs(sl, settings)
    return deploys, changes, incidents, prs, reviews


@dataclass(slots=True)
class DeliveryPart:
    """One share's delivery results: its per-repo rows packed (sorted, in zstd-compressed
    `marshal` chunks: a share's rows stay small while the next share is computed) and its part of
    the cross-repo aggregates."""

    rows: dict[str, list[bytes]]
    metrics: MetricsBuilder
    weeks: dict[tuple[str, str, str, str], velocity.Week]


CHUNK = 5000
"""Rows per packed chunk."""


def _pack(table: str, rows: list[Row]) -> list[bytes]:
    rows.sort(key=TABLES[table].sort_key())
    return [pack(rows[i : i + CHUNK]) for i in range(0, len(rows), CHUNK)]


def _unpacked(chunks: list[bytes]) -> Iterator[Row]:
    for chunk in chunks:
        yield from unpack(chunk)


def _merged(table: str, parts: list[list[bytes]]) -> Iterator[list[Row]]:
    """The shares' packed rows of one table, merged in key order (shares hold distinct repos)."""
    if len(parts) == 1:  # one share: its chunks are already in order
        yield from map(unpack, parts[0])
        return
    rows = heapq.merge(*map(_unpacked, parts), key=TABLES[table].sort_key())
    while merged := list(itertools.islice(rows, CHUNK)):
        yield merged


PER_REPO_TABLES = (
    "dora_deployments",
    "dora_changes",
    "dora_incidents",
    "velocity_pull_requests",
)


def merge_parts(parts: list[DeliveryPart], settings: Settings) -> dict[str, list[Row] | Ordered]:
    """All DORA and velocity rows from the shares' parts (aggregates are order-independent)."""
    out: dict[str, list[Row] | Ordered] = {
        t: Ordered(partial(_merged, t, [p.rows[t] for p in parts])) for t in PER_REPO_TABLES
    }
    metrics, weekly = MetricsBuilder(), velocity.WeeklyBuilder(settings)
    for part in parts:
        metrics.merge(part.metrics)
        weekly.merge(part.weeks)
    out["dora_metrics"] = metrics.rows(settings.benchmark)
    out["velocity_metrics"] = weekly.rows()
    return out


class DeliveryFamily:
    """Repository activity → DORA and velocity tables."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.collector = ActivityCollector()
        self.handlers = self.collector.handlers
        """kind → the activity observer's `add` (called directly by the build loop)."""

    def add(self, ev: Fetched) -> None:
        """Observe a repository event."""
        self.collector.add(ev)

    def finish_part(self) -> DeliveryPart:
        """This share's per-repo rows and aggregate inputs (see `merge_parts`)."""
        rows: dict[str, list[Row]] = {t: [] for t in PER_REPO_TABLES}
        metrics, weekly = MetricsBuilder(), velocity.WeeklyBuilder(self.settings)
        self.handlers = {}
        for sl in slices(self.collector.finish()):
            deploys, changes, incidents, prs, reviews = repo_rows(sl, self.settings)
            for table, table_rows in dora_tables.repo_table_rows(
                sl, deploys, changes, incidents
            ).items():
                rows[table] += table_rows
            rows["velocity_pull_requests"] += [tuple(p) for p in prs]
            metrics.add_repo(deploys, changes, incidents)
            weekly.add_repo(sl, prs, reviews)
        metrics.seal()
        return DeliveryPart({t: _pack(t, r) for t, r in rows.items()}, metrics, weekly.weeks)

    def finish(self) -> dict[str, list[Row] | Ordered]:
        """All DORA and velocity rows."""
        return merge_parts([self.finish_part()], self.settings)
