"""Segment files: writing the open one frame by frame, sealing it, and reading events back.

A segment is a zstd-compressed NDJSON file: one zstd frame per event, each frame holding one
envelope line. Sealed segments decompress as a whole (`zstd -dc`, DuckDB `read_ndjson`); an open
one is read frame by frame up to its last complete frame.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import zstandard

from archive.durable import fsync_dir
from archive.errors import storage_error
from archive.frames import split_frames, text_lines
from archive.layout import open_name, rel, sealed_name
from archive.manifest import ManifestAppender, ManifestEntry, SegmentSummary, _write_all

ZSTD_LEVEL = 3
DEFAULT_SEGMENT_BYTES = 32 * 1024 * 1024
_READ_CHUNK = 4 * 1024 * 1024
_O_BINARY: int = getattr(os, "O_BINARY", 0)


def compressor() -> zstandard.ZstdCompressor:
    """Return the compressor every frame is made with (level 3, content size and checksum)."""
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True, write_content_size=True)


class OpenSegment:
    """The open (still growing) segment of one kind: an append-only file of frames."""

    def __init__(self, raw_dir: Path, folder: Path, kind: str, first_seq: int) -> None:
        self.raw_dir = raw_dir
        self.kind = kind
        self.first_seq = first_seq
        self.month = ""
        self.path = folder / open_name(first_seq)
        self.size = 0
        self.events = 0
        self.last_seq = first_seq
        self.body_bytes = 0
        self.fetched_from = ""
        self.fetched_to = ""
        self.broken = False
        self._sha = hashlib.sha256()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _O_BINARY
            self._fd = os.open(self.path, flags, 0o644)
            fsync_dir(folder)
        except OSError as exc:
            raise storage_error("create segment", self.path, exc) from exc

    def write(self, frame: bytes, seq: int, fetched_at: str, body_size: int) -> None:
        """Append one event's frame; on failure cut the file back to its last complete frame."""
        try:
            _write_all(self._fd, frame)
        except OSError as exc:
            self._undo(exc)
        self._sha.update(frame)
        self.size += len(frame)
        self.events += 1
        self.last_seq = seq
        self.body_bytes += body_size
        self.fetched_from = min(self.fetched_from or fetched_at, fetched_at)
        self.fetched_to = max(self.fetched_to, fetched_at)

    def _undo(self, exc: OSError) -> None:
        try:
            os.ftruncate(self._fd, self.size)
        except OSError:
            self.broken = True
        raise storage_error("write segment", self.path, exc) from exc

    def sync(self) -> None:
        """fsync what was written."""
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise storage_error("sync segment", self.path, exc) from exc

    def summary(self) -> SegmentSummary:
        """Describe the segment as it will be sealed."""
        sealed = self.path.with_name(sealed_name(self.first_seq, self.last_seq))
        return SegmentSummary(
            path=rel(sealed, self.raw_dir),
            kind=self.kind,
            sha256=self._sha.hexdigest(),
            size=self.size,
            events=self.events,
            first_seq=self.first_seq,
            last_seq=self.last_seq,
            fetched_from=self.fetched_from,
            fetched_to=self.fetched_to,
            body_bytes=self.body_bytes,
        )

    def close(self) -> None:
        """fsync and close the file (without sealing)."""
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)

    def seal(self, manifest: ManifestAppender) -> ManifestEntry | None:
        """Close, chain into the manifest and rename read-only into place; drop it if empty."""
        try:
            self.close()
            if self.events == 0:
                self.path.unlink()
                return None
        except OSError as exc:
            raise storage_error("seal segment", self.path, exc) from exc
        return seal_file(self.raw_dir, self.path, self.summary(), manifest)


def seal_file(
    raw_dir: Path, open_path: Path, summary: SegmentSummary, manifest: ManifestAppender
) -> ManifestEntry:
    """Commit an fsynced open segment: manifest line first, then chmod and rename into place."""
    entry = manifest.append(summary)
    finish_seal(open_path, raw_dir / summary.path)
    return entry


def finish_seal(open_path: Path, sealed_path: Path) -> None:
    """Make the segment read-only and give it its sealed name, durably."""
    try:
        open_path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        open_path.replace(sealed_path)
        fsync_dir(sealed_path.parent)
    except OSError as exc:
        raise storage_error("seal segment", open_path, exc) from exc


class Readable(Protocol):
    """Anything with a binary `read(n)` (a file, or a wrapper that hashes what it reads)."""

    def read(self, n: int = -1, /) -> bytes:
        """Read up to n bytes."""
        ...


def iter_sealed_lines(path: Path, fh: Readable | None = None) -> Iterator[bytes]:
    """Yield each envelope line (without newline) of a sealed segment, streaming.

    `fh`, when given, is read instead of opening `path` (verify passes a hashing wrapper).
    """
    if fh is not None:
        yield from _lines(fh)
        return
    with path.open("rb") as source:
        yield from _lines(source)


def _lines(source: Any) -> Iterator[bytes]:
    """Decompress every frame of `source` and split the text into lines."""
    reader = zstandard.ZstdDecompressor().stream_reader(
        source, read_size=1 << 20, read_across_frames=True, closefd=False
    )
    yield from text_lines(reader, _READ_CHUNK)


def scan_open(path: Path) -> tuple[bytes, list[bytes], list[int]]:
    """Return an open segment's bytes, the line of every complete frame and where each frame ends.

    Frames are split by their headers; a frame that does not decompress (or is not exactly one
    line) ends the good part. Everything after the last good frame is a torn tail.
    """
    data = path.read_bytes()
    frames, _ = split_frames(data)
    dctx = zstandard.ZstdDecompressor()
    lines: list[bytes] = []
    ends: list[int] = []
    for start, end in frames:
        try:
            text = dctx.decompress(data[start:end])
        except zstandard.ZstdError:
            break
        if not text.endswith(b"\n") or b"\n" in text[:-1]:
            break
        lines.append(text[:-1])
        ends.append(end)
    return data, lines, ends
