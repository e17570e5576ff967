"""GraphQL answers become the records the REST extractors produce (ids, logins, enum case)."""

from __future__ import annotations

import base64
from typing import Any

from projections.definitions.activity.graphql import (
    database_id,
    deployment_records,
    pull_request_records,
    rest_login,
)
from projections.definitions.activity.snapshot import (
    Commit,
    PrEvent,
    Pull,
    PullSize,
    Review,
    Status,
)


def _legacy(kind: str, ident: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{ident}".encode()).decode()


def _new_format(prefix: str, *ints: int) -> str:
    """A new-format global id: prefix, `_`, base64url(msgpack array of unsigned ints)."""
    out = bytes([0x90 | len(ints)])
    for n in ints:
        out += bytes([n]) if n < 128 else bytes([0xCE]) + n.to_bytes(4, "big")
    return prefix + "_" + base64.urlsafe_b64encode(out).decode().rstrip("=")


def test_database_ids_are_read_from_both_global_id_formats() -> None:
    """Legacy `base64("0NN:TypeID")` and `PREFIX_msgpack` ids give the REST id; junk gives None."""
    assert database_id(_legacy("DeploymentStatus", 6251200012)) == 6251200012
    assert database_id(_new_format("DES", 0, 3_000_000_000)) == 3_000_000_000
    assert database_id(_new_format("RFRE", 0, 12, 77)) == 77
    assert database_id("not an id") is None
    assert database_id(None) is None


def test_bot_logins_get_the_rest_suffix_back() -> None:
    """`Bot` dependabot → dependabot[bot]; users and Copilot keep their login."""
    assert rest_login({"__typename": "Bot", "login": "dependabot"}) == ("dependabot[bot]", "Bot")
    assert rest_login({"__typename": "Bot", "login": "Copilot"}) == ("Copilot", "Bot")
    assert rest_login({"__typename": "User", "login": "ada"}) == ("ada", "User")
    assert rest_login(None) == ("", "")


def _pr(**extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {
        "__typename": "PullRequest",
        "id": _legacy("PullRequest", 5),
        "number": 7,
        "title": "Fix",
        "isDraft": False,
        "createdAt": "2026-11-20T10:00:00Z",
        "closedAt": None,
        "mergedAt": "2026-11-21T10:00:00Z",
        "additions": 10,
        "deletions": 2,
        "changedFiles": 1,
        "baseRefName": "main",
        "author": {"__typename": "User", "login": "ada"},
        "baseRepository": {"defaultBranchRef": {"name": "main"}},
        "commits": {
            "totalCount": 1,
            "nodes": [
                {
                    "commit": {
                        "oid": "abc",
                        "authoredDate": "2026-11-19T09:00:00Z",
                        "committedDate": "2026-11-19T09:30:00Z",
                        "author": {"user": None},
                    }
                }
            ],
        },
        "reviews": {
            "nodes": [
                {
                    "id": _legacy("PullRequestReview", 99),
                    "fullDatabaseId": "99",
                    "state": "APPROVED",
                    "submittedAt": "2026-11-20T12:00:00Z",
                    "author": {"__typename": "Bot", "login": "copilot-pull-request-reviewer"},
                }
            ]
        },
        "timelineItems": {
            "nodes": [
                {
                    "__typename": "ReadyForReviewEvent",
                    "id": _legacy("ReadyForReviewEvent", 4242),
                    "createdAt": "2026-11-20T11:00:00Z",
                }
            ]
        },
    }
    node.update(extra)
    return node


def test_a_pull_request_gives_the_rest_records_under_the_rest_keys() -> None:
    """PR, size, review, commit and draft event, keyed (enterprise, repo, number, REST id)."""
    body = {"data": {"nodes": [_pr(), None]}, "errors": [{"type": "NOT_FOUND"}]}
    pairs = {(type(r).__name__, k): r for k, r in pull_request_records(body, "acme", "web/app")}
    key = ("acme", "web/app", 7)
    assert pairs["Pull", key] == Pull(
        "acme",
        "web/app",
        7,
        "Fix",
        "ada",
        "User",
        False,
        "2026-11-20T10:00:00Z",
        None,
        "2026-11-21T10:00:00Z",
        "main",
        "main",
    )
    assert pairs["PullSize", key] == PullSize(10, 2, 1, 1)
    review = Review("copilot-pull-request-reviewer[bot]", "Bot", "APPROVED", "2026-11-20T12:00:00Z")
    assert pairs["Review", (*key, 99)] == review
    commit = Commit("abc", "", "", "2026-11-19T09:00:00Z", "2026-11-19T09:30:00Z")
    assert pairs["Commit", (*key, "abc")] == commit
    event = PrEvent(4242, "ready_for_review", "2026-11-20T11:00:00Z")
    assert pairs["PrEvent", (*key, 4242)] == event
    assert len(pairs) == 5


def test_a_page_answer_yields_only_its_connection() -> None:
    """A follow-up page (`node` with one connection) gives no PR or size record."""
    page = {"__typename": "PullRequest", "number": 7, "reviews": _pr()["reviews"]}
    records = pull_request_records({"data": {"node": page}}, "acme", "web/app")
    assert [type(r) for _k, r in records] == [Review]


def test_deployment_statuses_are_lower_case_and_keyed_by_rest_ids() -> None:
    """States lower-cased; the deployment's REST id from refs, the status's from its id."""
    dep_gid = _legacy("Deployment", 31)
    node = {
        "__typename": "Deployment",
        "id": dep_gid,
        "statuses": {
            "nodes": [
                {
                    "id": _legacy("DeploymentStatus", 312),
                    "state": "SUCCESS",
                    "createdAt": "2026-11-20T10:00:00Z",
                }
            ]
        },
    }
    body = {"data": {"nodes": [node]}}
    assert deployment_records(body, "acme", "web/app", {dep_gid: 31}) == [
        (("acme", "web/app", 31, 312), Status(312, "success", "2026-11-20T10:00:00Z"))
    ]
    assert deployment_records(body, "acme", "web/app") == deployment_records(
        body, "acme", "web/app", {dep_gid: 31}
    )
