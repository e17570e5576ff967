"""The GitHub client: retries, rate limits, permissions, redirects, downloads, no token leaks."""

from __future__ import annotations

import pytest
import requests
from test_ingest_fakes import API, TOKEN, Answer, FakeGitHub

from ingest.client import Downloader, GitHubClient, credential_id
from ingest.errors import AuthFailed, LinkExpired, PermissionDenied, RetriesExhausted
from ingest.paginate import next_url, parse_link
from ingest.retry import RetryPolicy
from testkit.clocks import VirtualClock

ENDPOINT = "/repos/{owner}/{repo}/pulls"


def make(fake: FakeGitHub, clock: VirtualClock, **policy: float) -> GitHubClient:
    return GitHubClient(
        api_url=API,
        token=TOKEN,
        api_version="2022-11-28",
        enterprise_id="contoso",
        policy=RetryPolicy(**policy),  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
        session=fake.session(),
    )


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake(clock: VirtualClock) -> FakeGitHub:
    f = FakeGitHub(clock)
    f.json_route("/repos/o/r/pulls", [{"number": 1}])
    return f


def test_sends_pinned_headers_and_token_only_to_api(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Every API call carries Accept, the pinned version, a ghmc User-Agent and the token."""
    make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    h = fake.seen[0].headers
    assert h["accept"] == "application/vnd.github+json"
    assert h["x-github-api-version"] == "2022-11-28"
    assert h["user-agent"].startswith("ghmc/")
    assert h["authorization"] == f"Bearer {TOKEN}"


def test_retries_5xx_then_succeeds_with_backoff(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A 502 then a 200: one retry after an exponential backoff."""
    fake.faults = [Answer(502, {"message": "bad gateway"})]
    resp = make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert resp.status == 200
    assert clock.slept == [2.0]


def test_retries_connection_errors_and_timeouts(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Resets and timeouts are retried."""
    fake.faults = [requests.ConnectionError("reset"), requests.ReadTimeout("slow")]
    assert make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT).status == 200
    assert len(fake.seen) == 3


def test_truncated_body_is_retried(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A body shorter than its Content-Length is retried."""
    fake.faults = [Answer(200, raw=b'[{"num', headers={"content-length": "40"})]
    assert make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT).json() == [
        {"number": 1}
    ]


def test_non_json_body_is_retried(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A 200 whose body is not JSON (a proxy's HTML page) is retried."""
    fake.faults = [Answer(200, raw=b"<html>oops</html>")]
    assert make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT).status == 200


def test_429_waits_retry_after(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Retry-After is honoured first."""
    fake.faults = [Answer(429, {"message": "slow down"}, {"retry-after": "7"})]
    make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert clock.slept == [7.0]


def test_primary_limit_403_waits_until_reset(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A 403 with remaining 0 waits until x-ratelimit-reset."""
    reset = int(clock() + 500)
    fake.faults = [
        Answer(
            403,
            {"message": "API rate limit exceeded"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        )
    ]
    make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert clock.slept and clock.slept[0] >= 500


def test_secondary_limit_backs_off_at_least_a_minute(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A secondary-limit 403 without Retry-After waits at least 60 s."""
    fake.faults = [Answer(403, {"message": "You have exceeded a secondary rate limit"})]
    make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert clock.slept == [60.0]


def test_gives_up_after_the_policy_attempts(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Persistent 500s end in RetriesExhausted after max_attempts, backoff capped."""
    fake.faults = [Answer(500, {"message": "x"})] * 10
    with pytest.raises(RetriesExhausted) as info:
        make(fake, clock, max_attempts=4, backoff_max=5).get(
            f"{API}/repos/o/r/pulls", endpoint=ENDPOINT
        )
    assert len(fake.seen) == 4
    assert clock.slept == [2.0, 4.0, 5.0]
    assert info.value.status == 500


def test_401_is_not_retried_and_says_what_to_do(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A 401 raises AuthFailed at once, naming the enterprise and endpoint."""
    fake.faults = [Answer(401, {"message": "Bad credentials"})]
    with pytest.raises(AuthFailed) as info:
        make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert len(fake.seen) == 1
    assert "contoso" in info.value.message and ENDPOINT in info.value.message
    assert TOKEN not in str(info.value)


def test_permission_403_names_the_missing_scope(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A permission 403 is not retried and names the scope GitHub accepts."""
    fake.faults = [
        Answer(
            403,
            {"message": "Resource not accessible by personal access token"},
            {
                "x-accepted-oauth-scopes": "manage_billing:copilot, read:enterprise",
                "x-oauth-scopes": "repo",
            },
        )
    ]
    endpoint = "/enterprises/{enterprise}/copilot/metrics/reports/users-1-day"
    with pytest.raises(PermissionDenied) as info:
        make(fake, clock).get(
            f"{API}/enterprises/e/copilot/metrics/reports/users-1-day", endpoint=endpoint
        )
    assert len(fake.seen) == 1
    assert "`read:enterprise`" in info.value.message
    assert "contoso: 403 on " + endpoint in info.value.message


def test_permission_404_uses_documented_scope(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Without scope headers the documented scope of the endpoint is named."""
    fake.faults = [Answer(404, {"message": "Not Found"})]
    with pytest.raises(PermissionDenied) as info:
        make(fake, clock).get(
            f"{API}/orgs/o/copilot/billing/seats", endpoint="/orgs/{org}/copilot/billing/seats"
        )
    assert "manage_billing:copilot" in info.value.message


def test_redirect_to_other_host_drops_authorization(fake: FakeGitHub, clock: VirtualClock) -> None:
    """A redirect to another host is followed without the token."""
    fake.faults = [Answer(302, None, {"location": "https://elsewhere.test/file"})]
    fake.faults.append(Answer(200, {"ok": True}))
    make(fake, clock).get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert "authorization" in fake.seen[0].headers
    assert fake.seen[1].url.startswith("https://elsewhere.test/")
    assert "authorization" not in fake.seen[1].headers


def test_pacing_waits_for_reset_when_budget_is_low(clock: VirtualClock) -> None:
    """With the budget down to the reserve, the client waits for the reset instead of a 403."""
    fake = FakeGitHub(clock, limit=10)
    fake.json_route("/repos/o/r/pulls", [])
    client = make(fake, clock, pace_reserve_fraction=0.1)
    for _ in range(15):
        client.get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    assert all(s.status == 200 for s in fake.seen)
    assert clock.slept and clock.slept[0] > 3000


def test_warns_about_excess_scopes_and_expiry(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Write/admin scopes and a token expiring within 14 days produce warnings."""
    fake.faults = [
        Answer(
            200,
            [],
            {
                "x-oauth-scopes": "repo, read:org, admin:org, delete_repo",
                "github-authentication-token-expiration": "2026-11-30 10:00:00 UTC",
            },
        )
    ]
    client = make(fake, clock)
    client.get(f"{API}/repos/o/r/pulls", endpoint=ENDPOINT)
    text = " ".join(client.warnings)
    assert "admin:org" in text and "delete_repo" in text and "expires" in text


def test_downloader_never_sends_authorization(fake: FakeGitHub, clock: VirtualClock) -> None:
    """Report files are fetched without any Authorization header; expired links are flagged."""
    fake.route("/dl/1", lambda p, q, h: Answer(200, raw=b'{"a":1}\n'))
    dl = Downloader(clock=clock, sleep=clock.sleep, session=fake.session())
    assert dl.get("https://download.example.test/dl/1?sig=abc").body == b'{"a":1}\n'
    assert "authorization" not in fake.seen[-1].headers
    fake.faults = [Answer(403, raw=b"expired")]
    with pytest.raises(LinkExpired):
        dl.get("https://download.example.test/dl/1?sig=abc")


def test_credential_id_is_not_the_token() -> None:
    """The credential id is a 16-hex digest."""
    cid = credential_id(TOKEN)
    assert len(cid) == 16 and TOKEN not in cid


def test_link_header_parsing() -> None:
    """Only rel=next is followed; several links and rels parse."""
    header = '<https://a/x?page=2>; rel="next", <https://a/x?page=5>; rel="last"'
    assert next_url(header) == "https://a/x?page=2"
    assert parse_link(header)["last"] == "https://a/x?page=5"
    assert next_url('<https://a/x?page=1>; rel="prev"') is None
    assert next_url(None) is None
