"""The wheel ships the product only: no test support (testkit/, fakes, test clients)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parent.parent


def _shipped() -> list[str]:
    """The packages setuptools puts in the wheel, found the way pyproject.toml tells it to."""
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = cfg["tool"]["setuptools"]["packages"]["find"]["include"]
    return find_packages(where=str(ROOT), include=include)


def test_testkit_is_not_shipped() -> None:
    """testkit/ (fakes, clocks, config writers, simulator client) is not a shipped package."""
    shipped = _shipped()
    assert "projections" in shipped
    assert "sim" in shipped
    assert not [p for p in shipped if p.split(".")[0] in {"testkit", "tests", "bench"}]


def test_no_shipped_module_is_a_test_helper() -> None:
    """No module of a shipped package is a fake or a test client."""
    modules = [
        path.relative_to(ROOT).as_posix()
        for pkg in _shipped()
        for path in (ROOT / pkg.replace(".", "/")).glob("*.py")
    ]
    assert "projections/api.py" in modules
    helpers = [m for m in modules if Path(m).stem in {"fakes", "testing", "conftest"}]
    assert helpers == []
