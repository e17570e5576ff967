"""GitHub's published GraphQL schema, built once per process, and query validation against it.

The schema (`schema.graphql`, from the npm package `@octokit/graphql-schema` 15.26.1, MIT,
`LICENSE.md`) breaks two type-system rules (a duplicated `EnterpriseOwnerInfo` field, deprecated
implementations of non-deprecated interface fields), so graphql-core refuses to validate queries
against it until its cached type-system errors are cleared; queries are then checked exactly as
GitHub checks them. Building takes ~1 s: it happens on the first query, not at start-up.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources

from graphql import DocumentNode, GraphQLError, GraphQLSchema, build_schema, parse, validate

_LOCK = threading.Lock()


@functools.cache
def _schema() -> GraphQLSchema:
    text = resources.files("sim.gql").joinpath("schema.graphql").read_text(encoding="utf-8")
    schema = build_schema(text, assume_valid_sdl=True)
    # The two known defects of the published SDL (module docstring) are not the query's fault.
    schema._validation_errors = []
    return schema


def schema() -> GraphQLSchema:
    """The schema (built on first use, shared by all threads)."""
    with _LOCK:
        return _schema()


@functools.lru_cache(maxsize=256)
def check(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
    """Parse and validate a query: (document, ()) or (None / document, errors).

    Cached by text: a client sends the same few queries with different variables."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (exc,)
    errors = validate(schema(), document)
    return document, tuple(errors)
