"""Shared fixtures: every test run gets private user directories, never the real home's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Real audio and real-speed tests are realtime: `.ci/test` runs them one at a time, the rest
    beside them at the lowest priority (a busy neighbour at the same priority delays their
    callbacks and timers; see README, "Tests")."""
    for item in items:
        if ("pulse" in getattr(item, "fixturenames", ())
                or item.get_closest_marker("audio") or item.get_closest_marker("slow")):
            item.add_marker(pytest.mark.realtime)


@pytest.fixture(autouse=True, scope="session")
def private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point config, data and cache dirs at a temporary tree for the whole run."""
    root = tmp_path_factory.mktemp("user")
    saved = {k: os.environ.get(k) for k in
             ("VOICECOACH_CONFIG_DIR", "VOICECOACH_DATA_DIR", "VOICECOACH_CACHE_DIR")}
    os.environ["VOICECOACH_CONFIG_DIR"] = str(root / "config")
    os.environ["VOICECOACH_DATA_DIR"] = str(root / "data")
    os.environ["VOICECOACH_CACHE_DIR"] = str(root / "cache")
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
