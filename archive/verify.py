"""Verification: prove that the archive is exactly what was written.

`verify_archive` checks, in this order, and names the first problem precisely:
1. FORMAT holds exactly the bytes of a known version;
2. every manifest line is canonical, numbered in order and chained to the previous one, and the
   manifest does not end in a torn line;
3. every record of PRUNED.ndjson (segments removed by retention) is canonical, chained, and names
   exactly a manifest entry older than its cutoff; every other listed segment exists under its
   listed name, and nothing unlisted sits beside them (a segment removed without a record is
   reported missing);
4. every segment's size and sha256 match its entry, and every event in it parses, belongs to its
   partition, has the event_id and body hash/size it claims, and seqs increase;
5. across all segments, seqs are strictly increasing (no duplicates) in the merged order.
Open segments (not yet sealed) are checked event by event; a torn tail there is a note, not
damage: the next writer recovers it. Before all that, an archive with no sealed data where an
earlier run left traces (metrics.db, backups, logs: `traces`) is reported lost, so a deleted
`data/raw` is not mistaken for a fresh install.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

from archive.envelope import ENVELOPE_VERSION, format_fetched_at, make_event_id
from archive.errors import ArchiveFormatError
from archive.layout import (
    FORMAT_NAME,
    KIND_PREFIX,
    MANIFEST_NAME,
    PRUNED_NAME,
    check_format,
    kind_dirs,
    kind_of,
    open_path_of,
    open_segments,
    rel,
    sealed_files,
    sealed_name,
)
from archive.listing import lost_archive
from archive.manifest import GENESIS, ManifestEntry, split_manifest, walk_chain
from archive.prune import check_records
from archive.segment import iter_sealed_lines, scan_open


@dataclass(frozen=True)
class VerifyReport:
    """The outcome of `verify_archive`: ok, or the problems found (the first one first)."""

    ok: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    segments: int
    open_segments: int
    events: int
    head_hash: str
    pruned_segments: int = 0

    @property
    def first_problem(self) -> str | None:
        """The first problem found, or None when the archive is intact."""
        return self.problems[0] if self.problems else None


class _Damage(Exception):  # noqa: N818 - internal signal carrying the problem text
    """A problem found while streaming a segment."""


class _HashingReader:
    """A file wrapper that hashes and counts every byte read through it."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


@dataclass
class _State:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    events: int = 0


def verify_archive(raw_dir: Path | str, *, traces: Sequence[Path] = ()) -> VerifyReport:
    """Re-hash every segment and event body and walk the manifest chain; see the module doc.

    `traces`: files only an earlier run leaves (metrics.db, the backup folder, logs). With no
    sealed data in raw_dir, their presence means the archive was lost, not that none exists yet.
    """
    raw = Path(raw_dir)
    state = _State()
    lost = lost_archive(raw, traces)
    if lost is not None:
        state.problems.append(lost)
    if not _check_format(raw, state):
        return _report(state, [], 0, GENESIS)
    entries = _check_manifest(raw, state)
    pruned = _check_pruned(raw, entries, state)
    sealed = _check_files(raw, entries, pruned, state)
    opened = [
        p for p in open_segments(raw) if p not in {open_path_of(raw / e.path) for e in entries}
    ]
    if not state.problems:
        _check_content(raw, sealed, opened, state)
    head = entries[-1].hash if entries else GENESIS
    return _report(state, entries, len(opened), head, len(pruned))


def _report(
    state: _State, entries: list[ManifestEntry], opened: int, head: str, pruned: int = 0
) -> VerifyReport:
    return VerifyReport(
        ok=not state.problems,
        problems=tuple(state.problems),
        notes=tuple(state.notes),
        segments=len(entries) - pruned,
        open_segments=opened,
        events=state.events,
        head_hash=head,
        pruned_segments=pruned,
    )


def _check_format(raw: Path, state: _State) -> bool:
    """Check FORMAT; return False when there is no archive (or it cannot be read at all)."""
    try:
        if not check_format(raw):
            state.notes.append(f"{raw}: no archive yet")
            return False
    except ArchiveFormatError as exc:
        state.problems.append(str(exc))
        return (raw / FORMAT_NAME).exists()
    return True


def _check_manifest(raw: Path, state: _State) -> list[ManifestEntry]:
    """Walk the chain; return the entries up to the first bad line."""
    try:
        data = (raw / MANIFEST_NAME).read_bytes()
    except FileNotFoundError:
        data = b""
    lines, tail = split_manifest(data)
    entries, fault = walk_chain(lines)
    if fault is not None:
        state.problems.append(f"{MANIFEST_NAME} line {fault}")
        return entries
    if tail:
        state.problems.append(
            f"{MANIFEST_NAME}: ends in an incomplete line of {len(tail)} bytes (truncated, or a "
            "crash while sealing: `ghmc verify --repair` recovers the latter)"
        )
    return entries


def _check_pruned(raw: Path, entries: list[ManifestEntry], state: _State) -> set[int]:
    """Check the retention records; return the manifest entry numbers they validly name."""
    try:
        data = (raw / PRUNED_NAME).read_bytes()
    except FileNotFoundError:
        return set()
    lines, tail = split_manifest(data)
    records, problem = check_records(lines, entries)
    if problem is not None:
        state.problems.append(problem)
    if tail:
        state.problems.append(
            f"{PRUNED_NAME}: ends in an incomplete line of {len(tail)} bytes (truncated, or a "
            "crash while pruning: `ghmc verify --repair` recovers the latter)"
        )
    return {r.entry for r in records}


def _expected_path(entry: ManifestEntry) -> bool:
    """Tell whether an entry's path is the one its kind, month and seqs give."""
    parts = entry.path.split("/")
    return (
        len(parts) == 4
        and parts[0] == f"{KIND_PREFIX}{entry.kind}"
        and parts[1] == entry.fetched_from[0:4]
        and parts[2] == entry.fetched_from[5:7]
        and parts[3] == sealed_name(entry.first_seq, entry.last_seq)
    )


def _check_files(
    raw: Path, entries: list[ManifestEntry], pruned: set[int], state: _State
) -> list[tuple[Path, ManifestEntry]]:
    """Match listed segments with the files on disk (pruned ones may be gone)."""
    found: list[tuple[Path, ManifestEntry]] = []
    for entry in entries:
        path = raw / entry.path
        if entry.n in pruned and not path.exists():
            continue
        if entry.n in pruned:
            state.notes.append(
                f"{entry.path}: pruned by retention but still present (an interrupted prune; "
                "the next prune removes it)"
            )
        if not _expected_path(entry):
            state.problems.append(
                f"{MANIFEST_NAME} line {entry.n + 1}: unexpected path {entry.path}"
            )
        elif path.is_file():
            found.append((path, entry))
        elif open_path_of(path).exists():
            # A crash between the manifest line and the rename: the content is checked against
            # its entry like any sealed segment; only the rename is left (readers take the open
            # name), which the next writer or `verify --repair` finishes.
            found.append((open_path_of(path), entry))
            state.notes.append(
                f"{entry.path}: sealing was interrupted before its rename (content checked "
                "against the manifest); the next run or `ghmc verify --repair` finishes it"
            )
        else:
            state.problems.append(f"{entry.path}: listed in the manifest but missing")
    listed = {raw / e.path for e in entries}
    for path in sealed_files(raw):
        if path not in listed:
            state.problems.append(f"{rel(path, raw)}: segment not listed in the manifest (added?)")
    for kdir in kind_dirs(raw):
        for path in sorted(kdir.rglob("*")):
            if path.is_file() and not path.name.endswith((".ndjson.zst", ".ndjson.zst.open")):
                state.problems.append(f"{rel(path, raw)}: unexpected file in the archive")
    return found


def _check_content(
    raw: Path, sealed: list[tuple[Path, ManifestEntry]], opened: list[Path], state: _State
) -> None:
    """Stream every event of every segment, per kind, merged by seq."""
    per_kind: dict[str, list[Iterator[tuple[int, str]]]] = {}
    for path, entry in sorted(sealed, key=lambda pe: pe[1].first_seq):
        per_kind.setdefault(entry.kind, []).append(_sealed_events(path, entry))
    for path in opened:
        per_kind.setdefault(kind_of(path, raw), []).append(_open_events(raw, path, state))
    streams = [_chain(gens) for _, gens in sorted(per_kind.items())]
    last_seq, last_where = 0, ""
    try:
        for seq, where in heapq.merge(*streams):
            if seq <= last_seq:
                raise _Damage(f"{where}: seq {seq} is not after seq {last_seq} in {last_where}")
            last_seq, last_where = seq, where
            state.events += 1
    except _Damage as exc:
        state.problems.append(str(exc))


def _chain(gens: list[Iterator[tuple[int, str]]]) -> Iterator[tuple[int, str]]:
    """Chain one kind's segment streams, checking that seqs keep increasing across them."""
    last = 0
    for gen in gens:
        for seq, where in gen:
            if seq <= last:
                raise _Damage(f"{where}: seq {seq} is not after seq {last} of the same kind")
            last = seq
            yield seq, where


def _sealed_events(path: Path, entry: ManifestEntry) -> Iterator[tuple[int, str]]:
    """Check a sealed segment against its entry, yielding (seq, where) per event."""
    where = entry.path
    stats = _SegmentStats()
    with path.open("rb") as fh:
        if path.stat().st_size != entry.size:
            raise _Damage(
                f"{where}: size {path.stat().st_size} differs from the manifest's {entry.size}"
            )
        hashing = _HashingReader(fh)
        try:
            for line in iter_sealed_lines(path, hashing):
                yield stats.add(_check_event(line, where, entry.kind, stats.last)), where
        except zstandard.ZstdError as exc:
            raise _Damage(f"{where}: does not decompress after seq {stats.last}: {exc}") from None
        hashing.drain()
    if hashing.sha.hexdigest() != entry.sha256:
        raise _Damage(f"{where}: sha256 differs from the manifest (the file was changed)")
    stats.compare(entry, where)


def _open_events(raw: Path, path: Path, state: _State) -> Iterator[tuple[int, str]]:
    """Check the complete events of an open segment, yielding (seq, where) per event."""
    where = rel(path, raw)
    data, lines, ends = scan_open(path)
    stats = _SegmentStats()
    for line in lines:
        yield stats.add(_check_event(line, where, kind_of(path, raw), stats.last)), where
    tail = len(data) - (ends[-1] if ends else 0)
    state.notes.append(f"{where}: open segment, {len(lines)} events not yet sealed")
    if tail:
        state.notes.append(f"{where}: torn tail of {tail} bytes; the next run quarantines it")


class _SegmentStats:
    """Counts kept while streaming a segment, compared with its manifest entry at the end."""

    def __init__(self) -> None:
        self.events = 0
        self.first = 0
        self.last = 0
        self.body_bytes = 0
        self.lo = ""
        self.hi = ""

    def add(self, env: dict[str, Any]) -> int:
        seq: int = env["seq"]
        self.first = self.first or seq
        self.last = seq
        self.events += 1
        self.body_bytes += env["body_size"]
        self.lo = min(self.lo or env["fetched_at"], env["fetched_at"])
        self.hi = max(self.hi, env["fetched_at"])
        return seq

    def compare(self, entry: ManifestEntry, where: str) -> None:
        got = (self.events, self.first, self.last, self.body_bytes, self.lo, self.hi)
        want = (
            entry.events,
            entry.first_seq,
            entry.last_seq,
            entry.body_bytes,
            entry.fetched_from,
            entry.fetched_to,
        )
        if got != want:
            raise _Damage(f"{where}: content {got} differs from the manifest entry {want}")


def _check_event(line: bytes, where: str, kind: str, after: int) -> dict[str, Any]:
    """Check one envelope line; raise _Damage naming the segment and seq."""
    try:
        env = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise _Damage(f"{where}: line after seq {after} is not valid JSON") from None
    if not isinstance(env, dict) or not isinstance(env.get("seq"), int):
        raise _Damage(f"{where}: line after seq {after} is not an event envelope")
    seq = env["seq"]
    at = f"{where}: event seq {seq}"
    if seq <= after:
        raise _Damage(f"{at}: not after seq {after}")
    if env.get("v") != ENVELOPE_VERSION or env.get("kind") != kind:
        raise _Damage(f"{at}: envelope version or kind does not match its partition")
    try:
        stamp = format_fetched_at(env["fetched_at"])
        event_id = make_event_id(env["run_id"], seq, kind, stamp, env["body_sha256"])
    except (KeyError, TypeError, ValueError):
        raise _Damage(f"{at}: envelope fields missing or malformed") from None
    if env.get("event_id") != event_id:
        raise _Damage(f"{at}: event_id does not match its content")
    _check_body(env, at)
    return env


def _check_body(env: dict[str, Any], at: str) -> None:
    """Re-hash the body exactly as received."""
    body, encoding = env.get("body"), env.get("body_encoding")
    if body is None:
        if env.get("body_sha256") is not None or env.get("body_size") != 0 or encoding is not None:
            raise _Damage(f"{at}: bodiless event claims a body")
        return
    try:
        if encoding == "base64":
            raw = base64.b64decode(body, validate=True)
        elif encoding == "utf-8":
            raw = body.encode("utf-8")
        else:
            raise _Damage(f"{at}: unknown body_encoding {encoding!r}")
    except (binascii.Error, UnicodeEncodeError, AttributeError):
        raise _Damage(f"{at}: body cannot be decoded") from None
    if hashlib.sha256(raw).hexdigest() != env.get("body_sha256") or len(raw) != env.get(
        "body_size"
    ):
        raise _Damage(f"{at}: body does not match its sha256/size")
