"""The two HTTP servers (API and report downloads): sockets, faults, latency, the request log."""

from __future__ import annotations

import datetime as dt
import email.utils
import http.server
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from sim.app import App, dumps
from sim.downloads import ReportFiles, Signer, blob_error
from sim.faults import Faults
from sim.ids import h64
from sim.messages import Reply, Request
from sim.ratelimit import Bucket

if TYPE_CHECKING:
    from sim.config import Clock
    from sim.gql.endpoint import GraphQLEndpoint

SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID {rid}."
)
SECONDARY_DOCS = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
GATEWAY_PAGE = (
    "<html><head><title>{code}</title></head>"
    "<body><h1>{code}</h1><p>GitHub is having trouble.</p></body></html>"
)


@dataclass(frozen=True)
class LogEntry:
    """One request as the simulator saw it."""

    server: str  # api | downloads
    host: str
    port: int
    method: str
    path: str
    query: str
    status: int  # 0 when the connection was reset or timed out
    charged: bool
    had_authorization: bool
    if_none_match: str | None
    fault: str | None
    at: float
    points: int = 0
    """GraphQL points the request was charged (REST requests: 0, see `charged`)."""


class RequestLog:
    """A thread-safe list of LogEntry."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def add(self, entry: LogEntry) -> None:
        """Append an entry."""
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[LogEntry]:
        """A copy of the entries so far."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget all entries."""
        with self._lock:
            self._entries.clear()


@dataclass
class Services:
    """What the handlers need."""

    app: App
    faults: Faults
    log: RequestLog
    clock: Clock
    latency_ms: int
    signer: Signer
    files: ReportFiles
    counter: list[int]
    lock: threading.Lock
    graphql: GraphQLEndpoint | None = None

    def request_id(self) -> str:
        """A GitHub-like request id, e.g. `C0DE:1A2B:3C4D5E:6F7A8B:65A1B2C3`."""
        with self.lock:
            self.counter[0] += 1
            n = self.counter[0]
        v = h64("rid", n)
        head = f"{v >> 48 & 0xFFFF:04X}:{v >> 32 & 0xFFFF:04X}:{v & 0xFFFFFF:06X}"
        return f"{head}:{n:07X}:{int(self.clock()):08X}"


class _Base(http.server.BaseHTTPRequestHandler):
    server_version = "github.com"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: with Nagle on, every answer would wait for the
    # client's delayed ACK (~40 ms on Linux loopback).
    disable_nagle_algorithm = True
    services: Services
    kind = "api"

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr logging."""

    def version_string(self) -> str:
        """The `Server` header."""
        return self.server_version

    def _log(
        self, status: int, *, charged: bool = False, fault: str | None = None, points: int = 0
    ) -> None:
        parts = urlsplit(self.path)
        address = self.server.server_address
        host, port = (address[0], address[1]) if isinstance(address, tuple) else (str(address), 0)
        self.services.log.add(
            LogEntry(
                server=self.kind,
                host=self.headers.get("Host", str(host)),
                port=int(port),
                method=self.command,
                path=parts.path,
                query=parts.query,
                status=status,
                charged=charged,
                had_authorization="Authorization" in self.headers,
                if_none_match=self.headers.get("If-None-Match"),
                fault=fault,
                at=self.services.clock(),
                points=points,
            )
        )

    def _fault(self) -> str | None:
        """Apply latency, then a socket-level fault if one is drawn; returns the fault kind."""
        svc = self.services
        delay = svc.latency_ms + svc.faults.config.latency_ms
        if delay > 0:
            time.sleep(delay / 1000)
        fault = svc.faults.pick(urlsplit(self.path).path, f"{self.kind} {self.command} {self.path}")
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self._log(0, fault=fault)
            self.connection.close()
        elif fault == "timeout":
            time.sleep(svc.faults.config.timeout_s)
            self.close_connection = True
            self._log(0, fault=fault)
        return fault

    def _send(
        self, status: int, body: bytes | None, headers: dict[str, str], *, truncate: bool = False
    ) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        data = body or b""
        if status not in (204, 304):
            self.send_header(
                "Content-Length", str(len(data) + (len(data) // 2 + 7 if truncate else 0))
            )
        self.end_headers()
        if truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if status not in (204, 304):
            self.wfile.write(data)

    def _date(self) -> str:
        return email.utils.formatdate(self.services.clock(), usegmt=True)


class ApiHandler(_Base):
    """Serves the REST API."""

    kind = "api"

    def do_GET(self) -> None:
        """Handle a GET."""
        fault = self._fault()
        if fault in ("reset", "timeout"):
            return
        svc = self.services
        rid = svc.request_id()
        if fault in ("500", "502", "503", "secondary_403", "secondary_429"):
            self._send_fault(fault, rid)
            return
        if fault is not None and fault.startswith("gql_"):
            fault = None  # GraphQL-only faults (sim/gql/endpoint.py)
        req = self._request()
        outcome = svc.app.handle(req)
        headers = self._headers(req, outcome.reply, outcome.bucket, rid)
        body = outcome.reply.raw
        if body is None and outcome.reply.body is not None:
            body = dumps(outcome.reply.body).replace(b"{request_id}", rid.encode())
        self._log(outcome.reply.status, charged=outcome.charged, fault=fault)
        self._send(outcome.reply.status, body, headers, truncate=fault == "truncate")

    def do_POST(self) -> None:
        """`POST /graphql` (sim/gql/endpoint.py); every other POST: 404 (read-only)."""
        if urlsplit(self.path).path == "/graphql" and self.services.graphql is not None:
            self._graphql(self.services.graphql)
            return
        self._log(404)
        self._send(
            404,
            dumps(
                {
                    "message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest",
                    "status": "404",
                }
            ),
            {"Content-Type": "application/json; charset=utf-8"},
        )

    def _graphql(self, endpoint: GraphQLEndpoint) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size) if size > 0 else b""
        fault = self._fault()
        if fault in ("reset", "timeout"):
            return
        rid = self.services.request_id()
        if fault in ("500", "502", "503", "secondary_403", "secondary_429"):
            self._send_fault(fault, rid)
            return
        reply = endpoint.handle(self.headers.get("Authorization") or "", raw, rid, fault)
        headers = {"Date": self._date(), "Server": "github.com", **reply.headers}
        headers["X-GitHub-Request-Id"] = rid
        self._log(reply.status, charged=False, fault=fault, points=reply.points)
        self._send(reply.status, reply.body, headers, truncate=fault == "truncate")

    def _request(self) -> Request:
        parts = urlsplit(self.path)
        items = parse_qsl(parts.query, keep_blank_values=True)
        path = canonical_path(self.services.app, parts.path.rstrip("/") or "/")
        return Request("GET", path, dict(items), items, self.headers, link_path=parts.path)  # type: ignore[arg-type]

    def _headers(
        self, req: Request, reply: Reply, bucket: Bucket | None, rid: str
    ) -> dict[str, str]:
        headers: dict[str, str] = {"Date": self._date(), "Server": "github.com"}
        if reply.status != 204:
            headers["Content-Type"] = reply.content_type
        headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
        headers["Vary"] = (
            "Accept, Authorization, Cookie, X-GitHub-OTP,Accept-Encoding, Accept, X-Requested-With"
        )
        if req.token is not None:
            headers["X-OAuth-Scopes"] = ", ".join(req.token.scopes)
            expiry = req.token.expiration_header()
            if expiry:
                headers["GitHub-Authentication-Token-Expiration"] = expiry
        headers.update(reply.headers)
        if bucket is not None:
            headers.update(bucket.headers())
        headers["X-GitHub-Api-Version-Selected"] = req.version
        headers["X-GitHub-Media-Type"] = "github.v3; format=json"
        headers["X-GitHub-Request-Id"] = rid
        return headers

    def _send_fault(self, fault: str, rid: str) -> None:
        svc = self.services
        headers = {"Date": self._date(), "Server": "github.com", "X-GitHub-Request-Id": rid}
        if fault.startswith("secondary"):
            status = 403 if fault == "secondary_403" else 429
            body = dumps(
                {
                    "message": SECONDARY_MESSAGE.format(rid=rid),
                    "documentation_url": SECONDARY_DOCS,
                    "status": str(status),
                }
            )
            headers["Content-Type"] = "application/json; charset=utf-8"
            if svc.faults.with_retry_after(self.path):
                headers["Retry-After"] = str(svc.faults.config.retry_after_s)
        elif fault == "500":
            status, body = 500, dumps({"message": "Server Error"})
            headers["Content-Type"] = "application/json; charset=utf-8"
        else:
            status = int(fault)
            phrase = "Bad Gateway" if status == 502 else "Service Unavailable"
            body = GATEWAY_PAGE.format(code=f"{status} {phrase}").encode()
            headers["Content-Type"] = "text/html"
        self._log(status, fault=fault)
        self._send(status, body, headers)


class DownloadHandler(_Base):
    """Serves report files at signed URLs; refuses requests that carry Authorization."""

    kind = "downloads"

    def do_GET(self) -> None:
        """Handle a GET."""
        fault = self._fault()
        if fault in ("reset", "timeout"):
            return
        svc = self.services
        rid = svc.request_id().lower()
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        headers = {
            "Date": self._date(),
            "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
            "x-ms-request-id": rid,
            "x-ms-version": "2025-05-05",
        }
        status, body = self._answer(parts.path, query, rid, headers)
        self._log(status, fault=fault)
        self._send(status, body, headers, truncate=fault == "truncate" and status == 200)

    def _answer(
        self, path: str, query: dict[str, str], rid: str, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        svc = self.services
        now = svc.clock()
        headers["Content-Type"] = "application/xml"
        if "Authorization" in self.headers:
            msg = (
                "Authentication information is not given in the correct format. "
                "Check the value of Authorization header."
            )
            return 403, blob_error("InvalidAuthenticationInfo", msg, rid, now)
        verdict = svc.signer.check(path, query)
        if verdict == "expired":
            current = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            msg = (
                "Signature not valid in the specified time frame: "
                f"Expiry [{query.get('se')}] - Current [{current}]"
            )
            return 403, blob_error("AuthenticationFailed", msg, rid, now)
        if verdict == "bad":
            msg = (
                "Server failed to authenticate the request. Make sure the value of Authorization "
                "header is formed correctly including the signature."
            )
            return 403, blob_error("AuthenticationFailed", msg, rid, now)
        content = svc.files.content(path)
        if content is None:
            return 404, blob_error("BlobNotFound", "The specified blob does not exist.", rid, now)
        headers["Content-Type"] = "application/octet-stream"
        headers["ETag"] = '"0x8DD' + f"{h64('blob', path) & 0xFFFFFFFFFFFF:012X}" + '"'
        headers["x-ms-blob-type"] = "BlockBlob"
        return 200, content


def canonical_path(app: App, path: str) -> str:
    """Map GitHub's id-based paths (/repositories/{id}/…, /organizations/{id}/…) to named ones."""
    parts = path.split("/")
    world = app.state.world
    if len(parts) > 2 and parts[1] == "repositories" and parts[2].isdigit():
        repo = world.repos_by_id.get(int(parts[2]))
        if repo is not None:
            return "/".join(["", "repos", repo.org.login, repo.name, *parts[3:]])
    if (
        len(parts) > 3
        and parts[1] == "organizations"
        and parts[2].isdigit()
        and parts[3] != "settings"
    ):
        org = next((o for o in world.orgs.values() if o.id == int(parts[2])), None)
        if org is not None:
            return "/".join(["", "orgs", org.login, *parts[3:]])
    return path


class Server(http.server.ThreadingHTTPServer):
    """A threading HTTP server whose handler threads die with the process."""

    daemon_threads = True
    allow_reuse_address = True


def start_server(
    handler: type[_Base], services: Services, host: str, port: int
) -> tuple[Server, threading.Thread]:
    """Start a server on a thread; port 0 picks a free one."""
    bound = type(handler.__name__, (handler,), {"services": services})
    server = Server((host, port), bound)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name=f"sim-{handler.kind}", daemon=True
    )
    thread.start()
    return server, thread
