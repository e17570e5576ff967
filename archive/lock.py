"""The run lock: one ghmc run at a time per data folder (data/ghmc.lock).

The lock file is created with O_EXCL and names its holder (pid, host, start time). Holding it
means holding an OS lock on it as well (flock on POSIX, a byte-range `msvcrt.locking` on Windows),
which the OS drops when the holder dies: a lock file left by a dead process is therefore taken
over, with a warning naming it. flock (not fcntl record locks) so that two holders inside one
process also exclude each other.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import orjson

from archive.errors import LockHeld, storage_error

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

log = logging.getLogger("ghmc.archive")

LOCK_NAME = "ghmc.lock"
_LOCK_OFFSET = (
    1 << 20
)  # msvcrt locks are mandatory: lock a byte past the text, so it stays readable


def _os_lock(fd: int) -> bool:
    """Take the OS lock on `fd` without waiting; False when another process has it."""
    try:
        if sys.platform == "win32":
            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _os_unlock(fd: int) -> None:
    """Drop the OS lock on `fd`."""
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)


def read_holder(path: Path) -> dict[str, object]:
    """Return what the lock file says about its holder ({} when unreadable)."""
    try:
        data = orjson.loads(path.read_bytes() or b"{}")
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _describe(holder: dict[str, object]) -> str:
    return (
        f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')} "
        f"since {holder.get('started_at', '?')}"
    )


class RunLock:
    """Exclusive lock on a data folder; a context manager (`with RunLock(data_dir): ...`)."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self.took_over: str | None = None
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock, or raise LockHeld naming the live holder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._open()
        except OSError as exc:
            raise storage_error("take the run lock", self.path, exc) from exc
        self._fd = fd
        self._write_holder(fd)
        return self

    def _open(self) -> int:
        """Create or open the lock file and hold its OS lock; handle a stale holder."""
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                taken = self._open_existing()
                if taken is None:
                    continue
                return taken
            if _os_lock(fd) and self._same_file(fd):
                return fd
            os.close(fd)
        raise LockHeld(f"could not take {self.path}: it keeps changing hands")

    def _open_existing(self) -> int | None:
        """Open a lock file someone else created; return its fd if we now hold it."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return None
        holder = read_holder(self.path)
        if not _os_lock(fd):
            os.close(fd)
            raise LockHeld(
                f"another ghmc run holds {self.path} ({_describe(holder)}); wait for it to finish"
            )
        if not self._same_file(fd):
            os.close(fd)
            return None
        self.took_over = f"took over a stale lock {self.path} left by {_describe(holder)}"
        log.warning("%s", self.took_over)
        return fd

    def _same_file(self, fd: int) -> bool:
        """Tell whether `fd` is still the file at our path (not one unlinked by its releaser)."""
        if sys.platform == "win32":
            return True
        try:
            return os.fstat(fd).st_ino == self.path.stat().st_ino
        except FileNotFoundError:
            return False

    def _write_holder(self, fd: int) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, orjson.dumps(info))
        os.fsync(fd)

    def release(self) -> None:
        """Drop the lock and remove the lock file."""
        if self._fd is None:
            return
        fd = self._fd
        self._fd = None
        if sys.platform != "win32":
            with contextlib.suppress(OSError):
                self.path.unlink()
        _os_unlock(fd)
        os.close(fd)
        if sys.platform == "win32":
            with contextlib.suppress(OSError):
                self.path.unlink()

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
