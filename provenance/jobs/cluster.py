"""Per-item work on a Dask distributed cluster, for nightly runs too big for one machine.

Workers only compute; each result goes back to the coordinating process as
soon as it is known, and that process alone opens the archive. What a task
needs travels with it: :meth:`Cluster.share` sends what every task of a run
needs once to every worker. ``dask[distributed]`` is optional
(``pip install 'provenance[cluster]'``) and imported only when a cluster is used.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from ..errors import ClusterError

log = logging.getLogger("provenance")

T = TypeVar("T")

_NOT_INSTALLED = "dask[distributed] is not installed: pip install 'provenance[cluster]'"


class Cluster:
    """A connected Dask client: values shared with every worker, and calls whose results
    come back as each is done. Made by :func:`connect`."""

    def __init__(self, address: str, client: Any) -> None:
        self.address = address
        self._client = client

    def share(self, value: object) -> Any:
        """``value`` sent once to every worker: a future to pass to calls instead of it."""
        return self._client.scatter(value, broadcast=True, hash=False)

    def everywhere(self, fn: Callable[[], T]) -> dict[str, T]:
        """``fn()`` run once on every worker now: its result by worker address."""
        return self._client.run(fn)

    def each(
        self, fn: Callable[..., T], calls: Iterable[tuple], *, apart: Sequence[int] = ()
    ) -> Calls[T]:
        """``fn(*args)`` for each of ``calls`` on the workers, results in completion order;
        more calls can be sent while they come back (:meth:`Calls.send`).

        The arguments at the positions ``apart`` travel apart from the task graph
        (large ones: Dask warns of graphs over 10 MB and keeps them on the scheduler):
        each is sent to a worker on its own, and kept there until its call's result
        is back.
        """
        import distributed

        pending = distributed.as_completed(loop=self._client.loop)
        sent = Calls(self, fn, pending, tuple(apart))
        for args in calls:
            sent.send(*args)
        return sent


class Calls(Generic[T]):
    """Results of calls sent to a :class:`Cluster`, as each is done; :meth:`send` adds one.

    A call that raises is re-raised here, as a bug: the function must catch its
    own errors. A scheduler lost mid-run is a :class:`ClusterError`.
    """

    def __init__(
        self, cluster: Cluster, fn: Callable[..., T], pending: Any, apart: tuple[int, ...]
    ) -> None:
        self._cluster, self._fn, self._pending, self._apart = cluster, fn, pending, apart
        # each call's arguments sent apart, held until its result is back: a scattered
        # value whose future is dropped may be released before the call has run
        self._held: dict[str, list[Any]] = {}

    def send(self, *args: object) -> None:
        client = self._cluster._client
        held = []
        if self._apart:
            args_list = list(args)
            for i in self._apart:
                # a list of one: a scattered dict would become one value per key, named
                # by its keys (two calls carrying one key would share, and release, it)
                (args_list[i],) = client.scatter([args_list[i]], hash=False)
                held.append(args_list[i])
            args = tuple(args_list)
        future = client.submit(self._fn, *args, pure=False)
        if held:
            self._held[future.key] = held
        self._pending.add(future)

    def __iter__(self) -> Iterator[T]:
        for future in self._pending:
            try:
                result = future.result()
            except CancelledError as exc:  # e.g. the scheduler went away mid-run
                reason = getattr(exc, "reason", None) or exc
                raise ClusterError(
                    self._cluster.address, f"lost the Dask scheduler mid-run ({reason})"
                ) from None
            future.release()  # frees the result on the worker: it is the caller's now
            self._held.pop(future.key, None)  # and what it carried
            del future
            yield result


@contextmanager
def connect(address: str, *, timeout_s: float = 10.0) -> Iterator[Cluster]:
    """The cluster at ``address``, connected; the client is closed (unfinished calls
    dropped) when the block ends, however it ends.

    Raises :class:`ClusterError` if Dask is not installed, the address is not a
    scheduler's or the scheduler cannot be reached within ``timeout_s``.
    """
    try:
        import distributed
        from distributed.comm import get_address_host_port
    except ImportError:
        raise ClusterError(address, _NOT_INSTALLED) from None

    try:
        # Checked up front: a malformed address would leave a half-made client behind.
        get_address_host_port(address)
    except ValueError as exc:
        raise ClusterError(address, f"not a Dask scheduler address ({exc})") from None

    try:
        client = distributed.Client(address, timeout=timeout_s, set_as_default=False)
    except (TimeoutError, OSError) as exc:
        raise ClusterError(address, _unreachable(exc, timeout_s)) from None
    except ImportError as exc:  # the scheduler refused this client's package versions
        raise ClusterError(address, f"the Dask scheduler refused this client ({exc})") from None

    try:
        yield Cluster(address, client)
    finally:
        try:
            client.close()
        except (TimeoutError, OSError) as exc:  # scheduler already gone
            log.warning("%s: could not close the Dask client cleanly: %s", address, exc)


def cluster_map(
    address: str, fn: Callable[..., T], *iterables: Sequence, timeout_s: float = 10.0
) -> Iterator[T]:
    """``fn`` over the zipped ``iterables`` on the cluster at ``address``, in completion order.

    Results come as they complete so the caller can store each one at once. The
    connection is made on the first ``next()`` (see :func:`connect`), and closed
    when the iteration ends, fails or is stopped early. ``fn`` must be importable
    on the workers and should catch its own errors: an exception raised by ``fn``
    is re-raised here, as a bug.
    """
    with connect(address, timeout_s=timeout_s) as cluster:
        yield from cluster.each(fn, zip(*iterables, strict=False))


def _unreachable(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, asyncio.TimeoutError) or "timed out" in str(exc).lower():
        return f"cannot reach the Dask scheduler (timed out after {timeout_s:g} s)"
    return f"cannot reach the Dask scheduler ({exc})"
