"""The truth API: what the generated history implies, for end-to-end checks of the metrics.

Every value is what the endpoints serve on the simulator's current `today` (times ISO-8601 UTC).
The DORA and velocity definitions of design §5 are stated here again, from the generated records
and independently of `projections/` (which works from API answers), so the two can be compared:

- deployment: a production deployment timed at its final status (failed when that is
  failure/error), or a completed `deploy` run on `main` timed at its completion;
- baseline: the first successful production deployment of a repo; what it ships has no lead time;
- lead time: first commit authored → the first successful production deployment whose sha landed
  on `main` at or after the merge (it contains the merge), in minutes;
- incidents: `incident`-labelled issues (opened → closed; attributed to the last successful
  deployment at or before opening), merged revert PRs (opened at the revert PR's creation, resolved
  when the revert is deployed; attributed to the deployment that shipped the reverted PR, else as
  a labelled issue), and failed deployments (their own incident, resolved by the next successful
  deployment); recovery = attributed deployment (or opening) → resolved, in minutes;
- velocity stages: coding = first commit → ready (creation, or ready-for-review of a draft);
  pickup = ready → first review by a human other than the author; review = that review → merge;
  cycle = first commit → merge; in minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sim.billing import Period
from sim.ids import day_of, iso
from sim.records import PullRequest
from sim.shapes.delivery import run_view
from sim.state import State
from sim.world import Repo


@dataclass(frozen=True)
class DeploymentTruth:
    """A production deployment: a GitHub deployment (timed at its final status) or a deploy run."""

    repo: str
    source: str  # deployment | workflow_run
    id: int
    sha: str
    deployed_at: str
    succeeded: bool
    is_baseline: bool = False


@dataclass(frozen=True)
class ChangeTruth:
    """A merged PR and the first successful production deployment that contains it."""

    repo: str
    number: int
    author_login: str
    author_kind: str
    first_commit_at: str
    merged_at: str
    deployment_id: int | None
    deployed_at: str | None
    deployment_source: str | None = None
    lead_time_minutes: float | None = None  # None when not deployed or shipped by the baseline


@dataclass(frozen=True)
class PullTruth:
    """Velocity stage times of a PR (first review = first by a human who is not the author)."""

    repo: str
    number: int
    author_login: str
    author_kind: str
    created_at: str
    ready_at: str | None
    first_commit_at: str
    first_review_at: str | None
    merged_at: str | None
    closed_at: str | None
    additions: int
    deletions: int
    commits: int
    reviews: int  # every submitted review, as `/pulls/{n}/reviews` lists them
    human_reviews: int = 0  # of those, by humans other than the author
    changed_files: int = 0
    coding_minutes: float | None = None
    pickup_minutes: float | None = None
    review_minutes: float | None = None
    cycle_minutes: float | None = None


@dataclass(frozen=True)
class IncidentTruth:
    """An issue labelled `incident`."""

    repo: str
    number: int
    opened_at: str
    closed_at: str | None


@dataclass(frozen=True)
class DoraIncidentTruth:
    """An incident of any source, its attribution and its recovery time."""

    repo: str
    source: str  # label | revert | failed_deployment
    ref: str  # issue number, revert PR number, or `<deployment source>:<id>` of the failure
    opened_at: str
    resolved_at: str | None
    deployment_source: str | None
    deployment_id: int | None
    recovery_minutes: float | None


@dataclass(frozen=True)
class SeatTruth:
    """A seat and its last activity."""

    login: str
    org: str
    last_activity_at: str | None
    inactive_days: int | None


@dataclass(frozen=True)
class SpendTruth:
    """Spend of one user, day, model and source."""

    day: str
    user_login: str
    org: str
    model: str
    source: str
    gross_quantity: float
    discount_quantity: float
    net_quantity: float
    net_amount: float


def _in(day: dt.date, start: dt.date, end: dt.date) -> bool:
    return start <= day <= end


def _epoch(ts: str) -> int:
    return int(dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp())


def _minutes(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return (_epoch(end) - _epoch(start)) / 60


def _span(start: int | None, end: int | None) -> float | None:
    return None if start is None or end is None else (end - start) / 60


def _last_at_or_before(successes: list[DeploymentTruth], at: str) -> DeploymentTruth | None:
    return next((d for d in reversed(successes) if d.deployed_at <= at), None)


class Truth:
    """Answers "what should the metrics say" from the generated history."""

    def __init__(self, state: State) -> None:
        self.state = state

    def _repos(self, enterprise: str) -> list[Repo]:
        return self.state.world.enterprise_repos(enterprise)

    def deployments(self, enterprise: str, start: dt.date, end: dt.date) -> list[DeploymentTruth]:
        """Completed production deployments with deployed_at in [start, end]."""
        out = [d for repo in self._repos(enterprise) for d in self._repo_deployments(repo)]
        return [d for d in out if _in(dt.date.fromisoformat(d.deployed_at[:10]), start, end)]

    def _repo_deployments(self, repo: Repo) -> list[DeploymentTruth]:
        st = self.state
        now, today = st.now, st.today
        out: list[DeploymentTruth] = []
        for dep in st.history.deployments(repo, today):
            if dep.environment == "production" and dep.final_at <= now:
                out.append(
                    DeploymentTruth(
                        repo.full_name,
                        "deployment",
                        dep.id,
                        dep.sha,
                        iso(dep.final_at),
                        dep.final_state == "success",
                    )
                )
        for run, _ in st.history.runs(repo, today):
            status, conclusion, _, _, updated = run_view(run, now)
            if run.workflow == "deploy" and run.head_branch == "main" and status == "completed":
                out.append(
                    DeploymentTruth(
                        repo.full_name,
                        "workflow_run",
                        run.id,
                        run.head_sha,
                        iso(updated),
                        conclusion == "success",
                    )
                )
        out.sort(key=lambda d: (d.deployed_at, d.id))
        first = next((i for i, d in enumerate(out) if d.succeeded), None)
        if first is not None:
            out[first] = replace(out[first], is_baseline=True)
        return out

    def changes(self, enterprise: str, start: dt.date, end: dt.date) -> list[ChangeTruth]:
        """Merged PRs (merged in [start, end]) with their lead-time anchors."""
        return [
            c
            for repo in self._repos(enterprise)
            for c in self._repo_changes(repo)
            if _in(dt.date.fromisoformat(c.merged_at[:10]), start, end)
        ]

    def _repo_changes(self, repo: Repo) -> list[ChangeTruth]:
        st = self.state
        landed = {mc.commit.sha: mc.landed_at for mc, _ in st.history.main_commits(repo, st.today)}
        successes = [d for d in self._repo_deployments(repo) if d.succeeded]
        out = []
        for pr in st.history.prs(repo, st.today):
            if pr.merged_at is None or pr.merged_at > st.now:
                continue
            merged = pr.merged_at
            dep = next((d for d in successes if landed.get(d.sha, -1) >= merged), None)
            first = iso(min(c.authored_at for c in pr.commits))
            timed = dep is not None and not dep.is_baseline
            out.append(
                ChangeTruth(
                    repo.full_name,
                    pr.number,
                    pr.author.login,
                    pr.author.kind,
                    first,
                    iso(merged),
                    dep.id if dep else None,
                    dep.deployed_at if dep else None,
                    dep.source if dep else None,
                    _minutes(first, dep.deployed_at) if dep and timed else None,
                )
            )
        return out

    def pull_requests(self, enterprise: str, start: dt.date, end: dt.date) -> list[PullTruth]:
        """PRs created in [start, end], with velocity stage times as visible now."""
        st = self.state
        out = []
        for repo in self._repos(enterprise):
            for pr in st.history.prs(repo, st.today):
                if _in(day_of(pr.created_at), start, end):
                    out.append(self._pull(pr))
        return out

    def _pull(self, pr: PullRequest) -> PullTruth:
        now = self.state.now
        commits = [c for c in pr.commits if c.committed_at <= now]
        reviews = [rv for rv in pr.reviews if rv.submitted_at <= now]
        human = [
            rv for rv in reviews if rv.user.kind == "human" and rv.user.login != pr.author.login
        ]
        ready = pr.ready_at if pr.ready_at is not None else pr.created_at
        merged = pr.merged_at if pr.merged_at is not None and pr.merged_at <= now else None
        closed = pr.closed_at if pr.closed_at is not None and pr.closed_at <= now else None
        first = min(c.authored_at for c in commits)
        first_review = human[0].submitted_at if human else None
        ready_now = ready if ready <= now else None
        return PullTruth(
            repo=pr.repo.full_name,
            number=pr.number,
            author_login=pr.author.login,
            author_kind=pr.author.kind,
            created_at=iso(pr.created_at),
            ready_at=iso(ready_now) if ready_now is not None else None,
            first_commit_at=iso(first),
            first_review_at=iso(first_review) if first_review is not None else None,
            merged_at=iso(merged) if merged else None,
            closed_at=iso(closed) if closed else None,
            additions=sum(c.additions for c in commits),
            deletions=sum(c.deletions for c in commits),
            commits=len(commits),
            reviews=len(reviews),
            human_reviews=len(human),
            changed_files=min(60, 1 + sum(c.additions + c.deletions for c in commits) // 25),
            coding_minutes=_span(first, ready_now),
            pickup_minutes=_span(ready_now, first_review),
            review_minutes=_span(first_review, merged),
            cycle_minutes=_span(first, merged),
        )

    def incidents(self, enterprise: str, start: dt.date, end: dt.date) -> list[IncidentTruth]:
        """Issues labelled `incident` opened in [start, end]."""
        st = self.state
        out = []
        for repo in self._repos(enterprise):
            for issue in st.history.issues(repo, st.today):
                if issue.is_incident and _in(day_of(issue.created_at), start, end):
                    closed = (
                        issue.closed_at
                        if issue.closed_at is not None and issue.closed_at <= st.now
                        else None
                    )
                    out.append(
                        IncidentTruth(
                            repo.full_name,
                            issue.number,
                            iso(issue.created_at),
                            iso(closed) if closed else None,
                        )
                    )
        return out

    def dora_incidents(
        self, enterprise: str, start: dt.date, end: dt.date
    ) -> list[DoraIncidentTruth]:
        """Incidents of all sources (labels, reverts, failed deployments) opened in [start, end]."""
        return [
            i
            for repo in self._repos(enterprise)
            for i in self._repo_incidents(repo)
            if _in(dt.date.fromisoformat(i.opened_at[:10]), start, end)
        ]

    def _repo_incidents(self, repo: Repo) -> list[DoraIncidentTruth]:
        st = self.state
        deploys = self._repo_deployments(repo)
        successes = [d for d in deploys if d.succeeded]
        changes = {c.number: c for c in self._repo_changes(repo)}
        by_id = {(d.source, d.id): d for d in deploys}

        def incident(
            source: str, ref: str, opened: str, resolved: str | None, dep: DeploymentTruth | None
        ) -> DoraIncidentTruth:
            began = dep.deployed_at if dep is not None else opened
            return DoraIncidentTruth(
                repo.full_name,
                source,
                ref,
                opened,
                resolved,
                dep.source if dep else None,
                dep.id if dep else None,
                _minutes(began, resolved),
            )

        out = []
        for issue in st.history.issues(repo, st.today):
            if issue.is_incident and issue.created_at <= st.now:
                opened = iso(issue.created_at)
                closed = issue.closed_at
                resolved = iso(closed) if closed is not None and closed <= st.now else None
                dep = _last_at_or_before(successes, opened)
                out.append(incident("label", str(issue.number), opened, resolved, dep))
        for pr in st.history.prs(repo, st.today):
            own = changes.get(pr.number)
            if pr.reverts is None or own is None:
                continue
            opened = iso(pr.created_at)
            victim = changes.get(pr.reverts)
            dep = None
            if victim is not None and victim.deployment_id is not None:
                dep = by_id[(victim.deployment_source or "", victim.deployment_id)]
            if dep is None:
                dep = _last_at_or_before(successes, opened)
            out.append(incident("revert", str(pr.number), opened, own.deployed_at, dep))
        for d in deploys:
            if not d.succeeded:
                nxt = next((s for s in successes if s.deployed_at > d.deployed_at), None)
                ref = f"{d.source}:{d.id}"
                resolved = nxt.deployed_at if nxt else None
                out.append(incident("failed_deployment", ref, d.deployed_at, resolved, d))
        return out

    def copilot_totals(
        self, enterprise: str, day: dt.date, org: str | None = None
    ) -> dict[str, Any]:
        """The enterprise-1-day (or organization-1-day) record as served today."""
        return self.state.reports.aggregate(enterprise, org, day, self.state.today)

    def copilot_users(self, enterprise: str, day: dt.date) -> list[dict[str, Any]]:
        """The users-1-day records as served today."""
        return self.state.reports.users(enterprise, None, day, self.state.today)

    def seats(self, enterprise: str) -> list[SeatTruth]:
        """Seats as of today, with inactive days (today − last activity day)."""
        st = self.state
        out = []
        for seat in st.history.seats(enterprise, None, st.today):
            last = seat.last_activity_at
            inactive = (st.today - day_of(last)).days if last is not None else None
            out.append(SeatTruth(seat.user.login, seat.org, iso(last) if last else None, inactive))
        return out

    def spend(
        self, enterprise: str, start: dt.date, end: dt.date, source: str = "premium_request"
    ) -> list[SpendTruth]:
        """Spend rows per day, user and model in [start, end]."""
        st = self.state
        months = sorted(
            {(start + dt.timedelta(days=i)).replace(day=1) for i in range((end - start).days + 1)}
        )
        out = []
        for month in months:
            for row in st.billing.rows(
                enterprise, source, Period(month.year, month.month, None), st.today
            ):
                if _in(row.day, start, end):
                    out.append(
                        SpendTruth(
                            row.day.isoformat(),
                            row.user.login,
                            row.org,
                            row.model,
                            source,
                            row.gross_quantity,
                            row.discount_quantity,
                            row.net_quantity,
                            round(row.net_quantity * row.sku.price, 4),
                        )
                    )
        return out
