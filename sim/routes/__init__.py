"""The route table: every GET path the simulator serves, with the classic scopes it accepts."""

from __future__ import annotations

from sim.routes import billing, copilot, delivery, issue_events, meta, repos
from sim.routing import Route, route

REPO = ("repo",)
ENT_COPILOT = ("manage_billing:copilot", "read:enterprise")
ORG_COPILOT = ("manage_billing:copilot", "read:org")
ENT_BILLING = ("manage_billing:enterprise",)

ROUTES: list[Route] = [
    route("/rate_limit", meta.rate_limit, charged=False),
    route(
        "/enterprises/{enterprise}/copilot/metrics/reports/{kind}",
        copilot.enterprise_report,
        ENT_COPILOT,
    ),
    route("/orgs/{org}/copilot/metrics/reports/{kind}", copilot.org_report, ("read:org",)),
    route("/orgs/{org}/copilot/billing/seats", copilot.org_seats, ORG_COPILOT),
    route("/enterprises/{enterprise}/copilot/billing/seats", copilot.enterprise_seats, ENT_COPILOT),
    route(
        "/enterprises/{enterprise}/settings/billing/{source}/usage",
        billing.enterprise_usage,
        ENT_BILLING,
    ),
    route("/organizations/{org}/settings/billing/{source}/usage", billing.org_usage, ("read:org",)),
    route("/orgs/{org}/repos", repos.org_repos),
    route("/repos/{owner}/{repo}/pulls", repos.pulls, REPO),
    route("/repos/{owner}/{repo}/pulls/{number}", repos.pull, REPO),
    route("/repos/{owner}/{repo}/pulls/{number}/reviews", repos.pull_reviews, REPO),
    route("/repos/{owner}/{repo}/pulls/{number}/commits", repos.pull_commits, REPO),
    route("/repos/{owner}/{repo}/commits", repos.commits, REPO),
    route("/repos/{owner}/{repo}/issues", repos.issues, REPO),
    route("/repos/{owner}/{repo}/issues/events", issue_events.repo_issue_events, REPO),
    route("/repos/{owner}/{repo}/releases", repos.releases, REPO),
    route("/repos/{owner}/{repo}/actions/runs", delivery.runs, REPO),
    route("/repos/{owner}/{repo}/deployments", delivery.deployments, REPO),
    route(
        "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
        delivery.deployment_statuses,
        REPO,
    ),
]
