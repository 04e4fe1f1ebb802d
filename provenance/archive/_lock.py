"""One run at a time: an exclusive advisory lock on ``<archive>.lock``.

The lock is the operating system's (``flock``), so a killed run never leaves
it stale. It is meant for one host: advisory locks are unreliable on many
network filesystems (see docs/cluster.md).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import ArchiveError, ArchiveLocked


class LockFile:
    """An exclusive advisory lock on ``<archive>.lock``; the OS frees it if we die."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, archive: Path) -> LockFile:
        lock_path = archive.with_name(archive.name + ".lock")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ArchiveError(archive, f"cannot create the lock file ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise ArchiveLocked(
                archive, f"another provenance run holds the archive{who}; try again when it ends"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return cls(fd)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
