"""Per-item work in worker processes that can be stopped, or on a Dask cluster.

A decoder stuck inside one C call cannot be interrupted from Python: the item
runs in a child process (Pebble's pool, started from a clean forkserver) that
is killed when it hangs, and a child that dies is replaced. What a hung or dead
child means is the caller's to say: for the analysis, the footage's doing.
The coordinating process alone writes to the archive; workers only compute.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

import cv2
import pebble
from threadpoolctl import threadpool_limits

from ..model import Problem
from .cluster import cluster_map

T = TypeVar("T")


def one_thread_each() -> None:
    """In one of several worker processes: NumPy's BLAS and OpenCV use one thread.

    Two processes each running both cores' worth of threads went at half the
    speed (measured: an 800x800 descriptor product, 6.0 ms against 3.0 ms).
    Only in a clean process (forkserver): after a fork of a process whose BLAS
    threads run, changing them deadlocks.
    """
    threadpool_limits(1)
    cv2.setNumThreads(1)


@dataclass(frozen=True)
class Guarded(Generic[T]):
    """One call of :func:`run_guarded`: its arguments and result, or why it has none.

    ``ours`` tells a failure of our own code (the call raised) from a process
    stopped because it hung or that ``died`` (for the analysis, a decoder stuck
    or crashing on the footage).
    """

    args: tuple
    result: T | None = None
    failure: str | None = None
    ours: bool = False
    traceback: str | None = None
    died: bool = False


def run_guarded(
    fn: Callable[..., T],
    calls: Sequence[tuple],
    *,
    workers: int = 1,
    timeout: float | None,
    initializer: Callable[[bool], None] | None = None,
) -> Iterator[Guarded[T]]:
    """``fn(*args)`` for each of ``calls`` in child processes that are stopped when stuck.

    Yields a :class:`Guarded` per call as it is done: its result, or the
    failure of a call still running after ``timeout`` seconds (None: no
    limit; its process is killed, a decoder stuck inside one C call cannot be
    stopped any other way), of a process that died, or of ``fn`` raising (a
    bug of ours). The other calls go on in a fresh process.
    Children start from a clean server process (forkserver): nothing this
    process has loaded (an ONNX runtime, threads) is forked. ``initializer``
    runs in each child before its first call, told whether it shares the
    machine with other children (then it should use one thread).
    """
    if not calls:
        return
    context = multiprocessing.get_context("forkserver")
    processes = max(1, min(workers, len(calls)))
    start: Callable[..., None] | None
    start_args: tuple[bool, ...]
    if initializer is not None:
        start, start_args = initializer, (processes > 1,)
    else:
        start, start_args = (one_thread_each if processes > 1 else None), ()
    with pebble.ProcessPool(
        max_workers=processes, context=context, initializer=start, initargs=start_args
    ) as pool:
        futures: dict[Future[T], tuple] = {
            pool.schedule(fn, args=args, timeout=timeout): args for args in calls
        }
        for future in as_completed(futures):
            args = futures[future]
            try:
                yield Guarded(args, future.result())
            except FutureTimeout:
                why = f"still busy {timeout:g} s after it started: stopped (hung)"
                yield Guarded(args, failure=why)
            except pebble.ProcessExpired as exc:
                why = f"its process died (exit code {exc.exitcode})"
                yield Guarded(args, failure=why, died=True)
            except Exception as exc:
                problem = Problem.internal("worker", exc)
                yield Guarded(args, failure=problem.reason, ours=True, traceback=problem.traceback)


def run_each(
    fn: Callable[..., T],
    *iterables: Sequence,
    workers: int = 1,
    scheduler: str | None = None,
) -> Iterator[T]:
    """``fn`` over the zipped ``iterables``: here, in local processes, or on a cluster.

    Results come as they are done (not in order with workers or a cluster), so
    the caller can store each at once. ``fn`` must be a module-level function
    that catches its own errors.
    """
    count = min((len(i) for i in iterables), default=0)
    if scheduler is not None:
        yield from cluster_map(scheduler, fn, *iterables)
    elif workers <= 1 or count <= 1:
        yield from map(fn, *iterables)
    else:
        calls = list(zip(*iterables, strict=True))
        for done in run_guarded(fn, calls, workers=workers, timeout=None):
            if done.failure is not None:
                raise RuntimeError(
                    f"a worker process of {fn.__name__} failed: {done.failure}\n"
                    f"{done.traceback or ''}"
                )
            yield cast(T, done.result)  # no failure: what fn returned (None if it did)
