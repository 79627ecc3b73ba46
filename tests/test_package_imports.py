"""The package's import structure: no circle, no import that runs back up the data path, the ears,
the session and the voice apart, a face on every package, no loose module at the top, and no class
name used twice.

Read from the source (every import, also those inside functions), so a lazy import counts too.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from itertools import permutations
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "voicecoach"

SHARED_WORDS = ("errors", "states", "commands", "events", "ports")
"""The only modules at the top of the package, beside __init__.py and __main__.py."""

LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "states"),
    ("commands",),
    ("audio",),
    ("echo",),
    ("files",),
    ("routine",),
    ("events",),
    ("ports",),
    ("history",),
    ("ears", "session", "voice"),
    ("views",),
    ("sim",),
    ("cli",),
)
"""The data path from the ground up: a module imports only from its own layer or below."""

APART = ("ears", "session", "voice")
"""They meet only in the shared words (and ears and voice in echo/): none imports another."""


def module_name(path: Path) -> str:
    """`voicecoach/ears/gate.py` -> `voicecoach.ears.gate`; a package's face is the package."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> Iterator[str]:
    """Every voicecoach module that `path` imports (a name imported from a package that is a
    submodule counts as that submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target:
                yield target


GRAPH = {name: set(imported(path)) - {name} for name, path in MODULES.items()}


def stage(module: str) -> str:
    """The top-level module or package a module belongs to (`voicecoach.ears.gate` -> `ears`)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer(module: str) -> int:
    return next(i for i, names in enumerate(LAYERS) if stage(module) in names)


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (first == last), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None


def test_the_walk_reads_the_whole_package() -> None:
    assert "voicecoach.session.machine" in GRAPH["voicecoach.session.runner"]
    assert len(MODULES) > 50


def test_no_import_circle() -> None:
    assert find_circle(GRAPH) is None


def test_ears_session_and_voice_never_import_one_another() -> None:
    crossings = [f"{module} -> {target}" for module, targets in GRAPH.items() for target in targets
                 for a, b in permutations(APART, 2) if stage(module) == a and stage(target) == b]
    assert crossings == []


def test_no_import_runs_back_up_the_data_path() -> None:
    ends = {"voicecoach", "voicecoach.__main__"}  # the package's version, `python -m voicecoach`
    upward = [f"{module} -> {target}" for module, targets in GRAPH.items() if module not in ends
              for target in targets if target not in ends and layer(target) > layer(module)]
    assert upward == []


def test_only_the_shared_words_stand_at_the_top() -> None:
    loose = sorted(p.name for p in PACKAGE.glob("*.py")
                   if p.stem not in {*SHARED_WORDS, "__init__", "__main__"})
    assert loose == []
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == {name for names in LAYERS for name in names} - set(SHARED_WORDS)


@pytest.mark.parametrize("package", sorted(name for name, path in MODULES.items()
                                            if path.name == "__init__.py" and name.count(".") >= 1))
def test_every_package_has_a_face(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__doc__, f"{package} has no first line"
    assert module.__all__, f"{package} names nothing in __all__"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_no_class_name_is_used_twice() -> None:
    names = [node.name for path in MODULES.values()
             for node in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(node, ast.ClassDef)]
    assert sorted({name for name in names if names.count(name) > 1}) == []
