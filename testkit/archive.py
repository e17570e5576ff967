"""A fake event log (`testkit.fakes`) written through the real archive writer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import archive
from archive.envelope import Event

REF_IDS = ("not_modified_of", "report_event_id")
"""Refs that name another event: rewritten to the id the archive gave that event."""


def write_archive(events: Iterable[Event], raw: Path, segment_bytes: int | None = None) -> int:
    """Append `events` (in order) through `ArchiveWriter`, remapping the event ids named in
    refs; returns how many were written."""
    ids: dict[str, str] = {}
    kw = {} if segment_bytes is None else {"segment_bytes": segment_bytes}
    n = 0
    with archive.ArchiveWriter.open(raw, **kw) as w:
        for ev in events:
            refs = {k: ids.get(v, v) if k in REF_IDS else v for k, v in ev.refs.items()}
            new = w.append(
                kind=ev.kind,
                run_id=ev.run_id,
                fetched_at=ev.fetched_at,
                enterprise_id=ev.enterprise_id,
                org=ev.org,
                repo=ev.repo,
                request=ev.request,
                response=ev.response,
                body=ev.body_bytes(),
                refs=refs,
                error=ev.error,
            )
            ids[ev.event_id] = new.event_id
            n += 1
    return n
