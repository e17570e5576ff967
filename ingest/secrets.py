"""The secret registry and the scrubber: no rendering of a token reaches a message or a file.

A token is registered once (cli.py when it checks the token variables, and every GitHubClient);
`scrub` then replaces every *rendering* of it in a text, not only the raw string, because
libraries quote what they print: `repr` escapes (`'\\n'`, `\\x07`, `\\u00e9`), JSON escapes
(`\\"`, `\\u0007`), URL encoding (`%0A`, `+`), a bytes repr, and these nested one level (a repr
inside a JSON string). A token that spans lines or holds other control characters is also
registered by each of its long printable parts, so a message that shows one line of it does
not show that line. config.py refuses such tokens at start (exit 2); this is the second wall.

Every sink goes through `scrub`: exception messages (`IngestError`), log lines
(`ingest.logs.ScrubbingFormatter`), run events (their errors are exception messages), and
cli.py's error output.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_PART = 6
"""Shortest printable part of a multi-line token that is registered on its own."""

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_pattern: re.Pattern[str] | None = None


def _repr_inner(text: str) -> str:
    return repr(text)[1:-1]


def _ascii_inner(text: str) -> str:
    return ascii(text)[1:-1]


def _json_inner(text: str) -> str:
    return json.dumps(text)[1:-1]


def _json_unicode_inner(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _bytes_inner(text: str) -> str:
    return repr(text.encode("utf-8", "surrogatepass"))[2:-1]


def _url(text: str) -> str:
    return quote(text, safe="")


def _url_plus(text: str) -> str:
    return quote_plus(text, safe="")


def _url_path(text: str) -> str:
    return quote(text)


_ESCAPES = (
    _repr_inner,
    _ascii_inner,
    _json_inner,
    _json_unicode_inner,
    _bytes_inner,
    _url,
    _url_plus,
    _url_path,
)
"""The ways a library may print a string inside another text."""


def renderings(secret: str) -> set[str]:
    """Every form of `secret` that `scrub` removes (escaped, quoted, encoded, nested once)."""
    found = {secret}
    for escape in _ESCAPES:
        once = escape(secret)
        found.add(once)
        found.update(again(once) for again in _ESCAPES)
    found.update(part for part in re.split(r"[^\x21-\x7e]+", secret) if len(part) >= MIN_PART)
    found.update(p.lower() for p in list(found) if "%" in p)  # %0a as well as %0A
    return {r for r in found if r}


def register_secret(secret: str) -> None:
    """Remember a secret so that `scrub` removes every rendering of it from every text."""
    global _pattern  # noqa: PLW0603 - one registry per process, rebuilt when it grows
    if not secret:
        return
    with _LOCK:
        if secret in _SECRETS:
            return
        _SECRETS.add(secret)
        forms = set().union(*(renderings(s) for s in _SECRETS))
        ordered = sorted(forms, key=len, reverse=True)  # longest first: no partial leftovers
        _pattern = re.compile("|".join(re.escape(f) for f in ordered))


def scrub(text: str) -> str:
    """Return `text` with every rendering of every registered secret replaced by `***`."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)
