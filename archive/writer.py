"""The archive writer: appends events to per-kind open segments and seals them.

    with ArchiveWriter.open(raw_dir) as w:      # checks FORMAT, recovers what a crash left
        ev = w.append(kind=..., run_id=..., fetched_at=..., request=..., response=..., body=b"...")
        w.flush()                               # fsync everything appended so far
    # leaving the block seals every open segment into the manifest

`append` hands each frame to the operating system before it returns, so a process killed right
after keeps the event (power loss keeps what `flush` made durable). Seqs are global, strictly
increasing and never reused, also across a crash (see `recover`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson

from archive.envelope import (
    Event,
    JSONObject,
    encode_body,
    format_fetched_at,
    make_event_id,
)
from archive.errors import ArchiveError
from archive.kinds import is_known
from archive.layout import ensure_format, segment_dir
from archive.listing import segment_listing
from archive.lockstep import LockStep
from archive.manifest import ManifestAppender, ManifestEntry
from archive.recover import RecoveryReport, recover
from archive.segment import DEFAULT_SEGMENT_BYTES, OpenSegment, compressor

log = logging.getLogger("ghmc.archive")

_SECRET_REQUEST_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_SECRET_RESPONSE_HEADERS = frozenset({"set-cookie"})
_PARALLEL_HASH = 64 * 1024
"""Bodies at least this large may be hashed in a helper thread while they are JSON-escaped."""
_BODY_KEY = b',"body":'


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Tuner:
    """Chooses, per large append, hashing in the helper thread or in line, by measured speed.

    The helper overlaps sha256 (GIL-free) with JSON-escaping the body, which only pays when a
    second core is free; with none it costs two thread hand-overs and an extra copy. So each
    append of a large body is timed (ns per body byte, moving average per way), the faster way
    is used, and the other is re-tried every `PROBE` appends, as the machine's load changes.
    """

    PROBE = 32

    def __init__(self) -> None:
        self.cost = [0.0, 0.0]  # [in line, helper]; 0 until measured
        self.count = 0

    def pick(self) -> bool:
        """Return True to use the helper for this append."""
        self.count += 1
        inline, helper = self.cost
        if not helper or not inline:
            return not helper
        faster = helper < inline
        return not faster if self.count % self.PROBE == 0 else faster

    def record(self, helper: bool, ns_per_byte: float) -> None:
        """Fold one timed append into its way's moving average."""
        i = int(helper)
        old = self.cost[i]
        self.cost[i] = ns_per_byte if not old else 0.8 * old + 0.2 * ns_per_byte


class ArchiveWriter:
    """Appends events to the archive; use `ArchiveWriter.open(raw_dir)` as a context manager."""

    def __init__(
        self, raw_dir: Path, manifest: ManifestAppender, next_seq: int, segment_bytes: int
    ) -> None:
        self.raw_dir = raw_dir
        self.segment_bytes = segment_bytes
        self.recovery: RecoveryReport | None = None
        self._manifest = manifest
        self._next_seq = next_seq
        self._open: dict[str, OpenSegment] = {}
        self._cctx = compressor()
        self._hasher: LockStep[bytes, str] | None = None
        self._tuner = _Tuner()
        self._closed = False

    @classmethod
    def open(
        cls, raw_dir: Path | str, *, segment_bytes: int = DEFAULT_SEGMENT_BYTES
    ) -> ArchiveWriter:
        """Check FORMAT (creating a new archive) and the manifest against the disk (ArchiveDamaged:
        e.g. sealed segments an emptied manifest no longer lists), recover open segments, and
        return a writer."""
        raw = Path(raw_dir)
        ensure_format(raw)
        segment_listing(raw)  # never start or extend a chain beside segments it does not list
        report = recover(raw)
        writer = cls(raw, ManifestAppender(raw, report.entries), report.next_seq, segment_bytes)
        writer.recovery = report
        return writer

    @property
    def next_seq(self) -> int:
        """The seq the next appended event will get."""
        return self._next_seq

    def append(
        self,
        *,
        kind: str,
        run_id: str,
        fetched_at: str | datetime,
        enterprise_id: str | None = None,
        org: str | None = None,
        repo: str | None = None,
        request: JSONObject,
        response: JSONObject,
        body: bytes | None = None,
        refs: JSONObject | None = None,
        error: JSONObject | None = None,
    ) -> Event:
        """Store one event and return it; it is in the OS's hands when this returns."""
        if self._closed:
            raise ArchiveError("archive writer is closed")
        if not is_known(kind):
            raise ValueError(f"unknown event kind {kind!r}: add it to archive/kinds.py")
        stamp = format_fetched_at(fetched_at)
        sha: str | None = None
        escaped: bytes | None = None
        text, encoding, size = None, None, 0
        helper: bool | None = None
        started = 0
        if body is not None:
            body = bytes(body)
            size = len(body)
            if size >= _PARALLEL_HASH:
                helper = self._tuner.pick()
                started = time.perf_counter_ns()
            if helper:
                hasher = self._hash_async(body)
                text, encoding = encode_body(body)
                escaped = orjson.dumps(text)  # the body as a JSON string, while it is hashed
                sha = hasher.result()
            else:
                sha = _sha256_hex(body)
                text, encoding = encode_body(body)
        seq = self._next_seq
        self._next_seq += 1
        event = Event(
            seq=seq,
            event_id=make_event_id(run_id, seq, kind, stamp, sha),
            run_id=run_id,
            kind=kind,
            fetched_at=stamp,
            enterprise_id=enterprise_id,
            org=org,
            repo=repo,
            request=_scrub(request, "headers", _SECRET_REQUEST_HEADERS),
            response=_scrub(response, "headers", _SECRET_RESPONSE_HEADERS),
            body_sha256=sha,
            body_size=size,
            body=text,
            body_encoding=encoding,
            refs=dict(refs or {}),
            error=error,
        )
        frame = self._cctx.compress(_envelope_line(event, escaped))
        self._segment_for(kind, stamp, len(frame), seq).write(frame, seq, stamp, size)
        if helper is not None:
            self._tuner.record(helper, (time.perf_counter_ns() - started) / size)
        return event

    def _hash_async(self, body: bytes) -> LockStep[bytes, str]:
        """Start hashing `body` in the helper thread (hashlib releases the GIL on large inputs)."""
        if self._hasher is None:
            self._hasher = LockStep(_sha256_hex, "ghmc-archive-hash")
        elif self._hasher.busy:  # an append interrupted between submit and result
            with contextlib.suppress(Exception):
                self._hasher.result()
        self._hasher.submit(body)
        return self._hasher

    def _segment_for(self, kind: str, stamp: str, frame_len: int, seq: int) -> OpenSegment:
        """Return the open segment the next frame goes to, rolling at size or month boundaries."""
        seg = self._open.get(kind)
        if seg is not None and seg.broken:
            raise ArchiveError(f"segment {seg.path} could not be repaired after a write error")
        full = seg is not None and seg.events and seg.size + frame_len > self.segment_bytes
        if seg is not None and (full or seg.month != stamp[:7]):
            self._seal(kind)
            seg = None
        if seg is None:
            seg = OpenSegment(self.raw_dir, segment_dir(self.raw_dir, kind, stamp), kind, seq)
            seg.month = stamp[:7]
            self._open[kind] = seg
        return seg

    def _seal(self, kind: str) -> ManifestEntry | None:
        seg = self._open.pop(kind)
        return seg.seal(self._manifest)

    def flush(self) -> None:
        """fsync every open segment, so what was appended survives a power loss."""
        for seg in self._open.values():
            seg.sync()

    def close(self) -> list[ManifestEntry]:
        """Seal every open segment and return the new manifest entries."""
        if self._closed:
            return []
        self._closed = True
        if self._hasher is not None:
            self._hasher.close()
        sealed: list[ManifestEntry] = []
        for kind in sorted(self._open):
            if self._open[kind].broken:
                log.warning("leaving %s open: the next run recovers it", self._open[kind].path)
                self._open.pop(kind).close()
                continue
            entry = self._seal(kind)
            if entry is not None:
                sealed.append(entry)
        return sealed

    @property
    def head_hash(self) -> str:
        """The manifest head after the last seal."""
        return self._manifest.head

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _envelope_line(event: Event, escaped: bytes | None) -> bytes:
    """Return the event's envelope line (newline included), splicing in the escaped body.

    Byte for byte what `orjson.dumps(event.to_dict())` gives (the body is the last field), without
    escaping the body a second time.
    """
    env = event.to_dict()
    if escaped is None:
        return orjson.dumps(env, option=orjson.OPT_APPEND_NEWLINE)
    del env["body"]
    head = orjson.dumps(env)
    return b"".join((head[:-1], _BODY_KEY, escaped, b"}\n"))


def _scrub(meta: JSONObject, key: str, secret: frozenset[str]) -> JSONObject:
    """Return `meta` with secret headers removed from meta[key] (warning when any were there)."""
    headers: Any = meta.get(key)
    if not isinstance(headers, dict):
        return dict(meta)
    found = [name for name in headers if str(name).lower() in secret]
    if not found:
        return dict(meta)
    log.warning("dropped secret headers %s before archiving", ", ".join(sorted(found)))
    clean = {k: v for k, v in headers.items() if str(k).lower() not in secret}
    return {**meta, key: clean}


def repair_archive(raw_dir: Path | str) -> RecoveryReport:
    """Recover what an interrupted run left (the caller holds the RunLock); return what was done."""
    with ArchiveWriter.open(raw_dir) as writer:
        assert writer.recovery is not None
        return writer.recovery
