"""Plain-text renderings for the auditor commands (`events`, `audit sql`, `status`, `verify`).

Kept out of cli.py so the commands stay a few lines each and the texts can be tested directly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from archive.stats import ArchiveStats
from archive.verify import VerifyReport

EVENT_COLUMNS = (
    "seq",
    "fetched_at",
    "kind",
    "enterprise_id",
    "scope",
    "status",
    "body_size",
    "event_id",
)
_MAX_CELL = 60


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = (
        value
        if isinstance(value, str)
        else orjson.dumps(value).decode()
        if isinstance(value, dict | list)
        else str(value)
    )
    text = text.replace("\n", " ")
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return rows as an aligned text table under a header line."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells
    )
    return "\n".join(lines)


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Return rows as RFC-4180 CSV with a header row (JSON values as JSON text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _plain(v) for v in row])
    return out.getvalue()


def _plain(value: Any) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else value


def event_row(env: dict[str, Any]) -> tuple[Any, ...]:
    """Return the `events list` table cells of one envelope."""
    scope = env.get("repo") or env.get("org") or ""
    status = (env.get("response") or {}).get("status")
    if env.get("error"):
        status = f"error: {(env['error'] or {}).get('type', '?')}"
    return (
        env["seq"],
        env["fetched_at"],
        env["kind"],
        env.get("enterprise_id"),
        scope,
        status,
        env.get("body_size"),
        env["event_id"],
    )


def without_body(env: dict[str, Any]) -> dict[str, Any]:
    """Return the envelope without its body text (sha256 and size stay)."""
    return {k: v for k, v in env.items() if k != "body"}


def status_text(stats: ArchiveStats) -> str:
    """Return the archive part of `ghmc status`."""
    ratio = f"{stats.ratio:.1f}x" if stats.ratio else "-"
    lines = [
        f"archive segments:  {stats.segments} sealed, {stats.open_segments} open",
        f"archive events:    {stats.events}",
        f"bytes raw/stored:  {stats.bytes_raw} / {stats.bytes_stored} ({ratio})",
        f"last fetched:      {stats.last_fetched_at or '-'}",
        f"head hash:         {stats.head_hash}",
    ]
    if stats.per_kind:
        rows = [
            (kind, ks.events, ks.segments, ks.bytes_raw, ks.bytes_stored)
            for kind, ks in sorted(stats.per_kind.items())
        ]
        lines += ["", table(("kind", "events", "segments", "bytes_raw", "bytes_stored"), rows)]
    return "\n".join(lines)


def verify_text(report: VerifyReport) -> str:
    """Return the summary `ghmc verify` prints."""
    state = "intact" if report.ok else f"DAMAGED ({len(report.problems)} problem(s))"
    lines = [
        f"archive {state}: {report.segments} sealed segments, {report.open_segments} open, "
        f"{report.events} events checked",
        f"head hash: {report.head_hash}",
    ]
    lines += [f"problem: {p}" for p in report.problems]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)
