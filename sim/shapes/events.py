"""Issue events (`GET /repos/{owner}/{repo}/issues/events`), derived from the generated timelines.

Events of a PR: `labeled` (each label, at creation), `ready_for_review` (a PR opened as a draft,
when it became ready), `merged` then `closed` (at the merge), or `closed` alone. Events of an
issue: `labeled` (at creation) and `closed`. The simulator never converts a PR back to draft, so
it emits no `convert_to_draft`. Only events at or before `ctx.now` exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.ids import h64, iso, node_id
from sim.records import Issue, PullRequest
from sim.shapes.common import Ctx, Json, user_json
from sim.shapes.pulls import issue_json, label_json, pr_issue_json
from sim.world import User

# An event id grows with its time (as GitHub's do), orders `merged` before its `closed`, and is
# unique per (item, event, label).
_ID_SPREAD = 10_000
_EPOCH = 1_500_000_000
_RANK = {"merged": 1, "closed": 2}


@dataclass(frozen=True, slots=True)
class IssueEvent:
    """One event on an issue or PR: what, when, by whom."""

    id: int
    item: Issue | PullRequest
    event: str
    at: int
    actor: User
    commit_id: str | None = None
    label: str | None = None


def _event(
    item: Issue | PullRequest,
    event: str,
    at: int,
    actor: User,
    *,
    commit_id: str | None = None,
    label: str | None = None,
) -> IssueEvent:
    salt = h64("issue-event", item.repo.full_name, item.number, event, label or "")
    ident = ((at - _EPOCH) * 10 + _RANK.get(event, 0)) * _ID_SPREAD + salt % _ID_SPREAD
    return IssueEvent(ident, item, event, at, actor, commit_id, label)


def pr_events(pr: PullRequest, now: int) -> list[IssueEvent]:
    """The events of one PR visible at `now` (unordered)."""
    out = [_event(pr, "labeled", pr.created_at, pr.author, label=name) for name in pr.labels]
    if pr.ready_at is not None and pr.ready_at > pr.created_at:
        out.append(_event(pr, "ready_for_review", pr.ready_at, pr.author))
    if pr.merged_at is not None:
        by = pr.merged_by or pr.author
        out.append(_event(pr, "merged", pr.merged_at, by, commit_id=pr.merge_sha))
        out.append(_event(pr, "closed", pr.merged_at, by))
    elif pr.closed_at is not None:
        out.append(_event(pr, "closed", pr.closed_at, pr.author))
    return [e for e in out if e.at <= now]


def issue_events(issue: Issue, now: int) -> list[IssueEvent]:
    """The events of one issue visible at `now` (unordered)."""
    out = [
        _event(issue, "labeled", issue.created_at, issue.author, label=name)
        for name in issue.labels
    ]
    if issue.closed_at is not None:
        out.append(_event(issue, "closed", issue.closed_at, issue.closed_by or issue.author))
    return [e for e in out if e.at <= now]


def issue_event_json(ctx: Ctx, ev: IssueEvent) -> Json:
    """An `issue-event` object as the repository list returns it (with its `issue`)."""
    repo_full = ev.item.repo.full_name
    api = f"{ctx.api}/repos/{repo_full}"
    out: Json = {
        "id": ev.id,
        "node_id": node_id(_NODE_KINDS.get(ev.event, "IssueEvent"), ev.id),
        "url": f"{api}/issues/events/{ev.id}",
        "actor": user_json(ctx, ev.actor),
        "event": ev.event,
        "commit_id": ev.commit_id,
        "commit_url": f"{api}/commits/{ev.commit_id}" if ev.commit_id else None,
        "created_at": iso(ev.at),
        "performed_via_github_app": None,
    }
    if ev.label is not None:
        label = label_json(ctx, repo_full, ev.label)
        out["label"] = {"name": label["name"], "color": label["color"]}
    item = ev.item
    out["issue"] = (
        pr_issue_json(ctx, item) if isinstance(item, PullRequest) else issue_json(ctx, item)
    )
    return out


_NODE_KINDS = {
    "labeled": "LabeledEvent",
    "ready_for_review": "ReadyForReviewEvent",
    "convert_to_draft": "ConvertToDraftEvent",
    "merged": "MergedEvent",
    "closed": "ClosedEvent",
}
