"""The API application: version, authentication, rate limit, routing, scopes, ETags.

Framework-free: `App.handle(request)` returns a Reply and whether the request was charged; the
HTTP server (server.py) adds faults, latency and the socket work around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sim.config import Clock
from sim.downloads import ReportFiles, Signer
from sim.messages import Reply, Request, error, not_found
from sim.ratelimit import Bucket, RateLimiter
from sim.routes import ROUTES
from sim.routing import Route
from sim.state import State
from sim.tokens import Token, Tokens
from sim.versions import DEFAULT_VERSION, SUPPORTED, apply_version

RATE_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"


@dataclass
class Outcome:
    """A reply with its accounting."""

    reply: Reply
    charged: bool
    bucket: Bucket | None


class App:
    """Answers API requests from the simulator state."""

    def __init__(
        self,
        state: State,
        *,
        tokens: Tokens,
        limiter: RateLimiter,
        clock: Clock,
        files: ReportFiles,
        signer: Signer,
    ) -> None:
        self.files = files
        self.signer = signer
        self.state = state
        self.tokens = tokens
        self.limiter = limiter
        self.clock = clock
        self.routes = ROUTES

    def handle(self, req: Request) -> Outcome:
        """Run a request through version, auth, rate-limit, route and ETag checks."""
        version = req.headers.get("X-GitHub-Api-Version") or DEFAULT_VERSION
        if version not in SUPPORTED:
            supported = ", ".join(SUPPORTED)
            msg = f"Unsupported 'X-GitHub-Api-Version' value: {version}. Supported: {supported}."
            return Outcome(
                error(400, msg, "https://docs.github.com/rest/about-the-rest-api/api-versions"),
                False,
                None,
            )
        req.version = version
        token = self._authenticate(req)
        if isinstance(token, Reply):
            return Outcome(token, False, None)
        req.token = token
        matched = self._match(req.path)
        charged = matched is None or matched[0].charged
        bucket = self.limiter.peek(token.value)
        if charged and bucket.remaining <= 0:
            return Outcome(self._rate_limited(token), False, bucket)
        reply = self._dispatch(req, matched)
        reply.headers["X-Accepted-OAuth-Scopes"] = ", ".join(matched[0].scopes) if matched else ""
        if reply.status == 200 and reply.raw is None:
            reply = self._with_etag(req, reply)
        if reply.status == 304:
            return Outcome(reply, False, bucket)
        if charged:
            bucket = self.limiter.charge(token.value)
        return Outcome(reply, charged, bucket)

    def _authenticate(self, req: Request) -> Token | Reply:
        header = req.headers.get("Authorization") or ""
        scheme, _, value = header.strip().partition(" ")
        if not header:
            return error(401, "Requires authentication")
        token = self.tokens.lookup(value.strip()) if scheme.lower() in ("bearer", "token") else None
        if token is None or (
            token.expires_at is not None and token.expires_at.timestamp() <= self.clock()
        ):
            return error(401, "Bad credentials")
        return token

    def _match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for candidate in self.routes:
            m = candidate.pattern.match(path)
            if m:
                return candidate, m.groupdict()
        return None

    def _dispatch(self, req: Request, matched: tuple[Route, dict[str, str]] | None) -> Reply:
        if matched is None:
            return not_found()
        rt, params = matched
        assert req.token is not None
        if not req.token.has_any(rt.scopes):
            if "repo" in rt.scopes:
                return not_found()
            return error(
                403,
                "Resource not accessible by personal access token",
                "https://docs.github.com/rest/copilot",
            )
        reply = rt.handler(self, req, params)
        if reply.body is not None and reply.raw is None:
            reply.body = apply_version(
                reply.body, req.version, rate_limit=req.path == "/rate_limit"
            )
        return reply

    def _rate_limited(self, token: Token) -> Reply:
        user = self.state.world.users.get(token.login.lower())
        uid = user.id if user else 0
        stamp = dt.datetime.fromtimestamp(self.clock(), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        msg = (
            f"API rate limit exceeded for user ID {uid}. "
            "If you reach out to GitHub Support for help, "
            f"please include the request ID {{request_id}} and timestamp {stamp}."
        )
        return error(403, msg, RATE_DOCS)

    def _with_etag(self, req: Request, reply: Reply) -> Reply:
        raw = json.dumps(reply.body, separators=(",", ":"), ensure_ascii=False).encode()
        etag = 'W/"' + hashlib.sha256(raw + req.version.encode()).hexdigest() + '"'
        reply.raw = raw
        reply.headers["ETag"] = etag
        if _etag_matches(req.headers.get("If-None-Match") or "", etag):
            return Reply(
                304, None, {"ETag": etag, **{k: v for k, v in reply.headers.items() if k != "Link"}}
            )
        return reply


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison, as RFC 9110 prescribes for If-None-Match."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def dumps(body: Any) -> bytes:
    """Compact JSON, as GitHub sends it."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
