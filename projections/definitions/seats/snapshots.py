"""Copilot seat lists → copilot_seats (one snapshot per UTC day).

Definitions: snapshot_day is the UTC day of the fetch (`fetched_at`; a 304 re-confirms the earlier
page on its own day); within a day the latest fetch of a seat wins; inactive_days = snapshot_day −
UTC date of last_activity_at in whole days (NULL if never active); source_event_id = the earliest
event that carried the winning seat record that day. Seat lists: GitHub REST "List all Copilot seat
assignments" (`seats[]`), org and enterprise forms.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, NamedTuple, cast

from archive import kinds
from projections.definitions.shared.observe import Observer, Order, Versioned
from projections.definitions.shared.timeutil import days_between, norm_ts, utc_day
from projections.engine.events import Fetched

KINDS = frozenset({kinds.COPILOT_SEATS, kinds.COPILOT_SEATS_ENTERPRISE})


class Seat(NamedTuple):
    """The fields of one seat assignment kept by copilot_seats."""

    user_id: int | None
    plan_type: str | None
    assigning_team: str | None
    created_at: str | None
    last_activity_at: str | None
    last_activity_editor: str | None
    last_authenticated_at: str | None
    pending_cancellation_date: str | None


def _seat(item: dict[str, Any]) -> tuple[str, Seat] | None:
    assignee = item.get("assignee") if isinstance(item.get("assignee"), dict) else None
    if assignee is None or not assignee.get("login"):
        return None
    team = item.get("assigning_team")
    uid = assignee.get("id")
    return str(assignee["login"]), Seat(
        uid if isinstance(uid, int) else None,
        item.get("plan_type"),
        str(team.get("slug") or team.get("name") or "") if isinstance(team, dict) else None,
        norm_ts(item.get("created_at")),
        norm_ts(item.get("last_activity_at")),
        item.get("last_activity_editor"),
        norm_ts(item.get("last_authenticated_at")),
        item.get("pending_cancellation_date"),
    )


def extract(ev: Fetched, body: Any) -> list[tuple[Hashable, Any]]:
    """(enterprise, org, login) → Seat for every seat on a page."""
    seats = body.get("seats") if isinstance(body, dict) else None
    out: list[tuple[Hashable, Any]] = []
    for item in seats or []:
        parsed = _seat(item) if isinstance(item, dict) else None
        if parsed is None:
            continue
        org_obj = item.get("organization")
        org = org_obj.get("login") if isinstance(org_obj, dict) else None
        out.append(((ev.enterprise_id or "", str(org or ev.org or ""), parsed[0]), parsed[1]))
    return out


class SeatsCollector:
    """Daily seat snapshots."""

    kinds = KINDS

    def __init__(self) -> None:
        self.seats: Versioned[tuple[str, str, str, str], Seat] = Versioned()
        self.observer = Observer(extract, self._sink)

    def _sink(self, key: Hashable, order: Order, record: Any, event_id: str) -> None:
        ent, org, login = cast("tuple[str, str, str]", key)
        self.seats.offer((ent, order[0][:10], org, login), order, record, event_id)

    def add(self, ev: Fetched) -> None:
        """Observe one seats page."""
        self.observer.add(ev)

    def rows(self) -> list[tuple[object, ...]]:
        """copilot_seats rows."""
        self.observer.finish()
        out: list[tuple[object, ...]] = []
        for (ent, day, org, login), s, source in self.seats.winners():
            active = utc_day(s.last_activity_at)
            inactive = None if active is None else days_between(active, day)
            out.append(
                (
                    ent,
                    day,
                    org,
                    login,
                    s.user_id,
                    s.plan_type,
                    s.assigning_team,
                    s.created_at,
                    s.last_activity_at,
                    s.last_activity_editor,
                    s.last_authenticated_at,
                    s.pending_cancellation_date,
                    inactive,
                    source,
                )
            )
        return out
