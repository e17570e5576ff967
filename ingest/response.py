"""One HTTP answer as the client received and the archive keeps it (shared by the client and its
errors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One answer, as archived: body exactly as received."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | None
    elapsed_ms: int
    request_headers: dict[str, str]
    fetched_at: str

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        if not self.body:
            return None
        return orjson.loads(self.body)
