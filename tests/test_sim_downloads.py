"""Report downloads: a different host, no Authorization accepted, signed links that expire."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sim import SimConfig, Simulator
from testkit.clocks import VirtualClock
from testkit.simclient import fetch


def _links(sim: Simulator, kind: str = "users-1-day") -> list[str]:
    ent = sim.enterprises[0]
    url = f"{sim.base_url}/enterprises/{ent}/copilot/metrics/reports/{kind}?day=2026-11-20"
    return list(fetch(url, sim.token(ent)).json()["download_links"])


def test_download_links_point_to_another_host() -> None:
    """The links name a different host than the API (so clients must not send their token)."""
    with Simulator(SimConfig(seed=1, today=dt.date(2026, 11, 25))) as sim:
        link = _links(sim)[0]
        assert urlsplit(link).hostname != urlsplit(sim.base_url).hostname
        assert link.startswith(sim.download_base_url)


def test_authorization_header_is_refused_and_recorded() -> None:
    """A download carrying Authorization gets 403 and the log records it."""
    with Simulator(SimConfig(seed=1, today=dt.date(2026, 11, 25))) as sim:
        link = _links(sim)[0]
        sim.clear_log()
        refused = fetch(link, token=sim.token(sim.enterprises[0]))
        assert refused.status == 403
        assert b"InvalidAuthenticationInfo" in refused.body
        ok = fetch(link)
        assert ok.status == 200
        log = sim.request_log
        assert [(e.server, e.had_authorization, e.status) for e in log] == [
            ("downloads", True, 403),
            ("downloads", False, 200),
        ]


def test_expired_and_tampered_links_are_refused() -> None:
    """After the TTL, or with a changed signature, the blob host answers 403."""
    clock = VirtualClock()
    with Simulator(
        SimConfig(seed=1, today=dt.date(2026, 11, 25), link_ttl_s=60, clock=clock)
    ) as sim:
        link = _links(sim)[0]
        assert fetch(link).status == 200
        assert fetch(link.replace("sig=", "sig=x")).status == 403
        clock.now += 61
        expired = fetch(link)
        assert expired.status == 403
        assert b"AuthenticationFailed" in expired.body
        assert b"Signature not valid in the specified time frame" in expired.body


def test_reports_may_span_several_files() -> None:
    """A report with more records than fit one file is split; every line is one JSON record."""
    with Simulator(SimConfig(seed=1, today=dt.date(2026, 11, 25))) as sim:
        links = _links(sim, "user-teams-1-day")
        assert len(links) >= 2
        for link in links:
            body = fetch(link).body
            assert body.endswith(b"\n")
            assert all(line.startswith(b"{") for line in body.splitlines())
