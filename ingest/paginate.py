"""Pagination by the `Link` header only: follow rel="next" until there is none."""

from __future__ import annotations

import re

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")
_REL = re.compile(r'rel="?([^";]+)"?')


def parse_link(header: str | None) -> dict[str, str]:
    """Parse an RFC 8288 Link header into {rel: url}; several rels on one link are all kept."""
    links: dict[str, str] = {}
    if not header:
        return links
    for match in _LINK.finditer(header):
        url, params = match.group(1), match.group(2)
        for rel_match in _REL.finditer(params):
            for rel in rel_match.group(1).split():
                links.setdefault(rel, url)
    return links


def next_url(header: str | None) -> str | None:
    """The rel="next" URL of a Link header, or None on the last page."""
    return parse_link(header).get("next")
