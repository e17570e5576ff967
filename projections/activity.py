"""Repository activity: the latest known state of PRs, reviews, commits, runs, deployments, issues.

DORA (`dora.py`) and velocity (`velocity.py`) both read this snapshot. Each GitHub list item is an
entity keyed by its identity (enterprise, repo, id/number); its latest observation wins
(`observe.py`). Only the fields the definitions use are kept, already normalised (UTC `Z` times).
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from archive import kinds
from projections.events import Fetched
from projections.observe import Latest, Observer, Order
from projections.partition import repo_name
from projections.timeutil import norm_ts

KINDS = frozenset(
    {
        kinds.ORG_REPOS,
        kinds.REPO_PULLS,
        kinds.REPO_PULL,
        kinds.REPO_PULL_REVIEWS,
        kinds.REPO_PULL_COMMITS,
        kinds.REPO_COMMITS,
        kinds.REPO_WORKFLOW_RUNS,
        kinds.REPO_DEPLOYMENTS,
        kinds.REPO_DEPLOYMENT_STATUSES,
        kinds.REPO_ISSUES,
    }
)


class Pull(NamedTuple):
    """A pull request as listed (`repo.pulls`) or fetched alone (`repo.pull`)."""

    enterprise_id: str
    repo: str
    number: int
    title: str
    author: str
    author_type: str
    draft: bool
    created_at: str | None
    closed_at: str | None
    merged_at: str | None
    base_ref: str
    default_branch: str | None


class PullSize(NamedTuple):
    """Size fields that only the single-PR answer carries."""

    additions: int | None
    deletions: int | None
    changed_files: int | None
    commits: int | None


class Review(NamedTuple):
    """A submitted PR review."""

    login: str
    user_type: str
    state: str
    submitted_at: str | None


class Commit(NamedTuple):
    """A commit (of a PR, or of the default branch); `committed_at` is the git committer date."""

    sha: str
    login: str
    user_type: str
    authored_at: str | None
    committed_at: str | None


class Run(NamedTuple):
    """A workflow run."""

    run_id: int
    name: str
    head_branch: str
    head_sha: str
    status: str
    conclusion: str
    created_at: str | None
    updated_at: str | None


class Deployment(NamedTuple):
    """A GitHub deployment."""

    deployment_id: int
    environment: str
    sha: str
    created_at: str | None


class Status(NamedTuple):
    """A deployment status."""

    status_id: int
    state: str
    created_at: str | None


class Issue(NamedTuple):
    """An issue (never a PR: items with `pull_request` are skipped)."""

    number: int
    title: str
    labels: tuple[str, ...]
    created_at: str | None
    closed_at: str | None


RepoKey = tuple[str, str]
"""(enterprise_id, repo full name)."""


def repo_of(ev: Fetched) -> str:
    """The `org/name` of the repository an event is about."""
    return repo_name(ev.repo, ev.org, ev.request)


def _ent(ev: Fetched) -> str:
    """The enterprise id, interned (it is part of every entity key)."""
    return sys.intern(ev.enterprise_id or "")


def _login(obj: Any) -> tuple[str, str]:
    if isinstance(obj, dict):
        return str(obj.get("login") or ""), str(obj.get("type") or "")
    return "", ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _param(ev: Fetched, name: str) -> int | None:
    refs = ev.refs or {}
    params = (ev.request or {}).get("params") or {}
    value = refs.get(name, params.get(name))
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


@dataclass(slots=True)
class Activity:
    """Latest state of every repository entity, keyed by (enterprise_id, repo, …)."""

    default_branch: Latest[RepoKey, str] = field(default_factory=Latest)
    pulls: Latest[tuple[str, str, int], Pull] = field(default_factory=Latest)
    sizes: Latest[tuple[str, str, int], PullSize] = field(default_factory=Latest)
    draft_seen: dict[tuple[str, str, int], str] = field(default_factory=dict)
    ready_seen: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)
    reviews: Latest[tuple[str, str, int, int], Review] = field(default_factory=Latest)
    pr_commits: Latest[tuple[str, str, int, str], Commit] = field(default_factory=Latest)
    commits: Latest[tuple[str, str, str], Commit] = field(default_factory=Latest)
    runs: Latest[tuple[str, str, int], Run] = field(default_factory=Latest)
    deployments: Latest[tuple[str, str, int], Deployment] = field(default_factory=Latest)
    statuses: Latest[tuple[str, str, int, int], Status] = field(default_factory=Latest)
    issues: Latest[tuple[str, str, int], Issue] = field(default_factory=Latest)


def _pull(ev: Fetched, repo: str, item: dict[str, Any]) -> Pull:
    login, utype = _login(item.get("user"))
    base = item.get("base") or {}
    base_repo = base.get("repo") or {}
    return Pull(  # positional: this runs once per PR fetch (the hot path of a rebuild)
        _ent(ev),
        repo,
        int(item["number"]),
        str(item.get("title") or ""),
        login,
        utype,
        bool(item.get("draft")),
        norm_ts(item.get("created_at")),
        norm_ts(item.get("closed_at")),
        norm_ts(item.get("merged_at")),
        str(base.get("ref") or ""),
        base_repo.get("default_branch") if isinstance(base_repo, dict) else None,
    )


def _items(body: Any, key: str | None = None) -> Iterable[dict[str, Any]]:
    if key is not None and isinstance(body, dict):
        body = body.get(key)
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return [b for b in body if isinstance(b, dict)]
    return []


Pairs = list[tuple[Hashable, Any]]


def _ex_repos(ev: Fetched, body: Any) -> Pairs:
    ent = _ent(ev)
    out: Pairs = []
    for item in _items(body):
        name = item.get("full_name") or f"{ev.org}/{item.get('name')}"
        out.append((("branch", (ent, str(name))), str(item.get("default_branch") or "")))
    return out


def _ex_pulls(ev: Fetched, body: Any) -> Pairs:
    out: Pairs = []
    repo = repo_of(ev)
    for item in _items(body):
        if isinstance(item.get("number"), int):
            pull = _pull(ev, repo, item)
            key = (pull.enterprise_id, pull.repo, pull.number)
            out.append((("pull", key), pull))
            if ev.kind == kinds.REPO_PULL:
                size = PullSize(
                    _int(item.get("additions")),
                    _int(item.get("deletions")),
                    _int(item.get("changed_files")),
                    _int(item.get("commits")),
                )
                out.append((("size", key), size))
    return out


def _ex_reviews(ev: Fetched, body: Any) -> Pairs:
    number = _param(ev, "pull_number")
    if number is None:
        return []
    base = (_ent(ev), repo_of(ev), number)
    out: Pairs = []
    for item in _items(body):
        login, utype = _login(item.get("user"))
        review = Review(
            login, utype, str(item.get("state") or ""), norm_ts(item.get("submitted_at"))
        )
        out.append((("review", (*base, int(item.get("id") or 0))), review))
    return out


def _commit(item: dict[str, Any]) -> Commit:
    login, utype = _login(item.get("author"))
    inner = item.get("commit") or {}
    author = inner.get("author") or {} if isinstance(inner, dict) else {}
    committer = inner.get("committer") or {} if isinstance(inner, dict) else {}
    return Commit(
        str(item.get("sha") or ""),
        login,
        utype,
        norm_ts(author.get("date")),
        norm_ts(committer.get("date")),
    )


def _ex_pr_commits(ev: Fetched, body: Any) -> Pairs:
    number = _param(ev, "pull_number")
    if number is None:
        return []
    base = (_ent(ev), repo_of(ev), number)
    return [(("pr_commit", (*base, c.sha)), c) for c in map(_commit, _items(body))]


def _ex_commits(ev: Fetched, body: Any) -> Pairs:
    base = (_ent(ev), repo_of(ev))
    return [(("commit", (*base, c.sha)), c) for c in map(_commit, _items(body))]


def _ex_runs(ev: Fetched, body: Any) -> Pairs:
    base = (_ent(ev), repo_of(ev))
    out: Pairs = []
    for item in _items(body, "workflow_runs"):
        run = Run(
            int(item.get("id") or 0),
            str(item.get("name") or ""),
            str(item.get("head_branch") or ""),
            str(item.get("head_sha") or ""),
            str(item.get("status") or ""),
            str(item.get("conclusion") or ""),
            norm_ts(item.get("created_at")),
            norm_ts(item.get("updated_at")),
        )
        out.append((("run", (*base, run.run_id)), run))
    return out


def _ex_deployments(ev: Fetched, body: Any) -> Pairs:
    base = (_ent(ev), repo_of(ev))
    out: Pairs = []
    for item in _items(body):
        dep = Deployment(
            int(item.get("id") or 0),
            str(item.get("environment") or ""),
            str(item.get("sha") or ""),
            norm_ts(item.get("created_at")),
        )
        out.append((("deployment", (*base, dep.deployment_id)), dep))
    return out


def _ex_statuses(ev: Fetched, body: Any) -> Pairs:
    dep_id = _param(ev, "deployment_id")
    if dep_id is None:
        return []
    base = (_ent(ev), repo_of(ev), dep_id)
    out: Pairs = []
    for item in _items(body):
        st = Status(
            int(item.get("id") or 0), str(item.get("state") or ""), norm_ts(item.get("created_at"))
        )
        out.append((("status", (*base, st.status_id)), st))
    return out


def _ex_issues(ev: Fetched, body: Any) -> Pairs:
    base = (_ent(ev), repo_of(ev))
    out: Pairs = []
    for item in _items(body):
        if item.get("pull_request") is not None or not isinstance(item.get("number"), int):
            continue  # /issues also lists PRs: skip them (design §4)
        labels = tuple(
            sorted(
                str(lb.get("name") or "") for lb in item.get("labels") or [] if isinstance(lb, dict)
            )
        )
        issue = Issue(
            item["number"],
            str(item.get("title") or ""),
            labels,
            norm_ts(item.get("created_at")),
            norm_ts(item.get("closed_at")),
        )
        out.append((("issue", (*base, issue.number)), issue))
    return out


EXTRACTORS = {
    kinds.ORG_REPOS: _ex_repos,
    kinds.REPO_PULLS: _ex_pulls,
    kinds.REPO_PULL: _ex_pulls,
    kinds.REPO_PULL_REVIEWS: _ex_reviews,
    kinds.REPO_PULL_COMMITS: _ex_pr_commits,
    kinds.REPO_COMMITS: _ex_commits,
    kinds.REPO_WORKFLOW_RUNS: _ex_runs,
    kinds.REPO_DEPLOYMENTS: _ex_deployments,
    kinds.REPO_DEPLOYMENT_STATUSES: _ex_statuses,
    kinds.REPO_ISSUES: _ex_issues,
}


class ActivityCollector:
    """Builds an `Activity` snapshot from repository events delivered in any order."""

    kinds = KINDS

    def __init__(self) -> None:
        self.activity = Activity()
        self._observers = {k: Observer(fn, self._sink) for k, fn in EXTRACTORS.items()}
        a = self.activity
        self._targets: dict[str, Latest[Any, Any]] = {
            "size": a.sizes, "branch": a.default_branch, "review": a.reviews,
            "pr_commit": a.pr_commits, "commit": a.commits, "run": a.runs,
            "deployment": a.deployments, "status": a.statuses, "issue": a.issues,
        }  # fmt: skip

    def add(self, ev: Fetched) -> None:
        """Observe one repository event."""
        obs = self._observers.get(ev.kind)
        if obs is not None:
            obs.add(ev)

    def finish(self) -> Activity:
        """Apply 304 re-confirmations and return the snapshot."""
        for kind in sorted(self._observers):
            self._observers[kind].finish()
        return self.activity

    def _sink(self, tagged: Hashable, order: Order, record: Any, _event_id: str) -> None:
        tag, key = cast("tuple[str, Any]", tagged)  # always a (tag, key) pair: see extractors
        if tag == "pull":
            self.activity.pulls.offer(key, order, record)
            self._track_draft(key, order[0], record.draft)
        else:  # Latest.offer, inlined: this runs once per extracted record
            items = self._targets[tag].items
            cur = items.get(key)
            if cur is None or order > cur[0]:
                items[key] = (order, record)

    def _track_draft(self, key: tuple[str, str, int], fetched_at: str, draft: bool) -> None:
        if draft:
            cur = self.activity.draft_seen.get(key)
            if cur is None or fetched_at < cur:
                self.activity.draft_seen[key] = fetched_at
        else:
            self.activity.ready_seen.setdefault(key, []).append(fetched_at)


@dataclass(slots=True)
class RepoSlice:
    """One repository's share of the snapshot, grouped for the per-repo definitions."""

    key: RepoKey
    default_branch: str | None = None
    pulls: list[Pull] = field(default_factory=list)
    sizes: dict[int, PullSize] = field(default_factory=dict)
    reviews: dict[int, list[Review]] = field(default_factory=dict)
    pr_commits: dict[int, list[Commit]] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    statuses: dict[int, list[Status]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    draft_seen: dict[int, str] = field(default_factory=dict)
    ready_seen: dict[int, list[str]] = field(default_factory=dict)


def _by_repo(latest: Latest[Any, Any]) -> dict[RepoKey, list[tuple[Any, Any]]]:
    """Group a Latest map by (enterprise, repo) into (rest of key, record) lists sorted by key."""
    out: dict[RepoKey, list[tuple[Any, Any]]] = {}
    for key, (_, record) in latest.items.items():
        out.setdefault((key[0], key[1]), []).append((key[2:], record))
    for rows in out.values():
        rows.sort(key=lambda kr: kr[0])
    return out


def slices(activity: Activity) -> list[RepoSlice]:
    """Group the snapshot by repository (sorted by key; items sorted by their identity)."""
    a = activity
    groups = {
        name: _by_repo(getattr(a, name))
        for name in (
            "pulls",
            "sizes",
            "reviews",
            "pr_commits",
            "commits",
            "runs",
            "deployments",
            "statuses",
            "issues",
        )
    }
    keys: set[RepoKey] = set().union(*(g.keys() for g in groups.values()))
    drafts: dict[RepoKey, dict[int, str]] = {}
    for (e, r, n), at in a.draft_seen.items():
        drafts.setdefault((e, r), {})[n] = at
    readies: dict[RepoKey, dict[int, list[str]]] = {}
    for (e, r, n), times in a.ready_seen.items():
        readies.setdefault((e, r), {})[n] = sorted(times)
    out = []
    for key in sorted(keys):
        g = {name: grp.get(key, []) for name, grp in groups.items()}
        sl = RepoSlice(
            key,
            None,
            [p for _, p in g["pulls"]],
            {k[0]: v for k, v in g["sizes"]},
            _nested(g["reviews"]),
            _nested(g["pr_commits"]),
            [c for _, c in g["commits"]],
            [x for _, x in g["runs"]],
            [d for _, d in g["deployments"]],
            _nested(g["statuses"]),
            [i for _, i in g["issues"]],
            drafts.get(key, {}),
            readies.get(key, {}),
        )
        sl.default_branch = _branch(a, sl)
        out.append(sl)
    return out


def _nested(rows: list[tuple[Any, Any]]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for k, v in rows:
        out.setdefault(k[0], []).append(v)
    return out


def _branch(a: Activity, sl: RepoSlice) -> str | None:
    """The default branch: from `org.repos`, else the smallest one named by the repo's PRs."""
    branch = a.default_branch.get(sl.key)
    if branch:
        return branch
    found = sorted({p.default_branch for p in sl.pulls if p.default_branch})
    return found[0] if found else None
