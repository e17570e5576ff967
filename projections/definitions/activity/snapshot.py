"""Repository activity: the latest known state of PRs, reviews, commits, runs, deployments, issues.

DORA (`definitions/dora`) and velocity (`definitions/velocity`) both read this snapshot. Each
GitHub list item is an entity keyed by its identity (enterprise, repo, id/number); its latest
observation wins (`shared/observe`). Only the fields the definitions use are kept, already
normalised (UTC `Z` times).
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from archive import kinds
from projections.definitions.shared.observe import Latest, Observer, Order
from projections.definitions.shared.timeutil import norm_ts
from projections.engine.events import Fetched
from projections.engine.partition import repo_name

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
        kinds.REPO_ISSUE_EVENTS,
        kinds.GRAPHQL_PULL_REQUESTS,
        kinds.GRAPHQL_DEPLOYMENTS,
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


class PrEvent(NamedTuple):
    """A draft-state event of a PR (`ready_for_review` or `convert_to_draft`) from issue events."""

    event_id: int
    event: str
    created_at: str | None


DRAFT_EVENTS = frozenset({"ready_for_review", "convert_to_draft"})
"""The issue events velocity reads; the others (labeled, merged, closed…) are not kept."""

RepoKey = tuple[str, str]
"""(enterprise_id, repo full name)."""


def repo_of(ev: Fetched) -> str:
    """The `org/name` of the repository an event is about."""
    return repo_name(ev.repo, ev.org, ev.request)


def _ent(ev: Fetched) -> str:
    """The enterprise id, interned (it is part of every entity key)."""
    return sys.intern(ev.enterprise_id or "")


def _scope(ev: Fetched) -> tuple[str, str]:
    """(`_ent`, `repo_of`) of an event in one call (they start every repository entity's key)."""
    return sys.intern(ev.enterprise_id or ""), repo_name(ev.repo, ev.org, ev.request)


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
    pr_events: Latest[tuple[str, str, int, int], PrEvent] = field(default_factory=Latest)


def _items(body: Any, key: str | None = None) -> Iterable[dict[str, Any]]:
    if key is not None and isinstance(body, dict):
        body = body.get(key)
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return [b for b in body if isinstance(b, dict)]
    return []


Pairs = list[tuple[Hashable, Any]]

# The extractors below run once per list item of every fetch (the hot path of a rebuild): they
# bind locals, read the item through its bound `get`, and build records with `tuple.__new__`
# (a named tuple without its Python-level `__new__`), fields in the record's order.
_new = tuple.__new__


def _ex_repos(ev: Fetched, body: Any) -> Pairs:
    ent = _ent(ev)
    out: Pairs = []
    for item in _items(body):
        name = item.get("full_name") or f"{ev.org}/{item.get('name')}"
        out.append(((ent, str(name)), str(item.get("default_branch") or "")))
    return out


def _ex_pulls(ev: Fetched, body: Any) -> Pairs:
    """(key, Pull) per PR, and for the single-PR answer also (key, PullSize)."""
    out: Pairs = []
    (ent, repo), nts = _scope(ev), norm_ts
    single = ev.kind == kinds.REPO_PULL
    for item in _items(body):
        get = item.get
        number = get("number")
        if not isinstance(number, int):
            continue
        user = get("user")
        if isinstance(user, dict):
            login, utype = str(user.get("login") or ""), str(user.get("type") or "")
        else:
            login = utype = ""
        base = get("base") or {}
        base_repo = base.get("repo") or {}
        key = (ent, repo, int(number))
        pull = (
            ent,
            repo,
            key[2],
            str(get("title") or ""),
            login,
            utype,
            bool(get("draft")),
            nts(get("created_at")),
            nts(get("closed_at")),
            nts(get("merged_at")),
            str(base.get("ref") or ""),
            base_repo.get("default_branch") if isinstance(base_repo, dict) else None,
        )
        out.append((key, _new(Pull, pull)))
        if single:
            size = (
                _int(get("additions")),
                _int(get("deletions")),
                _int(get("changed_files")),
                _int(get("commits")),
            )
            out.append((key, _new(PullSize, size)))
    return out


def _ex_reviews(ev: Fetched, body: Any) -> Pairs:
    number = _param(ev, "pull_number")
    if number is None:
        return []
    (ent, repo), nts = _scope(ev), norm_ts
    out: Pairs = []
    for item in _items(body):
        get = item.get
        user = get("user")
        if isinstance(user, dict):
            login, utype = str(user.get("login") or ""), str(user.get("type") or "")
        else:
            login = utype = ""
        review = (login, utype, str(get("state") or ""), nts(get("submitted_at")))
        out.append(((ent, repo, number, int(get("id") or 0)), _new(Review, review)))
    return out


def _commits(body: Any) -> list[Commit]:
    out: list[Commit] = []
    nts = norm_ts
    for item in _items(body):
        get = item.get
        user = get("author")
        if isinstance(user, dict):
            login, utype = str(user.get("login") or ""), str(user.get("type") or "")
        else:
            login = utype = ""
        inner = get("commit") or {}
        author = inner.get("author") or {} if isinstance(inner, dict) else {}
        committer = inner.get("committer") or {} if isinstance(inner, dict) else {}
        commit = (
            str(get("sha") or ""),
            login,
            utype,
            nts(author.get("date")),
            nts(committer.get("date")),
        )
        out.append(_new(Commit, commit))
    return out


def _ex_pr_commits(ev: Fetched, body: Any) -> Pairs:
    number = _param(ev, "pull_number")
    if number is None:
        return []
    ent, repo = _scope(ev)
    return [((ent, repo, number, c[0]), c) for c in _commits(body)]


def _ex_commits(ev: Fetched, body: Any) -> Pairs:
    ent, repo = _scope(ev)
    return [((ent, repo, c[0]), c) for c in _commits(body)]


def _ex_runs(ev: Fetched, body: Any) -> Pairs:
    ent, repo = _scope(ev)
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
        out.append(((ent, repo, run.run_id), run))
    return out


def _ex_deployments(ev: Fetched, body: Any) -> Pairs:
    ent, repo = _scope(ev)
    out: Pairs = []
    for item in _items(body):
        dep = Deployment(
            int(item.get("id") or 0),
            str(item.get("environment") or ""),
            str(item.get("sha") or ""),
            norm_ts(item.get("created_at")),
        )
        out.append(((ent, repo, dep.deployment_id), dep))
    return out


def _ex_statuses(ev: Fetched, body: Any) -> Pairs:
    dep_id = _param(ev, "deployment_id")
    if dep_id is None:
        return []
    ent, repo = _scope(ev)
    out: Pairs = []
    for item in _items(body):
        st = Status(
            int(item.get("id") or 0), str(item.get("state") or ""), norm_ts(item.get("created_at"))
        )
        out.append(((ent, repo, dep_id, st.status_id), st))
    return out


def _ex_issues(ev: Fetched, body: Any) -> Pairs:
    ent, repo = _scope(ev)
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
        out.append(((ent, repo, issue.number), issue))
    return out


def _ex_issue_events(ev: Fetched, body: Any) -> Pairs:
    """(key, PrEvent) per draft-state event of a PR; an event's id is its identity."""
    ent, repo = _scope(ev)
    out: Pairs = []
    for item in _items(body):
        event, ident, issue = item.get("event"), _int(item.get("id")), item.get("issue")
        if event not in DRAFT_EVENTS or ident is None or not isinstance(issue, dict):
            continue
        number = _int(issue.get("number"))
        if number is None or issue.get("pull_request") is None:
            continue
        record = PrEvent(ident, str(event), norm_ts(item.get("created_at")))
        out.append(((ent, repo, number, ident), record))
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
    kinds.REPO_ISSUE_EVENTS: _ex_issue_events,
}


class ActivityCollector:
    """Builds an `Activity` snapshot from repository events delivered in any order."""

    kinds = KINDS

    def __init__(self) -> None:
        self.activity = a = Activity()
        into: dict[str, dict[Any, Any]] = {
            kinds.ORG_REPOS: a.default_branch.items, kinds.REPO_PULL_REVIEWS: a.reviews.items,
            kinds.REPO_PULL_COMMITS: a.pr_commits.items, kinds.REPO_COMMITS: a.commits.items,
            kinds.REPO_WORKFLOW_RUNS: a.runs.items, kinds.REPO_DEPLOYMENTS: a.deployments.items,
            kinds.REPO_DEPLOYMENT_STATUSES: a.statuses.items, kinds.REPO_ISSUES: a.issues.items,
            kinds.REPO_ISSUE_EVENTS: a.pr_events.items,
        }  # fmt: skip
        # Every kind but the PR kinds only needs latest-wins: its observer writes `into` the map.
        self._observers = {
            k: Observer(fn, self._pull_sink, into=into.get(k)) for k, fn in EXTRACTORS.items()
        }
        self._observers.update(graphql_observers(self))
        self.handlers = {k: obs.add for k, obs in self._observers.items()}
        """kind → the bound `add` of its observer (the build loop calls these directly)."""

    def add(self, ev: Fetched) -> None:
        """Observe one repository event."""
        obs = self._observers.get(ev.kind)
        if obs is not None:
            obs.add(ev)

    def finish(self) -> Activity:
        """Apply 304 re-confirmations and return the snapshot."""
        for kind in sorted(self._observers):
            self._observers[kind].finish()
        self.handlers = {}
        return self.activity

    def _pull_sink(self, key: Hashable, order: Order, record: Any, _event_id: str) -> None:
        """A PR's observation: its size (single-PR answers), or the PR with its draft state.
        Latest-wins is inlined (`Latest.offer`): this runs for every PR of every fetch."""
        a = self.activity
        pr_key = cast("tuple[str, str, int]", key)
        items: dict[Any, tuple[Order, Any]]
        if record.__class__ is PullSize:
            items = a.sizes.items
        else:
            items = a.pulls.items
            if record.draft:
                cur_at = a.draft_seen.get(pr_key)
                if cur_at is None or order[0] < cur_at:
                    a.draft_seen[pr_key] = order[0]
            else:
                a.ready_seen.setdefault(pr_key, []).append(order[0])
        cur = items.get(pr_key)
        if cur is None or order > cur[0]:
            items[pr_key] = (order, record)


def graphql_observers(col: ActivityCollector) -> dict[str, Observer]:
    """Observers of the GraphQL detail kinds: their records go where the REST ones go."""
    from projections.definitions.activity import graphql as g  # noqa: PLC0415 - it imports this module

    a = col.activity
    into: dict[type, dict[Any, tuple[Order, Any]]] = {
        Review: a.reviews.items,
        Commit: a.pr_commits.items,
        PrEvent: a.pr_events.items,
        Status: a.statuses.items,
    }

    def sink(key: Hashable, order: Order, record: Any, event_id: str) -> None:
        target = into.get(type(record))
        if target is None:
            col._pull_sink(key, order, record, event_id)
        elif (cur := target.get(key)) is None or order > cur[0]:
            target[key] = (order, record)

    def prs(ev: Fetched, body: Any) -> Pairs:
        return g.pull_request_records(body, ev.enterprise_id or "", repo_of(ev))

    def deps(ev: Fetched, body: Any) -> Pairs:
        ids = {k: v[0] for k, v in ((ev.refs or {}).get("items") or {}).items() if v}
        return g.deployment_records(body, ev.enterprise_id or "", repo_of(ev), ids)

    return {
        kinds.GRAPHQL_PULL_REQUESTS: Observer(prs, sink),
        kinds.GRAPHQL_DEPLOYMENTS: Observer(deps, sink),
    }


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
    pr_events: dict[int, list[PrEvent]] = field(default_factory=dict)
    """PR number → its draft-state events, sorted by event id."""


def _by_repo(latest: Latest[Any, Any]) -> dict[RepoKey, list[Any]]:
    """Group the keys of a Latest map by (enterprise, repo), each group sorted (keys only: no
    intermediate tuples, and keys are distinct, so records are never compared)."""
    out: dict[RepoKey, list[Any]] = {}
    get = out.get
    for key in latest.items:
        repo_key = key[:2]
        keys = get(repo_key)
        if keys is None:
            out[repo_key] = [key]
        else:
            keys.append(key)
    for keys in out.values():
        keys.sort()
    return out


_SLICED = (
    "pulls",
    "sizes",
    "reviews",
    "pr_commits",
    "commits",
    "runs",
    "deployments",
    "statuses",
    "issues",
    "pr_events",
)


def slices(activity: Activity) -> list[RepoSlice]:
    """Group the snapshot by repository (sorted by key; items sorted by their identity)."""
    a = activity
    groups = {name: _by_repo(getattr(a, name)) for name in _SLICED}
    maps = {name: getattr(a, name).items for name in _SLICED}
    keys: set[RepoKey] = set().union(*(g.keys() for g in groups.values()))
    drafts: dict[RepoKey, dict[int, str]] = {}
    for (e, r, n), at in a.draft_seen.items():
        drafts.setdefault((e, r), {})[n] = at
    readies: dict[RepoKey, dict[int, list[str]]] = {}
    for (e, r, n), times in a.ready_seen.items():
        readies.setdefault((e, r), {})[n] = sorted(times)
    out = []
    for key in sorted(keys):

        def flat(name: str, key: RepoKey = key) -> list[Any]:
            items = maps[name]
            return [items[k][1] for k in groups[name].get(key, ())]

        def nested(name: str, key: RepoKey = key) -> dict[int, list[Any]]:
            return _nested(maps[name], groups[name].get(key, []))

        sizes = maps["sizes"]
        sl = RepoSlice(
            key,
            None,
            flat("pulls"),
            {k[2]: sizes[k][1] for k in groups["sizes"].get(key, ())},
            nested("reviews"),
            nested("pr_commits"),
            flat("commits"),
            flat("runs"),
            flat("deployments"),
            nested("statuses"),
            flat("issues"),
            drafts.get(key, {}),
            readies.get(key, {}),
            nested("pr_events"),
        )
        sl.default_branch = _branch(a, sl)
        out.append(sl)
    return out


def _nested(items: dict[Any, tuple[Order, Any]], keys: list[Any]) -> dict[int, list[Any]]:
    """Records of sorted 4-part keys, grouped by the key's third part (a PR or deployment)."""
    out: dict[int, list[Any]] = {}
    get = out.get
    for k in keys:
        held = get(k[2])
        if held is None:
            out[k[2]] = [items[k][1]]
        else:
            held.append(items[k][1])
    return out


def _branch(a: Activity, sl: RepoSlice) -> str | None:
    """The default branch: from `org.repos`, else the smallest one named by the repo's PRs."""
    branch = a.default_branch.get(sl.key)
    if branch:
        return branch
    found = sorted({p.default_branch for p in sl.pulls if p.default_branch})
    return found[0] if found else None
