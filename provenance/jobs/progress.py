"""Progress for long work: a bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")
log = logging.getLogger("provenance")
LOG_EVERY_S = 10.0


def progress(items: Iterable[T], *, total: int, desc: str) -> Iterator[T]:
    """Yield ``items``, showing how far along they are.

    On a terminal a tqdm bar on stderr; otherwise (the nightly job under cron)
    one log line at the start, one every :data:`LOG_EVERY_S` seconds and one
    at the end, so logs stay readable.
    """
    if sys.stderr.isatty():
        yield from tqdm(items, total=total, desc=desc, unit="item", leave=False)
        return
    log.info("%s: %d to do", desc, total)
    started = last = time.monotonic()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= LOG_EVERY_S and done < total:
            log.info("%s: %d/%d done (%.0f s)", desc, done, total, now - started)
            last = now
    log.info("%s: %d/%d done in %.1f s", desc, done, total, time.monotonic() - started)
