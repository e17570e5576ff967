"""Links between the docs resolve: every relative link names a file that exists, and every
`#anchor` a heading of that file (GitHub's anchor rules), so a renamed heading breaks CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docs_support import ROOT, user_docs

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    """The anchors of a Markdown file's headings (outside code blocks)."""
    found: set[str] = set()
    in_code = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            found.add(github_anchor(line.lstrip("#")))
    return found


def links(doc: Path) -> list[str]:
    """Relative link targets of a Markdown file (not http, not mailto), outside code blocks."""
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def test_anchor_rule() -> None:
    """The anchor rule gives GitHub's anchors for headings with code and punctuation."""
    assert github_anchor(" Retention (`raw_days`) and definition changes") == (
        "retention-raw_days-and-definition-changes"
    )
    assert github_anchor(" 1. The token, in an environment variable") == (
        "1-the-token-in-an-environment-variable"
    )


@pytest.mark.parametrize("doc", user_docs(), ids=lambda d: d.name)
def test_links_resolve(doc: Path) -> None:
    """Every relative link of the page reaches an existing file and heading."""
    broken = []
    for target in links(doc):
        path, _, anchor = target.partition("#")
        dest = (doc.parent / path).resolve() if path else doc
        missing = not dest.exists() or not dest.is_relative_to(ROOT)
        if missing or (anchor and dest.suffix == ".md" and anchor not in anchors(dest)):
            broken.append(target)
    assert broken == []
