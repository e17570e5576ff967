"""Collectors: one module per endpoint family; each takes a `Ctx` and archives what is missing."""

from __future__ import annotations

FAMILIES = (
    "copilot",
    "seats",
    "billing",
    "repos",
    "pulls",  # with the repository's issue events (ready-for-review times of drafts)
    "commits",
    "workflow_runs",
    "deployments",
    "releases",
    "incidents",
)
"""Names accepted by `ingest --only`."""

REPO_FAMILIES = frozenset(
    {"pulls", "commits", "workflow_runs", "deployments", "releases", "incidents"}
)
