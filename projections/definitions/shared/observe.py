"""Latest fetch wins: turning a stream of fetches into the latest known state of each thing.

Definition (design §5, contract): when the same thing was fetched several times, the fetch with the
greatest (fetched_at, seq) wins. A 304 event re-confirms, at its own (fetched_at, seq), the body of
the event named by `refs.not_modified_of`. Entities (a PR, a review, a deployment…) are keyed by
their GitHub identity, so an item seen on several list pages or in list and detail answers resolves
to its latest observation, whichever page held it.

To re-confirm without keeping every body, the latest 200 of each request URL keeps its extracted
records (a conditional GET always names the ETag of the latest body of its URL); 304s are resolved
after the stream ends, so the delivery order of events cannot change the result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson

from projections.engine.events import Fetched

Order = tuple[str, int]
"""(fetched_at, seq): the total order in which fetches supersede each other."""

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


def order_of(ev: Fetched) -> Order:
    """The (fetched_at, seq) of an event."""
    return (ev.fetched_at, ev.seq)


def status_of(ev: Fetched) -> int:
    """HTTP status of the recorded response (0 when the request failed)."""
    status = ev.response.get("status") if ev.response else None
    return int(status) if isinstance(status, int) else 0


def json_body(ev: Fetched) -> Any:
    """Decode the event's JSON body; None for no body or undecodable bytes."""
    if ev.body is None or ev.body_encoding == "base64":
        return None
    try:
        return orjson.loads(ev.body)
    except orjson.JSONDecodeError:
        return None


@dataclass(slots=True)
class Latest(Generic[K, R]):
    """key → the record of its latest observation."""

    items: dict[K, tuple[Order, R]] = field(default_factory=dict)

    def offer(self, key: K, order: Order, record: R) -> None:
        """Keep `record` for `key` unless a later observation is already held."""
        cur = self.items.get(key)
        if cur is None or order > cur[0]:
            self.items[key] = (order, record)

    def values(self) -> list[R]:
        """The winning records, sorted by key for deterministic downstream order."""
        return [self.items[k][1] for k in sorted(self.items, key=repr)]

    def get(self, key: K) -> R | None:
        """The winning record of `key`, or None."""
        cur = self.items.get(key)
        return None if cur is None else cur[1]


Extractor = Callable[[Fetched, Any], list[tuple[Hashable, Any]]]
"""Turns (event, decoded body) into (entity key, record) pairs."""
Sink = Callable[[Hashable, Order, Any, str], None]
"""Receives each (key, order, record, id of the event holding the body) observation."""


@dataclass(slots=True)
class Observer:
    """Feeds observations (including 304 re-confirmations) of one family of kinds into a sink.

    With `into` (a `Latest.items` map) the observations go straight into that map, latest wins,
    and `sink` is not called: one Python call less per extracted record (the hot path of a
    rebuild, where most records need nothing but latest-wins)."""

    extract: Extractor
    sink: Sink
    by_url: dict[str, tuple[Order, str, list[tuple[Hashable, Any]]]] = field(default_factory=dict)
    pending: list[tuple[Order, str]] = field(default_factory=list)
    into: dict[Any, tuple[Order, Any]] | None = None

    def add(self, ev: Fetched) -> None:
        """Observe one event: a 200 body, a 304 re-confirmation, or nothing (errors, 204, 404).

        `status_of`, `json_body` and `order_of` are inlined: this runs once per event."""
        response = ev.response
        status = response.get("status") if response else None
        if not isinstance(status, int):
            return
        if status == 304:
            self._not_modified(ev)
            return
        if status != 200 or ev.error is not None:
            return
        text = ev.body
        if text is None or ev.body_encoding == "base64":
            return
        try:
            body = orjson.loads(text)
        except orjson.JSONDecodeError:
            return
        if body is None:
            return
        pairs = self.extract(ev, body)
        order = (ev.fetched_at, ev.seq)
        into = self.into
        if into is not None:
            get = into.get
            for key, record in pairs:
                cur = get(key)
                if cur is None or order > cur[0]:
                    into[key] = (order, record)
        else:
            sink, event_id = self.sink, ev.event_id
            for key, record in pairs:
                sink(key, order, record, event_id)
        url = str(ev.request.get("url", "")) if ev.request else ""
        held = self.by_url.get(url)
        if held is None or order > held[0]:
            self.by_url[url] = (order, ev.event_id, pairs)

    def _not_modified(self, ev: Fetched) -> None:
        """A 304 re-confirms the body of the event it names; resolved in `finish`."""
        target = ev.refs.get("not_modified_of") if ev.refs else None
        if isinstance(target, str):
            self.pending.append(((ev.fetched_at, ev.seq), target))

    def finish(self) -> None:
        """Apply 304 re-confirmations of the latest body of each URL, then let go of the sink.

        The sink is usually a bound method of the collector that owns this observer: dropping it
        breaks that reference cycle, so the collector's state is freed by reference counting as
        soon as it is done with (a rebuild runs with the cyclic collector paused)."""
        pending = self.pending
        targets = (
            {event_id: pairs for _, event_id, pairs in self.by_url.values()} if pending else {}
        )
        into = self.into
        # Latest-wins into a map does not depend on the order; a sink gets them in order.
        for order, target in pending if into is not None else sorted(pending):
            for key, record in targets.get(target, ()):
                if into is None:
                    self.sink(key, order, record, target)
                    continue
                cur = into.get(key)
                if cur is None or order > cur[0]:
                    into[key] = (order, record)
        self.pending.clear()
        self.by_url.clear()
        self.sink = _finished


def _finished(_key: Hashable, _order: Order, _record: Any, _event_id: str) -> None:
    """The sink of a finished observer: nothing more arrives."""


@dataclass(slots=True)
class Versioned(Generic[K, R]):
    """Latest record per key, plus the earliest event that carried that exact record.

    The source of a row is the first fetch that delivered its winning content, so re-archiving an
    unchanged response (a rerun, a 304) never changes a row, its source included.
    """

    latest: dict[K, tuple[Order, R]] = field(default_factory=dict)
    first: dict[tuple[K, R], tuple[Order, str]] = field(default_factory=dict)

    def offer(self, key: K, order: Order, record: R, event_id: str) -> None:
        """Observe `record` for `key` at `order`, delivered by `event_id`."""
        cur = self.latest.get(key)
        if cur is None or order > cur[0]:
            self.latest[key] = (order, record)
        seen = self.first.get((key, record))
        if seen is None or order < seen[0]:
            self.first[(key, record)] = (order, event_id)

    def winners(self) -> list[tuple[K, R, str]]:
        """(key, winning record, source event id), sorted by key."""
        out = []
        for key in sorted(self.latest, key=repr):
            record = self.latest[key][1]
            out.append((key, record, self.first[(key, record)][1]))
        return out
