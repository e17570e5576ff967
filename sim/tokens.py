"""Personal access tokens (classic): scopes, expiry, and which enterprise they belong to."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from sim.ids import sha1hex

FULL_SCOPES = (
    "manage_billing:copilot",
    "manage_billing:enterprise",
    "read:enterprise",
    "read:org",
    "repo",
)
IMPLIED = {
    "admin:enterprise": (
        "manage_billing:enterprise",
        "read:enterprise",
        "manage_runners:enterprise",
    ),
    "admin:org": ("write:org", "read:org"),
    "write:org": ("read:org",),
}


@dataclass(frozen=True)
class Token:
    """A token and what it may do."""

    value: str
    enterprise: str
    login: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime | None

    def has_any(self, accepted: tuple[str, ...]) -> bool:
        """Whether one of the accepted scopes is granted (directly or implied)."""
        granted = set(self.scopes)
        for scope in self.scopes:
            granted.update(IMPLIED.get(scope, ()))
        return not accepted or bool(granted & set(accepted))

    def expiration_header(self) -> str | None:
        """`GitHub-Authentication-Token-Expiration` value, e.g. `2026-12-01 00:00:00 UTC`."""
        if self.expires_at is None:
            return None
        return self.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Tokens:
    """Issues distinctive, deterministic tokens (`ghp_sim…`) and looks them up."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.Lock()
        self._by_value: dict[str, Token] = {}

    def make(
        self, enterprise: str, login: str, scopes: tuple[str, ...], expires_at: dt.datetime | None
    ) -> str:
        """Create a token; the same arguments in the same order give the same token."""
        with self._lock:
            value = (
                "ghp_sim"
                + sha1hex(self.seed, enterprise, scopes, expires_at, len(self._by_value))[:33]
            )
            self._by_value[value] = Token(value, enterprise, login, scopes, expires_at)
            return value

    def lookup(self, value: str) -> Token | None:
        """The token, if it exists."""
        return self._by_value.get(value)
