"""Compute rows: one streaming pass over the kinds the asked tables need, in one or more shares.

Events are dispatched by kind to each family's collector; nothing here depends on the order in
which the source delivers events (collectors break ties by (fetched_at, seq)). With `workers` > 1
the repository families are split by repository into shares (`projections.partition`), computed
in forked worker processes side by side with the parent's own share, then merged; the rows are
the same as a one-process pass (tested).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, cast

from projections.engine.ordered import size
from projections.engine.partition import WHOLE, Share
from projections.engine.registry import (
    BY_NAME,
    FAMILIES,
    FAMILY_OF,
    Collector,
    Family,
    Rows,
    SplitCollector,
)
from projections.engine.source import EventSource
from projections.settings import Settings

Progress = Callable[[str], None]
"""Receives one human-readable progress line."""
PROGRESS_EVERY = 200_000


def families_for(tables: set[str]) -> list[Family]:
    """The families that compute `tables`, in registry order."""
    names = {FAMILY_OF[t].name for t in tables}
    return [f for f in FAMILIES if f.name in names]


@contextlib.contextmanager
def no_cycle_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a pass allocates millions of acyclic records, and
    CPython's generational collections over them cost up to half of a rebuild (measured).
    Nested uses are fine: only the outermost one turns the collector back on."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _silent(_line: str) -> None:
    """Workers do not print: the parent reports for its share."""


def compute_share(
    source: EventSource,
    names: list[str],
    settings: Settings,
    share: Share,
    progress: Progress = _silent,
) -> dict[str, Any]:
    """One share's results per family: a split family's `finish_part()`, else (share 0) rows."""
    with no_cycle_gc():
        return _compute_share(source, names, settings, share, progress)


def _compute_share(
    source: EventSource, names: list[str], settings: Settings, share: Share, progress: Progress
) -> dict[str, Any]:
    fams = [BY_NAME[n] for n in names if BY_NAME[n].merge is not None or share.index == 0]
    collectors: list[tuple[Family, Collector]] = [(f, f.make(settings)) for f in fams]
    route = _route(collectors)
    split = frozenset(k for f in fams if f.merge is not None for k in f.kinds)

    def keep(env: Any) -> bool:
        return env.get("kind") not in split or share.keeps(env)

    kinds = frozenset(route)
    progress(f"reading {len(kinds)} kinds for {', '.join(f.name for f in fams)}")
    n = 0
    stream = source.events(kinds) if share.count == 1 else source.events(kinds, keep)
    for ev in stream:
        route[ev.kind](ev)
        n += 1
        if n % PROGRESS_EVERY == 0:
            progress(f"read {n:,} events")
    progress(f"read {n:,} events; computing")
    out: dict[str, Any] = {}
    for fam, col in collectors:
        split_col = cast("SplitCollector", col)
        out[fam.name] = split_col.finish_part() if fam.merge is not None else col.finish()
    return out


Handler = Callable[[Any], None]
"""Takes one event of a kind."""


def _route(collectors: list[tuple[Family, Collector]]) -> dict[str, Handler]:
    """kind → the one call that hands an event of that kind to every collector reading it.

    A collector may offer `handlers` (kind → callable) to be called directly, skipping its own
    dispatch on `kind`: a call or two less per event."""
    fans: dict[str, list[Handler]] = {}
    for fam, col in collectors:
        direct: dict[str, Handler] = getattr(col, "handlers", {})
        for kind in fam.kinds:
            fans.setdefault(kind, []).append(direct.get(kind, col.add))
    return {kind: fns[0] if len(fns) == 1 else _fan_out(fns) for kind, fns in fans.items()}


def _fan_out(fns: list[Handler]) -> Handler:
    def add(ev: Any) -> None:
        for fn in fns:
            fn(ev)

    return add


def _pool(workers: int, *, fresh: bool = False) -> ProcessPoolExecutor:
    """Worker processes; `fresh`: a new (spawned) process for every task, so a task's memory,
    its allocator's fragmentation included, goes with it (fork cannot be combined with that)."""
    if fresh:
        spawn = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=workers, mp_context=spawn, max_tasks_per_child=1)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def compute(
    source: EventSource,
    tables: set[str],
    settings: Settings,
    progress: Progress,
    *,
    workers: int = 1,
    shares: int = 1,
) -> Rows:
    """Rows of every table in `tables` (and of its family siblings).

    The repository families are split into max(workers, shares) shares computed by up to
    `workers` processes: more shares than workers bound memory (each share holds only its
    repositories) at the price of one more read of the archive per extra share.
    """
    names = [f.name for f in families_for(tables)]
    n = max(workers, shares, 1)
    if n == 1 or not any(BY_NAME[name].merge is not None for name in names):
        results = [compute_share(source, names, settings, WHOLE, progress)]
    elif workers <= 1:
        # The shares one after the other, each in a fresh helper process, while this process
        # computes the families that are not split. Run here one after the other, each share
        # raised the high-water mark by 20–50 MB (allocator fragmentation, measured); this way
        # this process holds only the unsplit families and each share's compact results.
        split = [name for name in names if BY_NAME[name].merge is not None]
        whole = [name for name in names if BY_NAME[name].merge is None]
        with _pool(1, fresh=True) as pool:
            futures = [
                pool.submit(compute_share, source, split, settings, Share(i, n)) for i in range(n)
            ]
            unsplit = compute_share(source, whole, settings, WHOLE, progress) if whole else {}
            results = []
            for i, future in enumerate(futures, start=1):
                results.append(future.result())
                progress(f"share {i} of {n} done (helper process)")
        results[0].update(unsplit)
    else:
        own = n == workers  # the parent computes share 0 itself when every process has one
        with _pool(workers - 1 if own else workers) as pool:
            futures = [
                pool.submit(compute_share, source, names, settings, Share(i, n))
                for i in range(1 if own else 0, n)
            ]
            first = [compute_share(source, names, settings, Share(0, n), progress)] if own else []
            results = first + [f.result() for f in futures]
        progress(f"merged {n} shares from {workers} processes")
    rows: Rows = {}
    with no_cycle_gc():
        _merge(names, results, settings, rows, progress)
    return {t: r for t, r in rows.items() if t in tables}


def _merge(
    names: list[str], results: list[dict[str, Any]], settings: Settings, rows: Rows, say: Progress
) -> None:
    for name in names:
        fam = BY_NAME[name]
        if fam.merge is not None:
            rows.update(fam.merge([r[name] for r in results], settings))
        else:
            rows.update(results[0][name])
        say(f"computed {name}: " + ", ".join(f"{t} {size(rows[t])}" for t in fam.tables))
