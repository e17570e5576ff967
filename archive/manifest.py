"""The manifest: an append-only, hash-chained list of sealed segments (raw/MANIFEST.ndjson).

One JSON line per sealed segment. Each entry carries `prev` (the previous entry's hash, or
GENESIS for the first) and `hash` = sha256 over the entry's other fields, so editing, dropping,
inserting or reordering a line breaks the chain. Lines are written in one canonical form (orjson,
fixed field order), so a line that parses but is not byte-identical to its re-serialisation is
also caught. `head_hash` is the hash of the last entry: the fingerprint of the whole archive.

An entry is appended (and fsynced) *before* its segment is renamed from `.open` to its sealed
name: the manifest line is the commit point of a seal, and recovery finishes an interrupted one.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from archive.chain import chain_hash, parse_chained
from archive.errors import ArchiveDamaged, storage_error
from archive.layout import MANIFEST_NAME

GENESIS = "0" * 64
"""The `prev` of the first entry, and the head hash of an empty archive."""


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    """What a sealed segment holds, as measured while writing or re-reading it."""

    path: str
    kind: str
    sha256: str
    size: int
    events: int
    first_seq: int
    last_seq: int
    fetched_from: str
    fetched_to: str
    body_bytes: int


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One manifest line: a sealed segment and its place in the hash chain."""

    n: int
    path: str
    kind: str
    sha256: str
    size: int
    events: int
    first_seq: int
    last_seq: int
    fetched_from: str
    fetched_to: str
    body_bytes: int
    sealed_at: str
    prev: str
    hash: str

    def to_line(self) -> bytes:
        """Return the canonical manifest line, newline included."""
        return orjson.dumps(asdict(self), option=orjson.OPT_APPEND_NEWLINE)


_TAG = b"ghmc-manifest-entry:1\n"


def entry_hash(body: dict[str, Any]) -> str:
    """Return the chain hash of an entry's fields (everything but `hash`)."""
    return chain_hash(_TAG, body)


def make_entry(summary: SegmentSummary, n: int, prev: str) -> ManifestEntry:
    """Chain `summary` after the entry whose hash is `prev`."""
    sealed_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body: dict[str, Any] = {"n": n, **asdict(summary), "sealed_at": sealed_at, "prev": prev}
    return ManifestEntry(**body, hash=entry_hash(body))


def parse_line(line: bytes, n: int, prev: str) -> ManifestEntry:
    """Parse and check manifest line number `n` (0-based); raise ValueError saying what is wrong."""
    return parse_chained(ManifestEntry, _TAG, "manifest entry", line, n=n, prev=prev)


def split_manifest(data: bytes) -> tuple[list[bytes], bytes]:
    """Split manifest bytes into complete lines and a torn tail (bytes after the last newline)."""
    cut = data.rfind(b"\n") + 1
    lines = data[:cut].split(b"\n")[:-1] if cut else []
    return lines, data[cut:]


def load_manifest(raw_dir: Path, *, allow_torn_tail: bool = True) -> list[ManifestEntry]:
    """Return the manifest's entries, checking the chain; ArchiveDamaged names the bad line."""
    path = raw_dir / MANIFEST_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    lines, tail = split_manifest(data)
    if tail and not allow_torn_tail:
        raise ArchiveDamaged(f"{path}: ends in an incomplete line ({len(tail)} bytes)")
    entries, fault = walk_chain(lines)
    if fault is not None:
        raise ArchiveDamaged(f"{path}: line {fault}; run `ghmc verify`")
    return entries


def walk_chain(lines: list[bytes]) -> tuple[list[ManifestEntry], str | None]:
    """Parse manifest lines in order; return the entries before the first bad line and its fault."""
    entries: list[ManifestEntry] = []
    prev = GENESIS
    for n, line in enumerate(lines):
        try:
            entry = parse_line(line, n, prev)
        except ValueError as exc:
            return entries, f"{n + 1}: {exc}"
        entries.append(entry)
        prev = entry.hash
    return entries, None


def head_hash(raw_dir: Path) -> str:
    """Return the hash of the last manifest entry (GENESIS when nothing is sealed yet)."""
    entries = load_manifest(Path(raw_dir))
    return entries[-1].hash if entries else GENESIS


class ManifestAppender:
    """Appends entries to the manifest, keeping the chain head in memory."""

    def __init__(self, raw_dir: Path, entries: list[ManifestEntry]) -> None:
        self.path = raw_dir / MANIFEST_NAME
        self.count = len(entries)
        self.head = entries[-1].hash if entries else GENESIS

    def append(self, summary: SegmentSummary) -> ManifestEntry:
        """Chain `summary`, write its line in one write and fsync it."""
        entry = make_entry(summary, self.count, self.head)
        line = entry.to_line()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_BINARY, 0o644)
            try:
                _append_or_undo(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise storage_error("append to", self.path, exc) from exc
        self.count += 1
        self.head = entry.hash
        return entry


_O_BINARY: int = getattr(os, "O_BINARY", 0)


def _append_or_undo(fd: int, line: bytes) -> None:
    """Append `line` and fsync; on failure cut the file back so no torn line is left behind."""
    size = os.fstat(fd).st_size
    try:
        _write_all(fd, line)
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, size)
        raise


def _write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (os.write may write less than asked)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
