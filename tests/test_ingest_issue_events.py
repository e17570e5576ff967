"""Issue events: walked newest first down to the watermark, part of the `pulls` family."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from test_ingest_fakes import TOKEN, FakeGitHub, paged
from test_ingest_run import make_config

import config as config_mod
from archive import kinds, read_events
from ingest import run_ingest
from ingest.plan import load_index
from testkit.clocks import VirtualClock

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC).timestamp()
EVENTS_PATH = "/repos/web/app/issues/events"


def _iso(clock: VirtualClock, days_ago: float) -> str:
    t = datetime.fromtimestamp(clock() - days_ago * 86400, UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Events:
    """A repository whose issue events can grow; every other pulls route answers empty."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.items: list[dict[str, Any]] = []
        self.next_id = 1000
        for days_ago in (20, 6, 5, 4, 3, 2):  # 20 days ago: before the 7-day history
            self.add(days_ago)

    def add(self, days_ago: float, event: str = "ready_for_review") -> None:
        """Add an event (ids grow with time, like GitHub's)."""
        self.next_id += 1
        self.items.append(
            {
                "id": self.next_id,
                "event": event,
                "created_at": _iso(self.clock, days_ago),
                "issue": {"number": 7, "pull_request": {"url": "u"}},
            }
        )
        self.items.sort(key=lambda e: (e["created_at"], e["id"]), reverse=True)

    def install(self, fake: FakeGitHub) -> None:
        r = fake.route_re
        r(
            r"/orgs/web/repos",
            lambda p, q, h: paged([{"name": "app", "full_name": "web/app"}], 30, p, q),
        )
        r(r"/repos/web/app/pulls", lambda p, q, h: paged([], 100, p, q))
        r(EVENTS_PATH, lambda p, q, h: paged(self.items, 100, p, q))


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setenv("GHMC_TEST_TOKEN", TOKEN)
    clock = VirtualClock(START)
    fake = FakeGitHub(clock)
    events = Events(clock)
    events.install(fake)
    return make_config(tmp_path), clock, fake, events


def _ingest(cfg: config_mod.Config, clock: VirtualClock, fake: FakeGitHub) -> Any:
    return run_ingest(
        cfg, families=["pulls"], clock=clock, sleep=clock.sleep, session_factory=fake.session
    )


def _event_requests(fake: FakeGitHub) -> list[tuple[str, int]]:
    return [(s.url, s.status) for s in fake.seen if EVENTS_PATH in s.url]


def test_first_run_collects_and_sets_the_watermark(setup: tuple[Any, ...]) -> None:
    """A first run archives the page that reaches the history cutoff, marks the walk complete,
    and the watermark becomes the newest event's created_at."""
    cfg, clock, fake, events = setup
    assert _ingest(cfg, clock, fake).status == "ok"
    stored = [e for e in read_events(cfg.raw_dir) if e.kind == kinds.REPO_ISSUE_EVENTS]
    assert [e.response["status"] for e in stored] == [200]
    assert stored[0].refs.get("walk_complete")
    assert stored[0].repo == "web/app"
    index = load_index(cfg.raw_dir, "acme")
    assert index.watermark(kinds.REPO_ISSUE_EVENTS, "web/app") == events.items[0]["created_at"]


def test_walk_stops_at_the_first_page_reaching_the_cutoff(
    setup: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small pages: the walk follows Link rel=next only until a page holds an old event."""
    cfg, clock, fake, events = setup
    monkeypatch.setattr("ingest.collectors.issue_events.PER_PAGE", "2")
    for days_ago in (30, 40, 50, 60):  # old pages that must never be read
        events.add(days_ago)
    assert _ingest(cfg, clock, fake).status == "ok"
    pages = _event_requests(fake)
    # 10 events, 2 per page: pages 1-3 hold the 6 recent ones with the 20-day-old one on page 3.
    assert len(pages) == 3, pages
    assert all(status == 200 for _url, status in pages)


def test_next_run_is_a_304_when_nothing_changed(setup: tuple[Any, ...]) -> None:
    """An unchanged first page is answered 304 from the stored ETag; the walk stops there."""
    cfg, clock, fake, _events = setup
    _ingest(cfg, clock, fake)
    fake.seen.clear()
    clock.sleep(3600)
    assert _ingest(cfg, clock, fake).status == "ok"
    pages = _event_requests(fake)
    assert [status for _url, status in pages] == [304]
    assert any("if-none-match" in s.headers for s in fake.seen if EVENTS_PATH in s.url)


def test_new_events_advance_the_watermark(setup: tuple[Any, ...]) -> None:
    """A new event changes the first page: it is fetched (200), and the watermark moves to it."""
    cfg, clock, fake, events = setup
    _ingest(cfg, clock, fake)
    clock.sleep(3600)
    events.add(0, "convert_to_draft")
    fake.seen.clear()
    assert _ingest(cfg, clock, fake).status == "ok"
    assert [status for _url, status in _event_requests(fake)] == [200]
    index = load_index(cfg.raw_dir, "acme")
    assert index.watermark(kinds.REPO_ISSUE_EVENTS, "web/app") == events.items[0]["created_at"]
    assert events.items[0]["event"] == "convert_to_draft"


def test_other_families_do_not_fetch_issue_events(setup: tuple[Any, ...]) -> None:
    """`--only releases` leaves issue events alone: they belong to the `pulls` family."""
    cfg, clock, fake, _events = setup
    run_ingest(
        cfg, families=["releases"], clock=clock, sleep=clock.sleep, session_factory=fake.session
    )
    assert not _event_requests(fake)
