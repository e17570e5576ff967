"""Shared test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project_root() -> Path:
    """The repository root (where cli.py lives)."""
    return ROOT


@pytest.fixture(scope="session")
def report_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo folder (3 simulated days, per-user billing on) with its metrics.db and the report
    `daily` wrote; built once and shared by the xdist workers."""
    from report_demo import shared_demo

    base = tmp_path_factory.getbasetemp()  # per session; under xdist, per worker: share its parent
    return shared_demo(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
