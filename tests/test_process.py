"""Per-item work in child processes: a call that hangs or crashes is stopped, the rest goes on."""

from __future__ import annotations

import os
import signal
import time

from provenance.process import run_guarded


def work(kind: str, value: int) -> int:
    """What a child is asked to do (module level: children import it by name)."""
    if kind == "hang":
        signal.pause()  # blocks inside one C call, as a stuck decoder would
    if kind == "crash":
        os.abort()
    return value * 2


def test_a_hanging_and_a_crashing_call_are_stopped_and_the_others_finish():
    calls = [("ok", 1), ("hang", 2), ("crash", 3), ("ok", 4), ("ok", 5)]
    started = time.monotonic()
    done = {args: (result, error) for args, result, error in run_guarded(work, calls, timeout=3.0)}
    assert time.monotonic() - started < 30
    assert {args: result for args, (result, _) in done.items() if result is not None} == {
        ("ok", 1): 2,
        ("ok", 4): 8,
        ("ok", 5): 10,
    }
    assert "still busy 3 s after it started: stopped (hung)" in done[("hang", 2)][1]
    assert "its process died" in done[("crash", 3)][1]


def test_two_workers_share_the_calls():
    calls = [("ok", i) for i in range(6)]
    found = sorted(r for _, r, _ in run_guarded(work, calls, workers=2, timeout=10.0))
    assert found == [0, 2, 4, 6, 8, 10]
    assert list(run_guarded(work, [], timeout=1.0)) == []
