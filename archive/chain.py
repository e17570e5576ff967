"""Hash-chained, canonical NDJSON lines: what the manifest and the pruning record share.

Each line is one frozen dataclass dumped by orjson in field order; its `hash` is the sha256 of a
domain tag and the other fields (keys sorted), and its `prev` is the previous line's hash, so an
edited, reordered or dropped line breaks the chain at a line that can be named.
"""

from __future__ import annotations

import hashlib
from dataclasses import fields
from typing import Any, Protocol, TypeVar

import orjson


class ChainedLine(Protocol):
    """A dataclass written as one chained line."""

    @property
    def n(self) -> int: ...
    @property
    def prev(self) -> str: ...
    @property
    def hash(self) -> str: ...
    def to_line(self) -> bytes: ...


T = TypeVar("T", bound=ChainedLine)


def chain_hash(tag: bytes, body: dict[str, Any]) -> str:
    """Return the chain hash of `body`'s fields (everything but `hash`) under the domain `tag`."""
    payload = orjson.dumps(
        {k: v for k, v in body.items() if k != "hash"}, option=orjson.OPT_SORT_KEYS
    )
    return hashlib.sha256(tag + payload).hexdigest()


def parse_chained(cls: type[T], tag: bytes, what: str, line: bytes, *, n: int, prev: str) -> T:
    """Parse line `n` (0-based) as a `cls` chained after `prev`; raise ValueError naming the fault.

    Integer fields are those annotated `int`; every other field must be a string.
    """
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise ValueError("not valid JSON") from None
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    if not isinstance(data, dict) or tuple(data) != names:
        raise ValueError(f"fields differ from a {what}'s")
    for f in fields(cls):  # type: ignore[arg-type]
        want = int if f.type in (int, "int") else str
        if type(data[f.name]) is not want:
            raise ValueError(f"field {f.name!r} has the wrong type")
    item = cls(**data)
    if item.to_line() != line + b"\n":
        raise ValueError("line is not in canonical form (edited by hand?)")
    if item.n != n:
        raise ValueError(f"{what} number is {item.n}, expected {n} (lines reordered or removed?)")
    if item.prev != prev:
        raise ValueError(f"prev does not match the previous {what}'s hash (chain broken)")
    if item.hash != chain_hash(tag, data):
        raise ValueError(f"hash does not match the {what}'s content ({what} edited)")
    return item
