"""Compute rows: one streaming pass over the kinds the asked tables need.

Events are dispatched by kind to each family's collector; nothing here depends on the order in
which the source delivers events (collectors break ties by (fetched_at, seq)).
"""

from __future__ import annotations

from collections.abc import Callable

from projections.families import FAMILIES, FAMILY_OF, Collector, Family, Rows
from projections.settings import Settings
from projections.source import EventSource

Progress = Callable[[str], None]
"""Receives one human-readable progress line."""
PROGRESS_EVERY = 200_000


def families_for(tables: set[str]) -> list[Family]:
    """The families that compute `tables`, in registry order."""
    names = {FAMILY_OF[t].name for t in tables}
    return [f for f in FAMILIES if f.name in names]


def compute(source: EventSource, tables: set[str], settings: Settings, progress: Progress) -> Rows:
    """Rows of every table in `tables` (and of its family siblings) from one pass over `source`."""
    fams = families_for(tables)
    collectors: list[tuple[Family, Collector]] = [(f, f.make(settings)) for f in fams]
    route: dict[str, list[Collector]] = {}
    for fam, col in collectors:
        for kind in fam.kinds:
            route.setdefault(kind, []).append(col)
    kinds = frozenset(route)
    progress(f"reading {len(kinds)} kinds for {', '.join(f.name for f in fams)}")
    n = 0
    for ev in source.events(kinds):
        for col in route.get(ev.kind, ()):
            col.add(ev)
        n += 1
        if n % PROGRESS_EVERY == 0:
            progress(f"read {n:,} events")
    progress(f"read {n:,} events; computing")
    rows: Rows = {}
    for fam, col in collectors:
        rows.update(col.finish())
        progress(f"computed {fam.name}: " + ", ".join(f"{t} {len(rows[t]):,}" for t in fam.tables))
    return {t: r for t, r in rows.items() if t in tables}
