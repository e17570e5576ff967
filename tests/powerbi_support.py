"""Test helpers for the Power BI project: Microsoft's JSON schemas, vendored and resolved offline.

tests/fixtures/powerbi-schemas/ holds the pinned schema files (and the closure of their relative
`$ref`s) copied from microsoft/json-schemas (MIT, LICENSE beside them). A file's `$schema` URL maps
to its path there, so validation never touches the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMA_ROOT = Path(__file__).parent / "fixtures" / "powerbi-schemas"
URL_PREFIX = "https://developer.microsoft.com/json-schemas/"


@cache
def registry() -> Registry:
    """Every vendored schema, by the URL it is published at."""
    resources = []
    for path in sorted(SCHEMA_ROOT.rglob("*.json")):
        url = URL_PREFIX + path.relative_to(SCHEMA_ROOT).as_posix()
        doc = json.loads(path.read_text(encoding="utf-8"))
        resources.append((url, Resource.from_contents(doc, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def schema_errors(doc: dict[str, Any]) -> list[str]:
    """Validation errors of a PBIR / PBISM document against the schema its `$schema` names."""
    url = doc["$schema"]
    path = SCHEMA_ROOT / url.removeprefix(URL_PREFIX)
    if not url.startswith(URL_PREFIX) or not path.is_file():
        return [f"schema {url} is not vendored"]
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = Draft7Validator(schema, registry=registry())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]
