"""Fast full reads: envelopes decoded frame by frame, merged by seq, decompression overlapped.

Segments are read in blocks; every zstd frame (one envelope line, its size in the frame header)
is cut out by walking the frame headers, and a batch of frames (~`_BATCH` decompressed bytes)
is decompressed in one call (`multi_decompress_to_buffer`) straight into one buffer: no newline
scanning, concatenation, re-splitting or copying; orjson parses the lines from memoryviews.

Overlap: zstd releases the GIL for the whole batch, so a helper thread driven in lock step
(`archive.lockstep`) decompresses the next batch while the consumer parses the current one. One
batch is in flight at a time, so memory stays flat: two batches of lines, plus one compressed
block per kind being read.

Several kinds are merged by the seq that opens every line (`{"v":1,"seq":N,`); the batch fetched
ahead is always for the kind whose buffered lines run out first.
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from archive.frames import NotAFrame, frame_end, text_lines
from archive.lockstep import LockStep

_BLOCK = 1 << 20
"""Compressed bytes read from a segment at a time (more when one frame is larger)."""
_BATCH = 4 << 20
"""Decompressed bytes per batch (larger batches cost page faults, smaller ones hand-overs)."""
_FIRST_BATCH = 256 << 10
"""A kind's first batch is small: every kind's first lines are needed before the merge can start."""
THREAD_MIN = 2 << 20
"""Reads of fewer compressed bytes than this run without the helper thread."""
_STREAMED_FRAME = 64 << 20
"""Frames holding more than this (or of unknown content size) are decompressed as a stream."""
_HEAD_RE = re.compile(rb'\{"v":\d+,"seq":(\d+)[,}]')

Line = bytes | memoryview
Envelope = dict[str, Any]


def _frames(fh: BinaryIO, path: Path, sealed: bool) -> Iterator[memoryview]:
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


@dataclass
class _Job:
    """Frames of one segment to decompress together."""

    sealed: bool
    frames: list[memoryview] = field(default_factory=list)
    size: int = 0
    streamed: bool = False
    blob: bytes = b""
    segments: bytes = b""

    def seal(self) -> _Job:
        """Prepare the inputs of `multi_decompress_to_buffer` (in the consumer's thread)."""
        if self.sealed and not self.streamed:
            self.blob = b"".join(self.frames)
            spans = array("Q")
            offset = 0
            for frame in self.frames:
                spans.extend((offset, len(frame)))
                offset += len(frame)
            self.segments = spans.tobytes()
        return self

    @property
    def threaded(self) -> bool:
        """Whether the helper thread decodes it (sealed batches; open segments are small)."""
        return self.sealed and not self.streamed


class _Source:
    """One kind's segments in seq order, cut into jobs."""

    def __init__(self, files: list[tuple[Path, bool]]) -> None:
        self._files = iter(files)
        self._frames: Iterator[memoryview] | None = None
        self._fh: BinaryIO | None = None
        self._sealed = True
        self._held: memoryview | None = None
        self._limit = _FIRST_BATCH

    def _next_frame(self) -> memoryview | None:
        """Return the next frame of the current file, None at its end."""
        if self._held is not None:
            frame, self._held = self._held, None
            return frame
        assert self._frames is not None
        return next(self._frames, None)

    def _open_next(self) -> bool:
        self.close()
        item = next(self._files, None)
        if item is None:
            return False
        path, sealed = item
        self._sealed = sealed
        self._fh = path.open("rb")
        self._frames = _frames(self._fh, path, sealed)
        return True

    def next_job(self) -> _Job | None:
        """Return the next batch of frames (never across files), None when all are read."""
        while True:
            if self._frames is None and not self._open_next():
                return None
            job = _Job(sealed=self._sealed)
            limit, self._limit = self._limit, _BATCH
            while job.size < limit:
                frame = self._next_frame()
                if frame is None:
                    self._frames = None
                    break
                size = zstandard.frame_content_size(frame[:18])
                if self._sealed and not 0 <= size <= _STREAMED_FRAME:
                    if job.frames:
                        self._held = frame
                    else:
                        job.frames.append(frame)
                        job.streamed = True
                    break
                job.frames.append(frame)
                job.size += max(size, len(frame))
            if job.frames:
                return job.seal()

    def skip_file(self) -> None:
        """Stop reading the current file (an open segment's torn tail)."""
        self._frames = None
        self._held = None

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _decode(dctx: zstandard.ZstdDecompressor, job: _Job) -> tuple[list[Line], bool]:
    """Decompress a job into its lines; the flag says an open segment ends here (torn tail)."""
    if job.threaded:
        result = dctx.multi_decompress_to_buffer(
            zstandard.BufferWithSegments(job.blob, job.segments)
        )
        return [memoryview(result[i]) for i in range(len(result))], False  # type: ignore[arg-type]
    if job.streamed:
        return list(_streamed_lines(dctx, job.frames[0])), False
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


def _streamed_lines(dctx: zstandard.ZstdDecompressor, frame: memoryview) -> Iterator[bytes]:
    """Decompress a very large (or unsized) frame as a stream, yielding its lines."""
    reader = dctx.stream_reader(frame, read_across_frames=False)
    yield from text_lines(reader, _BLOCK)


class _Runner:
    """Decodes jobs: sealed batches in a lock-step helper thread when the read is large enough,
    everything else in the caller's thread."""

    def __init__(self, threaded: bool) -> None:
        self._dctx = zstandard.ZstdDecompressor()
        self._job: _Job | None = None
        self._helper: LockStep[_Job, tuple[list[Line], bool]] | None = None
        if threaded:
            helper_dctx = zstandard.ZstdDecompressor()
            self._helper = LockStep(lambda job: _decode(helper_dctx, job), "ghmc-archive-read")

    def submit(self, job: _Job) -> None:
        if self._helper is not None and job.threaded:
            self._helper.submit(job)
        else:
            self._job = job

    def result(self) -> tuple[list[Line], bool]:
        if self._helper is not None and self._helper.busy:
            return self._helper.result()
        job, self._job = self._job, None
        assert job is not None
        return _decode(self._dctx, job)

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

    def __init__(self, streams: list[list[tuple[Path, bool]]], compressed_bytes: int) -> None:
        self.sources = [_Source(files) for files in streams]
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

    def close(self) -> None:
        self.runner.close()
        for source in self.sources:
            source.close()


def read_envelopes(
    streams: list[list[tuple[Path, bool]]], compressed_bytes: int
) -> Iterator[Envelope]:
    """Yield the envelopes of per-kind segment lists (each in seq order) in global seq order.

    Sealed segments must decompress completely (zstandard.ZstdError otherwise); an open segment
    yields its complete frames and stops where recovery would cut a torn tail.
    """
    if not streams:
        return
    reader = _Reader(streams, compressed_bytes)
    try:
        yield from reader.envelopes()
    finally:
        reader.close()
