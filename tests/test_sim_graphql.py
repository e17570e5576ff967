"""The simulator's `POST /graphql`: GitHub's schema, limits, budget and errors, over the world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from test_ingest_fakes import VirtualClock
from test_ingest_sim import SIM_DAY, day_start, start_sim

from ingest import gql_queries
from sim import Simulator
from sim.gql.schema import check

PR_QUERY = gql_queries.PULL_REQUESTS


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small world on a virtual clock, with a tiny points budget for the limit tests."""
    s = start_sim(VirtualClock(day_start(SIM_DAY)), graphql_points=40)
    try:
        yield s
    finally:
        s.stop()


def _get(sim: Simulator, path: str) -> Any:
    token = sim.token(sim.enterprises[0])
    resp = requests.get(
        sim.base_url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    return resp.json()


def _post(sim: Simulator, payload: Any, enterprise: int = 0) -> requests.Response:
    token = sim.token(sim.enterprises[enterprise])
    return requests.post(
        sim.base_url + "/graphql",
        json=payload,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _repo(sim: Simulator) -> str:
    org = sim.orgs(sim.enterprises[0])[0]
    return str(_get(sim, f"/orgs/{org}/repos")[0]["full_name"])


def test_every_ingest_query_validates_against_the_schema() -> None:
    """The client's queries are valid for GitHub's published schema."""
    for name in ("PULL_REQUESTS", "PULL_REQUEST_PAGE", "DEPLOYMENTS", "DEPLOYMENT_PAGE"):
        _doc, errors = check(getattr(gql_queries, name))
        assert errors == (), name


def test_a_query_with_a_typo_is_answered_with_errors_and_no_data(sim: Simulator) -> None:
    """An unknown field is a 200 with `errors` naming it and no `data`, as GitHub answers."""
    resp = _post(sim, {"query": PR_QUERY.replace("changedFiles", "changedFile"), "variables": {}})
    body = resp.json()
    assert resp.status_code == 200
    assert "data" not in body
    assert "changedFile" in body["errors"][0]["message"]


def test_pull_requests_by_node_id_match_their_rest_bodies(sim: Simulator) -> None:
    """`nodes(ids:)` with the REST `node_id`s: the same PRs, numbers, sizes and states."""
    repo = _repo(sim)
    pulls = _get(sim, f"/repos/{repo}/pulls?state=all&per_page=5")
    resp = _post(sim, {"query": PR_QUERY, "variables": {"ids": [p["node_id"] for p in pulls]}})
    body = resp.json()
    assert "errors" not in body
    assert resp.headers["x-ratelimit-resource"] == "graphql"
    for rest, node in zip(pulls, body["data"]["nodes"], strict=True):
        detail = _get(sim, f"/repos/{repo}/pulls/{rest['number']}")
        assert node["id"] == rest["node_id"]
        assert node["number"] == rest["number"]
        assert node["additions"] == detail["additions"]
        assert node["state"] == ("MERGED" if rest["merged_at"] else rest["state"].upper())
        assert node["isDraft"] == rest["draft"]
        reviews = _get(sim, f"/repos/{repo}/pulls/{rest['number']}/reviews")
        assert [r["fullDatabaseId"] for r in node["reviews"]["nodes"]] == [
            str(r["id"]) for r in reviews
        ]


def test_bots_lose_their_suffix_and_are_typed_bot(sim: Simulator) -> None:
    """A bot author is `Bot` with the login REST spells `name[bot]` minus the suffix."""
    repo = _repo(sim)
    pulls = _get(sim, f"/repos/{repo}/pulls?state=all&per_page=100")
    bots = [p for p in pulls if p["user"]["login"].endswith("[bot]")]
    assert bots
    resp = _post(sim, {"query": PR_QUERY, "variables": {"ids": [bots[0]["node_id"]]}})
    author = resp.json()["data"]["nodes"][0]["author"]
    assert author == {"__typename": "Bot", "login": bots[0]["user"]["login"][: -len("[bot]")]}


def test_an_unknown_id_is_not_found_beside_partial_data(sim: Simulator) -> None:
    """An id that names nothing: null in `nodes`, NOT_FOUND with its path, the rest answered."""
    repo = _repo(sim)
    pull = _get(sim, f"/repos/{repo}/pulls?state=all&per_page=1")[0]
    ids = [pull["node_id"], "MDExOlB1bGxSZXF1ZXN0MQ=="]
    body = _post(sim, {"query": PR_QUERY, "variables": {"ids": ids}}).json()
    assert body["data"]["nodes"][0]["number"] == pull["number"]
    assert body["data"]["nodes"][1] is None
    assert body["errors"][0]["type"] == "NOT_FOUND"
    assert body["errors"][0]["path"] == ["nodes", 1]


def test_another_enterprises_node_is_not_found(sim: Simulator) -> None:
    """A token sees only its own enterprise's nodes."""
    pull = _get(sim, f"/repos/{_repo(sim)}/pulls?state=all&per_page=1")[0]
    body = _post(sim, {"query": PR_QUERY, "variables": {"ids": [pull["node_id"]]}}, 1).json()
    assert body["data"]["nodes"] == [None]


def test_pagination_limits_and_id_count_are_enforced(sim: Simulator) -> None:
    """`first` over 100, a missing `first`/`last`, and more than 100 ids are refused."""
    over = PR_QUERY.replace("reviews(first: 100)", "reviews(first: 101)")
    missing = PR_QUERY.replace("reviews(first: 100)", "reviews")
    cases = {
        "EXCESSIVE_PAGINATION": (over, ["x"]),
        "MISSING_PAGINATION_BOUNDARIES": (missing, ["x"]),
    }
    for kind, (query, ids) in cases.items():
        body = _post(sim, {"query": query, "variables": {"ids": ids}}).json()
        assert body["errors"][0]["type"] == kind
        assert "data" not in body
    many = _post(sim, {"query": PR_QUERY, "variables": {"ids": ["x"] * 101}}).json()
    assert "100" in many["errors"][0]["message"]


def test_the_node_cap_is_500000(sim: Simulator) -> None:
    """Nested connections that could return more than 500,000 nodes are refused."""
    query = (
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on PullRequest { "
        "commits(first: 100) { nodes { commit { associatedPullRequests(first: 100) { "
        "nodes { reviews(first: 100) { totalCount } } } } } } } } }"
    )
    body = _post(sim, {"query": query, "variables": {"ids": ["a"] * 10}}).json()
    assert body["errors"][0]["type"] == "MAX_NODE_LIMIT_EXCEEDED"


def test_cost_follows_the_formula_and_spends_a_separate_budget(sim: Simulator) -> None:
    """100 ids x 3 connections of 100 = 300 requests = 3 points; REST's budget is untouched."""
    ids = ["MDExOlB1bGxSZXF1ZXN0MQ=="] * 100
    before_rest = _rest_remaining(sim)
    body = _post(sim, {"query": PR_QUERY, "variables": {"ids": ids}}, 1).json()
    assert body["data"]["rateLimit"]["cost"] == 3
    assert _rest_remaining(sim) == before_rest


def _rest_remaining(sim: Simulator) -> int:
    token = sim.token(sim.enterprises[1])
    resp = requests.get(
        sim.base_url + "/rate_limit", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    return int(resp.headers["x-ratelimit-remaining"])


def test_a_spent_budget_is_rate_limited_as_a_200(sim: Simulator) -> None:
    """Once the points are spent: HTTP 200 with a RATE_LIMITED error and no data."""
    ids = ["MDExOlB1bGxSZXF1ZXN0MQ=="] * 100
    answers = [_post(sim, {"query": PR_QUERY, "variables": {"ids": ids}}, 1) for _ in range(20)]
    limited = [a for a in answers if "data" not in a.json()]
    assert limited
    assert limited[0].status_code == 200
    assert limited[0].json()["errors"][0]["type"] == "RATE_LIMITED"
    assert int(limited[0].headers["x-ratelimit-remaining"]) < 3


def test_the_secondary_limit_is_2000_points_a_minute() -> None:
    """More than 2,000 points within one minute: 403 with the secondary-limit message."""
    s = start_sim(VirtualClock(day_start(SIM_DAY)), graphql_points_per_minute=5)
    try:
        ids = ["MDExOlB1bGxSZXF1ZXN0MQ=="] * 100
        statuses = [
            _post(s, {"query": PR_QUERY, "variables": {"ids": ids}}).status_code for _ in range(3)
        ]
        assert statuses == [200, 403, 403]
    finally:
        s.stop()


def test_posts_need_a_valid_token_and_json(sim: Simulator) -> None:
    """No token: 401; a body that is not JSON: 400 Problems parsing JSON."""
    assert requests.post(sim.base_url + "/graphql", data=b"{}", timeout=30).status_code == 401
    token = sim.token(sim.enterprises[0])
    bad = requests.post(
        sim.base_url + "/graphql",
        data=b"{",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert bad.status_code == 400
    assert bad.json()["message"] == "Problems parsing JSON"
