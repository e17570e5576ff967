"""GET /repos/{owner}/{repo}/issues/events: official shape, order, paging, ETags and the truth."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from sim import SimConfig, Simulator
from testkit.simclient import fetch, fetch_all
from tests.test_sim_schemas import SCHEMAS

_ISSUE = SCHEMAS["/repos/{owner}/{repo}/issues"]["items"]
_USER = SCHEMAS["/repos/{owner}/{repo}/pulls"]["items"]["properties"]["user"]
_NULLABLE_USER = {"anyOf": [copy.deepcopy(_USER), {"type": "null"}]}
_APP = _ISSUE["properties"]["performed_via_github_app"]

ISSUE_EVENT: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "id",
            "node_id",
            "url",
            "actor",
            "event",
            "commit_id",
            "commit_url",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "node_id": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "actor": _NULLABLE_USER,
            "event": {"type": "string"},
            "commit_id": {"type": ["string", "null"]},
            "commit_url": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "issue": {"anyOf": [_ISSUE, {"type": "null"}]},
            "label": {
                "type": "object",
                "required": ["name", "color"],
                "properties": {
                    "name": {"type": ["string", "null"]},
                    "color": {"type": ["string", "null"]},
                },
            },
            "performed_via_github_app": _APP,
        },
    },
}
"""The official `issue-event` schema (rest-api-description, "List issue events for a repository"),
its `issue` and `actor` taken from the trimmed official fixture."""


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small simulator."""
    with Simulator(SimConfig(seed=3, today=dt.date(2026, 11, 25))) as s:
        yield s


def _repos(sim: Simulator) -> Iterator[tuple[str, str]]:
    for ent in sim.enterprises:
        tok = sim.token(ent)
        for org in sim.orgs(ent):
            for repo in fetch(f"{sim.base_url}/orgs/{org}/repos", tok).json():
                yield tok, repo["full_name"]


def test_issue_events_validate_against_the_official_schema(sim: Simulator) -> None:
    """Every page of every repository matches the `issue-event` array schema."""
    for tok, full in _repos(sim):
        events = fetch_all(f"{sim.base_url}/repos/{full}/issues/events?per_page=100", tok)
        errors = list(jsonschema.Draft7Validator(ISSUE_EVENT).iter_errors(events))[:3]
        assert not errors, f"{full}: " + "; ".join(e.message[:160] for e in errors)


def test_issue_events_are_newest_first_with_unique_ids(sim: Simulator) -> None:
    """Events come newest first (ids grow with time) and no id repeats."""
    for tok, full in _repos(sim):
        events = fetch_all(f"{sim.base_url}/repos/{full}/issues/events?per_page=100", tok)
        keys = [(e["created_at"], e["id"]) for e in events]
        assert keys == sorted(keys, reverse=True)
        assert len({e["id"] for e in events}) == len(events)


def test_merged_comes_before_closed(sim: Simulator) -> None:
    """A merge's `merged` event precedes its `closed` event (same time, smaller id)."""
    pairs = 0
    for tok, full in _repos(sim):
        events = fetch_all(f"{sim.base_url}/repos/{full}/issues/events?per_page=100", tok)
        merged = {e["issue"]["number"]: e for e in events if e["event"] == "merged"}
        for e in events:
            m = merged.get(e["issue"]["number"])
            if e["event"] == "closed" and m is not None:
                assert m["created_at"] == e["created_at"]
                assert m["id"] < e["id"]
                pairs += 1
    assert pairs


def test_ready_for_review_events_are_the_truth_of_drafts(sim: Simulator) -> None:
    """Each PR opened as a draft and ready by now has one `ready_for_review` at its ready time,
    on a PR (the `issue` has `pull_request`); non-drafts have none."""
    start, end = sim.state.world.first_day, dt.date(2026, 11, 24)
    seen = 0
    for ent in sim.enterprises:
        truth = {(p.repo, p.number): p for p in sim.truth.pull_requests(ent, start, end)}
        tok = sim.token(ent)
        for org in sim.orgs(ent):
            for repo in fetch(f"{sim.base_url}/orgs/{org}/repos", tok).json():
                full = repo["full_name"]
                url = f"{sim.base_url}/repos/{full}/issues/events?per_page=100"
                ready = {
                    e["issue"]["number"]: e
                    for e in fetch_all(url, tok)
                    if e["event"] == "ready_for_review"
                }
                for e in ready.values():
                    assert e["issue"]["pull_request"]
                for (name, number), p in truth.items():
                    if name != full:
                        continue
                    drafted = p.ready_at != p.created_at and p.ready_at is not None
                    got = ready.get(number)
                    assert (got["created_at"] if got else None) == (p.ready_at if drafted else None)
                    seen += bool(got)
    assert seen


def test_issue_events_page_with_links_and_answer_304(sim: Simulator) -> None:
    """`per_page` pages carry GitHub's Link header; the same page with its ETag is a 304."""
    tok, full = next(_repos(sim))
    url = f"{sim.base_url}/repos/{full}/issues/events?per_page=2"
    first = fetch(url, tok)
    assert first.status == 200
    assert len(first.json()) == 2
    assert "next" in first.links()
    again = fetch(url, tok, {"If-None-Match": first.headers["etag"]})
    assert again.status == 304


def test_issue_events_of_another_enterprise_are_404(sim: Simulator) -> None:
    """A token of one enterprise cannot list another enterprise's repository events."""
    ents = sim.enterprises
    if len(ents) < 2:  # pragma: no cover - the default world has two
        pytest.skip("one enterprise")
    _tok, full = next(_repos(sim))
    owner_ent = next(e for e in ents if full.split("/")[0] in sim.orgs(e))
    other = next(e for e in ents if e != owner_ent)
    assert fetch(f"{sim.base_url}/repos/{full}/issues/events", sim.token(other)).status == 404
