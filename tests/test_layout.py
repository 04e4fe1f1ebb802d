"""The package is laid out as the pipeline it is (docs/architecture.md).

Data flows one way: no module imports from a later stage. The pure stages
(fingerprint, match, findings, scoring) open no file: media are opened in
``media/``, the archive in ``archive/``, manifests in ``intake/``, reports are
written in ``report/``. No module is much over 400 lines without saying why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "provenance"
# the stages in pipeline order; a module may import from its own stage and earlier ones
STAGES = (
    ("model", "errors", "__init__"),
    ("intake",),
    ("media",),
    ("fingerprint",),
    ("match",),
    ("findings",),
    ("scoring",),
    ("archive",),
    ("report",),
    ("jobs",),
    ("cli",),
)
PURE = ("fingerprint", "match", "findings", "scoring")
FILE_ACCESS = re.compile(
    r"\bopen\(|\.read_text\(|\.read_bytes\(|\.write_text\(|\.write_bytes\(|\bav\.open\("
    r"|\bsqlite3\b|Image\.open\(|cv2\.imread\(|cv2\.imwrite\(|VideoCapture\(|\bos\.(remove|unlink)"
)
LONG_LINES = 420


def _stage(module: str) -> int:
    """Stage index of ``provenance.<first>...``."""
    first = module.split(".")[1] if "." in module else "__init__"
    for index, names in enumerate(STAGES):
        if first in names:
            return index
    raise AssertionError(f"{module}: in no stage of {STAGES}")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """The provenance modules ``name`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("provenance"):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("provenance"))
    return found


def test_no_module_imports_from_a_later_stage() -> None:
    wrong = []
    for name, path in _modules().items():
        mine = _stage(name)
        for imported in _imports(name, path):
            if imported != "provenance" and _stage(imported) > mine:
                wrong.append(f"{name} imports {imported}")
    assert not wrong, wrong


def test_the_pure_stages_open_no_file() -> None:
    wrong = []
    for name, path in _modules().items():
        if name.split(".")[1:2] and name.split(".")[1] in PURE:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if FILE_ACCESS.search(code):
                    wrong.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not wrong, wrong


def test_a_long_module_says_why_at_its_top() -> None:
    long = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if text.count("\n") > LONG_LINES and "long because" not in docstring:
            long.append(f"{path.relative_to(REPO)}: {text.count(chr(10))} lines")
    assert not long, long


def test_the_fixture_generator_is_not_in_the_package() -> None:
    assert not (PACKAGE / "synth").exists()
    assert (REPO / "fixturegen" / "__init__.py").is_file()
    shipped = PACKAGE / "fixtures"
    assert (shipped / "manifest.jsonl").is_file() and (shipped / "ground_truth.json").is_file()
