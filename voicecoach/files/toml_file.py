"""Reading a TOML file with the line of every table and key, so errors can point at them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from voicecoach.errors import ConfigError, Problem
from voicecoach.files.reading import LineMap, read_user_file


def _toml_lines(text: str) -> LineMap:
    """Line of each `[table]` and `key =` so errors can point at them (tomllib gives none)."""
    lines: LineMap = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"\s*\[([A-Za-z0-9_.\-]+)\]\s*(#.*)?$", line)
        if header:
            table = tuple(header.group(1).split("."))
            lines.setdefault(table, number)
            continue
        key = re.match(r"\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=", line)
        if key:
            lines.setdefault((*table, key.group(1).strip('"')), number)
    return lines


def read_toml(path: Path, what: str = "settings") -> tuple[dict[str, Any], LineMap]:
    """A TOML file and the line of each table and key; bad syntax is a located ConfigError."""
    text = read_user_file(path, what, ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError([Problem(str(path), int(found.group(1)) if found else None, "",
                                   f"invalid TOML: {reason}",
                                   fix="check quotes, brackets and `key = value` syntax")]) from None
    return data, _toml_lines(text)
