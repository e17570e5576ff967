"""The event envelope: one archived API response (or run marker) with its fetch metadata.

An `Event` is a frozen record. Its JSON form is one line of a segment file; field names are stable
and `v` is the envelope version. The body is kept exactly as received: valid UTF-8 as text
(`body_encoding = "utf-8"`), anything else as base64 (`body_encoding = "base64"`), and
`body_sha256`/`body_size` always describe the received bytes, so an auditor can re-check the hash.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ENVELOPE_VERSION = 1

JSONObject = dict[str, Any]
"""A decoded JSON object (request/response metadata, refs, error)."""


@dataclass(frozen=True, slots=True)
class Event:
    """One archived event; see design §3 for the meaning of each field."""

    seq: int
    event_id: str
    run_id: str
    kind: str
    fetched_at: str
    enterprise_id: str | None
    org: str | None
    repo: str | None
    request: JSONObject
    response: JSONObject
    body_sha256: str | None
    body_size: int
    body: str | None
    body_encoding: str | None
    refs: JSONObject = field(default_factory=dict)
    error: JSONObject | None = None
    v: int = ENVELOPE_VERSION

    def body_bytes(self) -> bytes | None:
        """Return the body exactly as it was received, or None for a bodiless event."""
        return decode_body(self.body, self.body_encoding)

    def to_dict(self) -> JSONObject:
        """Return the envelope as a JSON-ready dict with the stable field order."""
        return {
            "v": self.v,
            "seq": self.seq,
            "event_id": self.event_id,
            "run_id": self.run_id,
            "kind": self.kind,
            "fetched_at": self.fetched_at,
            "enterprise_id": self.enterprise_id,
            "org": self.org,
            "repo": self.repo,
            "request": self.request,
            "response": self.response,
            "body_sha256": self.body_sha256,
            "body_size": self.body_size,
            "body_encoding": self.body_encoding,
            "refs": self.refs,
            "error": self.error,
            "body": self.body,
        }

    @classmethod
    def from_dict(cls, data: JSONObject) -> Event:
        """Build an event from its decoded JSON form (upcasting older versions, once any exist)."""
        return cls(
            v=int(data["v"]),
            seq=int(data["seq"]),
            event_id=str(data["event_id"]),
            run_id=str(data["run_id"]),
            kind=str(data["kind"]),
            fetched_at=str(data["fetched_at"]),
            enterprise_id=data.get("enterprise_id"),
            org=data.get("org"),
            repo=data.get("repo"),
            request=data.get("request") or {},
            response=data.get("response") or {},
            body_sha256=data.get("body_sha256"),
            body_size=int(data.get("body_size") or 0),
            body=data.get("body"),
            body_encoding=data.get("body_encoding"),
            refs=data.get("refs") or {},
            error=data.get("error"),
        )


def encode_body(raw: bytes | None) -> tuple[str | None, str | None]:
    """Return (text, encoding) storing `raw` losslessly: UTF-8 text when valid, else base64."""
    if raw is None:
        return None, None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), "base64"


def decode_body(text: str | None, encoding: str | None) -> bytes | None:
    """Invert `encode_body`."""
    if text is None:
        return None
    if encoding == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def body_digest(raw: bytes | None) -> tuple[str | None, int]:
    """Return (sha256 hex, size) of the body as received; (None, 0) for no body."""
    if raw is None:
        return None, 0
    return hashlib.sha256(raw).hexdigest(), len(raw)


_FETCHED_AT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


def make_event_id(
    run_id: str, seq: int, kind: str, fetched_at: str, body_sha256: str | None
) -> str:
    """Return the stable id of an event: 32 hex of sha256 over what makes it unique."""
    text = f"ghmc-event:1\n{run_id}\n{seq}\n{kind}\n{fetched_at}\n{body_sha256 or '-'}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def format_fetched_at(value: str | datetime) -> str:
    """Return `value` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC); refuse naive times and other text."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("fetched_at must be timezone-aware (UTC)")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if not _FETCHED_AT_RE.fullmatch(value):
        raise ValueError(f"fetched_at {value!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return value
