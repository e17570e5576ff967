"""More definition edge cases: repos-1-day report, UTC normalisation, medians in dora_metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archive import kinds
from projections.definitions.copilot import schema
from testkit.fakes import LogBuilder, add_report, commit_body, ndjson, pull_body, repo_record
from tests.test_projections_definitions import OWNER, REPO, add_deploy, add_pull, h, table

DAY = "2026-03-01"


def _repo_rows(tmp_path: Path, log: LogBuilder) -> dict[str, dict[str, object]]:
    return {str(r["repo"]): r for r in table(tmp_path, log, "copilot_repo_metrics")}


def test_repo_report_gives_one_row_per_repository_and_day(tmp_path: Path) -> None:
    """repos-1-day records become rows keyed by org/name; PR fields land in pr_* and the human
    review stages in their columns; unknown fields are ignored, records without a name skipped."""
    log = LogBuilder()
    nameless = {**repo_record(DAY, "web", 2, 1), "repo_name": None}
    records = [repo_record(DAY, "web", 0, 3), repo_record(DAY, "api", 1, 1), nameless]
    add_report(log, kinds.COPILOT_REPORT_REPOS_1_DAY, DAY, h(0), [ndjson(records)])
    rows = _repo_rows(tmp_path, log)
    assert sorted(rows) == ["api/repo1", "web/repo0"]
    web = rows["web/repo0"]
    assert (web["org"], web["day"], web["repo_id"], web["repo_visibility"]) == (
        "web",
        DAY,
        1000,
        "INTERNAL",
    )
    assert web["pr_total_merged"] == 3 and web["pr_median_minutes_to_merge"] == 90.0
    assert web["review_total_merged"] == 3
    assert web["median_minutes_ready_to_first_review"] == 37.5
    assert web["report_revisions"] == 1


def test_repo_report_review_times_empty_is_zero_merges_and_absent_is_null(tmp_path: Path) -> None:
    """An empty pull_request_review_times array (no qualifying merges) gives 0 merges and NULL
    times; an absent array (reports before 2026-09-21) gives NULL everywhere."""
    log = LogBuilder()
    quiet = repo_record(DAY, "web", 0, 0)
    old: dict[str, Any] = repo_record(DAY, "web", 1, 2)
    del old["pull_request_review_times"]
    add_report(log, kinds.COPILOT_REPORT_REPOS_1_DAY, DAY, h(0), [ndjson([quiet, old])])
    rows = _repo_rows(tmp_path, log)
    times = schema.REVIEW_TIMES
    assert [rows["web/repo0"][c] for c in times] == [0] + [None] * (len(times) - 1)
    assert [rows["web/repo1"][c] for c in times] == [None] * len(times)
    assert rows["web/repo0"]["pr_median_minutes_to_merge"] is None  # null stays NULL, not 0


def test_repo_report_revised_later_uses_latest_fetch(tmp_path: Path) -> None:
    """A re-fetched repos report with new content wins and counts as a revision."""
    log = LogBuilder()
    add_report(
        log, kinds.COPILOT_REPORT_REPOS_1_DAY, DAY, h(0), [ndjson([repo_record(DAY, "w", 0, 1)])]
    )
    add_report(
        log, kinds.COPILOT_REPORT_REPOS_1_DAY, DAY, h(24), [ndjson([repo_record(DAY, "w", 0, 4)])]
    )
    (row,) = table(tmp_path, log, "copilot_repo_metrics")
    assert (row["pr_total_created"], row["report_revisions"]) == (4, 2)


def test_repo_report_204_gives_no_rows(tmp_path: Path) -> None:
    """A day without a repos report (204) is not an error and has no rows."""
    log = LogBuilder()
    add_report(log, kinds.COPILOT_REPORT_REPOS_1_DAY, DAY, h(0), None)
    assert table(tmp_path, log, "copilot_repo_metrics") == []


def test_offset_timestamps_fall_on_their_utc_day_and_iso_week(tmp_path: Path) -> None:
    """A merge at Sunday 20:30-05:00 is Monday 01:30Z: stored in UTC, counted in Monday's week."""
    log = LogBuilder()
    body = pull_body(REPO, 1, "Feature", "alice", h(0), h(200), merged=h(100), detail=True)
    body["merged_at"] = body["closed_at"] = "2026-03-08T20:30:00-05:00"
    body["created_at"] = "2026-03-02T04:00:00+05:00"  # Sunday 23:00Z, the week before
    pp = {"owner": OWNER, "repo": "shop", "pull_number": 1}
    log.add(
        kinds.REPO_PULL,
        h(200),
        body,
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/pulls/{pull_number}",
        params=pp,
        refs={"pull_number": 1},
    )
    log.add(
        kinds.REPO_PULL_COMMITS,
        h(200),
        [commit_body("a" * 40, "alice", h(-20))],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/pulls/{pull_number}/commits",
        params=pp,
        refs={"pull_number": 1},
    )
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert (pr["created_at"], pr["merged_at"]) == ("2026-03-01T23:00:00Z", "2026-03-09T01:30:00Z")
    weeks = {
        (w["week_start"], w["prs_opened"], w["prs_merged"])
        for w in table(tmp_path, log, "velocity_metrics")
    }
    assert weeks == {("2026-02-23", 1, 0), ("2026-03-09", 0, 1)}


def test_lead_time_median_over_an_even_count_in_dora_metrics(tmp_path: Path) -> None:
    """dora_metrics' lead time is the median (mean of the two middle values for an even count)
    and p75 of the changes deployed in the period, with the sample size beside them."""
    log = LogBuilder()
    add_deploy(log, 10, at=-10)  # the baseline
    add_pull(log, 1, created=0, merged=1, commits=[0])  # lead 0h → 5h = 300 min
    add_pull(log, 2, created=1, merged=2, commits=[2])  # 180 min
    add_pull(log, 3, created=1, merged=3, commits=[4])  # 60 min
    add_pull(log, 4, created=1, merged=4, commits=[4.5])  # 30 min
    add_deploy(log, 11, at=5)
    rows = [
        r
        for r in table(tmp_path, log, "dora_metrics")
        if (r["repo"], r["granularity"]) == (REPO, "week") and r["period_start"] == "2026-03-02"
    ]
    (week,) = rows
    assert (week["changes"], week["lead_time_median_minutes"]) == (4, 120.0)
    assert week["lead_time_p75_minutes"] == 210.0  # 180 + 0.25 × (300 − 180)
    assert week["deployments"] == 1  # the baseline fell in the week before


def test_no_deployments_gives_no_dora_metrics_rows(tmp_path: Path) -> None:
    """A repository that never deployed has no DORA periods: no rows rather than rows of zeros."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=2, commits=[-5])
    assert table(tmp_path, log, "dora_metrics") == []
