"""Repository routes: repos of an org, pulls (+ reviews, commits), commits, issues, releases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.ids import parse_iso
from sim.messages import Reply, Request, error, validation_failed
from sim.records import Issue, PullRequest
from sim.routes.common import find_org, find_repo, missing, paged
from sim.shapes.common import repo_json
from sim.shapes.delivery import release_json
from sim.shapes.pulls import (
    commit_json,
    issue_json,
    pr_issue_json,
    pr_state,
    pr_updated_at,
    pull_json,
    review_json,
    visible_commits,
    visible_reviews,
)
from sim.world import Repo

if TYPE_CHECKING:
    from sim.app import App

MONTH_S = 30 * 86_400


def org_repos(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /orgs/{org}/repos."""
    org = find_org(app, req, params["org"])
    if org is None:
        return missing()
    state = app.state
    repos = state.world.repos_by_org[org.login]
    if req.token is None or not req.token.has_any(("repo",)):
        repos = []
    kind = req.query.get("type", "all")
    if kind in ("private", "internal"):
        repos = [r for r in repos if r.visibility == kind]
    elif kind in ("public", "forks"):
        repos = []
    sort = req.query.get("sort", "created")
    if sort not in ("created", "updated", "pushed", "full_name"):
        return validation_failed("sort", "Repository")
    direction = req.query.get("direction", "asc" if sort == "full_name" else "desc")
    pushed = {r.id: state.delivery.main_head(r, state.now - 1).landed_at for r in repos}
    keys = {
        "created": lambda r: (r.created_at, r.id),
        "full_name": lambda r: (r.full_name.lower(), r.id),
    }
    key = keys.get(sort, lambda r: (pushed[r.id], r.id))
    ordered = sorted(repos, key=key, reverse=direction == "desc")
    ctx = state.ctx()
    return paged(app, req, ordered, lambda r: repo_json(ctx, r, pushed[r.id]))


def pulls(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/pulls."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    now = st.now
    want = req.query.get("state", "open")
    sort = req.query.get("sort", "created")
    if want not in ("open", "closed", "all"):
        return validation_failed("state", "PullRequest")
    if sort not in ("created", "updated", "popularity", "long-running"):
        return validation_failed("sort", "PullRequest")
    direction = req.query.get("direction", "desc" if sort == "created" else "asc")
    items = [pr for pr in st.history.prs(repo, st.today) if want in ("all", pr_state(pr, now)[0])]
    if base := req.query.get("base"):
        items = [pr for pr in items if base == "main"]
    if head := req.query.get("head"):
        items = [pr for pr in items if f"{repo.org.login}:{pr.head_ref}" == head]
    if sort == "long-running":
        items = [p for p in items if pr_state(p, now)[0] == "open" and p.created_at < now - MONTH_S]
    keyfn = {
        "created": lambda p: (p.created_at, p.number),
        "updated": lambda p: (pr_updated_at(p, now), p.number),
        "popularity": lambda p: (p.comments, p.number),
        "long-running": lambda p: (p.created_at, p.number),
    }[sort]
    ordered = sorted(items, key=keyfn, reverse=direction == "desc")
    ctx = st.ctx()
    return paged(app, req, ordered, lambda pr: pull_json(ctx, pr, _base_sha(app, pr)))


def _base_sha(app: App, pr: PullRequest) -> str:
    return app.state.delivery.main_head(pr.repo, pr.created_at).commit.sha


def _pull_or_none(app: App, req: Request, params: dict[str, str]) -> PullRequest | None:
    repo = find_repo(app, req, params)
    if repo is None or not params["number"].isdigit():
        return None
    return app.state.history.pr(repo, int(params["number"]), app.state.today)


def pull(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/pulls/{number}."""
    pr = _pull_or_none(app, req, params)
    if pr is None:
        return missing()
    return Reply(200, pull_json(app.state.ctx(), pr, _base_sha(app, pr), detail=True))


def pull_reviews(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/pulls/{number}/reviews (chronological)."""
    pr = _pull_or_none(app, req, params)
    if pr is None:
        return missing()
    ctx = app.state.ctx()
    return paged(app, req, visible_reviews(pr, ctx.now), lambda rv: review_json(ctx, pr, rv))


def pull_commits(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/pulls/{number}/commits (oldest first, at most 250)."""
    pr = _pull_or_none(app, req, params)
    if pr is None:
        return missing()
    ctx = app.state.ctx()
    commits = visible_commits(pr, ctx.now)[:250]
    parents = [_base_sha(app, pr)] + [c.sha for c in commits]
    pairs = list(zip(commits, parents, strict=False))
    return paged(app, req, pairs, lambda p: commit_json(ctx, pr.repo.full_name, p[0], [p[1]]))


def commits(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/commits (default branch, newest first; since/until by date)."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    try:
        since = parse_iso(req.query["since"]) if "since" in req.query else None
        until = parse_iso(req.query["until"]) if "until" in req.query else None
    except ValueError:
        return error(400, "Invalid time value")
    listing = list(reversed(st.history.main_commits(repo, st.today)))
    sha = req.query.get("sha")
    if sha and sha != "main":
        start = next(
            (i for i, (mc, _) in enumerate(listing) if mc.commit.sha.startswith(sha)), None
        )
        if start is None:
            return _branch_commits(app, req, repo, sha)
        listing = listing[start:]
    if since is not None:
        listing = [p for p in listing if p[0].commit.committed_at >= since]
    if until is not None:
        listing = [p for p in listing if p[0].commit.committed_at <= until]
    ctx = st.ctx()
    return paged(
        app, req, listing, lambda p: commit_json(ctx, repo.full_name, p[0].commit, list(p[1]))
    )


def _branch_commits(app: App, req: Request, repo: Repo, ref: str) -> Reply:
    st = app.state
    pr = next((p for p in st.history.prs(repo, st.today) if p.head_ref == ref), None)
    if pr is None:
        return error(
            404,
            f"No commit found for SHA: {ref}",
            "https://docs.github.com/rest/commits/commits#list-commits",
        )
    ctx = st.ctx()
    shown = list(reversed(visible_commits(pr, ctx.now)))
    parents = [c.sha for c in shown[1:]] + [_base_sha(app, pr)]
    return paged(
        app,
        req,
        list(zip(shown, parents, strict=True)),
        lambda p: commit_json(ctx, repo.full_name, p[0], [p[1]]),
    )


def issues(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/issues: issues and PRs (with a `pull_request` key)."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    now = st.now
    want = req.query.get("state", "open")
    sort = req.query.get("sort", "created")
    if want not in ("open", "closed", "all"):
        return validation_failed("state", "Issue")
    if sort not in ("created", "updated", "comments"):
        return validation_failed("sort", "Issue")
    direction = req.query.get("direction", "desc")
    labels = {x.strip().lower() for x in req.query.get("labels", "").split(",") if x.strip()}
    try:
        since = parse_iso(req.query["since"]) if "since" in req.query else None
    except ValueError:
        return error(400, "Invalid time value")
    items: list[Issue | PullRequest] = [*st.history.issues(repo, st.today)]
    items += st.history.prs(repo, st.today)
    rows = [_issue_row(item, now) for item in items]
    rows = [
        r
        for r in rows
        if want in ("all", _state(r[3], now)) and labels <= {x.lower() for x in r[3].labels}
    ]
    if since is not None:
        rows = [r for r in rows if r[1] >= since]
    col = {"created": 0, "updated": 1, "comments": 2}[sort]
    rows.sort(key=lambda r: (r[col], r[3].number), reverse=direction == "desc")
    ctx = st.ctx()
    return paged(
        app,
        req,
        [r[3] for r in rows],
        lambda it: issue_json(ctx, it) if isinstance(it, Issue) else pr_issue_json(ctx, it),
    )


def _state(item: Issue | PullRequest, now: int) -> str:
    if isinstance(item, PullRequest):
        return pr_state(item, now)[0]
    return "closed" if item.closed_at is not None and item.closed_at <= now else "open"


def _issue_row(item: Issue | PullRequest, now: int) -> tuple[int, int, int, Issue | PullRequest]:
    if isinstance(item, PullRequest):
        return item.created_at, pr_updated_at(item, now), item.comments, item
    closed = item.closed_at if item.closed_at is not None and item.closed_at <= now else 0
    updated = min(max(item.created_at + item.comments * 311, closed), max(now, item.created_at))
    return item.created_at, updated, item.comments, item


def releases(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/releases (newest first)."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    ctx = st.ctx()
    ordered = sorted(
        st.history.releases(repo, st.today), key=lambda r: (r.created_at, r.id), reverse=True
    )
    return paged(app, req, ordered, lambda r: release_json(ctx, r))
