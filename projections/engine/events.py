"""What projections read of an archived event, and a light record of it built straight from JSON.

`Fetched` is the read-only view every collector takes: `archive.Event` satisfies it, and so does
`Envelope`, a named tuple the archive source builds from the decoded envelope dict in one C-level
call (`fetched`) instead of `Event.from_dict`'s field-by-field checks; over a full rebuild that
was ~0.3 s of ~4 s (bench/RESULTS.md). An envelope of another version goes through
`Event.from_dict`, where upcasting lives. Scope, request, response and refs may be None here (as
absent keys of an envelope are), so collectors treat them as optional.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple, Protocol

from archive.envelope import ENVELOPE_VERSION, Event

JSONObject = dict[str, Any]


class Fetched(Protocol):
    """The fields of an archived event that projections read (design §3)."""

    @property
    def seq(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def run_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def fetched_at(self) -> str: ...
    @property
    def enterprise_id(self) -> str | None: ...
    @property
    def org(self) -> str | None: ...
    @property
    def repo(self) -> str | None: ...
    @property
    def request(self) -> JSONObject | None: ...
    @property
    def response(self) -> JSONObject | None: ...
    @property
    def body_sha256(self) -> str | None: ...
    @property
    def body(self) -> str | None: ...
    @property
    def body_encoding(self) -> str | None: ...
    @property
    def refs(self) -> JSONObject | None: ...
    @property
    def error(self) -> JSONObject | None: ...


class Envelope(NamedTuple):
    """An envelope of the current version as decoded, fields in `archive.Event`'s order."""

    seq: int
    event_id: str
    run_id: str
    kind: str
    fetched_at: str
    enterprise_id: str | None
    org: str | None
    repo: str | None
    request: JSONObject | None
    response: JSONObject | None
    body_sha256: str | None
    body_size: int | None
    body: str | None
    body_encoding: str | None
    refs: JSONObject | None
    error: JSONObject | None
    v: int


FIELDS = Envelope._fields
PICK = operator.itemgetter(*FIELDS)
"""Every field of an envelope dict in one C call (KeyError when one is absent)."""


def fetched(env: JSONObject) -> Fetched:
    """The event of a decoded envelope line: an `Envelope`, or (another version) an `Event`.

    `tuple.__new__` over the fields, not `Envelope._make`: the same tuple without a Python-level
    call. The writer stores every field, so `PICK` takes them at once; an envelope missing some
    falls back to `map(env.get, …)` (absent = None)."""
    if env.get("v") != ENVELOPE_VERSION:
        return Event.from_dict(env)
    try:
        return tuple.__new__(Envelope, PICK(env))
    except KeyError:
        return tuple.__new__(Envelope, map(env.get, FIELDS))
