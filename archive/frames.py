"""zstd frame boundaries, found from the frame headers without decompressing.

An open segment is a run of zstd frames, one per event. After a crash its last frame may be torn;
walking the frame and block headers tells exactly where each complete frame ends
(RFC 8878 §3.1.1), so recovery keeps every complete event and cuts off only the torn tail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

MAGIC = b"\x28\xb5\x2f\xfd"
_BLOCK_RESERVED = 3
_BLOCK_RLE = 1


class NotAFrame(ValueError):  # noqa: N818 - a parse outcome
    """The bytes at this position do not start a zstd frame."""


def _header_length(buf: bytes, pos: int) -> tuple[int, bool] | None:
    """Return (header length, has checksum) of the frame at `pos`, None when the header is cut."""
    if len(buf) - pos < 5:
        if MAGIC.startswith(buf[pos : pos + 4]):
            return None
        raise NotAFrame(pos)
    if buf[pos : pos + 4] != MAGIC:
        raise NotAFrame(pos)
    fhd = buf[pos + 4]
    fcs_flag, single, checksum, dict_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
    if (fhd >> 3) & 1:  # reserved bit must be zero
        raise NotAFrame(pos)
    fcs_size = (1 if single else 0) if fcs_flag == 0 else (2, 4, 8)[fcs_flag - 1]
    length = 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag] + fcs_size
    return length, bool(checksum)


def frame_end(buf: bytes, pos: int) -> int | None:
    """Return the offset just past the frame starting at `pos`, or None if it runs past the end.

    Raises NotAFrame when the bytes at `pos` (or a block inside) are not a valid zstd frame.
    """
    header = _header_length(buf, pos)
    if header is None:
        return None
    length, checksum = header
    cur = pos + length
    while True:
        if cur + 3 > len(buf):
            return None
        block = int.from_bytes(buf[cur : cur + 3], "little")
        last, btype, size = block & 1, (block >> 1) & 3, block >> 3
        if btype == _BLOCK_RESERVED:
            raise NotAFrame(pos)
        cur += 3 + (1 if btype == _BLOCK_RLE else size)
        if last:
            break
    cur += 4 if checksum else 0
    return cur if cur <= len(buf) else None


def split_frames(buf: bytes) -> tuple[list[tuple[int, int]], int]:
    """Return the (start, end) of every complete frame and the offset where they stop."""
    frames: list[tuple[int, int]] = []
    pos = 0
    while pos < len(buf):
        try:
            end = frame_end(buf, pos)
        except NotAFrame:
            break
        if end is None:
            break
        frames.append((pos, end))
        pos = end
    return frames, pos


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def text_lines(reader: _Readable, chunk: int) -> Iterator[bytes]:
    """Yield the newline-separated lines of a decompressing stream, read `chunk` bytes at a time."""
    rest = b""
    while data := reader.read(chunk):
        lines = (rest + data).split(b"\n")
        rest = lines.pop()
        yield from lines
    if rest:
        yield rest
