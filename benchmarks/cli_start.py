"""How long the command line takes to answer before any work (issue 18: under 0.3 s).

Each command runs in a fresh process, as a user types it (the ``provenance``
script of the environment); beside it, ``python -c pass`` in the same
interpreter, the floor no command can go under. Medians of ``--repeat`` runs,
alternated so that a busy moment of the machine touches every command alike.
Also which heavy libraries ``import provenance.cli`` pulls in (none should:
they are imported where they are used).

    python -m benchmarks.cli_start [--repeat 15]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import add_repeat, emit, parser

TARGET_S = 0.3
HEAVY = ("numpy", "cv2", "av", "scipy", "skimage", "faiss", "dask", "PIL", "jinja2", "c2pa")


def _script() -> list[str]:
    found = Path(sys.executable).with_name("provenance")
    if found.exists():
        return [str(found)]
    on_path = shutil.which("provenance")
    if on_path is None:
        raise SystemExit("no provenance script beside this Python or on PATH: pip install -e .")
    return [on_path]


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_imports() -> list[str]:
    """The heavy libraries imported by ``import provenance.cli`` in a fresh process."""
    probe = f"import sys, provenance.cli; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    return out.split()


def measure(repeat: int) -> dict:
    commands = {
        "provenance --version": [*_script(), "--version"],
        "provenance --help": [*_script(), "--help"],
        "provenance check --help": [*_script(), "check", "--help"],
        "python -c pass (the floor)": [sys.executable, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    medians = {name: round(statistics.median(t), 3) for name, t in times.items()}
    return {
        "repeat": repeat,
        "median_s": medians,
        "target_s": TARGET_S,
        "met": all(s < TARGET_S for n, s in medians.items() if n.startswith("provenance")),
        "heavy_imported_by_cli": heavy_imports(),
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = parser("cli_start", __doc__)
    add_repeat(p)
    p.set_defaults(repeat=15)
    args = p.parse_args(argv)
    emit("cli_start", measure(args.repeat), argv)


if __name__ == "__main__":
    main()
