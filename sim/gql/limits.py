"""GitHub's query limits and cost formula, checked on a validated query before it runs.

Facts (GitHub docs, "Rate limits and query limits for the GraphQL API"):
- every connection needs `first` or `last`, each 1..100; `nodes(ids:)` takes at most 100 ids;
- at most 500,000 nodes per query: each connection's limit times the limits of the connections
  (and the number of ids) it is nested in, added up;
- cost: the requests needed to fill every connection (each assumed to return its full limit),
  added up, divided by 100 and rounded to the nearest whole number; at least 1.

A connection is a field whose type is named `…Connection` (GitHub's convention). The ids of
`nodes(ids:)` multiply what is nested below them like a connection's limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

MAX_PAGE = 100
MAX_IDS = 100
MAX_NODES = 500_000


@dataclass
class Tally:
    """What a query asks for: requests (for the cost), nodes (for the cap), limit errors."""

    requests: int = 0
    nodes: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cost(self) -> int:
        """Points charged: requests / 100, rounded, at least 1."""
        return max(1, int(self.requests / 100 + 0.5))


def tally(
    schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any], operation: str | None
) -> Tally:
    """Count the cost and nodes of the operation; record limit violations as GitHub words them."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next((o for o in ops if operation is None or (o.name and o.name.value == operation)), None)
    out = Tally()
    if op is None or schema.query_type is None:
        return out
    walker = _Walker(schema, fragments, variables, out)
    walker.walk(schema.query_type, op.selection_set, 1)
    if out.nodes > MAX_NODES and not out.errors:
        out.errors.append(
            {
                "type": "MAX_NODE_LIMIT_EXCEEDED",
                "message": f"This query requests up to {out.nodes:,} possible nodes which "
                f"exceeds the maximum limit of {MAX_NODES:,}.",
            }
        )
    return out


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        out: Tally,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.out = out

    def walk(self, parent: Any, selection_set: SelectionSetNode | None, mult: int) -> None:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                self._field(parent, sel, mult)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                typ = self.schema.get_type(cond.name.value) if cond else parent
                self.walk(typ or parent, sel.selection_set, mult)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    typ = self.schema.get_type(frag.type_condition.name.value)
                    self.walk(typ or parent, frag.selection_set, mult)

    def _args(self, node: FieldNode) -> dict[str, Any]:
        return {
            a.name.value: value_from_ast_untyped(a.value, self.variables)
            for a in node.arguments or ()
        }

    def _field(self, parent: Any, node: FieldNode, mult: int) -> None:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            return
        fields = getattr(parent, "fields", {})
        definition = fields.get(node.name.value)
        if definition is None:
            return
        target = get_named_type(definition.type)
        name = node.name.value
        args = self._args(node)
        if name == "nodes" and "ids" in args and parent is self.schema.query_type:
            ids = args["ids"] if isinstance(args["ids"], list) else []
            if len(ids) > MAX_IDS:
                self._error(
                    "EXCESSIVE_PAGINATION",
                    f"You may not request more than {MAX_IDS} nodes at once "
                    f"(requested {len(ids)}).",
                )
            self.walk(target, node.selection_set, mult * max(1, len(ids)))
            return
        if target.name.endswith("Connection"):
            limit = self._limit(name, args)
            self.out.requests += mult
            self.out.nodes += mult * limit
            self.walk(target, node.selection_set, mult * limit)
            return
        self.walk(target, node.selection_set, mult)

    def _limit(self, name: str, args: dict[str, Any]) -> int:
        first, last = args.get("first"), args.get("last")
        if first is None and last is None:
            self._error(
                "MISSING_PAGINATION_BOUNDARIES",
                f"You must provide a `first` or `last` value to properly paginate the "
                f"`{name}` connection.",
            )
            return MAX_PAGE
        for arg, value in (("first", first), ("last", last)):
            if value is None:
                continue
            if not isinstance(value, int) or value > MAX_PAGE:
                self._error(
                    "EXCESSIVE_PAGINATION",
                    f"Requesting {value} records on the `{name}` connection exceeds the "
                    f"`{arg}` limit of {MAX_PAGE} records.",
                )
                return MAX_PAGE
            if value < 1:
                self._error(
                    "ARGUMENT_LIMIT",
                    f"`{arg}` on the `{name}` connection cannot be less than 1 (got {value}).",
                )
                return 1
        chosen = first if first is not None else last
        return int(chosen) if isinstance(chosen, int) else MAX_PAGE

    def _error(self, kind: str, message: str) -> None:
        self.out.errors.append({"type": kind, "message": message})
