"""Whole-repository views of the generated history, as visible on the simulator's `today`.

`today` is a UTC day; the world's "now" is 00:00 UTC of that day, so every earlier day is
complete and advancing `today` appends a day without rewriting earlier ones — except what GitHub
itself changes later (open PRs merge, deployments go inactive, in-progress runs complete).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from sim.activity import Activity
from sim.copilot import Copilot
from sim.delivery import Delivery
from sim.ids import DAY_S, day_start, h64, rng
from sim.records import Deployment, Issue, MainCommit, PullRequest, Release, Run
from sim.world import Repo, Team, User, World

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Seat:
    """A Copilot seat as of a day."""

    user: User
    org: str
    created_at: int
    last_activity_at: int | None
    editor: str | None
    plan_type: str
    team: Team | None
    pending_cancellation: dt.date | None


class History:
    """Per-repository lists and seat lists for a given `today` (cached per (repo, today))."""

    def __init__(
        self, world: World, activity: Activity, delivery: Delivery, copilot: Copilot
    ) -> None:
        self.world = world
        self.activity = activity
        self.delivery = delivery
        self.copilot = copilot
        self.prs = functools.lru_cache(maxsize=256)(self._prs)
        self.issues = functools.lru_cache(maxsize=256)(self._issues)
        self.main_commits = functools.lru_cache(maxsize=256)(self._main_commits)
        self.runs = functools.lru_cache(maxsize=256)(self._runs)
        self.deployments = functools.lru_cache(maxsize=256)(self._deployments)
        self.releases = functools.lru_cache(maxsize=256)(self._releases)
        self.last_activity = functools.lru_cache(maxsize=65536)(self._last_activity)

    def days(self, today: dt.date) -> list[dt.date]:
        """The complete days of history: first_day … today-1."""
        n = (today - self.world.first_day).days
        return [self.world.first_day + dt.timedelta(days=i) for i in range(max(0, n))]

    # repository lists (oldest first) ------------------------------------------------------
    def _prs(self, repo: Repo, today: dt.date) -> tuple[PullRequest, ...]:
        return tuple(pr for day in self.days(today) for pr in self.activity.day(repo, day).prs)

    def pr(self, repo: Repo, number: int, today: dt.date) -> PullRequest | None:
        """A PR by number, if it exists by `today`."""
        return next((pr for pr in self.prs(repo, today) if pr.number == number), None)

    def _issues(self, repo: Repo, today: dt.date) -> tuple[Issue, ...]:
        return tuple(i for day in self.days(today) for i in self.activity.day(repo, day).issues)

    def _main_commits(
        self, repo: Repo, today: dt.date
    ) -> tuple[tuple[MainCommit, tuple[str, ...]], ...]:
        """Default-branch commits with their parents, oldest first."""
        initial = self.delivery.initial_commit(repo)
        out: list[tuple[MainCommit, tuple[str, ...]]] = [(initial, ())]
        head = initial.commit.sha
        branch_prev: str | None = None
        for day in self.days(today):
            for mc in self.delivery.landing(repo, day):
                if mc.first_parent:
                    parents = (head, mc.branch_parent) if mc.branch_parent else (head,)
                    out.append((mc, parents))
                    head, branch_prev = mc.commit.sha, None
                else:
                    out.append((mc, (branch_prev or head,)))
                    branch_prev = mc.commit.sha
        return tuple(out)

    def _runs(self, repo: Repo, today: dt.date) -> tuple[tuple[Run, int], ...]:
        """Runs with their per-workflow run_number, oldest first."""
        now = day_start(today)
        counters: dict[str, int] = {}
        out: list[tuple[Run, int]] = []
        for day in self.days(today):
            for run in self.delivery.runs(repo, day):
                if run.created_at >= now:
                    continue
                base = counters.get(
                    run.workflow, 100 + h64(self.world.seed, run.workflow, repo.idx) % 900
                )
                counters[run.workflow] = base + 1
                out.append((run, base + 1))
        return tuple(out)

    def _deployments(self, repo: Repo, today: dt.date) -> tuple[Deployment, ...]:
        now = day_start(today)
        deps = (d for day in self.days(today) for d in self.delivery.deployments(repo, day))
        return tuple(d for d in deps if d.created_at < now)

    def statuses(self, dep: Deployment, today: dt.date) -> list[tuple[str, int]]:
        """The visible status history (oldest first), including a later `inactive`."""
        now = day_start(today)
        out = [(state, t) for state, t in dep.statuses if t <= now]
        inactive = self.delivery.inactive_at(dep, now)
        if inactive is not None:
            out.append(("inactive", inactive))
        return out

    def _releases(self, repo: Repo, today: dt.date) -> tuple[Release, ...]:
        now = day_start(today)
        rels = (r for day in self.days(today) for r in self.delivery.releases(repo, day))
        return tuple(r for r in rels if r.published_at < now)

    # seats --------------------------------------------------------------------------------
    def _last_activity(self, user: User, today: dt.date) -> dt.date | None:
        if user.propensity <= 0 or user.seat_day is None:
            return None
        day = today - ONE_DAY
        while day >= user.seat_day:
            if self.copilot.active(user, day):
                return day
            day -= ONE_DAY
        return None

    def seats(self, enterprise: str, org: str | None, today: dt.date) -> list[Seat]:
        """Seats assigned before `today`, by user id."""
        out = []
        for user in self.world.humans(enterprise):
            if user.seat_day is None or user.seat_day >= today or (org and user.orgs[0] != org):
                continue
            out.append(self._seat(user, today))
        return out

    def _seat(self, user: User, today: dt.date) -> Seat:
        r = rng(self.world.seed, "seat", user.id)
        assert user.seat_day is not None
        created = day_start(user.seat_day) + r.randint(8 * 3600, 18 * 3600)
        last_day = self.last_activity(user, today)
        last = day_start(last_day) + r.randint(7 * 3600, 20 * 3600) if last_day else None
        if last is not None and last < created:
            last = created + 60
        teams = [t for t in self.world.teams[user.orgs[0]] if user.login in t.members]
        team = teams[0] if teams and r.random() < 0.6 else None
        cancel = (
            user.seat_day + dt.timedelta(days=r.randint(20, 400)) if r.random() < 0.08 else None
        )
        pending = cancel if cancel is not None and cancel >= today else None
        editor = f"{user.ide}/1.106.2/copilot-chat/0.33.1" if last else None
        plan = "enterprise" if r.random() < 0.3 else "business"
        return Seat(user, user.orgs[0], created, last, editor, plan, team, pending)


def seat_updated_at(seat: Seat) -> int:
    """Seats are updated when assigned (and when cancellation is scheduled)."""
    return seat.created_at + (DAY_S if seat.pending_cancellation else 0)
