"""Injected faults: 5xx, resets, timeouts, truncation, secondary limits; deterministic by seed."""

from __future__ import annotations

import datetime as dt
import http.client
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from sim import FaultConfig, SimConfig, Simulator
from testkit.simclient import fetch


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A small simulator; each test sets its own faults."""
    with Simulator(SimConfig(seed=1, today=dt.date(2026, 11, 25))) as s:
        yield s


def _raw_get(sim: Simulator, path: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(sim.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "localhost", parts.port, timeout=timeout)
    try:
        conn.request(
            "GET", path, headers={"Authorization": f"token {sim.token(sim.enterprises[0])}"}
        )
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


def test_server_errors_are_injected(sim: Simulator) -> None:
    """500 answers JSON; 502/503 answer an HTML page like GitHub's front end."""
    for kind, status, ctype in (
        ("500", 500, "application/json"),
        ("502", 502, "text/html"),
        ("503", 503, "text/html"),
    ):
        sim.set_faults(FaultConfig(rate=1.0, kinds=(kind,)))
        code, headers, _ = _raw_get(sim, "/rate_limit")
        assert code == status
        assert headers["content-type"].startswith(ctype)
    sim.set_faults(FaultConfig())


def test_connection_reset_is_injected(sim: Simulator) -> None:
    """The connection is reset before any answer."""
    sim.set_faults(FaultConfig(rate=1.0, kinds=("reset",)))
    with pytest.raises(
        (ConnectionResetError, http.client.RemoteDisconnected, ConnectionAbortedError)
    ):
        _raw_get(sim, "/rate_limit")
    sim.set_faults(FaultConfig())


def test_read_timeout_is_injected(sim: Simulator) -> None:
    """The server stalls longer than the client's timeout."""
    sim.set_faults(FaultConfig(rate=1.0, kinds=("timeout",), timeout_s=0.3))
    with pytest.raises((TimeoutError, socket.timeout)):
        _raw_get(sim, "/rate_limit", timeout=0.05)
    sim.set_faults(FaultConfig())


def test_truncated_body_is_injected(sim: Simulator) -> None:
    """Content-Length promises more than is sent before the connection closes."""
    sim.set_faults(FaultConfig(rate=1.0, kinds=("truncate",)))
    with pytest.raises(http.client.IncompleteRead):
        _raw_get(sim, "/rate_limit")
    sim.set_faults(FaultConfig())


def test_secondary_limits_come_as_403_or_429_with_and_without_retry_after(sim: Simulator) -> None:
    """Secondary limits use GitHub's message; some carry Retry-After, some do not."""
    sim.set_faults(FaultConfig(rate=1.0, kinds=("secondary_403", "secondary_429"), retry_after_s=7))
    seen = set()
    for i in range(16):
        code, headers, body = _raw_get(sim, f"/rate_limit?i={i}")
        assert code in (403, 429)
        assert b"secondary rate limit" in body
        seen.add((code, headers.get("retry-after")))
    assert {c for c, _ in seen} == {403, 429}
    assert {r for _, r in seen} == {"7", None}
    sim.set_faults(FaultConfig())


def test_faults_follow_patterns_and_are_deterministic(sim: Simulator) -> None:
    """Only matching paths fail, and the same request sequence meets the same faults."""
    config = FaultConfig(rate=0.5, kinds=("500",), patterns=("/repos/*",), seed=4)
    tok = sim.token(sim.enterprises[0])
    repo = sim.state.world.enterprise_repos(sim.enterprises[0])[0].full_name

    def run() -> list[int]:
        sim.set_faults(config)
        statuses = [
            fetch(f"{sim.base_url}/repos/{repo}/releases?n={i % 3}", tok).status for i in range(12)
        ]
        assert fetch(f"{sim.base_url}/rate_limit", tok).status == 200
        return statuses

    first = run()
    assert set(first) == {200, 500}
    assert run() == first
    sim.set_faults(FaultConfig())


def test_latency_is_added(sim: Simulator) -> None:
    """Latency from the fault config delays every answer."""
    sim.set_faults(FaultConfig(latency_ms=60))
    entries_before = len(sim.request_log)
    import time

    start = time.perf_counter()
    assert fetch(f"{sim.base_url}/rate_limit", sim.token(sim.enterprises[0])).status == 200
    assert time.perf_counter() - start >= 0.06
    # An answer delayed by an earlier test's timeout fault may be logged meanwhile: count ours.
    assert len([e for e in sim.request_log[entries_before:] if e.fault is None]) == 1
    sim.set_faults(FaultConfig())
