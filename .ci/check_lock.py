"""Fails when the virtual environment differs from requirements.lock: a package missing, at another
version, or installed without being locked (the project itself and its installers excepted)."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"
NOT_LOCKED = {"voicecoach", "pip", "uv"}
"""The project, and the installers (uv is pinned in .ci/setup.sh)."""


def canonical(name: str) -> str:
    """PEP 503 name: case and runs of -_. do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    pins = re.finditer(r"^([A-Za-z0-9][\w.-]*)==(\S+)", LOCK.read_text(), re.MULTILINE)
    locked = {canonical(m[1]): m[2] for m in pins}
    installed = {canonical(d.metadata["Name"]): d.version for d in metadata.distributions()}
    problems = [f"{name}: locked {version}, installed {installed.get(name, 'nothing')}"
                for name, version in sorted(locked.items()) if installed.get(name) != version]
    problems += [f"{name} {version}: installed but not in the lock"
                 for name, version in sorted(installed.items())
                 if name not in locked and name not in NOT_LOCKED]
    for line in problems:
        print(f"requirements.lock: {line}", file=sys.stderr)
    if problems:
        print("fix: rm -r .venv && bash .ci/setup.sh (or bash .ci/lock.sh if pyproject.toml changed)",
              file=sys.stderr)
        return 1
    print(f"requirements.lock: all {len(locked)} locked packages installed at their locked versions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
