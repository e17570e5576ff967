"""The truth API: what the generated history implies, for end-to-end checks of the metrics.

Every value is what the endpoints serve on the simulator's current `today` (times ISO-8601 UTC).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    reviews: int


@dataclass(frozen=True)
class IncidentTruth:
    """An issue labelled `incident`."""

    repo: str
    number: int
    opened_at: str
    closed_at: str | None


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
        return sorted(out, key=lambda d: (d.deployed_at, d.id))

    def changes(self, enterprise: str, start: dt.date, end: dt.date) -> list[ChangeTruth]:
        """Merged PRs (merged in [start, end]) with their lead-time anchors."""
        out = []
        st = self.state
        for repo in self._repos(enterprise):
            landed = {
                mc.commit.sha: mc.landed_at for mc, _ in st.history.main_commits(repo, st.today)
            }
            successes = [d for d in self._repo_deployments(repo) if d.succeeded]
            for pr in st.history.prs(repo, st.today):
                if (
                    pr.merged_at is None
                    or pr.merged_at > st.now
                    or not _in(day_of(pr.merged_at), start, end)
                ):
                    continue
                merged = pr.merged_at
                dep = next((d for d in successes if landed.get(d.sha, -1) >= merged), None)
                out.append(
                    ChangeTruth(
                        repo.full_name,
                        pr.number,
                        pr.author.login,
                        pr.author.kind,
                        iso(min(c.authored_at for c in pr.commits)),
                        iso(merged),
                        dep.id if dep else None,
                        dep.deployed_at if dep else None,
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
        return PullTruth(
            repo=pr.repo.full_name,
            number=pr.number,
            author_login=pr.author.login,
            author_kind=pr.author.kind,
            created_at=iso(pr.created_at),
            ready_at=iso(ready) if ready <= now else None,
            first_commit_at=iso(min(c.authored_at for c in commits)),
            first_review_at=iso(human[0].submitted_at) if human else None,
            merged_at=iso(merged) if merged else None,
            closed_at=iso(closed) if closed else None,
            additions=sum(c.additions for c in commits),
            deletions=sum(c.deletions for c in commits),
            commits=len(commits),
            reviews=len(reviews),
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
