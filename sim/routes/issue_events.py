"""Issue events of a repository: GET /repos/{owner}/{repo}/issues/events (newest first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.messages import Reply, Request
from sim.routes.common import find_repo, missing, paged
from sim.shapes.events import IssueEvent, issue_event_json, issue_events, pr_events

if TYPE_CHECKING:
    from sim.app import App


def repo_issue_events(app: App, req: Request, params: dict[str, str]) -> Reply:
    """GET /repos/{owner}/{repo}/issues/events: every event of its issues and PRs."""
    repo = find_repo(app, req, params)
    if repo is None:
        return missing()
    st = app.state
    now = st.now
    events: list[IssueEvent] = []
    for pr in st.history.prs(repo, st.today):
        events += pr_events(pr, now)
    for issue in st.history.issues(repo, st.today):
        events += issue_events(issue, now)
    events.sort(key=lambda e: (e.at, e.id), reverse=True)
    ctx = st.ctx()
    return paged(app, req, events, lambda e: issue_event_json(ctx, e))
