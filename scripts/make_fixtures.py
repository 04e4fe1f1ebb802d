#!/usr/bin/env python3
"""Generate the synthetic claim-footage fixture set.

    python scripts/make_fixtures.py [--out provenance/fixtures] [--seed N] [--workers N]

The generator is ``fixturegen/`` (a folder of the repository, not installed);
the committed fixture set is ``provenance/fixtures/``, the default output.
Prints the time taken and the total size of the output folder.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # fixturegen/ is a folder of the repository

from fixturegen.catalogue import DEFAULT_SEED, make_fixture_set  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "provenance" / "fixtures",
                        help="output folder (default: the committed set, provenance/fixtures)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the set")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: up to 2); output does not depend on it")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    manifest = make_fixture_set(args.out, seed=args.seed, workers=args.workers)
    took = time.perf_counter() - start
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    n_media = sum(1 for _ in (args.out / "media").iterdir())
    print(f"wrote {manifest} ({n_media} media files)")
    print(f"time: {took:.1f} s; total size of {args.out}: {total / 1e6:.2f} MB ({total} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
