"""A GET route: path pattern, handler and the classic scopes it accepts (the route table is in
`sim.routes`; the app that runs it in `sim.app`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.messages import Reply, Request

if TYPE_CHECKING:
    from sim.app import App

Handler = Callable[["App", Request, dict[str, str]], Reply]


@dataclass(frozen=True)
class Route:
    """A GET route: path pattern, handler, and the classic scopes it accepts."""

    pattern: re.Pattern[str]
    handler: Handler
    scopes: tuple[str, ...]
    charged: bool = True


def route(
    path: str, handler: Handler, scopes: tuple[str, ...] = (), *, charged: bool = True
) -> Route:
    """Compile `/repos/{owner}/{repo}` into a Route."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
    return Route(re.compile(f"^{regex}$"), handler, scopes, charged)
