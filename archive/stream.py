"""Fast full reads: envelopes decoded in runs of frames, merged by seq, decompression overlapped.

A sealed segment is read in runs of whole frames (one envelope line each), found by splitting the
compressed bytes at zstd's magic number (`_SealedStream`); a run is decompressed by one call
(`multi_decompress_to_buffer`) that releases the GIL, and each frame's text is parsed by orjson
from a memoryview: no Python code runs per frame until the JSON is parsed. Runs are small (~1.5 MB
of text) so the parsed envelopes are still in cache. An open segment is read frame by frame up to
the first frame that recovery would cut (a torn tail).

Overlap: a helper thread driven in lock step (`archive.lockstep`) decompresses the next run while
the consumer parses the current one; everything that needs the GIL stays in the consumer. One run
is in flight at a time, so memory stays flat.

Several kinds are merged by the seq that opens every line (`{"v":1,"seq":N,`); the batch fetched
ahead is always for the kind whose buffered lines run out first. A reader that does not need the
global order (`ordered=False`) gets the kinds one after the other, each in seq order, and skips
the merge.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from archive.errors import ArchiveDamaged
from archive.frames import MAGIC, NotAFrame, frame_end, text_lines
from archive.listing import segment_changed
from archive.lockstep import LockStep
from archive.manifest import ManifestEntry

_BLOCK = 1 << 20
"""Compressed bytes read from a segment at a time (more when one frame is larger)."""
_BATCH = 4 << 20
"""Decompressed bytes per batch (larger batches cost page faults, smaller ones hand-overs)."""
_STREAMED_FRAME = 64 << 20
"""Frames holding more than this (or of unknown content size) are decompressed as a stream."""
_FIRST_BATCH = 256 << 10
"""A kind's first batch is small: every kind's first lines are needed before the merge can start."""
THREAD_MIN = 2 << 20
"""Reads of fewer compressed bytes than this run without the helper thread."""
_HEAD_RE = re.compile(rb'\{"v":\d+,"seq":(\d+)[,}]')

Line = bytes | memoryview
Envelope = dict[str, Any]
Segment = tuple[Path, ManifestEntry | None]
"""A segment file to read and its manifest entry (None for the open segment)."""


class _Hashed:
    """A sealed segment's file, hashed as it is read: every byte once, in file order, whatever
    the seeks back (the exact path re-reads a run). `finish` reads what was not read yet and
    compares size and sha256 with the manifest entry."""

    def __init__(self, path: Path, entry: ManifestEntry) -> None:
        self.fh: BinaryIO = path.open("rb")
        self.entry = entry
        self._sha = hashlib.sha256()
        self._pos = 0
        self._hashed = 0

    def read(self, n: int = -1, /) -> bytes:
        data = self.fh.read(n)
        start, self._pos = self._pos, self._pos + len(data)
        if self._pos > self._hashed:
            self._sha.update(memoryview(data)[self._hashed - start :])
            self._hashed = self._pos
        return data

    def seek(self, offset: int) -> None:
        """Go back to `offset` (never past what was read)."""
        self.fh.seek(offset)
        self._pos = offset

    def finish(self) -> None:
        """Hash the rest of the file; raise ArchiveDamaged unless it is the listed segment."""
        self.fh.seek(self._hashed)
        self._pos = self._hashed
        while self.read(_BLOCK):
            pass
        if self._hashed != self.entry.size or self._sha.hexdigest() != self.entry.sha256:
            raise segment_changed(self.entry)

    def close(self) -> None:
        self.fh.close()


def _frames(fh: BinaryIO | _Hashed, path: Path, sealed: bool) -> Iterator[memoryview]:
    """Yield each complete zstd frame of `fh`; a sealed file must hold nothing else."""
    buf = b""
    pos = 0
    while True:
        try:
            end = frame_end(buf, pos) if pos < len(buf) else None
        except NotAFrame:
            if sealed:
                raise zstandard.ZstdError(f"{path}: no zstd frame at offset {pos}") from None
            return
        if end is not None:
            yield memoryview(buf)[pos:end]
            pos = end
            continue
        rest = len(buf) - pos
        chunk = fh.read(max(_BLOCK, rest))
        if not chunk:
            if rest and sealed:
                raise zstandard.ZstdError(f"{path}: truncated zstd frame at the end ({rest} bytes)")
            return
        buf = buf[pos:] + chunk if rest else chunk
        pos = 0


def _ends_a_frame(blob: bytes, start: int) -> bool:
    """Whether the bytes from `start` are exactly one complete zstd frame."""
    try:
        return frame_end(blob, start) == len(blob)
    except NotAFrame:
        return False


class _SealedStream:
    """A sealed segment cut into runs of whole frames, each decoded by one GIL-free zstd call.

    Frames are found by splitting the compressed bytes at zstd's magic number, in C (walking the
    frame headers in Python cost about as much as parsing the JSON). Those four bytes may also
    occur inside compressed data; a wrong cut leaves a frame incomplete, which zstd rejects, and
    the rest of the file is then read exactly, frame header by frame header (`archive.frames`),
    from the first frame of the rejected run. The last frame of every run is checked exactly, so
    a cut file or bytes after its last frame are errors; bytes slipped in *between* two frames of
    a run would be skipped here — but every byte read is also hashed (`_Hashed`), and at the end
    of the file the digest must be the manifest's, or ArchiveDamaged is raised."""

    def __init__(self, path: Path, entry: ManifestEntry) -> None:
        self.path = path
        self._fh: _Hashed | None = _Hashed(path, entry)
        self._offset = 0  # file offset of `_tail`
        self._tail = b""  # bytes read but not cut into frames yet: they start at a frame
        self._eof = False
        self._exact: Iterator[list[Line]] | None = None

    def next_job(self, size: int) -> _Job | None:
        """The next run of frames (~`size` decompressed bytes), None at the end of the file."""
        if self._exact is not None:
            return _Job(stream=self) if self._fh is not None else None
        start = self._offset
        blob = self._read_frames(size)
        if not blob:
            self._finish()
            return None
        self._offset = start + len(blob)
        pieces = blob.split(MAGIC)
        if pieces[0] or len(blob) > _STREAMED_FRAME:
            return _Job(stream=self, start=start, limit=size)  # not a run of frames: exact path
        sizes = list(map(len(MAGIC).__add__, map(len, pieces[1:])))
        if not _ends_a_frame(blob, len(blob) - sizes[-1]):
            return _Job(stream=self, start=start, limit=size)  # cut, or bytes after the frame
        starts = accumulate(sizes, initial=0)  # one more than `sizes`: zip stops at the shorter
        spans = array("Q", chain.from_iterable(zip(starts, sizes, strict=False)))
        return _Job(stream=self, blob=blob, segments=spans.tobytes(), start=start, limit=size)

    def _read_frames(self, size: int) -> bytes:
        """Read on to the last frame start (by magic number) after ~size/32 compressed bytes."""
        assert self._fh is not None
        want = max(size // 32, 1 << 14)  # ~1.5 MB of text at ~12×: parsed while still in cache
        data = self._tail
        while True:
            if not self._eof:
                chunk = self._fh.read(want)
                self._eof = len(chunk) < want
                data += chunk
            cut = len(data) if self._eof else data.rfind(MAGIC)
            if cut > 0 or self._eof:
                break
            if len(data) > _STREAMED_FRAME:  # one huge frame: left to the exact path
                cut = len(data)
                break
        blob, self._tail = data[:cut], data[cut:]
        return blob

    def exact_lines(self, job: _Job) -> list[Line]:
        """Lines of the job by the exact path: from the job's first frame when its run was
        rejected (the exact path then reads the rest of the file), else its next batch."""
        if self._exact is None:
            assert self._fh is not None
            self._fh.seek(job.start)
            self._exact = self._exact_batches(job.limit or _BATCH)
        try:
            lines = next(self._exact, None)
        except zstandard.ZstdError as exc:
            self._finish()  # a changed file is named as such
            msg = f"archive damaged: segment {self.path} does not decompress: {exc}"
            raise ArchiveDamaged(msg) from None
        if lines is None:
            self._finish()
            return []
        return lines

    def _exact_batches(self, size: int) -> Iterator[list[Line]]:
        """The rest of the file from the frame headers, in batches of ~`size` bytes of text."""
        assert self._fh is not None
        dctx = zstandard.ZstdDecompressor()
        batch: list[Line] = []
        got = 0
        for frame in _frames(self._fh, self.path, sealed=True):
            content = zstandard.frame_content_size(frame[:18])
            if 0 <= content <= _STREAMED_FRAME:
                text = dctx.decompress(frame)
                if text:
                    batch.append(text)
            else:
                batch += _streamed_lines(dctx, frame)
            got += max(content, len(frame))
            if got >= size:
                yield batch
                batch, got = [], 0
        if batch:
            yield batch

    def _finish(self) -> None:
        """At the end of the file: check its hash (ArchiveDamaged), then let it go."""
        try:
            if self._fh is not None:
                self._fh.finish()
        finally:
            self.close()

    def close(self) -> None:
        """Let go of the file (idempotent; a file left before its end is not checked)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class _Job:
    """One batch to decode: a run of a sealed segment's frames, or frames of an open segment."""

    stream: _SealedStream | None = None
    blob: bytes = b""
    segments: bytes = b""
    start: int = 0
    limit: int = 0
    frames: list[memoryview] = field(default_factory=list)

    @property
    def threaded(self) -> bool:
        """Whether the helper thread decodes it (runs of sealed frames; the rest is small)."""
        return bool(self.blob)


class _Source:
    """One kind's segments in seq order, cut into jobs."""

    def __init__(self, files: list[Segment], first_batch: int = _FIRST_BATCH) -> None:
        self._files = iter(files)
        self._stream: _SealedStream | None = None
        self._frames: Iterator[memoryview] | None = None
        self._fh: BinaryIO | None = None
        self._limit = first_batch

    def _open_next(self) -> bool:
        self.close()
        item = next(self._files, None)
        if item is None:
            return False
        path, entry = item
        if entry is not None:
            self._stream = _SealedStream(path, entry)
        else:
            self._fh = path.open("rb")
            self._frames = _frames(self._fh, path, sealed=False)
        return True

    def next_job(self) -> _Job | None:
        """Return the next batch (never across files), None when all are read."""
        while True:
            if self._stream is None and self._frames is None and not self._open_next():
                return None
            limit, self._limit = self._limit, _BATCH
            if self._stream is not None:
                job = self._stream.next_job(limit)
                if job is not None:
                    return job
                self._stream = None
                continue
            job = _Job()
            size = 0
            assert self._frames is not None
            while size < limit:
                frame = next(self._frames, None)
                if frame is None:
                    self._frames = None
                    break
                job.frames.append(frame)
                size += max(zstandard.frame_content_size(frame[:18]), len(frame))
            if job.frames:
                return job

    def skip_file(self) -> None:
        """Stop reading the current file (an open segment's torn tail)."""
        self._frames = None

    def close(self) -> None:
        """Close the file being read."""
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _streamed_lines(dctx: zstandard.ZstdDecompressor, frame: memoryview) -> Iterator[bytes]:
    """Decompress a very large (or unsized) frame as a stream, yielding its lines."""
    reader = dctx.stream_reader(frame, read_across_frames=False)
    yield from text_lines(reader, _BLOCK)


Decoded = tuple[list[Line] | zstandard.BufferWithSegmentsCollection | None, bool]
"""What decoding gives: lines (or the frames, one line each), None when zstd rejected a run of
sealed frames, and whether an open segment ends here (torn tail)."""


def _decode(dctx: zstandard.ZstdDecompressor, job: _Job) -> Decoded:
    """Decode a job. Only zstd runs here for a sealed run: this may be the helper thread."""
    if job.blob:
        try:
            return dctx.multi_decompress_to_buffer(
                zstandard.BufferWithSegments(job.blob, job.segments)
            ), False
        except (zstandard.ZstdError, ValueError):  # ValueError: a frame without content size
            return None, False
    if job.stream is not None:
        return None, False
    lines: list[Line] = []
    for frame in job.frames:  # an open segment: stop at the first frame recovery would cut
        try:
            text = dctx.decompress(frame)
        except zstandard.ZstdError:
            return lines, True
        if text.find(b"\n") != len(text) - 1:
            return lines, True
        lines.append(text)
    return lines, False


class _Runner:
    """Decodes jobs: runs of sealed frames in a lock-step helper thread when the read is large
    enough, everything else in the caller's thread. The helper runs only the GIL-free zstd call;
    everything that needs the GIL is done here, in the caller's thread."""

    def __init__(self, threaded: bool) -> None:
        self._dctx = zstandard.ZstdDecompressor()
        self._job: _Job | None = None
        self._helper: LockStep[_Job, Decoded] | None = None
        if threaded:
            helper_dctx = zstandard.ZstdDecompressor()
            self._helper = LockStep(lambda job: _decode(helper_dctx, job), "ghmc-archive-read")

    def submit(self, job: _Job) -> None:
        self._job = job
        if self._helper is not None and job.threaded:
            self._helper.submit(job)

    def result(self) -> tuple[list[Line], bool]:
        job, self._job = self._job, None
        assert job is not None
        if self._helper is not None and self._helper.busy:
            out, torn = self._helper.result()
        else:
            out, torn = _decode(self._dctx, job)
        if isinstance(out, list):
            return out, torn
        if out is None:
            assert job.stream is not None
            return job.stream.exact_lines(job), False
        return list(map(memoryview, map(out.__getitem__, range(len(out))))), False  # type: ignore[arg-type]

    def close(self) -> None:
        self._job = None
        if self._helper is not None:
            self._helper.close()


def seq_of(line: Line) -> int:
    """Return the seq of an envelope line, from its opening bytes when written by ghmc."""
    match = _HEAD_RE.match(line)
    if match is not None:
        return int(match.group(1))
    seq: int = orjson.loads(line)["seq"]
    return seq


def _parse(line: Line, rest: deque[tuple[int, Line]]) -> Envelope:
    """Parse one line. A frame holding several lines (a segment recompressed by other tools) is
    split: its first envelope is returned and the other lines go back in front of `rest`."""
    try:
        env: Envelope = orjson.loads(line)
    except orjson.JSONDecodeError:
        parts = [p for p in bytes(line).split(b"\n") if p]
        if len(parts) < 2:
            raise
        rest.extendleft((seq_of(p), p) for p in reversed(parts[1:]))
        env = orjson.loads(parts[0])
    return env


class _Reader:
    """The envelopes of several kinds' segments, merged by seq."""

    def __init__(
        self, streams: list[list[Segment]], compressed_bytes: int, first_batch: int
    ) -> None:
        self.sources = [_Source(files, first_batch) for files in streams]
        self.runner = _Runner(threaded=compressed_bytes >= THREAD_MIN)
        self.bufs: list[deque[tuple[int, Line]]] = [deque() for _ in streams]
        self.ended = [False] * len(streams)
        self.inflight: int | None = None

    def _start(self, i: int) -> bool:
        job = self.sources[i].next_job()
        if job is None:
            self.ended[i] = True
            return False
        self.runner.submit(job)
        self.inflight = i
        return True

    def _collect(self) -> None:
        i = self.inflight
        assert i is not None
        self.inflight = None
        lines, torn = self.runner.result()
        if torn:
            self.sources[i].skip_file()
        if len(self.sources) == 1:
            self.bufs[i].extend((0, line) for line in lines)
        else:
            self.bufs[i].extend((seq_of(line), line) for line in lines)

    def _prefetch(self) -> None:
        """Start the batch of the kind whose buffered lines run out first."""
        while self.inflight is None:
            open_ = [i for i, done in enumerate(self.ended) if not done]
            if not open_:
                return
            bufs = self.bufs
            i = min(open_, key=lambda k: bufs[k][-1][0] if bufs[k] else -1)
            self._start(i)

    def _fill(self, i: int) -> None:
        """Make sure kind `i` has buffered lines, or is read to its end."""
        while not self.bufs[i] and not self.ended[i]:
            if self.inflight is None and not self._start(i):
                break
            self._collect()
            self._prefetch()

    def envelopes(self) -> Iterator[Envelope]:
        for i in range(len(self.sources)):
            self._fill(i)
        bufs = self.bufs
        heap = [(bufs[i][0][0], i) for i in range(len(bufs)) if bufs[i]]
        heapq.heapify(heap)
        self._prefetch()
        while heap:
            i = heap[0][1]
            buf = bufs[i]
            line = buf.popleft()[1]
            env = _parse(line, buf)
            if not buf:
                self._fill(i)
            if buf:
                heapq.heapreplace(heap, (buf[0][0], i))
            else:
                heapq.heappop(heap)
            yield env

    def _next_job(self, i: int) -> tuple[int, _Job] | None:
        """The next job of source `i`, else of the sources after it."""
        while i < len(self.sources):
            job = self.sources[i].next_job()
            if job is not None:
                return i, job
            i += 1
        return None

    def unordered(self) -> Iterator[Envelope]:
        """The envelopes kind after kind, each kind in seq order: no merge."""
        runner, loads = self.runner, orjson.loads
        cur = self._next_job(0)
        if cur is not None:
            runner.submit(cur[1])
        while cur is not None:
            lines, torn = runner.result()
            if torn:
                self.sources[cur[0]].skip_file()
            cur = self._next_job(cur[0])
            if cur is not None:
                runner.submit(cur[1])  # decompressed by the helper while these lines are parsed
            try:
                envelopes = list(map(loads, lines))
            except orjson.JSONDecodeError:  # a frame of several lines (recompressed by a tool)
                envelopes = [
                    loads(part) for line in lines for part in bytes(line).split(b"\n") if part
                ]
            yield from envelopes

    def close(self) -> None:
        self.runner.close()
        for source in self.sources:
            source.close()


def read_envelopes(
    streams: list[list[Segment]], compressed_bytes: int, *, ordered: bool = True
) -> Iterator[Envelope]:
    """Yield the envelopes of per-kind segment lists (each in seq order): in global seq order, or
    (`ordered=False`) stream after stream.

    Sealed segments must decompress completely (zstandard.ZstdError otherwise) and hash to their
    manifest entry (ArchiveDamaged at the end of the file otherwise); an open segment yields its
    complete frames and stops where recovery would cut a torn tail.
    """
    if not streams:
        return
    reader = _Reader(streams, compressed_bytes, _FIRST_BATCH if ordered else _BATCH)
    try:
        yield from reader.envelopes() if ordered else reader.unordered()
    finally:
        reader.close()
