"""A helper thread driven in lock step, to overlap GIL-free C work with the caller's Python work.

zstd and hashlib release the GIL while they work, so a second core can run them while the
caller parses or escapes JSON (which holds the GIL). A plain worker thread does not get there:
each time it comes back from C it must win the GIL from the busy caller, which CPython grants
only after the switch interval (5 ms), so in practice it runs *after* the caller. Here the caller
hands over one call and waits (GIL released) only until the helper is about to enter it; the
helper wins the GIL back when the caller asks for the result. One call is in flight at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_STOP = object()


class LockStep(Generic[T, R]):
    """Runs `fn(arg)` in a helper thread, one call at a time: submit(arg), then result()."""

    def __init__(self, fn: Callable[[T], R], name: str) -> None:
        self._fn = fn
        self._go = threading.Semaphore(0)
        self._entered = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._arg: object = None
        self._outcome: R | BaseException | None = None
        self._busy = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a call was submitted and its result not yet taken."""
        return self._busy

    def submit(self, arg: T) -> None:
        """Start `fn(arg)` in the helper; returns once the helper is running it."""
        if self._busy:
            raise RuntimeError("LockStep: the previous result was not taken")
        self._arg = arg
        self._busy = True
        self._go.release()
        self._entered.acquire()

    def result(self) -> R:
        """Wait for the submitted call and return its result (or raise its exception)."""
        if not self._busy:
            raise RuntimeError("LockStep: nothing was submitted")
        self._done.acquire()
        self._busy = False
        outcome, self._outcome = self._outcome, None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]

    def close(self) -> None:
        """Wait for a call in flight (its result is dropped) and end the helper thread."""
        if self._busy:
            self._done.acquire()
            self._busy = False
            self._outcome = None
        self._arg = _STOP
        self._go.release()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._go.acquire()
            arg, self._arg = self._arg, None
            if arg is _STOP:
                return
            self._entered.release()
            try:
                self._outcome = self._fn(arg)  # type: ignore[arg-type]
            except BaseException as exc:  # handed to the caller, which re-raises it
                self._outcome = exc
            self._done.release()
