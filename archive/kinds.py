"""The fixed registry of event kinds.

A kind names what an event holds, never where the code lives. Kinds are part of the archive
format: a kind once written is never renamed, only added to.
"""

from __future__ import annotations

# Copilot usage-metrics report endpoints: the JSON answer that holds the signed download links.
COPILOT_REPORT_ENTERPRISE_1_DAY = "copilot.report.enterprise_1_day"
COPILOT_REPORT_USERS_1_DAY = "copilot.report.users_1_day"
COPILOT_REPORT_REPOS_1_DAY = "copilot.report.repos_1_day"
COPILOT_REPORT_USER_TEAMS_1_DAY = "copilot.report.user_teams_1_day"
COPILOT_REPORT_ORGANIZATION_1_DAY = "copilot.report.organization_1_day"
# One downloaded NDJSON report file (refs name the link response it came from).
COPILOT_REPORT_FILE = "copilot.report_file"
# Seat lists, one page per event.
COPILOT_SEATS = "copilot.seats"
COPILOT_SEATS_ENTERPRISE = "copilot.seats_enterprise"
# Billing.
BILLING_PREMIUM_REQUEST_USAGE = "billing.premium_request_usage"
BILLING_AI_CREDIT_USAGE = "billing.ai_credit_usage"
# Repository inventory and activity, one page per event.
ORG_REPOS = "org.repos"
REPO_PULLS = "repo.pulls"
REPO_PULL = "repo.pull"
REPO_PULL_REVIEWS = "repo.pull_reviews"
REPO_PULL_COMMITS = "repo.pull_commits"
REPO_COMMITS = "repo.commits"
REPO_WORKFLOW_RUNS = "repo.workflow_runs"
REPO_DEPLOYMENTS = "repo.deployments"
REPO_DEPLOYMENT_STATUSES = "repo.deployment_statuses"
REPO_RELEASES = "repo.releases"
REPO_ISSUES = "repo.issues"
# Issue events of a repository (ready_for_review, convert_to_draft, merged, …), newest first.
REPO_ISSUE_EVENTS = "repo.issue_events"
# Per-item detail from GitHub's GraphQL API: one POST (a batch of `nodes(ids:)`, or a further
# page of one node's connection) per event; the request holds the exact POST body.
GRAPHQL_PULL_REQUESTS = "graphql.pull_requests"
GRAPHQL_DEPLOYMENTS = "graphql.deployments"
# Collection runs: bodies are ghmc's own JSON (counts, errors), not GitHub's.
RUN_STARTED = "run.started"
RUN_FINISHED = "run.finished"

KINDS: frozenset[str] = frozenset(
    {
        COPILOT_REPORT_ENTERPRISE_1_DAY,
        COPILOT_REPORT_USERS_1_DAY,
        COPILOT_REPORT_REPOS_1_DAY,
        COPILOT_REPORT_USER_TEAMS_1_DAY,
        COPILOT_REPORT_ORGANIZATION_1_DAY,
        COPILOT_REPORT_FILE,
        COPILOT_SEATS,
        COPILOT_SEATS_ENTERPRISE,
        BILLING_PREMIUM_REQUEST_USAGE,
        BILLING_AI_CREDIT_USAGE,
        ORG_REPOS,
        REPO_PULLS,
        REPO_PULL,
        REPO_PULL_REVIEWS,
        REPO_PULL_COMMITS,
        REPO_COMMITS,
        REPO_WORKFLOW_RUNS,
        REPO_DEPLOYMENTS,
        REPO_DEPLOYMENT_STATUSES,
        REPO_RELEASES,
        REPO_ISSUES,
        REPO_ISSUE_EVENTS,
        GRAPHQL_PULL_REQUESTS,
        GRAPHQL_DEPLOYMENTS,
        RUN_STARTED,
        RUN_FINISHED,
    }
)


def is_known(kind: str) -> bool:
    """Tell whether `kind` is in the registry."""
    return kind in KINDS
