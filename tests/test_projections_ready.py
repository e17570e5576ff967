"""velocity ready_at: a draft is ready at its `ready_for_review` issue event (design §5 stages)."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

from archive import kinds
from testkit import fakes
from testkit.fakes import LogBuilder, issue_event_body
from tests.projections_support import build, dump
from tests.test_projections_definitions import OWNER, REPO, add_pull, h, table

EVENTS_PATH = "/repos/{owner}/{repo}/issues/events"


def add_events(log: LogBuilder, fetch: float, events: list[tuple[int, str, float, int]]) -> None:
    """Archive one page of issue events (id, event, hours, PR number) fetched at `fetch` hours."""
    body = [issue_event_body(i, ev, h(at), n) for i, ev, at, n in events]
    body.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)
    log.add(
        kinds.REPO_ISSUE_EVENTS,
        h(fetch),
        body,
        org=OWNER,
        repo=REPO,
        path=EVENTS_PATH,
        params={"owner": OWNER, "repo": "shop"},
        query={"per_page": "100"},
    )


def _stages(row: dict[str, object]) -> tuple[object, ...]:
    return row["ready_at"], row["coding_minutes"], row["pickup_minutes"]


def test_draft_is_ready_at_its_ready_for_review_event(tmp_path: Path) -> None:
    """A draft only ever fetched once ready is ready at the event, not at creation or the fetch;
    coding ends and pickup starts there."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=8, commits=[-1], reviews=[("bob", "User", 3)], ready=2)
    add_events(log, 9, [(10, "ready_for_review", 2, 1)])
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert _stages(pr) == ("2026-03-02T11:00:00Z", 180.0, 60.0)


def test_event_wins_over_the_fetch_that_first_saw_it_ready(tmp_path: Path) -> None:
    """Seen as a draft, then ready at a later fetch: the event's time, not the fetch's, counts."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=5, fetch=1)
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=5, fetch=30)
    add_events(log, 30, [(10, "ready_for_review", 5, 1)])
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["ready_at"] == "2026-03-02T14:00:00Z"


def test_readied_again_after_convert_to_draft_is_ready_at_the_second_ready(
    tmp_path: Path,
) -> None:
    """Ready, converted back to draft, ready again: the first ready after the last conversion."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=1)
    add_events(
        log,
        9,
        [
            (10, "ready_for_review", 1, 1),
            (11, "convert_to_draft", 2, 1),
            (12, "ready_for_review", 4, 1),
            (13, "convert_to_draft", 5, 1),
            (14, "ready_for_review", 6, 1),
            (15, "ready_for_review", 7, 1),  # a duplicate ready: the first one after counts
        ],
    )
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["ready_at"] == "2026-03-02T15:00:00Z"


def test_converted_to_draft_and_not_readied_is_not_ready(tmp_path: Path) -> None:
    """A PR whose last draft event is a conversion, still a draft when fetched, has no ready_at."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=50, fetch=9)
    add_events(log, 9, [(10, "ready_for_review", 1, 1), (11, "convert_to_draft", 2, 1)])
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert (pr["ready_at"], pr["coding_minutes"]) == (None, None)


def test_same_second_events_are_ordered_by_id(tmp_path: Path) -> None:
    """A ready and a conversion in the same second: the larger id is the later event."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=1)
    add_events(
        log,
        9,
        [
            (11, "convert_to_draft", 2, 1),
            (12, "ready_for_review", 2, 1),
            (9, "ready_for_review", 1, 1),
        ],
    )
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["ready_at"] == "2026-03-02T11:00:00Z"


def test_pr_without_events_is_ready_at_creation(tmp_path: Path) -> None:
    """Events of other PRs, issues and other kinds change nothing for a PR never drafted."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=3, commits=[0])
    add_events(
        log, 9, [(10, "ready_for_review", 2, 2), (11, "labeled", 1, 1), (12, "closed", 3, 1)]
    )
    log.add(
        kinds.REPO_ISSUE_EVENTS,
        h(9.5),
        [{**issue_event_body(13, "ready_for_review", h(2), 1), "issue": {"number": 1}}],
        org=OWNER,
        repo=REPO,
        path=EVENTS_PATH,
        params={"owner": OWNER, "repo": "shop"},
        query={"page": "2"},
    )  # an issue (no `pull_request`) sharing the PR's number is not the PR
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["ready_at"] == "2026-03-02T09:00:00Z"


def test_events_split_over_pages_and_refetches_give_the_same_rows(tmp_path: Path) -> None:
    """The same events on one page, or on two pages fetched in either order, give equal rows."""
    events = [
        (10, "ready_for_review", 1, 1),
        (11, "convert_to_draft", 2, 1),
        (12, "ready_for_review", 3, 1),
    ]
    dumps = []
    for split in ([events], [events[:1], events[1:]], [events[1:], events[:1]]):
        log = LogBuilder()
        add_pull(log, 1, created=0, merged=None, commits=[0], ready=1)
        for i, page in enumerate(split):
            add_events(log, 9 + i, page)
        db = tmp_path / f"{len(dumps)}" / "metrics.db"
        db.parent.mkdir()
        build(log.events, db)
        dumps.append(dump(db)["velocity_pull_requests"])
    assert dumps[0] == dumps[1] == dumps[2]


def test_scenario_drafts_take_their_event_times(tmp_path: Path) -> None:
    """In the fake scenario every readied draft's ready_at is its last `ready_for_review` event
    (a PR converted back and readied again is ready at the second ready)."""
    world_events = fakes.scenario(random.Random(5), days=4)
    db = tmp_path / "metrics.db"
    build(world_events, db)
    rows = dump(db)["velocity_pull_requests"]
    ready = {(r[1], r[2]): r[7] for r in rows}
    seen = 0
    for ev in world_events:
        if ev.kind != kinds.REPO_ISSUE_EVENTS or ev.response.get("status") != 200:
            continue
        for item in orjson.loads(ev.body_bytes() or b"[]"):
            if item["id"] % 100 == (2 if item["issue"]["number"] % 5 == 0 else 0):
                key = (ev.repo, item["issue"]["number"])
                if key in ready:
                    assert ready[key] == item["created_at"], key
                    seen += 1
    assert seen
