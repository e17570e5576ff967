"""The one error the report raises: what is wrong and what to do (cli.py maps it to exit 1)."""

from __future__ import annotations


class ReportError(Exception):
    """The report cannot be built (no metrics.db, an outdated one, a damaged vendored asset)."""
