"""Configuration of the simulator: world scale, faults, limits, clock."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]
"""Epoch seconds; the simulator never reads the wall clock except through this."""

FAULT_KINDS = (
    "500",
    "502",
    "503",
    "reset",
    "timeout",
    "truncate",
    "secondary_403",
    "secondary_429",
)
GRAPHQL_FAULT_KINDS = ("gql_partial", "gql_rate_limited", "gql_timeout")
"""Faults only `POST /graphql` answers (sim/gql/endpoint.py); other paths ignore them."""


@dataclass(frozen=True)
class Scale:
    """How big the generated world is."""

    enterprises: int
    orgs_per_enterprise: int
    repos_per_org: int
    humans_per_enterprise: int
    days: int
    teams_per_org: int
    prs_per_repo_day: float


SCALES: dict[str, Scale] = {
    "small": Scale(2, 2, 3, 10, 30, 2, 1.2),
    "medium": Scale(2, 3, 20, 100, 90, 4, 0.8),
    "large": Scale(2, 5, 200, 1000, 365, 10, 0.35),
}


@dataclass(frozen=True)
class FaultConfig:
    """Injected failures, chosen deterministically from (seed, request key, attempt).

    `rate` is the share of matching requests that fail; `patterns` are fnmatch patterns over
    the request path (both hosts); `kinds` are drawn uniformly from FAULT_KINDS members.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    patterns: tuple[str, ...] = ("*",)
    seed: int = 0
    timeout_s: float = 0.2
    retry_after_s: int = 1
    latency_ms: int = 0

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """Parse `rate=0.05,kinds=500|reset,patterns=/repos/*|/orgs/*,timeout_s=1`."""
        values: dict[str, Any] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key, _, raw = item.partition("=")
            if key in ("kinds", "patterns"):
                values[key] = tuple(raw.split("|"))
            elif key in ("rate", "timeout_s"):
                values[key] = float(raw)
            elif key in ("seed", "retry_after_s", "latency_ms"):
                values[key] = int(raw)
            else:
                msg = f"unknown fault option {key!r}"
                raise ValueError(msg)
        unknown = set(values.get("kinds", ())) - set(FAULT_KINDS) - set(GRAPHQL_FAULT_KINDS)
        if unknown:
            msg = f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULT_KINDS)}"
            raise ValueError(msg)
        return cls(**values)


@dataclass(frozen=True)
class SimConfig:
    """Everything that determines the simulator's behaviour."""

    seed: int = 1
    today: dt.date = field(default_factory=lambda: dt.date(2026, 11, 25))
    scale: str = "small"
    faults: FaultConfig = field(default_factory=FaultConfig)
    latency_ms: int = 0
    rate_limit: int = 5000
    rate_window_s: int = 3600
    graphql_points: int = 5000
    """GraphQL points per window and token (a user token's budget)."""
    graphql_points_per_minute: int = 2000
    link_ttl_s: int = 600
    clock: Clock = time.time
    host: str = "127.0.0.1"
    port: int = 0
    download_port: int = 0
    token_expiration: dt.datetime | None = None
