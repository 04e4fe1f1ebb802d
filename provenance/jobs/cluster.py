"""Per-item work on a Dask distributed cluster, for nightly runs too big for one machine.

Workers only compute; :func:`cluster_map` hands each result back to the
coordinating process as soon as it is known, and that process alone writes to
the archive. ``dask[distributed]`` is optional (``pip install 'provenance[cluster]'``)
and imported only when a cluster is used.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import TypeVar

from ..errors import ClusterError

log = logging.getLogger("provenance")

T = TypeVar("T")

_NOT_INSTALLED = "dask[distributed] is not installed: pip install 'provenance[cluster]'"


def cluster_map(
    address: str, fn: Callable[..., T], *iterables: Sequence, timeout_s: float = 10.0
) -> Iterator[T]:
    """``fn`` over the zipped ``iterables`` on the cluster at ``address``, in completion order.

    Results come as they complete so the caller can store each one at once. The
    connection is made on the first ``next()``, which raises :class:`ClusterError`
    if the scheduler cannot be reached within ``timeout_s``. The client is
    closed (and unfinished tasks dropped) when the iteration ends, fails or is
    stopped early. ``fn`` must be importable on the workers and should catch
    its own errors: an exception raised by ``fn`` is re-raised here, as a bug.
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
        pending = distributed.as_completed(client.map(fn, *iterables, pure=False), loop=client.loop)
        for future in pending:
            try:
                result = future.result()
            except CancelledError as exc:  # e.g. the scheduler went away mid-run
                reason = getattr(exc, "reason", None) or exc
                raise ClusterError(address, f"lost the Dask scheduler mid-run ({reason})") from None
            future.release()  # frees the result on the worker: it is the caller's now
            del future
            yield result
    finally:
        try:
            client.close()
        except (TimeoutError, OSError) as exc:  # scheduler already gone
            log.warning("%s: could not close the Dask client cleanly: %s", address, exc)


def _unreachable(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, asyncio.TimeoutError) or "timed out" in str(exc).lower():
        return f"cannot reach the Dask scheduler (timed out after {timeout_s:g} s)"
    return f"cannot reach the Dask scheduler ({exc})"
