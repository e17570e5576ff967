"""HTTP behaviour: pagination, ETags, rate limits, authentication, scopes, errors, versions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

from sim import SimConfig, Simulator
from sim.routes import delivery as delivery_routes
from testkit.clocks import VirtualClock
from testkit.simclient import fetch, fetch_all

LINK_PART = re.compile(
    r'^<http://localhost:\d+/repositories/\d+/pulls\?[^>]*page=\d+>; rel="(next|last|prev|first)"$'
)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small simulator with the default budget."""
    with Simulator(SimConfig(seed=5, today=dt.date(2026, 11, 25))) as s:
        yield s


def _repo(sim: Simulator) -> str:
    ent = sim.enterprises[0]
    repos = fetch(f"{sim.base_url}/orgs/{sim.orgs(ent)[0]}/repos", sim.token(ent)).json()
    return str(repos[0]["full_name"])


def test_link_pagination_reaches_exactly_all_items(sim: Simulator) -> None:
    """Following rel=next with per_page=7 yields every PR once, the same set as one big page."""
    tok = sim.token(sim.enterprises[0])
    repo = _repo(sim)
    paged = fetch_all(f"{sim.base_url}/repos/{repo}/pulls?state=all&per_page=7", tok)
    whole = fetch(f"{sim.base_url}/repos/{repo}/pulls?state=all&per_page=100", tok).json()
    numbers = [p["number"] for p in paged]
    assert len(numbers) == len(set(numbers)) == len(whole) > 7
    assert numbers == [p["number"] for p in whole]
    st = sim.state
    assert len(numbers) == len(st.history.prs(st.world.repo(*repo.split("/")), st.today))  # type: ignore[arg-type]


def test_link_header_has_githubs_format(sim: Simulator) -> None:
    """Middle pages carry prev, next, last, first as `<url>; rel="…"`; page comes last."""
    tok = sim.token(sim.enterprises[0])
    repo = _repo(sim)
    first = fetch(f"{sim.base_url}/repos/{repo}/pulls?state=all&per_page=5", tok)
    assert list(first.links()) == ["next", "last"]
    second = fetch(first.links()["next"], tok)
    assert list(second.links()) == ["prev", "next", "last", "first"]
    for part in second.headers["link"].split(", "):
        assert LINK_PART.match(part), part
    assert second.links()["next"].endswith("state=all&per_page=5&page=3")
    last = fetch(first.links()["last"], tok)
    assert list(last.links()) == ["prev", "first"]


def test_single_page_has_no_link_header(sim: Simulator) -> None:
    """A list that fits in one page comes without Link."""
    tok = sim.token(sim.enterprises[0])
    reply = fetch(f"{sim.base_url}/orgs/{sim.orgs(sim.enterprises[0])[0]}/repos", tok)
    assert reply.status == 200
    assert "link" not in reply.headers


def test_matching_etag_gives_304_without_charge(sim: Simulator) -> None:
    """A weak ETag comes back; If-None-Match with it answers 304 and leaves the budget untouched."""
    tok = sim.token(sim.enterprises[0])
    url = f"{sim.base_url}/repos/{_repo(sim)}/releases"
    first = fetch(url, tok)
    etag = first.headers["etag"]
    assert etag.startswith('W/"')
    again = fetch(url, tok, {"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
    assert sim.request_log[-1].charged is False
    assert sim.request_log[-1].if_none_match == etag


def test_exhausted_budget_answers_403_with_reset_headers() -> None:
    """After the budget is spent: 403, remaining 0, reset = window end; a new window restores it."""
    clock = VirtualClock()
    with Simulator(
        SimConfig(seed=1, today=dt.date(2026, 11, 25), rate_limit=3, rate_window_s=600, clock=clock)
    ) as s:
        tok = s.token(s.enterprises[0])
        url = f"{s.base_url}/orgs/{s.orgs(s.enterprises[0])[0]}/repos"
        replies = [fetch(url, tok) for _ in range(4)]
        assert [r.status for r in replies] == [200, 200, 200, 403]
        blocked = replies[-1]
        assert blocked.headers["x-ratelimit-remaining"] == "0"
        assert blocked.headers["x-ratelimit-reset"] == str(int(clock.now) + 600)
        assert blocked.json()["message"].startswith("API rate limit exceeded for user ID")
        assert fetch(f"{s.base_url}/rate_limit", tok).json()["resources"]["core"]["remaining"] == 0
        clock.now += 601
        assert fetch(url, tok).status == 200


def test_missing_or_wrong_token_is_401(sim: Simulator) -> None:
    """No token: 401 Requires authentication; a wrong or expired token: 401 Bad credentials."""
    url = f"{sim.base_url}/rate_limit"
    assert fetch(url).json()["message"] == "Requires authentication"
    wrong = fetch(url, "ghp_nope")
    assert (wrong.status, wrong.json()["message"]) == (401, "Bad credentials")
    expired = sim.make_token(sim.enterprises[0], ["repo"], dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert fetch(url, expired).status == 401


def test_token_scopes_are_checked_and_reported(sim: Simulator) -> None:
    """Without read:enterprise: 403 with X-Accepted-OAuth-Scopes; without repo: 404."""
    ent = sim.enterprises[0]
    expiry = dt.datetime(2027, 1, 31, tzinfo=dt.UTC)
    tok = sim.make_token(ent, ["read:org"], expires_at=expiry)
    reply = fetch(
        f"{sim.base_url}/enterprises/{ent}/copilot/metrics/reports/enterprise-1-day?day=2026-11-20",
        tok,
    )
    assert reply.status == 403
    assert reply.headers["x-accepted-oauth-scopes"] == "manage_billing:copilot, read:enterprise"
    assert reply.headers["x-oauth-scopes"] == "read:org"
    assert reply.headers["github-authentication-token-expiration"] == "2027-01-31 00:00:00 UTC"
    assert fetch(f"{sim.base_url}/repos/{_repo(sim)}/pulls", tok).status == 404


def test_unknown_resources_get_githubs_404_body(sim: Simulator) -> None:
    """Unknown repos, orgs, other enterprises' repos and unknown paths answer GitHub's 404 body."""
    tok = sim.token(sim.enterprises[0])
    other_org = sim.orgs(sim.enterprises[1])[0]
    for path in (
        "/repos/nobody/nothing/pulls",
        "/orgs/nope/repos",
        f"/orgs/{other_org}/repos",
        "/nope",
    ):
        reply = fetch(sim.base_url + path, tok)
        assert reply.status == 404
        assert reply.json() == {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
            "status": "404",
        }


def test_unsupported_api_version_is_400(sim: Simulator) -> None:
    """An unknown X-GitHub-Api-Version is refused; a supported one is echoed back."""
    tok = sim.token(sim.enterprises[0])
    bad = fetch(f"{sim.base_url}/rate_limit", tok, {"X-GitHub-Api-Version": "2019-01-01"})
    assert bad.status == 400
    good = fetch(f"{sim.base_url}/rate_limit", tok, {"X-GitHub-Api-Version": "2026-03-10"})
    assert good.headers["x-github-api-version-selected"] == "2026-03-10"


def test_common_headers_are_present(sim: Simulator) -> None:
    """Content-Type, request id and the five x-ratelimit headers come on every API answer."""
    reply = fetch(f"{sim.base_url}/repos/{_repo(sim)}/commits", sim.token(sim.enterprises[0]))
    assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert re.match(
        r"^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{7}:[0-9A-F]{8}$",
        reply.headers["x-github-request-id"],
    )
    for name in ("limit", "remaining", "used", "reset", "resource"):
        assert f"x-ratelimit-{name}" in reply.headers


def test_reports_answer_204_for_today_and_days_without_data(sim: Simulator) -> None:
    """Today, the future and days before the history have no report (204, empty body)."""
    ent = sim.enterprises[0]
    tok = sim.token(ent)
    for day in ("2026-11-25", "2026-12-01", "2025-01-01"):
        reply = fetch(
            f"{sim.base_url}/enterprises/{ent}/copilot/metrics/reports/enterprise-1-day?day={day}",
            tok,
        )
        assert (reply.status, reply.body) == (204, b"")


def test_run_filters_and_search_cap(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """`created` ranges filter runs; filtered queries reach at most the cap; total_count is true."""
    tok = sim.token(sim.enterprises[0])
    url = f"{sim.base_url}/repos/{_repo(sim)}/actions/runs"
    everything = fetch(f"{url}?per_page=100", tok).json()
    window = fetch(f"{url}?created=2026-11-10..2026-11-12&per_page=100", tok).json()
    assert 0 < window["total_count"] < everything["total_count"]
    assert all(
        "2026-11-10" <= r["created_at"][:10] <= "2026-11-12" for r in window["workflow_runs"]
    )
    since = fetch(f"{url}?created=>=2026-11-20&per_page=100", tok).json()
    assert all(r["created_at"][:10] >= "2026-11-20" for r in since["workflow_runs"])
    monkeypatch.setattr(delivery_routes, "SEARCH_CAP", 10)
    capped = fetch_all(f"{url}?created=>=2026-11-01&per_page=4", tok)
    total = fetch(f"{url}?created=>=2026-11-01", tok).json()["total_count"]
    assert len(capped) == 10 < total
