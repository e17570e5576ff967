"""Every response of every simulator endpoint validates against GitHub's official 200 schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sim import SimConfig, Simulator
from testkit.simclient import fetch

FIXTURE = Path(__file__).parent / "fixtures" / "github_schemas.json"
OFFICIAL = Path(__file__).parent / "fixtures" / "official_schemas.json"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "github-api" / "endpoints.json"
SCHEMAS: dict[str, Any] = json.loads(FIXTURE.read_text())["schemas"]
DAY = "2026-11-20"
DROP = {
    "description",
    "example",
    "examples",
    "title",
    "x-github-breaking-changes",
    "_property_names",
    "externalDocs",
    "readOnly",
    "deprecated",
    "x-github",
}

# Official field names of the Copilot report files (copilot-report-fields.md, S1/S3).
USER_FIELDS = {
    "day",
    "enterprise_id",
    "user_id",
    "user_login",
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
    "used_agent",
    "used_chat",
    "used_cli",
    "used_copilot_coding_agent",
    "used_copilot_cloud_agent",
    "used_copilot_code_review_active",
    "used_copilot_code_review_passive",
    "ai_adoption_phase",
    "totals_by_ide",
    "totals_by_feature",
    "totals_by_language_feature",
    "totals_by_language_model",
    "totals_by_model_feature",
    "etl_id",
    "day_partition",
    "entity_id_partition",
}
AGGREGATE_FIELDS = {
    "day",
    "enterprise_id",
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
    "totals_by_ide",
    "totals_by_feature",
    "totals_by_language_feature",
    "totals_by_language_model",
    "totals_by_model_feature",
    "pull_requests",
    "daily_active_copilot_cloud_agent_users",
    "weekly_active_copilot_code_review_users",
    "monthly_passive_copilot_code_review_users",
    "totals_by_ai_adoption_phase",
    "totals_by_cli",
}
PR_FIELDS = {
    "total_created",
    "total_reviewed",
    "total_merged",
    "median_minutes_to_merge",
    "total_suggestions",
    "total_applied_suggestions",
    "total_created_by_copilot",
    "total_reviewed_by_copilot",
    "total_merged_created_by_copilot",
    "total_merged_reviewed_by_copilot",
    "median_minutes_to_merge_copilot_authored",
    "median_minutes_to_merge_copilot_reviewed",
    "total_copilot_suggestions",
    "total_copilot_applied_suggestions",
}
TEAM_FIELDS = {"user_id", "user_login", "day", "team_id", "slug"}
METRIC_FIELDS = {
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_added_sum",
}


def to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema: `nullable` → a null type; `_collapsed` → a plain object."""
    if isinstance(node, list):
        return [to_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    if node.get("_collapsed"):
        return {"type": "object"}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in DROP:
            continue
        if key == "properties":
            out[key] = {name: to_jsonschema(prop) for name, prop in value.items()}
        else:
            out[key] = to_jsonschema(value)
    if out.pop("nullable", False):
        if "type" in out:
            kind = out["type"]
            out["type"] = [kind, "null"] if isinstance(kind, str) else [*kind, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def check(key: str, body: Any) -> None:
    """Fail with the first few schema errors."""
    errors = list(jsonschema.Draft7Validator(SCHEMAS[key]).iter_errors(body))[:3]
    assert not errors, f"{key}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message[:160]}" for e in errors
    )


@pytest.fixture(scope="module", params=[1, 2, 7])
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    """A small simulator per seed."""
    with Simulator(SimConfig(seed=request.param, today=dt.date(2026, 11, 25))) as s:
        yield s


def test_fixture_matches_official_schemas() -> None:
    """The trimmed fixture is the conversion of the official schemas (vendored in
    fixtures/official_schemas.json; that copy is compared with ../shared where it exists)."""
    official = json.loads(OFFICIAL.read_text())["schemas"]
    assert official.keys() == SCHEMAS.keys()
    for key, schema in SCHEMAS.items():
        assert to_jsonschema(copy.deepcopy(official[key])) == schema, key
    if SHARED.exists():
        endpoints = json.loads(SHARED.read_text())
        for key, schema in official.items():
            assert endpoints[key]["responses"]["200"]["content"]["application/json"]["schema"] == (
                schema
            ), key


def test_copilot_and_billing_bodies_validate(sim: Simulator) -> None:
    """Report links, seats, usage reports and /rate_limit match their schemas for both scopes."""
    base = sim.base_url
    for ent in sim.enterprises:
        tok = sim.token(ent)
        for kind in ("enterprise-1-day", "users-1-day", "repos-1-day", "user-teams-1-day"):
            check(
                f"/enterprises/{{enterprise}}/copilot/metrics/reports/{kind}",
                fetch(
                    f"{base}/enterprises/{ent}/copilot/metrics/reports/{kind}?day={DAY}", tok
                ).json(),
            )
        check(
            "/enterprises/{enterprise}/copilot/billing/seats",
            fetch(f"{base}/enterprises/{ent}/copilot/billing/seats", tok).json(),
        )
        check("/rate_limit", fetch(f"{base}/rate_limit", tok).json())
        for src in ("premium_request", "ai_credit"):
            check(
                f"/enterprises/{{enterprise}}/settings/billing/{src}/usage",
                fetch(
                    f"{base}/enterprises/{ent}/settings/billing/{src}/usage?month=11", tok
                ).json(),
            )
        for org in sim.orgs(ent):
            for kind in ("organization-1-day", "users-1-day", "repos-1-day", "user-teams-1-day"):
                check(
                    f"/orgs/{{org}}/copilot/metrics/reports/{kind}",
                    fetch(
                        f"{base}/orgs/{org}/copilot/metrics/reports/{kind}?day={DAY}", tok
                    ).json(),
                )
            check(
                "/orgs/{org}/copilot/billing/seats",
                fetch(f"{base}/orgs/{org}/copilot/billing/seats", tok).json(),
            )
            for src in ("premium_request", "ai_credit"):
                check(
                    f"/organizations/{{org}}/settings/billing/{src}/usage",
                    fetch(f"{base}/organizations/{org}/settings/billing/{src}/usage", tok).json(),
                )


def test_repository_bodies_validate(sim: Simulator) -> None:
    """Repos, pulls (+ detail, reviews, commits), commits, runs, deployments, releases, issues."""
    ent = sim.enterprises[0]
    tok = sim.token(ent)
    for org in sim.orgs(ent):
        repos = fetch(f"{sim.base_url}/orgs/{org}/repos", tok).json()
        check("/orgs/{org}/repos", repos)
        for repo in repos:
            base = f"{sim.base_url}/repos/{repo['full_name']}"
            pulls = fetch(f"{base}/pulls?state=all&per_page=100", tok).json()
            check("/repos/{owner}/{repo}/pulls", pulls)
            for pr in pulls[:8]:
                n = pr["number"]
                check(
                    "/repos/{owner}/{repo}/pulls/{pull_number}",
                    fetch(f"{base}/pulls/{n}", tok).json(),
                )
                check(
                    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
                    fetch(f"{base}/pulls/{n}/reviews", tok).json(),
                )
                check(
                    "/repos/{owner}/{repo}/pulls/{pull_number}/commits",
                    fetch(f"{base}/pulls/{n}/commits", tok).json(),
                )
            check(
                "/repos/{owner}/{repo}/commits", fetch(f"{base}/commits?per_page=100", tok).json()
            )
            check(
                "/repos/{owner}/{repo}/actions/runs",
                fetch(f"{base}/actions/runs?per_page=100", tok).json(),
            )
            deployments = fetch(f"{base}/deployments?per_page=100", tok).json()
            check("/repos/{owner}/{repo}/deployments", deployments)
            for dep in deployments[:6]:
                check(
                    "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
                    fetch(f"{base}/deployments/{dep['id']}/statuses", tok).json(),
                )
            check("/repos/{owner}/{repo}/releases", fetch(f"{base}/releases", tok).json())
            check(
                "/repos/{owner}/{repo}/issues",
                fetch(f"{base}/issues?state=all&per_page=100", tok).json(),
            )


def _records(sim: Simulator, path: str, tok: str) -> list[dict[str, Any]]:
    links = fetch(f"{sim.base_url}{path}", tok).json()["download_links"]
    return [json.loads(line) for link in links for line in fetch(link).body.decode().splitlines()]


def test_report_files_carry_the_official_fields(sim: Simulator) -> None:
    """NDJSON records hold the fields of copilot-report-fields.md (string ids, integer user ids)."""
    ent = sim.enterprises[0]
    tok = sim.token(ent)
    (agg,) = _records(
        sim, f"/enterprises/{ent}/copilot/metrics/reports/enterprise-1-day?day={DAY}", tok
    )
    assert AGGREGATE_FIELDS - agg.keys() == set()
    assert PR_FIELDS - agg["pull_requests"].keys() == set()
    assert isinstance(agg["enterprise_id"], str)
    users = _records(sim, f"/enterprises/{ent}/copilot/metrics/reports/users-1-day?day={DAY}", tok)
    assert users
    for rec in users:
        assert USER_FIELDS - rec.keys() == set()
        assert isinstance(rec["user_id"], int)
        for row in rec["totals_by_ide"]:
            assert {
                "ide",
                "last_known_ide_version",
                "last_known_plugin_version",
            } | METRIC_FIELDS <= row.keys()
        for row in rec["totals_by_language_feature"]:
            assert "user_initiated_interaction_count" not in row
    org = sim.orgs(ent)[0]
    (org_rec,) = _records(
        sim, f"/orgs/{org}/copilot/metrics/reports/organization-1-day?day={DAY}", tok
    )
    assert isinstance(org_rec["organization_id"], str)
    for rec in _records(
        sim, f"/enterprises/{ent}/copilot/metrics/reports/user-teams-1-day?day={DAY}", tok
    ):
        assert TEAM_FIELDS - rec.keys() == set()
    for rec in _records(
        sim, f"/enterprises/{ent}/copilot/metrics/reports/repos-1-day?day={DAY}", tok
    ):
        assert PR_FIELDS - rec["pull_requests"].keys() == set()
        assert isinstance(rec["pull_request_review_times"], list)


def test_version_2026_03_10_drops_the_changeset_fields(sim: Simulator) -> None:
    """Version 2026-03-10: pulls lose merge_commit_sha/assignee; /rate_limit loses rate."""
    ent = sim.enterprises[0]
    tok = sim.token(ent)
    headers = {"X-GitHub-Api-Version": "2026-03-10"}
    org = sim.orgs(ent)[0]
    repo = fetch(f"{sim.base_url}/orgs/{org}/repos", tok).json()[0]["full_name"]
    pulls = fetch(f"{sim.base_url}/repos/{repo}/pulls?state=all", tok, headers).json()
    assert pulls
    assert all("merge_commit_sha" not in p and "assignee" not in p for p in pulls)
    assert "has_downloads" not in pulls[0]["base"]["repo"]
    assert "rate" not in fetch(f"{sim.base_url}/rate_limit", tok, headers).json()
