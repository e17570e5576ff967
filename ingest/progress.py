"""Progress display: one updating line per enterprise on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO


def _line(enterprise_id: str, fields: dict[str, Any]) -> str:
    parts = [f"{enterprise_id}: {fields.get('phase', '')}"]
    if fields.get("repos_total"):
        parts.append(f"repos {fields.get('repos_done', 0)}/{fields['repos_total']}")
    parts.append(f"requests {fields.get('requests', 0)}")
    if fields.get("rate_left") is not None:
        parts.append(f"rate limit left {fields['rate_left']}")
    return " · ".join(parts)


class Progress:
    """Callable progress sink: `progress(enterprise_id, phase=…, repos_done=…, …)`."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        interval: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        every_repos: int = 100,
    ) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval = interval
        self.clock = clock
        self.every_repos = every_repos
        self._fields: dict[str, dict[str, Any]] = {}
        self._drawn = 0
        self._last_draw = 0.0
        self._lock = threading.Lock()

    def __call__(self, enterprise_id: str, **fields: Any) -> None:
        with self._lock:
            old = self._fields.get(enterprise_id, {})
            new = {**old, **fields}
            if fields.get("phase") not in (None, "repos"):
                new.pop("repos_done", None)
                new.pop("repos_total", None)
            self._fields[enterprise_id] = new
            if self.tty:
                now = self.clock()
                if now - self._last_draw >= self.interval or old.get("phase") != new.get("phase"):
                    self._draw()
                    self._last_draw = now
            elif self._worth_a_line(old, new):
                self.stream.write(f"{time.strftime('%H:%M:%S')} {_line(enterprise_id, new)}\n")
                self.stream.flush()

    def _worth_a_line(self, old: dict[str, Any], new: dict[str, Any]) -> bool:
        if old.get("phase") != new.get("phase"):
            return True
        done = int(new.get("repos_done") or 0)
        return (
            done > 0
            and done != old.get("repos_done")
            and (done % self.every_repos == 0 or done == new.get("repos_total"))
        )

    def _draw(self) -> None:
        out = []
        if self._drawn:
            out.append(f"\x1b[{self._drawn}F")
        for ent, fields in self._fields.items():
            out.append("\x1b[2K\r" + _line(ent, fields) + "\n")
        self._drawn = len(self._fields)
        self.stream.write("".join(out))
        self.stream.flush()

    def close(self) -> None:
        """Draw the final state."""
        with self._lock:
            if self.tty and self._fields:
                self._draw()


def no_progress(enterprise_id: str, **fields: Any) -> None:
    """A progress sink that shows nothing."""
