"""The numbers the docs quote from the program are the program's: each is read from the code
and looked for, spelled as the docs spell it, in the page that states it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from docs_support import ROOT

from ingest import scopes
from ingest.collectors import billing, copilot_reports, days
from ingest.retry import RetryPolicy


def text(page: str) -> str:
    """A page with its line breaks and runs of spaces made single spaces."""
    return " ".join((ROOT / page).read_text(encoding="utf-8").split())


def default(function: object, name: str) -> object:
    """The default value of a function's parameter."""
    return inspect.signature(function).parameters[name].default  # type: ignore[arg-type]


def reserve_percent() -> object:
    """The share of the hourly budget ingest keeps in hand, in percent."""
    return round(RetryPolicy().pace_reserve_fraction * 100)


def expiry_days() -> object:
    """How many days ahead the token expiry is warned about."""
    return default(scopes.expiry_warning, "days")


def refetched_days() -> object:
    """How many recent report days every run asks again, in words."""
    return {3: "three"}[default(days.days_to_fetch, "refetch_days")]  # type: ignore[index]


def billing_months() -> object:
    """How far back billing is asked, in months."""
    return billing.KEEP_DAYS * 12 // 365


CLAIMS = [
    ("README.md", "When {} % of the hourly budget is left", reserve_percent),
    ("docs/first-day.md", "keeps {} % in hand", reserve_percent),
    ("docs/github-setup.md", "When it is {} days away or less", expiry_days),
    ("README.md", "re-fetches the last {} report days", refetched_days),
    ("docs/github-setup.md", "at most the last {} days", lambda: copilot_reports.KEEP_DAYS),
    ("docs/github-setup.md", "billing for at most {} months", billing_months),
]
"""(page, phrase with {} for the number, where the program keeps the number)."""


@pytest.mark.parametrize(("page", "phrase", "value"), CLAIMS, ids=[c[1] for c in CLAIMS])
def test_quoted_number_is_the_programs(page: str, phrase: str, value: object) -> None:
    """The page states the number the program uses."""
    assert callable(value)
    assert phrase.format(value()) in text(page)


def test_pages_exist() -> None:
    """Every page named above is a user doc."""
    assert all((ROOT / page).is_file() for page, _, _ in CLAIMS)
    assert Path(ROOT / "README.md").is_file()
