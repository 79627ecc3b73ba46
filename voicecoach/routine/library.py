"""The routine library: loading a routine file or text, and finding routines by name or path."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from voicecoach.errors import Problem, RoutineError
from voicecoach.files import parse_yaml, paths, read_user_file, validation_problems
from voicecoach.routine.model import Routine, model_for
from voicecoach.routine.translation import is_translation, translated


def load_routine_text(text: str, source: str = "<routine>") -> Routine:
    """Validate routine YAML; raises RoutineError listing every problem with its line."""
    data, lines, problems = parse_yaml(text, source)
    if problems:
        raise RoutineError(problems)
    if is_translation(data):
        data = translated(data, lines, source)
    if not isinstance(data, dict):
        raise RoutineError([Problem(source, 1, "", "a routine must be a mapping of keys",
                                    got=type(data).__name__,
                                    fix="start with `name:` and `exercises:` (see README)")])
    try:
        return Routine.model_validate(data)
    except ValidationError as exc:
        raise RoutineError(validation_problems(exc, source, lines, model_for)) from None


def load_routine(path: Path | str) -> Routine:
    """Read and validate a routine file."""
    path = Path(path)
    return load_routine_text(read_user_file(path, "routine", RoutineError), str(path))


def routine_dirs() -> list[Path]:
    """Where routines are looked up by name: the shipped ones, then the user's own."""
    return [paths.SHIPPED_ROUTINES_DIR, paths.user_routines_dir()]


def routine_files() -> list[Path]:
    """Every routine file found, shipped first."""
    found: list[Path] = []
    for directory in routine_dirs():
        if directory.is_dir():
            found.extend(sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml")))
    return found


def find_routine(ref: str | Path, language: str = "") -> Path:
    """A routine by path, or by name as `voicecoach list` shows it (`leg-lifts`); by name, its
    translation into `language` (`leg-lifts.ko.yaml`) when there is one."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or as_path.exists():
        return as_path
    code = language.strip().lower().split("-")[0]
    if code:
        for candidate in routine_files():
            if candidate.stem == f"{ref}.{code}":
                return candidate
    for candidate in routine_files():
        if candidate.stem == str(ref):
            return candidate
    names = ", ".join(p.stem for p in routine_files()) or "(none)"
    raise RoutineError([Problem(str(ref), None, "", "no routine with this name or path",
                                fix=f"use a file path or one of: {names}")])
