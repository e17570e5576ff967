"""Test helper (not shipped): one demo folder for the report tests, built once per test session
and shared by the xdist workers through a file lock."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

DEMO_DAYS = 3
EXTRA_CONFIG = "[billing]\nper_user = true\n"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a+") as fh:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def shared_demo(base: Path) -> Path:
    """The demo folder under `base` (built by the first worker that asks)."""
    folder = base / "report-demo"
    with _locked(base / "report-demo.lock"):
        if not (folder / "ready").exists():
            build_demo(folder)
            (folder / "ready").write_text("ok", encoding="utf-8")
    return folder


def build_demo(folder: Path) -> None:
    """Run the demo, then age two seats: the simulator's seats are all in use, and the report's
    seat list must be exercised (the report only reads metrics.db, so this is a fair input)."""
    from jobs import demo

    result = demo.run_demo(
        folder, days=DEMO_DAYS, echo=lambda _line: None, extra_config=EXTRA_CONFIG
    )
    db = result.config.db_path
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        latest = conn.execute("SELECT max(snapshot_day) FROM copilot_seats").fetchone()[0]
        seats = conn.execute(
            "SELECT user_login FROM copilot_seats WHERE snapshot_day = ? ORDER BY user_login",
            (latest,),
        )
        logins = [r[0] for r in seats][:2]
        conn.execute(
            "UPDATE copilot_seats SET last_activity_at = NULL, inactive_days = NULL "
            "WHERE snapshot_day = ? AND user_login = ?",
            (latest, logins[0]),
        )
        conn.execute(
            "UPDATE copilot_seats SET last_activity_at = '2026-01-02T03:04:05Z', "
            "inactive_days = 95 WHERE snapshot_day = ? AND user_login = ?",
            (latest, logins[1]),
        )


def config_path(folder: Path) -> Path:
    """The demo's config.toml."""
    return folder / "config.toml"


def db_path(folder: Path) -> Path:
    """The demo's metrics.db."""
    return folder / "data" / "metrics.db"
