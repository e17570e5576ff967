"""REST API versions: 2022-11-28 (default) and 2026-03-10, whose breaking changes remove fields."""

from __future__ import annotations

from typing import Any

DEFAULT_VERSION = "2022-11-28"
SUPPORTED = ("2022-11-28", "2026-03-10")
_REMOVED_EVERYWHERE = frozenset(
    {"has_downloads", "use_squash_pr_title_as_default", "master_branch", "merge_commit_sha"}
)


def apply_version(body: Any, version: str, *, rate_limit: bool = False) -> Any:
    """Shape a body for the requested version (2026-03-10 drops the fields of its changesets)."""
    if version != "2026-03-10":
        return body
    if rate_limit and isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "rate"}
    return _strip(body)


def _strip(value: Any) -> Any:
    if isinstance(value, list):
        return [_strip(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in _REMOVED_EVERYWHERE or (key == "assignee" and "assignees" in value):
            continue
        out[key] = _strip(item)
    return out
