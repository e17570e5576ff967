"""Splitting a rebuild into shares that worker processes compute side by side.

Repository events are dealt to shares by a stable hash (crc32) of (enterprise_id, repo), so every
event about one repository lands in the same share and each share computes its repositories'
rows exactly as a single pass would (the per-repo definitions are pure, see `delivery`). Events
that name no single repository's items — `org.repos` listings (default branches) and bodiless 304
re-confirmations — go to every share; a share simply ignores what it has no use for. Every other
family (Copilot, seats, premium, runs: a few % of the events) is computed by share 0 alone.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from archive import kinds

Keep = Callable[[Mapping[str, Any]], bool]
"""Decides from an envelope dict (before its body is parsed) whether a share needs the event."""


def repo_name(repo: str | None, org: str | None, request: Mapping[str, Any] | None) -> str:
    """The `org/name` an event's scope names (envelope `repo`, else `org` + request params).

    Interned: every entity of a repository keys on it, so one copy serves them all."""
    name = repo or ""
    if "/" not in name:
        params = (request or {}).get("params") or {}
        owner = org or str(params.get("owner", ""))
        name = f"{owner}/{name or str(params.get('repo', ''))}"
    return sys.intern(name)


@dataclass(frozen=True, slots=True)
class Share:
    """Share `index` of `count`."""

    index: int
    count: int

    def keeps(self, env: Mapping[str, Any]) -> bool:
        """Whether this share needs the repository event `env`."""
        if self.count == 1 or env.get("kind") == kinds.ORG_REPOS:
            return True
        response = env.get("response") or {}
        if response.get("status") == 304:
            return True
        repo = repo_name(env.get("repo"), env.get("org"), env.get("request"))
        key = f"{env.get('enterprise_id') or ''}\0{repo}".encode()
        return zlib.crc32(key) % self.count == self.index


WHOLE = Share(0, 1)
"""The single share of a one-process rebuild."""
