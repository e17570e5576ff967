"""A whole ingest run against a fake GitHub transport: every family, then an incremental run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from test_ingest_fakes import API, TOKEN, Answer, FakeGitHub, paged

import config as config_mod
from archive import kinds, read_events, verify_archive
from ingest import list_runs, run_ingest
from ingest.errors import CollectionFailed, PartialCollection
from testkit.clocks import VirtualClock

START = datetime(2026, 11, 25, 8, 0, tzinfo=UTC).timestamp()


def iso(clock: VirtualClock, days_ago: float) -> str:
    t = datetime.fromtimestamp(clock() - days_ago * 86400, UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class World:
    """A tiny GitHub: one enterprise, one org, one repo, a few of everything."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.pulls = [{"number": n, "updated_at": iso(clock, 10 - n)} for n in range(1, 6)]
        self.deployments = [{"id": 100 + n, "created_at": iso(clock, 5 - n)} for n in range(3)]

    def install(self, fake: FakeGitHub) -> None:
        r = fake.route_re
        r(r"/enterprises/acme/copilot/metrics/reports/[a-z-]+-1-day", self.report)
        r(r"/orgs/web/copilot/metrics/reports/organization-1-day", self.report)
        r(r"/f/.*", lambda p, q, h: Answer(200, raw=b'{"day":"x"}\n'))
        r(r"/enterprises/acme/copilot/billing/seats", self.seats)
        r(r"/orgs/web/copilot/billing/seats", self.seats)
        r(
            r"/enterprises/acme/settings/billing/.*/usage",
            lambda p, q, h: Answer(200, {"usageItems": []}),
        )
        r(
            r"/orgs/web/repos",
            lambda p, q, h: paged(
                [{"name": "app", "full_name": "web/app"}, {"name": "old", "full_name": "web/old"}],
                30,
                p,
                q,
            ),
        )
        r(
            r"/repos/web/app/pulls",
            lambda p, q, h: paged(
                sorted(self.pulls, key=lambda x: x["updated_at"], reverse=True), 2, p, q
            ),
        )
        r(
            r"/repos/web/app/pulls/\d+",
            lambda p, q, h: Answer(200, {"number": int(p.split("/")[-1])}),
        )
        r(r"/repos/web/app/pulls/\d+/(reviews|commits)", lambda p, q, h: Answer(200, []))
        r(
            r"/repos/web/app/commits",
            lambda p, q, h: Answer(
                200, [{"sha": "a", "commit": {"committer": {"date": iso(self.clock, 1)}}}]
            ),
        )
        r(
            r"/repos/web/app/actions/runs",
            lambda p, q, h: Answer(
                200,
                {
                    "total_count": 1,
                    "workflow_runs": [
                        {"id": 9, "created_at": iso(self.clock, 1), "status": "completed"}
                    ],
                },
            ),
        )
        r(
            r"/repos/web/app/deployments",
            lambda p, q, h: paged(
                sorted(self.deployments, key=lambda d: d["created_at"], reverse=True), 100, p, q
            ),
        )
        r(
            r"/repos/web/app/deployments/\d+/statuses",
            lambda p, q, h: Answer(200, [{"state": "success", "created_at": iso(self.clock, 1)}]),
        )
        r(r"/repos/web/app/releases", lambda p, q, h: Answer(200, []))
        r(r"/repos/web/app/issues", lambda p, q, h: Answer(200, []))
        r(r"/repos/web/app/issues/events", lambda p, q, h: Answer(200, []))

    def report(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        day = query["day"]
        if day.endswith("-01"):
            return Answer(204)
        name = path.rsplit("/", 1)[-1]
        links = [f"https://dl.example.test/f/{name}/{day}/{i}?sig=s" for i in range(2)]
        return Answer(200, {"download_links": links, "report_day": day})

    def seats(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        seats = [{"assignee": {"login": f"u{i}"}} for i in range(3)]
        return paged(seats, 2, path, query, wrap=lambda c: {"total_seats": 3, "seats": c})


def make_config(tmp_path: Path, **extra: Any) -> config_mod.Config:
    """A config for the fake GitHub, which speaks REST only (per-item detail over REST)."""
    raw: dict[str, Any] = {
        "ingest": {"detail": "rest"},
        "data_dir": str(tmp_path / "data"),
        "history_days": 7,
        "enterprises": [
            {
                "id": "acme",
                "api_url": API,
                "token_env": "GHMC_TEST_TOKEN",
                "orgs": ["web"],
                "exclude_repos": ["old"],
            }
        ],
        **extra,
    }
    return config_mod.parse(raw, tmp_path, check_env=False)


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    monkeypatch.setenv("GHMC_TEST_TOKEN", TOKEN)
    clock = VirtualClock(START)
    fake = FakeGitHub(clock)
    world = World(clock)
    world.install(fake)
    return make_config(tmp_path), clock, fake, world


def ingest(cfg: config_mod.Config, clock: VirtualClock, fake: FakeGitHub, **kw: Any) -> Any:
    return run_ingest(cfg, clock=clock, sleep=clock.sleep, session_factory=fake.session, **kw)


def by_kind(cfg: config_mod.Config, run_id: str | None = None) -> Counter[str]:
    return Counter(e.kind for e in read_events(cfg.raw_dir) if run_id in (None, e.run_id))


def test_first_run_collects_every_family(setup: tuple[Any, ...]) -> None:
    """A first run stores reports and their files, seats, billing, repos and repo activity."""
    cfg, clock, fake, _world = setup
    result = ingest(cfg, clock, fake)
    assert result.status == "ok", result.lines()
    kinds_seen = by_kind(cfg)
    for kind in (
        kinds.COPILOT_REPORT_USERS_1_DAY,
        kinds.COPILOT_REPORT_FILE,
        kinds.COPILOT_SEATS,
        kinds.BILLING_AI_CREDIT_USAGE,
        kinds.ORG_REPOS,
        kinds.REPO_PULL,
        kinds.REPO_PULL_REVIEWS,
        kinds.REPO_COMMITS,
        kinds.REPO_WORKFLOW_RUNS,
        kinds.REPO_DEPLOYMENT_STATUSES,
        kinds.REPO_RELEASES,
        kinds.REPO_ISSUES,
        kinds.RUN_STARTED,
        kinds.RUN_FINISHED,
    ):
        assert kinds_seen[kind] > 0, kind
    # 7 days, 5 report kinds, 2 files per day (the 204 day, Nov 1, is outside the window)
    assert kinds_seen[kinds.COPILOT_REPORT_USERS_1_DAY] == 7
    assert kinds_seen[kinds.COPILOT_REPORT_FILE] == 5 * 7 * 2
    assert kinds_seen[kinds.REPO_PULL] == 3  # updated within the 7-day history
    assert not any(e.repo == "web/old" for e in read_events(cfg.raw_dir))
    assert verify_archive(cfg.raw_dir).ok


def test_download_host_never_sees_the_token(setup: tuple[Any, ...]) -> None:
    """Report downloads carry no Authorization header; the token is in no stored file."""
    cfg, clock, fake, _world = setup
    ingest(cfg, clock, fake)
    downloads = [s for s in fake.seen if "dl.example.test" in s.url]
    assert downloads and not any("authorization" in s.headers for s in downloads)
    for path in cfg.data_dir.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_second_run_same_day_is_mostly_304(setup: tuple[Any, ...]) -> None:
    """Nothing changed: the rerun sends conditional requests and refetches no report day."""
    cfg, clock, fake, _world = setup
    ingest(cfg, clock, fake)
    clock.now += 3600
    before = len(fake.seen)
    result = ingest(cfg, clock, fake)
    run = result.runs[0]
    assert run.status == "ok"
    assert run.not_modified >= run.charged
    second = fake.seen[before:]
    assert not any("copilot/metrics/reports" in s.url for s in second)
    assert not any("/pulls/" in s.url for s in second)


def test_next_day_fetches_new_pr_and_new_report_day(setup: tuple[Any, ...]) -> None:
    """A day later: one new PR's detail, the new report day and the 3-day re-fetch."""
    cfg, clock, fake, world = setup
    ingest(cfg, clock, fake)
    clock.now += 86400
    world.pulls.append({"number": 6, "updated_at": iso(clock, 0.1)})
    before = len(fake.seen)
    result = ingest(cfg, clock, fake)
    assert result.status == "ok"
    urls = [s.url for s in fake.seen[before:]]
    assert [u for u in urls if "/pulls/" in u and "reviews" not in u and "commits" not in u] == [
        f"{API}/repos/web/app/pulls/6"
    ]
    days = {u.split("day=")[1] for u in urls if "reports/users-1-day?" in u}
    assert days == {"2026-11-25", "2026-11-24", "2026-11-23"}


def test_failed_pr_detail_is_retried_next_run(setup: tuple[Any, ...]) -> None:
    """A PR whose detail failed after retries is fetched by the next run (exit 3, then 0)."""
    cfg, clock, fake, _world = setup
    fake.route_re(r"/repos/web/app/pulls/3", lambda p, q, h: Answer(500, {"message": "boom"}))
    fake.patterns.insert(0, fake.patterns.pop())
    result = ingest(cfg, clock, fake)
    assert result.status == "partial"
    with pytest.raises(PartialCollection):
        result.raise_for_status()
    fake.patterns = [pt for pt in fake.patterns if pt[0].pattern != r"/repos/web/app/pulls/3"]
    clock.now += 60
    before = len(fake.seen)
    result = ingest(cfg, clock, fake)
    assert result.status == "ok"
    assert f"{API}/repos/web/app/pulls/3" in [s.url for s in fake.seen[before:]]


def test_bad_token_fails_fast_with_one_request(setup: tuple[Any, ...]) -> None:
    """A 401 stops the enterprise after one request: status failed, exit 1."""
    cfg, clock, fake, _world = setup
    fake.faults = [Answer(401, {"message": "Bad credentials"})]
    result = ingest(cfg, clock, fake)
    assert len(fake.seen) == 1
    assert result.status == "failed"
    with pytest.raises(CollectionFailed) as info:
        result.raise_for_status()
    assert "token was refused" in str(info.value)
    assert list_runs(cfg.raw_dir)[0].status == "failed"


def test_missing_scope_stops_the_family_not_the_run(setup: tuple[Any, ...]) -> None:
    """A permission 403 on reports gives one message and no retry storm; the rest is collected."""
    cfg, clock, fake, _world = setup
    fake.route_re(
        r"/enterprises/acme/copilot/metrics/reports/[a-z-]+-1-day",
        lambda p, q, h: Answer(
            403,
            {"message": "Must have admin rights"},
            {"x-accepted-oauth-scopes": "read:enterprise", "x-oauth-scopes": "repo"},
        ),
    )
    fake.patterns.insert(0, fake.patterns.pop())
    result = ingest(cfg, clock, fake)
    assert result.status == "partial"
    report_calls = [s for s in fake.seen if "/enterprises/acme/copilot/metrics" in s.url]
    assert len(report_calls) == 1
    errors = result.runs[0].errors
    assert len(errors) == 1 and "read:enterprise" in errors[0]
    assert by_kind(cfg)[kinds.REPO_PULL] == 3


def test_runs_lists_recent_runs(setup: tuple[Any, ...]) -> None:
    """run.started/run.finished pairs come back as RunRecords, newest first."""
    cfg, clock, fake, _world = setup
    ingest(cfg, clock, fake)
    clock.now += 100
    ingest(cfg, clock, fake, families=["seats"])
    runs = list_runs(cfg.raw_dir)
    assert len(runs) == 2 and runs[0].started_at > runs[1].started_at
    assert all(r.status == "ok" for r in runs)
    body = next(e for e in read_events(cfg.raw_dir, kinds={kinds.RUN_FINISHED}))
    data = orjson.loads(body.body_bytes() or b"")
    for key in (
        "requests",
        "not_modified",
        "charged",
        "events",
        "bytes_received",
        "bytes_stored",
        "rate_limit_remaining_min",
        "errors",
        "warnings",
        "status",
    ):
        assert key in data


def test_workflow_windows_split_under_the_result_cap(setup: tuple[Any, ...]) -> None:
    """A window reporting more than 1,000 runs is split until each part is under the cap."""
    cfg, clock, fake, _world = setup

    def runs(path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        created = query["created"]
        total = 1500 if created.startswith(">=") else 400
        return Answer(200, {"total_count": total, "workflow_runs": []})

    fake.route_re(r"/repos/web/app/actions/runs", runs)
    fake.patterns.insert(0, fake.patterns.pop())
    ingest(cfg, clock, fake, families=["workflow_runs"])
    windows = [
        s.url.split("created=")[1].split("&")[0] for s in fake.seen if "actions/runs" in s.url
    ]
    assert windows[0].startswith("%3E%3D")
    assert len(windows) == 3 and all(".." in w for w in windows[1:])
    finished = [
        e
        for e in read_events(cfg.raw_dir, kinds={kinds.REPO_WORKFLOW_RUNS})
        if e.refs.get("walk_complete")
    ]
    assert len(finished) == 1 and "..2026-11-25" in finished[0].request["url"]


def test_unfinished_workflow_runs_are_reread(setup: tuple[Any, ...]) -> None:
    """A run still in progress at the last collection pulls the next window back to its day."""
    cfg, clock, fake, _world = setup
    state = {"status": "in_progress"}

    def runs(path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        items = [
            {"id": 1, "created_at": iso(clock, 5), "status": state["status"]},
            {"id": 2, "created_at": iso(clock, 0.5), "status": "completed"},
        ]
        return Answer(200, {"total_count": 2, "workflow_runs": items})

    fake.route_re(r"/repos/web/app/actions/runs", runs)
    fake.patterns.insert(0, fake.patterns.pop())
    ingest(cfg, clock, fake, families=["workflow_runs"])
    clock.now += 86400
    ingest(cfg, clock, fake, families=["workflow_runs"])
    second = [s.url for s in fake.seen if "actions/runs" in s.url][-1]
    assert "2026-11-20" in second  # five days before the first run: the unfinished run's day
    state["status"] = "completed"
    clock.now += 86400
    ingest(cfg, clock, fake, families=["workflow_runs"])
    clock.now += 86400
    ingest(cfg, clock, fake, families=["workflow_runs"])
    last = [s.url for s in fake.seen if "actions/runs" in s.url][-1]
    # back to the Monday of the watermark's week once everything completed (2026-11-26 → 23)
    assert "created=%3E%3D2026-11-23" in last or "created=>=2026-11-23" in last


def test_workflow_runs_url_stays_put_within_a_week(setup: tuple[Any, ...]) -> None:
    """After a day with a new run, a day without one asks the same URL (the window starts on the
    watermark's Monday, not its day), so GitHub answers a free 304 to the ETag ghmc sends."""
    cfg, clock, fake, _world = setup
    items = [{"id": 7, "created_at": iso(clock, 0.5), "status": "completed"}]

    def runs(path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        return Answer(200, {"total_count": len(items), "workflow_runs": list(reversed(items))})

    fake.route_re(r"/repos/web/app/actions/runs", runs)
    fake.patterns.insert(0, fake.patterns.pop())
    urls: list[str] = []
    statuses: list[int] = []
    for day in range(3):
        if day == 1:  # a run created overnight: the watermark moves to this day
            items.append({"id": 8, "created_at": iso(clock, 0.2), "status": "completed"})
        ingest(cfg, clock, fake, families=["workflow_runs"])
        seen = [s for s in fake.seen if "actions/runs" in s.url][-1]
        urls.append(seen.url)
        statuses.append(seen.status)
        clock.now += 86400
    monday = datetime.fromisoformat(items[0]["created_at"][:10]).date()
    monday -= timedelta(days=monday.weekday())
    assert monday.isoformat() in urls[1]
    assert urls[2] == urls[1]
    assert statuses[1:] == [200, 304]
