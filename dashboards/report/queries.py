"""The SQL that reads metrics.db for the report: one query per dataset, aggregated in SQLite to the
grain the report's filters need (enterprise, org, repository, day or week), so the page carries
thousands of rows, not millions. Every value is a column of a registry table, a sum of one, or a
count of rows; the page adds sums and ratios of sums over the filtered rows and never recomputes a
median that metrics.db holds.

Each query takes `:ents` (a JSON array of enterprise ids) and `:since` (a YYYY-MM-DD day or NULL),
and returns rows in a fixed order, so the same metrics.db always gives the same report.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

LIST_CAP = 10_000
"""At most this many rows in one list (deployments, changes, incidents, seats; pull requests 5×
as many, for the velocity medians); the newest are kept and the page says how many were left
out."""
TOP_USERS = 200
"""Per-user spend: only the users with the largest gross amount."""

_ENT = "enterprise_id IN (SELECT value FROM json_each(:ents))"


def _since(column: str) -> str:
    return f"(:since IS NULL OR substr({column}, 1, 10) >= :since)"


def _week(column: str) -> str:
    """The Monday of the ISO week of a day (the week_start convention of velocity_metrics)."""
    return f"date(substr({column}, 1, 10), '-6 days', 'weekday 1')"


@dataclass(frozen=True, slots=True)
class Query:
    """One dataset: its SQL and whether it is a capped list (`cap` rows at most)."""

    sql: str
    cap: int | None = None


QUERIES: dict[str, Query] = {
    # copilot_daily_metrics: one row per scope; org '' is the enterprise-wide row.
    "copilot_daily": Query(f"""
        SELECT enterprise_id AS e, org AS o, day AS d,
               daily_active_users AS dau, weekly_active_users AS wau,
               monthly_active_users AS mau, monthly_active_chat_users AS chat,
               monthly_active_agent_users AS agent, daily_active_cli_users AS cli,
               code_generation_activity_count AS gen, code_acceptance_activity_count AS acc,
               loc_suggested_to_add_sum AS lsug, loc_added_sum AS ladd,
               user_initiated_interaction_count AS inter,
               round(completion_acceptance_rate, 4) AS car,
               pr_total_created AS prc, pr_total_reviewed AS prr,
               pr_total_created_by_copilot AS prcc, pr_total_reviewed_by_copilot AS prrc
        FROM copilot_daily_metrics
        WHERE {_ENT} AND {_since("day")} AND scope IN ('enterprise', 'organization')
        ORDER BY e, o, d"""),
    # copilot_breakdown_daily: the four breakdowns, each summed over the other dimension and
    # over ISO weeks (a year of daily rows per org and key would outweigh the rest of the page).
    "copilot_breakdown": Query(f"""
        SELECT enterprise_id AS e, org AS o, {_week("day")} AS w,
               CASE dimension WHEN 'language_feature' THEN 'language'
                              WHEN 'model_feature' THEN 'model' ELSE dimension END AS dim,
               CASE dimension WHEN 'ide' THEN ide WHEN 'feature' THEN feature
                              WHEN 'language_feature' THEN language ELSE model END AS k,
               sum(code_generation_activity_count) AS gen,
               sum(code_acceptance_activity_count) AS acc,
               sum(user_initiated_interaction_count) AS inter,
               sum(loc_added_sum) AS ladd
        FROM copilot_breakdown_daily
        WHERE {_ENT} AND {_since("day")}
          AND dimension IN ('ide', 'feature', 'language_feature', 'model_feature')
        GROUP BY e, o, w, dim, k
        ORDER BY e, o, w, dim, k"""),
    # copilot_user_metrics per user and ISO week; the phase is the one of the user's last day.
    "copilot_users": Query(f"""
        SELECT enterprise_id AS e, coalesce(report_org, '') AS o, user_login AS u,
               {_week("day")} AS w, count(*) AS days,
               sum(code_generation_activity_count) AS gen,
               sum(code_acceptance_activity_count) AS acc,
               max(day) AS last, ai_adoption_phase AS phase
        FROM copilot_user_metrics
        WHERE {_ENT} AND {_since("day")}
        GROUP BY e, o, u, w
        ORDER BY e, o, u, w"""),
    "teams": Query(f"""
        SELECT DISTINCT enterprise_id AS e, team_slug AS t, user_login AS u
        FROM copilot_user_teams
        WHERE {_ENT} AND {_since("day")}
        ORDER BY e, t, u"""),
    # copilot_seats: the latest snapshot of each enterprise (a seat list is a state, not a flow).
    "seats": Query(f"""
        SELECT enterprise_id AS e, snapshot_day AS snap, org AS o, user_login AS u,
               plan_type AS plan, assigning_team AS team, last_activity_at AS last,
               last_activity_editor AS editor, inactive_days AS inactive
        FROM copilot_seats AS s
        WHERE {_ENT} AND snapshot_day = (
            SELECT max(snapshot_day) FROM copilot_seats WHERE enterprise_id = s.enterprise_id)
        ORDER BY e, inactive IS NOT NULL, inactive DESC, o, u""", cap=LIST_CAP),
    # copilot_premium_requests without the per-user rows; org '' is the enterprise-wide row.
    "spend": Query(f"""
        SELECT enterprise_id AS e, org AS o, day AS d, source AS s, sku, model AS m,
               round(sum(gross_amount), 4) AS gross, round(sum(discount_amount), 4) AS disc,
               round(sum(net_amount), 4) AS net, round(sum(gross_quantity), 4) AS qty
        FROM copilot_premium_requests
        WHERE {_ENT} AND {_since("day")} AND user_login = ''
        GROUP BY e, o, d, s, sku, m
        ORDER BY e, o, d, s, sku, m"""),
    "spend_users": Query(f"""
        WITH top AS (
            SELECT enterprise_id, user_login FROM copilot_premium_requests
            WHERE {_ENT} AND {_since("day")} AND user_login != ''
            GROUP BY enterprise_id, user_login
            ORDER BY sum(gross_amount) DESC, enterprise_id, user_login LIMIT {TOP_USERS})
        SELECT p.enterprise_id AS e, p.org AS o, p.user_login AS u, p.day AS d,
               round(sum(p.gross_amount), 4) AS gross, round(sum(p.net_amount), 4) AS net
        FROM copilot_premium_requests AS p JOIN top USING (enterprise_id, user_login)
        WHERE {_since("p.day")}
        GROUP BY e, o, u, d
        ORDER BY e, o, u, d"""),
    "dora_metrics": Query(f"""
        SELECT enterprise_id AS e, org AS o, repo AS r, granularity AS g, period_start AS p,
               deployments AS dep, deployment_days AS ddays,
               CAST(round(lead_time_median_minutes) AS INTEGER) AS ltm,
               CAST(round(lead_time_p75_minutes) AS INTEGER) AS ltp,
               changes AS ch, round(change_failure_rate, 4) AS cfr,
               failed_deployments AS fd,
               CAST(round(recovery_median_minutes) AS INTEGER) AS rec,
               incidents AS inc, round(rework_rate, 4) AS rw,
               df_level AS dfl, lt_level AS ltl, cfr_level AS cfl, recovery_level AS rcl
        FROM dora_metrics
        WHERE {_ENT} AND {_since("period_start")}
        ORDER BY e, o, r, g, p"""),
    "deployments": Query(f"""
        SELECT enterprise_id AS e, org AS o, repo AS r, deployment_key AS k,
               environment AS env, source AS src, deployed_at AS at, succeeded AS ok,
               is_baseline AS base, prs_shipped AS prs
        FROM dora_deployments
        WHERE {_ENT} AND {_since("deployed_at")}
        ORDER BY deployed_at DESC, e, r, k""", cap=LIST_CAP),
    "changes": Query(f"""
        SELECT enterprise_id AS e, org AS o, repo AS r, pr_number AS n, author_login AS a,
               first_commit_at AS fc, merged_at AS m, deployed_at AS at,
               round(lead_time_minutes, 1) AS lt, attribution AS how
        FROM dora_changes
        WHERE {_ENT} AND {_since("merged_at")}
        ORDER BY merged_at DESC, e, r, n""", cap=LIST_CAP),
    "incidents": Query(f"""
        SELECT enterprise_id AS e, org AS o, repo AS r, incident_key AS k, source AS src,
               opened_at AS at, resolved_at AS res, round(recovery_minutes, 1) AS rec,
               attribution AS how
        FROM dora_incidents
        WHERE {_ENT} AND {_since("opened_at")}
        ORDER BY opened_at DESC, e, r, k""", cap=LIST_CAP),
    # velocity_pull_requests: one row per PR with its stage times (whole minutes) and size.
    "pulls": Query(f"""
        SELECT enterprise_id AS e, org AS o, repo AS r, author_login AS a,
               author_kind AS kind, substr(created_at, 1, 10) AS c,
               substr(merged_at, 1, 10) AS m,
               CAST(round(coding_minutes) AS INTEGER) AS cod,
               CAST(round(pickup_minutes) AS INTEGER) AS pick,
               CAST(round(review_minutes) AS INTEGER) AS rev,
               CAST(round(cycle_minutes) AS INTEGER) AS cyc,
               coalesce(additions, 0) + coalesce(deletions, 0) AS size, reviews AS nrev
        FROM velocity_pull_requests
        WHERE {_ENT} AND ({_since("created_at")} OR {_since("merged_at")})
        ORDER BY created_at DESC, e, r, pr_number""", cap=LIST_CAP * 5),
    "velocity": Query(f"""
        SELECT enterprise_id AS e, org AS o, user_login AS u, week_start AS w,
               prs_opened AS opened, prs_merged AS merged, commits, reviews_given AS given
        FROM velocity_metrics
        WHERE {_ENT} AND {_since("week_start")}
        ORDER BY e, o, u, w"""),
    "runs": Query("""
        SELECT enterprise_id AS e, run_id AS id, started_at AS start, finished_at AS fin,
               status, requests, not_modified AS nm, events, bytes_received AS bytes, errors
        FROM collection_runs
        WHERE enterprise_id IN (SELECT value FROM json_each(:ents))
        ORDER BY started_at DESC, id""", cap=500),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Dataset:
    """The rows of one query: column names, rows, and how many rows the cap left out."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    left_out: int

    def to_json(self) -> dict[str, Any]:
        """The shape the page reads: {"columns": [...], "data": [column, ...], "length": n,
        "left_out": n}, column by column; a text column that repeats its values (enterprise,
        org, repository, level, attribution) is stored once per distinct value, as
        {"dict": [values], "codes": [index per row]}, which keeps large estates light."""
        data = [_encode([row[i] for row in self.rows]) for i in range(len(self.columns))]
        return {
            "columns": list(self.columns),
            "data": data,
            "length": len(self.rows),
            "left_out": self.left_out,
        }


def _encode(values: list[Any]) -> Any:
    """A column as a plain list, or dictionary-coded when it is text with repeated values."""
    if not values or not set(map(type, values)) <= {str, type(None)}:
        return values
    distinct = sorted(set(values) - {None})
    if len(distinct) * 2 > len(values):
        return values
    index = {v: i for i, v in enumerate(distinct)}
    return {"dict": distinct, "codes": [-1 if v is None else index[v] for v in values]}


def run(conn: sqlite3.Connection, name: str, ents: list[str], since: str | None) -> Dataset:
    """Run one dataset's query for these enterprises and this first day."""
    query = QUERIES[name]
    params = {"ents": json.dumps(ents), "since": since}
    sql = query.sql if query.cap is None else f"{query.sql} LIMIT {query.cap + 1}"
    cur = conn.execute(sql, params)
    columns = tuple(d[0] for d in cur.description)
    rows = cur.fetchall()
    left_out = 0
    if query.cap is not None and len(rows) > query.cap:
        rows = rows[: query.cap]
        unordered = query.sql.rsplit("ORDER BY", 1)[0]  # counting needs no sort
        total = conn.execute(f"SELECT count(*) FROM ({unordered})", params).fetchone()[0]
        left_out = int(total) - query.cap
    return Dataset(columns, rows, left_out)


def run_all(conn: sqlite3.Connection, ents: list[str], since: str | None) -> dict[str, Dataset]:
    """Every dataset of the report."""
    return {name: run(conn, name, ents, since) for name in QUERIES}
