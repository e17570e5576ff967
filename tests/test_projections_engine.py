"""The engine: definition versions, incremental project, replay boundaries, atomic swaps."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.envelope import Event
from projections import ListSource, ProjectionError, Settings, definition_versions, project, replay
from testkit import fakes
from tests.projections_support import build, do_replay, dump, quiet

EVENTS = fakes.scenario(random.Random(3), days=5)


def test_project_twice_is_up_to_date(tmp_path: Path) -> None:
    """A second project over an unchanged archive rebuilds nothing."""
    db = tmp_path / "metrics.db"
    assert build(EVENTS, db).mode == "full"
    report = build(EVENTS, db)
    assert (report.mode, report.rebuilt) == ("up_to_date", ())


def test_changed_definition_rebuilds_only_that_table(tmp_path: Path) -> None:
    """A table whose recorded definition version differs is rebuilt; the others stay as they are."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE _table_versions SET version='old' WHERE table_name='dora_metrics'")
        conn.execute("UPDATE collection_runs SET requests=-1")  # marks an untouched table
        conn.execute("DELETE FROM dora_metrics")
    conn.close()
    report = build(EVENTS, db)
    assert (report.mode, report.rebuilt) == ("partial", ("dora_metrics",))
    rows = dump(db)
    assert rows["dora_metrics"]
    assert {r[5] for r in rows["collection_runs"]} == {-1}


def test_changed_settings_rebuild_dora_tables(tmp_path: Path) -> None:
    """Changing dora/velocity config changes those tables' versions, so project rebuilds them."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    report = build(EVENTS, db, Settings(benchmark="2021"))
    assert set(report.rebuilt) == {
        "dora_deployments",
        "dora_changes",
        "dora_incidents",
        "dora_metrics",
        "velocity_pull_requests",
        "velocity_metrics",
    }


def test_archive_growth_rebuilds_everything(tmp_path: Path) -> None:
    """When the archive head moves, project brings every table up to it."""
    db = tmp_path / "metrics.db"
    build(EVENTS[:100], db)
    assert build(EVENTS, db).mode == "full"


def test_replay_touches_only_dates_from_the_day(tmp_path: Path) -> None:
    """replay --from D rewrites rows dated ≥ D and leaves older rows exactly as they were."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE copilot_daily_metrics SET daily_active_users=-1")
    conn.close()
    report = do_replay(EVENTS, db, "2026-03-04", ["copilot_daily_metrics"])
    assert report.rebuilt == ("copilot_daily_metrics",)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT day, daily_active_users FROM copilot_daily_metrics").fetchall()
    conn.close()
    assert rows and all((dau == -1) == (day < "2026-03-04") for day, dau in rows)
    assert _state(db, "copilot_daily_metrics")[2] is None  # same definition: nothing kept


def _state(db: Path, table: str) -> tuple[str, str | None, str | None]:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT version, archive_head, kept_before FROM _table_versions WHERE table_name=?",
            (table,),
        ).fetchone()
    finally:
        conn.close()
    return row  # type: ignore[no-any-return]


WEEK_MONTH = ("dora_metrics", "velocity_metrics")


def test_replay_recomputes_the_week_and_month_containing_the_day(tmp_path: Path) -> None:
    """Rows of a week or month straddling D are recomputed entirely; earlier periods are kept."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE dora_metrics SET deployments=-1")
        conn.execute("UPDATE velocity_metrics SET prs_opened=-1")
    conn.close()
    do_replay(EVENTS, db, "2026-03-04", WEEK_MONTH)  # a Wednesday, in the ISO week of 03-02
    rows = dump(db)
    ref = tmp_path / "ref.db"
    build(EVENTS, ref)
    full = dump(ref)
    # every period here contains 2026-03-04 or follows it: all rows recomputed, none kept
    assert rows["dora_metrics"] == full["dora_metrics"]
    assert rows["velocity_metrics"] == full["velocity_metrics"]
    do_replay(EVENTS, db, "2026-03-10", WEEK_MONTH)  # week of 03-09; month of 03-01 again
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE dora_metrics SET deployments=-1")
    conn.close()
    do_replay(EVENTS, db, "2026-03-10", ["dora_metrics"])
    got = {(r[3], r[4]): r[5] for r in dump(db)["dora_metrics"]}
    assert got[("month", "2026-03-01")] != -1  # the month holding D: recomputed
    assert got[("week", "2026-03-02")] == -1  # an earlier week: kept
    assert all(v != -1 for (g, start), v in got.items() if start >= "2026-03-09")


def test_project_after_a_definition_change_and_replay_keeps_the_old_rows(tmp_path: Path) -> None:
    """After `replay --from D` adopts a new definition, a later project (archive grown) brings
    rows dated ≥ D up to the head and never rewrites the rows before D the replay kept."""
    old, new = Settings(), Settings(benchmark="2021")
    db, cut = tmp_path / "metrics.db", len(EVENTS) * 3 // 4
    build(EVENTS[:cut], db, old)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE dora_changes SET attribution='kept'")  # marks rows built by `old`
    conn.close()
    do_replay(EVENTS[:cut], db, "2026-03-04", settings=new)
    assert _state(db, "dora_changes")[2] == "2026-03-04"
    report = build(EVENTS, db, new)  # the archive grew: project brings the window up to date
    assert report.mode == "partial"
    rows = dump(db)["dora_changes"]
    ref = tmp_path / "ref.db"
    build(EVENTS, ref, new)
    full = dump(ref)["dora_changes"]
    assert [r for r in rows if r[6] >= "2026-03-04"] == [r for r in full if r[6] >= "2026-03-04"]
    kept = [r for r in rows if r[6] < "2026-03-04"]
    assert kept and {r[10] for r in kept} == {"kept"}
    assert build(EVENTS, db, new).mode == "up_to_date"
    # a definition change without a replay recomputes history too, dropping what was kept
    assert build(EVENTS, db, old).mode == "partial"
    assert "kept" not in {r[10] for r in dump(db)["dora_changes"]}
    assert _state(db, "dora_changes")[2] is None


def test_replay_with_the_same_definition_leaves_the_rest_to_project(tmp_path: Path) -> None:
    """A replay that changes no definition keeps the table's recorded head when older rows were
    not recomputed, so the next project brings the whole table up to the archive head."""
    db = tmp_path / "metrics.db"
    build(EVENTS[:200], db)
    do_replay(EVENTS, db, "2026-03-04")
    assert build(EVENTS, db).mode == "full"
    ref = tmp_path / "ref.db"
    build(EVENTS, ref)
    assert dump(db) == dump(ref)


def test_replay_rejects_unknown_table_and_bad_date(tmp_path: Path) -> None:
    """replay names the problem: an unknown table or a malformed date."""
    db = tmp_path / "metrics.db"
    with pytest.raises(ValueError, match="unknown table 'nope'"):
        do_replay(EVENTS, db, "2026-03-01", ["nope"])
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        do_replay(EVENTS, db, "March 1", None)


class Broken:
    """An event source that fails half way."""

    def events(self, kinds: frozenset[str]) -> Iterator[Event]:
        """Yield some events, then fail."""
        yield from (e for e in EVENTS[:50] if e.kind in kinds)
        raise OSError("disk read error")

    def head(self) -> str:
        """A head that differs from any built one."""
        return "broken"


def test_failed_rebuild_leaves_old_db_untouched(tmp_path: Path) -> None:
    """A rebuild that fails mid-way leaves metrics.db byte-for-byte as it was, and no temp file."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    before = db.read_bytes()
    with pytest.raises(ProjectionError, match=r"metrics\.db unchanged"):
        project(tmp_path, db, Settings(), source=Broken(), progress=quiet)
    with pytest.raises(ProjectionError):
        replay(tmp_path, db, Settings(), "2026-03-01", source=Broken(), progress=quiet)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.db"]


def test_progress_lines_are_reported(tmp_path: Path) -> None:
    """Long work reports progress lines through the callback."""
    lines: list[str] = []
    project(
        tmp_path, tmp_path / "m.db", Settings(), source=ListSource(EVENTS), progress=lines.append
    )
    assert any(line.startswith("read ") for line in lines)
    assert any(line.startswith("wrote dora_metrics") for line in lines)


def test_every_table_has_enterprise_id_and_its_key(tmp_path: Path) -> None:
    """Every contract table exists with enterprise_id, a primary key and at least one index."""
    db = tmp_path / "metrics.db"
    build(EVENTS, db)
    conn = sqlite3.connect(db)
    for (name,) in conn.execute("SELECT table_name FROM _table_versions").fetchall():
        cols = {r[1]: r[5] for r in conn.execute(f"PRAGMA table_info({name})")}
        assert "enterprise_id" in cols and any(cols.values())
        assert conn.execute(f"PRAGMA index_list({name})").fetchall()
    conn.close()


def test_meta_mirrors_definition_versions_and_head(tmp_path: Path) -> None:
    """`_meta` (which export copies into its manifest) names every table's definition version and
    the archive head all tables are current with."""
    db = tmp_path / "metrics.db"
    report = build(EVENTS, db)
    conn = sqlite3.connect(db)
    meta = dict(conn.execute("SELECT key, value FROM _meta").fetchall())
    conn.close()
    versions = definition_versions(Settings())
    assert {k: meta[f"definition_version:{k}"] for k in versions} == versions
    assert meta["archive_head"] == report.archive_head
