"""PBIR visual containers (`visual.json`): cards, charts, tables and slicers bound to the model.

A visual names its data as projections per role (`Values`, `Category`, `Y`, `Series`), each a
column or measure of an entity (model table) — the shape of Microsoft's visualContainer schema
(pinned in `report.SCHEMAS`). Titles and the one-line metric definition (subtitle) are literal
expressions, so every chart says what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Field:
    """A column (`kind="Column"`) or measure (`kind="Measure"`) of a model table."""

    kind: str
    table: str
    name: str

    @property
    def query_ref(self) -> str:
        """The `Table.Name` reference PBIR uses."""
        return f"{self.table}.{self.name}"

    def projection(self) -> JSON:
        """The role projection of this field."""
        source = {"Expression": {"SourceRef": {"Entity": self.table}}, "Property": self.name}
        return {
            "field": {self.kind: source},
            "queryRef": self.query_ref,
            "nativeQueryRef": self.name,
        }


@dataclass(frozen=True, slots=True)
class Visual:
    """One visual on a page: type, title, subtitle (definition) and fields per role."""

    visual_type: str
    title: str
    roles: tuple[tuple[str, tuple[Field, ...]], ...]
    subtitle: str = ""

    def fields(self) -> list[Field]:
        """Every field the visual uses."""
        return [f for _, fields in self.roles for f in fields]


def literal(text: str) -> JSON:
    """A PBIR literal text expression (single-quoted, quotes doubled)."""
    return {"expr": {"Literal": {"Value": "'" + text.replace("'", "''") + "'"}}}


def _titles(visual: Visual) -> JSON:
    objects: JSON = {
        "title": [{"properties": {"show": {"expr": {"Literal": {"Value": "true"}}},
                                  "text": literal(visual.title)}}]
    }  # fmt: skip
    if visual.subtitle:
        objects["subTitle"] = [
            {
                "properties": {
                    "show": {"expr": {"Literal": {"Value": "true"}}},
                    "text": literal(visual.subtitle),
                }
            }
        ]
    return objects


def container(
    schema: str, name: str, visual: Visual, box: tuple[int, int, int, int], order: int
) -> JSON:
    """The visual.json document of `visual` at box (x, y, width, height)."""
    x, y, width, height = box
    state = {
        role: {"projections": [f.projection() for f in fields]} for role, fields in visual.roles
    }
    body: JSON = {
        "visualType": visual.visual_type,
        "query": {"queryState": state},
        "visualContainerObjects": _titles(visual),
        "drillFilterOtherVisuals": True,
    }
    return {
        "$schema": schema,
        "name": name,
        "position": {
            "x": x,
            "y": y,
            "z": order * 1000,
            "width": width,
            "height": height,
            "tabOrder": order * 1000,
        },
        "visual": body,
    }
