"""The errors of `ingest`, one small hierarchy; driver exceptions never leave the package.

```
IngestError                     base of everything ingest raises
├── RequestError                a request got no useful answer (carries status, endpoint)
│   ├── AuthFailed              401: the token is invalid or expired (stops the enterprise's run)
│   ├── PermissionDenied        403/404 that is no rate limit: missing scope or role (no retry)
│   ├── LinkExpired             a signed report download URL has expired (links re-requested)
│   └── RetriesExhausted        5xx, resets, timeouts, truncated or non-JSON bodies, rate
│                               limits still failing after the retry policy's attempts
├── PartialCollection           the run stored everything it could but some requests failed (exit 3)
└── CollectionFailed            nothing could be collected, e.g. a bad token (exit 1)
Interrupted (BaseException)     Ctrl-C: enterprise threads stop before their next request
```

Messages never contain a token: `scrub` (ingest.secrets) removes every rendering of every
registered secret from any text before it is put in an exception, a log line or an event.
"""

from __future__ import annotations

from ingest.response import HttpResponse
from ingest.secrets import scrub


class Interrupted(BaseException):
    """The run was asked to stop (Ctrl-C in the main thread); enterprise threads end at once."""


class IngestError(Exception):
    """Base of every error raised by `ingest`."""

    def __init__(self, message: str) -> None:
        super().__init__(scrub(message))

    @property
    def message(self) -> str:
        """The scrubbed message."""
        return str(self.args[0]) if self.args else ""


class RequestError(IngestError):
    """A request failed; `status` is the last HTTP status (None when no response arrived)."""

    error_type = "request"

    def __init__(self, message: str, *, status: int | None = None, endpoint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint
        self.response: HttpResponse | None = None


class AuthFailed(RequestError):  # noqa: N818 - an outcome named for what happened
    """401: the token was refused; every later request of the run would fail the same way."""

    error_type = "auth"


class PermissionDenied(RequestError):  # noqa: N818 - GitHub's own wording
    """403/404 that is a permission problem (missing scope, role or policy); not retried."""

    error_type = "permission"


class LinkExpired(RequestError):  # noqa: N818 - an outcome
    """A signed download link was refused as expired; the report's links must be re-requested."""

    error_type = "link_expired"


class RetriesExhausted(RequestError):  # noqa: N818 - an outcome
    """A transient failure (5xx, reset, timeout, truncated body, rate limit) outlived retries."""

    error_type = "retries_exhausted"


class PartialCollection(IngestError):  # noqa: N818 - an outcome, not an error (exit 3)
    """Some requests failed after retries; everything else is stored and the next run resumes."""


class CollectionFailed(IngestError):  # noqa: N818 - an outcome
    """Nothing could be collected (for example the token was refused)."""
