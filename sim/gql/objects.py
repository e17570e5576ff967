"""World records as GraphQL objects: plain dicts whose connection fields are callables.

graphql-core's default resolver reads a dict key, and calls it when it is callable (with the
field's arguments), so a connection is rendered only when the query asks for it; `__typename`
tells it the concrete type of an interface (`Node`, `Actor`) or union (timeline items).

How GraphQL differs from REST here, as on GitHub: enum values are upper case (`MERGED`,
`APPROVED`, `SUCCESS`); a bot's `login` has no `[bot]` suffix and its type is `Bot`; `id` is the
REST `node_id`, `databaseId` the REST `id` — a 32-bit `Int`, so larger ids are a field error (ask
for `fullDatabaseId`, a `BigInt` string, where the type has one); a commit's author is a
`GitActor` whose `user` is a `User` (null for a bot).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from sim.ids import EPOCH_DAY, iso, node_id
from sim.records import Commit, Deployment, PullRequest, Review
from sim.shapes.events import pr_events
from sim.shapes.pulls import pr_state, pr_updated_at, visible_commits, visible_reviews
from sim.world import Repo, User, World

if TYPE_CHECKING:
    from sim.state import State

Obj = dict[str, Any]
ID_DAY = 10**4
ID_REPO = 10**8
MAX_PR_COMMITS = 250


def decode_id(global_id: str) -> tuple[str, int] | None:
    """(type name, database id) of a legacy-format global id, e.g. `MDQ6VXNlcjE=` → (User, 1)."""
    try:
        raw = base64.b64decode(global_id.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    head, _, rest = raw.partition(":")
    if not head.startswith("0") or not head[1:].isdigit():
        return None
    size = int(head[1:])
    kind, digits = rest[:size], rest[size:]
    return (kind, int(digits)) if digits.isdigit() and len(kind) == size else None


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    tail = text.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None


def connection(items: Sequence[Any], render: Callable[[Any], Obj]) -> Callable[..., Obj]:
    """A connection field over `items` (first/after, last/before), rendered lazily."""

    def resolve(_info: Any, **args: Any) -> Obj:
        lo, hi = 0, len(items)
        after, before = _index(args.get("after")), _index(args.get("before"))
        if after is not None:
            lo = max(lo, after + 1)
        if before is not None:
            hi = min(hi, before)
        first, last = args.get("first"), args.get("last")
        start, end = lo, hi
        if first is not None:
            end = min(end, start + int(first))
        if last is not None:
            start = max(start, end - int(last))
        window = [(i, render(items[i])) for i in range(start, max(start, end))]
        return {
            "totalCount": len(items),
            "nodes": [node for _i, node in window],
            "edges": [{"cursor": _cursor(i), "node": node} for i, node in window],
            "pageInfo": {
                "hasNextPage": end < hi,
                "hasPreviousPage": start > lo,
                "startCursor": _cursor(window[0][0]) if window else None,
                "endCursor": _cursor(window[-1][0]) if window else None,
            },
        }

    return resolve


def actor(user: User) -> Obj:
    """An `Actor`: a `User`, or a `Bot` whose login drops REST's `[bot]` suffix."""
    if user.kind == "human":
        return {"__typename": "User", "login": user.login, "id": node_id("User", user.id)}
    login = user.login.removesuffix("[bot]")
    return {"__typename": "Bot", "login": login, "id": node_id("Bot", user.id)}


def _git_actor(user: User, t: int) -> Obj:
    user_obj = actor(user) if user.kind == "human" else None
    return {"name": user.name, "email": user.email, "date": iso(t), "user": user_obj}


def _commit(c: Commit) -> Obj:
    inner = {
        "__typename": "Commit",
        "oid": c.sha,
        "abbreviatedOid": c.sha[:7],
        "id": node_id("Commit", int(c.sha[:12], 16)),
        "authoredDate": iso(c.authored_at),
        "committedDate": iso(c.committed_at),
        "message": c.message,
        "additions": c.additions,
        "deletions": c.deletions,
        "author": _git_actor(c.author, c.authored_at),
        "committer": _git_actor(c.author, c.committed_at),
    }
    return {"__typename": "PullRequestCommit", "id": inner["id"], "commit": inner}


def _review(pr: PullRequest, rv: Review) -> Obj:
    return {
        "__typename": "PullRequestReview",
        "id": node_id("PullRequestReview", rv.id),
        "databaseId": rv.id,
        "fullDatabaseId": str(rv.id),
        "state": rv.state.upper(),
        "submittedAt": iso(rv.submitted_at),
        "createdAt": iso(rv.submitted_at),
        "body": rv.body,
        "author": actor(rv.user),
        "commit": {"__typename": "Commit", "oid": rv.commit_id},
        "pullRequest": {"__typename": "PullRequest", "number": pr.number},
    }


def _repository(pr_or_dep: PullRequest | Deployment) -> Obj:
    repo = pr_or_dep.repo
    return {
        "__typename": "Repository",
        "id": node_id("Repository", repo.id),
        "databaseId": repo.id,
        "name": repo.name,
        "nameWithOwner": repo.full_name,
        "defaultBranchRef": {"__typename": "Ref", "name": "main"},
    }


TIMELINE_TYPES = {
    "ready_for_review": ("ReadyForReviewEvent", "READY_FOR_REVIEW_EVENT"),
    "convert_to_draft": ("ConvertToDraftEvent", "CONVERT_TO_DRAFT_EVENT"),
}


def pull_request(state: State, pr: PullRequest) -> Obj:
    """A `PullRequest` as visible now."""
    now = state.now
    rest_state, closed, merged = pr_state(pr, now)
    commits = visible_commits(pr, now)
    sized = commits or list(pr.commits[:1])
    events = sorted(
        (e for e in pr_events(pr, now) if e.event in TIMELINE_TYPES), key=lambda e: (e.at, e.id)
    )
    gql_state = "MERGED" if merged else rest_state.upper()

    def timeline(info: Any, **args: Any) -> Obj:
        wanted = set(args.get("itemTypes") or ())
        chosen = [e for e in events if not wanted or TIMELINE_TYPES[e.event][1] in wanted]

        def render(e: Any) -> Obj:
            typename = TIMELINE_TYPES[e.event][0]
            return {
                "__typename": typename,
                "id": node_id(typename, e.id),
                "createdAt": iso(e.at),
                "actor": actor(e.actor),
            }

        return connection(chosen, render)(info, **args)

    return {
        "__typename": "PullRequest",
        "id": node_id("PullRequest", pr.id),
        "databaseId": pr.id,
        "fullDatabaseId": str(pr.id),
        "number": pr.number,
        "title": pr.title,
        "state": gql_state,
        "isDraft": pr.ready_at is not None and pr.ready_at > now,
        "merged": merged is not None,
        "createdAt": iso(pr.created_at),
        "updatedAt": iso(pr_updated_at(pr, now)),
        "closedAt": iso(closed) if closed is not None else None,
        "mergedAt": iso(merged) if merged is not None else None,
        "additions": sum(c.additions for c in sized),
        "deletions": sum(c.deletions for c in sized),
        "changedFiles": min(60, 1 + sum(c.additions + c.deletions for c in sized) // 25),
        "author": actor(pr.author),
        "baseRefName": "main",
        "headRefName": pr.head_ref,
        "headRefOid": sized[-1].sha,
        "repository": lambda _info: _repository(pr),
        "baseRepository": lambda _info: _repository(pr),
        "commits": connection(commits[:MAX_PR_COMMITS], _commit),
        "reviews": connection(visible_reviews(pr, now), lambda rv: _review(pr, rv)),
        "timelineItems": timeline,
    }


def deployment(state: State, dep: Deployment) -> Obj:
    """A `Deployment` with its statuses (newest first, as GitHub lists them)."""
    statuses = list(enumerate(state.history.statuses(dep, state.today), start=1))
    newest_first = list(reversed(statuses))

    def render(item: tuple[int, tuple[str, int]]) -> Obj:
        k, (st, t) = item
        ident = dep.id * 10 + k
        return {
            "__typename": "DeploymentStatus",
            "id": node_id("DeploymentStatus", ident),
            "state": st.upper(),
            "createdAt": iso(t),
            "updatedAt": iso(t),
            "environment": dep.environment,
            "creator": actor(dep.creator),
        }

    latest = render(newest_first[0]) if newest_first else None
    return {
        "__typename": "Deployment",
        "id": node_id("Deployment", dep.id),
        "databaseId": dep.id,
        "environment": dep.environment,
        "originalEnvironment": dep.environment,
        "latestEnvironment": dep.environment,
        "createdAt": iso(dep.created_at),
        "updatedAt": iso(statuses[-1][1][1] if statuses else dep.created_at),
        "commitOid": dep.sha,
        "task": "deploy",
        "state": latest["state"] if latest else "PENDING",
        "creator": actor(dep.creator),
        "repository": lambda _info: _repository(dep),
        "latestStatus": latest,
        "statuses": connection(newest_first, render),
    }


_INDEXES: dict[int, dict[int, Repo]] = {}


def _by_idx(world: World) -> dict[int, Repo]:
    """Repositories by their global index (ids of PRs and deployments embed it)."""
    index = _INDEXES.get(id(world))
    if index is None:
        index = _INDEXES[id(world)] = {r.idx: r for r in world.repos.values()}
    return index


def lookup(state: State, enterprise: str, global_id: str) -> Obj | None:  # noqa: PLR0911
    """The object a global id names, if it exists now and the enterprise may see it."""
    decoded = decode_id(global_id)
    if decoded is None:
        return None
    kind, ident = decoded
    if kind not in ("PullRequest", "Deployment"):
        return None
    repo = _by_idx(state.world).get(ident // ID_REPO - 1)
    if repo is None or repo.enterprise != enterprise:
        return None
    day = EPOCH_DAY + dt.timedelta(days=ident // ID_DAY % ID_DAY)
    if day >= state.today:
        return None
    if kind == "PullRequest":
        pr = next((p for p in state.activity.day(repo, day).prs if p.id == ident), None)
        return pull_request(state, pr) if pr is not None else None
    dep = next((d for d in state.delivery.deployments(repo, day) if d.id == ident), None)
    if dep is None or dep.created_at >= state.now:
        return None
    return deployment(state, dep)
