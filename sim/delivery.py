"""What lands on the default branch, and the runs, deployments and releases that follow."""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass

from sim.activity import MAX_PR_DAYS, Activity, work_time
from sim.ids import DAY_S, day_index, day_of, day_start, rng, sha1hex
from sim.records import Commit, Deployment, MainCommit, PullRequest, Release, Run
from sim.world import Repo, User, World

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Trigger:
    """What starts a workflow run."""

    repo: Repo
    workflow: str  # CI | deploy | Nightly
    event: str
    branch: str
    head: Commit
    actor: User
    created: int
    pr_number: int | None = None


def _run(r: random.Random, ident: int, t: Trigger) -> Run:
    """A run with its attempts: failures are sometimes re-run, usually successfully."""
    fail_p = 0.15 if t.workflow != "Nightly" else 0.05
    duration = r.randint(180, 1500) if t.workflow == "deploy" else r.randint(120, 900)
    if t.workflow == "Nightly":
        duration = r.randint(600, 2400)
    started = t.created + r.randint(2, 30)
    conclusion = "failure" if r.random() < fail_p else "success"
    attempts = [(started, started + duration, conclusion)]
    if conclusion == "failure" and r.random() < 0.4:
        again = started + duration + r.randint(300, 3600)
        attempts.append((again, again + duration, "success" if r.random() < 0.8 else "failure"))
    head = t.head
    return Run(
        id=ident,
        repo=t.repo,
        workflow=t.workflow,
        event=t.event,
        head_branch=t.branch,
        head_sha=head.sha,
        head_message=head.message.split("\n")[0],
        head_time=head.committed_at,
        actor=t.actor,
        created_at=t.created,
        attempts=tuple(attempts),
        pr_number=t.pr_number,
    )


class Delivery:
    """Default-branch history, workflow runs, deployments and releases, per (repo, day)."""

    def __init__(self, world: World, activity: Activity, cache_size: int = 8192) -> None:
        self.world = world
        self.activity = activity
        self.seed = world.seed
        self.landing = functools.lru_cache(maxsize=cache_size)(self._landing)
        self.runs = functools.lru_cache(maxsize=cache_size)(self._runs)
        self.deployments = functools.lru_cache(maxsize=cache_size)(self._deployments)
        self.releases = functools.lru_cache(maxsize=cache_size)(self._releases)

    def _id(self, repo: Repo, day: dt.date, k: int) -> int:
        return (repo.idx + 1) * 10**8 + day_index(day) * 10**4 + k

    # default branch -----------------------------------------------------------------------
    def initial_commit(self, repo: Repo) -> MainCommit:
        """The commit the simulated history starts from."""
        t = day_start(self.world.first_day) - DAY_S // 2
        author = (
            self.world.user(repo.contributors[0])
            if repo.contributors
            else self.world.user("Copilot")
        )
        commit = Commit(sha1hex(self.seed, repo.idx, "initial"), author, t, t, "Baseline", 10, 0)
        return MainCommit(commit, t, None, True)

    def _landing(self, repo: Repo, day: dt.date) -> tuple[MainCommit, ...]:
        out: list[MainCommit] = []
        for pr in self.activity.prs_born(repo, day - dt.timedelta(days=MAX_PR_DAYS), day):
            if pr.merged_at is not None and day_of(pr.merged_at) == day:
                out.extend(self._merged(pr))
        out.extend(
            MainCommit(c, c.committed_at, None, True) for c in self.activity.day(repo, day).pushes
        )
        out.sort(
            key=lambda mc: (mc.landed_at, mc.first_parent, mc.commit.committed_at, mc.commit.sha)
        )
        return tuple(out)

    def _merged(self, pr: PullRequest) -> list[MainCommit]:
        assert pr.merged_at is not None
        assert pr.merge_sha is not None
        if pr.merge_method == "squash":
            lines = "\n".join(f"* {c.message}" for c in pr.commits)
            message = f"{pr.title} (#{pr.number})\n\n{lines}"
            commit = Commit(
                pr.merge_sha,
                pr.author,
                pr.merged_at,
                pr.merged_at,
                message,
                pr.additions,
                pr.deletions,
                web_flow=True,
            )
            return [MainCommit(commit, pr.merged_at, pr.number, True)]
        message = (
            f"Merge pull request #{pr.number} from {pr.repo.org.login}/{pr.head_ref}\n\n{pr.title}"
        )
        merger = pr.merged_by or pr.author
        commit = Commit(
            pr.merge_sha, merger, pr.merged_at, pr.merged_at, message, 0, 0, web_flow=True
        )
        branch = [MainCommit(c, pr.merged_at, pr.number, False) for c in pr.commits]
        return [*branch, MainCommit(commit, pr.merged_at, pr.number, True, pr.commits[-1].sha)]

    def main_head(self, repo: Repo, t: float) -> MainCommit:
        """The first-parent head of the default branch at time t."""
        day = day_of(t)
        while day >= self.world.first_day:
            landed = [mc for mc in self.landing(repo, day) if mc.first_parent and mc.landed_at <= t]
            if landed:
                return landed[-1]
            day -= ONE_DAY
        return self.initial_commit(repo)

    # workflow runs ------------------------------------------------------------------------
    def _runs(self, repo: Repo, day: dt.date) -> tuple[Run, ...]:
        r = rng(self.seed, "runs", repo.idx, day)
        actions = self.world.user("github-actions[bot]")
        nightly_at = (
            day_start(day) + 23 * 3600 + r.randint(1200, 3300)
        )  # often still running at midnight
        head = self.main_head(repo, nightly_at).commit
        triggers = [Trigger(repo, "Nightly", "schedule", "main", head, actions, nightly_at)]
        for pr in self.activity.day(repo, day).prs:
            triggers.append(
                Trigger(
                    repo,
                    "CI",
                    "pull_request",
                    pr.head_ref,
                    pr.commits[0],
                    pr.author,
                    pr.created_at + 15,
                    pr.number,
                )
            )
        for mc in self.landing(repo, day):
            if not mc.first_parent:
                continue
            c = mc.commit
            triggers.append(Trigger(repo, "CI", "push", "main", c, c.author, mc.landed_at + 10))
            if repo.deploy_style == "workflow":
                triggers.append(
                    Trigger(repo, "deploy", "push", "main", c, c.author, mc.landed_at + 40)
                )
        return tuple(_run(r, self._id(repo, day, k), t) for k, t in enumerate(triggers))

    # deployments --------------------------------------------------------------------------
    def _deployments(self, repo: Repo, day: dt.date) -> tuple[Deployment, ...]:
        if repo.deploy_style != "deployments" or day.weekday() >= 5:
            return ()
        r = rng(self.seed, "deploys", repo.idx, day)
        creator = self.world.user("github-actions[bot]")
        out: list[Deployment] = []
        for hour in sorted(r.sample((9.5, 11.0, 14.0, 16.5, 18.0), r.randint(1, 3))):
            t = day_start(day) + int(hour * 3600) + r.randint(0, 1200)
            sha = self.main_head(repo, t - 1800).commit.sha
            staging_end = t - 1800 + r.randint(120, 600)
            staging = (
                ("in_progress", t - 1800 + 30),
                ("success" if r.random() < 0.95 else "failure", staging_end),
            )
            out.append(
                Deployment(
                    self._id(repo, day, len(out)), repo, "staging", sha, t - 1800, creator, staging
                )
            )
            roll = r.random()
            final = "success" if roll < 0.85 else ("failure" if roll < 0.95 else "error")
            prod = (("in_progress", t + 40), (final, t + r.randint(240, 1500)))
            out.append(
                Deployment(self._id(repo, day, len(out)), repo, "production", sha, t, creator, prod)
            )
        return tuple(out)

    def inactive_at(self, dep: Deployment, until: int) -> int | None:
        """When a successful non-production deployment was superseded by the next success in its
        environment (GitHub's `auto_inactive`, default true, leaves production deployments alone
        unless the status was created with a preview media type)."""
        if dep.final_state != "success" or dep.environment == "production":
            return None
        day = day_of(dep.created_at)
        while day <= day_of(until):
            for other in self.deployments(dep.repo, day):
                if (
                    other.environment == dep.environment
                    and other.created_at > dep.created_at
                    and other.final_state == "success"
                    and other.final_at <= until
                ):
                    return other.final_at
            day += ONE_DAY
        return None

    # releases -----------------------------------------------------------------------------
    def _releases(self, repo: Repo, day: dt.date) -> tuple[Release, ...]:
        r = rng(self.seed, "release", repo.idx, day)
        if (
            repo.deploy_style == "none"
            or day.weekday() != 3
            or r.random() > 0.7
            or not repo.contributors
        ):
            return ()
        t = work_time(r, day)
        author = self.world.user(r.choice(repo.contributors))
        tag = f"v{day:%Y.%m.%d}"
        return (
            Release(
                self._id(repo, day, 0),
                repo,
                tag,
                f"Release {tag}",
                "main",
                t - 300,
                t,
                author,
                r.random() < 0.1,
                f"Changes up to {self.main_head(repo, t).commit.sha[:7]}",
            ),
        )
