"""Signed, expiring report-file URLs (like blob-storage SAS links) and the files behind them.

The download host is a different host from the API (127.0.0.1 vs localhost) and refuses any
request that carries an Authorization header, as a client must never send its token there.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
from urllib.parse import urlencode

from sim.config import Clock
from sim.ids import sha1hex
from sim.reports import Record, Reports

SERVICE_VERSION = "2025-05-05"


class Signer:
    """HMAC-signs download paths with an expiry time."""

    def __init__(self, secret: bytes, clock: Clock, ttl_s: int) -> None:
        self.secret = secret
        self.clock = clock
        self.ttl_s = ttl_s

    def _sig(self, path: str, expiry: str) -> str:
        mac = hmac.new(self.secret, f"{path}\n{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def query(self, path: str) -> str:
        """The signed query string for a path."""
        expiry = dt.datetime.fromtimestamp(int(self.clock()) + self.ttl_s, dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        return urlencode(
            {"sv": SERVICE_VERSION, "sp": "r", "se": expiry, "sig": self._sig(path, expiry)}
        )

    def check(self, path: str, query: dict[str, str]) -> str:
        """`ok`, `expired` or `bad` (wrong or missing signature)."""
        expiry = query.get("se", "")
        given = query.get("sig", "")
        if not expiry or not hmac.compare_digest(given, self._sig(path, expiry)):
            return "bad"
        deadline = (
            dt.datetime.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
        )
        return "ok" if self.clock() < deadline else "expired"


def blob_error(code: str, message: str, request_id: str, when: float) -> bytes:
    """An error body the way blob storage writes it (XML)."""
    stamp = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")
    return (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{request_id}\nTime:{stamp}</Message></Error>"
    ).encode()


class ReportFiles:
    """Splits report records into NDJSON files, addressed by path."""

    def __init__(self, reports: Reports, records_per_file: int) -> None:
        self.reports = reports
        self.records_per_file = records_per_file
        self.files = functools.lru_cache(maxsize=2048)(self._files)
        self.index: dict[str, tuple[str, str, dt.date, dt.date, int]] = {}

    def _files(self, scope: str, kind: str, day: dt.date, served_on: dt.date) -> tuple[bytes, ...]:
        records = self._records(scope, kind, day, served_on)
        if not records:
            return ()
        size = self.records_per_file
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        return tuple(b"".join(_line(r) for r in chunk) for chunk in chunks)

    def _records(self, scope: str, kind: str, day: dt.date, served_on: dt.date) -> list[Record]:
        level, _, name = scope.partition(":")
        world = self.reports.world
        if level == "enterprise":
            enterprise, org = name, None
        else:
            org = name
            enterprise = world.orgs[name.lower()].enterprise
        if kind in ("enterprise-1-day", "organization-1-day"):
            return [self.reports.aggregate(enterprise, org, day, served_on)]
        if kind == "users-1-day":
            return self.reports.users(enterprise, org, day, served_on)
        if kind == "repos-1-day":
            return self.reports.repos(enterprise, org, day)
        return self.reports.user_teams(enterprise, org, day)

    def path(self, scope: str, kind: str, day: dt.date, served_on: dt.date, part: int) -> str:
        """The file path on the download host (opaque to clients); remembered for lookup."""
        key = sha1hex("report", scope, kind, day, served_on)[:16]
        path = f"/copilot-reports/{key}/{kind}/{day}/{served_on}/part-{part:04d}.ndjson"
        self.index[path] = (scope, kind, day, served_on, part)
        return path

    def content(self, path: str) -> bytes | None:
        """The bytes of a file, or None if no such file was ever linked."""
        entry = self.index.get(path)
        if entry is None:
            return None
        scope, kind, day, served_on, part = entry
        files = self.files(scope, kind, day, served_on)
        return files[part] if part < len(files) else None


def _line(record: Record) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
