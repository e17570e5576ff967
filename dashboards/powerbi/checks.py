"""Checks that run on every generated project (no Power BI needed).

- `dax_references`: the tables, columns and measures a DAX expression names.
- `tmdl_problems`: a small well-formedness check of TMDL text — tab indentation that never jumps
  more than one level into a new object, known object keywords, unique names per parent, valid
  data types, and balanced parentheses, brackets and quotes in every expression.
- `model_problems`: every DAX and visual reference resolves to a table, column or measure of the
  model.

No TMDL validator runs on Linux: these checks catch what a generator bug would break, not every
rule Power BI Desktop enforces (docs/powerbi.md says which).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

DATA_TYPES = frozenset(
    {"string", "int64", "double", "dateTime", "decimal", "boolean", "binary", "variant"}
)
OBJECTS = frozenset(
    {
        "database",
        "model",
        "table",
        "column",
        "measure",
        "partition",
        "relationship",
        "expression",
        "annotation",
        "ref",
        "hierarchy",
        "level",
        "dataAccessOptions",
    }
)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_NAME = r"'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_REF = re.compile(rf"({_NAME})\s*\[([^\]]+)\]")
_TABLE_REF = re.compile(r"'((?:[^']|'')+)'")
_MEASURE_REF = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True, slots=True)
class References:
    """What one DAX expression names."""

    tables: frozenset[str]
    columns: frozenset[tuple[str, str]]
    measures: frozenset[str]


def _unquote(name: str) -> str:
    return name[1:-1].replace("''", "'") if name.startswith("'") else name


def dax_references(expression: str) -> References:
    """Tables (quoted or before `[`), `table[column]` pairs and bare `[measure]` names."""
    code = _STRING.sub('""', expression)
    columns = {(_unquote(t), c) for t, c in _COLUMN_REF.findall(code)}
    rest = _COLUMN_REF.sub(" ", code)
    tables = {_unquote(f"'{t}'") for t in _TABLE_REF.findall(rest)} | {t for t, _ in columns}
    measures = set(_MEASURE_REF.findall(_TABLE_REF.sub(" ", rest)))
    return References(frozenset(tables), frozenset(columns), frozenset(measures))


def balance_problems(text: str) -> list[str]:
    """Unbalanced (), [], {} or an unclosed "…" / '…' in an expression (DAX or M)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote and text[i + 1 : i + 2] == quote:
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "/" and text[i + 1 : i + 2] == "/":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return [f"unbalanced {ch!r} at offset {i}"]
        i += 1
    if quote:
        return [f"unclosed {quote} quote"]
    return [f"unclosed {stack[-1]!r}"] if stack else []


def _split_name(rest: str) -> tuple[str, str]:
    """The object name at the start of a declaration and what follows it."""
    if rest.startswith("'"):
        end = 1
        while True:
            end = rest.index("'", end)
            if rest[end + 1 : end + 2] == "'":
                end += 2
                continue
            return rest[: end + 1], rest[end + 1 :]
    name, _, tail = rest.partition(" ")
    return name, (" " + tail if tail else "")


_PROPERTY = re.compile(r"^([A-Za-z]+):\s*(.*)$")
_FLAG = re.compile(r"^[A-Za-z]+$")
_SOURCE = re.compile(r"^source\s*=\s*(.*)$")


class _TmdlReader:
    """State of one pass over a TMDL file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[str] = []
        self.names: dict[tuple[int, str], Counter[str]] = {}
        self.parents: list[tuple[int, int]] = []  # (indent, line) of the open objects
        self.body_indent: int | None = None
        self.body: list[str] = []
        self.previous = 0

    def problem(self, number: int, text: str) -> None:
        self.problems.append(f"{self.path}:{number}: {text}")

    def open_body(self, indent: int, inline: str) -> None:
        """An expression follows: inline after `=`, or on lines two tabs deeper."""
        if inline:
            self.problems += [f"{self.path}: {p}" for p in balance_problems(inline)]
        else:
            self.body_indent = indent + 2

    def close_body(self) -> None:
        if self.body_indent is not None:
            found = balance_problems("\n".join(self.body))
            self.problems += [f"{self.path}: {p}" for p in found]
            if not self.body:
                self.problems.append(f"{self.path}: empty expression")
        self.body_indent = None
        self.body = []

    def line(self, number: int, line: str) -> None:
        stripped = line.lstrip("\t")
        indent = len(line) - len(stripped)
        if self.body_indent is not None and indent >= self.body_indent:
            self.body.append(stripped)
            return
        self.close_body()
        if stripped.startswith(" "):
            self.problem(number, "indented with spaces, TMDL uses tabs")
            return
        if indent > self.previous + 1:
            self.problem(number, f"indentation jumps {indent - self.previous} levels")
        self.previous = indent
        if stripped.startswith("///"):
            return
        if source := _SOURCE.match(stripped):
            self.open_body(indent, source.group(1))
        elif prop := _PROPERTY.match(stripped):
            if prop.group(1) == "dataType" and prop.group(2) not in DATA_TYPES:
                self.problem(number, f"unknown dataType {prop.group(2)!r}")
        elif stripped.split(" ", 1)[0] in OBJECTS:
            self.declaration(number, indent, stripped)
        elif not _FLAG.match(stripped):
            self.problem(number, f"cannot read {stripped[:40]!r}")

    def declaration(self, number: int, indent: int, stripped: str) -> None:
        keyword, _, rest = stripped.partition(" ")
        while self.parents and self.parents[-1][0] >= indent:
            self.parents.pop()
        parent = self.parents[-1][1] if self.parents else 0
        self.parents.append((indent, number))
        if keyword in {"ref", "annotation", "database", "dataAccessOptions"} or not rest:
            return
        name, tail = _split_name(rest)
        self.names.setdefault((parent, keyword), Counter())[name] += 1
        tail = tail.strip()
        if tail.startswith("="):
            value = tail[1:].strip()
            if not (keyword == "partition" and value in {"m", "calculated"}):
                self.open_body(indent, value)


def tmdl_problems(path: str, text: str) -> list[str]:
    """Well-formedness problems of one TMDL file ([] when it looks right)."""
    reader = _TmdlReader(path)
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            reader.line(number, line)
    reader.close_body()
    for (_, keyword), counts in reader.names.items():
        reader.problems += [
            f"{path}: {keyword} {n} declared {c} times" for n, c in counts.items() if c > 1
        ]
    return reader.problems
