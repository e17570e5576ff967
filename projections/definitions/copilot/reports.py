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

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from archive import kinds
from projections.definitions.copilot.schema import REPO_PR, REVIEW_TIMES
from projections.definitions.shared.observe import Order, order_of, status_of
from projections.definitions.shared.stats import ratio
from projections.engine.events import Fetched
from projections.engine.ordered import pack, unpack
from projections.schema import TABLES

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


Row = tuple[object, ...]
TABLES_OF_KIND: dict[str, tuple[str, ...]] = {
    kinds.COPILOT_REPORT_ENTERPRISE_1_DAY: ("copilot_daily_metrics", "copilot_breakdown_daily"),
    kinds.COPILOT_REPORT_ORGANIZATION_1_DAY: ("copilot_daily_metrics", "copilot_breakdown_daily"),
    kinds.COPILOT_REPORT_USERS_1_DAY: ("copilot_user_metrics",),
    kinds.COPILOT_REPORT_USER_TEAMS_1_DAY: ("copilot_user_teams",),
    kinds.COPILOT_REPORT_REPOS_1_DAY: ("copilot_repo_metrics",),
}
PER_USER_KINDS = frozenset(
    {kinds.COPILOT_REPORT_USERS_1_DAY, kinds.COPILOT_REPORT_USER_TEAMS_1_DAY}
)
"""The report kinds of the per-user tables: most of the report bytes and rows, so their own
registry family (computed in a process of its own when that pays, see `engine.side`)."""
OTHER_KINDS = frozenset(TABLES_OF_KIND) - PER_USER_KINDS


def tables_of(report_kinds: frozenset[str]) -> tuple[str, ...]:
    """The tables the given report kinds feed, in a fixed order."""
    return tuple(sorted({t for k in report_kinds for t in TABLES_OF_KIND[k]}))


_NUMBER = frozenset({int, float})
"""JSON numbers (orjson gives exactly these types; a bool is not one)."""


@dataclass(slots=True)
class Fetch:
    """The files one report fetch delivered: file_index → (order, event_id, sha256, rows key)."""

    files: dict[int, tuple[Order, str, str, tuple[str, str]]] = field(default_factory=dict)

    def last(self) -> Order:
        """When the fetch completed (its latest file)."""
        return max(f[0] for f in self.files.values())

    def content(self) -> tuple[tuple[int, str], ...]:
        """What it delivered: (file_index, body sha256) in file order."""
        return tuple((i, self.files[i][2]) for i in sorted(self.files))

    def first_event_id(self) -> str:
        """The event id of its first file."""
        return self.files[min(self.files)][1]


@dataclass(frozen=True, slots=True)
class Report:
    """The winning revision of one day's report: its files' packed rows, in file order."""

    rid: ReportId
    revisions: int
    source_event_id: str
    files: tuple[bytes, ...]


class ReportCollector:
    """Groups report-file events into fetches per report and day.

    Memory stays bounded by rows, not by report text: each file is parsed into its table rows
    when it arrives (once per distinct content of a report: a rerun that downloads the same bytes
    parses nothing) and kept packed (`ordered.pack`), so a year of user reports is not held as
    JSON.
    The two columns that depend on the other fetches (report_revisions, source_event_id) are
    filled in when the rows are handed out."""

    kinds = KINDS

    def __init__(self, report_kinds: frozenset[str] = frozenset(TABLES_OF_KIND)) -> None:
        self.report_kinds = report_kinds
        """The reports this collector takes (the files of others are skipped unparsed)."""
        self.fetches: dict[ReportId, dict[str, Fetch]] = {}
        self.packed: dict[tuple[str, str], bytes] = {}
        self.stray = False
        """Whether some record's own `day` differs from its report's day (then rows of different
        reports may share a key, and the tables are deduplicated over all reports at once)."""

    def add(self, ev: Fetched) -> None:
        """Take one downloaded report file."""
        refs = ev.refs or {}
        if status_of(ev) != 200 or ev.body is None or ev.body_encoding == "base64":
            return
        kind, day = refs.get("report_kind"), refs.get("report_day")
        if not isinstance(kind, str) or kind not in self.report_kinds or not isinstance(day, str):
            return
        rid = (ev.enterprise_id or "", kind, ev.org or "", day)
        group = str(refs.get("report_event_id") or ev.run_id)
        fetch = self.fetches.setdefault(rid, {}).setdefault(group, Fetch())
        index = int(refs.get("file_index") or 0)
        sha = ev.body_sha256 or ""
        rows_key = ("\0".join(rid), sha or f"event {ev.event_id}")
        if rows_key not in self.packed:
            rows, stray = file_rows(rid, ev.body)
            self.packed[rows_key] = pack(rows)
            self.stray = self.stray or stray
        entry = (order_of(ev), ev.event_id, sha, rows_key)
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
            files = tuple(self.packed[winner.files[i][3]] for i in sorted(winner.files))
            out.append(Report(rid, revisions, first.first_event_id(), files))
        self.packed.clear()
        return out


def _num(rec: dict[str, Any], name: str) -> Any:
    value = rec.get(name)
    return value if type(value) in _NUMBER else None


def _nums(rec: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    return [v if type(v) in _NUMBER else None for v in map(rec.get, names)]


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


ACTIVE_USERS = (
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
    "daily_active_cli_users",
)
PR_TOTALS = (
    "total_created",
    "total_reviewed",
    "total_merged",
    "median_minutes_to_merge",
    "total_created_by_copilot",
    "total_reviewed_by_copilot",
)
PR_TOTALS_LATER = (
    "total_merged_created_by_copilot",
    "total_suggestions",
    "total_applied_suggestions",
)


def daily_row(rid: ReportId, rec: dict[str, Any]) -> Row:
    """One copilot_daily_metrics row from an enterprise or organization record (revisions and
    source event left empty: see `ReportCollector`)."""
    ent, kind, org, day = rid
    pr = rec.get("pull_requests")
    pr = pr if isinstance(pr, dict) else {}
    return (
        ent,
        AGGREGATE_KINDS[kind],
        org,
        str(rec.get("day") or day),
        *_nums(rec, ACTIVE_USERS),
        *_nums(rec, COUNTERS),
        completion_acceptance_rate(rec),
        *_nums(pr, PR_TOTALS),
        None,
        None,
        *_nums(pr, PR_TOTALS_LATER),
    )


def breakdown_rows(rid: ReportId, rec: dict[str, Any]) -> dict[Row, list[Any]]:
    """copilot_breakdown_daily rows (key → counters) of one aggregate record; duplicates summed."""
    ent, kind, org, day = rid
    scope = AGGREGATE_KINDS[kind]
    day = str(rec.get("day") or day)
    out: dict[Row, list[Any]] = {}
    for dim, (array, _fields) in DIMENSIONS.items():
        for row in rec.get(array) or []:
            if not isinstance(row, dict):
                continue
            get = row.get
            key = (
                ent,
                scope,
                org,
                day,
                dim,
                str(get("ide") or ""),
                str(get("feature") or ""),
                str(get("language") or ""),
                str(get("model") or ""),
            )
            counters = _nums(row, COUNTERS)
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


def user_row(rid: ReportId, rec: dict[str, Any]) -> Row | None:
    """One copilot_user_metrics row from a users report record (source event left empty)."""
    user_id = rec.get("user_id")
    if type(user_id) is not int:
        return None
    phase = rec.get("ai_adoption_phase")
    return (
        rid[0],
        str(rec.get("day") or rid[3]),
        user_id,
        str(rec.get("user_login") or ""),
        *_nums(rec, COUNTERS),
        _flag(rec, "used_agent"),
        _flag(rec, "used_chat"),
        _flag(rec, "used_cli"),
        _flag(rec, "used_copilot_coding_agent", "used_copilot_cloud_agent"),
        _flag(rec, "used_copilot_code_review_active"),
        _flag(rec, "used_copilot_code_review_passive"),
        primary_ide(rec),
        str(phase.get("phase")) if isinstance(phase, dict) and phase.get("phase") else None,
        _num(rec, "ai_credits_used"),
        None,
        completion_acceptance_rate(rec),
        rid[2],
    )


def team_row(rid: ReportId, rec: dict[str, Any]) -> Row | None:
    """One copilot_user_teams row from a user-teams report record."""
    get = rec.get
    user_id, slug = get("user_id"), get("slug")
    if type(user_id) is not int or not isinstance(slug, str):
        return None
    team_id = get("team_id")
    return (
        rid[0],
        str(get("day") or rid[3]),
        user_id,
        slug,
        str(get("user_login") or ""),
        rid[2],
        team_id if type(team_id) in _NUMBER else None,
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
    return [_num(human, "total_merged"), *_nums(human, REVIEW_TIMES[1:])]


def repo_row(rid: ReportId, rec: dict[str, Any]) -> Row | None:
    """One copilot_repo_metrics row from a repos-1-day record (None without a repository name;
    revisions and source event left empty)."""
    name, owner = rec.get("repo_name"), rec.get("repo_owner_name") or rid[2]
    if not isinstance(name, str) or not name or not isinstance(owner, str) or not owner:
        return None
    pr = rec.get("pull_requests")
    pr = pr if isinstance(pr, dict) else {}
    visibility = rec.get("repo_visibility")
    return (
        rid[0],
        str(rec.get("day") or rid[3]),
        f"{owner}/{name}",
        owner,
        _num(rec, "repo_id"),
        visibility if isinstance(visibility, str) else None,
        *_nums(pr, REPO_PR),
        *_review_times(rec),
        None,
        None,
    )


_ROW_OF: dict[str, Callable[[ReportId, dict[str, Any]], Row | None]] = {
    kinds.COPILOT_REPORT_USERS_1_DAY: user_row,
    kinds.COPILOT_REPORT_USER_TEAMS_1_DAY: team_row,
    kinds.COPILOT_REPORT_REPOS_1_DAY: repo_row,
}


def records(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object line of one NDJSON file, in order; blank or broken lines skipped."""
    loads = orjson.loads
    for line in text.splitlines():
        if not line or line.isspace():
            continue
        try:
            rec = loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            yield rec


def file_rows(rid: ReportId, text: str) -> tuple[list[list[Row]], bool]:
    """The rows one report file gives each table of its kind (`TABLES_OF_KIND` order), and whether
    a record's own day differs from the report's."""
    kind, day = rid[1], rid[3]
    if kind in AGGREGATE_KINDS:
        daily: list[Row] = []
        breakdown: list[Row] = []
        for rec in records(text):
            daily.append(daily_row(rid, rec))
            breakdown.extend((*k, *c) for k, c in breakdown_rows(rid, rec).items())
        return [daily, breakdown], any(r[3] != day for r in daily)
    make = _ROW_OF.get(kind)
    if make is None:
        return [], False
    rows = [r for r in map(make, itertools.repeat(rid), records(text)) if r is not None]
    return [rows], any(r[1] != day for r in rows)


def _filler(table: str) -> Callable[[Row, int, str], Row] | None:
    """Fills report_revisions and source_event_id (where the table has them) into a row."""
    cols = TABLES[table].column_names
    rev = cols.index("report_revisions") if "report_revisions" in cols else None
    src = cols.index("source_event_id") if "source_event_id" in cols else None
    if src is None:
        return None
    if rev is None:
        return lambda row, _rev, s: (*row[:src], s, *row[src + 1 :])
    lo, hi = sorted((rev, src))

    def fill(row: Row, revisions: int, source: str) -> Row:
        values = {rev: revisions, src: source}
        return (*row[:lo], values[lo], *row[lo + 1 : hi], values[hi], *row[hi + 1 :])

    return fill


def _group_of(table: str) -> Callable[[ReportId], tuple[str, ...]]:
    """Reports whose rows may share a key: per (enterprise, day) for the per-user and per-repo
    tables (enterprise- and org-scope reports of one day), else per report (scope, org, day)."""
    if table in ("copilot_daily_metrics", "copilot_breakdown_daily"):
        return lambda rid: (rid[0], AGGREGATE_KINDS[rid[1]], rid[2], rid[3])
    return lambda rid: (rid[0], rid[3])


class ReportTables:
    """The winning reports, handing out each table's rows on demand in key order."""

    def __init__(self, reports: list[Report], stray: bool) -> None:
        self.reports = reports
        self.stray = stray

    def rows(self, table: str) -> Iterator[list[Row]]:
        """Rows of one report table, sorted by key, for `Ordered(first_wins=True)`: on a key clash
        the enterprise-scope report ('' org) wins, then the alphabetically first org; within a
        report, the first record (the rows of a key come in that order)."""
        spec = TABLES[table]
        order = spec.sort_key()
        fill = _filler(table)
        group_of = _group_of(table) if not self.stray else (lambda _rid: ())
        groups: dict[tuple[str, ...], list[Report]] = {}
        for rep in self.reports:
            tables = TABLES_OF_KIND.get(rep.rid[1], ())
            if table in tables:
                groups.setdefault(group_of(rep.rid), []).append(rep)
        for group in sorted(groups):
            reps = sorted(groups[group], key=lambda r: (r.rid[0], r.rid[2], r.rid[1], r.rid[3]))
            chunk: list[Row] = []
            for rep in reps:
                slot = TABLES_OF_KIND[rep.rid[1]].index(table)
                for packed in rep.files:
                    rows = unpack(packed)[slot]
                    if fill is None:
                        chunk.extend(rows)
                    else:
                        chunk.extend([fill(r, rep.revisions, rep.source_event_id) for r in rows])
            chunk.sort(key=order)  # stable: on equal keys the first report, file, record first
            if chunk:
                yield chunk
