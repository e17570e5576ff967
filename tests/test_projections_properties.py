"""Determinism properties of the projections over generated event logs (design §5, contract)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from testkit import fakes
from tests.projections_support import build, do_replay, dump, rows_from

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
DAYS = st.integers(min_value=1, max_value=5)


def _log(seed: int, days: int) -> list[fakes.Event]:
    return fakes.scenario(random.Random(seed), days=days)


def _full(events: list[fakes.Event]) -> dict[str, list[tuple[object, ...]]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "metrics.db"
        build(events, db)
        return dump(db)


@settings(max_examples=10)
@given(SEEDS, DAYS)
def test_two_rebuilds_are_identical(seed: int, days: int) -> None:
    """Rebuilding twice from the same archive gives identical rows in every table."""
    events = _log(seed, days)
    first = _full(events)
    assert first == _full(events)
    assert any(first.values())


@settings(max_examples=15)
@given(SEEDS, DAYS, st.randoms(use_true_random=False))
def test_write_order_does_not_matter(seed: int, days: int, rnd: random.Random) -> None:
    """Shuffling the order events were written in (their seq) changes no row."""
    events = _log(seed, days)
    order = list(range(len(events)))
    rnd.shuffle(order)
    assert _full(fakes.reseq(events, order)) == _full(events)


@settings(max_examples=10)
@given(SEEDS, DAYS, st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=4))
def test_incremental_projects_equal_full_rebuild(seed: int, days: int, cuts: list[float]) -> None:
    """Any split of the archive's growth into several `project` calls ends with the full rebuild."""
    events = _log(seed, days)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "metrics.db"
        for n in sorted(int(c * len(events)) for c in cuts):
            build(events[:n], db)
        build(events, db)
        assert dump(db) == _full(events)


@settings(max_examples=10)
@given(SEEDS, DAYS, st.floats(min_value=0, max_value=1), st.integers(0, 6))
def test_replay_from_day_equals_full_rebuild(seed: int, days: int, cut: float, offset: int) -> None:
    """`replay --from D` makes the rows in the window from D equal a full rebuild and leaves the
    others alone; a later `project` then ends with the full rebuild."""
    events = _log(seed, days)
    day = f"2026-03-{2 + offset:02d}"
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "metrics.db"
        build(events[: int(cut * len(events))], db)
        before = dump(db)
        do_replay(events, db, day)
        after = dump(db)
        build(events, db)  # same definitions: project brings the kept rows up to the head too
        projected = dump(db)
    full = _full(events)
    assert rows_from(after, day, before=False) == rows_from(full, day, before=False)
    assert rows_from(after, day, before=True) == rows_from(before, day, before=True)
    assert projected == full


@settings(max_examples=10)
@given(SEEDS, DAYS, st.randoms(use_true_random=False))
def test_rerun_of_same_responses_changes_nothing(seed: int, days: int, rnd: random.Random) -> None:
    """Re-archiving the latest answers (as bodies or as 304s) changes no row, sources included."""
    events = _log(seed, days)
    assert _full(fakes.rerun(events, rnd)) == _full(events)


def test_replay_after_full_rebuild_changes_nothing(tmp_path: Path) -> None:
    """Replaying over a db already built from the same archive leaves every row as it was."""
    events = _log(7, 5)
    db = tmp_path / "metrics.db"
    build(events, db)
    before = dump(db)
    do_replay(events, db, "2026-03-04")
    assert dump(db) == before
