"""Reading user-edited files safely and turning validation errors into located one-line problems."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from voicecoach.errors import Problem

MAX_FILE_BYTES = 1_000_000
"""A routine or settings file is a few kilobytes; a megabyte means the wrong file was given."""

Path_ = tuple[str | int, ...]
LineMap = dict[Path_, int]


def read_user_file(path: Path, what: str, fail: Callable[[list[Problem]], Exception]) -> str:
    """The text of a user file, or `fail` raised with one problem saying why it cannot be used."""
    name = str(path)

    def problem(message: str, fix: str) -> Exception:
        return fail([Problem(name, None, "", message, fix=fix)])

    if not path.exists():
        hint = " or run `voicecoach list`" if what == "routine" else ""
        raise problem(f"no such {what} file", f"check the path{hint}")
    if path.is_dir():
        raise problem(f"is a directory, not a {what} file", f"give the path of a {what} file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise problem(
                f"file is too large for a {what} ({size:,} bytes, limit {MAX_FILE_BYTES:,})",
                f"give a {what} file, not another kind of file",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise problem(f"cannot read the file ({exc.strerror})", "check its permissions") from exc
    if b"\x00" in raw:
        raise problem(f"is a binary file, not a text {what}", f"give a {what} text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise problem(
            f"is not UTF-8 text (bad byte at offset {exc.start})", "save the file as UTF-8"
        ) from exc
    if not text.strip():
        raise problem(f"the {what} file is empty", f"write a {what} in it (see README)")
    return text


class _LineLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which YAML would otherwise silently merge."""


def parse_yaml(text: str, file: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse YAML into plain data plus the line of every key path (for located error messages)."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        return None, {}, [Problem(file, line, "", f"invalid YAML: {reason}",
                                  fix="check indentation, colons and quotes on that line")]
    if node is None:
        return None, {}, [Problem(file, None, "", "the file has no content",
                                  fix="write a routine in it (see README)")]
    lines: LineMap = {}
    problems: list[Problem] = []
    data = _to_python(node, (), lines, problems, file)
    return data, lines, problems


def _to_python(
    node: yaml.Node, path: Path_, lines: LineMap, problems: list[Problem], file: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _LineLoader(" ").construct_object(key_node) if isinstance(
                key_node, yaml.ScalarNode) else str(key_node.value)
            if isinstance(key, list | dict):
                key = str(key)
            if key in result:
                problems.append(Problem(file, key_node.start_mark.line + 1, dotted((*path, key)),
                                        "key appears twice", fix="keep only one of them"))
            lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _to_python(value_node, (*path, key), lines, problems, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(v, (*path, i), lines, problems, file) for i, v in enumerate(node.value)]
    try:
        return _LineLoader(" ").construct_object(node)
    except yaml.YAMLError as exc:
        problems.append(Problem(file, node.start_mark.line + 1, dotted(path),
                                f"unreadable value: {exc}", fix="quote it as a string"))
        return None


def dotted(path: Iterable[str | int]) -> str:
    """`exercises[0].variations[2].tempo`: the form users see in error messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(path: Path_, lines: LineMap) -> int | None:
    """The line of the nearest enclosing key that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def describe_value(value: Any) -> str:
    """A short rendering of the bad value for `(got X)`."""
    text = repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, dict):
        text = "a mapping"
    elif isinstance(value, list):
        text = "a list"
    return text if len(text) <= 40 else text[:37] + "..."


def validation_problems(
    exc: ValidationError,
    file: str,
    lines: LineMap,
    model_for: Callable[[Path_], type[BaseModel] | None],
) -> list[Problem]:
    """One Problem per pydantic error, with line, key path, the bad value and a fix."""
    problems = []
    errors = exc.errors(include_url=False)
    failed = [tuple(e["loc"]) for e in errors if e["type"] != "too_short"]
    for error in errors:
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        if error["type"] == "too_short" and any(f[: len(loc)] == loc for f in failed):
            continue  # an item failed, so the list only looks short: report the item instead
        kind = error["type"]
        message, fix = _explain(error, loc, model_for)
        got = None if kind in ("missing", "extra_forbidden") else describe_value(error.get("input"))
        if kind == "value_error" and isinstance(error.get("input"), dict):
            got = None  # a whole-mapping rule: the message names the keys involved
        problems.append(Problem(file, line_of(loc, lines), dotted(loc), message, got, fix))
    return sorted(problems, key=lambda p: p.line or 0)


_FIXES: Mapping[str, str] = {
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "string_type": "write text (quote it if it looks like a number)",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "list_type": "write a list",
    "dict_type": "write a mapping of keys to values",
    "model_type": "write a mapping of keys to values",
    "too_short": "add at least one item",
    "tuple_type": "write a list",
}


def _explain(
    error: Any, loc: Path_, model_for: Callable[[Path_], type[BaseModel] | None]
) -> tuple[str, str | None]:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "too_short":
        return "must not be empty", _FIXES["too_short"]
    if kind == "missing":
        return "is required but missing", f"add `{loc[-1]}:`"
    if kind == "extra_forbidden":
        model = model_for(loc[:-1])
        known = sorted(model.model_fields) if model else []
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        fix = f"did you mean `{guess[0]}`?" if guess else f"known keys: {', '.join(known)}"
        return "unknown key", fix
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), None)
        words = {
            "greater_than_equal": ("is too small", f"use at least {bound}"),
            "greater_than": ("is too small", f"use more than {bound}"),
            "less_than_equal": ("is too large", f"use at most {bound}"),
            "less_than": ("is too large", f"use less than {bound}"),
        }
        return words[kind]
    if kind == "enum":
        return "is not one of the allowed values", f"use one of: {ctx.get('expected', '')}"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        message, _, fix = text.partition("; ")
        return message, fix or None
    message = str(error["msg"]).replace("Input should be", "should be").replace("Value error, ", "")
    return message, _FIXES.get(kind)
