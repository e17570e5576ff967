"""Ingest end to end against the simulator (sim/), in-process and through `cli.py ingest`."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

import config as config_mod
from archive import RunLock, kinds, read_events, verify_archive
from ingest import list_runs, run_ingest
from projections.definitions.activity.graphql import deployment_records, pull_request_records
from sim import FaultConfig, SimConfig, Simulator
from testkit.clocks import VirtualClock
from testkit.simconfig import write_sim_config

ROOT = Path(__file__).resolve().parent.parent
SIM_DAY = date(2026, 11, 25)


def day_start(day: date) -> float:
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC).timestamp()


def start_sim(clock: Any = time.time, today: date = SIM_DAY, **kw: Any) -> Simulator:
    sim = Simulator(SimConfig(seed=1, today=today, scale="small", clock=clock, **kw))
    sim.start()
    return sim


def write_config(
    sim: Simulator,
    tmp_path: Path,
    *,
    history_days: int = 10,
    tokens: dict[str, str] | None = None,
    detail: str = "rest",
) -> tuple[config_mod.Config, Path, dict[str, str]]:
    """Write config.toml for every simulated enterprise; return it, its path and the env."""
    path, env = write_sim_config(
        sim,
        tmp_path,
        env_prefix="GHMC_SIMTEST_TOKEN_",
        history_days=history_days,
        data_dir=tmp_path / "data",
        tokens=tokens,
        extra=f'\n[ingest]\ndetail = "{detail}"\n',
    )
    os.environ.update(env)
    return config_mod.load(path), path, env


def ingest(cfg: config_mod.Config, clock: VirtualClock) -> Any:
    return run_ingest(cfg, clock=clock, sleep=clock.sleep)


def cli(
    path: Path, env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "--config", str(path), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_ID_FIELDS = {
    kinds.REPO_PULLS: "number",
    kinds.REPO_PULL_REVIEWS: "id",
    kinds.REPO_PULL_COMMITS: "sha",
    kinds.REPO_COMMITS: "sha",
    kinds.REPO_DEPLOYMENTS: "id",
    kinds.REPO_DEPLOYMENT_STATUSES: "id",
    kinds.REPO_RELEASES: "id",
    kinds.REPO_ISSUES: "number",
    kinds.ORG_REPOS: "full_name",
}


def _items(body: Any) -> Iterator[dict[str, Any]]:
    if isinstance(body, list):
        yield from (x for x in body if isinstance(x, dict))
    elif isinstance(body, dict):
        for key in ("workflow_runs", "seats"):
            if isinstance(body.get(key), list):
                yield from body[key]


def archive_items(raw_dir: Path) -> set[tuple[Any, ...]]:  # noqa: PLR0912
    """Identities of everything the archive holds (what projections could see)."""
    out: set[tuple[Any, ...]] = set()
    for ev in read_events(raw_dir):
        if ev.error or ev.response.get("status") != 200:
            continue
        body_raw = ev.body_bytes() or b""
        if ev.kind == kinds.COPILOT_REPORT_FILE:
            out.add(
                (
                    ev.kind,
                    ev.refs["report_kind"],
                    ev.org,
                    ev.refs["report_day"],
                    ev.refs["file_index"],
                    ev.body_sha256,
                )
            )
            continue
        body = orjson.loads(body_raw) if body_raw else None
        q = ev.request.get("query", {})
        if ev.kind.startswith("billing."):
            out.add(
                (
                    ev.kind,
                    q.get("organization"),
                    q.get("year"),
                    q.get("month"),
                    q.get("day"),
                    ev.body_sha256,
                )
            )
        elif ev.kind == kinds.REPO_PULL:
            # the detail is re-read when the head commit moves (its additions/deletions change)
            out.add((ev.kind, ev.repo, body["number"], body["head"]["sha"]))
        elif ev.kind == kinds.REPO_WORKFLOW_RUNS:
            out.update((ev.kind, ev.repo, r["id"]) for r in _items(body))
        elif ev.kind in (kinds.COPILOT_SEATS, kinds.COPILOT_SEATS_ENTERPRISE):
            out.update((ev.kind, ev.org, s["assignee"]["login"]) for s in _items(body))
        elif ev.kind in (kinds.REPO_COMMITS, kinds.REPO_PULL_COMMITS):
            # /commits?since= filters by commit date, so commits of a PR merged with a merge
            # commit land later with older dates; they are archived as the merged PR's commits.
            out.update(("commit", ev.repo, c["sha"]) for c in _items(body))
        elif ev.kind == kinds.REPO_DEPLOYMENT_STATUSES:
            # statuses are not re-read once final, so a later `inactive` (GitHub adds one to a
            # superseded non-production deployment; no metric uses it) may be missing
            out.update(
                (ev.kind, ev.repo, s["id"]) for s in _items(body) if s.get("state") != "inactive"
            )
        elif ev.kind == kinds.GRAPHQL_PULL_REQUESTS:
            records = pull_request_records(body, ev.enterprise_id or "", ev.repo)
            out.update((type(r).__name__, k) for k, r in records)
        elif ev.kind == kinds.GRAPHQL_DEPLOYMENTS:
            records = deployment_records(body, ev.enterprise_id or "", ev.repo)
            out.update(("status", k) for k, r in records if r.state != "inactive")
        elif ev.kind in _ID_FIELDS:
            out.update((ev.kind, ev.repo, x.get(_ID_FIELDS[ev.kind])) for x in _items(body))
        elif ev.kind.startswith("copilot.report."):
            out.add((ev.kind, ev.org, q.get("day")))
    return out


def duplicated_200s(raw_dir: Path) -> list[tuple[str, str]]:
    """(run_id, url) pairs answered with a 200 more than once within one run (a GraphQL POST is
    identified by its URL and exact body)."""
    seen = Counter(
        (ev.run_id, ev.request.get("url"), ev.request.get("body"))
        for ev in read_events(raw_dir)
        if ev.response.get("status") == 200 and not ev.kind.startswith("copilot.report")
    )
    return [key[:2] for key, n in seen.items() if n > 1]


@pytest.mark.slow
def test_injected_faults_converge_to_the_fault_free_archive(tmp_path: Path) -> None:
    """With 10% faults of every kind, reruns end with the same items as a fault-free run."""
    clean_clock = VirtualClock(day_start(SIM_DAY))
    clean = start_sim(clean_clock)
    try:
        clean_cfg, _p, _e = write_config(clean, tmp_path / "clean", history_days=5)
        assert ingest(clean_cfg, clean_clock).status == "ok"
    finally:
        clean.stop()
    clock = VirtualClock(day_start(SIM_DAY))
    faulty = start_sim(clock, faults=FaultConfig(rate=0.1, seed=7, timeout_s=0.05))
    try:
        cfg, _p, _e = write_config(faulty, tmp_path / "faulty", history_days=5)
        statuses = []
        for _ in range(4):
            result = ingest(cfg, clock)
            statuses.append(result.status)
            if result.status == "ok":
                break
            clock.now += 60
        assert statuses[-1] == "ok" and set(statuses) <= {"ok", "partial"}, statuses
    finally:
        faulty.stop()
    assert archive_items(cfg.raw_dir) == archive_items(clean_cfg.raw_dir)
    assert verify_archive(cfg.raw_dir).ok


@pytest.mark.slow
@pytest.mark.parametrize("detail", ["rest", "graphql"])
def test_sigkill_during_runs_loses_and_duplicates_nothing(tmp_path: Path, detail: str) -> None:
    """Killing `cli.py ingest` at random moments, then rerunning, gives the complete archive."""
    today = datetime.now(UTC).date()
    sim = start_sim(today=today, latency_ms=1)
    try:
        ref_cfg, ref_path, env = write_config(sim, tmp_path / "ref", history_days=5, detail=detail)
        assert cli(ref_path, env, "ingest").returncode == 0
        cfg, path, env = write_config(sim, tmp_path / "killed", history_days=5, detail=detail)
        rng = random.Random(3)
        for _trial in range(4):
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "cli.py"), "--config", str(path), "ingest"],
                env={**os.environ, **env},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_for_writes(cfg.raw_dir, proc)  # kill mid-run, however slow the start-up
            time.sleep(rng.uniform(0.1, 1.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        final = cli(path, env, "ingest")
        assert final.returncode == 0, final.stderr
    finally:
        sim.stop()
    assert verify_archive(cfg.raw_dir).ok
    interrupted = [r for r in list_runs(cfg.raw_dir, limit=100) if r.status == "interrupted"]
    assert len(interrupted) >= 2  # the kills did land mid-run
    ids = [ev.event_id for ev in read_events(cfg.raw_dir)]
    assert len(ids) == len(set(ids))
    assert archive_items(cfg.raw_dir) >= archive_items(ref_cfg.raw_dir)
    assert not duplicated_200s(cfg.raw_dir)


def _wait_for_writes(raw: Path, proc: subprocess.Popen[bytes], limit_s: float = 60) -> None:
    """Wait until the run writes to an open segment (its run has started) or ends."""
    started = time.time()
    deadline = time.monotonic() + limit_s
    while proc.poll() is None and time.monotonic() < deadline:
        for path in raw.rglob("*.open"):
            with contextlib.suppress(FileNotFoundError):  # sealed (renamed) meanwhile
                if path.stat().st_mtime >= started:
                    return
        time.sleep(0.02)


def test_exhausted_budget_waits_for_the_reset(tmp_path: Path) -> None:
    """With a tiny rate limit the run waits (virtually) for the reset and completes; the wait is
    shown on the progress display while it lasts, then counted and explained in the run's
    summary and warnings."""
    clock = VirtualClock(day_start(SIM_DAY))
    sim = start_sim(clock, rate_limit=60, rate_window_s=3600)
    try:
        cfg, _p, _e = write_config(sim, tmp_path, history_days=2)
        phases: list[str] = []
        result = run_ingest(
            cfg,
            clock=clock,
            sleep=clock.sleep,
            progress=lambda _ent, **fields: phases.append(str(fields.get("phase"))),
        )
        assert result.status == "ok", result.lines()
        assert sum(clock.slept) >= 3000
        limited = [e for e in sim.request_log if e.status in (403, 429)]
        assert len(limited) <= len(sim.enterprises)
        assert any(p.startswith("rate limit spent: waiting") for p in phases)
        # the enterprises share the virtual clock: one's wait may reset the other's window too
        waited = [run for run in result.runs if run.rate_limit_waited_s]
        assert waited
        assert 3000 <= sum(r.rate_limit_waited_s for r in waited) <= sum(clock.slept) + 1
        for run in waited:
            assert "min for rate-limit resets" in run.line()
            assert any("hourly rate limit ran out" in w for w in run.warnings)
        listed = {r.run_id: r for r in list_runs(cfg.raw_dir)}  # what `ghmc runs` prints
        for run in waited:
            assert listed[run.run_id].waited_s == run.rate_limit_waited_s
            assert "waited " in listed[run.run_id].line()
            assert any("hourly rate limit" in w for w in listed[run.run_id].warnings)
    finally:
        sim.stop()


@pytest.mark.parametrize("detail", ["rest", "graphql"])
def test_token_never_leaves_the_api_host(tmp_path: Path, detail: str) -> None:
    """No Authorization on the download host; the token is in no file under data/, no archived
    event (decompressed, GraphQL POSTs included) nor output."""
    today = datetime.now(UTC).date()
    sim = start_sim(today=today)
    try:
        tokens = {
            slug: sim.make_token(
                slug,
                scopes=[
                    "repo",
                    "read:org",
                    "read:enterprise",
                    "manage_billing:copilot",
                    "manage_billing:enterprise",
                ],
            )
            for slug in sim.enterprises
        }
        cfg, path, env = write_config(sim, tmp_path, history_days=3, tokens=tokens, detail=detail)
        proc = cli(path, env, "ingest")
        assert proc.returncode == 0, proc.stderr
        downloads = [
            e
            for e in sim.request_log
            if "download" in getattr(e, "host", "")
            or e.path.startswith("/reports/")
            or "sig=" in str(getattr(e, "query", ""))
        ]
        assert downloads and not any(e.had_authorization for e in downloads)
    finally:
        sim.stop()
    blobs = [p.read_bytes() for p in cfg.data_dir.rglob("*") if p.is_file()]
    assert any(p.name.startswith("ghmc-") for p in cfg.logs_dir.iterdir())
    events = [orjson.dumps(ev.to_dict()) for ev in read_events(cfg.raw_dir)]
    posts = [e for e in events if b'"method":"POST"' in e]
    assert bool(posts) == (detail == "graphql")
    for token in tokens.values():
        assert not any(token.encode() in b for b in blobs)
        assert not any(token.encode() in e for e in events)
        assert token not in proc.stdout + proc.stderr


def test_bad_token_exits_1_after_one_request(tmp_path: Path) -> None:
    """A refused token: exit 1, a message naming the enterprise, one request per enterprise."""
    sim = start_sim(today=datetime.now(UTC).date())
    try:
        tokens = dict.fromkeys(sim.enterprises, "ghp_thisTokenIsNotKnownToTheSimulator000")
        _cfg, path, env = write_config(sim, tmp_path, tokens=tokens)
        proc = cli(path, env, "ingest")
        assert proc.returncode == 1, proc.stderr
        assert "token was refused" in proc.stderr
        assert sim.enterprises[0] in proc.stderr or sim.enterprises[1] in proc.stderr
        assert len(sim.request_log) == len(sim.enterprises)
    finally:
        sim.stop()


def test_missing_scope_exits_3_with_one_message(tmp_path: Path) -> None:
    """A token without the Copilot/billing scopes: exit 3, the scope named, no retry storm."""
    sim = start_sim(today=datetime.now(UTC).date())
    try:
        tokens = {
            slug: sim.make_token(slug, scopes=["repo", "read:org"]) for slug in sim.enterprises
        }
        _cfg, path, env = write_config(sim, tmp_path, history_days=3, tokens=tokens)
        proc = cli(path, env, "ingest")
        assert proc.returncode == 3, proc.stderr
        assert "read:enterprise" in proc.stderr or "manage_billing" in proc.stderr
        enterprise_reports = [
            e
            for e in sim.request_log
            if e.path.startswith("/enterprises/") and "/reports/" in e.path
        ]
        assert len(enterprise_reports) <= len(sim.enterprises)
    finally:
        sim.stop()


def test_lock_held_exits_4_and_missing_token_exits_2(tmp_path: Path) -> None:
    """Another run holding the lock gives exit 4; an unset token variable exit 2, no request."""
    sim = start_sim(today=datetime.now(UTC).date())
    try:
        cfg, path, env = write_config(sim, tmp_path)
        with RunLock(cfg.data_dir):
            assert cli(path, env, "ingest").returncode == 4
        bad_env = dict.fromkeys(env, "")
        proc = cli(path, bad_env, "ingest")
        assert proc.returncode == 2 and "GHMC_SIMTEST_TOKEN_" in proc.stderr
        assert not sim.request_log
    finally:
        sim.stop()


def test_scope_and_expiry_warnings_reach_the_run_event(tmp_path: Path) -> None:
    """Admin scopes and a token expiring within 14 days are warned about in run.finished."""
    today = datetime.now(UTC).date()
    sim = start_sim(today=today)
    try:
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
        slug = sim.enterprises[0]
        scopes = ["repo", "read:org", "read:enterprise", "manage_billing:copilot", "admin:org"]
        tokens = {slug: sim.make_token(slug, scopes=scopes, expires_at=soon)}
        _cfg, path, env = write_config(sim, tmp_path, history_days=1, tokens=tokens)
        proc = cli(path, env, "ingest", "--enterprise", slug, "--only", "seats")
        assert proc.returncode == 0, proc.stderr
        assert "admin:org" in proc.stdout and "expires" in proc.stdout
        runs = cli(path, env, "runs")
        assert runs.returncode == 0 and slug in runs.stdout and " ok " in runs.stdout
    finally:
        sim.stop()
