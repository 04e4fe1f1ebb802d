"""Per-item work in child processes: a call that hangs or crashes is stopped, the rest goes on."""

from __future__ import annotations

import dataclasses
import os
import signal
import time

import pytest

from provenance.jobs.analyse import _outcome
from provenance.jobs.pool import run_each, run_guarded
from provenance.model import MediaStatus


def work(kind: str, value: int) -> int:
    """What a child is asked to do (module level: children import it by name)."""
    if kind == "hang":
        signal.pause()  # blocks inside one C call, as a stuck decoder would
    if kind == "crash":
        os.abort()
    if kind == "bug":
        raise KeyError("a bug of ours")
    return value * 2


def test_a_hanging_and_a_crashing_call_are_stopped_and_the_others_finish():
    calls = [("ok", 1), ("hang", 2), ("crash", 3), ("bug", 6), ("ok", 4), ("ok", 5)]
    started = time.monotonic()
    done = {d.args: d for d in run_guarded(work, calls, timeout=3.0)}
    assert time.monotonic() - started < 30
    assert {args: d.result for args, d in done.items() if d.result is not None} == {
        ("ok", 1): 2,
        ("ok", 4): 8,
        ("ok", 5): 10,
    }
    hung, died, bug = done[("hang", 2)], done[("crash", 3)], done[("bug", 6)]
    assert "still busy 3 s after it started: stopped (hung)" in (hung.failure or "")
    assert "its process died" in (died.failure or "") and died.died and not hung.died
    assert "decoder" not in (died.failure or "")  # what a death means is the caller's to say
    assert not hung.ours and not died.ours  # a stuck or crashing decoder: the footage
    assert bug.ours and bug.failure == "KeyError: 'a bug of ours'"
    assert "raise KeyError" in (bug.traceback or "")


def test_two_workers_share_the_calls():
    calls = [("ok", i) for i in range(6)]
    found = sorted(d.result for d in run_guarded(work, calls, workers=2, timeout=10.0))
    assert found == [0, 2, 4, 6, 8, 10]
    assert list(run_guarded(work, [], timeout=1.0)) == []


def test_a_dead_analysis_is_the_footage_s_a_dead_matcher_is_not():
    """A child that dies while decoding is a decoder crash (the item is unreadable);
    one that dies while matching is not called one: the run stops, naming the work."""
    (died,) = run_guarded(work, [("crash", 1)], timeout=10.0)
    analysed = _outcome(dataclasses.replace(died, args=("sha", "clip.mp4", 5.0)))
    assert analysed.status is MediaStatus.UNREADABLE
    assert analysed.error == f"{died.failure}: a decoder crash"
    with pytest.raises(RuntimeError, match=r"of work failed: its process died") as raised:
        list(run_each(work, ["crash", "ok"], [1, 2], workers=2))
    assert "decoder" not in str(raised.value)
