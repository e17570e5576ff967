"""What each endpoint needs, for error messages, and which token scopes ghmc does not need.

The scope texts come from the endpoints' documentation (`access_and_scopes_from_description` in
`../shared/github-api/endpoints.json`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DOCUMENTED: tuple[tuple[str, str], ...] = (
    (
        r"^/enterprises/\{enterprise\}/copilot/metrics/",
        "`manage_billing:copilot` or `read:enterprise` (classic PAT; enterprise owner, billing "
        "manager or 'View Enterprise Copilot Metrics'), and the Copilot usage metrics policy on",
    ),
    (
        r"^/orgs/\{org\}/copilot/metrics/",
        "`read:org` (classic PAT; organization owner or 'View Organization Copilot Metrics'), and "
        "the Copilot usage metrics policy on",
    ),
    (
        r"^/orgs/\{org\}/copilot/billing",
        "`manage_billing:copilot` or `read:org` (organization owner)",
    ),
    (
        r"^/enterprises/\{enterprise\}/copilot/billing",
        "`manage_billing:copilot` or `read:enterprise` (enterprise owner or billing manager)",
    ),
    (
        r"^/enterprises/\{enterprise\}/settings/billing/",
        "`manage_billing:enterprise` (classic PAT of an enterprise admin or billing manager; set "
        "billing_token_env if the main token cannot read billing)",
    ),
    (r"^/orgs/\{org\}/repos", "`read:org` and `repo` (to see private repositories)"),
    (r"^/repos/", "`repo` (read access to the repository)"),
)

NEEDED_SCOPES = frozenset(
    {
        "repo",
        "read:org",
        "read:enterprise",
        "manage_billing:copilot",
        "manage_billing:enterprise",
        "read:user",
        "user:email",
    }
)
"""Scopes ghmc may use; any write/admin scope beyond these is warned about."""


def documented_scope(path_template: str) -> str:
    """The documented scope/role an endpoint needs, as a sentence fragment."""
    for pattern, text in _DOCUMENTED:
        if re.search(pattern, path_template):
            return text
    return "a scope or role that grants read access to this endpoint"


def probable_missing_scope(path_template: str, headers: dict[str, str]) -> str:
    """Name the scope that is probably missing, preferring what GitHub's headers say."""
    accepted = _split(headers.get("x-accepted-oauth-scopes", ""))
    have = _split(headers.get("x-oauth-scopes", ""))
    if accepted and not (accepted & have):
        names = " or ".join(f"`{s}`" for s in sorted(accepted))
        return f"the token lacks {names} (GitHub accepts: {', '.join(sorted(accepted))})"
    return f"the token probably lacks {documented_scope(path_template)}"


def excess_scopes(headers: dict[str, str]) -> list[str]:
    """Write/admin scopes the token carries that ghmc does not need (from X-OAuth-Scopes)."""
    have = _split(headers.get("x-oauth-scopes", ""))
    return sorted(s for s in have if s not in NEEDED_SCOPES and not s.startswith("read:"))


def expiry_warning(headers: dict[str, str], now: float, days: int = 14) -> str | None:
    """A warning when GitHub-Authentication-Token-Expiration is within `days` days."""
    raw = headers.get("github-authentication-token-expiration")
    if not raw:
        return None
    expires = parse_expiration(raw)
    if expires is None:
        return None
    left = expires.timestamp() - now
    if left > days * 86400:
        return None
    when = expires.strftime("%Y-%m-%d %H:%M UTC")
    if left <= 0:
        return f"the token expired on {when}"
    return f"the token expires on {when} (in {left / 86400:.1f} days): renew it"


def parse_expiration(raw: str) -> datetime | None:
    """Parse GitHub's expiration header ('2026-12-01 10:00:00 UTC' or with a numeric offset)."""
    text = raw.strip()
    for fmt in ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            parsed = datetime.strptime(text.replace("Z", "+0000"), fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _split(value: str) -> set[str]:
    return {s.strip() for s in value.split(",") if s.strip()}
