"""Pull-request figures of the Copilot reports (`pull_requests`, `pull_request_review_times`)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from sim.activity import MAX_PR_DAYS, Activity
from sim.ids import day_of, h64
from sim.records import PullRequest
from sim.world import Repo

COPILOT_REVIEWER = "copilot-pull-request-reviewer[bot]"
REVIEW_TIMES_SINCE = dt.date(2026, 9, 21)


@dataclass
class PrDay:
    """Raw per-day PR figures for a set of repositories; `add` merges two sets."""

    created: int = 0
    reviewed: int = 0
    merged: int = 0
    created_by_copilot: int = 0
    reviewed_by_copilot: int = 0
    merged_created_by_copilot: int = 0
    merged_reviewed_by_copilot: int = 0
    suggestions: int = 0
    applied: int = 0
    copilot_suggestions: dict[str, int] = field(default_factory=dict)
    copilot_applied: dict[str, int] = field(default_factory=dict)
    minutes: list[float] = field(default_factory=list)
    minutes_copilot_authored: list[float] = field(default_factory=list)
    minutes_copilot_reviewed: list[float] = field(default_factory=list)
    review_stages: list[tuple[float, float, float]] = field(default_factory=list)

    def add(self, other: PrDay) -> None:
        """Accumulate another PrDay into this one."""
        for name in (
            "created",
            "reviewed",
            "merged",
            "created_by_copilot",
            "reviewed_by_copilot",
            "merged_created_by_copilot",
            "merged_reviewed_by_copilot",
            "suggestions",
            "applied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in (
            (self.copilot_suggestions, other.copilot_suggestions),
            (self.copilot_applied, other.copilot_applied),
        ):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.minutes += other.minutes
        self.minutes_copilot_authored += other.minutes_copilot_authored
        self.minutes_copilot_reviewed += other.minutes_copilot_reviewed
        self.review_stages += other.review_stages

    @property
    def active(self) -> bool:
        """Any PR activity at all."""
        return bool(self.created or self.reviewed or self.merged)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 1)


def repo_pr_day(activity: Activity, repo: Repo, day: dt.date) -> PrDay:
    """PR figures of one repository on one day."""
    out = PrDay()
    for pr in activity.prs_born(repo, day - dt.timedelta(days=MAX_PR_DAYS), day):
        _count(out, pr, day)
    return out


def _count(out: PrDay, pr: PullRequest, day: dt.date) -> None:
    copilot_reviews = [rv for rv in pr.reviews if rv.user.login == COPILOT_REVIEWER]
    if day_of(pr.created_at) == day:
        out.created += 1
        out.created_by_copilot += pr.kind == "copilot"
    todays = [rv for rv in pr.reviews if day_of(rv.submitted_at) == day]
    if todays:
        out.reviewed += 1
        out.suggestions += sum(h64("sugg", rv.id) % 3 for rv in todays)
        out.applied += sum(h64("sugg", rv.id) % 2 for rv in todays)
    if any(day_of(rv.submitted_at) == day for rv in copilot_reviews):
        out.reviewed_by_copilot += 1
        for rv in copilot_reviews:
            kind = ("bug_risk", "security", "performance")[h64("ctype", rv.id) % 3]
            out.copilot_suggestions[kind] = (
                out.copilot_suggestions.get(kind, 0) + 1 + h64("cs", rv.id) % 3
            )
            out.copilot_applied[kind] = out.copilot_applied.get(kind, 0) + h64("cs", rv.id) % 2
    if pr.merged_at is not None and day_of(pr.merged_at) == day:
        minutes = (pr.merged_at - pr.created_at) / 60
        out.merged += 1
        out.minutes.append(minutes)
        if pr.kind == "copilot":
            out.merged_created_by_copilot += 1
            out.minutes_copilot_authored.append(minutes)
        if copilot_reviews:
            out.merged_reviewed_by_copilot += 1
            out.minutes_copilot_reviewed.append(minutes)
        stages = _review_stages(pr)
        if stages is not None:
            out.review_stages.append(stages)


def _review_stages(pr: PullRequest) -> tuple[float, float, float] | None:
    """(ready→first review, first→final review, final review→merge) in minutes, humans only."""
    if pr.author.kind != "human" or pr.merged_at is None:
        return None
    human = [
        rv for rv in pr.reviews if rv.user.kind == "human" and rv.user.login != pr.author.login
    ]
    if not human:
        return None
    ready = pr.ready_at or pr.created_at
    first, final = human[0].submitted_at, human[-1].submitted_at
    return ((first - ready) / 60, (final - first) / 60, (pr.merged_at - final) / 60)


def pull_requests_json(stats: PrDay, *, repo_level: bool) -> dict[str, Any]:
    """The official `pull_requests` object."""
    out: dict[str, Any] = {
        "total_created": stats.created,
        "total_reviewed": stats.reviewed,
        "total_merged": stats.merged,
        "median_minutes_to_merge": _median(stats.minutes),
        "total_suggestions": stats.suggestions,
        "total_applied_suggestions": stats.applied,
        "total_created_by_copilot": stats.created_by_copilot,
        "total_reviewed_by_copilot": stats.reviewed_by_copilot,
        "total_merged_created_by_copilot": stats.merged_created_by_copilot,
        "total_merged_reviewed_by_copilot": stats.merged_reviewed_by_copilot,
        "median_minutes_to_merge_copilot_authored": _median(stats.minutes_copilot_authored),
        "median_minutes_to_merge_copilot_reviewed": _median(stats.minutes_copilot_reviewed),
        "total_copilot_suggestions": sum(stats.copilot_suggestions.values()),
        "total_copilot_applied_suggestions": sum(stats.copilot_applied.values()),
    }
    if not repo_level:
        out["copilot_suggestions_by_comment_type"] = [
            {
                "comment_type": kind,
                "total_copilot_suggestions": stats.copilot_suggestions[kind],
                "total_copilot_applied_suggestions": stats.copilot_applied.get(kind, 0),
            }
            for kind in sorted(stats.copilot_suggestions)
        ]
    return out


def review_times_json(stats: PrDay, day: dt.date) -> list[dict[str, Any]]:
    """The `pull_request_review_times` array of a repos-1-day record ([] on quiet days)."""
    if day < REVIEW_TIMES_SINCE or not stats.review_stages:
        return []
    cols = list(zip(*stats.review_stages, strict=True))
    names = ("ready_to_first_review", "first_to_final_review", "final_review_to_merge")
    row: dict[str, Any] = {
        "authored_by": "human",
        "reviewed_by": "human",
        "total_merged": len(cols[0]),
    }
    for name, values in zip(names, cols, strict=True):
        row[f"median_minutes_{name}"] = _median(list(values))
        row[f"p90_minutes_{name}"] = _p90(list(values))
    return [row]
