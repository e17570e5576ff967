"""Pull requests, reviews, commits and issues, as visible at `ctx.now`."""

from __future__ import annotations

from sim.ids import iso, node_id, sha1hex
from sim.records import Commit, Issue, PullRequest, Review
from sim.shapes.common import WEB, WEB_FLOW, Ctx, Json, repo_json, user_json
from sim.world import User

LABEL_COLORS = {
    "incident": "b60205",
    "dependencies": "0366d6",
    "bug": "d73a4a",
    "enhancement": "a2eeef",
    "documentation": "0075ca",
    "sev1": "000000",
    "sev2": "444444",
    "sev3": "888888",
}


def visible_commits(pr: PullRequest, now: int) -> list[Commit]:
    """Commits pushed by `now`."""
    return [c for c in pr.commits if c.committed_at <= now]


def visible_reviews(pr: PullRequest, now: int) -> list[Review]:
    """Reviews submitted by `now`."""
    return [rv for rv in pr.reviews if rv.submitted_at <= now]


def pr_updated_at(pr: PullRequest, now: int) -> int:
    """The latest visible change of the PR."""
    times = [pr.created_at, pr.created_at + pr.comments * 97]
    times += [c.committed_at for c in visible_commits(pr, now)]
    times += [rv.submitted_at for rv in visible_reviews(pr, now)]
    times += [t for t in (pr.ready_at, pr.closed_at) if t is not None and t <= now]
    return min(max(times), max(now, pr.created_at))


def pr_state(pr: PullRequest, now: int) -> tuple[str, int | None, int | None]:
    """(state, closed_at, merged_at) at `now`."""
    closed = pr.closed_at if pr.closed_at is not None and pr.closed_at <= now else None
    merged = pr.merged_at if pr.merged_at is not None and pr.merged_at <= now else None
    return ("closed" if closed else "open"), closed, merged


def label_json(ctx: Ctx, repo_full: str, name: str) -> Json:
    """A label object."""
    ident = int(sha1hex("label", repo_full, name)[:9], 16)
    return {
        "id": ident,
        "node_id": node_id("Label", ident),
        "url": f"{ctx.api}/repos/{repo_full}/labels/{name}",
        "name": name,
        "description": f"Issues about {name}" if name != "incident" else "A production incident",
        "color": LABEL_COLORS.get(name, "ededed"),
        "default": name in ("bug", "enhancement", "documentation"),
    }


def _iso_or_none(t: int | None) -> str | None:
    return iso(t) if t is not None else None


def pull_json(ctx: Ctx, pr: PullRequest, base_sha: str, *, detail: bool = False) -> Json:
    """A pull-request object (list item, or the full object when `detail`)."""
    repo = pr.repo
    now = ctx.now
    api = f"{ctx.api}/repos/{repo.full_name}"
    html = f"{WEB}/{repo.full_name}/pull/{pr.number}"
    state, closed, merged = pr_state(pr, now)
    commits = visible_commits(pr, now) or list(pr.commits[:1])
    head_sha = commits[-1].sha
    repo_obj = repo_json(ctx, repo)
    owner = repo_obj["owner"]
    merge_sha = pr.merge_sha if merged else sha1hex("test-merge", pr.id, len(commits))
    assignee = user_json(ctx, pr.assignee) if pr.assignee else None
    reviewers = sorted({rv.user.login for rv in visible_reviews(pr, now)})
    out: Json = {
        "url": f"{api}/pulls/{pr.number}",
        "id": pr.id,
        "node_id": node_id("PullRequest", pr.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{pr.number}",
        "number": pr.number,
        "state": state,
        "locked": False,
        "title": pr.title,
        "user": user_json(ctx, pr.author),
        "body": pr.body,
        "created_at": iso(pr.created_at),
        "updated_at": iso(pr_updated_at(pr, now)),
        "closed_at": _iso_or_none(closed),
        "merged_at": _iso_or_none(merged),
        "merge_commit_sha": merge_sha,
        "assignee": assignee,
        "assignees": [assignee] if assignee else [],
        "requested_reviewers": [],
        "requested_teams": [],
        "labels": [label_json(ctx, repo.full_name, name) for name in pr.labels],
        "milestone": None,
        "draft": pr.ready_at is not None and pr.ready_at > now,
        "commits_url": f"{api}/pulls/{pr.number}/commits",
        "review_comments_url": f"{api}/pulls/{pr.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{pr.number}/comments",
        "statuses_url": f"{api}/statuses/{head_sha}",
        "head": {
            "label": f"{repo.org.login}:{pr.head_ref}",
            "ref": pr.head_ref,
            "sha": head_sha,
            "user": owner,
            "repo": repo_obj,
        },
        "base": {
            "label": f"{repo.org.login}:main",
            "ref": "main",
            "sha": base_sha,
            "user": owner,
            "repo": repo_obj,
        },
        "_links": _pull_links(api, html, pr.number, head_sha),
        "author_association": "MEMBER" if pr.author.kind == "human" else "NONE",
        "auto_merge": None,
        "active_lock_reason": None,
    }
    if detail:
        out.update(
            {
                "merged": merged is not None,
                "mergeable": None if state == "closed" else True,
                "rebaseable": None if state == "closed" else True,
                "mergeable_state": "unknown" if state == "closed" else "clean",
                "merged_by": user_json(ctx, pr.merged_by) if merged and pr.merged_by else None,
                "comments": pr.comments,
                "review_comments": len(reviewers),
                "maintainer_can_modify": False,
                "commits": len(commits),
                "additions": sum(c.additions for c in commits),
                "deletions": sum(c.deletions for c in commits),
                "changed_files": min(60, 1 + sum(c.additions + c.deletions for c in commits) // 25),
            }
        )
    return out


def _pull_links(api: str, html: str, number: int, head_sha: str) -> Json:
    return {
        "self": {"href": f"{api}/pulls/{number}"},
        "html": {"href": html},
        "issue": {"href": f"{api}/issues/{number}"},
        "comments": {"href": f"{api}/issues/{number}/comments"},
        "review_comments": {"href": f"{api}/pulls/{number}/comments"},
        "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
        "commits": {"href": f"{api}/pulls/{number}/commits"},
        "statuses": {"href": f"{api}/statuses/{head_sha}"},
    }


def review_json(ctx: Ctx, pr: PullRequest, review: Review) -> Json:
    """A pull-request review."""
    html = f"{WEB}/{pr.repo.full_name}/pull/{pr.number}#pullrequestreview-{review.id}"
    api = f"{ctx.api}/repos/{pr.repo.full_name}/pulls/{pr.number}"
    return {
        "id": review.id,
        "node_id": node_id("PullRequestReview", review.id),
        "user": user_json(ctx, review.user),
        "body": review.body,
        "state": review.state,
        "html_url": html,
        "pull_request_url": api,
        "author_association": "MEMBER" if review.user.kind == "human" else "NONE",
        "_links": {"html": {"href": html}, "pull_request": {"href": api}},
        "submitted_at": iso(review.submitted_at),
        "commit_id": review.commit_id,
    }


def _git_person(user: User, t: int) -> Json:
    return {"name": user.name, "email": user.email, "date": iso(t)}


def commit_json(ctx: Ctx, repo_full: str, commit: Commit, parents: list[str]) -> Json:
    """A commit as listed by /commits and /pulls/{n}/commits."""
    api = f"{ctx.api}/repos/{repo_full}"
    committer_person = (
        {"name": "GitHub", "email": "noreply@github.com", "date": iso(commit.committed_at)}
        if commit.web_flow
        else _git_person(commit.author, commit.committed_at)
    )
    tree = sha1hex("tree", commit.sha)
    return {
        "sha": commit.sha,
        "node_id": node_id("Commit", int(commit.sha[:12], 16)),
        "commit": {
            "author": _git_person(commit.author, commit.authored_at),
            "committer": committer_person,
            "message": commit.message,
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "url": f"{api}/git/commits/{commit.sha}",
            "comment_count": 0,
            "verification": {
                "verified": commit.web_flow,
                "reason": "valid" if commit.web_flow else "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        },
        "url": f"{api}/commits/{commit.sha}",
        "html_url": f"{WEB}/{repo_full}/commit/{commit.sha}",
        "comments_url": f"{api}/commits/{commit.sha}/comments",
        "author": user_json(ctx, commit.author),
        "committer": user_json(ctx, WEB_FLOW if commit.web_flow else commit.author),
        "parents": [
            {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"{WEB}/{repo_full}/commit/{p}"}
            for p in parents
        ],
    }


def issue_json(ctx: Ctx, issue: Issue) -> Json:
    """An issue (not a PR) at `ctx.now`."""
    closed = issue.closed_at if issue.closed_at is not None and issue.closed_at <= ctx.now else None
    updated = max(issue.created_at + issue.comments * 311, closed or 0)
    updated = min(updated, max(ctx.now, issue.created_at))
    out = _issue_common(ctx, issue, ident=issue.id, updated=updated, closed=closed)
    out["state_reason"] = "completed" if closed else None
    out["closed_by"] = user_json(ctx, issue.closed_by) if closed and issue.closed_by else None
    return out


def pr_issue_json(ctx: Ctx, pr: PullRequest) -> Json:
    """A PR as /issues returns it: an issue with a `pull_request` key."""
    _, closed, merged = pr_state(pr, ctx.now)
    updated = pr_updated_at(pr, ctx.now)
    out = _issue_common(ctx, pr, ident=pr.id + 5 * 10**12, updated=updated, closed=closed)
    html = f"{WEB}/{pr.repo.full_name}/pull/{pr.number}"
    out["draft"] = pr.ready_at is not None and pr.ready_at > ctx.now
    out["pull_request"] = {
        "url": f"{ctx.api}/repos/{pr.repo.full_name}/pulls/{pr.number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "merged_at": _iso_or_none(merged),
    }
    if pr.assignee:
        out["assignee"] = user_json(ctx, pr.assignee)
        out["assignees"] = [out["assignee"]]
    return out


def _issue_common(
    ctx: Ctx, item: Issue | PullRequest, *, ident: int, updated: int, closed: int | None
) -> Json:
    repo_full, number, author = item.repo.full_name, item.number, item.author
    title, body, labels, created, comments = (
        item.title,
        item.body,
        item.labels,
        item.created_at,
        item.comments,
    )
    api = f"{ctx.api}/repos/{repo_full}/issues/{number}"
    return {
        "id": ident,
        "node_id": node_id("Issue", ident),
        "url": api,
        "repository_url": f"{ctx.api}/repos/{repo_full}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{WEB}/{repo_full}/issues/{number}",
        "timeline_url": f"{api}/timeline",
        "number": number,
        "state": "closed" if closed else "open",
        "title": title,
        "body": body,
        "user": user_json(ctx, author),
        "labels": [label_json(ctx, repo_full, name) for name in labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": comments,
        "closed_at": _iso_or_none(closed),
        "created_at": iso(created),
        "updated_at": iso(updated),
        "author_association": "MEMBER" if author.kind == "human" else "NONE",
        "reactions": {
            "url": f"{api}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        },
    }
