"""The connection under the SQLite archive: transactions, snapshots, errors named.

Every SQLite error leaves the archive as an :class:`~provenance.errors.ArchiveError`
naming it: writes map theirs in :meth:`Connection.transaction`, the reads of each
public method are mapped by :func:`sqlite_errors_named`.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from . import _rows
from ._lock import LockFile

SQLITE_HEADER = b"SQLite format 3\x00"
T = TypeVar("T")


def sqlite_errors_named(cls: type[T]) -> type[T]:
    """Every public method of ``cls``: an SQLite error becomes an :class:`ArchiveError`.

    Writes already map theirs in :meth:`SQLiteArchive.transaction`; this
    covers the reads (a corrupt page found by a SELECT), so no SQLite error
    ever leaves the archive as a traceback.
    """
    for name, method in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        if name in ("transaction", "snapshot", "close"):
            continue
        setattr(cls, name, _named(method))
    return cls


def _named(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def guarded(self: Connection, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise _rows.read_error(self.path, exc) from exc

    return guarded


class Connection:
    """One SQLite connection of the archive at ``path``, and the run lock if writing."""

    def __init__(self, path: Path, connection: sqlite3.Connection, lock: LockFile | None):
        self.path = str(path)
        self._db = connection
        self._lock = lock
        self.writable = lock is not None

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

        Every SQLite failure (disk full, I/O error, a corrupt page, a broken
        constraint) becomes an :class:`ArchiveError` naming the archive: the
        step is rolled back, what earlier transactions stored stays.
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _rows.write_error(self.path, exc) from exc
        try:
            yield self._db
        except sqlite3.Error as exc:
            self._rollback()
            raise _rows.write_error(self.path, exc) from exc
        except BaseException:
            self._rollback()
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _rows.write_error(self.path, exc) from exc

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every read inside sees the archive as one moment.

        A report taken while ``rescore`` saves its results shows either the
        run before or the run after, never a mix (WAL readers keep their
        snapshot until the transaction ends).
        """
        if self._db.in_transaction:
            yield
            return
        try:
            self._db.execute("BEGIN")
        except sqlite3.Error as exc:
            raise _rows.read_error(self.path, exc) from exc
        try:
            yield
        finally:
            self._rollback()

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:  # the connection is broken: SQLite rolls back on close
            pass
