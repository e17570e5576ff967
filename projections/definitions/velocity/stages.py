"""Velocity: PR stages per pull request and weekly figures per developer.

Stages (LinearB / DevLake "PR cycle time" breakdown, as design §5 states them):
- coding  = first commit (earliest author date of the PR's commits) → ready (`ready_at`: creation,
            or — for a draft — its `ready_for_review` issue event; see `ready_at`);
- pickup  = ready → first review submitted by a HUMAN other than the author (bots — `*[bot]`,
            type Bot, config velocity.bots — and Copilot never end pickup);
- review  = that first human review → merge;   cycle = first commit → merge.
velocity_pull_requests.reviews = the number of submitted reviews (every state except PENDING, each
review counted, so one reviewer's two reviews count twice) by humans other than the PR's author —
the same reviews `human_reviews` orders for pickup; bot and Copilot reviews are not counted.
Negative stages (rebased commits, reviews of drafts) are clamped to 0. Bots and Copilot are not
developers: they get no velocity_metrics rows and never enter a median or a count's denominator.
Weeks are ISO weeks (Monday), days are UTC.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from projections.definitions.activity.snapshot import Pull, RepoSlice, Review
from projections.definitions.shared.stats import median, p75
from projections.definitions.shared.timeutil import parse_ts, week_start
from projections.settings import Settings

HUMAN, BOT, COPILOT = "human", "bot", "copilot"
COPILOT_LOGINS = frozenset(
    {
        "copilot",
        "copilot[bot]",
        "copilot-swe-agent",
        "copilot-swe-agent[bot]",
        "copilot-pull-request-reviewer",
        "copilot-pull-request-reviewer[bot]",
        "github-copilot[bot]",
    }
)


def author_kind(login: str, user_type: str, settings: Settings) -> str:
    """copilot (Copilot agent/reviewer logins), bot (`*[bot]`, type Bot, velocity.bots), human."""
    return _kind(login, user_type, settings.bots)


@functools.lru_cache(maxsize=1 << 14)
def _kind(login: str, user_type: str, bots: tuple[str, ...]) -> str:
    """`author_kind`, memoised: it runs for every PR, review and commit, over few logins."""
    low = login.lower()
    if low in COPILOT_LOGINS:
        return COPILOT
    if low.endswith("[bot]") or user_type == "Bot" or low in _lowered(bots):
        return BOT
    return HUMAN


@functools.lru_cache(maxsize=8)
def _lowered(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


class PrRow(NamedTuple):
    """One row of velocity_pull_requests."""

    enterprise_id: str
    repo: str
    pr_number: int
    org: str
    author_login: str
    author_kind: str
    created_at: str | None
    ready_at: str | None
    first_commit_at: str | None
    first_review_at: str | None
    merged_at: str | None
    closed_at: str | None
    additions: int | None
    deletions: int | None
    changed_files: int | None
    commits: int | None
    reviews: int
    coding_minutes: float | None
    pickup_minutes: float | None
    review_minutes: float | None
    cycle_minutes: float | None


def ready_at(sl: RepoSlice, pr: Pull) -> str | None:
    """When the PR was ready for review (None while it is a draft).

    From its issue events (`repo.issue_events`), when the archive holds any `ready_for_review` or
    `convert_to_draft` of it: the first `ready_for_review` after the last `convert_to_draft` (the
    start of the readiness that stage timing measures: a PR readied, sent back to draft and readied
    again is ready at the second ready). Events are ordered by (created_at, id), so the choice is a
    pure function of the set of events, whatever fetch holds them. If the last such event is a
    `convert_to_draft`, the PR is a draft again: ready at the first fetch after that conversion
    that saw it ready, else None.

    Without such events (a PR never drafted, or events outside the collected history): creation
    time for a PR never seen as a draft; for a PR seen as a draft, the first later fetch that saw
    it ready (None while none has)."""
    events = sl.pr_events.get(pr.number)
    if events:
        timed = sorted((e.created_at, e.event_id, e.event) for e in events if e.created_at)
        last = max((i for i, t in enumerate(timed) if t[2] == "convert_to_draft"), default=-1)
        readies = [t[0] for t in timed[last + 1 :] if t[2] == "ready_for_review"]
        if readies:
            return readies[0]
        if last >= 0:
            later = [t for t in sl.ready_seen.get(pr.number, []) if t > timed[last][0]]
            return min(later) if later else None
    drafted = sl.draft_seen.get(pr.number)
    if drafted is None:
        return None if pr.draft else pr.created_at
    later = [t for t in sl.ready_seen.get(pr.number, []) if t > drafted]
    return min(later) if later else None


def human_reviews(sl: RepoSlice, pr: Pull, settings: Settings) -> list[Review]:
    """Submitted reviews by humans other than the author, oldest first (then by login)."""
    kind, bots, author = _kind, settings.bots, pr.author
    out = [
        r
        for r in sl.reviews.get(pr.number, ())
        if r.submitted_at
        and r.state != "PENDING"
        and r.login != author
        and kind(r.login, r.user_type, bots) == HUMAN
    ]
    out.sort(key=_REVIEW_ORDER)  # (submitted_at, login): submitted_at is never empty here
    return out


_REVIEW_ORDER = operator.itemgetter(3, 0)
"""(submitted_at, login) of a `Review`."""


def _stage(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from start to end clamped at 0 (`clamp0(minutes_between(…))` on parsed times)."""
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds() / 60.0)


def pr_row(
    sl: RepoSlice, pr: Pull, settings: Settings, reviews: list[Review] | None = None
) -> PrRow:
    """The stages of one pull request (`reviews`: its `human_reviews`, when already known)."""
    commits = sl.pr_commits.get(pr.number)
    dates = [c.authored_at for c in commits if c.authored_at] if commits else None
    first = min(dates) if dates else None
    ready = ready_at(sl, pr)
    if reviews is None:
        reviews = human_reviews(sl, pr, settings)
    review_at = reviews[0].submitted_at if reviews else None
    size = sl.sizes.get(pr.number)
    n_commits = (
        size.commits
        if size and size.commits is not None
        else (len(commits) if commits is not None else None)
    )
    t_first, t_ready = parse_ts(first), parse_ts(ready)
    t_review, t_merged = parse_ts(review_at), parse_ts(pr.merged_at)
    return PrRow(
        sl.key[0],
        sl.key[1],
        pr.number,
        sl.key[1].split("/", 1)[0],
        pr.author,
        _kind(pr.author, pr.author_type, settings.bots),
        pr.created_at,
        ready,
        first,
        review_at,
        pr.merged_at,
        pr.closed_at,
        size.additions if size else None,
        size.deletions if size else None,
        size.changed_files if size else None,
        n_commits,
        len(reviews),
        _stage(t_first, t_ready),
        _stage(t_ready, t_review),
        _stage(t_review, t_merged),
        _stage(t_first, t_merged),
    )


def repo_prs(sl: RepoSlice, settings: Settings) -> tuple[list[PrRow], list[list[Review]]]:
    """The PR rows of one repository and, in `sl.pulls` order, each PR's `human_reviews`
    (computed once: the rows and the weekly reviews_given both use them)."""
    reviews = [human_reviews(sl, pr, settings) for pr in sl.pulls]
    return [pr_row(sl, pr, settings, r) for pr, r in zip(sl.pulls, reviews, strict=True)], reviews


@dataclass(slots=True)
class Week:
    """One developer's ISO week."""

    opened: int = 0
    merged: int = 0
    commits: int = 0
    additions: int = 0
    deletions: int = 0
    reviews_given: int = 0
    cycle: list[float | None] = field(default_factory=list)
    coding: list[float | None] = field(default_factory=list)
    pickup: list[float | None] = field(default_factory=list)
    review: list[float | None] = field(default_factory=list)
    size: list[float | None] = field(default_factory=list)


class WeeklyBuilder:
    """Accumulates velocity_metrics per (enterprise_id, org, user_login, week_start), humans."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.weeks: dict[tuple[str, str, str, str], Week] = {}

    def _week(self, ent: str, org: str, login: str, ts: str) -> Week:
        key = (ent, org, login, week_start(ts[:10]))
        wk = self.weeks.get(key)
        if wk is None:
            wk = self.weeks[key] = Week()
        return wk

    def add_repo(
        self, sl: RepoSlice, rows: list[PrRow], reviews: list[list[Review]] | None = None
    ) -> None:
        """Add one repository's PR rows, reviews and default-branch commits (`reviews`: each
        PR's `human_reviews` in `sl.pulls` order, when already known)."""
        ent, org = sl.key[0], sl.key[1].split("/", 1)[0]
        for row in rows:
            if row.author_kind != HUMAN:
                continue
            if row.created_at:
                self._week(ent, org, row.author_login, row.created_at).opened += 1
            if row.merged_at:
                self._merged(self._week(ent, org, row.author_login, row.merged_at), row)
        if reviews is None:
            reviews = [human_reviews(sl, pr, self.settings) for pr in sl.pulls]
        for given in reviews:
            for r in given:
                self._week(ent, org, r.login, r.submitted_at or "").reviews_given += 1
        bots = self.settings.bots
        for c in sl.commits:
            if c.login and c.authored_at and _kind(c.login, c.user_type, bots) == HUMAN:
                self._week(ent, org, c.login, c.authored_at).commits += 1

    def merge(self, weeks: dict[tuple[str, str, str, str], Week]) -> None:
        """Fold in another builder's weeks (counts add up, samples join: medians ignore order)."""
        for key, other in weeks.items():
            wk = self.weeks.get(key)
            if wk is None:
                self.weeks[key] = other
                continue
            wk.opened += other.opened
            wk.merged += other.merged
            wk.commits += other.commits
            wk.additions += other.additions
            wk.deletions += other.deletions
            wk.reviews_given += other.reviews_given
            for name in ("cycle", "coding", "pickup", "review", "size"):
                getattr(wk, name).extend(getattr(other, name))

    @staticmethod
    def _merged(wk: Week, row: PrRow) -> None:
        wk.merged += 1
        wk.additions += row.additions or 0
        wk.deletions += row.deletions or 0
        wk.cycle.append(row.cycle_minutes)
        wk.coding.append(row.coding_minutes)
        wk.pickup.append(row.pickup_minutes)
        wk.review.append(row.review_minutes)
        known = row.additions is not None and row.deletions is not None
        wk.size.append(float((row.additions or 0) + (row.deletions or 0)) if known else None)

    def rows(self) -> list[tuple[object, ...]]:
        """velocity_metrics rows (medians over the PRs merged that week; `stats` definition)."""
        out: list[tuple[object, ...]] = []
        for (ent, org, login, ws), wk in sorted(self.weeks.items()):
            out.append(
                (
                    ent,
                    org,
                    login,
                    ws,
                    wk.opened,
                    wk.merged,
                    wk.commits,
                    wk.additions,
                    wk.deletions,
                    wk.reviews_given,
                    median(wk.cycle),
                    median(wk.coding),
                    median(wk.pickup),
                    median(wk.review),
                    median(wk.size),
                    p75(wk.cycle),
                    sum(1 for v in wk.cycle if v is not None),
                )
            )
        return out
