"""Planning from the archive: report days, watermarks, workflow windows, logs and progress."""

from __future__ import annotations

import io
import logging
from datetime import date
from pathlib import Path

from test_ingest_fakes import TOKEN

from ingest import logs
from ingest.collectors.days import days_to_fetch
from ingest.collectors.repos import selected
from ingest.collectors.workflow_runs import created_filter
from ingest.errors import IngestError
from ingest.progress import Progress
from ingest.secrets import register_secret, scrub

TODAY = date(2026, 11, 25)


def test_first_backfill_is_limited_to_history_days() -> None:
    """With nothing stored, days run from history_days ago to yesterday, never today."""
    days = days_to_fetch({}, today=TODAY, history_days=5, keep_days=365)
    assert days == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]


def test_missing_days_and_three_day_refetch() -> None:
    """Stored old days are skipped; the last three are re-fetched unless fetched today."""
    stored = {f"2026-11-{d:02d}": "2026-11-24" for d in range(18, 25)}
    del stored["2026-11-19"]
    days = days_to_fetch(stored, today=TODAY, history_days=7, keep_days=365)
    assert days == ["2026-11-19", "2026-11-22", "2026-11-23", "2026-11-24"]
    stored.update(dict.fromkeys(("2026-11-22", "2026-11-23", "2026-11-24"), "2026-11-25"))
    assert days_to_fetch(stored, today=TODAY, history_days=7, keep_days=365) == ["2026-11-19"]


def test_window_reaches_back_to_oldest_stored_day_within_keep() -> None:
    """Once something is stored, gaps back to the oldest stored day are filled, capped by keep."""
    stored = {"2026-10-01": "2026-10-02"}
    days = days_to_fetch(stored, today=TODAY, history_days=3, keep_days=365)
    assert days[0] == "2026-10-02" and days[-1] == "2026-11-24"
    assert days_to_fetch(stored, today=TODAY, history_days=3, keep_days=10)[0] == "2026-11-15"


def test_created_filter_syntax() -> None:
    """Open-ended and bounded windows use GitHub's search syntax."""
    assert created_filter(date(2026, 11, 1), None) == ">=2026-11-01"
    assert created_filter(date(2026, 11, 1), date(2026, 11, 8)) == "2026-11-01..2026-11-08"


def test_repo_globs_and_exclusions() -> None:
    """Repos match include globs and no exclude glob."""
    assert selected("web-app", ("web-*",), ())
    assert not selected("web-legacy", ("web-*",), ("*legacy*",))
    assert not selected("api", ("web-*",), ())


def test_scrub_removes_registered_secrets() -> None:
    """Registered tokens never survive into messages."""
    register_secret(TOKEN)
    assert TOKEN not in scrub(f"Authorization: Bearer {TOKEN}")
    assert TOKEN not in str(IngestError(f"failed with {TOKEN}"))


def test_log_file_scrubs_tracebacks_and_prunes_old_files(tmp_path: Path) -> None:
    """Log lines (tracebacks included) are scrubbed; files older than keep_days go."""
    register_secret(TOKEN)
    old = tmp_path / "ghmc-2026-01-01.log"
    tmp_path.mkdir(exist_ok=True)
    old.write_text("x")
    now = 1_795_600_000.0
    teardown = logs.setup(tmp_path, keep_days=30, now=now)
    try:
        raise RuntimeError(f"boom {TOKEN}")
    except RuntimeError:
        logging.getLogger("ghmc.ingest").exception("failed %s", TOKEN)
    finally:
        teardown()
    assert not old.exists()
    text = logs.log_path(tmp_path, now).read_text()
    assert "failed ***" in text and "boom ***" in text and TOKEN not in text


def test_progress_tty_redraws_one_line_per_enterprise() -> None:
    """On a terminal each enterprise has one line, redrawn in place."""
    out = io.StringIO()
    progress = Progress(out, tty=True, interval=0.0)
    progress("a", phase="repos", repos_done=1, repos_total=10, requests=5, rate_left=4000)
    progress("b", phase="seats", requests=1)
    progress("a", phase="repos", repos_done=2, repos_total=10, requests=9, rate_left=3990)
    text = out.getvalue()
    assert "\x1b[2F" in text and "a: repos · repos 2/10 · requests 9 · rate limit left 3990" in text


def test_progress_plain_lines_when_not_a_tty() -> None:
    """Without a terminal, phase changes become plain lines without escape codes."""
    out = io.StringIO()
    progress = Progress(out, tty=False)
    progress("a", phase="copilot reports", requests=0)
    progress("a", phase="copilot reports", requests=5)
    progress("a", phase="repos", repos_done=0, repos_total=3, requests=9)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and "\x1b" not in out.getvalue()
