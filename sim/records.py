"""Frozen records of generated history. Times are epoch seconds (UTC).

A record holds its whole timeline, including what happens after "now" (a merge next week); the
renderers show only what is visible at the simulator's current moment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.world import Repo, User


@dataclass(frozen=True, slots=True)
class Commit:
    """A git commit."""

    sha: str
    author: User
    authored_at: int
    committed_at: int
    message: str
    additions: int
    deletions: int
    web_flow: bool = False  # committed by GitHub (squash/merge button)


@dataclass(frozen=True, slots=True)
class Review:
    """A pull-request review."""

    id: int
    user: User
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED
    submitted_at: int
    commit_id: str
    body: str


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A pull request with its full (possibly future) timeline."""

    repo: Repo
    number: int
    id: int
    author: User
    kind: str  # human | bot | copilot | revert
    title: str
    body: str
    head_ref: str
    created_at: int
    ready_at: int | None  # None unless opened as a draft
    commits: tuple[Commit, ...]
    reviews: tuple[Review, ...]
    merged_at: int | None
    closed_at: int | None
    merge_sha: str | None
    merge_method: str  # squash | merge
    merged_by: User | None
    assignee: User | None
    comments: int
    labels: tuple[str, ...]
    reverts: int | None = None  # number of the PR this one reverts

    @property
    def additions(self) -> int:
        """Lines added over all commits."""
        return sum(c.additions for c in self.commits)

    @property
    def deletions(self) -> int:
        """Lines deleted over all commits."""
        return sum(c.deletions for c in self.commits)

    @property
    def changed_files(self) -> int:
        """Files touched (derived from the size)."""
        return min(60, 1 + (self.additions + self.deletions) // 25)


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue (not a PR)."""

    repo: Repo
    number: int
    id: int
    author: User
    title: str
    body: str
    labels: tuple[str, ...]
    created_at: int
    closed_at: int | None
    closed_by: User | None
    comments: int

    @property
    def is_incident(self) -> bool:
        """Labelled `incident`."""
        return "incident" in self.labels


@dataclass(frozen=True, slots=True)
class MainCommit:
    """A commit that lands on the default branch (first-parent history or merged in)."""

    commit: Commit
    landed_at: int
    pr_number: int | None
    first_parent: bool  # False for branch commits brought in by a merge commit
    branch_parent: str | None = None  # second parent of a merge commit


@dataclass(frozen=True, slots=True)
class Deployment:
    """A GitHub deployment and its status timeline (without later `inactive` statuses)."""

    id: int
    repo: Repo
    environment: str
    sha: str
    created_at: int
    creator: User
    statuses: tuple[tuple[str, int], ...]  # (state, time)

    @property
    def final_state(self) -> str:
        """Last state of the base timeline."""
        return self.statuses[-1][0]

    @property
    def final_at(self) -> int:
        """Time of the last state of the base timeline."""
        return self.statuses[-1][1]


@dataclass(frozen=True, slots=True)
class Run:
    """A workflow run; `attempts` are (started, completed, conclusion) per attempt."""

    id: int
    repo: Repo
    workflow: str  # CI | deploy | Nightly
    event: str
    head_branch: str
    head_sha: str
    head_message: str
    head_time: int
    actor: User
    created_at: int
    attempts: tuple[tuple[int, int, str], ...]
    pr_number: int | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """A published release."""

    id: int
    repo: Repo
    tag: str
    name: str
    target: str
    created_at: int
    published_at: int
    author: User
    prerelease: bool
    body: str
