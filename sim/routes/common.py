"""Helpers shared by the routes: lookups with GitHub's 404s, pagination replies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sim.messages import Reply, Request, not_found
from sim.pagination import last_page, link_header, page_params, page_slice
from sim.world import Org, Repo

if TYPE_CHECKING:
    from sim.app import App

T = TypeVar("T")


def find_repo(app: App, req: Request, params: dict[str, str]) -> Repo | None:
    """The repository of the path, if the token's enterprise owns it."""
    repo = app.state.world.repo(params["owner"], params["repo"])
    if repo is None or req.token is None or repo.enterprise != req.token.enterprise:
        return None
    return repo


def find_org(app: App, req: Request, login: str) -> Org | None:
    """The org, if it belongs to the token's enterprise."""
    org = app.state.world.org(login)
    if org is None or req.token is None or org.enterprise != req.token.enterprise:
        return None
    return org


def find_enterprise(app: App, req: Request, slug: str) -> str | None:
    """The enterprise slug, if the token belongs to it."""
    if (
        req.token is None
        or slug.lower() != req.token.enterprise
        or slug.lower() not in app.state.world.enterprises
    ):
        return None
    return slug.lower()


def link_url(app: App, req: Request) -> str:
    """The URL GitHub puts in Link headers: /repositories/{id}/… and /organizations/{id}/…."""
    parts = req.path.split("/")
    world = app.state.world
    if len(parts) > 3 and parts[1] == "repos":
        repo = world.repo(parts[2], parts[3])
        if repo is not None:
            return f"{app.state.api_url}/repositories/{repo.id}/" + "/".join(parts[4:])
    if len(parts) > 2 and parts[1] == "orgs":
        org = world.org(parts[2])
        if org is not None:
            return f"{app.state.api_url}/organizations/{org.id}/" + "/".join(parts[3:])
    return app.state.api_url + req.path


def paged(
    app: App,
    req: Request,
    items: Sequence[T],
    render: Callable[[T], Any],
    *,
    default: int = 30,
    cap: int | None = None,
    wrap: Callable[[list[Any]], Any] | None = None,
) -> Reply:
    """One page of `items`, rendered, with the Link header; `cap` limits reachable results."""
    page, per_page = page_params(req.query, default)
    reachable = items if cap is None else items[:cap]
    body: Any = [render(item) for item in page_slice(reachable, page, per_page)]
    if wrap is not None:
        body = wrap(body)
    reply = Reply(200, body)
    link = link_header(
        link_url(app, req), req.query_items, page, last_page(len(reachable), per_page)
    )
    if link:
        reply.headers["Link"] = link
    return reply


def missing() -> Reply:
    """404 for a resource the token cannot see."""
    return not_found()
