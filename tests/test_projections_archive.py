"""Projections read through the real archive: segment boundaries and write order do not matter."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest

import archive
from projections import ProjectionError, Settings, project, replay
from testkit import fakes
from testkit.archive import write_archive
from tests.projections_support import build, dump, quiet

EVENTS = fakes.scenario(random.Random(11), days=4)


@pytest.mark.parametrize("segment_bytes", [2_000, 64_000, 16_000_000])
def test_segment_boundaries_do_not_change_rows(tmp_path: Path, segment_bytes: int) -> None:
    """Archives cut into small or large segments project to the same rows as the in-memory log."""
    raw = tmp_path / "raw"
    write_archive(EVENTS, raw, segment_bytes)
    db = tmp_path / "metrics.db"
    report = project(raw, db, Settings(), progress=quiet)
    assert report.archive_head == archive.head_hash(raw)
    got = dump(db)
    build(EVENTS, tmp_path / "ref.db")
    ref = dump(tmp_path / "ref.db")
    # event ids differ between the two stores, so compare rows without the source columns
    for name in got:
        assert _strip(got[name]) == _strip(ref[name]), name


def test_archive_project_is_up_to_date_until_it_grows(tmp_path: Path) -> None:
    """project records archive.head_hash and rebuilds only after new events are sealed."""
    raw = tmp_path / "raw"
    write_archive(EVENTS[:150], raw, 64_000)
    db = tmp_path / "metrics.db"
    assert project(raw, db, Settings(), progress=quiet).mode == "full"
    assert project(raw, db, Settings(), progress=quiet).mode == "up_to_date"
    write_archive(EVENTS[150:], raw, 64_000)
    assert project(raw, db, Settings(), progress=quiet).mode == "full"


def _strip(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [
        tuple(v for v in r if not (isinstance(v, str) and len(v) >= 32 and v.isalnum()))
        for r in rows
    ]


@pytest.mark.parametrize(("workers", "shares"), [(2, 2), (1, 3), (2, 3)])
def test_shares_and_workers_give_the_rows_of_one_pass(
    tmp_path: Path, workers: int, shares: int
) -> None:
    """A rebuild split by repository into shares, in one or two processes, writes exactly the
    rows of a single pass."""
    raw = tmp_path / "raw"
    write_archive(EVENTS, raw, 64_000)
    one, split = tmp_path / "one.db", tmp_path / "split.db"
    project(raw, one, Settings(), progress=quiet, workers=1, shares=1)
    project(raw, split, Settings(), progress=quiet, workers=workers, shares=shares)
    assert dump(split) == dump(one)
    assert any(dump(one).values())


def test_report_tables_from_the_side_process_equal_one_pass(tmp_path: Path) -> None:
    """The report tables computed and written by a process of their own (copied in with INSERT …
    SELECT) equal those of one pass, for a full build and for a replay window; the scratch file is
    gone afterwards."""
    raw = tmp_path / "raw"
    write_archive(EVENTS, raw, 64_000)
    one, side = tmp_path / "one.db", tmp_path / "side.db"
    project(raw, one, Settings(), progress=quiet, workers=1, shares=1, side=False)
    lines: list[str] = []
    project(raw, side, Settings(), progress=lines.append, side=True)
    assert any("side process" in line for line in lines)
    assert dump(side) == dump(one)
    assert dump(one)["copilot_user_metrics"] and dump(one)["copilot_breakdown_daily"]
    days = sorted({r[1] for r in dump(one)["copilot_user_metrics"]})
    day = days[len(days) // 2]
    for db, aside in ((one, False), (side, True)):
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE copilot_user_metrics SET user_login = 'stale'")
        replay(raw, db, Settings(), day, ["copilot_user_metrics"], progress=quiet, side=aside)
    assert dump(side) == dump(one)
    kept = [r for r in dump(one)["copilot_user_metrics"] if r[3] == "stale"]
    assert kept and all(r[1] < day for r in kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.db", "raw", "side.db"]


@pytest.mark.parametrize("how", ["full disk", "process died"])
def test_side_process_failure_leaves_metrics_db_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """A side process that fails (an error, or killed outright) makes the build fail with the
    documented error: metrics.db stays as it was and no scratch file is left."""
    raw = tmp_path / "raw"
    write_archive(EVENTS, raw, 64_000)
    db = tmp_path / "metrics.db"
    project(raw, db, Settings(), progress=quiet, side=False)
    before = db.read_bytes()
    write_archive(EVENTS[:5], raw, 64_000)  # the head moves: the next project rebuilds

    def fail(_path: Path) -> sqlite3.Connection:
        if how == "process died":
            os._exit(9)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr("projections.engine.store.scratch_db", fail)  # seen by the child
    with pytest.raises(ProjectionError, match=r"metrics\.db unchanged"):
        project(raw, db, Settings(), progress=quiet, side=True)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.db", "raw"]


def test_side_process_also_works_when_started_by_spawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no fork: a spawned side process (fresh interpreter, pickled arguments) gives
    the same tables."""
    monkeypatch.setattr(
        "projections.engine.side.multiprocessing.get_all_start_methods", lambda: ["spawn"]
    )
    raw = tmp_path / "raw"
    write_archive(EVENTS, raw, 64_000)
    one, side = tmp_path / "one.db", tmp_path / "side.db"
    project(raw, one, Settings(), progress=quiet, side=False)
    project(raw, side, Settings(), progress=quiet, side=True)
    assert dump(side) == dump(one)
