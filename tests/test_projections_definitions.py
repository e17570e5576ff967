"""Edge cases of every metric definition, each on a tiny hand-built event log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from archive import kinds
from projections import Settings
from projections.definitions.dora import levels as dora_levels
from projections.definitions.dora import repo as dora
from projections.definitions.shared import stats
from testkit.fakes import (
    LogBuilder,
    add_report,
    aggregate_record,
    commit_body,
    deployment_body,
    issue_body,
    ndjson,
    pull_body,
    review_body,
    run_body,
    seat_body,
    status_body,
    usage_body,
    user_record,
)
from tests.projections_support import build, dump

SHA_RULE = dora.ATTR_DEPLOY
CREATED_RULE = dora.ATTR_DEPLOY_CREATED

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
REPO, OWNER = "web/shop", "web"
P = {"owner": OWNER, "repo": "shop"}


def h(hours: float) -> datetime:
    """T0 plus some hours."""
    return T0 + timedelta(hours=hours)


def add_pull(
    log: LogBuilder,
    number: int,
    *,
    created: float,
    merged: float | None,
    commits: list[float],
    reviews: list[tuple[str, str, float]] = (),  # type: ignore[assignment]
    title: str = "Feature",
    author: str = "alice",
    author_type: str = "User",
    fetch: float = 200,
    ready: float | None = None,
) -> None:
    """Archive a PR (detail), its commits and reviews as fetched at `fetch` hours."""
    now = h(fetch)
    pp = {**P, "pull_number": number}
    refs = {"pull_number": number}
    log.add(
        kinds.REPO_PULL,
        now,
        pull_body(
            REPO,
            number,
            title,
            author,
            h(created),
            now,
            merged=None if merged is None else h(merged),
            ready=None if ready is None else h(ready),
            author_type=author_type,
            detail=True,
        ),
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/pulls/{pull_number}",
        params=pp,
        refs=refs,
    )
    log.add(
        kinds.REPO_PULL_COMMITS,
        now,
        [commit_body(f"{number}{i:039x}", author, h(c)) for i, c in enumerate(commits)],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/pulls/{pull_number}/commits",
        params=pp,
        refs=refs,
    )
    log.add(
        kinds.REPO_PULL_REVIEWS,
        now,
        [
            review_body(number * 100 + i, lg, h(at), user_type=ut)
            for i, (lg, ut, at) in enumerate(reviews)
        ],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        params=pp,
        refs=refs,
    )


def add_deploy(
    log: LogBuilder,
    dep_id: int,
    *,
    at: float,
    state: str = "success",
    env: str = "production",
    fetch: float = 200,
    sha: str | None = None,
    created: float | None = None,
) -> None:
    """Archive a deployment (created at `created` hours, default `at` − 0.1) and its statuses."""
    now = h(fetch)
    body = deployment_body(dep_id, env, h(at - 0.1 if created is None else created))
    if sha is not None:
        body["sha"] = sha
    log.add(
        kinds.REPO_DEPLOYMENTS,
        now,
        [body],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/deployments",
        params=P,
    )
    log.add(
        kinds.REPO_DEPLOYMENT_STATUSES,
        now,
        [
            status_body(dep_id * 10 + 2, state, h(at), env),
            status_body(dep_id * 10 + 1, "in_progress", h(at - 0.1), env),
        ],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        params={**P, "deployment_id": dep_id},
        refs={"deployment_id": dep_id},
    )


def add_main_commits(log: LogBuilder, commits: list[tuple[str, float]]) -> None:
    """Archive commits of the default branch as (sha, committed hours) (`repo.commits`)."""
    log.add(
        kinds.REPO_COMMITS,
        h(200),
        [commit_body(sha, "alice", h(at), "Feature") for sha, at in commits],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/commits",
        params=P,
    )


def table(
    tmp_path: Path, log: LogBuilder, name: str, settings: Settings | None = None
) -> list[dict[str, object]]:
    """Rows of one table as dicts."""
    from projections import TABLES

    db = tmp_path / "metrics.db"
    build(log.events, db, settings)
    cols = TABLES[name].column_names
    return [dict(zip(cols, r, strict=True)) for r in dump(db)[name]]


# --- medians -------------------------------------------------------------------------------------


def test_median_of_odd_count_is_middle_value() -> None:
    """An odd sample's median is its middle value."""
    assert stats.median([5.0, 1.0, 3.0]) == 3.0


def test_median_of_even_count_is_mean_of_two_middle_values() -> None:
    """An even sample's median is the mean of its two middle values."""
    assert stats.median([4.0, 1.0, 3.0, 10.0]) == 3.5


def test_p75_interpolates_linearly_and_empty_is_null() -> None:
    """p75 uses the same linear interpolation; empty samples give None, nulls are ignored."""
    assert stats.p75([1.0, 2.0, 3.0, 4.0]) == 3.25
    assert stats.median([]) is None
    assert stats.median([None, 2.0]) == 2.0


# --- DORA ----------------------------------------------------------------------------------------


def test_no_deployments_leaves_changes_undeployed(tmp_path: Path) -> None:
    """Without deployments a merged PR has no deployment, no lead time, and no deployment rows."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=2, commits=[-5])
    changes = table(tmp_path, log, "dora_changes")
    assert [(c["attribution"], c["lead_time_minutes"]) for c in changes] == [("not_deployed", None)]
    assert table(tmp_path, log, "dora_deployments") == []


def test_first_deployment_is_baseline_without_lead_time(tmp_path: Path) -> None:
    """PRs shipped by a repo's first deployment are attributed to the baseline and not timed."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=1, commits=[-2])
    add_pull(log, 2, created=3, merged=4, commits=[2])
    add_deploy(log, 10, at=1.5)
    add_deploy(log, 11, at=6)
    changes = {c["pr_number"]: c for c in table(tmp_path, log, "dora_changes")}
    assert changes[1]["attribution"] == "baseline" and changes[1]["lead_time_minutes"] is None
    assert changes[2]["deployment_key"] == "deployment:11"
    assert changes[2]["lead_time_minutes"] == 240.0  # first commit h2 → deployed h6
    deps = {d["deployment_key"]: d for d in table(tmp_path, log, "dora_deployments")}
    assert deps["deployment:10"]["is_baseline"] == 1 and deps["deployment:10"]["prs_shipped"] == 0
    assert deps["deployment:11"]["prs_shipped"] == 1


def test_squash_merge_lead_time_starts_at_first_pr_commit(tmp_path: Path) -> None:
    """Lead time starts at the earliest PR commit, not at the squash commit on main, and the
    deployment of the squash commit (committed at the merge) contains the PR."""
    log = LogBuilder()
    add_deploy(log, 10, at=-100)
    add_pull(log, 1, created=0, merged=5, commits=[-3, -1, 4])
    add_main_commits(log, [("f" * 40, 5)])
    add_deploy(log, 11, at=7, sha="f" * 40, created=4.5)
    (change,) = table(tmp_path, log, "dora_changes")
    assert change["first_commit_at"] == "2026-03-02T06:00:00Z"
    assert change["lead_time_minutes"] == 600.0
    assert (change["deployment_key"], change["attribution"]) == ("deployment:11", SHA_RULE)


def test_pr_never_deployed_after_merge(tmp_path: Path) -> None:
    """A PR merged after the last deployment is not deployed and has no lead time."""
    log = LogBuilder()
    add_deploy(log, 10, at=1)
    add_pull(log, 1, created=2, merged=3, commits=[1])
    (change,) = table(tmp_path, log, "dora_changes")
    assert change["attribution"] == "not_deployed" and change["deployment_key"] is None


def test_deployment_exactly_at_merge_ships_it(tmp_path: Path) -> None:
    """A deployment of a sha committed AT the merge (or, sha unknown, created at it) ships it."""
    log = LogBuilder()
    add_deploy(log, 10, at=-5)
    add_pull(log, 1, created=0, merged=3, commits=[0])
    add_pull(log, 2, created=0, merged=4, commits=[0])
    add_main_commits(log, [("a" * 40, 3)])
    add_deploy(log, 11, at=3.5, sha="a" * 40)
    add_deploy(log, 12, at=4.5, created=4)
    changes = {c["pr_number"]: c for c in table(tmp_path, log, "dora_changes")}
    assert (changes[1]["deployment_key"], changes[1]["attribution"]) == ("deployment:11", SHA_RULE)
    assert (changes[2]["deployment_key"], changes[2]["attribution"]) == (
        "deployment:12",
        CREATED_RULE,
    )


def test_deployment_of_an_older_sha_after_the_merge_does_not_ship_it(tmp_path: Path) -> None:
    """A deployment that finishes after the merge but deploys a sha committed before it does not
    contain the PR: the first deployment whose sha was committed at or after the merge does."""
    log = LogBuilder()
    add_deploy(log, 10, at=-5)
    add_main_commits(log, [("a" * 40, -10), ("b" * 40, 3)])
    add_pull(log, 1, created=0, merged=3, commits=[0])
    add_deploy(log, 11, at=4, sha="a" * 40, created=3.5)  # created after the merge: sha decides
    add_deploy(log, 12, at=6, sha="b" * 40)
    (change,) = table(tmp_path, log, "dora_changes")
    assert (change["deployment_key"], change["attribution"]) == ("deployment:12", SHA_RULE)
    assert change["lead_time_minutes"] == 360.0
    deps = {d["deployment_key"]: d["prs_shipped"] for d in table(tmp_path, log, "dora_deployments")}
    assert deps == {"deployment:10": 0, "deployment:11": 0, "deployment:12": 1}


def test_unknown_sha_falls_back_to_creation_time(tmp_path: Path) -> None:
    """A deployment (or deploy run) whose sha is not archived contains the PR only when it was
    created at or after the merge; one started before the merge and finished after does not."""
    log = LogBuilder()
    add_deploy(log, 10, at=-5)
    add_pull(log, 1, created=0, merged=3, commits=[0])
    add_deploy(log, 11, at=4, created=2.5)
    runs = [
        run_body(1, "deploy", "main", h(2.9), h(4.5), h(200), "success"),
        run_body(2, "deploy", "main", h(5), h(6), h(200), "success"),
    ]
    log.add(
        kinds.REPO_WORKFLOW_RUNS,
        h(200),
        {"total_count": 2, "workflow_runs": runs},
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/actions/runs",
        params=P,
    )
    (change,) = table(tmp_path, log, "dora_changes")
    assert (change["deployment_key"], change["attribution"]) == ("workflow_run:2", CREATED_RULE)
    assert change["deployed_at"] == "2026-03-02T15:00:00Z"


def test_revert_pr_is_incident_attributed_to_reverted_deployment(tmp_path: Path) -> None:
    """A 'Revert "X"' PR is an incident on the deployment that shipped X, resolved when deployed."""
    log = LogBuilder()
    add_deploy(log, 10, at=-5)
    add_pull(log, 1, created=0, merged=1, commits=[0], title="Add cart")
    add_deploy(log, 11, at=2)
    add_pull(log, 2, created=3, merged=4, commits=[3], title='Revert "Add cart"')
    add_deploy(log, 12, at=5)
    (inc,) = table(tmp_path, log, "dora_incidents")
    assert (inc["source"], inc["deployment_key"], inc["attribution"]) == (
        "revert",
        "deployment:11",
        "reverted_pr_deployment",
    )
    assert inc["resolved_at"] == "2026-03-02T14:00:00Z"
    assert inc["recovery_minutes"] == 180.0  # deployed h2 → revert deployed h5


def test_revert_incident_uses_the_deployment_that_contains_the_reverted_pr(tmp_path: Path) -> None:
    """A revert is attributed to the deployment that contains the reverted PR, not to an earlier-
    sha deployment that finished after its merge; it is resolved when a deployment contains it."""
    log = LogBuilder()
    add_deploy(log, 10, at=-5)
    add_main_commits(log, [("a" * 40, -10), ("b" * 40, 1), ("c" * 40, 4)])
    add_pull(log, 1, created=0, merged=1, commits=[0], title="Add cart")
    add_deploy(log, 11, at=2, sha="a" * 40)
    add_deploy(log, 12, at=2.5, sha="b" * 40)
    add_pull(log, 2, created=3, merged=4, commits=[3], title='Revert "Add cart"')
    add_deploy(log, 13, at=5, sha="b" * 40, created=4.5)
    add_deploy(log, 14, at=6, sha="c" * 40)
    (inc,) = table(tmp_path, log, "dora_incidents")
    assert (inc["deployment_key"], inc["attribution"]) == (
        "deployment:12",
        "reverted_pr_deployment",
    )
    assert inc["resolved_at"] == "2026-03-02T15:00:00Z"  # deployment 14 (h6), not 13
    assert inc["recovery_minutes"] == 210.0


def test_failed_deployment_is_incident_resolved_by_next_success(tmp_path: Path) -> None:
    """A failed production deployment counts as an incident until the next successful one."""
    log = LogBuilder()
    add_deploy(log, 10, at=0)
    add_deploy(log, 11, at=2, state="failure")
    add_deploy(log, 12, at=3)
    (inc,) = table(tmp_path, log, "dora_incidents")
    assert (inc["source"], inc["recovery_minutes"]) == ("failed_deployment", 60.0)
    week = next(
        m
        for m in table(tmp_path, log, "dora_metrics")
        if m["repo"] == REPO and m["granularity"] == "week"
    )
    assert week["deployments"] == 2 and week["failed_deployments"] == 1
    assert week["change_failure_rate"] == pytest.approx(1 / 3)
    assert (
        week["rework_rate"] == 0.5
    )  # the recovering deployment happened while the incident was open


def test_label_incident_attributed_to_last_deployment_before_it(tmp_path: Path) -> None:
    """An incident-labelled issue is attributed to the last success at or before its opening."""
    log = LogBuilder()
    add_deploy(log, 10, at=0)
    add_deploy(log, 11, at=2)
    log.add(
        kinds.REPO_ISSUES,
        h(200),
        [
            issue_body(5, "Down", ["Incident"], h(3), h(4), h(200)),
            issue_body(6, "PR", ["incident"], h(3), None, h(200), is_pull=True),
            issue_body(7, "Bug", ["bug"], h(3), None, h(200)),
        ],
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/issues",
        params=P,
    )
    (inc,) = table(tmp_path, log, "dora_incidents")
    assert (inc["incident_key"], inc["deployment_key"]) == ("issue:5", "deployment:11")
    assert inc["recovery_minutes"] == 120.0


def test_deploy_workflow_runs_on_default_branch_only(tmp_path: Path) -> None:
    """Completed deploy* runs on the default branch are deployments; others and cancelled not."""
    log = LogBuilder()
    runs = [
        run_body(1, "Deploy prod", "main", h(0), h(1), h(200), "success"),
        run_body(2, "deploy-prod", "feature", h(0), h(1), h(200), "success"),
        run_body(3, "build", "main", h(0), h(1), h(200), "success"),
        run_body(4, "deploy-prod", "main", h(2), h(3), h(200), "cancelled"),
        run_body(5, "deploy-prod", "main", h(4), h(5), h(200), "failure"),
    ]
    log.add(
        kinds.REPO_WORKFLOW_RUNS,
        h(200),
        {"total_count": 5, "workflow_runs": runs},
        org=OWNER,
        repo=REPO,
        path="/repos/{owner}/{repo}/actions/runs",
        params=P,
    )
    deps = table(tmp_path, log, "dora_deployments")
    assert [(d["deployment_key"], d["succeeded"], d["deployed_at"]) for d in deps] == [
        ("workflow_run:1", 1, "2026-03-02T10:00:00Z"),
        ("workflow_run:5", 0, "2026-03-02T14:00:00Z"),
    ]


def test_staging_deployments_are_ignored(tmp_path: Path) -> None:
    """Only environments in dora.production_environments count."""
    log = LogBuilder()
    add_deploy(log, 10, at=0, env="staging")
    assert table(tmp_path, log, "dora_deployments") == []
    assert (
        len(table(tmp_path, log, "dora_deployments", Settings(production_environments=("stag*",))))
        == 1
    )


def test_dora_levels_follow_selected_benchmark() -> None:
    """Each metric is bucketed on its own, with the benchmark year's cut-offs."""
    assert dora_levels.lt_level(120.0, "2023") == "elite"
    assert dora_levels.lt_level(120.0, "2021") == "high"
    assert dora_levels.cfr_level(0.12, "2023") == "medium"
    assert dora_levels.cfr_level(0.12, "2021") == "elite"
    assert dora_levels.df_level(0.0, "2024") == "low"
    assert dora_levels.recovery_level(None, "2023") is None


def test_deployment_days_split_at_utc_midnight(tmp_path: Path) -> None:
    """Deployments at 23:59:59Z Sunday and 00:00:00Z Monday fall in different days and ISO weeks."""
    log = LogBuilder()
    add_deploy(log, 10, at=-9 - 1 / 3600)  # 2026-03-01T23:59:59Z (Sunday)
    add_deploy(log, 11, at=-9)  # 2026-03-02T00:00:00Z (Monday)
    weeks = sorted(
        (m["period_start"], m["deployments"])
        for m in table(tmp_path, log, "dora_metrics")
        if m["repo"] == REPO and m["granularity"] == "week"
    )
    assert weeks == [("2026-02-23", 1), ("2026-03-02", 1)]


# --- velocity ------------------------------------------------------------------------------------


def test_bot_and_copilot_reviews_never_end_pickup(tmp_path: Path) -> None:
    """Pickup ends at the first human review by another person; bot/Copilot/self reviews don't."""
    log = LogBuilder()
    add_pull(
        log,
        1,
        created=0,
        merged=10,
        commits=[-1],
        reviews=[
            ("copilot-pull-request-reviewer[bot]", "Bot", 0.5),
            ("ci-helper[bot]", "Bot", 1),
            ("alice", "User", 1.5),
            ("release-robot", "User", 1.8),
            ("bob", "User", 2),
        ],
    )
    (pr,) = table(tmp_path, log, "velocity_pull_requests", Settings(bots=("release-robot",)))
    assert pr["first_review_at"] == "2026-03-02T11:00:00Z"
    assert (
        pr["coding_minutes"],
        pr["pickup_minutes"],
        pr["review_minutes"],
        pr["cycle_minutes"],
    ) == (60.0, 120.0, 480.0, 660.0)
    assert pr["reviews"] == 1


def test_bot_only_reviews_leave_pickup_open(tmp_path: Path) -> None:
    """A PR reviewed only by bots has no pickup or review time."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=3, commits=[0], reviews=[("Copilot", "Bot", 1)])
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["first_review_at"] is None and pr["pickup_minutes"] is None


def test_bots_and_copilot_get_no_velocity_rows(tmp_path: Path) -> None:
    """Bot and Copilot authors are classified and never become developers in velocity_metrics."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=3, commits=[0], author="dependabot[bot]", author_type="Bot")
    add_pull(
        log,
        2,
        created=0,
        merged=3,
        commits=[0],
        author="Copilot",
        author_type="Bot",
        reviews=[("alice", "User", 1)],
    )
    add_pull(log, 3, created=0, merged=3, commits=[0], author="bob")
    kinds = {
        p["pr_number"]: p["author_kind"] for p in table(tmp_path, log, "velocity_pull_requests")
    }
    assert kinds == {1: "bot", 2: "copilot", 3: "human"}
    weekly = {
        (w["user_login"], w["prs_merged"], w["reviews_given"])
        for w in table(tmp_path, log, "velocity_metrics")
    }
    assert weekly == {("bob", 1, 0), ("alice", 0, 1)}


def test_draft_pr_is_ready_when_first_seen_ready(tmp_path: Path) -> None:
    """A PR seen as a draft becomes ready at the first later fetch that sees it ready."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=5, fetch=1)
    add_pull(log, 1, created=0, merged=None, commits=[0], ready=5, fetch=6)
    (pr,) = table(tmp_path, log, "velocity_pull_requests")
    assert pr["ready_at"] is not None and pr["ready_at"].startswith("2026-03-02T15:00:00")


def test_weekly_medians_use_even_count_definition(tmp_path: Path) -> None:
    """A developer's weekly median cycle over two PRs is the mean of the two."""
    log = LogBuilder()
    add_pull(log, 1, created=0, merged=2, commits=[0])
    add_pull(log, 2, created=0, merged=4, commits=[0])
    (wk,) = table(tmp_path, log, "velocity_metrics")
    assert (wk["week_start"], wk["median_cycle_minutes"], wk["cycle_sample_size"]) == (
        "2026-03-02",
        180.0,
        2,
    )


# --- Copilot reports -----------------------------------------------------------------------------


def _daily(tmp_path: Path, log: LogBuilder) -> list[dict[str, object]]:
    return table(tmp_path, log, "copilot_daily_metrics")


def test_report_revised_later_uses_latest_and_counts_revisions(tmp_path: Path) -> None:
    """A re-fetch with new content wins and is a revision; an identical re-fetch is not."""
    log = LogBuilder()
    day = "2026-03-01"
    first = [ndjson([aggregate_record(day, [user_record(day, 1, "a", 10, 5)])])]
    revised = [ndjson([aggregate_record(day, [user_record(day, 1, "a", 20, 5)])])]
    add_report(log, kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, day, h(0), first)
    add_report(log, kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, day, h(24), revised)
    link = add_report(log, kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, day, h(48), revised)
    (row,) = _daily(tmp_path, log)
    assert row["code_generation_activity_count"] == 20 and row["report_revisions"] == 2
    assert row["completion_acceptance_rate"] == 0.25
    second_fetch_file = log.events[log.events.index(link) - 1]  # the file of the h24 fetch
    assert row["source_event_id"] == second_fetch_file.event_id


def test_day_with_204_has_no_report_rows(tmp_path: Path) -> None:
    """A 204 (no report that day) is not an error and produces no rows."""
    log = LogBuilder()
    add_report(log, kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, "2026-03-01", h(0), None)
    add_report(log, kinds.COPILOT_REPORT_USERS_1_DAY, "2026-03-01", h(0), None)
    assert _daily(tmp_path, log) == []
    assert table(tmp_path, log, "copilot_user_metrics") == []


def test_unknown_fields_and_blank_lines_in_report_files_are_ignored(tmp_path: Path) -> None:
    """Records with fields GitHub added later still load; blank and broken lines are skipped."""
    log = LogBuilder()
    day = "2026-03-01"
    rec = {**user_record(day, 7, "zed", 4, 1), "totals_by_skill": [{"x": 1}], "brand_new": True}
    add_report(log, kinds.COPILOT_REPORT_USERS_1_DAY, day, h(0), [ndjson([rec]) + b"\n{broken\n"])
    (user,) = table(tmp_path, log, "copilot_user_metrics")
    assert (user["user_login"], user["code_acceptance_activity_count"], user["primary_ide"]) == (
        "zed",
        1,
        "vscode",
    )
    assert user["used_copilot_code_review_active"] is None  # null flag stays NULL, not 0


def test_acceptance_rate_counts_code_completion_only_and_is_null_without_generations(
    tmp_path: Path,
) -> None:
    """Acceptance rate = Σ acceptances ÷ Σ generations over code_completion; NULL on zero."""
    log = LogBuilder()
    day = "2026-03-01"
    rec = aggregate_record(day, [user_record(day, 1, "a", 0, 0, chat=8)])
    rec["totals_by_feature"].append(
        {
            "feature": "chat_panel_agent_mode",
            "code_generation_activity_count": 9,
            "code_acceptance_activity_count": 9,
        }
    )
    add_report(log, kinds.COPILOT_REPORT_ENTERPRISE_1_DAY, day, h(0), [ndjson([rec])])
    (row,) = _daily(tmp_path, log)
    assert row["completion_acceptance_rate"] is None


def test_report_files_of_one_fetch_are_concatenated(tmp_path: Path) -> None:
    """A users report split over several files yields the records of all of them."""
    log = LogBuilder()
    day = "2026-03-01"
    add_report(
        log,
        kinds.COPILOT_REPORT_USERS_1_DAY,
        day,
        h(0),
        [ndjson([user_record(day, 1, "a", 1, 1)]), ndjson([user_record(day, 2, "b", 1, 1)])],
    )
    assert [u["user_login"] for u in table(tmp_path, log, "copilot_user_metrics")] == ["a", "b"]


def test_user_rows_of_one_day_prefer_the_enterprise_report_then_the_first_org(
    tmp_path: Path,
) -> None:
    """The same user and day in the enterprise report and in two org reports: one row, from the
    enterprise report (its org column empty); without it, from the alphabetically first org."""
    log = LogBuilder()
    day, other = "2026-03-01", "2026-03-02"
    for org, gen in (("zeta", 30), ("", 10), ("alpha", 20)):
        add_report(
            log,
            kinds.COPILOT_REPORT_USERS_1_DAY,
            day,
            h(0),
            [ndjson([user_record(day, 1, "a", gen, 1)])],
            org=org or None,
        )
    for org, gen in (("zeta", 30), ("alpha", 20)):
        add_report(
            log,
            kinds.COPILOT_REPORT_USERS_1_DAY,
            other,
            h(24),
            [ndjson([user_record(other, 1, "a", gen, 1)])],
            org=org,
        )
    rows = table(tmp_path, log, "copilot_user_metrics")
    assert [(r["day"], r["report_org"], r["code_generation_activity_count"]) for r in rows] == [
        (day, "", 10),
        (other, "alpha", 20),
    ]


def test_record_dated_another_day_than_its_report_clashes_across_reports(tmp_path: Path) -> None:
    """A record whose own `day` differs from its report's day keys on the record's day: when it
    meets the same user in that day's own report, the first report by day keeps the row, and
    every table stays sorted by its key."""
    log = LogBuilder()
    d1, d2 = "2026-03-01", "2026-03-02"
    add_report(
        log, kinds.COPILOT_REPORT_USERS_1_DAY, d1, h(0), [ndjson([user_record(d1, 2, "b", 5, 1)])]
    )
    late = [ndjson([user_record(d1, 2, "b", 9, 1), user_record(d2, 1, "a", 7, 1)])]
    add_report(log, kinds.COPILOT_REPORT_USERS_1_DAY, d2, h(24), late)
    rows = table(tmp_path, log, "copilot_user_metrics")
    got = [(r["day"], r["user_id"], r["code_generation_activity_count"]) for r in rows]
    assert got == [(d1, 2, 5), (d2, 1, 7)]


# --- seats, billing, runs ---------------------------------------------------------------------


def _seats(log: LogBuilder, when: datetime, last_activity: datetime) -> None:
    log.add(
        kinds.COPILOT_SEATS,
        when,
        {"total_seats": 1, "seats": [seat_body("alice", T0, last_activity)]},
        org="web",
        path="/orgs/{org}/copilot/billing/seats",
        params={"org": "web"},
    )


def test_seat_inactive_days_use_utc_dates(tmp_path: Path) -> None:
    """last_activity_at 23:30-06:00 is the next UTC day; inactive_days counts whole UTC days."""
    log = LogBuilder()
    _seats(log, datetime(2026, 3, 5, 8, tzinfo=UTC), datetime(2026, 3, 3, 5, 30, tzinfo=UTC))
    (seat,) = table(tmp_path, log, "copilot_seats")
    assert seat["last_activity_at"] == "2026-03-03T05:30:00Z"
    assert (seat["snapshot_day"], seat["inactive_days"]) == ("2026-03-05", 2)


def test_seat_304_next_day_reconfirms_earlier_page(tmp_path: Path) -> None:
    """A 304 on a later day re-confirms the stored page as that day's snapshot, sourced to it."""
    log = LogBuilder()
    _seats(log, datetime(2026, 3, 5, 8, tzinfo=UTC), T0)
    log.not_modified(log.events[0], datetime(2026, 3, 6, 8, tzinfo=UTC))
    seats = table(tmp_path, log, "copilot_seats")
    assert [(s["snapshot_day"], s["inactive_days"], s["source_event_id"]) for s in seats] == [
        ("2026-03-05", 3, log.events[0].event_id),
        ("2026-03-06", 4, log.events[0].event_id),
    ]


def test_premium_usage_latest_fetch_of_a_day_wins(tmp_path: Path) -> None:
    """Billing usage for a day is the latest answer for that day; items become rows by sku/model."""
    log = LogBuilder()
    q = {"year": "2026", "month": "3", "day": "1"}
    for qty, at in ((5.0, 0), (7.0, 24)):
        log.add(
            kinds.BILLING_PREMIUM_REQUEST_USAGE,
            h(at),
            usage_body([("Copilot", "Copilot Premium Request", "GPT-5", qty)], 2026, 3, 1),
            path="/enterprises/{enterprise}/settings/billing/premium_request/usage",
            params={"enterprise": "contoso"},
            query=q,
        )
    (row,) = table(tmp_path, log, "copilot_premium_requests")
    assert (row["day"], row["source"], row["net_quantity"], row["net_amount"]) == (
        "2026-03-01",
        "premium_request",
        7.0,
        0.28,
    )


def test_run_without_finish_is_interrupted(tmp_path: Path) -> None:
    """A run.started with no run.finished is reported as interrupted."""
    log = LogBuilder()
    log.add(
        kinds.RUN_STARTED,
        h(0),
        {"run_id": "r1", "enterprise_id": "contoso", "started_at": "2026-03-02T09:00:00Z"},
    )
    (run,) = table(tmp_path, log, "collection_runs")
    assert (run["status"], run["finished_at"]) == ("interrupted", None)


def test_event_without_body_json_is_skipped(tmp_path: Path) -> None:
    """Error events and undecodable bodies contribute nothing and do not fail the build."""
    log = LogBuilder()
    log.add(
        kinds.REPO_PULLS,
        h(0),
        None,
        org=OWNER,
        repo=REPO,
        raw=b"\xff\xfe not json",
        path="/repos/{owner}/{repo}/pulls",
        params=P,
    )
    log.add(
        kinds.REPO_PULLS,
        h(1),
        None,
        org=OWNER,
        repo=REPO,
        status=0,
        path="/repos/{owner}/{repo}/pulls",
        params=P,
    )
    assert table(tmp_path, log, "velocity_pull_requests") == []
    assert orjson.loads(b"{}") == {}
