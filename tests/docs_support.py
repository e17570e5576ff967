"""Read the user docs (README.md, docs/*.md) as data, for the tests that keep them true.

A fenced block whose info string holds the word `runnable` (```` ```sh runnable ````) is run by
tests/test_docs_runnable.py; `exit=N` says the block's last command exits N.
Markdown tables are read by the heading above them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^(\s*)```(.*)$")


@dataclass(frozen=True)
class Block:
    """A fenced code block: where it is, its info string and its text."""

    doc: Path
    line: int
    info: str
    text: str

    @property
    def words(self) -> list[str]:
        """The info string split into words (language first)."""
        return self.info.split()

    @property
    def runnable(self) -> bool:
        """Marked to be run by the docs tests."""
        return "runnable" in self.words

    def option(self, name: str) -> str | None:
        """The value of a `name=value` word of the info string."""
        for word in self.words:
            key, sep, value = word.partition("=")
            if sep and key == name:
                return value
        return None

    @property
    def where(self) -> str:
        """`README.md:12`, for messages and test ids."""
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def user_docs() -> list[Path]:
    """README.md and every page in docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def blocks(doc: Path) -> list[Block]:
    """Every fenced block of a Markdown file, in order (indented fences included)."""
    found: list[Block] = []
    lines = doc.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, info = match.group(1), match.group(2).strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            body.append(lines[j][len(indent) :] if lines[j].startswith(indent) else lines[j])
            j += 1
        found.append(Block(doc, i + 1, info, "\n".join(body) + "\n"))
        i = j + 1
    return found


def runnable_blocks(doc: Path) -> list[Block]:
    """The blocks of `doc` marked runnable, in order."""
    return [b for b in blocks(doc) if b.runnable]


def table_under(doc: Path, heading: str) -> list[dict[str, str]]:
    """The rows of the first Markdown table after the heading whose text starts with `heading`.

    Each row is a dict from header cell to cell text (stripped; backquotes kept).
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    start = next(
        i for i, line in enumerate(lines) if line.startswith("#") and line.lstrip("#").strip()
        .startswith(heading)
    )  # fmt: skip
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(split_row(line))
        elif rows:
            break
    header, _rule, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row; `\\|` and `|` inside backquotes do not split."""
    cells: list[str] = []
    cell: list[str] = []
    in_code = False
    text = line.strip().removeprefix("|").removesuffix("|")
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            cell.append("|")
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(cell).strip())
            cell = []
        else:
            cell.append(ch)
        i += 1
    cells.append("".join(cell).strip())
    return cells


def code_spans(text: str) -> list[str]:
    """The `inline code` spans of a piece of Markdown."""
    return [a or b for a, b in re.findall(r"``\s?(.+?)\s?``|`([^`]+)`", text)]


def pattern(example: str) -> re.Pattern[str]:
    """A documented example message as a regex: `…` stands for any text, the rest is literal."""
    parts = [re.escape(p) for p in example.split("…")]
    return re.compile(".*?".join(parts), re.DOTALL)
