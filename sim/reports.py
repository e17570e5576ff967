"""Records of the Copilot usage-metrics report files (official field names, one dict per line).

A report for `day` served on `today` contains only user-days that have "arrived": most arrive
the next day, some one or two days later, so the reports of the last two days get revised.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from sim.activity import Activity
from sim.copilot import Cell, Copilot, UserDay, phase_of
from sim.ids import day_start, iso
from sim.prstats import PrDay, pull_requests_json, repo_pr_day, review_times_json
from sim.world import Repo, User, World

METRICS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
IDE_VERSIONS = {
    "vscode": "1.106.2",
    "visualstudio": "17.14.3",
    "intellij": "2025.2.4",
    "neovim": "0.11.4",
    "xcode": "26.1",
    "eclipse": "4.37",
}
REPORT_KINDS = (
    "enterprise-1-day",
    "organization-1-day",
    "users-1-day",
    "repos-1-day",
    "user-teams-1-day",
)

Record = dict[str, Any]


def _metrics(cells: Iterable[Cell]) -> dict[str, int]:
    values = [0] * 7
    for c in cells:
        for i, v in enumerate(
            (
                c.interactions,
                c.generated,
                c.accepted,
                c.suggested_add,
                c.suggested_delete,
                c.added,
                c.deleted,
            )
        ):
            values[i] += v
    return dict(zip(METRICS, values, strict=True))


def _group(cells: list[Cell], keys: tuple[str, ...], chat_only: bool = False) -> list[Record]:
    groups: dict[tuple[str, ...], list[Cell]] = {}
    for c in cells:
        if chat_only and not c.feature.startswith("chat_"):
            continue
        groups.setdefault(tuple(getattr(c, k) for k in keys), []).append(c)
    rows = []
    for key in sorted(groups):
        row: Record = dict(zip(keys, key, strict=True))
        row.update(_metrics(groups[key]))
        rows.append(row)
    return rows


def breakdowns(cells: list[Cell], sampled_at: str | None = None) -> Record:
    """The five `totals_by_*` arrays; per-user rows carry version samples when `sampled_at`."""
    by_ide = _group(cells, ("ide",))
    if sampled_at is not None:
        for row in by_ide:
            row["last_known_ide_version"] = {
                "ide_version": IDE_VERSIONS.get(row["ide"], "1.0.0"),
                "sampled_at": sampled_at,
            }
            row["last_known_plugin_version"] = {
                "plugin": "copilot-chat",
                "plugin_version": "0.33.1",
                "sampled_at": sampled_at,
            }
    by_lang_feature = _group(cells, ("language", "feature"))
    for row in by_lang_feature:
        del row["user_initiated_interaction_count"]
    for row in by_lang_feature:
        row["language"] = row["language"] or "unknown"
    return {
        "totals_by_ide": by_ide,
        "totals_by_feature": _group(cells, ("feature",)),
        "totals_by_language_feature": by_lang_feature,
        "totals_by_language_model": _group(cells, ("language", "model"), chat_only=True),
        "totals_by_model_feature": _group(cells, ("model", "feature"), chat_only=True),
    }


def _housekeeping(day: dt.date, partition: int) -> Record:
    return {"etl_id": "green", "day_partition": day.isoformat(), "entity_id_partition": partition}


def user_record(ud: UserDay, scope: Record) -> Record:
    """One `users-1-day` line."""
    user = ud.user
    sampled = iso(day_start(ud.day) + 3600 + user.id % 3600)
    number, phase = phase_of(user)
    record: Record = {
        "day": ud.day.isoformat(),
        **scope,
        "user_id": user.id,
        "user_login": user.login,
    }
    record.update(_metrics(ud.cells))
    record.update(
        {
            "used_agent": ud.used_agent,
            "used_chat": ud.used_chat,
            "used_cli": ud.cli is not None,
            "used_copilot_coding_agent": ud.used_coding_agent,
            "used_copilot_cloud_agent": ud.used_coding_agent,
            "used_copilot_code_review_active": ud.review_active,
            "used_copilot_code_review_passive": ud.review_passive,
            "ai_adoption_phase": {"phase_number": number, "phase": phase, "version": "1.0"},
            "ai_credits_used": ud.ai_credits_used,
        }
    )
    record.update(breakdowns(list(ud.cells), sampled))
    if ud.cli is not None:
        record["totals_by_cli"] = _cli_json([ud], per_user=True, sampled_at=sampled)
    record.update(_housekeeping(ud.day, user.id % 16))
    return record


def _cli_json(days: list[UserDay], *, per_user: bool, sampled_at: str = "") -> Record | None:
    clis = [ud.cli for ud in days if ud.cli is not None]
    if not clis:
        return None
    requests = sum(c.requests for c in clis)
    prompt_tokens = sum(c.prompt_tokens for c in clis)
    output_tokens = sum(c.output_tokens for c in clis)
    out: Record = {
        "session_count": sum(c.sessions for c in clis),
        "request_count": requests,
        "prompt_count": sum(c.prompts for c in clis),
        "token_usage": {
            "prompt_tokens_sum": prompt_tokens,
            "output_tokens_sum": output_tokens,
            "avg_tokens_per_request": round((prompt_tokens + output_tokens) / requests, 1)
            if requests
            else None,
        },
    }
    if per_user:
        out["last_known_cli_version"] = {"cli_version": clis[0].version, "sampled_at": sampled_at}
    return out


class Reports:
    """Builds report records for enterprises, orgs, users, repos and user-team pairs."""

    def __init__(self, world: World, activity: Activity, copilot: Copilot) -> None:
        self.world = world
        self.activity = activity
        self.copilot = copilot
        self.pr_day = functools.lru_cache(maxsize=65536)(self._pr_day)

    def _pr_day(self, repo: Repo, day: dt.date) -> PrDay:
        return repo_pr_day(self.activity, repo, day)

    def members(self, enterprise: str, org: str | None) -> list[User]:
        """Seat holders counted in a scope (an org counts users whose seat is in it)."""
        return [
            u
            for u in self.world.humans(enterprise)
            if u.seat_day and (org is None or u.orgs[0] == org)
        ]

    def user_days(self, users: list[User], day: dt.date, today: dt.date) -> list[UserDay]:
        """User-days of `day` already reported on `today`."""
        out = []
        for user in users:
            if self.copilot.reported(user, day, today):
                ud = self.copilot.user_day(user, day)
                if ud is not None:
                    out.append(ud)
        return out

    def scope_ids(self, enterprise: str, org: str | None) -> Record:
        """`enterprise_id` (and `organization_id`) as the reports write them: strings."""
        ids: Record = {"enterprise_id": str(self.world.enterprises[enterprise].id)}
        if org is not None:
            ids["organization_id"] = str(self.world.orgs[org.lower()].id)
        return ids

    # aggregated record -------------------------------------------------------------------
    def aggregate(self, enterprise: str, org: str | None, day: dt.date, today: dt.date) -> Record:
        """The single record of `enterprise-1-day` / `organization-1-day`."""
        users = self.members(enterprise, org)
        days = self.user_days(users, day, today)
        cells = [c for ud in days for c in ud.cells]
        record: Record = {"day": day.isoformat(), **self.scope_ids(enterprise, org)}
        record.update(self._active_counts(users, days, day, today))
        record.update(_metrics(cells))
        record.update(breakdowns(cells))
        record["totals_by_cli"] = _cli_json(days, per_user=False)
        record["totals_by_ai_adoption_phase"] = _phases(days)
        repos = self.world.repos_by_org[org] if org else self.world.enterprise_repos(enterprise)
        stats = PrDay()
        for repo in repos:
            stats.add(self.pr_day(repo, day))
        record["pull_requests"] = pull_requests_json(stats, repo_level=False)
        record.update(_housekeeping(day, self.world.enterprises[enterprise].id % 16))
        return record

    def _active_counts(
        self, users: list[User], days: list[UserDay], day: dt.date, today: dt.date
    ) -> Record:
        window: dict[int, list[UserDay]] = {}
        for back in range(28):
            d = day - dt.timedelta(days=back)
            for ud in self.user_days(users, d, today) if back else days:
                window.setdefault(back, []).append(ud)

        def distinct(span: int, pred: object = None) -> int:
            seen = set()
            for back in range(span):
                for ud in window.get(back, []):
                    if pred is None or pred(ud):  # type: ignore[operator]
                        seen.add(ud.user.id)
            return len(seen)

        def agent(ud: UserDay) -> bool:
            return ud.used_coding_agent

        def review(ud: UserDay) -> bool:
            return bool(ud.review_active)

        def passive(ud: UserDay) -> bool:
            return bool(ud.review_passive) and not ud.review_active

        out: Record = {
            "daily_active_users": len(days),
            "weekly_active_users": distinct(7),
            "monthly_active_users": distinct(28),
            "monthly_active_chat_users": distinct(28, lambda ud: ud.used_chat),
            "monthly_active_agent_users": distinct(28, lambda ud: ud.used_agent),
        }
        for prefix, span in (("daily", 1), ("weekly", 7), ("monthly", 28)):
            out[f"{prefix}_active_copilot_cloud_agent_users"] = distinct(span, agent)
            out[f"{prefix}_active_copilot_code_review_users"] = distinct(span, review)
            out[f"{prefix}_passive_copilot_code_review_users"] = distinct(span, passive)
        cli_users = sum(1 for ud in days if ud.cli is not None)
        if cli_users:
            out["daily_active_cli_users"] = cli_users
        return out

    # other reports -----------------------------------------------------------------------
    def users(self, enterprise: str, org: str | None, day: dt.date, today: dt.date) -> list[Record]:
        """`users-1-day` records."""
        scope = self.scope_ids(enterprise, org)
        return [
            user_record(ud, scope)
            for ud in self.user_days(self.members(enterprise, org), day, today)
        ]

    def repos(self, enterprise: str, org: str | None, day: dt.date) -> list[Record]:
        """`repos-1-day` records: repositories with PR activity that day."""
        repos = self.world.repos_by_org[org] if org else self.world.enterprise_repos(enterprise)
        out = []
        for repo in repos:
            stats = self.pr_day(repo, day)
            if not stats.active:
                continue
            out.append(
                {
                    "day": day.isoformat(),
                    **self.scope_ids(enterprise, repo.org.login),
                    "repo_id": repo.id,
                    "repo_owner_name": repo.org.login,
                    "repo_name": repo.name,
                    "repo_visibility": repo.visibility.upper(),
                    "pull_requests": pull_requests_json(stats, repo_level=True),
                    "pull_request_review_times": review_times_json(stats, day),
                    **_housekeeping(day, repo.id % 16),
                }
            )
        return out

    def user_teams(self, enterprise: str, org: str | None, day: dt.date) -> list[Record]:
        """`user-teams-1-day` records; teams with under 5 seated users that day are left out."""
        scope = self.scope_ids(enterprise, org)
        out: list[Record] = []
        for org_login in [org] if org else list(self.world.enterprises[enterprise].orgs):
            for team in self.world.teams[org_login]:
                seated = [self.world.user(m) for m in team.members]
                seated = [u for u in seated if u.seat_day is not None and u.seat_day <= day]
                if len(seated) < 5:
                    continue
                out.extend(
                    {
                        "user_id": u.id,
                        "user_login": u.login,
                        "day": day.isoformat(),
                        **scope,
                        "team_id": team.id,
                        "slug": team.slug,
                        **_housekeeping(day, u.id % 16),
                    }
                    for u in seated
                )
        return out


def _phases(days: list[UserDay]) -> list[Record] | None:
    if not days:
        return None
    groups: dict[tuple[int, str], list[UserDay]] = {}
    for ud in days:
        groups.setdefault(phase_of(ud.user), []).append(ud)
    rows = []
    for (number, phase), members in sorted(groups.items()):
        m = _metrics(c for ud in members for c in ud.cells)
        n = len(members)
        rows.append(
            {
                "phase": phase,
                "phase_number": number,
                "total_engaged_users": n,
                "avg_user_initiated_interactions": round(
                    m["user_initiated_interaction_count"] / n, 2
                ),
                "avg_code_generation_activities": round(m["code_generation_activity_count"] / n, 2),
                "avg_code_acceptance_activities": round(m["code_acceptance_activity_count"] / n, 2),
                "avg_loc_added": round(m["loc_added_sum"] / n, 2),
                "avg_loc_deleted": round(m["loc_deleted_sum"] / n, 2),
                "avg_pull_requests_reviewed": 0.0,
                "avg_pull_requests_created": 0.0,
                "avg_pull_requests_merged": 0.0,
                "avg_pull_requests_median_minutes_to_merge": 0.0,
            }
        )
    return rows
