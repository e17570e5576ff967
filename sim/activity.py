"""Pull requests, issues and direct pushes born on one (repository, day).

Every item of a day is drawn from `rng(seed, kind, repo, day)`; numbers are GitHub's shared
issue/PR sequence, derived from per-day counts that are cheap to compute, so a day can be
generated without generating the days before it.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from dataclasses import dataclass

from sim.ids import DAY_S, day_index, day_start, h64, rng, sha1hex
from sim.records import Commit, Issue, PullRequest, Review
from sim.world import Repo, User, World

MAX_PR_DAYS = 10
"""A PR born on day d is merged or closed before day d + MAX_PR_DAYS (or stays open)."""

PACKAGES = ("requests", "lodash", "serde", "gin", "jackson", "pytest", "react", "tokio")
VERBS = ("Add", "Fix", "Refactor", "Improve", "Remove", "Update", "Speed up", "Document")
THINGS = (
    "retry logic",
    "login flow",
    "cache layer",
    "pagination",
    "metrics export",
    "error handling",
    "config loader",
    "rate limiter",
    "search index",
    "audit log",
)


@dataclass(frozen=True, slots=True)
class Counts:
    """How many items of each kind are born on a (repo, day)."""

    prs: int
    reverts: int
    issues: int
    incidents: int
    pushes: int

    @property
    def numbered(self) -> int:
        """Items that take an issue/PR number."""
        return self.prs + self.reverts + self.issues + self.incidents


@dataclass(frozen=True, slots=True)
class Slot:
    """A numbered item to be born: where, when, its number and id, and its own random stream."""

    repo: Repo
    day: dt.date
    kind: str  # pr | revert | issue | incident
    number: int
    ident: int
    created: int
    r: random.Random


@dataclass(frozen=True, slots=True)
class Opening:
    """What a PR generator decided before the merge/close decision."""

    author: User
    kind: str
    title: str
    ready_at: int | None
    commits: tuple[Commit, ...]
    reviews: tuple[Review, ...]
    approved_at: int


def _review(slot: Slot, k: int, user: User, state: str, *, t: int, sha: str) -> Review:
    body = {"APPROVED": "LGTM", "CHANGES_REQUESTED": "Please add tests."}.get(state, "")
    return Review(slot.ident * 10 + k, user, state, t, sha, body)


@dataclass(frozen=True, slots=True)
class RepoDay:
    """Items born on one (repo, day), in number order."""

    prs: tuple[PullRequest, ...]
    issues: tuple[Issue, ...]
    pushes: tuple[Commit, ...]


def poisson(r: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler (λ is small here)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


def work_time(r: random.Random, day: dt.date) -> int:
    """A time on the day, mostly in (UTC) working hours."""
    hour = r.gauss(13.0, 3.0) % 24
    return day_start(day) + int(hour * 3600) + r.randint(0, 59)


class Activity:
    """Generates and caches repository history day by day."""

    def __init__(self, world: World, cache_size: int = 8192) -> None:
        self.world = world
        self.seed = world.seed
        self.day = functools.lru_cache(maxsize=cache_size)(self._day)
        self.base = functools.lru_cache(maxsize=cache_size)(self._base)
        self._prefix: dict[int, list[int]] = {}

    # counts and numbers -------------------------------------------------------------------
    def counts(self, repo: Repo, day: dt.date) -> Counts:
        """Per-day counts; weekends are quiet."""
        r = rng(self.seed, "counts", repo.idx, day)
        factor = 0.2 if day.weekday() >= 5 else 1.0
        active = bool(repo.contributors)
        incident_p = 0.06 if repo.deploy_style != "none" else 0.02
        return Counts(
            prs=poisson(r, repo.activity * factor) if active else 0,
            reverts=int(active and r.random() < 0.05 * factor),
            issues=poisson(r, 0.2 * factor) if active else 0,
            incidents=int(active and r.random() < incident_p * factor),
            pushes=poisson(r, 0.25 * factor) if active else 0,
        )

    def first_number(self, repo: Repo, day: dt.date) -> int:
        """The number given to the first item born on the day."""
        start = self.world.first_day
        offset = (day - start).days
        prefix = self._prefix.setdefault(repo.idx, [1 + h64(self.seed, "base", repo.idx) % 400])
        while len(prefix) <= offset:
            done = start + dt.timedelta(days=len(prefix) - 1)
            prefix.append(prefix[-1] + self.counts(repo, done).numbered)
        return prefix[offset]

    def _id(self, repo: Repo, day: dt.date, k: int) -> int:
        return (repo.idx + 1) * 10**8 + day_index(day) * 10**4 + k

    # the day ------------------------------------------------------------------------------
    def _slots(self, repo: Repo, day: dt.date) -> list[Slot]:
        """The numbered items born on the day, in number order."""
        counts = self.counts(repo, day)
        r = rng(self.seed, "day", repo.idx, day)
        slots: list[tuple[int, str]] = []
        for kind, n in (
            ("pr", counts.prs),
            ("revert", counts.reverts),
            ("issue", counts.issues),
            ("incident", counts.incidents),
        ):
            slots.extend((work_time(r, day), kind) for _ in range(n))
        slots.sort()
        number = self.first_number(repo, day)
        return [
            Slot(
                repo,
                day,
                kind,
                number + k,
                self._id(repo, day, k),
                t,
                rng(self.seed, "item", repo.idx, number + k),
            )
            for k, (t, kind) in enumerate(slots)
        ]

    def _base(self, repo: Repo, day: dt.date) -> tuple[PullRequest, ...]:
        """The day's ordinary PRs (no reverts): they depend on nothing but their own hashes."""
        return tuple(self._pull(slot) for slot in self._slots(repo, day) if slot.kind == "pr")

    def _day(self, repo: Repo, day: dt.date) -> RepoDay:
        base = {pr.number: pr for pr in self.base(repo, day)}
        prs: list[PullRequest] = []
        issues: list[Issue] = []
        for slot in self._slots(repo, day):
            if slot.kind == "pr":
                prs.append(base[slot.number])
            elif slot.kind == "revert":
                prs.append(self._revert(slot))
            else:
                issues.append(self._issue(slot))
        counts = self.counts(repo, day)
        pushes = tuple(self._push(repo, day, i) for i in range(counts.pushes))
        return RepoDay(tuple(prs), tuple(issues), pushes)

    def prs_born(self, repo: Repo, first: dt.date, last: dt.date) -> list[PullRequest]:
        """PRs born in [first, last] (inclusive; clipped to the world's history)."""
        out: list[PullRequest] = []
        day = max(first, self.world.first_day)
        while day <= last:
            out.extend(self.day(repo, day).prs)
            day += dt.timedelta(days=1)
        return out

    # people -------------------------------------------------------------------------------
    def _people(self, repo: Repo) -> list[User]:
        return [self.world.user(login) for login in repo.contributors]

    def _other(self, r: random.Random, repo: Repo, not_login: str) -> User | None:
        others = [u for u in self._people(repo) if u.login != not_login]
        return r.choice(others) if others else None

    # pull requests ------------------------------------------------------------------------
    def _pull(self, slot: Slot) -> PullRequest:
        r, repo = slot.r, slot.repo
        roll = r.random()
        if roll < 0.10:
            return self._bot_pull(slot)
        if roll < 0.16:
            return self._copilot_pull(slot)
        author = r.choice(self._people(repo))
        title = f"{r.choice(VERBS)} {r.choice(THINGS)}"
        created = slot.created
        first_commit = created - r.randint(600, 3 * DAY_S)
        draft = r.random() < 0.2
        ready = created + r.randint(3600, 2 * DAY_S) if draft else created
        times = sorted(r.randint(first_commit, created) for _ in range(r.randint(1, 5) - 1))
        commits = [
            self._commit(slot, author, t, f"{title} (part {i + 1})", i)
            for i, t in enumerate([first_commit, *times])
        ]
        reviews, approved_at = self._reviews(slot, author, ready, commits)
        draft_ready = ready if draft else None
        opening = Opening(
            author, "human", title, draft_ready, tuple(commits), tuple(reviews), approved_at
        )
        return self._finish(slot, opening)

    def _bot_pull(self, slot: Slot) -> PullRequest:
        r = slot.r
        bot = self.world.user("dependabot[bot]")
        pkg = r.choice(PACKAGES)
        major, minor = r.randint(1, 9), r.randint(0, 30)
        title = f"Bump {pkg} from {major}.{minor}.0 to {major}.{minor + 1}.0"
        commits = [self._commit(slot, bot, slot.created - 60, title, 0)]
        reviews: list[Review] = []
        approved_at = slot.created + r.randint(600, 2 * DAY_S)
        reviewer = self._other(r, slot.repo, bot.login)
        if reviewer and r.random() < 0.6:
            reviews.append(
                _review(slot, 0, reviewer, "APPROVED", t=approved_at, sha=commits[-1].sha)
            )
        opening = Opening(bot, "bot", title, None, tuple(commits), tuple(reviews), approved_at)
        return self._finish(slot, opening, labels=("dependencies",))

    def _copilot_pull(self, slot: Slot) -> PullRequest:
        r = slot.r
        agent = self.world.user("Copilot")
        assignee = r.choice(self._people(slot.repo))
        title = f"{r.choice(VERBS)} {r.choice(THINGS)}"
        ready = slot.created + r.randint(600, 2400)
        commits = [
            self._commit(slot, agent, slot.created - 30, "Initial plan", 0),
            self._commit(slot, agent, ready - 60, title, 1),
        ]
        reviews, approved_at = self._reviews(slot, agent, ready, commits, assignee)
        opening = Opening(
            agent, "copilot", title, ready, tuple(commits), tuple(reviews), approved_at
        )
        return self._finish(slot, opening, assignee=assignee)

    def _revert(self, slot: Slot) -> PullRequest:
        r, repo, created = slot.r, slot.repo, slot.created
        target = self._revert_target(repo, slot.day, created)
        author = r.choice(self._people(repo))
        if target is None:
            return self._pull(slot)
        title = f'Revert "{target.title}"'
        commits = [self._commit(slot, author, created - 120, title, 0)]
        approved_at = created + r.randint(300, 5400)
        reviews: list[Review] = []
        reviewer = self._other(r, repo, author.login)
        if reviewer:
            reviews.append(
                _review(slot, 0, reviewer, "APPROVED", t=approved_at, sha=commits[0].sha)
            )
        body = f"Reverts {repo.full_name}#{target.number}"
        opening = Opening(
            author, "revert", title, None, tuple(commits), tuple(reviews), approved_at
        )
        return self._finish(slot, opening, reverts=target.number, body=body, merge_p=0.95)

    def _revert_target(self, repo: Repo, day: dt.date, created: int) -> PullRequest | None:
        """The latest non-revert PR merged before `created`, among those born in the last 3 days."""
        candidates = [
            pr
            for back in (1, 2, 3)
            if day - dt.timedelta(days=back) >= self.world.first_day
            for pr in self.base(repo, day - dt.timedelta(days=back))
            if pr.merged_at is not None and pr.merged_at < created
        ]
        return max(candidates, key=lambda pr: pr.merged_at or 0, default=None)

    def _reviews(
        self,
        slot: Slot,
        author: User,
        ready: int,
        commits: list[Commit],
        reviewer: User | None = None,
    ) -> tuple[list[Review], int]:
        """Reviews (Copilot's, the author's own comment, a human's) and the approval time."""
        r = slot.r
        reviews: list[Review] = []
        if r.random() < 0.35:
            bot = self.world.user("copilot-pull-request-reviewer[bot]")
            t = ready + r.randint(60, 400)
            reviews.append(_review(slot, 0, bot, "COMMENTED", t=t, sha=commits[-1].sha))
        if author.kind == "human" and r.random() < 0.1:
            t = ready + r.randint(60, 1800)
            reviews.append(_review(slot, 1, author, "COMMENTED", t=t, sha=commits[-1].sha))
        human = reviewer or self._other(r, slot.repo, author.login)
        t = ready + r.randint(600, int(1.5 * DAY_S))
        if human is None:
            return reviews, t
        if r.random() < 0.25:
            reviews.append(_review(slot, 2, human, "CHANGES_REQUESTED", t=t, sha=commits[-1].sha))
            fix_at = t + r.randint(900, DAY_S)
            commits.append(
                self._commit(slot, author, fix_at, "Address review comments", len(commits))
            )
            t = fix_at + r.randint(600, DAY_S // 2)
        reviews.append(_review(slot, 3, human, "APPROVED", t=t, sha=commits[-1].sha))
        reviews.sort(key=lambda rv: rv.submitted_at)
        return reviews, t

    def _finish(
        self,
        slot: Slot,
        opening: Opening,
        *,
        reverts: int | None = None,
        labels: tuple[str, ...] = (),
        body: str = "",
        assignee: User | None = None,
        merge_p: float = 0.85,
    ) -> PullRequest:
        """Decide merge or close and assemble the PullRequest."""
        r, repo, created = slot.r, slot.repo, slot.created
        author, commits = opening.author, opening.commits
        merged_at = closed_at = None
        merge_sha = None
        merged_by = None
        roll = r.random()
        if roll < merge_p:
            merged_at = min(
                opening.approved_at + r.randint(120, DAY_S), created + (MAX_PR_DAYS - 1) * DAY_S
            )
            merged_at = max(merged_at, commits[-1].authored_at + 60)
            closed_at = merged_at
            merge_sha = sha1hex(self.seed, repo.idx, "merge", slot.number)
            approvers = (rv.user for rv in opening.reviews if rv.state == "APPROVED")
            merged_by = next(approvers, author)
            if merged_by.kind != "human":
                merged_by = assignee or self._other(r, repo, author.login) or merged_by
        elif roll < merge_p + 0.08:
            closed_at = created + r.randint(3600, 5 * DAY_S)
        method = "squash" if r.random() < 0.8 else "merge"
        reviews = [rv for rv in opening.reviews if merged_at is None or rv.submitted_at < merged_at]
        title = opening.title
        return PullRequest(
            repo=repo,
            number=slot.number,
            id=slot.ident,
            author=author,
            kind=opening.kind,
            title=title,
            body=body or f"{title}.\n\nThis change was generated by the ghmc simulator.",
            head_ref=f"{author.login.replace('[bot]', '')}/pr-{slot.number}",
            created_at=created,
            ready_at=opening.ready_at,
            commits=commits,
            reviews=tuple(reviews),
            merged_at=merged_at,
            closed_at=closed_at,
            merge_sha=merge_sha,
            merge_method=method,
            merged_by=merged_by,
            assignee=assignee,
            comments=r.randint(0, 6),
            labels=labels,
            reverts=reverts,
        )

    def _commit(self, slot: Slot, author: User, t: int, message: str, k: int) -> Commit:
        r = slot.r
        sha = sha1hex(self.seed, slot.repo.idx, "prc", slot.number, k)
        adds = int(r.paretovariate(1.2) * 15)
        return Commit(
            sha, author, t, t, message, min(adds, 4000), min(int(adds * r.random()), 3000)
        )

    # issues and pushes ---------------------------------------------------------------------
    def _issue(self, slot: Slot) -> Issue:
        r, repo, created = slot.r, slot.repo, slot.created
        author = r.choice(self._people(repo))
        closer = r.choice(self._people(repo))
        if slot.kind == "incident":
            what = r.choice(["elevated error rate", "latency spike", "outage"])
            title = f"Incident: {what} in {repo.name}"
            labels: tuple[str, ...] = ("incident", r.choice(("sev1", "sev2", "sev3")))
            closed = created + r.randint(1800, 2 * DAY_S) if r.random() < 0.92 else None
        else:
            title = f"{r.choice(['Bug', 'Feature request', 'Question'])}: {r.choice(THINGS)}"
            labels = (r.choice(("bug", "enhancement", "documentation")),)
            closed = created + r.randint(3600, 20 * DAY_S) if r.random() < 0.6 else None
        return Issue(
            repo=repo,
            number=slot.number,
            id=slot.ident,
            author=author,
            title=title,
            body=f"{title}.",
            labels=labels,
            created_at=created,
            closed_at=closed,
            closed_by=closer if closed else None,
            comments=r.randint(0, 8),
        )

    def _push(self, repo: Repo, day: dt.date, i: int) -> Commit:
        r = rng(self.seed, "push", repo.idx, day, i)
        author = r.choice(self._people(repo))
        t = work_time(r, day)
        sha = sha1hex(self.seed, repo.idx, "push", day, i)
        verb = r.choice(["Fix typo in", "Update", "Tweak"])
        message = f"{verb} {r.choice(['README', 'docs', 'CI config'])}"
        return Commit(sha, author, t, t, message, r.randint(1, 40), r.randint(0, 20))
