"""Request and reply records shared by the API app, the routes and the servers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.tokens import Token

DOCS = "https://docs.github.com/rest"


@dataclass
class Request:
    """A parsed API request."""

    method: str
    path: str  # canonical path (/repos/{owner}/{repo}/…)
    query: dict[str, str]
    query_items: list[tuple[str, str]]
    headers: Mapping[str, str]
    link_path: str = ""  # path to use in Link headers (GitHub's /repositories/{id}/… form)
    token: Token | None = None
    version: str = "2022-11-28"


@dataclass
class Reply:
    """What a route answers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


def error(status: int, message: str, documentation_url: str = DOCS, **extra: Any) -> Reply:
    """GitHub's error body: message, documentation_url and status (a string)."""
    body: dict[str, Any] = {"message": message, **extra, "documentation_url": documentation_url}
    body["status"] = str(status)
    return Reply(status, body)


def not_found() -> Reply:
    """404 Not Found, as GitHub answers for anything unknown or hidden."""
    return error(404, "Not Found")


def validation_failed(field_name: str, resource: str) -> Reply:
    """422 Validation Failed for an invalid parameter value."""
    errors = [{"resource": resource, "field": field_name, "code": "invalid"}]
    return error(422, "Validation Failed", "https://docs.github.com/rest", errors=errors)
