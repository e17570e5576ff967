"""Reading the archive back: events in global seq order, streaming, filtered.

Segments of one kind hold disjoint, increasing seq ranges, so each kind is one sequential stream
(its sealed segments in seq order, then its open one); the streams of the kinds asked for are
heap-merged by seq. Partitions of other kinds are never opened, and sealed segments whose fetch
range (from the manifest) misses the asked range are skipped without decompressing.

`read_dicts` yields the decoded envelope dicts (the fast path for projections);
`read_events` wraps them into `Event` records.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from archive.envelope import Event, format_fetched_at
from archive.errors import ArchiveDamaged
from archive.layout import check_format, kind_of, open_path_of, open_segments
from archive.manifest import ManifestEntry, load_manifest
from archive.segment import iter_sealed_lines, scan_open

Envelope = dict[str, Any]
"""A decoded envelope line, as orjson gives it."""

TimeBound = str | date | datetime | None
"""A fetch-time bound: ISO text (a date or a full timestamp), a date, or an aware datetime."""


def _bound(value: TimeBound) -> str | None:
    """Return a bound as text comparable with `fetched_at` strings."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return format_fetched_at(value)
    return value.isoformat()


def _sealed_path(raw_dir: Path, entry: ManifestEntry) -> Path:
    """Return where a listed segment is: sealed, or still under its open name mid-seal."""
    path = raw_dir / entry.path
    if path.exists():
        return path
    interrupted = open_path_of(path)
    if interrupted.exists():
        return interrupted
    raise ArchiveDamaged(f"segment {entry.path} is listed in the manifest but missing")


def _segment_lines(path: Path, sealed: bool) -> Iterator[bytes]:
    """Yield the envelope lines of a sealed segment, or of an open one's complete frames."""
    if sealed and path.name.endswith(".ndjson.zst"):
        yield from iter_sealed_lines(path)
    else:
        yield from scan_open(path)[1]


def _plan(
    raw_dir: Path, kinds: Collection[str] | None, lo: str | None, hi: str | None
) -> dict[str, list[tuple[Path, bool]]]:
    """Return, per kind, the segment files to read in seq order (sealed first, then open)."""
    plan: dict[str, list[tuple[Path, bool]]] = {}
    entries = sorted(load_manifest(raw_dir), key=lambda e: e.first_seq)
    listed = set()
    for entry in entries:
        listed.add(open_path_of(raw_dir / entry.path))
        if kinds is not None and entry.kind not in kinds:
            continue
        if (lo and entry.fetched_to < lo) or (hi and entry.fetched_from >= hi):
            continue
        plan.setdefault(entry.kind, []).append((_sealed_path(raw_dir, entry), True))
    for path in open_segments(raw_dir):
        kind = kind_of(path, raw_dir)
        if path not in listed and (kinds is None or kind in kinds):
            plan.setdefault(kind, []).append((path, False))
    return plan


def _kind_stream(
    files: list[tuple[Path, bool]], keep: dict[str, str], lo: str | None, hi: str | None
) -> Iterator[Envelope]:
    """Yield one kind's matching envelopes in seq order."""
    for path, sealed in files:
        for line in _segment_lines(path, sealed):
            env = orjson.loads(line)
            if keep and any(env.get(k) != v for k, v in keep.items()):
                continue
            stamp = env["fetched_at"]
            if (lo and stamp < lo) or (hi and stamp >= hi):
                continue
            yield env


def read_dicts(
    raw_dir: Path | str,
    kinds: Iterable[str] | None = None,
    *,
    enterprise_id: str | None = None,
    org: str | None = None,
    repo: str | None = None,
    fetched_from: TimeBound = None,
    fetched_to: TimeBound = None,
) -> Iterator[Envelope]:
    """Yield matching envelopes as dicts in seq order; fetched_from ≤ fetched_at < fetched_to."""
    raw = Path(raw_dir)
    if not check_format(raw):
        return
    wanted = None if kinds is None else frozenset([kinds] if isinstance(kinds, str) else kinds)
    lo, hi = _bound(fetched_from), _bound(fetched_to)
    keep = {
        k: v
        for k, v in (("enterprise_id", enterprise_id), ("org", org), ("repo", repo))
        if v is not None
    }
    plan = _plan(raw, wanted, lo, hi)
    streams = [_kind_stream(plan[k], keep, lo, hi) for k in sorted(plan)]
    if len(streams) == 1:
        yield from streams[0]
    else:
        yield from heapq.merge(*streams, key=itemgetter("seq"))


def read_events(
    raw_dir: Path | str,
    kinds: Iterable[str] | None = None,
    *,
    enterprise_id: str | None = None,
    org: str | None = None,
    repo: str | None = None,
    fetched_from: TimeBound = None,
    fetched_to: TimeBound = None,
) -> Iterator[Event]:
    """Yield matching events in global seq order, streaming (see `read_dicts` for the filters)."""
    envelopes = read_dicts(
        raw_dir,
        kinds,
        enterprise_id=enterprise_id,
        org=org,
        repo=repo,
        fetched_from=fetched_from,
        fetched_to=fetched_to,
    )
    for env in envelopes:
        yield Event.from_dict(env)


def find_event(raw_dir: Path | str, event_id: str) -> Event | None:
    """Return the event with this id (or unique id prefix), None if there is none.

    Raises ValueError when a prefix matches several events.
    """
    needle = b'"event_id":"' + event_id.encode("ascii", "replace")
    raw = Path(raw_dir)
    if not check_format(raw):
        return None
    found: list[Envelope] = []
    for files in _plan(raw, None, None, None).values():
        for path, sealed in files:
            found.extend(orjson.loads(ln) for ln in _segment_lines(path, sealed) if needle in ln)
    matches = [e for e in found if str(e.get("event_id", "")).startswith(event_id)]
    if len(matches) > 1:
        raise ValueError(f"event id prefix {event_id!r} matches {len(matches)} events")
    return Event.from_dict(matches[0]) if matches else None
