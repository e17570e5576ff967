"""Copilot usage reports → copilot_daily_metrics, copilot_breakdown_daily, copilot_user_metrics,
copilot_user_teams, and the extension table copilot_repo_metrics (repos-1-day).

Report files arrive as `copilot.report_file` events whose body is NDJSON (one record per line);
`refs.report_kind`/`report_day` say which report, `refs.report_event_id` names the link answer the
file came from, so the files of one fetch form one *revision* of that day's report.
Definitions:
- latest fetch wins: a day's report is the file set of its latest fetch (greatest (fetched_at, seq)
  among its files); a 204/404/empty day simply has no files and no rows;
- report_revisions = how many DISTINCT contents (file hashes in file order) that day's report had,
  so
  re-downloading an unchanged report (a rerun) is not a revision;
- source_event_id = the first file event of the earliest fetch that delivered the winning content;
- completion_acceptance_rate = Σ code_acceptance_activity_count ÷ Σ code_generation_activity_count
  over `totals_by_feature` rows with feature `code_completion` (GitHub Copilot usage-metrics field
  reference); NULL when there were no generations;
- unknown fields are ignored, absent counters are NULL (absent ≠ 0), duplicate breakdown slices are
  summed;
- copilot_repo_metrics (an extension: design §5 names no table for the repos-1-day report, which
  ingest archives): one row per (enterprise, day, repo = `repo_owner_name/repo_name`) with the
  record's `pull_requests` fields as `pr_*` (GitHub usage-metrics field reference) and the
  `pull_request_review_times` element authored_by = reviewed_by = `human` (changelog 2026-09-25:
  the only one at launch); an empty array (no qualifying merges) gives review_total_merged 0 and
  NULL times, an absent array (before 2026-09-21) NULL everywhere. Records without a repo name
  are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from archive import kinds
from projections.events import Fetched
from projections.observe import Order, order_of, status_of
from projections.schema import REPO_PR, REVIEW_TIMES
from projections.stats import ratio

KINDS = frozenset({kinds.COPILOT_REPORT_FILE})
AGGREGATE_KINDS = {
    kinds.COPILOT_REPORT_ENTERPRISE_1_DAY: "enterprise",
    kinds.COPILOT_REPORT_ORGANIZATION_1_DAY: "organization",
}
COUNTERS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
DIMENSIONS = {
    "ide": ("totals_by_ide", ("ide",)),
    "feature": ("totals_by_feature", ("feature",)),
    "language_feature": ("totals_by_language_feature", ("language", "feature")),
    "language_model": ("totals_by_language_model", ("language", "model")),
    "model_feature": ("totals_by_model_feature", ("model", "feature")),
}
ReportId = tuple[str, str, str, str]
"""(enterprise_id, report kind, org or '', report day)."""


@dataclass(slots=True)
class Fetch:
    """The files one report fetch delivered: file_index → (order, event_id, sha256, text)."""

    files: dict[int, tuple[Order, str, str, str]] = field(default_factory=dict)

    def last(self) -> Order:
        """When the fetch completed (its latest file)."""
        return max(f[0] for f in self.files.values())

    def content(self) -> tuple[tuple[int, str], ...]:
        """What it delivered: (file_index, body sha256) in file order."""
        return tuple((i, self.files[i][2]) for i in sorted(self.files))

    def first_event_id(self) -> str:
        """The event id of its first file."""
        return self.files[min(self.files)][1]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every JSON object line of its files, in file order; blank or broken lines skipped."""
        for i in sorted(self.files):
            for line in self.files[i][3].splitlines():
                if not line.strip():
                    continue
                try:
                    rec = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(rec, dict):
                    yield rec


@dataclass(frozen=True, slots=True)
class Report:
    """The winning revision of one day's report."""

    rid: ReportId
    fetch: Fetch
    revisions: int
    source_event_id: str


class ReportCollector:
    """Groups report-file events into fetches per report and day."""

    kinds = KINDS

    def __init__(self) -> None:
        self.fetches: dict[ReportId, dict[str, Fetch]] = {}

    def add(self, ev: Fetched) -> None:
        """Take one downloaded report file."""
        refs = ev.refs or {}
        if status_of(ev) != 200 or ev.body is None or ev.body_encoding == "base64":
            return
        kind, day = refs.get("report_kind"), refs.get("report_day")
        if not isinstance(kind, str) or not isinstance(day, str):
            return
        rid = (ev.enterprise_id or "", kind, ev.org or "", day)
        group = str(refs.get("report_event_id") or ev.run_id)
        fetch = self.fetches.setdefault(rid, {}).setdefault(group, Fetch())
        index = int(refs.get("file_index") or 0)
        entry = (order_of(ev), ev.event_id, ev.body_sha256 or "", ev.body)
        cur = fetch.files.get(index)
        if cur is None or entry[0] > cur[0]:
            fetch.files[index] = entry

    def finish(self) -> list[Report]:
        """The winning revision of every report, sorted by report id."""
        out: list[Report] = []
        for rid in sorted(self.fetches):
            fetches = sorted(self.fetches[rid].values(), key=Fetch.last)
            winner = fetches[-1]
            content = winner.content()
            first = next(f for f in fetches if f.content() == content)
            revisions = len({f.content() for f in fetches})
            out.append(Report(rid, winner, revisions, first.first_event_id()))
        return out


def _num(rec: dict[str, Any], name: str) -> Any:
    value = rec.get(name)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _flag(rec: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = rec.get(name)
        if isinstance(value, bool):
            return int(value)
    return None


def completion_acceptance_rate(rec: dict[str, Any]) -> float | None:
    """Σ acceptances ÷ Σ generations over `totals_by_feature` rows of feature code_completion."""
    acc = gen = 0
    for row in rec.get("totals_by_feature") or []:
        if isinstance(row, dict) and row.get("feature") == "code_completion":
            acc += _num(row, "code_acceptance_activity_count") or 0
            gen += _num(row, "code_generation_activity_count") or 0
    return ratio(acc, gen)


def daily_row(rep: Report, rec: dict[str, Any]) -> tuple[object, ...]:
    """One copilot_daily_metrics row from an enterprise or organization record."""
    ent, kind, org, day = rep.rid
    pr = rec.get("pull_requests") if isinstance(rec.get("pull_requests"), dict) else {}
    assert isinstance(pr, dict)
    return (
        ent,
        AGGREGATE_KINDS[kind],
        org,
        str(rec.get("day") or day),
        *(
            _num(rec, n)
            for n in (
                "daily_active_users",
                "weekly_active_users",
                "monthly_active_users",
                "monthly_active_chat_users",
                "monthly_active_agent_users",
                "daily_active_cli_users",
            )
        ),
        *(_num(rec, n) for n in COUNTERS),
        completion_acceptance_rate(rec),
        *(
            _num(pr, n)
            for n in (
                "total_created",
                "total_reviewed",
                "total_merged",
                "median_minutes_to_merge",
                "total_created_by_copilot",
                "total_reviewed_by_copilot",
            )
        ),
        rep.revisions,
        rep.source_event_id,
        *(
            _num(pr, n)
            for n in (
                "total_merged_created_by_copilot",
                "total_suggestions",
                "total_applied_suggestions",
            )
        ),
    )


def breakdown_rows(rep: Report, rec: dict[str, Any]) -> dict[tuple[object, ...], list[Any]]:
    """copilot_breakdown_daily rows (key → counters) of one aggregate record; duplicates summed."""
    ent, kind, org, day = rep.rid
    day = str(rec.get("day") or day)
    out: dict[tuple[object, ...], list[Any]] = {}
    for dim, (array, _fields) in DIMENSIONS.items():
        for row in rec.get(array) or []:
            if not isinstance(row, dict):
                continue
            vals = {f: str(row.get(f) or "") for f in ("ide", "feature", "language", "model")}
            key = (
                ent,
                AGGREGATE_KINDS[kind],
                org,
                day,
                dim,
                vals["ide"],
                vals["feature"],
                vals["language"],
                vals["model"],
            )
            counters = [_num(row, n) for n in COUNTERS]
            cur = out.get(key)
            out[key] = (
                counters
                if cur is None
                else [
                    None if a is None and b is None else (a or 0) + (b or 0)
                    for a, b in zip(cur, counters, strict=True)
                ]
            )
    return out


def primary_ide(rec: dict[str, Any]) -> str | None:
    """The IDE with the most activity (interactions + generations); ties by name."""
    best: tuple[float, str] | None = None
    for row in rec.get("totals_by_ide") or []:
        if isinstance(row, dict) and row.get("ide"):
            score = (_num(row, "user_initiated_interaction_count") or 0) + (
                _num(row, "code_generation_activity_count") or 0
            )
            cand = (-score, str(row["ide"]))
            best = cand if best is None or cand < best else best
    return None if best is None else best[1]


def user_row(rep: Report, rec: dict[str, Any]) -> tuple[object, ...] | None:
    """One copilot_user_metrics row from a users report record."""
    user_id = _num(rec, "user_id")
    if not isinstance(user_id, int):
        return None
    phase = rec.get("ai_adoption_phase")
    return (
        rep.rid[0],
        str(rec.get("day") or rep.rid[3]),
        user_id,
        str(rec.get("user_login") or ""),
        *(_num(rec, n) for n in COUNTERS),
        _flag(rec, "used_agent"),
        _flag(rec, "used_chat"),
        _flag(rec, "used_cli"),
        _flag(rec, "used_copilot_coding_agent", "used_copilot_cloud_agent"),
        _flag(rec, "used_copilot_code_review_active"),
        _flag(rec, "used_copilot_code_review_passive"),
        primary_ide(rec),
        str(phase.get("phase")) if isinstance(phase, dict) and phase.get("phase") else None,
        _num(rec, "ai_credits_used"),
        rep.source_event_id,
        completion_acceptance_rate(rec),
        rep.rid[2],
    )


def team_row(rep: Report, rec: dict[str, Any]) -> tuple[object, ...] | None:
    """One copilot_user_teams row from a user-teams report record."""
    user_id, slug = _num(rec, "user_id"), rec.get("slug")
    if not isinstance(user_id, int) or not isinstance(slug, str):
        return None
    return (
        rep.rid[0],
        str(rec.get("day") or rep.rid[3]),
        user_id,
        slug,
        str(rec.get("user_login") or ""),
        rep.rid[2],
        _num(rec, "team_id"),
    )


def _review_times(rec: dict[str, Any]) -> list[Any]:
    times = rec.get("pull_request_review_times")
    if not isinstance(times, list):
        return [None] * len(REVIEW_TIMES)
    human = next(
        (
            t
            for t in times
            if isinstance(t, dict)
            and t.get("authored_by") == "human"
            and t.get("reviewed_by") == "human"
        ),
        None,
    )
    if human is None:
        return [0] + [None] * (len(REVIEW_TIMES) - 1)
    return [_num(human, "total_merged"), *(_num(human, n) for n in REVIEW_TIMES[1:])]


def repo_row(rep: Report, rec: dict[str, Any]) -> tuple[object, ...] | None:
    """One copilot_repo_metrics row from a repos-1-day record (None without a repository name)."""
    name, owner = rec.get("repo_name"), rec.get("repo_owner_name") or rep.rid[2]
    if not isinstance(name, str) or not name or not isinstance(owner, str) or not owner:
        return None
    pr = rec.get("pull_requests")
    pr = pr if isinstance(pr, dict) else {}
    visibility = rec.get("repo_visibility")
    return (
        rep.rid[0],
        str(rec.get("day") or rep.rid[3]),
        f"{owner}/{name}",
        owner,
        _num(rec, "repo_id"),
        visibility if isinstance(visibility, str) else None,
        *(_num(pr, n) for n in REPO_PR),
        *_review_times(rec),
        rep.revisions,
        rep.source_event_id,
    )


def build(reports: list[Report]) -> dict[str, list[tuple[object, ...]]]:
    """All Copilot report tables. On a key clash the enterprise-scope report ('' org) wins, then
    the alphabetically first org (reports are visited in that order; the first row is kept)."""
    tables: dict[str, dict[tuple[object, ...], tuple[object, ...]]] = {
        "copilot_daily_metrics": {},
        "copilot_breakdown_daily": {},
        "copilot_user_metrics": {},
        "copilot_user_teams": {},
        "copilot_repo_metrics": {},
    }
    for rep in sorted(reports, key=lambda r: (r.rid[0], r.rid[2], r.rid[1], r.rid[3])):
        kind = rep.rid[1]
        for rec in rep.fetch.records():
            if kind in AGGREGATE_KINDS:
                row = daily_row(rep, rec)
                tables["copilot_daily_metrics"].setdefault(row[:4], row)
                for key, counters in breakdown_rows(rep, rec).items():
                    tables["copilot_breakdown_daily"].setdefault(key, (*key, *counters))
            elif kind == kinds.COPILOT_REPORT_USERS_1_DAY:
                urow = user_row(rep, rec)
                if urow is not None:
                    tables["copilot_user_metrics"].setdefault(urow[:3], urow)
            elif kind == kinds.COPILOT_REPORT_USER_TEAMS_1_DAY:
                trow = team_row(rep, rec)
                if trow is not None:
                    tables["copilot_user_teams"].setdefault(trow[:4], trow)
            elif kind == kinds.COPILOT_REPORT_REPOS_1_DAY:
                rrow = repo_row(rep, rec)
                if rrow is not None:
                    tables["copilot_repo_metrics"].setdefault(rrow[:3], rrow)
    return {name: list(rows.values()) for name, rows in tables.items()}
