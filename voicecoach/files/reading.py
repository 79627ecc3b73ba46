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

MAX_YAML_VALUES = 20_000
"""A long routine has about a thousand values; more means aliases (`*name`) run out of hand."""

MAX_YAML_DEPTH = 40
"""A routine nests about eight levels deep; deeper means a recursive alias or a runaway file."""

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


class _TooComplex(Exception):
    """Raised inside the tree walk; becomes one Problem in `parse_yaml`."""


def parse_yaml(text: str, file: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse YAML into plain data plus the line of every key path (for located error messages)."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, {}, [Problem(file, line, "", f"invalid YAML: {_yaml_reason(exc)}",
                                  fix="check indentation, colons and quotes on that line")]
    except RecursionError:
        return None, {}, [_too_complex(file, "is nested too deeply")]
    if node is None:
        return None, {}, [Problem(file, None, "", "the file has no content",
                                  fix="write a routine in it (see README)")]
    lines: LineMap = {}
    problems: list[Problem] = []
    try:
        data = _to_python(node, (), lines, problems, file)
    except _TooComplex as exc:
        return None, {}, [_too_complex(file, str(exc))]
    return data, lines, problems


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """The first line of a PyYAML message: the rest repeats the text with a caret under it."""
    return getattr(exc, "problem", None) or str(exc).splitlines()[0]


def _too_complex(file: str, message: str) -> Problem:
    return Problem(file, None, "", f"{message} to be a routine or settings file",
                   fix="write values out in full instead of using aliases (`*name`)")


def _to_python(
    node: yaml.Node, path: Path_, lines: LineMap, problems: list[Problem], file: str
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if len(lines) > MAX_YAML_VALUES:
        raise _TooComplex(f"has more than {MAX_YAML_VALUES:,} values")
    if len(path) > MAX_YAML_DEPTH:
        raise _TooComplex("is nested too deeply")
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(file, key_node.start_mark.line + 1, dotted(path),
                                        "a key must be a plain word, not a list or mapping",
                                        fix="write `key: value`"))
                continue
            key = _scalar_key(key_node)
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
                                f"unreadable value: {_yaml_reason(exc)}",
                                fix="quote it as a string"))
        return None


def _scalar_key(node: yaml.ScalarNode) -> Any:
    """A key as YAML types it (`1:` is a number), or its text if it has no plain meaning (`<<`)."""
    try:
        return _LineLoader(" ").construct_object(node)
    except yaml.YAMLError:
        return node.value


def dotted(path: Iterable[str | int]) -> str:
    """`exercises[0].variations[2].tempo`: the form users see in error messages."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        # A key with a newline in it would split the one-line message.
        name = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in part)
        text += f".{name}" if text else name
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
        loc = tuple(p for p in error["loc"] if p != "[key]")  # pydantic's marker for dict keys
        if error["type"] == "too_short" and any(f[: len(loc)] == loc for f in failed):
            continue  # an item failed, so the list only looks short: report the item instead
        kind = error["type"]
        message, fix = _explain(error, loc, model_for)
        got = (None if kind in ("missing", "extra_forbidden", "invalid_key")
               else describe_value(error.get("input")))
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
    "finite_number": "write a number",
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
    if kind in ("extra_forbidden", "invalid_key"):  # invalid_key: a key that is not text
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
    if kind == "string_too_short":
        return "must not be empty", "write some text"
    if kind == "string_too_long":
        return "is too long", f"use at most {ctx.get('max_length')} characters"
    if kind == "enum":
        return "is not one of the allowed values", f"use one of: {ctx.get('expected', '')}"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        message, _, fix = text.partition("; ")
        return message, fix or None
    message = str(error["msg"]).replace("Input should be", "should be").replace("Value error, ", "")
    return message, _FIXES.get(kind)
