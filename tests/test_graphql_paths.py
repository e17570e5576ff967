"""The GraphQL detail path end to end: the same tables as the REST path, faults included."""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from pathlib import Path

import orjson
import pytest
from test_ingest_days import cli_ingest
from test_ingest_fakes import VirtualClock
from test_ingest_sim import SIM_DAY, day_start, start_sim, write_config

from archive import kinds, read_events
from cli import main
from sim import FaultConfig
from sim.config import FAULT_KINDS, GRAPHQL_FAULT_KINDS

LINEAGE_COLUMNS = {"source_event_id"}
"""Which archived event a row came from: event ids differ between any two archives."""
RUN_TABLES = {"collection_runs"}
"""Describe the collection itself (request counts differ by path), not GitHub's data."""


def table_hashes(db: Path) -> dict[str, str]:
    """sha256 of every table's rows (sorted), by table name."""
    con = sqlite3.connect(db)
    try:
        names = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        out = {}
        for name in names:
            if name.startswith("_") or name in RUN_TABLES:
                continue
            cols = [
                c[1]
                for c in con.execute(f'PRAGMA table_info("{name}")')
                if c[1] not in LINEAGE_COLUMNS
            ]
            listed = ", ".join(f'"{c}"' for c in cols)
            rows = sorted(repr(r) for r in con.execute(f'SELECT {listed} FROM "{name}"'))
            out[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return out
    finally:
        con.close()


def run_days(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    detail: str,
    *,
    faults: FaultConfig | None = None,
    days: int = 2,
    faults_seen: Counter[str] | None = None,
) -> dict[str, str]:
    """First run plus `days` next-day runs (reruns until ok), then `project`; table hashes."""
    clock = VirtualClock(day_start(SIM_DAY))
    sim = start_sim(clock, faults=faults or FaultConfig())
    try:
        _cfg, path, env = write_config(sim, tmp_path, history_days=5, detail=detail)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for day in range(days + 1):
            if day:
                sim.advance_day(1)
                clock.now += 86_400
            codes = [cli_ingest(path, clock, monkeypatch)]
            while codes[-1] != 0 and len(codes) < 12:
                codes.append(cli_ingest(path, clock, monkeypatch))
            assert codes[-1] == 0, codes
        with pytest.raises(SystemExit) as done:
            main(["--config", str(path), "project"])
        assert not done.value.code
        with pytest.raises(SystemExit) as verified:
            main(["--config", str(path), "verify"])
        assert not verified.value.code
        if faults_seen is not None:
            faults_seen.update(e.fault for e in sim.request_log if e.fault and e.path == "/graphql")
        return table_hashes(tmp_path / "data" / "metrics.db")
    finally:
        sim.stop()


@pytest.mark.slow
def test_rest_and_graphql_archives_project_to_identical_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The REST-path and the GraphQL-path archive of one world give byte-identical tables."""
    rest = run_days(tmp_path / "rest", monkeypatch, "rest")
    graphql = run_days(tmp_path / "graphql", monkeypatch, "graphql")
    assert rest.keys() == graphql.keys()
    assert "velocity_pull_requests" in rest
    differing = sorted(t for t in rest if rest[t] != graphql[t])
    assert differing == []


@pytest.mark.slow
def test_graphql_path_with_faults_of_every_kind_gives_the_fault_free_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10% faults of every kind, GraphQL ones included: reruns end with the fault-free tables."""
    clean = run_days(tmp_path / "clean", monkeypatch, "graphql", days=1)
    every = FAULT_KINDS + GRAPHQL_FAULT_KINDS
    faults = FaultConfig(rate=0.1, seed=7, timeout_s=0.05, kinds=every)
    faulty = run_days(tmp_path / "faulty", monkeypatch, "graphql", faults=faults, days=1)
    assert sorted(t for t in clean if clean[t] != faulty.get(t)) == []
    seen: Counter[str] = Counter()
    only_graphql = FaultConfig(
        rate=0.5, seed=709, timeout_s=0.05, kinds=every, patterns=("/graphql",)
    )
    hard = run_days(
        tmp_path / "hard", monkeypatch, "graphql", faults=only_graphql, days=1, faults_seen=seen
    )
    assert set(GRAPHQL_FAULT_KINDS) | {"502", "timeout", "reset"} <= set(seen)
    assert sorted(t for t in clean if clean[t] != hard.get(t)) == []


def test_graphql_failures_halve_the_batch_and_end_a_partial_run_naming_the_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every POST answered 502: batches halve down to one id, every attempt is archived as an
    error event, and `cli.py ingest` exits 3 naming the PRs still missing."""
    clock = VirtualClock(day_start(SIM_DAY))
    always = FaultConfig(rate=1.0, kinds=("502",), patterns=("/graphql",))
    sim = start_sim(clock, faults=always)
    try:
        cfg, path, env = write_config(sim, tmp_path, history_days=3, detail="graphql")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert cli_ingest(path, clock, monkeypatch, "--only", "pulls") == 3
    finally:
        sim.stop()
    assert "GraphQL detail still missing after 6 attempts for PR #" in capsys.readouterr().err
    sizes: dict[str, list[int]] = {}
    for ev in read_events(cfg.raw_dir, kinds={kinds.GRAPHQL_PULL_REQUESTS}):
        assert ev.error is not None
        assert ev.response["status"] == 502
        ids = orjson.loads(ev.request["body"])["variables"]["ids"]
        sizes.setdefault(str(ev.repo), []).append(len(ids))
    biggest = max(sizes.values(), key=lambda s: s[0])
    assert biggest[0] > 2
    assert biggest[:3] == [biggest[0], max(1, biggest[0] // 2), max(1, biggest[0] // 4)]
    assert min(biggest) == 1
