"""cluster_map on a real local Dask cluster: results, early stop, unreachable scheduler."""

from __future__ import annotations

import logging
import math
import operator
import sys
import time
from collections.abc import Iterator

import pytest

from provenance.errors import ClusterError
from provenance.jobs.cluster import cluster_map, connect

distributed = pytest.importorskip("distributed")

# No dashboard, and the scheduler's small HTTP server on a free port, not on 8787.
QUIET = {"dashboard_address": None, "scheduler_kwargs": {"dashboard_address": ":0"}}

# Worker processes are spawned and do not see tests/ on their path: only
# functions of the standard library (or of the installed package) are sent.


def _not_a_late_result(record: logging.LogRecord) -> bool:
    """False for the scheduler's own note that a result it had queued for a client found
    the client gone (it logs that as critical). The scheduler is another program on a
    real cluster; here it shares the tests' process and log. A client that stops early
    leaves such a result queued whenever the machine is busy enough: 9 runs in 10 of
    ``test_stopping_early_closes_the_client`` with four busy loops beside it."""
    return not str(record.msg).startswith("Closed comm %r while trying to write")


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    scheduler_log = logging.getLogger("distributed.scheduler")
    scheduler_log.addFilter(_not_a_late_result)
    try:
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, **QUIET
        ) as local:
            yield local
    finally:
        scheduler_log.removeFilter(_not_a_late_result)


def _settled(cluster: distributed.LocalCluster, clients: int, deadline_s: float = 5.0) -> bool:
    """Whether the scheduler is back to ``clients`` clients and holds no task."""
    scheduler = cluster.scheduler
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if len(scheduler.clients) == clients and not scheduler.tasks:
            return True
        time.sleep(0.05)
    return False


def test_results_come_back_in_any_order(cluster) -> None:
    xs, ys = list(range(20)), list(range(100, 120))
    results = list(cluster_map(cluster.scheduler_address, operator.mul, xs, ys))
    assert sorted(results) == sorted(x * y for x, y in zip(xs, ys, strict=True))


def test_stopping_early_closes_the_client(cluster) -> None:
    clients = len(cluster.scheduler.clients)
    results = cluster_map(cluster.scheduler_address, operator.mul, range(50), range(50))
    first = next(results)
    assert first in {i * i for i in range(50)}
    results.close()
    assert _settled(cluster, clients), "client or tasks left on the scheduler"
    assert sorted(cluster_map(cluster.scheduler_address, math.sqrt, [4, 9])) == [2.0, 3.0]


def test_a_raising_task_is_re_raised_and_the_client_closed(cluster) -> None:
    clients = len(cluster.scheduler.clients)
    with pytest.raises(ValueError, match="math domain error"):
        list(cluster_map(cluster.scheduler_address, math.sqrt, [4, -1, 9]))
    assert _settled(cluster, clients), "client or tasks left on the scheduler"


def test_arguments_sent_apart_arrive_whole_and_are_let_go_with_their_results(cluster) -> None:
    # Every call carries a dict holding one same key: scattered as a dict, its values
    # would become futures named by that key, one value for all calls.
    clients = len(cluster.scheduler.clients)
    key = ("item", "kind")
    with connect(cluster.scheduler_address) as remote:
        calls = remote.each(
            operator.getitem, [({key: i, ("own", i): -i}, key) for i in range(4)], apart=(0,)
        )
        got = []
        for value in calls:
            got.append(value)
            if len(got) <= 4:  # sent while results come back
                calls.send({key: 10 + len(got), ("own", len(got)): 0}, key)
        assert sorted(got) == [0, 1, 2, 3, 11, 12, 13, 14]
        assert _settled(cluster, clients + 1), "what the calls carried is still held"
    assert _settled(cluster, clients)


def test_nothing_to_do_yields_nothing(cluster) -> None:
    assert list(cluster_map(cluster.scheduler_address, math.sqrt, [])) == []


def test_unreachable_scheduler_fails_quickly_naming_the_address() -> None:
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens there
    start = time.monotonic()
    with pytest.raises(ClusterError) as raised:
        next(cluster_map(address, math.sqrt, [1.0], timeout_s=2))
    assert time.monotonic() - start < 8
    assert raised.value.path == address
    assert address in str(raised.value)
    assert "cannot reach the Dask scheduler (timed out after 2 s)" in str(raised.value)


@pytest.mark.parametrize("address", ["nonsense", "foo://bar:1", "tcp://host-without-port"])
def test_malformed_address_is_a_cluster_error(address: str) -> None:
    with pytest.raises(ClusterError, match="not a Dask scheduler address") as raised:
        next(cluster_map(address, math.sqrt, [1.0]))
    assert raised.value.path == address


def test_missing_distributed_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ClusterError, match=r"pip install 'provenance\[cluster\]'"):
        next(cluster_map("tcp://127.0.0.1:8786", math.sqrt, [1.0]))


def test_losing_the_scheduler_mid_run_is_a_cluster_error(caplog) -> None:
    doomed = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", **QUIET
    )
    address = doomed.scheduler_address
    results = cluster_map(address, time.sleep, [0.2] * 20, timeout_s=2)
    try:
        next(results)
        doomed.close()
        with pytest.raises(ClusterError, match="lost the Dask scheduler mid-run") as raised:
            list(results)
        assert raised.value.path == address
    finally:
        results.close()
        doomed.close()
    caplog.clear()  # distributed logs its failed reconnection at ERROR: expected here
